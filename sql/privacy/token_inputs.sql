-- The clear value behind every keyed token of a record, one column per token. Reads mpi__enriched
-- and mpi__row_rejects (mpi.ingest.prepare_source); rejected rows get no tokens. mpi.privacy.tokens
-- names each column's key domain: columns in one domain (the names) can be compared with each other.
--
-- A set compared by intersection (tok_first_name_formals, tok_last_name_parts, tok_dob_near,
-- tok_birth_years, tok_birth_years_outside, tok_ssn_near)
-- is held here as the key it is made from (the surname's parts, the date, the year range, the SSN);
-- its macro mpi_token_set_<column>(key) below gives the set's values (VARCHAR[]). The set is
-- built and hashed once per distinct key, not once per record: a date's fifteen variants are
-- the same for everyone born that day.
CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_first_name_formals(names) AS names;

CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_last_name_parts(parts) AS parts;

CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_dob_near(yyyymmdd) AS mpi_one_edit_variants(yyyymmdd);

-- Every year of birth the record allows: one from a date of birth, two from an age.
CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_birth_years(years) AS
    list_transform(range(years[1], years[2] + 1), lambda y: y::VARCHAR);

-- The year of a date of birth and the years either side of it.
CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_birth_year_near(years) AS
    list_transform(range(years[1], years[2] + 1), lambda y: y::VARCHAR);

-- The birth years a source's age_range rules out (bounds: [earliest, latest] allowed, either NULL),
-- from 1900 (no valid date of birth is earlier) to this year: the hub tests whether another
-- record's birth years all fall among them, without seeing either year.
CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_birth_years_outside(bounds) AS
    list_transform(
        list_filter(range(1900, year(current_date) + 1),
                    lambda y: y < coalesce(bounds[1], 0) OR y > coalesce(bounds[2], 9999)),
        lambda y: y::VARCHAR);

CREATE OR REPLACE TEMP MACRO mpi_token_set_tok_ssn_near(ssn) AS mpi_adjacent_masks(ssn);

CREATE OR REPLACE TEMP TABLE mpi__token_inputs AS
SELECT
    -- The row number, and shared identifiers (id_<name>) under their names: they become tok_id_<name>.
    COLUMNS('^(mpi__row|id_.*)$'),
    first_name AS tok_first_name,
    -- First and last name together: how often the pair occurs (names cluster by origin).
    first_name || ' ' || last_name AS tok_first_last_name,
    first_name_std AS tok_first_name_std,
    first_name_formals AS tok_first_name_formals,
    left(first_name, 1) AS tok_first_initial,
    -- Blocking keys: name prefixes (a typo after the third letter keeps them), the street number.
    left(first_name, 3) AS tok_first_name_prefix3,
    first_name_nysiis AS tok_first_name_nysiis,
    first_name_metaphone AS tok_first_name_metaphone,
    middle_name AS tok_middle_name,
    left(middle_name, 1) AS tok_middle_initial,
    last_name AS tok_last_name,
    left(last_name, 1) AS tok_last_initial,
    left(last_name, 3) AS tok_last_name_prefix3,
    last_name_parts AS tok_last_name_parts,
    last_name_nysiis AS tok_last_name_nysiis,
    last_name_metaphone AS tok_last_name_metaphone,
    suffix AS tok_suffix,
    -- JR's counterpart is SR and the reverse: father and son differ by exactly this.
    CASE suffix WHEN 'JR' THEN 'SR' WHEN 'SR' THEN 'JR' END AS tok_suffix_counterpart,
    strftime(dob, '%Y-%m-%d') AS tok_dob,
    -- Day and month read the other way round (only when that is another valid-looking date).
    CASE WHEN day(dob) <= 12 AND day(dob) <> month(dob)
         THEN printf('%04d-%02d-%02d', year(dob), day(dob), month(dob)) END AS tok_dob_swapped,
    -- The same day a year later: equal to the other record's date when the years are one apart.
    printf('%04d-%02d-%02d', year(dob) + 1, month(dob), day(dob)) AS tok_dob_next_year,
    strftime(dob, '%Y%m%d') AS tok_dob_near,
    strftime(dob, '%Y-%m') AS tok_dob_year_month,
    strftime(dob, '%m-%d') AS tok_dob_month_day,
    birth_year_min::VARCHAR AS tok_birth_year,
    CASE WHEN birth_year_min IS NOT NULL AND birth_year_max IS NOT NULL
         THEN [birth_year_min, birth_year_max] END AS tok_birth_years,
    CASE WHEN dob IS NOT NULL THEN [year(dob) - 1, year(dob) + 1] END AS tok_birth_year_near,
    CASE WHEN source_birth_year_min IS NOT NULL OR source_birth_year_max IS NOT NULL
         THEN [source_birth_year_min, source_birth_year_max] END AS tok_birth_years_outside,
    sex AS tok_sex,
    ssn AS tok_ssn,
    lpad((ssn::BIGINT + 1)::VARCHAR, 9, '0') AS tok_ssn_next,
    ssn AS tok_ssn_near,
    left(ssn, 5) AS tok_ssn_prefix,
    address AS tok_address,
    CASE WHEN street_number IS NOT NULL AND street_name IS NOT NULL
         THEN street_number || ' ' || street_name END AS tok_street,
    street_number AS tok_street_number,
    left(street_name, 3) AS tok_street_name_prefix3,
    ssn_last4 AS tok_ssn_last4,
    zip AS tok_zip,
    left(zip, 3) AS tok_zip_prefix3,
    city AS tok_city,
    phone AS tok_phone,
    email AS tok_email,
    -- The user name before the @: the same person at another provider, or a mistyped domain.
    mpi_email_user(email) AS tok_email_user
FROM mpi__enriched
ANTI JOIN mpi__row_rejects USING (mpi__row);
