"""Shared fixtures: a tiny project copied into a temporary directory."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

DATA = Path(__file__).parent / "data"


@pytest.fixture
def basic_project(tmp_path: Path) -> Path:
    """A one-source project (tests/data/basic) in tmp_path; returns the mpi.toml path."""
    target = tmp_path / "basic"
    shutil.copytree(DATA / "basic", target)
    return target / "mpi.toml"
