"""Fixtures for model tests: a FEBRL sample in DuckDB, and the person model trained on it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from febrl_records import FebrlRecords, TrainingRun, load_febrl3_records

from mpi.model.backend import drop_splink_tables
from mpi.model.person import build_person_model
from mpi.model.training import train_linker


@pytest.fixture(scope="session")
def febrl_sample() -> Iterator[FebrlRecords]:
    """About 1000 FEBRL3 records (400 people) with sex, suffix, a shared id and some age-only rows."""
    data = load_febrl3_records(sample=400, augmented=True)
    yield data
    data.con.close()


@pytest.fixture(scope="session")
def trained(febrl_sample: FebrlRecords) -> Iterator[TrainingRun]:
    """The person model trained on the FEBRL sample, with the Splink linker that trained it."""
    spec = build_person_model(["sasid"])
    linker, model = train_linker(febrl_sample.con, spec, seed=42)
    yield TrainingRun(data=febrl_sample, linker=linker, model=model)
    drop_splink_tables(linker)
