-- The values encoded in Bloom filters (names without spaces, the address line) and each record's
-- salt. Parameter $salt names the salt: 'none', or 'birth_year' (the year of a full date of birth;
-- records without one share the empty salt). Reads mpi__enriched and mpi__row_rejects.
CREATE OR REPLACE TEMP TABLE mpi__bloom_inputs AS
SELECT
    mpi__row,
    CASE $salt
        WHEN 'birth_year' THEN coalesce(year(dob)::VARCHAR, '')
        ELSE ''
    END AS salt,
    nullif(replace(first_name, ' ', ''), '') AS bf_first_name,
    nullif(replace(last_name, ' ', ''), '') AS bf_last_name,
    address AS bf_address
FROM mpi__enriched
ANTI JOIN mpi__row_rejects USING (mpi__row);
