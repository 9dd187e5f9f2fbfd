-- Text helpers shared by the standardization files. Temporary: they live for one connection.

-- Upper case, accents folded, apostrophes dropped (O'BRIEN, and O"BRIEN typed for it, -> OBRIEN), other punctuation except
-- hyphens to spaces, repeated spaces collapsed; '' becomes NULL. Hyphens survive so that full-name
-- parsing keeps MARY-KATE and GARCIA-LOPEZ as one token.
-- A part in parentheses is dropped when letters stand outside it: a nickname or a note beside the
-- name (SMITH, JOHN (JACK) A). A value that is all in parentheses keeps what they hold: registers
-- built from other sources write a surname as (SCULPTOR) or (SIR), one person's records alike.
CREATE OR REPLACE TEMP MACRO mpi_without_parentheses(s) AS
    CASE WHEN regexp_matches(regexp_replace(s, '\([^)]*\)', '', 'g'), '[A-Za-z]')
         THEN regexp_replace(s, '\([^)]*\)', ' ', 'g') ELSE s END;

CREATE OR REPLACE TEMP MACRO mpi_clean_name(s) AS
    nullif(trim(regexp_replace(regexp_replace(regexp_replace(
        regexp_replace(
            regexp_replace(
                replace(replace(replace(replace(
                    translate(upper(strip_accents(mpi_without_parentheses(CAST(s AS VARCHAR)))), 'ØŁĐÞ', 'OLDT'),
                    'ß', 'SS'), 'Æ', 'AE'), 'Œ', 'OE'), '’', ''),
                '[''`´"]', '', 'g'),
            '[^A-Z0-9 \-]', ' ', 'g'),
        '\s*-[\s-]*', '-', 'g'), '^-+|-+$', '', 'g'), '\s+', ' ', 'g'), ' -'), '');

-- The letters a digit in a name is mistaken for (OCR and handwriting: 0 for O, 1 for I or L, 5 for S),
-- '' for any other character: values.sql breaks ties between readings of a misread name with it.
CREATE OR REPLACE TEMP MACRO mpi_digit_lookalikes(c) AS
    CASE c WHEN '0' THEN 'ODQ' WHEN '1' THEN 'ILJ' WHEN '2' THEN 'Z' WHEN '3' THEN 'EB' WHEN '4' THEN 'A'
           WHEN '5' THEN 'S' WHEN '6' THEN 'GB' WHEN '7' THEN 'T' WHEN '8' THEN 'B' WHEN '9' THEN 'GQ'
           ELSE '' END;

-- mpi_clean_name with hyphens as spaces: GARCIA-LOPEZ = GARCIA LOPEZ.
CREATE OR REPLACE TEMP MACRO mpi_clean_text(s) AS nullif(replace(mpi_clean_name(s), '-', ' '), '');

-- A number in a spreadsheet's scientific notation (6.103E+03, 1.2345678e8): its digits are not the
-- identifier's, and the last ones may be lost (a 9-digit SSN shown with 8), so it is no value.
CREATE OR REPLACE TEMP MACRO mpi_is_scientific_notation(s) AS
    regexp_full_match(trim(CAST(s AS VARCHAR)), '[0-9]*\.?[0-9]+[eE][+-]?[0-9]+');

-- A postal code with letters in it (not a US ZIP), upper case without spaces or punctuation:
-- 5 to 8 letters and digits, with at least one of each, e.g. TQ138DF, K1A0B1, 1234AB.
CREATE OR REPLACE TEMP MACRO mpi_postal_code(s) AS
    CASE WHEN NOT mpi_is_scientific_notation(s) AND regexp_full_match(upper(regexp_replace(CAST(s AS VARCHAR), '[^A-Za-z0-9]', '', 'g')), '[A-Z0-9]{5,8}')
              AND regexp_matches(CAST(s AS VARCHAR), '[0-9]') AND regexp_matches(CAST(s AS VARCHAR), '[A-Za-z]')
         THEN upper(regexp_replace(CAST(s AS VARCHAR), '[^A-Za-z0-9]', '', 'g')) END;

-- Dates of birth that stand for "not known": system defaults (1900-01-01, SQL Server's 1753-01-01,
-- spreadsheets' day zero 1899-12-30/31, 0001-01-01 ...) and dates after today.
CREATE OR REPLACE TEMP MACRO mpi_is_placeholder_date(d) AS
    d IN (DATE '1900-01-01', DATE '1800-01-01', DATE '1899-12-31', DATE '1899-12-30', DATE '1753-01-01',
          DATE '0001-01-01')
    OR d > current_date;

-- The digits of a whole number, written as one (1985) or as a float (a spreadsheet's or pandas'
-- 1985.0); NULL for anything else.
CREATE OR REPLACE TEMP MACRO mpi_whole_number(s) AS
    nullif(regexp_extract(trim(CAST(s AS VARCHAR)), '^([0-9]+)(\.0+)?$', 1), '');

-- The digits of an identifier. A whole number written as a float (06103 saved by pandas or a
-- spreadsheet as 6103.0) loses its ".0" first: its zero is no digit of the ZIP, SSN or phone.
CREATE OR REPLACE TEMP MACRO mpi_digits(s) AS
    CASE WHEN NOT mpi_is_scientific_notation(s) THEN
        nullif(regexp_replace(coalesce(mpi_whole_number(s), CAST(s AS VARCHAR)), '[^0-9]', '', 'g'), '')
    END;

-- A date written with its time of day, as databases and spreadsheets export a date column
-- (1975-11-02 00:00:00, 11/2/1975 12:00:00 AM, 1975-11-02T00:00:00Z), reduced to the date.
CREATE OR REPLACE TEMP MACRO mpi_without_time(s) AS
    regexp_replace(CAST(s AS VARCHAR),
        '[ T][0-9]{1,2}:[0-9]{2}(:[0-9]{2}([.,][0-9]+)?)?( ?[AaPp]\.?[Mm]\.?)?( ?(Z|UTC|[+-][0-9]{2}:?[0-9]{2}))?$', '');

-- A date read by strptime's %Y, only when its year is written with four digits: %Y also reads a
-- two-digit year (2/3/85 as the year 85), a guess of the century no one asked for. A year written
-- whole before 1000 (0990-01-01, in registers of historical figures) is kept.
CREATE OR REPLACE TEMP MACRO mpi_date_with_whole_year(d, s) AS
    CASE WHEN year(d) >= 1000
              OR regexp_matches(s, '(^|[^0-9])' || lpad(CAST(year(d) AS VARCHAR), 4, '0') || '([^0-9]|$)')
         THEN d END;

-- A date read by %y, a two-digit year: strptime puts 00-68 in the 2000s and 69-99 in the 1900s. One
-- that would lie in the future is a century earlier (12/5/49 is 1949): dates of birth and of records
-- are in the past. A year of 20 or so stays ambiguous (a child, or a centenarian): the nearer is taken.
CREATE OR REPLACE TEMP MACRO mpi_date_of_two_digit_year(d) AS
    CASE WHEN d > current_date THEN CAST(d - INTERVAL 100 YEAR AS DATE) ELSE d END;

-- Left-pad a numeric identifier that lost its leading zeros (spreadsheets do this); n NULL = no padding.
CREATE OR REPLACE TEMP MACRO mpi_pad_digits(s, n) AS
    CASE WHEN n IS NULL OR mpi_digits(s) IS NULL OR length(mpi_digits(s)) >= n THEN mpi_digits(s)
         ELSE lpad(mpi_digits(s), n, '0') END;

-- Generational suffixes, in every spelling we accept, and their standard form.
CREATE OR REPLACE TEMP MACRO mpi_suffix_std(token) AS
    CASE token
        WHEN 'JR' THEN 'JR' WHEN 'JNR' THEN 'JR' WHEN 'JUNIOR' THEN 'JR'
        WHEN 'SR' THEN 'SR' WHEN 'SNR' THEN 'SR' WHEN 'SENIOR' THEN 'SR'
        WHEN 'II' THEN 'II' WHEN '2ND' THEN 'II'
        WHEN 'III' THEN 'III' WHEN '3RD' THEN 'III'
        WHEN 'IV' THEN 'IV' WHEN '4TH' THEN 'IV'
        ELSE NULL END;

-- Honorifics, and the credentials written after a name (SMITH, JOHN A MD), that are no one's name,
-- taken out of every name field. A short list of our own, not nameparser's: its titles include words
-- that are common surnames too (KING, MAJOR, BISHOP, DEAN). Not DO or PA: a particle, a given name.
CREATE OR REPLACE TEMP MACRO mpi_is_title(token) AS
    token IN ('MR', 'MRS', 'MS', 'MISS', 'MX', 'DR', 'PROF', 'REV', 'REVD',
              'MD', 'PHD', 'DDS', 'DMD', 'DVM', 'RN', 'LPN', 'ESQ', 'CPA', 'MSW', 'LCSW', 'JD');

-- A first name without the honorific that opens it (SIR, DAME, HON). A register that split SIR JOHN
-- SMITH into first and last name keeps SIR as the first name, which then matches every other SIR.
-- Only the first name: DAME and HON are surnames too (the US Census lists both).
CREATE OR REPLACE TEMP MACRO mpi_without_given_title(s) AS
    nullif(regexp_replace(s, '^(SIR|DAME|HON)( |$)', ''), '');

-- Surname particles that start a compound surname (DE LA CRUZ, VAN DER BERG, ST JOHN).
CREATE OR REPLACE TEMP MACRO mpi_is_particle(token) AS
    token IN ('DE', 'DEL', 'DELA', 'LA', 'LAS', 'LOS', 'DA', 'DAS', 'DO', 'DOS', 'DI', 'DU', 'VAN', 'VON',
              'DER', 'DEN', 'TER', 'LE', 'ST', 'SAINT', 'SAINTE', 'SAN', 'SANTA', 'BIN', 'BEN', 'AL', 'EL', 'MAC',
              'MC', 'O');

-- Name tokens without titles and suffixes.
CREATE OR REPLACE TEMP MACRO mpi_name_tokens(s) AS
    list_filter(string_split(coalesce(mpi_clean_name(s), ''), ' '),
                lambda t: t <> '' AND mpi_suffix_std(t) IS NULL AND NOT mpi_is_title(t));

-- First suffix token found in a name, standardized.
CREATE OR REPLACE TEMP MACRO mpi_suffix_in(s) AS
    list_filter(list_transform(string_split(coalesce(mpi_clean_text(s), ''), ' '), lambda t: mpi_suffix_std(t)),
                lambda t: t IS NOT NULL)[1];

CREATE OR REPLACE TEMP MACRO mpi_join_tokens(tokens) AS nullif(array_to_string(tokens, ' '), '');

-- How many trailing tokens belong to the surname in "FIRST MIDDLE LAST": the last token plus
-- any particles right before it (MARIA DE LA CRUZ -> 3), never eating the first name.
CREATE OR REPLACE TEMP MACRO mpi_surname_width(tokens) AS
    CASE
        WHEN len(tokens) >= 4 AND mpi_is_particle(tokens[-3]) AND mpi_is_particle(tokens[-2]) THEN 3
        WHEN len(tokens) >= 3 AND mpi_is_particle(tokens[-2]) THEN 2
        ELSE 1 END;

-- Full names are parsed from token lists the mapping computes once per row (mpi_name_tokens of the
-- whole name, or of the parts around its comma): a macro has no local variables, and taking the
-- name itself would expand the tokenizing several times per row.

-- "FIRST MIDDLE LAST SUFFIX" tokens -> struct of parts; suffix is mpi_suffix_in of the whole name.
CREATE OR REPLACE TEMP MACRO mpi_name_from_tokens(tokens, suffix) AS {
    'first': CASE WHEN len(tokens) >= 2 THEN tokens[1] END,
    'middle': mpi_join_tokens(tokens[2:len(tokens) - mpi_surname_width(tokens)]),
    'last': mpi_join_tokens(tokens[len(tokens) - mpi_surname_width(tokens) + 1:]),
    'suffix': suffix
};

-- "LAST, FIRST MIDDLE SUFFIX": the tokens after the comma and before it -> struct of parts.
CREATE OR REPLACE TEMP MACRO mpi_name_from_comma_tokens(given, family, suffix) AS {
    'first': given[1],
    'middle': mpi_join_tokens(given[2:]),
    'last': mpi_join_tokens(family),
    'suffix': suffix
};

-- Names that stand for "not known": FNU/LNU/NMN (first, last, no middle name), UNKNOWN, and the
-- placeholders hospitals give newborns (BABY BOY, BABY GIRL). They would otherwise match each other.
-- Surveys and forms add the words people write when they leave a name out: a relationship
-- (WIFE, SON OF), a role (RESPONDENT, OCCUPANT, LADY OF THE HOUSE), a title alone (MRS), a refusal
-- (the US Census Bureau's list of "fake names" found in census returns has these). Words that are
-- also real surnames or given names are left out: SON (Korean surname, Vietnamese given name),
-- PARENT, HOUSE, CHILD, FRIEND, MINOR, MAN, NINO, DOE.
CREATE OR REPLACE TEMP MACRO mpi_is_placeholder_name(s) AS
    s IN ('FNU', 'LNU', 'MNU', 'NFN', 'NLN', 'NMN', 'NMI', 'UNK', 'UNKN', 'UNKNOWN', 'UNKNOWN UNKNOWN',
          'NONE', 'NULL', 'NO NAME', 'NONAME', 'UNNAMED', 'TEST',
          'BABY', 'BABY BOY', 'BABY GIRL', 'BABYBOY', 'BABYGIRL', 'BOY', 'GIRL', 'INFANT', 'INFANT BOY',
          'INFANT GIRL', 'NEWBORN', 'MALE', 'FEMALE', 'TWIN', 'TWIN A', 'TWIN B',
          'MOM', 'MOTHER', 'DAD', 'FATHER', 'WIFE', 'HUSBAND', 'DAUGHTER', 'DAU', 'BROTHER', 'SISTER',
          'GRANDSON', 'GRANDDAUGHTER', 'GRANDCHILD', 'NEPHEW', 'NIECE', 'HIJO', 'HIJA', 'KID',
          'MALE CHILD', 'FEMALE CHILD', 'ADULT', 'ADULT MALE', 'ADULT FEMALE', 'YOUNGEST', 'OLDEST',
          'PERSON', 'RESIDENT', 'RESPONDENT', 'RESPONDANT', 'OCCUPANT', 'HOUSEHOLD', 'HOUSEHOLDER',
          'HEAD OF HOUSEHOLD', 'INMATE', 'LADY', 'GENTLEMAN', 'GENTLEMEN', 'WOMAN',
          'MR', 'MRS', 'MS', 'MISS', 'SENOR', 'SENORA', 'ONE', 'TWO', 'THREE', 'FOUR',
          'ANON', 'ANONYMOUS', 'REFUSED', 'DECLINED', 'DONT KNOW', 'NA', 'N A',
          'FIRST NAME', 'LAST NAME', 'NO FIRST NAME', 'NO LAST NAME', 'APELLIDO', 'NOMBRE')
    OR regexp_full_match(s, '(XX+|BABY (BOY|GIRL) [A-Z]|TWIN [0-9])')
    -- no letter at all: a count or a date in a name column (a report's "Total,50" row)
    OR NOT regexp_matches(s, '[A-Z]')
    -- LADY OF THE HOUSE, MAN IN THE HOME, SON OF, DE LA CASA
    OR regexp_full_match(s, '(.* )?(OF|IN) (THE )?(HOUSE|HOME)|(SON|DAUGHTER|WIFE|HUSBAND|CHILD) OF( .*)?|DE (LA )?CASA');

CREATE OR REPLACE TEMP MACRO mpi_real_name(s) AS CASE WHEN mpi_is_placeholder_name(s) THEN NULL ELSE s END;

-- SSNs the SSA never issues, or that are known to be shared by many people: area 000, 666 or 9xx,
-- group 00, serial 0000, one repeated digit, 123456789, and the famous advertising numbers. Area 9xx
-- with group 50-65, 70-88 or 90-99 is an IRS ITIN (ATIN: 93), one person's for life, which agencies
-- keep in the SSN field for people without one: kept, and compared as an SSN is.
CREATE OR REPLACE TEMP MACRO mpi_ssn_is_valid(d) AS
    d IS NOT NULL AND length(d) = 9
    AND d[1:3] NOT IN ('000', '666')
    AND (d[1] <> '9' OR d[4:5] BETWEEN '50' AND '65' OR d[4:5] BETWEEN '70' AND '88' OR d[4:5] >= '90')
    AND d[4:5] <> '00' AND d[6:9] <> '0000'
    AND replace(d, d[1], '') <> ''
    AND d NOT IN ('123456789', '078051120', '219099999', '457555462');

-- The last four digits of an SSN written masked but for them (XXX-XX-1234, ***-**-1234, XXXXX1234,
-- 000-00-1234), or of those four alone (1234): what homeless services and court files keep. Not
-- 0000, which no SSN ends with, nor a placeholder whole SSN (123-45-6789 is no SSN, so no last four).
CREATE OR REPLACE TEMP MACRO mpi_ssn_last4_of_masked(s) AS
    CASE WHEN regexp_full_match(regexp_replace(trim(CAST(s AS VARCHAR)), '[ .-]', '', 'g'), '(00000|[Xx*#]{0,5})[0-9]{4}')
         THEN nullif(right(trim(CAST(s AS VARCHAR)), 4), '0000') END;

-- A column of an SSN's last four digits: as written, or as a number that lost its leading zeros (123
-- for 0123); a whole valid SSN mapped there gives its own.
CREATE OR REPLACE TEMP MACRO mpi_ssn_last4(s) AS
    CASE WHEN mpi_ssn_is_valid(mpi_digits(s)) THEN right(mpi_digits(s), 4)
         WHEN length(mpi_digits(s)) = 4 THEN nullif(mpi_digits(s), '0000')
         WHEN length(mpi_digits(s)) BETWEEN 1 AND 3 AND mpi_whole_number(s) IS NOT NULL
         THEN nullif(lpad(mpi_digits(s), 4, '0'), '0000') END;

-- A 10-digit North American number whose area code and exchange can exist and that is not one digit repeated.
CREATE OR REPLACE TEMP MACRO mpi_phone_valid(d) AS
    CASE WHEN length(d) = 10 AND d[1] NOT IN ('0', '1') AND d[4] NOT IN ('0', '1')
              AND replace(d, d[1], '') <> '' AND d[4:10] <> '5551212' THEN d END;

-- Street types and directions to USPS abbreviations, so STREET = ST and NORTH = N. The street
-- types with their common variants are from USPS Publication 28, appendix C1 (AVEN, BOUL, CIRC,
-- DRV, TERR are the same types); a type that is also an everyday word in street names (HILL,
-- PARK, LAKE) is left as written. A CASE over words: no library holds the table in a form SQL can use.
CREATE OR REPLACE TEMP MACRO mpi_street_std(s) AS
    nullif(array_to_string(list_transform(string_split(s, ' '), lambda t: CASE
        WHEN t IN ('STREET', 'STR', 'STRT') THEN 'ST'
        WHEN t IN ('AVENUE', 'AV', 'AVEN', 'AVENU', 'AVN', 'AVNUE') THEN 'AVE'
        WHEN t IN ('ROAD') THEN 'RD'
        WHEN t IN ('DRIVE', 'DRIV', 'DRV') THEN 'DR'
        WHEN t IN ('LANE') THEN 'LN'
        WHEN t IN ('BOULEVARD', 'BOUL', 'BOULV') THEN 'BLVD'
        WHEN t IN ('COURT', 'CRT') THEN 'CT'
        WHEN t IN ('PLACE') THEN 'PL'
        WHEN t IN ('TERRACE', 'TERR') THEN 'TER'
        WHEN t IN ('CIRCLE', 'CIRC', 'CIRCL', 'CRCL', 'CRCLE') THEN 'CIR'
        WHEN t IN ('HIGHWAY', 'HIGHWY', 'HIWAY', 'HIWY', 'HWAY') THEN 'HWY'
        WHEN t IN ('PARKWAY', 'PARKWY', 'PKWAY', 'PKY') THEN 'PKWY'
        WHEN t IN ('EXPRESSWAY', 'EXPR', 'EXPRESS', 'EXPW') THEN 'EXPY'
        WHEN t IN ('FREEWAY', 'FREEWY', 'FRWAY', 'FRWY') THEN 'FWY'
        WHEN t IN ('SQUARE', 'SQR', 'SQRE', 'SQU') THEN 'SQ'
        WHEN t IN ('TRAIL') THEN 'TRL'
        WHEN t IN ('TURNPIKE', 'TRNPK', 'TURNPK') THEN 'TPKE'
        WHEN t IN ('EXTENSION', 'EXTN', 'EXTNSN') THEN 'EXT'
        WHEN t IN ('HEIGHTS', 'HT') THEN 'HTS'
        WHEN t IN ('PLAZA', 'PLZA') THEN 'PLZ'
        WHEN t IN ('CENTER', 'CENTRE', 'CENT', 'CENTR', 'CNTER', 'CNTR') THEN 'CTR'
        WHEN t IN ('CROSSING', 'CRSSNG') THEN 'XING'
        WHEN t IN ('ALLEY', 'ALLEE', 'ALLY') THEN 'ALY'
        WHEN t IN ('ROUTE') THEN 'RTE'
        WHEN t IN ('NORTH') THEN 'N' WHEN t IN ('SOUTH') THEN 'S' WHEN t IN ('EAST') THEN 'E' WHEN t IN ('WEST') THEN 'W'
        WHEN t IN ('NORTHEAST') THEN 'NE' WHEN t IN ('NORTHWEST') THEN 'NW'
        WHEN t IN ('SOUTHEAST') THEN 'SE' WHEN t IN ('SOUTHWEST') THEN 'SW'
        WHEN t IN ('FIRST') THEN '1ST' WHEN t IN ('SECOND') THEN '2ND' WHEN t IN ('THIRD') THEN '3RD'
        ELSE t END), ' '), '');

-- A street (standardized: STREET is ST) that stands for "no address": homeless, unknown, refused,
-- general delivery (mail held at the post office). Shared by many people who are not one household.
CREATE OR REPLACE TEMP MACRO mpi_is_placeholder_street(s) AS
    s IN ('HOMELESS', 'UNKNOWN', 'UNK', 'UNKN', 'NONE', 'NULL', 'NA', 'N A', 'TBD', 'TEST', 'SAME', 'SAME AS ABOVE',
          'GENERAL DELIVERY', 'GEN DELIVERY', 'GEN DEL', 'GENERAL DEL', 'NO ADDRESS', 'NO ADDRESS GIVEN',
          'NO FIXED ADDRESS', 'NO FIXED ABODE', 'NFA', 'NO PERMANENT ADDRESS', 'NOT GIVEN', 'NOT PROVIDED',
          'NOT AVAILABLE', 'REFUSED', 'DECLINED', 'TRANSIENT', 'UNDOMICILED', 'UNHOUSED', 'ADDRESS UNKNOWN',
          'UNKNOWN ADDRESS', 'HOMELESS SHELTER', 'STREET', 'ST')
    OR regexp_full_match(s, '(XX+|X)|(HOMELESS|UNKNOWN) .*|.* (HOMELESS|UNKNOWN)');

-- Words that introduce a secondary unit (USPS designators and their spellings): APT 4B, SUITE 100.
CREATE OR REPLACE TEMP MACRO mpi_unit_words() AS
    ['APT', 'APARTMENT', 'UNIT', 'STE', 'SUITE', 'FL', 'FLR', 'FLOOR', 'RM', 'ROOM', 'NO', 'NUM', 'NUMBER',
     'BLDG', 'BUILDING', 'LOT', 'SPC', 'SPACE', 'TRLR', 'DEPT'];

-- The unit words as one regular-expression alternative.
CREATE OR REPLACE TEMP MACRO mpi_unit_word_pattern() AS '(?:' || array_to_string(mpi_unit_words(), '|') || ')';

-- A half (or other fraction) after a house number dropped: 123 1/2 MAIN ST and 123-1/2 are building 123.
-- Cleaning would read the fraction's digits as a second number (street 1 2 MAIN ST).
CREATE OR REPLACE TEMP MACRO mpi_without_number_fraction(s) AS regexp_replace(s, '([0-9])(?:[ -]+[0-9]/[0-9]|½)', '\1', 'g');

-- The place that ends an address line after a comma: street, city, state and ZIP (ZIP+4), the comma
-- before the state optional (12 MAIN ST, HARTFORD CT 06106). All four '' when the line does not end so:
-- a line ending with a unit (12 MAIN ST, APT 4B) or a city alone is no place.
CREATE OR REPLACE TEMP MACRO mpi_address_place(s) AS regexp_extract(trim(s),
    '^(.*[^ ,])\s*,\s*([A-Za-z][A-Za-z .''-]*[A-Za-z.])\s*,?\s+([A-Za-z]{2})\.?\s+([0-9]{5}(?:\s*-?\s*[0-9]{4})?)$',
    ['street', 'city', 'state', 'zip']);

-- Address text cleaned like names, '#' first read as a unit word (#4B is UNIT 4B), since cleaning drops it.
CREATE OR REPLACE TEMP MACRO mpi_clean_address(s) AS
    mpi_clean_text(replace(mpi_without_number_fraction(s), '#', ' UNIT '));

-- The unit that ends a cleaned address or street line, with its leading space ('' when none):
-- runs of unit words, each followed by a unit number (4B, 12, B, PH, APT4B written as one, or 4-B,
-- which cleaning leaves as 4 B), then any unit words left over (# 2 FLOOR); or a floor alone (2ND FL).
-- Only at the end, so STE GENEVIEVE AVE keeps its name.
CREATE OR REPLACE TEMP MACRO mpi_unit_tail(s) AS regexp_extract(s,
    '(?:(?:(?: ' || mpi_unit_word_pattern() || ')+'
    || '(?: [A-Z0-9]*[0-9][A-Z0-9]*(?: [A-Z])?| [A-Z]{1,2}|[0-9]+[A-Z]?))+'
    || '(?: ' || mpi_unit_word_pattern() || ')*'
    || '| [0-9]+(?:ST|ND|RD|TH)? (?:FL|FLR|FLOOR))$');

-- The user name of a standardized email address, the part before its one @ (hashed tokens, leak
-- checks; the person model's EMAIL_USER_NAME is the same, written for every Splink dialect).
CREATE OR REPLACE TEMP MACRO mpi_email_user(email) AS regexp_extract(email, '^[^@]+');

-- The line without that unit: what is left for the street (and, in an address line, the number).
CREATE OR REPLACE TEMP MACRO mpi_without_unit_tail(line, unit_tail) AS left(line, length(line) - length(unit_tail));

-- A unit without its words, so APARTMENT # 40, APT 40, #40 and 40 all read 40; NULL if nothing is left.
-- A number's letter written apart (4 B, from 4-B) joins it, and an ordinal floor is its number (2ND is 2).
CREATE OR REPLACE TEMP MACRO mpi_unit_id(s) AS nullif(regexp_replace(regexp_replace(array_to_string(list_filter(
    string_split(regexp_replace(s, '(^| )' || mpi_unit_word_pattern() || '([0-9])', '\1\2', 'g'), ' '),
    lambda t: t <> '' AND NOT list_contains(mpi_unit_words(), t)), ' '),
    '([0-9]) ([A-Z])$', '\1\2'), '^([0-9]+)(ST|ND|RD|TH)$', '\1'), '');

-- Two-letter state codes; full names of states are mapped to them.
CREATE OR REPLACE TEMP MACRO mpi_state_std(s) AS
    CASE WHEN length(s) = 2 THEN s ELSE CASE s
        WHEN 'ALABAMA' THEN 'AL' WHEN 'ALASKA' THEN 'AK' WHEN 'ARIZONA' THEN 'AZ' WHEN 'ARKANSAS' THEN 'AR'
        WHEN 'CALIFORNIA' THEN 'CA' WHEN 'COLORADO' THEN 'CO' WHEN 'CONNECTICUT' THEN 'CT' WHEN 'DELAWARE' THEN 'DE'
        WHEN 'DISTRICT OF COLUMBIA' THEN 'DC' WHEN 'FLORIDA' THEN 'FL' WHEN 'GEORGIA' THEN 'GA' WHEN 'HAWAII' THEN 'HI'
        WHEN 'IDAHO' THEN 'ID' WHEN 'ILLINOIS' THEN 'IL' WHEN 'INDIANA' THEN 'IN' WHEN 'IOWA' THEN 'IA'
        WHEN 'KANSAS' THEN 'KS' WHEN 'KENTUCKY' THEN 'KY' WHEN 'LOUISIANA' THEN 'LA' WHEN 'MAINE' THEN 'ME'
        WHEN 'MARYLAND' THEN 'MD' WHEN 'MASSACHUSETTS' THEN 'MA' WHEN 'MICHIGAN' THEN 'MI' WHEN 'MINNESOTA' THEN 'MN'
        WHEN 'MISSISSIPPI' THEN 'MS' WHEN 'MISSOURI' THEN 'MO' WHEN 'MONTANA' THEN 'MT' WHEN 'NEBRASKA' THEN 'NE'
        WHEN 'NEVADA' THEN 'NV' WHEN 'NEW HAMPSHIRE' THEN 'NH' WHEN 'NEW JERSEY' THEN 'NJ' WHEN 'NEW MEXICO' THEN 'NM'
        WHEN 'NEW YORK' THEN 'NY' WHEN 'NORTH CAROLINA' THEN 'NC' WHEN 'NORTH DAKOTA' THEN 'ND' WHEN 'OHIO' THEN 'OH'
        WHEN 'OKLAHOMA' THEN 'OK' WHEN 'OREGON' THEN 'OR' WHEN 'PENNSYLVANIA' THEN 'PA' WHEN 'RHODE ISLAND' THEN 'RI'
        WHEN 'SOUTH CAROLINA' THEN 'SC' WHEN 'SOUTH DAKOTA' THEN 'SD' WHEN 'TENNESSEE' THEN 'TN' WHEN 'TEXAS' THEN 'TX'
        WHEN 'UTAH' THEN 'UT' WHEN 'VERMONT' THEN 'VT' WHEN 'VIRGINIA' THEN 'VA' WHEN 'WASHINGTON' THEN 'WA'
        WHEN 'WEST VIRGINIA' THEN 'WV' WHEN 'WISCONSIN' THEN 'WI' WHEN 'WYOMING' THEN 'WY' WHEN 'PUERTO RICO' THEN 'PR'
        ELSE s END END;

-- Sex after the source's code map: M/F in their usual spellings; anything else is unknown.
CREATE OR REPLACE TEMP MACRO mpi_sex_std(s) AS
    CASE upper(trim(CAST(s AS VARCHAR)))
        WHEN 'M' THEN 'M' WHEN 'MALE' THEN 'M' WHEN 'MAN' THEN 'M' WHEN 'BOY' THEN 'M'
        WHEN 'F' THEN 'F' WHEN 'FEMALE' THEN 'F' WHEN 'WOMAN' THEN 'F' WHEN 'GIRL' THEN 'F'
        ELSE NULL END;

-- Sex written as unknown on purpose (U, UNKNOWN, X, blank): what config.SEX_CODE_VALUES lets a code map to
-- besides the M and F words above.
CREATE OR REPLACE TEMP MACRO mpi_sex_is_unknown(s) AS upper(trim(CAST(s AS VARCHAR))) IN ('U', 'UNKNOWN', 'X', '');

-- A shared identifier: letters and digits only, upper case, padded if configured; all zeros is no id.
CREATE OR REPLACE TEMP MACRO mpi_clean_id(s, n) AS
    CASE WHEN regexp_full_match(upper(regexp_replace(CAST(s AS VARCHAR), '[^A-Za-z0-9]', '', 'g')), '0*') THEN NULL
         WHEN n IS NOT NULL AND regexp_full_match(trim(CAST(s AS VARCHAR)), '[0-9 -]+') THEN mpi_pad_digits(s, n)
         ELSE upper(regexp_replace(CAST(s AS VARCHAR), '[^A-Za-z0-9]', '', 'g')) END;

-- An email address (lowercased) that stands for none: a user name that says so (none, noemail,
-- no.email, n/a, unknown, declined, refused, donotreply, test, x; a word of four letters or more may
-- end in digits, noemail1, but NA96 may be someone's initials), or a domain that does (none.com,
-- noemail.com, example.com, and the reserved .invalid, .test, .example). Intake forms and agencies
-- fill these in for clients without an address; a list, since no library names them.
CREATE OR REPLACE TEMP MACRO mpi_email_placeholder_words() AS [
    'none', 'noemail', 'noemails', 'nomail', 'noemailaddress', 'noemailaddr', 'noaddress',
    'noemailprovided', 'noneprovided', 'notprovided', 'notavailable', 'notapplicable', 'noemailonfile',
    'na', 'nna', 'unknown', 'unk', 'declined', 'decline', 'refused', 'refuse', 'donotreply', 'noreply',
    'donotemail', 'null', 'nil', 'test', 'fake', 'nothing', 'no', 'noname', 'email', 'emailaddress',
    'dontknow', 'dontuse', 'x', 'xx', 'xxx', 'xxxx', 'xxxxx'];

-- A user name cut to its letters and digits (n/a is na, no.email is noemail) that is a placeholder word,
-- or one of four letters or more with digits after it (noemail1).
CREATE OR REPLACE TEMP MACRO mpi_email_user_is_placeholder(u) AS
    list_contains(mpi_email_placeholder_words(), u)
    OR (length(regexp_replace(u, '[0-9]+$', '')) >= 4
        AND list_contains(mpi_email_placeholder_words(), regexp_replace(u, '[0-9]+$', '')));

CREATE OR REPLACE TEMP MACRO mpi_email_is_placeholder(e) AS
    mpi_email_user_is_placeholder(regexp_replace(mpi_email_user(e), '[^a-z0-9]', '', 'g'))
    OR list_contains(['none', 'noemail', 'nomail', 'noneprovided', 'na', 'unknown', 'declined', 'refused',
        'noreply', 'donotreply', 'example', 'fake', 'invalid'], regexp_extract(e, '@(?:[^@]*\.)?([^.@]+)\.[a-z]+$', 1))
    OR list_contains(['invalid', 'test', 'example', 'localhost'], regexp_extract(e, '\.([a-z]+)$', 1));
