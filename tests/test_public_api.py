"""The public surface: __all__ is what we promise, and every name in it resolves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import mpi

EXPECTED = {
    "IngestResult", "LinkResult", "MpiError", "MpiUserError", "ProjectConfig", "add_override",
    "evaluate_against_truth", "export_person_index", "generate_population", "ingest_sources", "inspect_file",
    "link_records", "list_overrides", "list_runs", "load_config", "open_store", "person_story", "record_story",
    "remove_override", "run_demo", "train_project_model", "undo_run", "hash_source", "HashResult", "load_key",
    "explain_pair", "PairExplanation",
}  # fmt: skip


def test_all_lists_the_public_surface() -> None:
    assert set(mpi.__all__) == EXPECTED
    for name in mpi.__all__:
        assert getattr(mpi, name) is not None


def test_layers_library_never_imports_cli() -> None:
    # import-linter contract in pyproject.toml: mpi.cli may import mpi, never the reverse.
    root = Path(__file__).resolve().parents[1]
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint)], cwd=root, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
