-- Store version 3: what each record looked like when it was linked, the history of every person id,
-- manual overrides, and the state before the latest run (for `mpi runs undo`).
ALTER TABLE records ADD COLUMN IF NOT EXISTS content_hash UBIGINT;
ALTER TABLE person_index ADD COLUMN IF NOT EXISTS content_hash UBIGINT;

CREATE TABLE IF NOT EXISTS person_history (
    run_id          INTEGER NOT NULL,
    event           VARCHAR NOT NULL,  -- created | record_added | record_removed | record_moved | merged | split | retired
    person_id       VARCHAR NOT NULL,  -- the id the event is about
    source          VARCHAR,           -- the record, for record events
    record_id       VARCHAR,
    from_person_id  VARCHAR,
    to_person_id    VARCHAR,
    detail          VARCHAR
);

CREATE SEQUENCE IF NOT EXISTS mpi__override_id_seq START 1;

CREATE TABLE IF NOT EXISTS overrides (
    override_id        INTEGER PRIMARY KEY,
    kind               VARCHAR NOT NULL,  -- link | unlink
    source_a           VARCHAR NOT NULL,
    record_id_a        VARCHAR NOT NULL,
    source_b           VARCHAR NOT NULL,
    record_id_b        VARCHAR NOT NULL,
    decided_by         VARCHAR NOT NULL,
    reason             VARCHAR NOT NULL,
    created_at         TIMESTAMP NOT NULL,
    first_applied_run  INTEGER
);

-- The person index and its counter as they were before the latest run.
CREATE TABLE IF NOT EXISTS person_index_before_run (
    run_id      INTEGER NOT NULL,
    source      VARCHAR NOT NULL,
    record_id   VARCHAR NOT NULL,
    person_id   VARCHAR NOT NULL,
    set_by_run  INTEGER NOT NULL,
    content_hash UBIGINT
);

ALTER TABLE runs ADD COLUMN IF NOT EXISTS records_new BIGINT;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS records_removed BIGINT;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS undone_at TIMESTAMP;
