-- Store version 8: hashed sources' token of the email user name, the part before the @
-- (encoding schema version 4). Hashed records loaded before it have none; the hub requires a
-- file hashed with this mpi anyway.
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_email_user UBIGINT;
