-- Store version 4: records of hashed sources (files written by "mpi hash" at the agency) and what
-- each hashed load declared. Keyed tokens (tok_*) are 64-bit HMACs (lists for sets), Bloom filters
-- (bf_*) bit strings; a hashed project leaves the clear-text columns NULL. The column list is
-- mpi.schema.HASHED_RECORD_COLUMNS.
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_name UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_last_name UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_name_std UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_initial UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_name_prefix3 UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_name_nysiis UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_name_metaphone UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_middle_name UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_middle_initial UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_last_name UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_last_initial UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_last_name_prefix3 UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_last_name_parts UBIGINT[];
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_last_name_nysiis UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_last_name_metaphone UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_suffix UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_suffix_counterpart UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_dob UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_dob_swapped UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_dob_next_year UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_dob_near UBIGINT[];
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_birth_year UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_birth_years UBIGINT[];
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_sex UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_ssn UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_ssn_next UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_ssn_near UBIGINT[];
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_ssn_prefix UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_address UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_street UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_street_number UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_zip UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_city UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_phone UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_email UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS bf_first_name BIT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS bf_last_name BIT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS bf_address BIT;

-- One row per load of a hashed file: how it was encoded (never the key: its fingerprint) and the
-- counts the agency's run reported. Ingest compares a new file with these before loading it.
CREATE TABLE IF NOT EXISTS hashed_loads (
    load_id             INTEGER NOT NULL,
    source              VARCHAR NOT NULL,
    schema_version      INTEGER NOT NULL,
    key_fingerprint     VARCHAR NOT NULL,
    parameters          VARCHAR NOT NULL,   -- JSON: token and Bloom-filter encoding
    pseudonymized_ids   BOOLEAN NOT NULL,
    agency_source       VARCHAR,            -- the source's name in the agency's mpi.toml
    agency_rows_read    BIGINT,
    agency_rejects      VARCHAR,            -- JSON: reason -> rows rejected at the agency
    hashed_at           VARCHAR,
    hashed_with_mpi     VARCHAR
);
