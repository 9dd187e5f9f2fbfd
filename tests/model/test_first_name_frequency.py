"""A shared first name counts for more the rarer it is, also between records that share a surname."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest

from mpi.config import load_config
from mpi.ingest import ingest_sources
from mpi.model.person import build_person_model
from mpi.model.predict import (
    compute_term_frequency_tables,
    drop_splink_tables,
    linker_for_model,
    predict_pairs,
)
from mpi.model.registry import load_model
from mpi.project_models import models_root

TOML = """
[project]
name = "names"

[store]
path = "mpi.duckdb"

[sources.people]
path = "people.csv"
record_id = "ID"

[sources.people.columns]
first_name = "FIRST"
last_name = "LAST"
"""


def _people() -> list[tuple[str, str]]:
    """Two pairs of namesakes under one surname, JOHN (common here) and ZEBEDEE (once), and other people."""
    common = [("JOHN", f"SURNAME{i:02d}") for i in range(20)]
    others = [(f"GIVEN{i:02d}", f"OTHER{i:02d}") for i in range(40)]
    return [
        ("JOHN", "SMITH"),
        ("JOHN", "SMITH"),
        ("ZEBEDEE", "SMITH"),
        ("ZEBEDEE", "SMITH"),
        *common,
        *others,
    ]


def test_the_inside_level_carries_half_the_first_names_frequency() -> None:
    first = build_person_model().comparison("first_name")
    inside = [level for level in first.levels if level.label == "Same first name; same surname"]
    outside = [level for level in first.levels if level.label == "Same first name; other surnames"]
    assert [(level.tf_column, level.tf_weight) for level in inside] == [("first_name", 0.5)]
    assert [(level.tf_column, level.tf_weight) for level in outside] == [("first_name", 1.0)]


def test_a_rare_shared_first_name_outweighs_a_common_one_given_the_surname(tmp_path: Path) -> None:
    rows = "\n".join(f"{i},{first},{last}" for i, (first, last) in enumerate(_people(), start=1))
    (tmp_path / "people.csv").write_text("ID,FIRST,LAST\n" + rows + "\n")
    (tmp_path / "mpi.toml").write_text(TOML)
    config = load_config(tmp_path / "mpi.toml")
    ingest_sources(config)
    model = load_model(models_root(), "default")
    con = duckdb.connect(str(config.store_path))
    linker = linker_for_model(con, model)
    try:
        compute_term_frequency_tables(linker, model.spec)
        pairs = predict_pairs(linker)
        weights = dict(
            con.execute(
                f"SELECT first_name_l, match_weight FROM {pairs.physical_name} "
                "WHERE last_name_l = 'SMITH' AND last_name_r = 'SMITH' AND first_name_l = first_name_r"
            ).fetchall()
        )
    finally:
        drop_splink_tables(linker)
        con.close()
    # JOHN is 22 of 64 records, ZEBEDEE 2: the same level, half the log of the frequencies apart.
    assert weights["ZEBEDEE"] - weights["JOHN"] == pytest.approx(0.5 * math.log2(22 / 2), abs=1e-6)
