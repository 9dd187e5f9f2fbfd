"""Synthetic multi-agency population with ground truth, modelled on a state P-20W data system.

`generate_population` draws a population of households, then writes what six agencies
would hold about those people, each in its own layout, id scheme, date format and code
set, with the errors such files really carry; `truth.csv` says which person every record
belongs to and `mpi.toml` maps every file onto the canonical schema.

Sources
-------

| source | agency | file | layout |
|---|---|---|---|
| `ece` | early childhood programs | `ece_enrollment.csv` | latin-1 CSV, Title Case with accents (José, Peña), `M/D/YYYY` dates, Male/Female, one-line address, guardian phone, SASID for public pre-K only; no SSN |
| `k12` | K-12 education | `k12_students.txt` | pipe-delimited, UPPER CASE, `YYYYMMDD`, sex 1/2, suffix column, ZIP that lost its leading zero (pad 5), SASID; no SSN |
| `college` | public colleges | `college_enrollment.parquet` | Parquet, whole name `LAST, FIRST MIDDLE SUFFIX`, ISO dates, M/F/U, SSN `123-45-6789`, SASID as a number that lost its leading zeros (pad 10), email, phone `(860) 555-1234` |
| `wages` | UI wage records | `ui_wages.csv` | CSV, SSN as a number that lost its leading zeros (pad 9), names truncated to 15/12 characters, middle initial only, suffix (when kept) inside the last name; no date of birth, no sex, no address |
| `licensing` | professional licensing | `professional_licenses.tsv` | tab-delimited, `DD-MON-YYYY` dates, SSN without dashes, address in parts (number / street / unit), ZIP+4, email; no sex |
| `hhs` | human services eligibility | `hhs_clients.csv` | CSV, whole name `FIRST MIDDLE LAST SUFFIX`, AGE at an application date instead of a date of birth, SSN with and without dashes, record id with leading zeros |

Who appears where depends on age at the extract date (`AS_OF`): children in early
childhood and K-12, young adults in college, adults in wages and licensing, whole
households in human services; a person in no source is put in the one their age fits
best, so every person has at least one record. Records from long ago (K-12 files of
today's adults) carry the address and surname of that time.

Population
----------

Households (single adults, couples, families, single parents) share an address;
children share a surname (father's, hyphenated, mother's, or, in Hispanic families,
father's and mother's first surnames). Names are drawn with realistic skew from Census
1990 lists and origin-specific lists (`src/mpi/data/synth/`, see `SOURCES.md` there).

| population rate | meaning | value |
|---|---|---|
| `origin_shares` | household origin: general, hispanic, asian, african, haitian, arab (name pools) | 0.64, 0.2, 0.06, 0.04, 0.04, 0.02 |
| `partner_same_origin` | partner drawn from the same origin as the head | 0.85 |
| `adopted_first_name` | people of other origins born after 1985 with a first name from the general pool | 0.45 |
| `modern_first_name` | people born after 2000 with a first name from the modern (2000s) pool | 0.6 |
| `household_shares` | households: single adult, couple, couple with children, single parent | 0.3, 0.24, 0.32, 0.14 |
| `children_pmf` | children in a family: 1, 2, 3, 4, 5 | 0.35, 0.38, 0.18, 0.07, 0.02 |
| `single_parent_mother` | single parents who are mothers | 0.85 |
| `twin` | child after the first born the same day as the previous child (twins) | 0.03 |
| `twin_similar_name` | twins given similar first names (same first three letters) | 0.3 |
| `twin_consecutive_ssn` | twins whose SSNs are consecutive numbers | 0.6 |
| `junior` | families whose first son is named after his father (JR; father SR or none) | 0.12 |
| `father_uses_sr` | fathers of a JR who themselves use SR | 0.5 |
| `suffix_jr` | other men with suffix JR (namesake father not in the population) | 0.012 |
| `suffix_iii` | other men with suffix III | 0.004 |
| `middle_name` | people with a middle name | 0.75 |
| `goes_by_middle` | people with a middle name who go by it | 0.03 |
| `goes_by_nickname` | people whose first name has nicknames who go by one | 0.25 |
| `hispanic_double_surname` | Hispanic adults with two surnames (GARCIA LOPEZ) | 0.35 |
| `hispanic_child_double_surname` | Hispanic families whose children take father's + mother's surname | 0.45 |
| `wife_takes_name` | married women who take the husband's surname (otherwise keep or hyphenate) | 0.7 |
| `wife_hyphenates` | married women who hyphenate birth-husband surnames | 0.08 |
| `hispanic_wife_keeps_name` | Hispanic married women who keep their surname | 0.55 |
| `single_mother_ex_name` | single mothers still using an ex-husband's surname | 0.45 |
| `child_hyphenated_surname` | families whose children carry father-mother hyphenated surnames | 0.05 |
| `child_mother_surname` | two-parent families whose children carry the mother's surname | 0.07 |
| `no_ssn` | people with no SSN (their wage records use a borrowed number) | 0.035 |
| `household_moved` | households with a previous address | 0.35 |
| `adult_own_previous_address` | adults whose previous address is their own (not the household's) | 0.6 |
| `adult_child_moved_out_per_year` | adult children moved out, per year of age past 18 (max 0.9) | 0.12 |
| `apartment` | addresses with a unit | 0.28 |
| `landline` | households with a landline | 0.45 |
| `cell_phone` | people 14+ with a cell phone | 0.92 |
| `previous_phone` | people with a phone who also have an older number | 0.35 |
| `email` | people 14+ with an email address | 0.85 |
| `public_prek_sasid` | early-childhood children given a SASID (public pre-K) | 0.35 |

| source | who (age at AS_OF: probability) | second record |
|---|---|---|
| `ece` | 1-11: 0.45 | 0.15 |
| `k12` | 5-37: 0.85 | 0.12 |
| `college` | 18-30: 0.45; 31-70: 0.15 | 0.2 |
| `wages` | 16-22: 0.45; 23-64: 0.75; 65-75: 0.3 | 0.4 |
| `licensing` | 22-80: 0.09 | 0.1 |
| `hhs` | whole households: 0.14 of households, each member 0.9 | 0.25 |

Corruptions
-----------

Rates are per record, unless the row says otherwise; `-` means the source does not hold
the field or the corruption does not apply. Every rate is a field of `NOISE` (in `rates.py`); how a
corruption splits into its forms is in `SHARES` (second table). Keying errors (typos,
digit errors, swaps, placeholders, odd case and spaces) cluster: each record draws a care
factor (`SHARES.care_levels`, mean 1) that multiplies them, so the table's rates are the
averages while a sloppy record tends to carry several errors at once.

| corruption | what happens | ece | k12 | college | wages | licensing | hhs |
|---|---|---|---|---|---|---|---|
| `duplicate` | person recorded twice under two record ids, each with its own errors | 0.01 | 0.02 | 0.015 | 0.03 | 0.04 | 0.015 |
| `nickname` | first name is the person's nickname (Bill for William; `nicknames` table); 4x for people who go by it | 0.03 | 0.04 | 0.08 | 0.12 | 0.03 | 0.08 |
| `goes_by_middle` | for people who go by their middle name: middle name recorded as first name | 0.3 | 0.5 | 0.6 | 0.7 | 0.2 | 0.5 |
| `maiden_name` | woman who changed surname still recorded under her birth surname (stale record) | - | - | 0.3 | 0.12 | 0.25 | 0.06 |
| `compound_name` | compound/hyphenated/double name (GARCIA-LOPEZ, DE LA CRUZ, O'BRIEN, JEAN-PIERRE) recorded as one part, squashed or re-punctuated | 0.3 | 0.25 | 0.35 | 0.5 | 0.2 | 0.4 |
| `first_typo` | keyboard typo in first name: neighbouring key, deletion, insertion, transposition | 0.015 | 0.01 | 0.015 | 0.03 | 0.01 | 0.025 |
| `last_typo` | keyboard typo in last name | 0.012 | 0.01 | 0.012 | 0.025 | 0.008 | 0.02 |
| `spelling_variant` | phonetic respelling (PH/F, Y/I, double letters, IE/EI...) or OCR confusion (RN/M, CL/D, O/0, I/1) in first or last name | 0.015 | 0.008 | 0.01 | 0.02 | 0.005 | 0.025 |
| `first_last_swap` | first and last names swapped | 0.003 | 0.002 | 0.004 | 0.01 | 0.002 | 0.008 |
| `first_name_placeholder` | first name unknown: FNU or UNKNOWN (infants: see SHARES) | - | - | - | 0.001 | - | 0.002 |
| `middle_missing` | middle name left out | 0.25 | 0.08 | 0.3 | 0.4 | 0.1 | 0.35 |
| `middle_initial` | middle name cut to its initial | 0.2 | 0.1 | 0.3 | - | 0.2 | 0.3 |
| `suffix_missing` | generational suffix (JR, SR, III) left out | 0.5 | 0.2 | 0.4 | 0.6 | 0.15 | 0.5 |
| `accent` | name written with its accents (José, Peña) when it has them | 0.75 | - | 0.2 | - | 0.1 | 0.15 |
| `mojibake` | accented name double-encoded (JOSÃ©) - share of accented names | - | - | - | - | - | 0.4 |
| `name_case` | name in an unusual case for the source (lower, Title, UPPER) | 0.03 | 0.01 | 0.02 | 0.005 | 0.01 | 0.02 |
| `whitespace` | leading, trailing or doubled spaces in names and address | 0.02 | 0.01 | 0.01 | 0.02 | 0.01 | 0.03 |
| `dob_missing` | date of birth blank | 0.01 | 0.002 | 0.03 | - | 0.02 | - |
| `dob_day_month_swap` | day and month swapped (when day <= 12) | 0.01 | 0.004 | 0.008 | - | 0.006 | - |
| `dob_digit` | one digit of the date of birth wrong | 0.008 | 0.004 | 0.01 | - | 0.006 | - |
| `dob_year_off` | birth year off by one | 0.004 | 0.002 | 0.004 | - | 0.003 | - |
| `dob_placeholder` | date of birth 1900-01-01 | 0.003 | 0.001 | 0.004 | - | 0.005 | - |
| `dob_other_format` | date of birth typed in another format than the column's usual one | 0.02 | - | - | - | 0.01 | - |
| `age_off_by_one` | age one year off (computed at another date) | - | - | - | - | - | 0.04 |
| `sex_missing` | sex blank or unknown | 0.01 | 0.001 | 0.03 | - | - | 0.02 |
| `sex_flip` | sex miscoded | 0.004 | 0.002 | 0.004 | - | - | 0.005 |
| `ssn_missing` | SSN blank | - | - | 0.25 | 0.005 | 0.08 | 0.1 |
| `ssn_digit` | one SSN digit wrong | - | - | 0.01 | 0.012 | 0.006 | 0.015 |
| `ssn_transpose` | two adjacent SSN digits transposed | - | - | 0.004 | 0.006 | 0.003 | 0.006 |
| `ssn_family` | a family member's SSN (parent uses child's, child's record has parent's) | - | - | 0.002 | 0.004 | 0.001 | 0.008 |
| `ssn_borrowed` | another unrelated person's SSN | - | - | 0.001 | 0.006 | 0.001 | 0.003 |
| `ssn_placeholder` | placeholder SSN 000000000 / 123456789 / 999999999 / 111111111 | - | - | 0.01 | 0.004 | 0.003 | 0.02 |
| `sasid_missing` | SASID blank though the person has one | 0.1 | 0.002 | 0.3 | - | - | - |
| `sasid_digit` | one SASID digit wrong | 0.002 | 0.001 | 0.004 | - | - | - |
| `address_previous` | a recent record carries the previous address (historic records: 0.8) | 0.2 | 0.25 | 0.3 | - | 0.3 | 0.15 |
| `address_missing` | whole address blank | 0.02 | 0.005 | 0.05 | - | 0.03 | 0.03 |
| `address_typo` | keyboard typo in street name | 0.02 | 0.01 | 0.02 | - | 0.01 | 0.03 |
| `address_style` | street type and direction spelled out (STREET, NORTH) and unit written #/UNIT | 0.25 | 0.1 | 0.3 | - | 0.2 | 0.3 |
| `unit_missing` | apartment/unit left out | 0.3 | 0.2 | 0.35 | - | 0.15 | 0.25 |
| `unit_in_street` | unit written into the street field (parts layout) | - | - | - | - | 0.15 | - |
| `zip_missing` | ZIP blank | 0.02 | 0.005 | 0.04 | - | 0.01 | 0.02 |
| `zip_digit` | one ZIP digit wrong | 0.005 | 0.003 | 0.006 | - | 0.004 | 0.008 |
| `phone_missing` | phone blank | 0.1 | - | 0.2 | - | - | 0.15 |
| `phone_previous` | an older phone number | 0.2 | - | 0.3 | - | - | 0.25 |
| `email_missing` | email blank | - | - | 0.2 | - | 0.15 | - |

| share | meaning | value |
|---|---|---|
| `care_levels` | each record's care factor, multiplying its keying-error rates (typos, digit errors, swaps, placeholders, case and space noise) so that errors cluster in sloppy records | 0.5, 1.4, 6 |
| `care_shares` | share of records at each care level (mean factor 1) | 0.7, 0.25, 0.05 |
| `historic_address_previous` | records older than 3 years that carry the previous address | 0.8 |
| `duplicate_new_sasid` | K-12 duplicates issued a second SASID | 0.35 |
| `suffix_in_last_name` | sources without a suffix column: suffixes typed into the last name (SMITH JR) | 0.4 |
| `typo_kinds` | keyboard typo: neighbouring key, deletion, insertion, transposition | 0.4, 0.25, 0.2, 0.15 |
| `typo_first_letter` | keyboard typos that hit the first letter | 0.1 |
| `ocr` | spelling variants that are OCR confusions rather than phonetic | 0.25 |
| `apostrophe_forms` | O'BRIEN written OBRIEN, O BRIEN, O`BRIEN | 0.6, 0.3, 0.1 |
| `particle_forms` | DE LA CRUZ written DELACRUZ, CRUZ, DELA CRUZ, DE-LA-CRUZ, other (SAINT for ST, one hyphen) | 0.4, 0.2, 0.2, 0.1, 0.1 |
| `double_forms` | GARCIA-LOPEZ / GARCIA LOPEZ written GARCIA, LOPEZ, other separator, GARCIALOPEZ | 0.55, 0.15, 0.2, 0.1 |
| `hhs_ssn_dashed` | human services SSNs written with dashes (the rest without) | 0.55 |
| `licensing_zip_plus4` | licensing ZIPs written as ZIP+4 | 0.7 |
| `licensing_bare_unit` | licensing units written without APT/#/UNIT | 0.7 |
| `newborn_placeholder` | human services records of babies under 60 days named BABY BOY / BABY GIRL | 0.5 |

Modules
-------

`rates` (the tables above), `draws` (random streams and masks), `tables` (reference lists),
`households`, `names` and `population` (the people), `corruption` and `records` (what each
agency recorded), `layouts` (how it writes its file), `files` (file formats, mpi.toml, truth)
and `generate` (`generate_population`).
"""

# What callers use, at the import path it had when this was one module; the rest lives in
# the submodules named above.
from mpi.synth.files import SOURCE_FILES
from mpi.synth.generate import SynthSummary, generate_population, refuse_to_overwrite_a_project
from mpi.synth.rates import (
    AS_OF,
    NOISE,
    POPULATION,
    SHARES,
    SOURCES,
    SSN_PLACEHOLDERS,
    coverage_table_markdown,
    noise_table_markdown,
    population_table_markdown,
    shares_table_markdown,
)

__all__ = [
    "AS_OF",
    "NOISE",
    "POPULATION",
    "SHARES",
    "SOURCES",
    "SOURCE_FILES",
    "SSN_PLACEHOLDERS",
    "SynthSummary",
    "coverage_table_markdown",
    "generate_population",
    "refuse_to_overwrite_a_project",
    "noise_table_markdown",
    "population_table_markdown",
    "shares_table_markdown",
]
