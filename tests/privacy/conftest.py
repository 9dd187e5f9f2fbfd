"""Fixtures for privacy-preserving linkage: a shared key and a small synthetic population."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from privacy_helpers import KEY

from mpi.config import ProjectConfig, load_config
from mpi.privacy.keys import HashKey, key_from_bytes
from mpi.synth import generate_population


@pytest.fixture(scope="session")
def key() -> HashKey:
    return key_from_bytes(KEY, origin="the test")


@pytest.fixture(scope="session")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """300 synthetic persons in six agency files (mpi synth), with truth.csv and mpi.toml; never modified."""
    directory = tmp_path_factory.mktemp("clear_population")
    generate_population(persons=300, seed=7, out_dir=directory)
    return directory


@pytest.fixture
def agency(population: Path, tmp_path: Path) -> ProjectConfig:
    """A private copy of the clear population (the agencies' side), without any store."""
    target = tmp_path / "agency"
    shutil.copytree(population, target, ignore=shutil.ignore_patterns("*.duckdb*", "models"))
    return load_config(target / "mpi.toml")
