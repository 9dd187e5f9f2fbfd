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


def ingested_tables(directory: Path) -> list[object]:
    """Every row ingest writes (records, rejects, attributes, loads, field issues): equal before and after
    a refused run when the store is as it was."""
    return [
        store_rows(directory, f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("records", "rejects", "attributes", "loads", "field_issues")
    ]
