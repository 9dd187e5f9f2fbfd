-- Store version 10: hashed sources' token of the day and month of birth (encoding schema version 6),
-- a blocking key for a mistyped year. Hashed records loaded before it have none; the hub requires a
-- file hashed with this mpi anyway.
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_dob_month_day UBIGINT;
