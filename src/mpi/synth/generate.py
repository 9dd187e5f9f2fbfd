"""`generate_population`: from a seed to agency files, truth.csv and mpi.toml on disk."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import polars as pl

from mpi.config import CONFIG_FILENAME
from mpi.errors import MpiUserError
from mpi.synth.draws import _stream
from mpi.synth.files import CONFIG_MARKER, SOURCE_FILES, _truth_rows, _write_source, config_toml
from mpi.synth.layouts import _LAYOUTS
from mpi.synth.population import _build_population
from mpi.synth.rates import SOURCES
from mpi.synth.records import _source_records
from mpi.synth.tables import _load_tables


@dataclass(frozen=True, kw_only=True)
class SynthSummary:
    out_dir: Path
    persons: int
    seed: int
    files: dict[str, Path]
    rows: dict[str, int]
    truth_path: Path
    config_path: Path


def files_written(out_dir: Path) -> tuple[Path, ...]:
    """Every file `generate_population` writes in ``out_dir`` (the store is the caller's)."""
    return (
        *(out_dir / spec.file_name for spec in SOURCE_FILES.values()),
        out_dir / "truth.csv",
        out_dir / CONFIG_FILENAME,
    )


def refuse_to_overwrite_a_project(out_dir: Path, also_replaced: tuple[Path, ...] = ()) -> None:
    """Refuse an ``out_dir`` whose files synth would replace unless an earlier synth wrote them.

    A directory synth wrote before (its mpi.toml starts with synth's marker) is written again, so
    the demo can be rerun; anything else there of the same names (a team's own mpi.toml, store or
    truth file) would be lost, as `mpi init` without --force refuses too.
    """
    config = out_dir / CONFIG_FILENAME
    if config.is_file():
        with config.open(encoding="utf-8", errors="replace") as handle:
            if handle.readline().rstrip("\r\n") == CONFIG_MARKER:
                return
    taken = [path for path in (*files_written(out_dir), *also_replaced) if path.exists()]
    if taken:
        names = ", ".join(path.name for path in taken)
        raise MpiUserError(
            f"{out_dir} already holds {names}, not written by mpi synth: writing the synthetic population "
            "there would replace them. Choose another --out directory, or pass --force to replace them."
        )


def generate_population(
    *,
    persons: int,
    seed: int,
    out_dir: Path,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = True,
) -> SynthSummary:
    """Write agency files, `truth.csv` and `mpi.toml` for a synthetic population to `out_dir`.

    With ``overwrite`` False, a directory holding files of those names that an earlier synth did
    not write is refused (`refuse_to_overwrite_a_project`).

    Example: generate_population(persons=10_000, seed=1, out_dir=Path("demo"))
    """
    if persons < 1:
        raise MpiUserError(f"--persons must be at least 1, got {persons}.")
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    if not overwrite:
        refuse_to_overwrite_a_project(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = _load_tables()
    population = _build_population(persons=persons, seed=seed, tables=tables)
    say(f"population: {persons:,} persons in {population.households:,} households")
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    truth_parts: list[pl.DataFrame] = []
    for source in SOURCES:
        rng = _stream(seed, f"records:{source}")
        records = _source_records(source, population, tables, rng)
        layout = _LAYOUTS[source](records, tables, rng)
        spec = SOURCE_FILES[source]
        path = out_dir / spec.file_name
        _write_source(layout, spec, path)
        files[source] = path
        rows[source] = layout.height
        truth_parts.append(_truth_rows(source, layout[spec.record_id], records["person_id"]))
        say(f"{source}: {layout.height:,} records -> {path.name}")
    truth_path = out_dir / "truth.csv"
    pl.concat(truth_parts).write_csv(truth_path)
    config_path = out_dir / CONFIG_FILENAME
    config_path.write_text(config_toml(), encoding="utf-8")
    say(f"truth: {sum(rows.values()):,} records -> {truth_path.name}; config -> {config_path.name}")
    return SynthSummary(
        out_dir=out_dir,
        persons=persons,
        seed=seed,
        files=files,
        rows=rows,
        truth_path=truth_path,
        config_path=config_path,
    )
