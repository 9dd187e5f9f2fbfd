-- Write mpi__index_changes into person_index and advance the person-id counter.
-- Parameters: $run_id.
DELETE FROM person_index
USING mpi__index_changes AS c
WHERE person_index.source = c.source AND person_index.record_id = c.record_id;

INSERT INTO person_index
SELECT source, record_id, new_person_id, $run_id
FROM mpi__index_changes
WHERE new_person_id IS NOT NULL;

UPDATE mpi_counters
SET value = value + (SELECT count(*) FROM mpi__cluster_ids WHERE is_new)
WHERE name = 'person_id';
