"""Project-level helpers: write the example config, list rejects from the store."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from mpi.config import CONFIG_FILENAME, ProjectConfig
from mpi.errors import MpiUserError
from mpi.store import open_store


def write_example_config(directory: Path, *, overwrite: bool = False) -> Path:
    """Write the commented example mpi.toml into directory; refuse to clobber one without overwrite."""
    target = directory / CONFIG_FILENAME
    if target.exists() and not overwrite:
        raise MpiUserError(f"{target} already exists. Use --force to overwrite it, or edit it.")
    directory.mkdir(parents=True, exist_ok=True)
    example = resources.files("mpi").joinpath("data/mpi.example.toml").read_text(encoding="utf-8")
    target.write_text(example, encoding="utf-8")
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
