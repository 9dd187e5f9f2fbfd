-- Clean each distinct input value once. Cleaning is the costly part of standardization (regular
-- expressions, token lists, macros that expand their argument several times), and the values
-- repeat: a common first name, a household's address, a city. records.sql joins these tables back
-- by value; field_issues.sql reads mpi__name_values too.

-- Digits inside a name are misreadings or slips: scanned forms and keying (SM1TH, MAR9ARET, W9LLIAM,
-- ARTH8R, SMITH2). Which letter a digit stands for depends on who misread it (9 is G, Q, I or O), so
-- no fixed digit-to-letter table serves every source. Such a name part is read as a digit-free part
-- of this load: the part itself without its digits, when the load has that (SMITH2 is SMITH), else
-- the most frequent one that spells the same with the digits as wildcards, a tie going to the one
-- whose letters look like the digits (KOWALSK1 is KOWALSKI, not KOWALSKA). A part none fits stays
-- as it is. Only parts with at least three letters and at most two digits, so that the wildcards
-- cannot fit almost anything, and never a suffix (2ND, 3RD).
CREATE OR REPLACE TEMP TABLE mpi__name_digit_repairs AS
WITH value_counts AS (
    SELECT value, count(*) AS n
    FROM (SELECT unnest([first_name_in, middle_name_in, last_name_in, other_last_name_in]) AS value FROM mpi__mapped)
    WHERE value IS NOT NULL
    GROUP BY value
),
name_parts AS (SELECT unnest(string_split(mpi_clean_text(value), ' ')) AS part, n FROM value_counts),
part_counts AS (SELECT part, sum(n) AS n FROM name_parts WHERE part <> '' GROUP BY part),
known AS (SELECT part, n FROM part_counts WHERE NOT regexp_matches(part, '[0-9]')),
misread AS (
    SELECT part, regexp_replace(part, '[0-9]', '_', 'g') AS spelling, regexp_replace(part, '[0-9]', '', 'g') AS letters
    FROM part_counts
    WHERE regexp_matches(part, '[0-9]') AND mpi_suffix_std(part) IS NULL
      AND length(regexp_replace(part, '[^A-Z]', '', 'g')) >= 3
      AND length(regexp_replace(part, '[^0-9]', '', 'g')) <= 2
),
candidates AS (
    SELECT misread.part, known.part AS repaired, 1 AS rank_group, 0 AS n, 0 AS looks_alike
    FROM misread JOIN known ON known.part = misread.letters
    UNION ALL
    SELECT misread.part, known.part, 2, known.n,
        list_sum(list_transform(range(1, length(misread.part) + 1), lambda i:
            CASE WHEN contains(mpi_digit_lookalikes(misread.part[i]), known.part[i]) THEN 1 ELSE 0 END))
    FROM misread
    JOIN known ON length(known.part) = length(misread.part) AND known.part LIKE misread.spelling
)
SELECT part, first(repaired ORDER BY rank_group, n DESC, looks_alike DESC, repaired) AS repaired
FROM candidates
GROUP BY part;

-- First, middle, last and suffix inputs share one table: the rules differ by field, not by value.
CREATE OR REPLACE TEMP TABLE mpi__name_values AS
WITH name_values AS (
    SELECT DISTINCT value
    FROM (SELECT unnest([first_name_in, middle_name_in, last_name_in, other_last_name_in, suffix_in]) AS value FROM mpi__mapped)
    WHERE value IS NOT NULL
),
repaired AS (
    SELECT
        value,
        CASE WHEN regexp_matches(value, '[0-9]') THEN array_to_string(list_transform(
            string_split(mpi_clean_name(value), ' '),
            lambda word: array_to_string(list_transform(
                string_split(word, '-'), lambda part: coalesce(repairs[part], part)), '-')), ' ')
        ELSE value END AS input
    FROM name_values,
        (SELECT map_from_entries(list(struct_pack(k := part, v := repaired))) AS repairs
         FROM mpi__name_digit_repairs)
),
cleaned AS (
    SELECT
        value,
        mpi_clean_text(mpi_join_tokens(mpi_name_tokens(input))) AS tokens_text,
        mpi_clean_text(input) AS text,
        mpi_suffix_in(input) AS suffix_found
    FROM repaired
),
real_names AS (
    SELECT
        *,
        mpi_real_name(tokens_text) AS name_text,
        -- A first name that is only a suffix word (JUNIOR is a given name too) stays the name,
        -- one that is only a title (MRS, DR, SIR) is no name.
        mpi_real_name(coalesce(
            mpi_without_given_title(tokens_text), CASE WHEN suffix_found IS NOT NULL THEN text END
        )) AS first_name_text
    FROM cleaned
)
SELECT
    value,
    tokens_text,
    name_text,
    first_name_text,
    -- a placeholder, or a value with nothing left once titles are taken out (MRS, DR)
    coalesce(mpi_is_placeholder_name(tokens_text), false)
        OR (tokens_text IS NULL AND text IS NOT NULL AND suffix_found IS NULL) AS is_placeholder,
    -- as a first name: nothing left of a value, an honorific alone (SIR) included
    first_name_text IS NULL AND text IS NOT NULL AS is_placeholder_first_name,
    mpi_suffix_std(text) AS suffix_word,
    suffix_found,
    CASE WHEN name_text IS NOT NULL THEN list_distinct(list_concat(
        [name_text, replace(name_text, ' ', '')],
        list_filter(string_split(name_text, ' '), lambda t: length(t) > 1 AND NOT mpi_is_particle(t))
    )) END AS last_name_parts
FROM real_names;

-- Street numbers, cities and states given in separate columns.
CREATE OR REPLACE TEMP TABLE mpi__text_values AS
SELECT value, mpi_clean_text(mpi_without_number_fraction(value)) AS text
FROM (
    SELECT DISTINCT value
    FROM (SELECT unnest([street_number_in, city_in, state_in]) AS value FROM mpi__mapped)
    WHERE value IS NOT NULL
);

-- A unit column, reduced to the unit itself (APARTMENT # 40 is 40).
CREATE OR REPLACE TEMP TABLE mpi__unit_values AS
SELECT value, mpi_unit_id(mpi_clean_address(value)) AS unit_text
FROM (SELECT DISTINCT unit_in AS value FROM mpi__mapped WHERE unit_in IS NOT NULL);

-- A street column, and a whole address line (number first), split from the unit that ends them:
-- clerks write the unit into whichever field is at hand.
CREATE OR REPLACE TEMP TABLE mpi__street_values AS
WITH cleaned AS (
    SELECT value, ' ' || mpi_clean_address(value) AS line
    FROM (SELECT DISTINCT street_name_in AS value FROM mpi__mapped WHERE street_name_in IS NOT NULL)
),
split AS (SELECT value, line, mpi_unit_tail(line) AS unit_tail FROM cleaned),
parts AS (
    SELECT
        value,
        mpi_street_std(nullif(trim(mpi_without_unit_tail(line, unit_tail)), '')) AS street_name_text,
        mpi_unit_id(unit_tail) AS unit_text
    FROM split
)
-- is_placeholder: HOMELESS, UNKNOWN, GENERAL DELIVERY (records.sql makes the address none)
SELECT *, coalesce(mpi_is_placeholder_street(street_name_text), false) AS is_placeholder FROM parts;

-- A whole address line, its place split off first when it ends with one, after a comma
-- (1837 PROSPECT ST APT 3B, NEW LONDON, CT 06344): mailing addresses are often kept in one column.
CREATE OR REPLACE TEMP TABLE mpi__address_values AS
WITH whole AS (
    SELECT value, mpi_address_place(value) AS place
    FROM (SELECT DISTINCT address_in AS value FROM mpi__mapped WHERE address_in IS NOT NULL)
),
cleaned AS (
    SELECT
        value,
        ' ' || mpi_clean_address(coalesce(nullif(place.street, ''), value)) AS line,
        nullif(mpi_clean_text(place.city), '') AS place_city_text,
        nullif(mpi_clean_text(place.state), '') AS place_state_text,
        nullif(place.zip, '') AS place_zip
    FROM whole
),
split AS (
    SELECT *, mpi_unit_tail(line) AS unit_tail, regexp_extract(line, '^ ([0-9]+[A-Z]?) ', 1) AS number
    FROM cleaned
),
parts AS (
    SELECT
        value,
        place_city_text,
        place_state_text,
        place_zip,
        nullif(number, '') AS street_number_text,
        mpi_unit_id(unit_tail) AS unit_text,
        mpi_street_std(nullif(trim(substr(mpi_without_unit_tail(line, unit_tail), length(number) + 2)), ''))
            AS street_name_text
    FROM split
)
SELECT *, coalesce(mpi_is_placeholder_street(street_name_text), false) AS is_placeholder FROM parts;
