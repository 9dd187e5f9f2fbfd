-- The graph clustered into persons: every record is a node; edges are the pairs the index keeps after
-- this run (mpi__pairs_next) at or above the threshold, plus forced links. Forced unlinks (pairs
-- that must end in different persons) are kept aside for mpi.clustering. mpi__graph_evidence holds
-- every kept pair's match weight, weighed when mpi.clustering rebuilds a contested cluster.
-- Parameter: $threshold.
CREATE OR REPLACE TEMP TABLE mpi__graph_nodes AS
SELECT source || ':' || record_id AS unique_id, source, record_id FROM records;

CREATE OR REPLACE TEMP TABLE mpi__forced_links AS
SELECT o.source_a || ':' || o.record_id_a AS unique_id_l, o.source_b || ':' || o.record_id_b AS unique_id_r
FROM overrides AS o
WHERE o.kind = 'link'
  AND EXISTS (SELECT 1 FROM records AS r WHERE r.source = o.source_a AND r.record_id = o.record_id_a)
  AND EXISTS (SELECT 1 FROM records AS r WHERE r.source = o.source_b AND r.record_id = o.record_id_b);

CREATE OR REPLACE TEMP TABLE mpi__apart AS
SELECT
    source_a || ':' || record_id_a AS unique_id_a,
    source_b || ':' || record_id_b AS unique_id_b,
    'unlink' AS reason
FROM overrides
WHERE kind = 'unlink';

CREATE OR REPLACE TEMP TABLE mpi__graph_edges AS
SELECT
    source_l || ':' || record_id_l AS unique_id_l,
    source_r || ':' || record_id_r AS unique_id_r,
    match_probability,
    false AS forced
FROM mpi__pairs_next
WHERE match_probability >= $threshold
UNION ALL
SELECT unique_id_l, unique_id_r, 1.0, true FROM mpi__forced_links;

CREATE OR REPLACE TEMP TABLE mpi__graph_evidence AS
SELECT source_l || ':' || record_id_l AS unique_id_l, source_r || ':' || record_id_r AS unique_id_r, match_weight
FROM mpi__pairs_next;
