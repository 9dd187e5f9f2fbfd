-- Add the nickname-canonical first name, the formal names it can stand for, and the phonetic codes to each distinct name value
-- (mpi__name_values, values.sql). The lookup tables hold one row per distinct name (see mpi.standardize).
CREATE OR REPLACE TEMP TABLE mpi__name_lookup AS
SELECT
    v.*,
    coalesce(nick.formal_name, v.first_name_text) AS first_name_std,
    -- The name and every formal name it can stand for (mpi.standardize.nickname_formals).
    CASE WHEN v.first_name_text IS NOT NULL THEN coalesce(nick.formals, [v.first_name_text]) END AS first_name_formals,
    first_sound.nysiis AS first_name_nysiis,
    first_sound.metaphone AS first_name_metaphone,
    last_sound.nysiis AS last_name_nysiis,
    last_sound.metaphone AS last_name_metaphone
FROM mpi__name_values AS v
LEFT JOIN mpi__nickname_map AS nick ON nick.name = v.first_name_text
LEFT JOIN mpi__phonetic AS first_sound ON first_sound.name = v.first_name_text
LEFT JOIN mpi__phonetic AS last_sound ON last_sound.name = v.name_text;
