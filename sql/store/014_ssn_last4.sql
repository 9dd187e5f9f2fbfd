-- Store version 14: the SSN's last four digits (ssn_last4), compared where one side has no whole SSN,
-- and a hashed source's token of them (encoding schema version 13). Records loaded before it get
-- the last four digits of their SSN: a model that compares them then reads those records too.
ALTER TABLE records ADD COLUMN IF NOT EXISTS ssn_last4 VARCHAR;
ALTER TABLE records ADD COLUMN IF NOT EXISTS ssn_last4_raw VARCHAR;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_ssn_last4 UBIGINT;
UPDATE records SET ssn_last4 = right(ssn, 4) WHERE ssn IS NOT NULL;
