"""Link runs: list them, and undo the latest one (index, pairs and history back as they were)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.store import open_store, table_in_store


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
    # What it scored with: the model file's parameters, its own fit of a shipped model, an earlier
    # run's fit; None when it scored nothing (its pairs kept earlier scores) or the store cannot say.
    parameters: str | None = None


@dataclass(frozen=True, kw_only=True)
class LatestRun:
    run_id: int
    model: str
    model_sha256: str
    threshold: float


def latest_run(con: duckdb.DuckDBPyConnection) -> LatestRun | None:
    """The latest link run not undone: the one whose index and pairs the store holds (None: none)."""
    rows = con.execute(
        "SELECT run_id, model, model_sha256, threshold FROM runs WHERE undone_at IS NULL ORDER BY run_id DESC LIMIT 1"
    ).fetchall()
    if not rows:
        return None
    run_id, model, sha, threshold = rows[0]
    return LatestRun(run_id=int(run_id), model=str(model), model_sha256=str(sha), threshold=float(threshold))


def list_runs(config: ProjectConfig) -> list[RunRow]:
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        rows = store.con.execute(
            "SELECT run_id, kind, model, threshold, records, records_new, comparisons, persons, ids_created, "
            "ids_retired, finished_at, seconds_total, undone_at FROM runs ORDER BY run_id"
        ).fetchall()
        parameters = _parameters_of_runs(store.con)
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
            parameters=parameters.get(r[0]),
        )  # fmt: skip
        for r in rows
    ]


def _parameters_of_runs(con: duckdb.DuckDBPyConnection) -> dict[int, str]:
    """run_id -> what its pairs were scored with, for the runs that scored (kept in run_models)."""
    if not table_in_store(con, "run_models"):
        return {}
    # A store an earlier mpi last wrote, opened read-only (not migrated), lacks fitted_by_run.
    fitted_by = "fitted_by_run" if table_in_store(con, "run_models", column="fitted_by_run") else "NULL"
    rows = con.execute(f"SELECT run_id, {fitted_by} FROM run_models").fetchall()
    return {
        int(run_id): "model file" if fit is None else ("fitted" if fit == run_id else f"run {fit}'s fit")
        for run_id, fit in rows
    }


def _check_undoable(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    """Refuse to undo run_id unless it is the latest run and its before-image is kept, saying which is."""
    runs = dict(con.execute("SELECT run_id, undone_at IS NOT NULL FROM runs ORDER BY run_id").fetchall())
    if not runs:
        raise MpiUserError('There is no run to undo: "mpi link" has not run on this store.')
    kept = con.execute("SELECT value FROM mpi_counters WHERE name = 'undoable_run'").fetchall()
    undoable = int(kept[0][0]) if kept else 0
    live = [r for r, undone in runs.items() if not undone]
    latest = live[-1] if live else None
    if latest is None:
        state = "Every run has been undone."
    elif undoable == latest:
        state = f"Only the latest run, {latest}, can be undone."
    else:
        state = f"No run can be undone now: {_why_before_image_is_gone(latest, runs)}."
    if run_id not in runs:
        raise MpiUserError(
            f"There is no run {run_id}: the runs are {min(runs)} to {max(runs)} (see mpi runs). {state}"
        )
    if runs[run_id]:
        raise MpiUserError(f"Run {run_id} was already undone. {state}")
    if run_id != latest:
        raise MpiUserError(f"Run {run_id} is not the latest run. {state}")
    if undoable != run_id:
        raise MpiUserError(
            f"Run {run_id} can no longer be undone: {_why_before_image_is_gone(run_id, runs)}."
        )


def _why_before_image_is_gone(run_id: int, runs: dict[int, bool]) -> str:
    # The store keeps one before-image, the index before the latest link: each link replaces it
    # and an undo consumes it, so once run N is undone the run before it has none left.
    replaced_by = min((r for r in runs if r > run_id), default=None)
    if replaced_by is None:
        return f"the store holds no before-image of run {run_id}"
    return (
        f"mpi keeps one level of undo, and run {run_id}'s before-image was replaced when run {replaced_by} ran "
        f"(run {replaced_by} was undone since)"
    )


def undo_run(config: ProjectConfig, run_id: int) -> int:
    """Restore person_index, pairs and person_history to before run_id, which must be the latest run.

    Returns how many records' person ids were restored. Issued person ids are not reused afterwards.
    """
    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        con = store.con
        _check_undoable(con, run_id)
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
            con.execute(
                "UPDATE overrides_removed SET removal_applied_run = NULL WHERE removal_applied_run = ?",
                [run_id],
            )
            con.execute("UPDATE runs SET undone_at = ? WHERE run_id = ?", [datetime.now(), run_id])
            con.execute("UPDATE mpi_counters SET value = 0 WHERE name = 'undoable_run'")
    finally:
        store.close()
    return changed
