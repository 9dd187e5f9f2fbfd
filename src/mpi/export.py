"""Export the person index as CSV or Parquet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.project_files import project_files, refuse_overwriting
from mpi.sqlutil import quote_literal
from mpi.store import open_store

EXPORT_FORMATS = {".csv": "FORMAT CSV, HEADER", ".parquet": "FORMAT PARQUET"}


def export_options(config: ProjectConfig, out_path: Path) -> str:
    """COPY's options for ``out_path``'s format (CSV or Parquet, by extension); refuses a project file."""
    refuse_overwriting("--out", out_path, project_files(config))
    options = EXPORT_FORMATS.get(out_path.suffix.lower())
    if options is None:
        raise MpiUserError(f"Cannot tell the format of {out_path}: use a .csv or .parquet file name.")
    return options


@dataclass(frozen=True, kw_only=True)
class IndexExport:
    rows: int
    # Ingested since the last link (not in the index yet), and in the index but no longer in the store.
    records_not_linked: int
    records_gone: int


EXPORT_COLUMNS = ("source", "record_id", "person_id")
# mpi's person ids (sql/index/assign_person_ids.sql): a file whose ids are not all of this form
# was not written by mpi export index.
MPI_PERSON_ID_PATTERN = "^P[0-9]{9}$"


def export_person_index(config: ProjectConfig, out_path: Path, *, force: bool = False) -> IndexExport:
    """(source, record_id, person_id) ordered by person; the format follows the file extension.

    The index is the last link's: records ingested or removed since are counted, for the caller to say.
    An existing file is replaced only when it is an earlier export (or ``force``): a truth file
    has the same three columns and is easy to name by mistake.
    """
    options = export_options(config, out_path)
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        if out_path.exists() and not force:
            _refuse_replacing_other_than_an_export(store.con, out_path)
        rows, not_linked, gone = (
            int(v)
            for v in store.con.execute(
                "SELECT (SELECT count(*) FROM person_index), "
                "(SELECT count(*) FROM records ANTI JOIN person_index USING (source, record_id)), "
                "(SELECT count(*) FROM person_index ANTI JOIN records USING (source, record_id))"
            ).fetchall()[0]
        )
        if rows == 0:
            raise MpiUserError(f'The person index in {config.store_path} is empty. Run "mpi link" first.')
        out_path.parent.mkdir(parents=True, exist_ok=True)
        # COPY takes no parameter for its target; the path is quoted as a literal.
        store.con.execute(
            "COPY (SELECT source, record_id, person_id FROM person_index ORDER BY person_id, source, record_id) "
            f"TO {quote_literal(str(out_path))} ({options})"
        )
    finally:
        store.close()
    return IndexExport(rows=rows, records_not_linked=not_linked, records_gone=gone)


def _refuse_replacing_other_than_an_export(con: duckdb.DuckDBPyConnection, out_path: Path) -> None:
    reader = "read_parquet" if out_path.suffix.lower() == ".parquet" else "read_csv"
    relation = f"{reader}({quote_literal(str(out_path))})"
    try:
        columns = tuple(str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {relation}").fetchall())
        others = (
            columns != EXPORT_COLUMNS
            or con.execute(
                f"SELECT count(*) FROM {relation} "
                f"WHERE NOT coalesce(regexp_full_match(person_id::VARCHAR, '{MPI_PERSON_ID_PATTERN}'), false)"
            ).fetchall()[0][0]
        )
    except duckdb.Error:  # unreadable as its extension says: not an export either
        columns, others = (), True
    if not others:
        return
    what = "its person ids are not mpi's" if columns == EXPORT_COLUMNS else "it is not an export of the index"
    raise MpiUserError(
        f"--out {out_path} exists and {what} (a truth file?), so it was left as it is. "
        "Write the index elsewhere, or add --force to replace the file."
    )
