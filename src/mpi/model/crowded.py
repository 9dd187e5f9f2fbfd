"""Contact values so many people share that they say nothing of who a record is.

A phone or an email address on the records of many people of many names is an office's (the
caseworker's area office on foster children's records), a shelter's, or a placeholder no list
names. Compared, it would say two strangers of one first name are one person: the phone
comparison's household guards weigh a shared number as nothing only between different first names,
at one address, or a generation apart. The model input view gives such a value as none.

A household shares a number too, but it has few names: a landline of three generations and a
married daughter carries two or three surnames, and typos add a few more spellings. So a value
counts as crowded only when both its first names and its surnames (by NYSIIS, which folds most
typos) are many. Counted over the whole store, not the subset a view shapes, so an incremental
link sees what a full relink would.
"""

from __future__ import annotations

import duckdb

from mpi.model.columns import table_columns
from mpi.sqlutil import quote_identifier

# Distinct first-name and surname codes a value's records must each reach. On synth 100k no phone
# or email reaches 6 surname codes (the most is 5, with 3 first-name codes). On the HHS review at
# noise x3 one household's landline reaches 9 first-name and 6 surname codes (typos, nicknames and
# married names on its 12 records), while the area offices' numbers on 16 or more children's
# records reach 15 or more of each (one on 10 records reaches 7 surname codes and is left).
CROWD_NAMES = 8

# Contact column -> the first-name and surname code columns its holders are counted by. Hashed
# sources carry tokens of the same codes.
CROWD_CHECKED: dict[str, tuple[str, str]] = {
    "phone": ("first_name_nysiis", "last_name_nysiis"),
    "email": ("first_name_nysiis", "last_name_nysiis"),
    "tok_phone": ("tok_first_name_nysiis", "tok_last_name_nysiis"),
    "tok_email": ("tok_first_name_nysiis", "tok_last_name_nysiis"),
}

STORE_RECORDS = "records"


def crowded_table(column: str) -> str:
    return f"mpi__crowded_{column}"


def crowded_values_sql(column: str, table: str) -> str:
    """The values of ``column`` in ``table`` held by at least CROWD_NAMES first names and surnames, with their records."""
    first, last = (quote_identifier(c) for c in CROWD_CHECKED[column])
    value = quote_identifier(column)
    return (
        f"SELECT {value} AS value, count(*) AS holders FROM {quote_identifier(table)} WHERE {value} IS NOT NULL "
        f"GROUP BY {value} HAVING count(DISTINCT {first}) >= {CROWD_NAMES} "
        f"AND count(DISTINCT {last}) >= {CROWD_NAMES}"
    )


def find_crowded_values(
    con: duckdb.DuckDBPyConnection, columns: tuple[str, ...], records_table: str
) -> dict[str, str]:
    """Fill a temp table of crowded values for each checked column the model reads; column -> table.

    Counted over the store's records when the connection has them, else over ``records_table``
    (a scratch table of records alone). A column whose holders' name codes are not there is left as it is.
    """
    source = STORE_RECORDS if table_columns(con, STORE_RECORDS) else records_table
    source_columns = table_columns(con, source)
    tables: dict[str, str] = {}
    for column in columns:
        if column not in CROWD_CHECKED or not {column, *CROWD_CHECKED[column]} <= source_columns:
            continue
        table = crowded_table(column)
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS {crowded_values_sql(column, source)}")
        tables[column] = table
    return tables


def column_without_crowded(column: str, table: str) -> str:
    """A select expression: ``column``, none where its value is crowded."""
    name = quote_identifier(column)
    return f"CASE WHEN {name} IN (SELECT value FROM {table}) THEN NULL ELSE {name} END AS {name}"


def crowded_value_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int, int]]:
    """(column, crowded values, records holding one) for each column find_crowded_values filled and found any in.

    Counts only: the values are identifiers, and a run's output never names them.
    """
    counts = []
    for column in CROWD_CHECKED:
        table = crowded_table(column)
        # fetchall: DuckDB refuses other work on a connection with a result left unread
        if not con.execute(
            "SELECT 1 FROM duckdb_tables() WHERE temporary AND table_name = ?", [table]
        ).fetchall():
            continue
        # The holders were counted with the values: no second scan of the store.
        ((values, records),) = con.execute(
            f"SELECT count(*), coalesce(sum(holders), 0) FROM {table}"
        ).fetchall()
        if values:
            counts.append((column, int(values), int(records)))
    return counts
