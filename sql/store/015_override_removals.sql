-- Store version 15: removed overrides are kept, with who removed them, when and why, so a decision
-- that once outranked the model stays on record after it stops applying. `mpi override remove`
-- moves the row here; removal_applied_run is the first run that clustered without it (the moves
-- that run made are put down to the removal in person_history).
CREATE TABLE IF NOT EXISTS overrides_removed (
    override_id         INTEGER PRIMARY KEY,
    kind                VARCHAR NOT NULL,
    source_a            VARCHAR NOT NULL,
    record_id_a         VARCHAR NOT NULL,
    source_b            VARCHAR NOT NULL,
    record_id_b         VARCHAR NOT NULL,
    decided_by          VARCHAR NOT NULL,
    reason              VARCHAR NOT NULL,
    created_at          TIMESTAMP NOT NULL,
    first_applied_run   INTEGER,
    removed_by          VARCHAR NOT NULL,
    removal_reason      VARCHAR NOT NULL,
    removed_at          TIMESTAMP NOT NULL,
    removal_applied_run INTEGER
);
