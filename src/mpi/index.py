"""Persistent person ids: turn a clustering into ids by the inheritance rule, and write person_index."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from mpi.sqlutil import run_sql_file


@dataclass(frozen=True, kw_only=True)
class IdAssignment:
    persons: int
    ids_created: int
    ids_retired: int
    records_changed: int  # new, moved or gone: every record whose entry in person_index changes
    records_moved: int = 0  # indexed before and after, under another person id


def next_counter(con: duckdb.DuckDBPyConnection, name: str) -> int:
    """Advance a store counter (run ids) and return its new value."""
    rows = con.execute(
        "UPDATE mpi_counters SET value = value + 1 WHERE name = ? RETURNING value", [name]
    ).fetchall()
    return int(rows[0][0])


def assign_person_ids(con: duckdb.DuckDBPyConnection, *, run_id: int) -> IdAssignment:
    """mpi__clusters (source, record_id, cluster_id) for every indexed record -> person_index, by the id rule."""
    last_issued = con.execute("SELECT value FROM mpi_counters WHERE name = 'person_id'").fetchall()[0][0]
    run_sql_file(con, "index/assign_person_ids", {"last_issued": int(last_issued)})
    counts = con.execute(
        "SELECT (SELECT count(*) FROM mpi__cluster_ids), (SELECT count(*) FROM mpi__cluster_ids WHERE is_new), "
        "(SELECT count(*) FROM mpi__retired), (SELECT count(*) FROM mpi__index_changes), "
        "(SELECT count(*) FROM mpi__index_changes WHERE old_person_id IS NOT NULL AND new_person_id IS NOT NULL)"
    ).fetchall()[0]
    run_sql_file(con, "index/apply_person_ids", {"run_id": run_id})
    return IdAssignment(
        persons=int(counts[0]),
        ids_created=int(counts[1]),
        ids_retired=int(counts[2]),
        records_changed=int(counts[3]),
        records_moved=int(counts[4]),
    )
