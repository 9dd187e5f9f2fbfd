-- Store version 11: hashed sources' token of the street name's first three letters (encoding schema
-- version 7), a blocking key with the house number and the ZIP's first three for a misspelt street.
-- Hashed records loaded before it have none; the hub requires a file hashed with this mpi anyway.
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_street_name_prefix3 UBIGINT;
