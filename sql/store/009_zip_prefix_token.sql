-- Store version 9: hashed sources' token of the ZIP's first three characters (encoding schema
-- version 5). Hashed records loaded before it have none; the hub requires a file hashed with this
-- mpi anyway.
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_zip_prefix3 UBIGINT;
