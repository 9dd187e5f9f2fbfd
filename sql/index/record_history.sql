-- Append this run's id changes to person_history (reads the tables index/assign_person_ids made).
-- Parameter: $run_id.
INSERT INTO person_history
SELECT $run_id, 'created', person_id, NULL, NULL, NULL, person_id, NULL
FROM mpi__cluster_ids
WHERE is_new;

INSERT INTO person_history
SELECT
    $run_id,
    CASE
        WHEN old_person_id IS NULL THEN 'record_added'
        WHEN new_person_id IS NULL THEN 'record_removed'
        ELSE 'record_moved'
    END,
    coalesce(new_person_id, old_person_id),
    source,
    record_id,
    old_person_id,
    new_person_id,
    NULL
FROM mpi__index_changes;

-- An existing id lost records to a newly created id: a split.
INSERT INTO person_history
SELECT DISTINCT $run_id, 'split', c.old_person_id, NULL, NULL, c.old_person_id, c.new_person_id, NULL
FROM mpi__index_changes AS c
JOIN mpi__cluster_ids AS i ON i.person_id = c.new_person_id AND i.is_new
WHERE c.old_person_id IS NOT NULL;

INSERT INTO person_history
SELECT
    $run_id,
    CASE WHEN merged_into IS NULL THEN 'retired' ELSE 'merged' END,
    person_id,
    NULL,
    NULL,
    person_id,
    merged_into,
    CASE WHEN merged_into IS NULL THEN 'no records left' ELSE 'merged into ' || merged_into END
FROM mpi__retired;
