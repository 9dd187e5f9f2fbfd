"""Splink settings for DuckDB and Spark from one saved model file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlglot
from febrl_records import TrainingRun

from mpi.model.person import build_person_model
from mpi.model.registry import load_model, save_model
from mpi.model.splink_settings import DIALECTS, settings_creator, settings_dict


def _level_parameters(settings: dict[str, Any]) -> list[tuple[str, Any, Any]]:
    return [
        (c["output_column_name"], level.get("m_probability"), level.get("u_probability"))
        for c in settings["comparisons"]
        for level in c["comparison_levels"]
    ]


def test_duckdb_and_spark_settings_build_from_one_saved_model(trained: TrainingRun, tmp_path: Path) -> None:
    save_model(tmp_path, trained.model)
    model = load_model(tmp_path, "person")

    built = {dialect: settings_dict(model.spec, dialect, model.parameters) for dialect in DIALECTS}
    for dialect, settings in built.items():
        assert settings["sql_dialect"] == dialect
        for comparison in settings["comparisons"]:
            for level in comparison["comparison_levels"]:
                if level["sql_condition"] != "ELSE":
                    sqlglot.parse_one(level["sql_condition"], read=dialect)
        for rule in settings["blocking_rules_to_generate_predictions"]:
            sqlglot.parse_one(f"SELECT 1 FROM t AS l JOIN t AS r ON {rule['blocking_rule']}", read=dialect)
        # Splink's own validated Settings object builds for the dialect too.
        settings_creator(model.spec, model.parameters).get_settings(dialect)

    # Same parameters in both, and they are the trained ones.
    assert _level_parameters(built["duckdb"]) == _level_parameters(built["spark"])
    expected = [
        (name, p.m_probability, p.u_probability)
        for name, levels in model.parameters.levels.items()
        for p in levels
    ]
    assert _level_parameters(built["duckdb"]) == expected
    for settings in built.values():
        lam = settings["probability_two_random_records_match"]
        assert lam == model.parameters.probability_two_random_records_match

    labels = [level.label for level in model.spec.comparison("first_name").levels]
    jw = labels.index("Jaro-Winkler >= 0.92; other surnames")
    first_name_jw = built["duckdb"]["comparisons"][0]["comparison_levels"][jw]["sql_condition"]
    assert first_name_jw.startswith("jaro_winkler_similarity(")
    assert built["spark"]["comparisons"][0]["comparison_levels"][jw]["sql_condition"].startswith(
        "jaro_winkler("
    )


def test_term_frequency_settings_survive_the_round_trip(trained: TrainingRun, tmp_path: Path) -> None:
    save_model(tmp_path, trained.model)
    settings = settings_dict(load_model(tmp_path, "person").spec, "spark")
    tf = {
        (c["output_column_name"], level["tf_adjustment_column"], level["tf_adjustment_weight"])
        for c in settings["comparisons"]
        for level in c["comparison_levels"]
        if "tf_adjustment_column" in level
    }
    assert tf == {
        ("first_name", "first_name", 1.0),
        ("first_name", "first_name", 0.5),  # the same name given the same surname
        ("last_name", "last_name", 1.0),
        ("location", "zip", 1.0),
    }


@pytest.mark.parametrize("dialect", DIALECTS)
def test_custom_sql_reaches_each_dialect_unchanged(dialect: str) -> None:
    spec = build_person_model()
    settings = settings_dict(spec, dialect)  # type: ignore[arg-type]
    dob = next(c for c in settings["comparisons"] if c["output_column_name"] == "dob")
    conditions = [level["sql_condition"] for level in dob["comparison_levels"]]
    assert (
        "month(dob_l) = month(dob_r) AND dayofmonth(dob_l) = dayofmonth(dob_r) "
        "AND abs(year(dob_l) - year(dob_r)) = 1"
    ) in conditions


def test_untrained_spec_still_builds_settings() -> None:
    settings = settings_dict(build_person_model(["sasid"]), "duckdb")
    assert settings["probability_two_random_records_match"] == pytest.approx(0.0001)
    suffix = next(c for c in settings["comparisons"] if c["output_column_name"] == "suffix")
    jr_sr = suffix["comparison_levels"][2]
    assert jr_sr["fix_m_probability"] and jr_sr["m_probability"] < jr_sr["u_probability"]
