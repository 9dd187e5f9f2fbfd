"""Shared fixtures: a tiny project copied into a temporary directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from mpi.config import ProjectConfig, load_config
from mpi.ingest import ingest_sources

DATA = Path(__file__).parent / "data"


@pytest.fixture
def basic_project(tmp_path: Path) -> Path:
    """A one-source project (tests/data/basic) in tmp_path; returns the mpi.toml path."""
    target = tmp_path / "basic"
    shutil.copytree(DATA / "basic", target)
    return target / "mpi.toml"


@pytest.fixture
def golden_project(tmp_path: Path) -> ProjectConfig:
    """The golden case (tests/data/golden: twins, father and son, ...) in tmp_path, ingested, not linked."""
    shutil.copytree(DATA / "golden", tmp_path / "golden")
    config = load_config(tmp_path / "golden" / "mpi.toml")
    ingest_sources(config)
    return config
