-- Add the nickname-canonical first name, phonetic codes and the birth-year range to the
-- standardized rows. The lookup tables hold one row per distinct name (see mpi.standardize).
CREATE OR REPLACE TEMP TABLE mpi__enriched AS
SELECT
    s.*,
    coalesce(nick.formal_name, s.first_name) AS first_name_std,
    first_sound.nysiis AS first_name_nysiis,
    first_sound.metaphone AS first_name_metaphone,
    last_sound.nysiis AS last_name_nysiis,
    last_sound.metaphone AS last_name_metaphone,
    -- Sources that keep an age instead of a date of birth still pin the birth year to a range of two.
    coalesce(year(s.dob), year(s.age_as_of) - s.age - 1) AS birth_year_min,
    coalesce(year(s.dob), year(s.age_as_of) - s.age) AS birth_year_max
FROM mpi__standardized AS s
LEFT JOIN mpi__nickname_map AS nick ON nick.name = s.first_name
LEFT JOIN mpi__phonetic AS first_sound ON first_sound.name = s.first_name
LEFT JOIN mpi__phonetic AS last_sound ON last_sound.name = s.last_name;
