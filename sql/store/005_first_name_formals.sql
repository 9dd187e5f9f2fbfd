-- Store version 5: the formal names a first name can stand for (mpi.standardize.nickname_formals),
-- compared by intersection so an ambiguous nickname keeps every reading; and its keyed tokens for
-- hashed sources. Records ingested before this version get the name itself here; mpi.store then
-- adds the formal names from the nickname table.
ALTER TABLE records ADD COLUMN IF NOT EXISTS first_name_formals VARCHAR[];
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_first_name_formals UBIGINT[];
-- Hashed date-of-birth levels: same year and month, birth years within one.
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_dob_year_month UBIGINT;
ALTER TABLE records ADD COLUMN IF NOT EXISTS tok_birth_year_near UBIGINT[];
UPDATE records SET first_name_formals = [first_name] WHERE first_name IS NOT NULL AND first_name_formals IS NULL;
