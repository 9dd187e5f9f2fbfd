"""Reading a project's store in tests, read-only, so that no test holds its file open."""

from __future__ import annotations

from pathlib import Path

import duckdb


def store_rows(directory: Path, sql: str) -> list[tuple[object, ...]]:
    """Rows of a query on directory/mpi.duckdb, read-only."""
    con = duckdb.connect(str(directory / "mpi.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()
