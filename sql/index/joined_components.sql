-- Old records (in person_index, unchanged by this load) of every connected component that holds
-- records of two or more earlier persons, with their component: the records whose pairs an
-- incremental link scores within each component (mpi.incremental_scoring). Two persons of one
-- earlier component are picked too; their pairs were kept, and scoring them again only repeats them.
CREATE OR REPLACE TEMP TABLE mpi__joined_records AS
WITH old AS (
    SELECT c.source, c.record_id, c.component_id, p.person_id
    FROM mpi__clusters AS c
    JOIN person_index AS p USING (source, record_id)
    ANTI JOIN mpi__stale_records USING (source, record_id)
),
joined AS (
    SELECT component_id FROM old GROUP BY component_id HAVING count(DISTINCT person_id) > 1
)
SELECT old.source, old.record_id, old.component_id AS mpi_component
FROM old
SEMI JOIN joined USING (component_id);
