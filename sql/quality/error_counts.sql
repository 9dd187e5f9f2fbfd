-- False merges (person ids holding records of more than one true person), false splits (true persons
-- spread over more than one person id), and the missed true pairs (two person ids) that are among the kept
-- `pairs`; the other missed pairs were never scored by blocking, or scored below the keep floor.
-- Reads person_index, mpi__truth and pairs.
WITH labelled AS (
    SELECT i.person_id, t.person_id AS true_id
    FROM person_index AS i
    JOIN mpi__truth AS t USING (source, record_id)
),
missed_pairs_kept AS (
    SELECT count(*) AS pairs
    FROM pairs AS p
    JOIN mpi__truth AS tl ON tl.source = p.source_l AND tl.record_id = p.record_id_l
    JOIN mpi__truth AS tr ON tr.source = p.source_r AND tr.record_id = p.record_id_r
    JOIN person_index AS il ON il.source = p.source_l AND il.record_id = p.record_id_l
    JOIN person_index AS ir ON ir.source = p.source_r AND ir.record_id = p.record_id_r
    WHERE tl.person_id = tr.person_id AND il.person_id <> ir.person_id
)
SELECT
    (SELECT count(*) FROM (SELECT person_id FROM labelled GROUP BY person_id HAVING count(DISTINCT true_id) > 1)),
    (SELECT count(*) FROM (SELECT true_id FROM labelled GROUP BY true_id HAVING count(DISTINCT person_id) > 1)),
    (SELECT pairs FROM missed_pairs_kept);
