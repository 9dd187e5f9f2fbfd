-- Store version 1: loads, rejects, attributes and per-column parse problems.
-- The records table is created from mpi.schema (the one place that names its columns).
CREATE SEQUENCE IF NOT EXISTS mpi__load_id_seq START 1;

CREATE TABLE IF NOT EXISTS loads (
    load_id        INTEGER PRIMARY KEY,
    source         VARCHAR NOT NULL,
    path           VARCHAR NOT NULL,
    sha256         VARCHAR NOT NULL,
    rows_read      BIGINT NOT NULL,
    rows_indexed   BIGINT NOT NULL,
    rows_rejected  BIGINT NOT NULL,
    started_at     TIMESTAMP NOT NULL,
    finished_at    TIMESTAMP NOT NULL,
    mpi_version    VARCHAR NOT NULL
);

CREATE TABLE IF NOT EXISTS rejects (
    source      VARCHAR NOT NULL,
    load_id     INTEGER NOT NULL,
    row_number  BIGINT,
    record_id   VARCHAR,
    reason      VARCHAR NOT NULL,
    detail      VARCHAR
);

CREATE TABLE IF NOT EXISTS attributes (
    source     VARCHAR NOT NULL,
    record_id  VARCHAR NOT NULL,
    name       VARCHAR NOT NULL,
    value      VARCHAR
);

CREATE TABLE IF NOT EXISTS field_issues (
    load_id   INTEGER NOT NULL,
    source    VARCHAR NOT NULL,
    field     VARCHAR NOT NULL,
    column_name VARCHAR NOT NULL,
    issue     VARCHAR NOT NULL,
    count     BIGINT NOT NULL
);
