-- The pairs the store keeps (mpi__pairs_next, written by _write_pairs): every pair scored at least
-- $keep_from, and a weaker one only when one connected component (mpi__clusters.component_id, at
-- the link threshold) holds both its records. Clustering weighed all of them; outside a component
-- a weak pair was never read, and keeping them all would multiply the table (30 million pairs
-- instead of 3 million at synth 1M) and the pairs an incremental link rescores.
-- Parameter: $keep_from.
CREATE OR REPLACE TEMP TABLE mpi__pairs_next AS
SELECT p.*
FROM mpi__pairs_next AS p
JOIN mpi__clusters AS cl ON cl.source = p.source_l AND cl.record_id = p.record_id_l
JOIN mpi__clusters AS cr ON cr.source = p.source_r AND cr.record_id = p.record_id_r
WHERE p.match_probability >= $keep_from OR cl.component_id = cr.component_id;
