-- Standardize mapped rows (mpi__mapped: <field>_raw as read, <field>_in after the source's parse
-- options) into canonical values, in one pass: names, addresses, cities and states come from the
-- tables of distinct values (values.sql, enrich_names.sql), joined by value.
CREATE OR REPLACE TEMP TABLE mpi__enriched AS
WITH names AS (
    SELECT
        m.*,
        first_value.first_name_text AS first_name_std_text,
        middle_value.name_text AS middle_name_std_text,
        last_value.name_text AS last_name_std_text,
        other_last_value.name_text AS other_last_name_std_text,
        -- A maiden, former or alias surname is compared as a part of the surname: SMITH born JONES
        -- has a name part in common with a record of JONES (and is blocked with it by the part).
        CASE WHEN other_last_value.last_name_parts IS NULL THEN last_value.last_name_parts
             ELSE list_distinct(list_concat(coalesce(last_value.last_name_parts, []), other_last_value.last_name_parts))
        END AS last_name_parts,
        coalesce(
            suffix_value.suffix_word,
            last_value.suffix_found,
            CASE WHEN first_value.tokens_text IS NOT NULL THEN first_value.suffix_found END,
            middle_value.suffix_found
        ) AS suffix_std_text,
        first_value.first_name_std,
        first_value.first_name_formals,
        first_value.first_name_nysiis,
        first_value.first_name_metaphone,
        last_value.last_name_nysiis,
        last_value.last_name_metaphone,
        -- 7 or 8 digits written as a number: an SSN kept as a number lost its leading zeros (area
        -- 001-099). Written with separators (123-45-678) it lost a digit somewhere: no SSN.
        CASE WHEN length(mpi_digits(ssn_in)) IN (7, 8) AND mpi_whole_number(ssn_in) IS NOT NULL
             THEN lpad(mpi_digits(ssn_in), 9, '0')
             ELSE mpi_digits(ssn_in) END AS ssn_digits,
        -- an SSN masked but for its last four digits, and a column of those (field_issues.sql counts
        -- the values neither reads)
        mpi_ssn_last4_of_masked(ssn_in) AS ssn_masked_last4,
        mpi_ssn_last4(ssn_last4_in) AS ssn_last4_read,
        mpi_digits(coalesce(zip_in, address_value.place_zip)) AS zip_digits,
        mpi_postal_code(zip_in) AS zip_postcode,
        -- An extension (x12, ext. 12) is the office's line, not the person's number.
        mpi_digits(regexp_replace(phone_in, '\s*(x|ext\.?|extension)\s*[0-9]+\s*$', '', 'i')) AS phone_digits,
        CASE WHEN regexp_full_match(lower(trim(email_in)), '[^@\s]+@[^@\s]+\.[a-z]{2,}') THEN lower(trim(email_in)) END AS email_text,
        -- What a form writes for "no email" (none@none.com, noemail@gmail.com) is none: every client
        -- without an address shares it, so it would say two namesakes are one person.
        coalesce(mpi_email_is_placeholder(lower(trim(email_in))), false) AS email_is_placeholder,
        TRY_CAST(trim(age_in) AS INTEGER) AS age_number,
        -- Separate address parts are used as given; otherwise the parts of the whole line. A placeholder
        -- street (HOMELESS, UNKNOWN, GENERAL DELIVERY) is no address: shared, it would say "one household".
        coalesce(address_value.is_placeholder, false) OR coalesce(street_name_value.is_placeholder, false)
            AS address_is_placeholder,
        CASE WHEN NOT address_is_placeholder
             THEN coalesce(street_number_value.text, address_value.street_number_text) END AS street_number_text,
        CASE WHEN NOT address_is_placeholder
             THEN coalesce(unit_value.unit_text, street_name_value.unit_text, address_value.unit_text) END AS unit_text,
        CASE WHEN NOT address_is_placeholder
             THEN coalesce(street_name_value.street_name_text, address_value.street_name_text) END AS street_name_text,
        -- The city, state and ZIP an address line ended with stand in for columns the source lacks.
        coalesce(city_value.text, address_value.place_city_text) AS city_text,
        coalesce(state_value.text, address_value.place_state_text) AS state_text
    FROM mpi__mapped AS m
    LEFT JOIN mpi__name_lookup AS first_value ON first_value.value = m.first_name_in
    LEFT JOIN mpi__name_lookup AS middle_value ON middle_value.value = m.middle_name_in
    LEFT JOIN mpi__name_lookup AS last_value ON last_value.value = m.last_name_in
    LEFT JOIN mpi__name_lookup AS other_last_value ON other_last_value.value = m.other_last_name_in
    LEFT JOIN mpi__name_lookup AS suffix_value ON suffix_value.value = m.suffix_in
    LEFT JOIN mpi__address_values AS address_value ON address_value.value = m.address_in
    LEFT JOIN mpi__text_values AS street_number_value ON street_number_value.value = m.street_number_in
    LEFT JOIN mpi__street_values AS street_name_value ON street_name_value.value = m.street_name_in
    LEFT JOIN mpi__unit_values AS unit_value ON unit_value.value = m.unit_in
    LEFT JOIN mpi__text_values AS city_value ON city_value.value = m.city_in
    LEFT JOIN mpi__text_values AS state_value ON state_value.value = m.state_in
),
standardized AS (
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
        last_name_parts,
        other_last_name_std_text AS other_last_name,
        other_last_name_raw,
        suffix_std_text AS suffix,
        suffix_raw,
        full_name_raw,
        -- System default dates and dates in the future carry no information. Older dates are kept:
        -- registers of the deceased and historical records hold them, and a mistyped century
        -- (1885 for 1985) still agrees with the right date but for one digit.
        CASE WHEN NOT mpi_is_placeholder_date(dob_in) THEN dob_in END AS dob,
        dob_raw,
        dob_in AS dob_parsed,
        -- A date that did not parse (1985-13-07, 1985-00-00) still tells its year, as an age would, and
        -- so does a year alone (1985) where a year-only format (%Y) says it is one (dob_year_only).
        CASE WHEN dob_in IS NULL AND dob_year_in BETWEEN 1 AND year(current_date) THEN dob_year_in END
            AS dob_year_read,
        dob_year_only_in AS dob_year_only,
        CASE WHEN age_number BETWEEN 0 AND 120 AND age_as_of IS NOT NULL THEN age_number END AS age,
        age_raw,
        age_as_of,
        source_birth_year_min,
        source_birth_year_max,
        mpi_sex_std(sex_in) AS sex,
        sex_raw,
        CASE WHEN mpi_ssn_is_valid(ssn_digits) THEN ssn_digits END AS ssn,
        ssn_raw,
        -- compared where one side has no whole SSN: the whole SSN's, else a column of them, else a
        -- masked SSN's
        coalesce(right(ssn, 4), ssn_last4_read, ssn_masked_last4) AS ssn_last4,
        ssn_last4_raw,
        ssn_masked_last4,
        ssn_last4_read,
        nullif(concat_ws(' ', street_number_text, street_name_text,
                         CASE WHEN unit_text IS NOT NULL THEN 'UNIT ' || unit_text END), '') AS address,
        coalesce(address_raw, nullif(concat_ws(' ', street_number_raw, street_name_raw, unit_raw), '')) AS address_raw,
        street_number_text AS street_number,
        address_is_placeholder,
        street_name_text AS street_name,
        unit_text AS unit,
        city_text AS city,
        city_raw,
        mpi_state_std(state_text) AS state,
        state_raw,
        CASE
            -- 00000 and 99999 are what systems write for "no ZIP"
            WHEN length(zip_digits) IN (9, 5) THEN nullif(nullif(left(zip_digits, 5), '00000'), '99999')
            -- Other countries' postal codes mix letters and digits (TQ13 8DF, K1A 0B1, 1234 AB):
            -- kept whole, without spaces. Their digits alone would make a wrong ZIP (TQ13 8DF -> 00138).
            WHEN zip_postcode IS NOT NULL THEN zip_postcode
            -- ZIP+4 or ZIP stored as a number lost its leading zeros (06103 -> 6103).
            WHEN length(zip_digits) = 8 THEN nullif(left(lpad(zip_digits, 9, '0'), 5), '00000')
            WHEN length(zip_digits) IN (3, 4) THEN nullif(lpad(zip_digits, 5, '0'), '00000')
            -- Other countries' codes of digits alone (100080, 560001, 1100-148): kept whole, as those
            -- with letters are. A US ZIP never has 6 or 7 digits.
            WHEN length(zip_digits) IN (6, 7) THEN zip_digits
        END AS zip,
        zip_raw,
        CASE
            WHEN length(phone_digits) = 11 AND phone_digits[1] = '1' THEN mpi_phone_valid(phone_digits[2:])
            WHEN length(phone_digits) = 10 THEN mpi_phone_valid(phone_digits)
        END AS phone,
        phone_raw,
        CASE WHEN NOT email_is_placeholder THEN email_text END AS email,
        email_is_placeholder,
        email_raw,
        first_name_std,
        first_name_formals,
        first_name_nysiis,
        first_name_metaphone,
        last_name_nysiis,
        last_name_metaphone
    FROM names
)
SELECT
    *,
    -- Sources that keep an age instead of a date of birth still pin the birth year to a range of two.
    coalesce(year(dob), dob_year_read, year(age_as_of) - age - 1) AS birth_year_min,
    coalesce(year(dob), dob_year_read, year(age_as_of) - age) AS birth_year_max
FROM standardized;
