"""The canonical person schema: one place that names every field, its type and its role."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, kw_only=True)
class Field:
    name: str
    sql_type: str
    identifying: bool
    description: str


# Fields a source may map its columns onto (the "input" side of the schema).
# `full_name` is a parse helper: it fills first/middle/last/suffix.
INPUT_FIELDS: tuple[Field, ...] = (
    Field(name="first_name", sql_type="VARCHAR", identifying=True, description="given name"),
    Field(name="middle_name", sql_type="VARCHAR", identifying=False, description="middle name or initial"),
    Field(name="last_name", sql_type="VARCHAR", identifying=True, description="family name"),
    Field(
        name="other_last_name",
        sql_type="VARCHAR",
        identifying=False,
        description="another family name the person is known by: maiden, former or alias surname",
    ),
    Field(
        name="suffix",
        sql_type="VARCHAR",
        identifying=False,
        description="generational suffix: JR, SR, II, III, IV",
    ),
    Field(
        name="full_name",
        sql_type="VARCHAR",
        identifying=True,
        description="whole name in one column (needs format)",
    ),
    Field(name="dob", sql_type="DATE", identifying=True, description="date of birth"),
    Field(name="age", sql_type="INTEGER", identifying=False, description="age in years at age_as_of"),
    Field(name="sex", sql_type="VARCHAR", identifying=False, description="M or F after code mapping"),
    Field(name="ssn", sql_type="VARCHAR", identifying=True, description="social security number, 9 digits"),
    Field(
        name="ssn_last4",
        sql_type="VARCHAR",
        identifying=False,
        description="the SSN's last four digits, where a source keeps only those",
    ),
    Field(name="address", sql_type="VARCHAR", identifying=True, description="whole street address line"),
    Field(name="street_number", sql_type="VARCHAR", identifying=False, description="house number"),
    Field(name="street_name", sql_type="VARCHAR", identifying=False, description="street name with type"),
    Field(name="unit", sql_type="VARCHAR", identifying=False, description="apartment or unit"),
    Field(name="city", sql_type="VARCHAR", identifying=False, description="city or town"),
    Field(name="state", sql_type="VARCHAR", identifying=False, description="two-letter state code"),
    Field(
        name="zip",
        sql_type="VARCHAR",
        identifying=False,
        description="5-digit ZIP code, or another country's postal code (TQ138DF)",
    ),
    Field(name="phone", sql_type="VARCHAR", identifying=True, description="10-digit phone number"),
    Field(name="email", sql_type="VARCHAR", identifying=True, description="email address"),
)

INPUT_FIELD_NAMES: frozenset[str] = frozenset(f.name for f in INPUT_FIELDS)

# Fields whose presence makes a row linkable at all; a row with none of these
# (and no shared identifier) is rejected.
IDENTIFYING_FIELDS: tuple[str, ...] = (
    "first_name",
    "last_name",
    "dob",
    "ssn",
    "address",
    "phone",
    "email",
)

SHARED_ID_PREFIX = "id_"

# Columns of the `records` table, in order. Shared identifiers declared in
# mpi.toml are added as `id_<name>` VARCHAR columns after these.
RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("source", "VARCHAR NOT NULL"),
    ("record_id", "VARCHAR NOT NULL"),
    ("load_id", "INTEGER NOT NULL"),
    ("first_name", "VARCHAR"),
    ("first_name_raw", "VARCHAR"),
    ("first_name_std", "VARCHAR"),  # nickname -> formal name
    ("first_name_formals", "VARCHAR[]"),  # the name and every formal name it can stand for
    ("first_name_nysiis", "VARCHAR"),
    ("first_name_metaphone", "VARCHAR"),
    ("middle_name", "VARCHAR"),
    ("middle_name_raw", "VARCHAR"),
    ("last_name", "VARCHAR"),
    ("last_name_raw", "VARCHAR"),
    ("last_name_parts", "VARCHAR[]"),  # hyphenated / compound surname parts
    ("last_name_nysiis", "VARCHAR"),
    ("last_name_metaphone", "VARCHAR"),
    # A maiden, former or alias surname; its parts join last_name_parts. Store migration 013.
    ("other_last_name", "VARCHAR"),
    ("other_last_name_raw", "VARCHAR"),
    ("suffix", "VARCHAR"),
    ("suffix_raw", "VARCHAR"),
    ("full_name_raw", "VARCHAR"),
    ("dob", "DATE"),
    ("dob_raw", "VARCHAR"),
    ("age", "INTEGER"),
    ("age_raw", "VARCHAR"),
    ("age_as_of", "DATE"),
    ("birth_year_min", "INTEGER"),  # from dob, or from age at age_as_of
    ("birth_year_max", "INTEGER"),
    # The birth years the source's age_range (mpi.toml) allows anyone in it: a wage file holds
    # people of working age. Store migration 006.
    ("source_birth_year_min", "INTEGER"),
    ("source_birth_year_max", "INTEGER"),
    ("sex", "VARCHAR"),
    ("sex_raw", "VARCHAR"),
    ("ssn", "VARCHAR"),
    ("ssn_raw", "VARCHAR"),
    # The SSN's last four digits: of the whole SSN, of a masked one (XXX-XX-1234) or of a column of
    # them (SSN_LAST4). Store migration 014.
    ("ssn_last4", "VARCHAR"),
    ("ssn_last4_raw", "VARCHAR"),
    ("address", "VARCHAR"),
    ("address_raw", "VARCHAR"),
    ("street_number", "VARCHAR"),
    ("street_name", "VARCHAR"),
    ("unit", "VARCHAR"),
    ("city", "VARCHAR"),
    ("city_raw", "VARCHAR"),
    ("state", "VARCHAR"),
    ("state_raw", "VARCHAR"),
    ("zip", "VARCHAR"),
    ("zip_raw", "VARCHAR"),
    ("phone", "VARCHAR"),
    ("phone_raw", "VARCHAR"),
    ("email", "VARCHAR"),
    ("email_raw", "VARCHAR"),
)

RECORD_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in RECORD_COLUMNS)


def shared_id_column(name: str) -> str:
    """Column in `records` that holds the shared identifier `name`."""
    return f"{SHARED_ID_PREFIX}{name}"


# Columns of `records` that hold a hashed source's encodings (store migration 004); a hashed
# project leaves the clear-text columns above NULL and a clear project leaves these NULL.
# Keyed tokens (tok_*) are 64-bit HMACs, lists of them for sets compared by intersection;
# Bloom filters (bf_*) are bit strings compared by their Dice coefficient (mpi.privacy).
# A shared identifier <name> is hashed into tok_id_<name>, added like id_<name>.
HASHED_RECORD_COLUMNS: tuple[tuple[str, str], ...] = (
    ("tok_first_name", "UBIGINT"),
    ("tok_first_last_name", "UBIGINT"),
    ("tok_first_name_std", "UBIGINT"),
    ("tok_first_name_formals", "UBIGINT[]"),
    ("tok_first_initial", "UBIGINT"),
    ("tok_first_name_prefix3", "UBIGINT"),
    ("tok_first_name_nysiis", "UBIGINT"),
    ("tok_first_name_metaphone", "UBIGINT"),
    ("tok_middle_name", "UBIGINT"),
    ("tok_middle_initial", "UBIGINT"),
    ("tok_last_name", "UBIGINT"),
    ("tok_last_initial", "UBIGINT"),
    ("tok_last_name_prefix3", "UBIGINT"),
    ("tok_last_name_parts", "UBIGINT[]"),
    ("tok_last_name_nysiis", "UBIGINT"),
    ("tok_last_name_metaphone", "UBIGINT"),
    ("tok_suffix", "UBIGINT"),
    ("tok_suffix_counterpart", "UBIGINT"),
    ("tok_dob", "UBIGINT"),
    ("tok_dob_swapped", "UBIGINT"),
    ("tok_dob_next_year", "UBIGINT"),
    ("tok_dob_near", "UBIGINT[]"),
    ("tok_dob_year_month", "UBIGINT"),
    ("tok_birth_year", "UBIGINT"),
    ("tok_birth_years", "UBIGINT[]"),
    ("tok_birth_year_near", "UBIGINT[]"),
    ("tok_birth_years_outside", "UBIGINT[]"),  # store migration 006
    ("tok_sex", "UBIGINT"),
    ("tok_ssn", "UBIGINT"),
    ("tok_ssn_next", "UBIGINT"),
    ("tok_ssn_near", "UBIGINT[]"),
    ("tok_ssn_prefix", "UBIGINT"),
    ("tok_address", "UBIGINT"),
    ("tok_street", "UBIGINT"),
    ("tok_street_number", "UBIGINT"),
    ("tok_zip", "UBIGINT"),
    ("tok_city", "UBIGINT"),
    ("tok_phone", "UBIGINT"),
    ("tok_email", "UBIGINT"),
    ("tok_email_user", "UBIGINT"),  # store migration 008
    ("tok_zip_prefix3", "UBIGINT"),  # store migration 009
    ("tok_dob_month_day", "UBIGINT"),  # store migration 010
    ("tok_street_name_prefix3", "UBIGINT"),  # store migration 011
    ("tok_ssn_last4", "UBIGINT"),  # store migration 014
    ("bf_first_name", "BIT"),
    ("bf_last_name", "BIT"),
    ("bf_address", "BIT"),
)

HASHED_RECORD_COLUMN_NAMES: tuple[str, ...] = tuple(name for name, _ in HASHED_RECORD_COLUMNS)
SHARED_ID_TOKEN_PREFIX = "tok_" + SHARED_ID_PREFIX


def shared_id_token_column(name: str) -> str:
    """Column in `records` that holds the keyed token of the shared identifier `name`."""
    return f"{SHARED_ID_TOKEN_PREFIX}{name}"
