-- What a link run must score: new records, and records whose content changed since they were linked
-- (every record on a full link); and records that left the store. Parameter: $full.
CREATE OR REPLACE TEMP TABLE mpi__new_records AS
SELECT r.source, r.record_id
FROM records AS r
LEFT JOIN person_index AS p USING (source, record_id)
WHERE $full OR p.person_id IS NULL OR p.content_hash IS DISTINCT FROM r.content_hash;

CREATE OR REPLACE TEMP TABLE mpi__removed_records AS
SELECT source, record_id FROM person_index ANTI JOIN records USING (source, record_id);

-- Kept pairs that touch these records are dropped before the new scores are added.
CREATE OR REPLACE TEMP TABLE mpi__stale_records AS
SELECT source, record_id FROM mpi__new_records
UNION ALL
SELECT source, record_id FROM mpi__removed_records;
