-- Write mpi__index_changes into person_index and advance the person-id counter.
-- Parameters: $run_id.
DELETE FROM person_index
USING mpi__index_changes AS c
WHERE person_index.source = c.source AND person_index.record_id = c.record_id;

INSERT INTO person_index (source, record_id, person_id, run_id)
SELECT source, record_id, new_person_id, $run_id
FROM mpi__index_changes
WHERE new_person_id IS NOT NULL;

-- Remember each record's content as linked, so the next incremental run can tell what changed.
UPDATE person_index
SET content_hash = r.content_hash
FROM records AS r
WHERE person_index.source = r.source AND person_index.record_id = r.record_id
  AND person_index.content_hash IS DISTINCT FROM r.content_hash;

UPDATE mpi_counters
SET value = value + (SELECT count(*) FROM mpi__cluster_ids WHERE is_new)
WHERE name = 'person_id';
