"""SQL helpers: the one identifier-quoting function, and loading/running the files under sql/."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import duckdb

from mpi.errors import MpiError


def quote_identifier(name: str) -> str:
    """Quote one table or column name for DuckDB, doubling embedded quotes.

    A dotted name such as ``main.records`` is quoted as a single identifier:
    callers that mean a qualified name quote each part and join them with ".".
    """
    if not name:
        raise ValueError("An SQL identifier cannot be empty.")
    if "\x00" in name:
        raise ValueError(f"SQL identifier {name!r} contains a NUL character.")
    return '"' + name.replace('"', '""') + '"'


def count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    """Rows in one table or view (a Splink frame's ``physical_name`` too)."""
    # fetchall, not fetchone: DuckDB 2 refuses the next statement while a result is unfinished
    rows = con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchall()
    return int(rows[0][0])


def quote_literal(value: str) -> str:
    """Quote a string literal, for the few places DuckDB takes no parameter (e.g. a CSV column list)."""
    return "'" + value.replace("'", "''") + "'"


def _packaged_or_checkout(name: str) -> Path:
    packaged = Path(str(resources.files("mpi"))) / name
    if packaged.is_dir():
        return packaged
    # Development checkout (editable install): src/mpi/../../<name>
    return Path(__file__).resolve().parents[2] / name


def sql_root() -> Path:
    """Directory holding the SQL files: inside the installed wheel, or the checkout's top-level sql/."""
    return _packaged_or_checkout("sql")


def models_root() -> Path:
    """Directory of the models shipped with mpi (inside the wheel, or the checkout's models/)."""
    return _packaged_or_checkout("models")


@cache
def load_sql(name: str) -> str:
    """Text of sql/<name>.sql, e.g. load_sql("standardize/records")."""
    path = sql_root() / f"{name}.sql"
    if not path.is_file():
        raise MpiError(f"SQL file {path} is missing from the mpi installation; reinstall mpi.")
    return path.read_text(encoding="utf-8")


def _only_comments(statement: str) -> bool:
    return all(not line.strip() or line.strip().startswith("--") for line in statement.splitlines())


def sql_statements(text: str) -> list[str]:
    # Our SQL files end each statement with ';' at the end of a line and never put ';' inside literals.
    return [s.strip() for s in re.split(r";\s*(?:\n|$)", text) if s.strip() and not _only_comments(s)]


def run_sql_file(con: duckdb.DuckDBPyConnection, name: str, params: Mapping[str, Any] | None = None) -> None:
    """Execute every statement of sql/<name>.sql, binding the $named parameters each one uses."""
    for statement in sql_statements(load_sql(name)):
        code = re.sub(r"--[^\n]*", "", statement)
        used = set(re.findall(r"\$([A-Za-z_]\w*)", code))
        bound = {k: v for k, v in (params or {}).items() if k in used}
        if bound:
            con.execute(statement, bound)
        else:
            con.execute(statement)
