-- The values encoded in Bloom filters (names without spaces, the address line) and each record's
-- salt. Parameter $salt names the salt: 'none', or 'birth_year' (the year of a full date of birth,
-- or the one year of a record's birth-year range: a year of birth alone, a mistyped date's year;
-- records with neither, an age's range of two years included, share the empty salt). Reads
-- mpi__enriched and mpi__row_rejects.
CREATE OR REPLACE TEMP TABLE mpi__bloom_inputs AS
SELECT
    mpi__row,
    CASE $salt
        WHEN 'birth_year' THEN coalesce(
            year(dob)::VARCHAR,
            CASE WHEN birth_year_min = birth_year_max THEN birth_year_min::VARCHAR END,
            ''
        )
        ELSE ''
    END AS salt,
    nullif(replace(first_name, ' ', ''), '') AS bf_first_name,
    nullif(replace(last_name, ' ', ''), '') AS bf_last_name,
    address AS bf_address
FROM mpi__enriched
ANTI JOIN mpi__row_rejects USING (mpi__row);
