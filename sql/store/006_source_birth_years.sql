-- Store version 6: the birth years a source's age_range allows (mpi.toml). Records ingested
-- before it have none; ingesting the source again with an age_range fills them.
ALTER TABLE records ADD COLUMN IF NOT EXISTS source_birth_year_min INTEGER;
ALTER TABLE records ADD COLUMN IF NOT EXISTS source_birth_year_max INTEGER;
-- Hashed sources: the birth years outside that range, as keyed tokens (encoding schema version 3).
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_birth_years_outside UBIGINT[];
