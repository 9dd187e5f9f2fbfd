"""Keyed tokens: HMAC-SHA256 of a standardized value under the key of its domain, cut to 64 bits.

Equal values in one domain give equal tokens, so the hub can test equality (and block on it)
without the value; a token cannot be reversed without the key, and a dictionary of candidate
values cannot be hashed without it either. Tokens of different domains never agree, except
where a comparison needs them to: first, middle and last names share the "name" domain so a
swapped or middle-name-first record is still found.

Tokens are computed per distinct value in DuckDB (sql/privacy/macros.sql implements HMAC over
DuckDB's sha256); ``token`` is the same function in Python, the reference the tests hold the
SQL to.
"""

from __future__ import annotations

import duckdb

from mpi.privacy.keys import HashKey, hmac_pads, hmac_sha256
from mpi.schema import SHARED_ID_PREFIX, shared_id_token_column
from mpi.sqlutil import quote_identifier, run_sql_file

TOKEN_BITS = 64
# Token column -> key domain. Columns in one domain can be compared with each other.
TOKEN_DOMAINS: dict[str, str] = {
    "tok_first_name": "name",
    "tok_first_last_name": "first-last-name",
    "tok_first_name_std": "name",
    "tok_first_name_formals": "name",
    "tok_first_initial": "name",
    "tok_first_name_prefix3": "name-prefix",
    "tok_first_name_nysiis": "nysiis",
    "tok_first_name_metaphone": "metaphone",
    "tok_middle_name": "name",
    "tok_middle_initial": "name",
    "tok_last_name": "name",
    "tok_last_initial": "name",
    "tok_last_name_prefix3": "name-prefix",
    "tok_last_name_parts": "name",
    "tok_last_name_nysiis": "nysiis",
    "tok_last_name_metaphone": "metaphone",
    "tok_suffix": "suffix",
    "tok_suffix_counterpart": "suffix",
    "tok_dob": "dob",
    "tok_dob_swapped": "dob",
    "tok_dob_next_year": "dob",
    "tok_dob_near": "dob-near",
    "tok_dob_year_month": "dob-year-month",
    "tok_birth_year": "birth-year",
    "tok_birth_years": "birth-year",
    "tok_birth_year_near": "birth-year",
    "tok_birth_years_outside": "birth-year",
    "tok_sex": "sex",
    "tok_ssn": "ssn",
    "tok_ssn_next": "ssn",
    "tok_ssn_near": "ssn-near",
    "tok_ssn_prefix": "ssn-prefix",
    "tok_address": "address",
    "tok_street": "street",
    "tok_street_number": "street-number",
    "tok_zip": "zip",
    "tok_city": "city",
    "tok_phone": "phone",
    "tok_email": "email",
    "tok_email_user": "email-user",
    "tok_zip_prefix3": "zip-prefix3",
    "tok_dob_month_day": "dob-month-day",
    "tok_street_name_prefix3": "street-prefix3",
    "tok_ssn_last4": "ssn-last4",
}
# Sets of tokens (compared by intersection); every other token column holds one token.
TOKEN_LIST_COLUMNS: frozenset[str] = frozenset(
    {
        "tok_first_name_formals",
        "tok_last_name_parts",
        "tok_dob_near",
        "tok_birth_years",
        "tok_birth_year_near",
        "tok_birth_years_outside",
        "tok_ssn_near",
    }
)
TOKEN_PREFIX = "tok_"
RECORD_ID_PURPOSE = "record-id"
PSEUDONYM_HEX_CHARS = 32

TOKEN_INPUTS_TABLE = "mpi__token_inputs"
TOKENS_TABLE = "mpi__tokens"
_VALUES_PREFIX = "mpi__token_values_"
_SETS_PREFIX = "mpi__token_sets_"


def token_columns(shared_ids: tuple[str, ...] = ()) -> dict[str, str]:
    """Every token column of a hashed record -> its key domain, shared ids included."""
    columns = dict(TOKEN_DOMAINS)
    for shared in shared_ids:
        columns[shared_id_token_column(shared)] = f"id/{shared}"
    return columns


def token_subkey(key: HashKey, domain: str) -> bytes:
    return key.subkey(f"token/{domain}")


def token(key: HashKey, domain: str, value: str) -> int:
    """The token of one value: the first 64 bits of HMAC-SHA256(domain key, UTF-8 value), unsigned."""
    digest = hmac_sha256(token_subkey(key, domain), value.encode("utf-8"))
    return int.from_bytes(digest[: TOKEN_BITS // 8], "big")


def pseudonym(key: HashKey, source: str, record_id: str) -> str:
    """A record id replaced by 128 hex bits of HMAC(record-id key, source \\x1f id): stable, not reversible."""
    digest = hmac_sha256(key.subkey(RECORD_ID_PURPOSE), f"{source}\x1f{record_id}".encode())
    return digest.hex()[:PSEUDONYM_HEX_CHARS]


def install_privacy_macros(con: duckdb.DuckDBPyConnection) -> None:
    run_sql_file(con, "privacy/macros")


def _hmac_params(key: HashKey, domain: str) -> dict[str, object]:
    # The pads go in as parameters: key material never appears in SQL text.
    ipad, opad = hmac_pads(token_subkey(key, domain))
    return {"ipad": ipad, "opad": opad}


def compute_tokens(con: duckdb.DuckDBPyConnection, key: HashKey, shared_ids: tuple[str, ...]) -> None:
    """mpi__enriched -> mpi__tokens (mpi__row, one column per token), each distinct value hashed once.

    Per key domain, the distinct values of all its scalar columns are hashed into one lookup
    table; per set column, each distinct key (a date, an SSN) gets its sorted list of tokens.
    One pass then joins every column to its lookup. The cost is the HMACs (one per distinct
    value, four SHA-256 blocks each, in parallel in DuckDB) and hash joins, never a pass over
    one row per (record, value).
    """
    run_sql_file(con, "privacy/token_inputs")
    columns = token_columns(shared_ids)
    for shared in shared_ids:
        con.execute(
            f"ALTER TABLE {TOKEN_INPUTS_TABLE} RENAME COLUMN "
            f"{quote_identifier(SHARED_ID_PREFIX + shared)} TO {quote_identifier(shared_id_token_column(shared))}"
        )
    scalars = [c for c in columns if c not in TOKEN_LIST_COLUMNS]
    lists = [c for c in columns if c in TOKEN_LIST_COLUMNS]
    domains = sorted({columns[c] for c in scalars})
    lookups: dict[str, str] = {}
    for index, domain in enumerate(domains):
        table = f"{_VALUES_PREFIX}{index}"
        lookups[domain] = table
        union = " UNION ALL ".join(
            f"SELECT {quote_identifier(c)} AS value FROM {TOKEN_INPUTS_TABLE}"
            for c in scalars
            if columns[c] == domain
        )
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT value, mpi_hmac64($ipad, $opad, value) AS token "
            f"FROM (SELECT DISTINCT value FROM ({union}) WHERE value IS NOT NULL)",
            _hmac_params(key, domain),
        )
    for index, column in enumerate(lists):
        # A set is its distinct tokens in ascending order, so equal sets are equal lists; no token: NULL.
        hashed = f"list_transform(mpi_token_set_{column}(key), lambda v: mpi_hmac64($ipad, $opad, v))"
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {_SETS_PREFIX}{index} AS "
            f"SELECT key, CASE WHEN len(t) > 0 THEN t END AS tokens FROM ("
            f"SELECT key, list_sort(list_distinct({hashed})) AS t FROM ("
            f"SELECT DISTINCT {quote_identifier(column)} AS key FROM {TOKEN_INPUTS_TABLE} "
            f"WHERE {quote_identifier(column)} IS NOT NULL))",
            _hmac_params(key, columns[column]),
        )
    picks, joins = [], []
    for index, column in enumerate(scalars):
        picks.append(f"j{index}.token AS {quote_identifier(column)}")
        joins.append(
            f"LEFT JOIN {lookups[columns[column]]} AS j{index} ON j{index}.value = i.{quote_identifier(column)}"
        )
    for index, column in enumerate(lists):
        picks.append(f"s{index}.tokens AS {quote_identifier(column)}")
        joins.append(
            f"LEFT JOIN {_SETS_PREFIX}{index} AS s{index} ON s{index}.key = i.{quote_identifier(column)}"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TOKENS_TABLE} AS "
        f"SELECT i.mpi__row, {', '.join(picks)} FROM {TOKEN_INPUTS_TABLE} AS i {' '.join(joins)}"
    )
    for index in range(len(domains)):
        con.execute(f"DROP TABLE IF EXISTS {_VALUES_PREFIX}{index}")
    for index in range(len(lists)):
        con.execute(f"DROP TABLE IF EXISTS {_SETS_PREFIX}{index}")
    con.execute(f"DROP TABLE IF EXISTS {TOKEN_INPUTS_TABLE}")


def pseudonymize_sql(key: HashKey, source: str, column: str = "record_id") -> tuple[str, dict[str, object]]:
    """SQL expression (over ``column``) and its parameters for ``pseudonym`` computed in DuckDB."""
    ipad, opad = hmac_pads(key.subkey(RECORD_ID_PURPOSE))
    return (
        f"left(mpi_hmac_hex($rid_ipad, $rid_opad, $rid_source || chr(31) || {column}), {PSEUDONYM_HEX_CHARS})",
        {"rid_ipad": ipad, "rid_opad": opad, "rid_source": source},
    )
