-- Store version 15: removed overrides are kept, with who removed them, when and why, so a decision
-- that once outranked the model stays on record after it stops applying. `mpi override remove`
-- moves the row here (every column of overrides, in its order, then the removal's);
-- removal_applied_run is the first run that clustered without it (the moves that run made are put
-- down to the removal in person_history).
CREATE TABLE IF NOT EXISTS overrides_removed AS SELECT * FROM overrides LIMIT 0;
ALTER TABLE overrides_removed ADD COLUMN IF NOT EXISTS removed_by VARCHAR;
ALTER TABLE overrides_removed ADD COLUMN IF NOT EXISTS removal_reason VARCHAR;
ALTER TABLE overrides_removed ADD COLUMN IF NOT EXISTS removed_at TIMESTAMP;
ALTER TABLE overrides_removed ADD COLUMN IF NOT EXISTS removal_applied_run INTEGER;
