"""The files a project reads and keeps, which no file mpi writes may replace."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.sqlutil import quote_literal


def project_files(config: ProjectConfig) -> dict[Path, str]:
    """Each file of the project (config, store, every source's file), resolved, with what it is."""
    files = {config.config_path.resolve(): "the project's config", config.store_path.resolve(): "the store"}
    for source in config.sources.values():
        files[source.path.resolve()] = f'the file of source "{source.name}"'
    return files


def refuse_overwriting(option: str, target: Path, protected: Mapping[Path, str]) -> None:
    """Refuse to write ``target`` (given as ``option``) over one of the ``protected`` files."""
    what = protected.get(target.resolve())
    if what is not None:
        raise MpiUserError(
            f"{option} {target} would overwrite {what} ({target.resolve()}); write it elsewhere."
        )


def refuse_replacing_another_kind(
    option: str, target: Path, kind: str, is_that_kind: Callable[[Path], bool], *, force: bool | None = None
) -> None:
    """Refuse to write ``target`` over an existing file that is not ``kind``, the file the command writes.

    Writing again over one's own earlier output is the usual rerun; a truth file, a colleague's
    notes or any other file named by mistake is left as it is. ``force``: the command's --force
    (True replaces anything); None where the command has no such option.
    """
    if force or not target.exists() or is_that_kind(target):
        return
    fix = "remove it first" if force is None else "add --force to replace it"
    raise MpiUserError(
        f"{option} {target} exists and is not {kind} (a truth file?), so it was left as it is. "
        f"Write it elsewhere, or {fix}."
    )


def tabular_file_query(path: Path, sql: str) -> list[tuple[object, ...]] | None:
    """Rows of ``sql`` over the CSV or Parquet file (by extension) as table ``f``; None when it cannot be read so."""
    reader = "read_parquet" if path.suffix.lower() == ".parquet" else "read_csv"
    con = duckdb.connect()
    try:
        con.execute(f"CREATE VIEW f AS SELECT * FROM {reader}({quote_literal(str(path))})")
        return con.execute(sql).fetchall()
    except duckdb.Error:
        return None
    finally:
        con.close()


def tabular_columns(path: Path) -> tuple[str, ...]:
    """The column names of a CSV or Parquet file; () when it cannot be read as one."""
    rows = tabular_file_query(path, "SELECT column_name FROM (DESCRIBE f)")
    return tuple(str(r[0]) for r in rows or ())
