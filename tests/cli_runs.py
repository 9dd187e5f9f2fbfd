"""Running mpi inspect and ingest as a user does, in tests of how files are read."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mpi.cli import main


def inspect_output(file: Path, *options: str) -> str:
    """What `mpi inspect FILE` printed; it must succeed."""
    result = CliRunner().invoke(main, ["inspect", str(file), *options])
    assert result.exit_code == 0, result.output
    return result.output


def suggested_mapping(file: Path, *options: str) -> str:
    """The [sources] tables `mpi inspect FILE` suggests."""
    output = inspect_output(file, *options)
    return output[output.index("[sources.") :]


def write_config(directory: Path, mapping: str) -> Path:
    """directory/mpi.toml: a project of these [sources] tables."""
    config = directory / "mpi.toml"
    config.write_text('[project]\nname = "t"\n\n[store]\npath = "mpi.duckdb"\n\n' + mapping, encoding="utf-8")
    return config


def run_ingest(config: Path) -> tuple[int, str]:
    """`mpi ingest`'s exit code and what it printed, on one line (rich wraps long lines)."""
    result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
    return result.exit_code, " ".join(result.output.split())


def ingest_output(config: Path) -> str:
    """What `mpi ingest` printed, on one line; it must succeed."""
    exit_code, output = run_ingest(config)
    assert exit_code == 0, output
    return output
