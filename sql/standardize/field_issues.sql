-- Per-column counts of values that were present but could not be used (they became NULL), in
-- the rows that are indexed: rows in mpi__row_rejects (made by mpi.ingest) are left out.
WITH mapped AS (SELECT * FROM mpi__mapped ANTI JOIN mpi__row_rejects USING (mpi__row)),
enriched AS (SELECT * FROM mpi__enriched ANTI JOIN mpi__row_rejects USING (mpi__row))
SELECT field, issue, count
FROM (
    SELECT 'dob' AS field, 'unparseable date' AS issue,
           count(*) FILTER (WHERE dob_raw IS NOT NULL AND dob_in IS NULL AND NOT dob_year_only_in) AS count
    FROM mapped
    UNION ALL
    SELECT 'dob', 'unparseable date, but its year read (kept as the birth year)',
           count(*) FILTER (WHERE dob_year_read IS NOT NULL AND NOT dob_year_only) FROM enriched
    UNION ALL
    SELECT 'dob', 'placeholder or impossible date (a system default such as 1900-01-01, or in the future)',
           count(*) FILTER (WHERE (dob_parsed IS NOT NULL AND dob IS NULL) OR (dob_year_only AND dob_year_read IS NULL))
    FROM enriched
    UNION ALL
    SELECT 'age', 'not an age in years (0-120) with a recorded date',
           count(*) FILTER (WHERE age_raw IS NOT NULL AND age IS NULL) FROM enriched
    UNION ALL
    SELECT 'first_name', 'placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)',
           count(*) FILTER (WHERE is_placeholder_first_name)
    FROM mapped JOIN mpi__name_values ON value = first_name_in
    UNION ALL
    SELECT 'middle_name', 'placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)',
           count(*) FILTER (WHERE is_placeholder)
    FROM mapped JOIN mpi__name_values ON value = middle_name_in
    UNION ALL
    SELECT 'last_name', 'placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)',
           count(*) FILTER (WHERE is_placeholder)
    FROM mapped JOIN mpi__name_values ON value = last_name_in
    UNION ALL
    SELECT 'other_last_name', 'placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)',
           count(*) FILTER (WHERE is_placeholder)
    FROM mapped JOIN mpi__name_values ON value = other_last_name_in
    UNION ALL
    SELECT 'address', 'placeholder address (HOMELESS, UNKNOWN, GENERAL DELIVERY ...)',
           count(*) FILTER (WHERE address_is_placeholder) FROM enriched
    UNION ALL
    -- an SSN masked but for its last four digits is kept as them: not invalid
    SELECT 'ssn', 'structurally invalid SSN',
           count(*) FILTER (WHERE ssn_raw IS NOT NULL AND ssn IS NULL AND ssn_masked_last4 IS NULL)
    FROM enriched
    UNION ALL
    SELECT 'ssn_last4', 'not the last four digits of an SSN',
           count(*) FILTER (WHERE ssn_last4_raw IS NOT NULL AND ssn_last4_read IS NULL) FROM enriched
    UNION ALL
    -- a code the source maps to unknown, or written as unknown, is what the agency meant: not a problem
    SELECT 'sex', 'unknown code',
           count(*) FILTER (WHERE sex_raw IS NOT NULL AND mpi_sex_std(sex_in) IS NULL AND NOT mpi_sex_is_unknown(sex_in))
    FROM mapped
    UNION ALL
    SELECT 'zip', 'not a ZIP or postal code',
           count(*) FILTER (WHERE zip_raw IS NOT NULL AND zip IS NULL) FROM enriched
    UNION ALL
    SELECT 'phone', 'not a 10-digit phone number',
           count(*) FILTER (WHERE phone_raw IS NOT NULL AND phone IS NULL) FROM enriched
    UNION ALL
    SELECT 'email', 'not an email address',
           count(*) FILTER (WHERE email_raw IS NOT NULL AND email IS NULL AND NOT email_is_placeholder) FROM enriched
    UNION ALL
    SELECT 'email', 'placeholder email address (none@none.com, noemail@..., declined@...)',
           count(*) FILTER (WHERE email_is_placeholder) FROM enriched
)
WHERE count > 0
ORDER BY field, issue;
