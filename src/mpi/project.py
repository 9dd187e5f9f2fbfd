"""Project-level helpers: write the example config or one mapping given files, list rejects from the store."""

from __future__ import annotations

import itertools
import os
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mpi.column_names import source_name_for
from mpi.config import CONFIG_FILENAME, DEFAULT_STORE_PATH, ProjectConfig
from mpi.errors import MpiUserError
from mpi.inspect import inspect_file
from mpi.store import open_store
from mpi.toml_values import toml_value


def write_example_config(directory: Path, *, overwrite: bool = False) -> Path:
    """Write the commented example mpi.toml into directory; refuse to clobber one without overwrite."""
    target = _config_target(directory, overwrite=overwrite)
    directory.mkdir(parents=True, exist_ok=True)
    example = resources.files("mpi").joinpath("data/mpi.example.toml").read_text(encoding="utf-8")
    target.write_text(example, encoding="utf-8")
    return target


def write_config_from_files(
    directory: Path, files: Sequence[Path], *, overwrite: bool = False
) -> tuple[Path, dict[str, list[str]]]:
    """Write an mpi.toml mapping each file as `mpi inspect` suggests, paths relative to directory.

    Returns the file written and, per source, what its mapping leaves to settle (see FileProfile.to_settle).
    Every file is read before anything is written, so a file that cannot be read leaves no config.
    """
    target = _config_target(directory, overwrite=overwrite)
    seen: dict[Path, Path] = {}
    for file in files:
        if file.resolve() in seen:
            # Two sources of one file would index each of its records twice, as two agencies' records.
            raise MpiUserError(
                f"{file} is given twice to --from (as {seen[file.resolve()]} before). Give each file once."
            )
        seen[file.resolve()] = file
    tables, to_settle = [], {}
    for file in files:
        profile = inspect_file(file)
        stem = name = source_name_for(file)
        for number in itertools.count(2):
            if name not in to_settle:
                break
            name = f"{stem}_{number}"
        path_text = os.path.relpath(file.resolve(), directory.resolve())
        tables.append(profile.suggested_mapping_toml(name, path_text=path_text))
        to_settle[name] = profile.to_settle()
    header = (
        "# mpi project configuration, written by mpi init --from: each source as mpi inspect suggests it.\n"
        "# Paths are relative to this file. Check every mapping, act on its comments, and list the\n"
        "# identifiers more than one agency carries in shared_ids (docs/config.md).\n\n"
        f"[project]\nname = {toml_value(directory.resolve().name)}\nshared_ids = []\n\n"
        f"[store]\npath = {toml_value(DEFAULT_STORE_PATH)}\n"
    )
    directory.mkdir(parents=True, exist_ok=True)
    target.write_text(header + "".join(f"\n{table}\n" for table in tables), encoding="utf-8")
    return target, {source: notes for source, notes in to_settle.items() if notes}


def _config_target(directory: Path, *, overwrite: bool) -> Path:
    target = directory / CONFIG_FILENAME
    if target.exists() and not overwrite:
        raise MpiUserError(f"{target} already exists. Use --force to overwrite it, or edit it.")
    return target


@dataclass(frozen=True, kw_only=True)
class RejectRow:
    source: str
    row_number: int | None
    record_id: str | None
    reason: str
    detail: str | None


@dataclass(frozen=True, kw_only=True)
class RejectSummary:
    counts: tuple[tuple[str, str, int], ...]
    rows: tuple[RejectRow, ...]


def list_rejects(config: ProjectConfig, *, source: str | None = None, limit: int = 50) -> RejectSummary:
    if source is not None and source not in config.sources:
        raise MpiUserError(
            f'No source "{source}" in {config.config_path}. Sources: {", ".join(config.sources)}.'
        )
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        where, params = ("WHERE source = ?", [source]) if source else ("", [])
        counts = store.con.execute(
            f"SELECT source, reason, count(*) FROM rejects {where} GROUP BY ALL ORDER BY source, reason",
            params,
        ).fetchall()
        rows = store.con.execute(
            f"SELECT source, row_number, record_id, reason, detail FROM rejects {where} "
            "ORDER BY source, row_number LIMIT ?",
            [*params, limit],
        ).fetchall()
    finally:
        store.close()
    return RejectSummary(
        counts=tuple((str(s), str(r), int(n)) for s, r, n in counts),
        rows=tuple(
            RejectRow(source=s, row_number=n, record_id=i, reason=r, detail=d) for s, n, i, r, d in rows
        ),
    )
