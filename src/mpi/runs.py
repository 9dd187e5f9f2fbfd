"""Link runs: list them, and undo the latest one (index, pairs and history back as they were)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.store import open_store


@dataclass(frozen=True, kw_only=True)
class RunRow:
    run_id: int
    kind: str
    model: str
    threshold: float
    records: int
    records_new: int | None
    comparisons: int
    persons: int
    ids_created: int
    ids_retired: int
    finished_at: datetime
    seconds_total: float
    undone_at: datetime | None


def list_runs(config: ProjectConfig) -> list[RunRow]:
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        rows = store.con.execute(
            "SELECT run_id, kind, model, threshold, records, records_new, comparisons, persons, ids_created, "
            "ids_retired, finished_at, seconds_total, undone_at FROM runs ORDER BY run_id"
        ).fetchall()
    finally:
        store.close()
    return [
        RunRow(
            run_id=r[0],
            kind=r[1],
            model=r[2],
            threshold=r[3],
            records=r[4],
            records_new=r[5],
            comparisons=r[6],
            persons=r[7],
            ids_created=r[8],
            ids_retired=r[9],
            finished_at=r[10],
            seconds_total=r[11],
            undone_at=r[12],
        )  # fmt: skip
        for r in rows
    ]


def undo_run(config: ProjectConfig, run_id: int) -> int:
    """Restore person_index, pairs and person_history to before run_id, which must be the latest run.

    Returns how many records' person ids were restored. Issued person ids are not reused afterwards.
    """
    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        con = store.con
        undone = con.execute(
            "SELECT count(*) FROM runs WHERE run_id = ? AND undone_at IS NOT NULL", [run_id]
        ).fetchall()[0][0]
        if undone:
            raise MpiUserError(f"Run {run_id} was already undone.")
        latest = con.execute("SELECT max(run_id) FROM runs WHERE undone_at IS NULL").fetchall()[0][0]
        if latest is None:
            raise MpiUserError("There is no run to undo.")
        if run_id != latest:
            raise MpiUserError(f"Only the latest run can be undone: that is run {latest}, not {run_id}.")
        undoable = con.execute("SELECT value FROM mpi_counters WHERE name = 'undoable_run'").fetchall()
        if not undoable or int(undoable[0][0]) != run_id:
            raise MpiUserError(
                f"Run {run_id} can no longer be undone: its before-image is gone (it was already undone once)."
            )
        with store.transaction():
            changed = int(
                con.execute(
                    "SELECT count(*) FROM person_history WHERE run_id = ? AND source IS NOT NULL", [run_id]
                ).fetchall()[0][0]
            )
            con.execute("DELETE FROM person_index")
            con.execute(
                "INSERT INTO person_index (source, record_id, person_id, run_id, content_hash) "
                "SELECT source, record_id, person_id, set_by_run, content_hash FROM person_index_before_run"
            )
            con.execute("DELETE FROM person_index_before_run")
            con.execute("DROP TABLE IF EXISTS pairs")
            tables = {
                r[0]
                for r in con.execute(
                    "SELECT table_name FROM duckdb_tables() WHERE database_name = 'store'"
                ).fetchall()
            }
            if "pairs_before_run" in tables:
                con.execute("ALTER TABLE pairs_before_run RENAME TO pairs")
            con.execute("DELETE FROM person_history WHERE run_id = ?", [run_id])
            con.execute("UPDATE overrides SET first_applied_run = NULL WHERE first_applied_run = ?", [run_id])
            con.execute("UPDATE runs SET undone_at = ? WHERE run_id = ?", [datetime.now(), run_id])
            con.execute("UPDATE mpi_counters SET value = 0 WHERE name = 'undoable_run'")
    finally:
        store.close()
    return changed
