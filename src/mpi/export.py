"""Export the person index as CSV or Parquet."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.project_files import (
    project_files,
    refuse_overwriting,
    refuse_replacing_another_kind,
    tabular_columns,
    tabular_file_query,
)
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
    refuse_replacing_another_kind(
        "--out", out_path, "an earlier export of the index", is_an_index_export, force=force
    )
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
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


def is_an_index_export(path: Path) -> bool:
    """The file has export index's columns and only mpi's person ids."""
    # The columns first, from DuckDB's sniff of the file's head: the full scan only for a likely export.
    if tabular_columns(path) != EXPORT_COLUMNS:
        return False
    others = tabular_file_query(
        path,
        f"SELECT count(*) FROM f WHERE NOT coalesce(regexp_full_match(person_id::VARCHAR, '{MPI_PERSON_ID_PATTERN}'), false)",
    )
    return others == [(0,)]
