"""Which canonical field a column name means, read by its words (mailingAddressCity, MAILING_ADDRESS_CITY)."""

from __future__ import annotations

import re
from pathlib import Path

# Words that open a column name to say whose record it is (PAT_FNAME, STU_LAST_NM, CLIENT_MI, PART_FNAME,
# Patient Name): the person the agency serves, by whatever role it calls them.
PERSON_WORD = (
    r"(pat|patient|pt|client|clt|mbr|member|person|per|stu|student|child|youth|emp|employee|cust|customer"
    r"|participant|applicant|consumer|individual|resident|beneficiary|recipient|enrollee|claimant"
    r"|licensee|voter|inmate|offender|part|ptcp|ptcpt|prtcpt)"
)
PERSON_PREFIX = rf"({PERSON_WORD}_)?"
# Words naming another of the person's own values than the one in use (Alias Last Name,
# AKA_FirstName, maiden_last_name, preferred_first_name, prev_zip).
OTHER_VALUE_WORDS = frozenset(
    {
        "alias",
        "aka",
        "alt",
        "alternate",
        "other",
        "prev",
        "previous",
        "prior",
        "former",
        "old",
        "maiden",
        "nick",
        "nickname",
        "preferred",
        "pref",
    }
)
# Of those, the words for a first name the person goes by.
FIRST_NAME_VALUE_WORDS = frozenset({"nick", "nickname", "preferred", "pref"})
# Words that say a surname is one the person had or goes by besides the one in use: those naming
# another value of the person's, but a first name's (nickname, preferred), and a birth name.
OTHER_SURNAME_WORD = "(" + "|".join(sorted((OTHER_VALUE_WORDS - FIRST_NAME_VALUE_WORDS) | {"birth"})) + ")"
# Column-name patterns that usually mean a canonical field, matched on the name's words
# (see column_words); the first match wins. Specific location fields come before the generic
# address, and a contact field before it, so that email_address is an email.
FIELD_PATTERNS: tuple[tuple[str, str], ...] = (
    # A name of the person and no more is the whole name (Patient Name, clientname, MEMBER_FULL_NAME).
    ("full_name", rf"^({PERSON_WORD}_?)?(full_?)?name$|^licensee$"),
    # One-letter abbreviations only as the whole name or after a word naming the person (PAT_FNAME,
    # MI): item_name is no middle name, hx_mi (a history of heart attack) no middle initial. Name
    # first, then which name: census extracts (IPUMS namefrst, namelast) and FHIR (name_given).
    (
        "first_name",
        rf"(first|given|fore)_?(name|nm)$|^{PERSON_PREFIX}f_?(name|nm)$|^first$|^name_?(first|frst|given)$",
    ),
    (
        "middle_name",
        r"(middle|middl|midl|mid)_?(name|nm|init(ial)?)$|^middle$|^name_?(middle|midl|mid)$"
        rf"|^{PERSON_PREFIX}m_?(name|nm|init(ial)?|i)$",
    ),
    # A surname the person had or goes by besides the one in use (MAIDEN_NAME, Alias Last Name,
    # prev_lname, LAST_NAME_AT_BIRTH), before last_name, which would match it too. A whole other name
    # (AKA_NAME, OTHER_NAME) is no surname: it is left unmapped.
    (
        "other_last_name",
        r"(^|_)maiden(_?(last|sur|family))?(_?(name|nm))?$"
        rf"|(^|_){OTHER_SURNAME_WORD}_((last|sur|family)_?(name|nm)|surname|l_?(name|nm))$"
        rf"|(last|sur|family)_?(name|nm)_(at_birth|{OTHER_SURNAME_WORD})$",
    ),
    (
        "last_name",
        rf"(last|sur|family)_?(name|nm)$|^{PERSON_PREFIX}l_?(name|nm)$|^surname$|^last$|^name_?(last|family|sur)$",
    ),
    ("suffix", r"suffix|sufx|sfx|generation"),
    # A birth year alone is a dob too: a year-only date_format keeps it as the birth year.
    ("dob", r"dob|birth_?(date|dt|day|year|yr)|date_?of_?birth|year_?of_?birth|bdate|^yob$"),
    ("age", rf"^{PERSON_PREFIX}((birth|current|curr)_)?age(_?(years|yrs))?$"),
    ("sex", rf"^{PERSON_PREFIX}(birth_)?(sex|gender|gndr)(_?(cd|code))?$"),
    ("ssn", r"ssn|soc_?sec|social_?security"),
    ("street_number", r"(street|house)_?(number|num|no)$"),
    ("street_name", r"street_?name|^street$"),
    ("unit", r"^(unit|apt|apartment|suite)(_?(no|num|number))?$|^(addr|address|adr)_?(line_?)?2$"),
    ("city", r"(^|_)(city|town|suburb|municipality)(_|$)"),
    ("state", r"^(state|st)(_?(cd|code|abbr))?$"),
    ("zip", r"zip|postal|post_?code"),
    (
        "phone",
        r"phone|(^|_)tel(_|$)|(^|_)cell(_?(phone|ph|no|num|number|nbr))?$|mobile|(^|_)ph(_?(no|num|number|nbr))?$",
    ),
    ("email", r"e_?mail"),
    ("address", r"addr|address"),
)
# Leading words that say whose or which address a column holds, not what it is: stripped before
# matching, so mailing_address_state is a state and home_phone a phone.
QUALIFIER_WORDS = frozenset(
    {
        "mailing",
        "mail",
        "home",
        "residential",
        "residence",
        "res",
        "perm",
        "permanent",
        "current",
        "curr",
        "physical",
        "primary",
        "addr",
        "adr",
        "address",
    }
)
ADDRESS_WORDS = frozenset({"addr", "adr", "address"})
# What remains of an address column once its qualifiers are gone: nothing (home_address), a line
# number (address_1, ADDR_LINE1), or a house number (ADDR_NUM).
ADDRESS_LINE_REST = r"(line_?)?\d*"
SECOND_LINE_REST = r"(line_?)?2"
HOUSE_NUMBER_REST = r"(house_)?(num|number|no)"
# Words naming someone or something other than the person on the record (an employer's address,
# a spouse's name): such columns are never suggested for the person's own fields. A household
# member's phone, email or address is still suggested: the household shares it.
ORGANIZATION_WORDS = frozenset(
    {"employer", "company", "business", "school", "institution", "provider", "agency", "facility"}
)
# A mailing address is often a post office box, shared or kept apart from home: the home or
# residence column is taken first when a file has both.
MAILING_WORDS = frozenset({"mail", "mailing", "po", "box", "pobox"})
OTHER_PERSON_WORDS = frozenset(
    {
        "spouse",
        "mother",
        "father",
        "parent",
        "guardian",
        "caregiver",
        "dependent",
        "emergency",
        "contact",
        "relative",
        "sibling",
        "partner",
        "guarantor",
        "policyholder",
        "emerg",
    }
)
HOUSEHOLD_SHARED_FIELDS = frozenset(
    {"street_number", "street_name", "unit", "city", "state", "zip", "phone", "email", "address"}
)
NAME_FIELDS = frozenset({"full_name", "first_name", "middle_name", "last_name", "suffix"})
# Words naming the parts of a date kept in three columns (BIRTH_YEAR, dob_mm, Day_Of_Birth). Four-digit
# years only: a two-digit year (DOB_YY) leaves the century to guess.
YEAR_PART_WORDS = frozenset({"year", "yr", "yyyy"})
MONTH_PART_WORDS = frozenset({"month", "mon", "mo", "mm"})
DAY_PART_WORDS = frozenset({"day", "dd"})
# The last word of a column holding the month or day of such a date (dob_mm, BirthDay): not the
# date. The year part is (dob_yyyy, birth_year): a year alone is kept as the birth year.
DATE_PART_WORDS = MONTH_PART_WORDS | DAY_PART_WORDS
# A column of a number's last digits (SSN_Last4, Last4SSN, ssn_last_four, SSN4: the usual shorthand)
# holds none of the fields mpi reads whole: mapped as the ssn, each of its values would be invalid.
# An SSN's are its own field, ssn_last4; another number's are left unmapped.
LAST_DIGITS = re.compile(r"last_?(4|four)|(^|_)l4(_|$)|ssn_?4(_|$)")
# The last word of a column name holding a record id (ChildID, LICENSE_NO, STUDENT_KEY, Patient MRN),
# when the column is not a field (a phone number) and its values are unique: a word for an id, or
# an id's usual abbreviation (a medical record number, a person or unique id). Not SASID: the
# state's student id is an identifier shared across agencies (shared_ids), as an SSN is.
RECORD_ID_WORDS = frozenset({"id", "key", "no", "num", "number", "nbr", "mrn", "pid", "uid", "uuid", "guid"})
# Ids written as one word, without case or a separator to split them (recid, personid, voterid).
ONE_WORD_RECORD_ID = re.compile(
    rf"({PERSON_WORD}|rec|record|row|unique|case|source|src|entity|ind|subject|account|acct)"
    r"_?(id|key|no|num|number|nbr)"
)


def source_name_for(path: Path) -> str:
    """A source name mpi.toml accepts, from a file name: letters, digits, _ and -, a letter first."""
    name = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem).strip("_-")
    return name if name[:1].isalpha() else f"source_{name}"


def one_column_per_field(columns: list[str]) -> dict[str, str]:
    """Column -> suggested field, each field for one column only, so the mapping is valid TOML and config.

    Of several columns that look like one field, a plain one wins over one naming another person
    or another of the person's values (HomePhoneNumber over GuardianPhone, ClientLastName over
    AKA_LastName), then one not naming a mailing address (HOME_ADDR over MAIL_ADDR), then the
    shortest name (surname over first_and_surname). The name is taken from
    the plain columns when any holds one: an alias's first name never joins the person's own last
    name. A whole name is suggested only when no column looks like a first or last name: a source
    maps one or the other.
    """
    suggested = {column: suggest_field(column) for column in columns}
    has_own_name = any(field in NAME_FIELDS and not _second_choice(c) for c, field in suggested.items())
    chosen: dict[str, str] = {}
    for column in sorted(
        columns, key=lambda c: (_second_choice(c), bool(MAILING_WORDS & set(column_words(c))), len(c))
    ):
        field = suggested[column]
        if field is None or field in chosen.values():
            continue
        if field in NAME_FIELDS and has_own_name and _second_choice(column):
            continue
        chosen[column] = field
    if {"first_name", "last_name"} & set(chosen.values()):
        chosen = {column: field for column, field in chosen.items() if field != "full_name"}
    if not {"last_name", "full_name"} & set(chosen.values()):
        # an alias's or former surname is the only one the file holds: it is the surname
        chosen = {
            column: "last_name" if field == "other_last_name" else field for column, field in chosen.items()
        }
    return chosen


def _second_choice(column: str) -> bool:
    """Whether the column names another person or another of the person's values: mapped only
    when no plain column holds its field."""
    return bool((OTHER_PERSON_WORDS | OTHER_VALUE_WORDS) & set(column_words(column)))


def column_words(column: str) -> list[str]:
    """A column name's words, lower case: ``mailingAddressCity`` and ``MAILING ADDRESS-CITY`` alike."""
    # A # is read as the word it stands for: Case # is a case number, Apt # a unit number.
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", column).replace("#", "_number_")
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def suggest_field(column: str) -> str | None:
    words = column_words(column)
    field = _field_of_words(words)
    if field == "dob" and words[-1] in DATE_PART_WORDS:
        return None
    if LAST_DIGITS.search("_".join(words)):
        return "ssn_last4" if field == "ssn" else None
    if ORGANIZATION_WORDS & set(words):
        return None
    if OTHER_PERSON_WORDS & set(words) and field not in HOUSEHOLD_SHARED_FIELDS:
        return None
    return field


def _field_of_words(words: list[str]) -> str | None:
    rest = list(words)
    while len(rest) > 1 and rest[0] in QUALIFIER_WORDS:
        rest = rest[1:]
    if rest == words:
        return _first_match("_".join(words))
    name = "_".join(r for r in rest if r not in ADDRESS_WORDS)
    if ADDRESS_WORDS & set(words) and re.fullmatch(SECOND_LINE_REST, name):
        return "unit"  # an address's second line holds its unit (APT 4B), which ingest reads as one
    if ADDRESS_WORDS & set(words) and re.fullmatch(ADDRESS_LINE_REST, name):
        return "address"
    if ADDRESS_WORDS & set(words) and re.fullmatch(HOUSE_NUMBER_REST, name):
        return "street_number"
    if name == "street" and rest[-1] in ADDRESS_WORDS:
        return "address"  # res_street_address is the line itself, as street_address is
    # The qualifiers said this is part of an address; what follows them decides which part
    # (mailing_address_po_box is none we map), never the address word itself.
    return _first_match(name) if name else None


def _first_match(name: str) -> str | None:
    for field, pattern in FIELD_PATTERNS:
        if re.search(pattern, name):
            return field
    return None


def date_part_columns(year_column: str, columns: list[str]) -> tuple[str, str] | None:
    """The (month, day) columns beside a year column that keep one date in parts: BIRTH_YEAR with
    BIRTH_MONTH and BIRTH_DAY, dob_yyyy with dob_mm and dob_dd, Year_Of_Birth with Month_Of_Birth
    and Day_Of_Birth. None when either is missing."""
    words = column_words(year_column)
    if words and words[-1] in YEAR_PART_WORDS:
        stem, at = words[:-1], -1
    elif words and words[0] in YEAR_PART_WORDS:
        stem, at = words[1:], 0
    else:
        return None

    def sibling(part_words: frozenset[str]) -> str | None:
        for column in columns:
            other = column_words(column)
            rest = other[:-1] if at == -1 else other[1:]
            if other and other[at] in part_words and rest == stem:
                return column
        return None

    month, day = sibling(MONTH_PART_WORDS), sibling(DAY_PART_WORDS)
    return (month, day) if month and day else None


def names_a_record_id(column: str) -> bool:
    words = column_words(column)
    # A field's column is no record id even when it is not suggested for the person: an employer's
    # phone number, a number's last digits (SSN_LAST4_NO).
    if not words or _field_of_words(words) is not None:
        return False
    # Nor is the id of someone or something else, named by the word before the id's (employer_id,
    # ParentID; Agency Client ID is the client's), or a former or other id (OLD_CLIENT_ID, alias_id).
    owner = words[-2] if len(words) > 1 else ""
    if owner in ORGANIZATION_WORDS | OTHER_PERSON_WORDS or OTHER_VALUE_WORDS & set(words):
        return False
    return words[-1] in RECORD_ID_WORDS or ONE_WORD_RECORD_ID.fullmatch(words[-1]) is not None
