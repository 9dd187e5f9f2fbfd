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
import polars as pl

from mpi.privacy.keys import HashKey, hmac_pads, hmac_sha256
from mpi.schema import SHARED_ID_PREFIX, shared_id_token_column
from mpi.sqlutil import quote_identifier, run_sql_file

TOKEN_BITS = 64
# Token column -> key domain. Columns in one domain can be compared with each other.
TOKEN_DOMAINS: dict[str, str] = {
    "tok_first_name": "name",
    "tok_first_last_name": "first-last-name",
    "tok_first_name_std": "name",
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
    "tok_birth_year": "birth-year",
    "tok_birth_years": "birth-year",
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
}
# Sets of tokens (compared by intersection); every other token column holds one token.
TOKEN_LIST_COLUMNS: frozenset[str] = frozenset(
    {"tok_last_name_parts", "tok_dob_near", "tok_birth_years", "tok_ssn_near"}
)
TOKEN_PREFIX = "tok_"
RECORD_ID_PURPOSE = "record-id"
PSEUDONYM_HEX_CHARS = 32

TOKEN_INPUTS_TABLE = "mpi__token_inputs"
TOKENS_TABLE = "mpi__tokens"
_WORK_TABLES = ("mpi__token_columns", "mpi__token_keys", "mpi__token_long", "mpi__token_values")


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


def _register_keys(con: duckdb.DuckDBPyConnection, key: HashKey, domains: list[str]) -> None:
    """mpi__token_keys: (domain number, ipad, opad) for each domain, numbered in list order."""
    # The pads go in as parameters into a temporary table of the in-memory database: never in SQL text.
    con.execute("CREATE OR REPLACE TEMP TABLE mpi__token_keys (domain INTEGER, ipad BLOB, opad BLOB)")
    for index, domain in enumerate(domains):
        ipad, opad = hmac_pads(token_subkey(key, domain))
        con.execute("INSERT INTO mpi__token_keys VALUES (?, ?, ?)", [index, ipad, opad])


def compute_tokens(con: duckdb.DuckDBPyConnection, key: HashKey, shared_ids: tuple[str, ...]) -> None:
    """mpi__enriched -> mpi__tokens (mpi__row, one column per token), each distinct value hashed once."""
    run_sql_file(con, "privacy/token_inputs")
    columns = token_columns(shared_ids)
    for shared in shared_ids:
        con.execute(
            f"ALTER TABLE {TOKEN_INPUTS_TABLE} RENAME COLUMN "
            f"{quote_identifier(SHARED_ID_PREFIX + shared)} TO {quote_identifier(shared_id_token_column(shared))}"
        )
    domains = sorted(set(columns.values()))
    codes = {column: index for index, column in enumerate(columns)}
    con.register(
        "mpi__token_columns_frame",
        pl.DataFrame(
            {
                "col": list(columns),
                "code": list(codes.values()),
                "domain": [domains.index(d) for d in columns.values()],
            }
        ),
    )
    con.execute("CREATE OR REPLACE TEMP TABLE mpi__token_columns AS SELECT * FROM mpi__token_columns_frame")
    con.unregister("mpi__token_columns_frame")
    _register_keys(con, key, domains)
    scalars = [c for c in columns if c not in TOKEN_LIST_COLUMNS]
    lists = [c for c in columns if c in TOKEN_LIST_COLUMNS]
    scalar_list = ", ".join(quote_identifier(c) for c in scalars)
    list_list = ", ".join(quote_identifier(c) for c in lists)
    # Long form, to hash each (domain, value) once: one row per (record, column, value); UNPIVOT drops NULLs.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__token_long AS "
        "SELECT l.mpi__row, c.code, c.domain, l.value FROM ("
        f"SELECT mpi__row, col, value FROM (UNPIVOT (SELECT mpi__row, {scalar_list} FROM {TOKEN_INPUTS_TABLE}) "
        f"ON {scalar_list} INTO NAME col VALUE value) "
        "UNION ALL "
        f"SELECT mpi__row, col, unnest(value) AS value FROM (UNPIVOT (SELECT mpi__row, {list_list} "
        f"FROM {TOKEN_INPUTS_TABLE}) ON {list_list} INTO NAME col VALUE value)"
        ") AS l JOIN mpi__token_columns AS c USING (col) WHERE l.value IS NOT NULL"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__token_values AS "
        "SELECT v.domain, v.value, mpi_hmac64(k.ipad, k.opad, v.value) AS token "
        "FROM (SELECT DISTINCT domain, value FROM mpi__token_long) AS v JOIN mpi__token_keys AS k USING (domain)"
    )
    con.execute("DROP TABLE mpi__token_keys")
    # One lookup table per domain: a join per scalar column is far cheaper than pivoting the long form.
    for index in range(len(domains)):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE mpi__token_values_{index} AS "
            "SELECT value, token FROM mpi__token_values WHERE domain = ?",
            [index],
        )
    joins = " ".join(
        f"LEFT JOIN mpi__token_values_{domains.index(columns[c])} AS j{i} ON j{i}.value = i.{quote_identifier(c)}"
        for i, c in enumerate(scalars)
    )
    picks = ", ".join(f"j{i}.token AS {quote_identifier(c)}" for i, c in enumerate(scalars))
    # Sets: their elements' tokens gathered back per record, sorted so equal sets are equal lists.
    gathers = ", ".join(
        f"list_sort(list_distinct(list(v.token) FILTER (WHERE l.code = {codes[c]}))) AS {quote_identifier(c)}"
        for c in lists
    )
    list_codes = ", ".join(str(codes[c]) for c in lists)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__token_sets AS "
        f"SELECT l.mpi__row, {gathers} FROM mpi__token_long AS l "
        "JOIN mpi__token_values AS v USING (domain, value) "
        f"WHERE l.code IN ({list_codes}) GROUP BY l.mpi__row"
    )
    set_columns = ", ".join(f"s.{quote_identifier(c)}" for c in lists)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {TOKENS_TABLE} AS "
        f"SELECT i.mpi__row, {picks}, {set_columns} FROM {TOKEN_INPUTS_TABLE} AS i {joins} "
        "LEFT JOIN mpi__token_sets AS s ON s.mpi__row = i.mpi__row"
    )
    for index in range(len(domains)):
        con.execute(f"DROP TABLE IF EXISTS mpi__token_values_{index}")
    for table in (*_WORK_TABLES, "mpi__token_sets", TOKEN_INPUTS_TABLE):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def pseudonymize_sql(key: HashKey, source: str, column: str = "record_id") -> tuple[str, dict[str, object]]:
    """SQL expression (over ``column``) and its parameters for ``pseudonym`` computed in DuckDB."""
    ipad, opad = hmac_pads(key.subkey(RECORD_ID_PURPOSE))
    return (
        f"left(mpi_hmac_hex($rid_ipad, $rid_opad, $rid_source || chr(31) || {column}), {PSEUDONYM_HEX_CHARS})",
        {"rid_ipad": ipad, "rid_opad": opad, "rid_source": source},
    )
