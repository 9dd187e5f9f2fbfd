-- Persistent person ids for a new clustering (mpi__clusters: source, record_id, cluster_id), given the
-- current person_index. The rule (README, "Person ids"):
--   * each existing id goes to the new cluster holding most of its records (ties: a cluster where no other
--     id has more of the cluster's records, or as many and is older, so it can be kept there; then the
--     smaller cluster key);
--   * a cluster keeps, of the ids that went to it, the one with most of its records (ties: the oldest id);
--   * a cluster with no id gets a new one; new ids are numbered in order of each cluster's first record key;
--   * an id that no cluster kept is retired (its records now carry the id of the cluster they joined).
-- Parameters: $last_issued (the person-id counter before this run).

CREATE OR REPLACE TEMP TABLE mpi__votes AS
SELECT c.cluster_id, p.person_id, count(*) AS records
FROM mpi__clusters AS c
JOIN person_index AS p USING (source, record_id)
GROUP BY ALL;

-- An id torn evenly between two clusters goes where it can be kept: a record that left a person
-- for a run (an unlink, since removed) and came back would otherwise take the id to a cluster with a
-- bigger one, and the record that never moved would get a new id.
CREATE OR REPLACE TEMP TABLE mpi__id_home AS
SELECT person_id, cluster_id, records
FROM (
    SELECT *, row_number() OVER (PARTITION BY cluster_id ORDER BY records DESC, person_id) > 1 AS outvoted
    FROM mpi__votes
)
QUALIFY row_number() OVER (PARTITION BY person_id ORDER BY records DESC, outvoted, cluster_id) = 1;

CREATE OR REPLACE TEMP TABLE mpi__inherited AS
SELECT cluster_id, person_id
FROM mpi__id_home
QUALIFY row_number() OVER (PARTITION BY cluster_id ORDER BY records DESC, person_id) = 1;

CREATE OR REPLACE TEMP TABLE mpi__cluster_ids AS
WITH first_keys AS (
    SELECT cluster_id, min(source || chr(31) || record_id) AS first_key
    FROM mpi__clusters
    GROUP BY cluster_id
),
unclaimed AS (
    SELECT cluster_id, first_key FROM first_keys ANTI JOIN mpi__inherited USING (cluster_id)
)
SELECT cluster_id, person_id, false AS is_new FROM mpi__inherited
UNION ALL
SELECT
    cluster_id,
    'P' || lpad(CAST($last_issued + row_number() OVER (ORDER BY first_key) AS VARCHAR), 9, '0'),
    true
FROM unclaimed;

-- Every record whose person id is new, changed or gone (new_person_id NULL: the record left the index).
CREATE OR REPLACE TEMP TABLE mpi__index_changes AS
SELECT
    source,
    record_id,
    old.person_id AS old_person_id,
    new.person_id AS new_person_id
FROM (SELECT c.source, c.record_id, i.person_id FROM mpi__clusters AS c JOIN mpi__cluster_ids AS i USING (cluster_id)) AS new
FULL OUTER JOIN person_index AS old USING (source, record_id)
WHERE old.person_id IS DISTINCT FROM new.person_id;

-- Ids that no cluster kept, and where most of their records went.
CREATE OR REPLACE TEMP TABLE mpi__retired AS
SELECT h.person_id, i.person_id AS merged_into
FROM mpi__id_home AS h
JOIN mpi__cluster_ids AS i USING (cluster_id)
WHERE h.person_id <> i.person_id
UNION ALL
SELECT person_id, NULL
FROM (SELECT DISTINCT person_id FROM person_index) ANTI JOIN mpi__id_home USING (person_id);
