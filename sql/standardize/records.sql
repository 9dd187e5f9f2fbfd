-- Standardize mapped rows (mpi__mapped: <field>_raw as read, <field>_in after the source's parse
-- options) into canonical values. Phonetic codes and nickname forms are joined afterwards
-- (enrich_names.sql) from lookup tables built over the distinct names.

-- Name cleaning is the costly part (regular expressions, token lists, and macros that expand their
-- argument several times), and a million rows hold far fewer distinct names: each distinct name
-- value is cleaned once here and joined back by value. field_issues.sql reads this table too.
CREATE OR REPLACE TEMP TABLE mpi__name_values AS
WITH name_values AS (
    SELECT DISTINCT value
    FROM (SELECT unnest([first_name_in, middle_name_in, last_name_in, suffix_in]) AS value FROM mpi__mapped)
    WHERE value IS NOT NULL
),
cleaned AS (
    SELECT
        value,
        mpi_clean_text(mpi_join_tokens(mpi_name_tokens(value))) AS tokens_text,
        mpi_clean_text(value) AS text,
        mpi_suffix_in(value) AS suffix_found
    FROM name_values
)
SELECT
    value,
    tokens_text,
    mpi_real_name(tokens_text) AS name_text,
    -- A first name that is only a suffix word (JUNIOR is a given name too) stays the name.
    mpi_real_name(coalesce(tokens_text, text)) AS first_name_text,
    coalesce(mpi_is_placeholder_name(tokens_text), false) AS is_placeholder,
    mpi_suffix_std(text) AS suffix_word,
    suffix_found
FROM cleaned;

CREATE OR REPLACE TEMP TABLE mpi__standardized AS
WITH names AS (
    SELECT
        m.*,
        first_value.first_name_text AS first_name_std_text,
        middle_value.name_text AS middle_name_std_text,
        last_value.name_text AS last_name_std_text,
        coalesce(
            suffix_value.suffix_word,
            last_value.suffix_found,
            CASE WHEN first_value.tokens_text IS NOT NULL THEN first_value.suffix_found END,
            middle_value.suffix_found
        ) AS suffix_std_text,
        -- 7 or 8 digits: an SSN kept as a number lost its leading zeros (area 001-099).
        CASE WHEN length(mpi_digits(ssn_in)) IN (7, 8) THEN lpad(mpi_digits(ssn_in), 9, '0')
             ELSE mpi_digits(ssn_in) END AS ssn_digits,
        mpi_digits(zip_in) AS zip_digits,
        mpi_digits(phone_in) AS phone_digits,
        TRY_CAST(trim(age_in) AS INTEGER) AS age_number,
        mpi_clean_text(address_in) AS address_text
    FROM mpi__mapped AS m
    LEFT JOIN mpi__name_values AS first_value ON first_value.value = m.first_name_in
    LEFT JOIN mpi__name_values AS middle_value ON middle_value.value = m.middle_name_in
    LEFT JOIN mpi__name_values AS last_value ON last_value.value = m.last_name_in
    LEFT JOIN mpi__name_values AS suffix_value ON suffix_value.value = m.suffix_in
),
addresses AS (
    SELECT
        *,
        -- A whole line is split into number / street / unit; separate parts are used as given.
        coalesce(mpi_clean_text(street_number_in), regexp_extract(address_text, '^([0-9]+[A-Z]?) ', 1)) AS street_number_text,
        coalesce(
            mpi_clean_text(unit_in),
            nullif(regexp_extract(address_text, ' (APT|APARTMENT|UNIT|STE|SUITE|FL|FLOOR|RM|ROOM|NO) ?([A-Z0-9]+)$', 2), '')
        ) AS unit_text,
        coalesce(
            mpi_street_std(mpi_clean_text(street_name_in)),
            mpi_street_std(nullif(trim(regexp_replace(
                regexp_replace(address_text, '^[0-9]+[A-Z]? ', ''),
                ' (APT|APARTMENT|UNIT|STE|SUITE|FL|FLOOR|RM|ROOM|NO) ?[A-Z0-9]+$', '')), ''))
        ) AS street_name_text
    FROM names
)
SELECT
    -- The row number, and shared identifiers (id_<name>), cleaned and padded in the mapping step.
    COLUMNS('^(mpi__row|id_.*)$'),
    record_id,
    first_name_std_text AS first_name,
    first_name_raw,
    middle_name_std_text AS middle_name,
    middle_name_raw,
    last_name_std_text AS last_name,
    last_name_raw,
    CASE WHEN last_name_std_text IS NOT NULL THEN list_distinct(list_concat(
        [last_name_std_text, replace(last_name_std_text, ' ', '')],
        list_filter(string_split(last_name_std_text, ' '), lambda t: length(t) > 1 AND NOT mpi_is_particle(t))
    )) END AS last_name_parts,
    suffix_std_text AS suffix,
    suffix_raw,
    full_name_raw,
    -- Placeholder and impossible dates carry no information: 1900-01-01 and earlier, the future.
    CASE WHEN dob_in > DATE '1900-01-01' AND dob_in <= current_date THEN dob_in END AS dob,
    dob_raw,
    dob_in AS dob_parsed,
    CASE WHEN age_number BETWEEN 0 AND 120 AND age_as_of IS NOT NULL THEN age_number END AS age,
    age_raw,
    age_as_of,
    mpi_sex_std(sex_in) AS sex,
    sex_raw,
    CASE WHEN mpi_ssn_is_valid(ssn_digits) THEN ssn_digits END AS ssn,
    ssn_raw,
    nullif(concat_ws(' ', street_number_text, street_name_text,
                     CASE WHEN unit_text IS NOT NULL THEN 'UNIT ' || unit_text END), '') AS address,
    coalesce(address_raw, nullif(concat_ws(' ', street_number_raw, street_name_raw, unit_raw), '')) AS address_raw,
    street_number_text AS street_number,
    street_name_text AS street_name,
    unit_text AS unit,
    mpi_clean_text(city_in) AS city,
    city_raw,
    mpi_state_std(mpi_clean_text(state_in)) AS state,
    state_raw,
    CASE
        WHEN length(zip_digits) IN (9, 5) THEN nullif(left(zip_digits, 5), '00000')
        -- ZIP+4 or ZIP stored as a number lost its leading zeros (06103 -> 6103).
        WHEN length(zip_digits) = 8 THEN nullif(left(lpad(zip_digits, 9, '0'), 5), '00000')
        WHEN length(zip_digits) IN (3, 4) THEN nullif(lpad(zip_digits, 5, '0'), '00000')
    END AS zip,
    zip_raw,
    CASE
        WHEN length(phone_digits) = 11 AND phone_digits[1] = '1' THEN mpi_phone_valid(phone_digits[2:])
        WHEN length(phone_digits) = 10 THEN mpi_phone_valid(phone_digits)
    END AS phone,
    phone_raw,
    CASE WHEN regexp_full_match(lower(trim(email_in)), '[^@\s]+@[^@\s]+\.[a-z]{2,}') THEN lower(trim(email_in)) END AS email,
    email_raw
FROM addresses;
