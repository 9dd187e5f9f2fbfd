-- Store version 2: link runs, the person index and the counter that issues person ids.
CREATE TABLE IF NOT EXISTS runs (
    run_id              INTEGER PRIMARY KEY,
    kind                VARCHAR NOT NULL,      -- full | incremental
    model               VARCHAR NOT NULL,
    model_sha256        VARCHAR NOT NULL,
    threshold           DOUBLE NOT NULL,
    records             BIGINT NOT NULL,
    comparisons         BIGINT NOT NULL,       -- pairs the blocking rules generated and scored
    pairs_kept          BIGINT NOT NULL,       -- pairs stored in `pairs` (at or above the keep floor)
    pairs_matched       BIGINT NOT NULL,       -- pairs at or above the threshold
    persons             BIGINT NOT NULL,
    ids_created         BIGINT NOT NULL,
    ids_retired         BIGINT NOT NULL,
    started_at          TIMESTAMP NOT NULL,
    finished_at         TIMESTAMP NOT NULL,
    seconds_predict     DOUBLE,
    seconds_cluster     DOUBLE,
    seconds_total       DOUBLE,
    mpi_version         VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS person_index (
    source      VARCHAR NOT NULL,
    record_id   VARCHAR NOT NULL,
    person_id   VARCHAR NOT NULL,
    run_id      INTEGER NOT NULL,   -- the run that last set this record's person id
    PRIMARY KEY (source, record_id)
);

-- Person ids are never reissued: the counter only grows, even when ids are retired.
CREATE TABLE IF NOT EXISTS mpi_counters (
    name   VARCHAR PRIMARY KEY,
    value  BIGINT NOT NULL
);
INSERT INTO mpi_counters VALUES ('person_id', 0), ('run_id', 0) ON CONFLICT DO NOTHING;
