-- Append this run's id changes to person_history (reads the tables index/assign_person_ids made).
-- Parameters: $run_id, $full (every pair scored again).
INSERT INTO person_history
SELECT $run_id, 'created', person_id, NULL, NULL, NULL, person_id, NULL
FROM mpi__cluster_ids
WHERE is_new;

-- Why a record moved, for whoever reads its history later: an override first applied in this run,
-- or one that applied before and was removed since, that names a record of the person it left or
-- joined (before or after the run), else its own change, else the pairs scored again.
-- person_index already holds this run's ids.
CREATE OR REPLACE TEMP TABLE mpi__override_persons AS
WITH changed_overrides AS (
    SELECT '' AS what, override_id, kind, source_a, record_id_a, source_b, record_id_b
    FROM overrides
    WHERE first_applied_run IS NULL
    UNION ALL
    SELECT 'removal of ', override_id, kind, source_a, record_id_a, source_b, record_id_b
    FROM overrides_removed
    WHERE removal_applied_run IS NULL AND first_applied_run IS NOT NULL
),
new_overrides AS (
    SELECT override_id, source_a, record_id_a, source_b, record_id_b,
           what || 'override ' || override_id || ' (' || kind || ' ' || source_a || ':' || record_id_a || ' '
               || source_b || ':' || record_id_b || ')' AS text
    FROM changed_overrides
),
override_records AS (
    SELECT override_id, text, source_a AS source, record_id_a AS record_id FROM new_overrides
    UNION ALL
    SELECT override_id, text, source_b, record_id_b FROM new_overrides
)
SELECT o.override_id, o.text, p.person_id
FROM override_records AS o
JOIN person_index AS p USING (source, record_id)
UNION
SELECT o.override_id, o.text, c.old_person_id
FROM override_records AS o
JOIN mpi__index_changes AS c USING (source, record_id)
WHERE c.old_person_id IS NOT NULL;

INSERT INTO person_history
SELECT
    $run_id,
    CASE
        WHEN c.old_person_id IS NULL THEN 'record_added'
        WHEN c.new_person_id IS NULL THEN 'record_removed'
        ELSE 'record_moved'
    END,
    coalesce(c.new_person_id, c.old_person_id),
    c.source,
    c.record_id,
    c.old_person_id,
    c.new_person_id,
    CASE
        WHEN c.old_person_id IS NULL THEN NULL
        -- A record gone from the store: rejected when its source was loaded again, or left out of the file.
        WHEN c.new_person_id IS NULL THEN coalesce(
            'rejected when its source was loaded again: ' || rejected.reason, 'not in its source''s latest load'
        )
        WHEN cause IS NOT NULL THEN cause
        WHEN $full THEN 'full relink: every pair scored again'
        WHEN n.record_id IS NOT NULL THEN 'the record changed in a load'
        ELSE 'scored again with the records new or changed since the last run'
    END
FROM (
    SELECT
        c.*,
        (SELECT arg_min(o.text, o.override_id) FROM mpi__override_persons AS o
         WHERE o.person_id = c.old_person_id OR o.person_id = c.new_person_id) AS cause
    FROM mpi__index_changes AS c
) AS c
LEFT JOIN (SELECT DISTINCT source, record_id FROM mpi__new_records) AS n USING (source, record_id)
LEFT JOIN (
    SELECT source, record_id, arg_max(reason, load_id) AS reason FROM rejects WHERE record_id IS NOT NULL GROUP BY ALL
) AS rejected USING (source, record_id);

DROP TABLE mpi__override_persons;

-- An existing id lost records to a newly created id: a split, for the reason its records moved
-- (the first, in order, when they moved for more than one).
INSERT INTO person_history
SELECT $run_id, 'split', c.old_person_id, NULL, NULL, c.old_person_id, c.new_person_id, min(h.detail)
FROM mpi__index_changes AS c
JOIN mpi__cluster_ids AS i ON i.person_id = c.new_person_id AND i.is_new
LEFT JOIN person_history AS h
    ON h.run_id = $run_id AND h.event = 'record_moved' AND h.source = c.source AND h.record_id = c.record_id
WHERE c.old_person_id IS NOT NULL
GROUP BY c.old_person_id, c.new_person_id;

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
