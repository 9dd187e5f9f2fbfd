"""mpi: master person index on Splink and DuckDB.

The public surface is listed in __all__ and imported lazily, so `mpi --help` stays fast.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module that defines it
_PUBLIC = {
    "load_config": "mpi.config",
    "ProjectConfig": "mpi.config",
    "MpiError": "mpi.errors",
    "MpiUserError": "mpi.errors",
    "ingest_sources": "mpi.ingest",
    "IngestResult": "mpi.ingest",
    "train_project_model": "mpi.train",
    "link_records": "mpi.link",
    "LinkResult": "mpi.link",
    "evaluate_against_truth": "mpi.quality.evaluate",
    "export_person_index": "mpi.export",
    "add_override": "mpi.overrides",
    "list_overrides": "mpi.overrides",
    "remove_override": "mpi.overrides",
    "list_runs": "mpi.runs",
    "undo_run": "mpi.runs",
    "person_story": "mpi.history",
    "record_story": "mpi.history",
    "explain_pair": "mpi.quality.explain",
    "PairExplanation": "mpi.quality.explain",
    "generate_population": "mpi.synth",
    "inspect_file": "mpi.inspect",
    "open_store": "mpi.store",
    "run_demo": "mpi.demo",
    "hash_source": "mpi.privacy.agency",
    "HashResult": "mpi.privacy.agency",
    "load_key": "mpi.privacy.keys",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str) -> Any:
    if name not in _PUBLIC:
        raise AttributeError(f"module 'mpi' has no attribute {name!r}")
    return getattr(importlib.import_module(_PUBLIC[name]), name)
