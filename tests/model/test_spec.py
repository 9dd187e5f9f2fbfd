"""The neutral model description: JSON round trip, validation, training coverage."""

from __future__ import annotations

import json

import duckdb
import pytest

from mpi.model.columns import required_columns, rule_columns
from mpi.model.errors import ModelError
from mpi.model.person import build_person_model
from mpi.model.spec import ComparisonSpec, LevelSpec, ModelSpec, block_on, else_level, exact, null_level
from mpi.model.splink_settings import blocking_rule_sql
from mpi.model.training import comparisons_never_free, rule_frees
from mpi.schema import RECORD_COLUMN_NAMES


def test_person_spec_round_trips_through_json() -> None:
    spec = build_person_model(["sasid", "medicaid"])
    again = ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert again == spec
    assert again.to_dict() == spec.to_dict()


def test_each_shared_id_gets_an_exact_comparison_and_a_blocking_rule() -> None:
    spec = build_person_model(["sasid", "medicaid"])
    names = [c.name for c in spec.comparisons]
    assert "id_sasid" in names and "id_medicaid" in names
    assert [lvl.creator for lvl in spec.comparison("id_sasid").levels] == [
        "NullLevel",
        "ExactMatchLevel",
        "ElseLevel",
    ]
    rules = {r.description for r in spec.prediction_rules}
    assert {"id_sasid", "id_medicaid"} <= rules
    assert not any("id_" in c for c in names if c not in ("id_sasid", "id_medicaid"))


def test_model_without_shared_ids_reads_no_id_columns() -> None:
    spec = build_person_model([])
    text = json.dumps(spec.to_dict())
    assert "id_" not in text.replace("record_id", "")


def test_every_comparison_is_free_in_some_training_session() -> None:
    spec = build_person_model(["sasid"])
    assert comparisons_never_free(spec) == ()
    # dob blocking cannot estimate dob, but leaves the surname free; the given names read the date
    # too (a father and son of one name), so sessions on the SSN without it estimate them
    frees = rule_frees(spec, spec.training_rules[0])
    assert "dob" not in frees and "last_name" in frees and "name_swap" in frees
    assert "first_name" in rule_frees(spec, block_on("ssn"))


def test_suffix_disagreement_counts_against_a_match() -> None:
    suffix = build_person_model().comparison("suffix")
    against = [lvl for lvl in suffix.levels if lvl.fixed_m is not None]
    assert [lvl.label for lvl in against] == ["JR vs SR (father and son)", "Different suffixes"]
    for level in against:
        assert level.fixed_u is not None and level.fixed_m < level.fixed_u


def test_invalid_spec_reports_every_problem_at_once() -> None:
    no_else = ComparisonSpec(name="ssn", levels=(null_level("ssn"), exact("ssn")))
    with pytest.raises(ModelError) as caught:
        ModelSpec(
            name="bad name",
            comparisons=(no_else, no_else),
            prediction_rules=(block_on("ssn"),),
            training_rules=(),
            deterministic_rules=(block_on("ssn"),),
            deterministic_recall=1.5,
        )
    message = str(caught.value)
    for expected in (
        'name "bad name"',
        "deterministic_recall 1.5",
        "no training blocking rules",
        'comparison "ssn" appears twice',
        'comparison "ssn" must end with an ElseLevel',
    ):
        assert expected in message


def test_unknown_level_creator_is_refused() -> None:
    with pytest.raises(ModelError, match='Unknown comparison level creator "eval"'):
        LevelSpec(creator="eval")


def test_model_file_from_another_format_version_is_refused() -> None:
    data = build_person_model().to_dict()
    data["format_version"] = 99
    with pytest.raises(ModelError, match="format_version 99"):
        ModelSpec.from_dict(data)


def test_else_level_must_come_last() -> None:
    levels = (null_level("sex"), else_level(), exact("sex"))
    with pytest.raises(ModelError, match="must end with an ElseLevel"):
        build = build_person_model()
        ModelSpec(
            name="x",
            comparisons=(ComparisonSpec(name="sex", levels=levels),),
            prediction_rules=build.prediction_rules,
            training_rules=build.training_rules,
            deterministic_rules=build.deterministic_rules,
        )


def test_person_model_reads_only_canonical_and_declared_id_columns() -> None:
    spec = build_person_model(["sasid"])
    allowed = set(RECORD_COLUMN_NAMES) | {"id_sasid"}
    assert set(required_columns(spec)) <= allowed
    assert "id_sasid" in required_columns(spec)


def test_stratified_levels_come_in_aligned_strata() -> None:
    from mpi.model.spec import strata

    last = build_person_model().comparison("last_name")
    groups = strata(last)
    assert set(groups) == {"same address", "elsewhere"}
    inside, outside = groups["same address"], groups["elsewhere"]
    assert len(inside) == len(outside)
    # term frequencies only where the plain u applies
    assert [last.levels[i].tf_column for i in inside] == [None] * len(inside)
    assert last.levels[outside[0]].tf_column == "last_name"
    assert last.levels[outside[-1]].creator == "ElseLevel"


def test_strata_of_different_sizes_are_refused() -> None:
    levels = (
        null_level("ssn"),
        LevelSpec(creator="ExactMatchLevel", args={"col_name": exact("ssn").args["col_name"]}, stratum="a"),
        LevelSpec(creator="ElseLevel", stratum="a"),
        LevelSpec(creator="ElseLevel", stratum="b"),
    )
    with pytest.raises(ModelError, match="strata hold different numbers of levels"):
        ModelSpec(
            name="m",
            comparisons=(ComparisonSpec(name="ssn", levels=levels),),
            prediction_rules=(block_on("ssn"),),
            training_rules=(block_on("ssn"),),
            deterministic_rules=(block_on("ssn"),),
        )


def test_fallback_training_rules_survive_json() -> None:
    spec = build_person_model()
    fallbacks = [r.description for r in spec.training_rules if r.fallback]
    assert fallbacks and "first_name + last_name" in fallbacks
    again = ModelSpec.from_dict(json.loads(json.dumps(spec.to_dict())))
    assert [r.fallback for r in again.training_rules] == [r.fallback for r in spec.training_rules]


def candidate_pairs(given: tuple[str, ...], rows: list[tuple[object, ...]]) -> list[tuple[int, int]]:
    """(id, id) pairs the default model's prediction rules make among ``rows``; other columns are NULL."""
    spec = build_person_model()
    columns = ("id", *sorted(set().union(*(rule_columns(rule) for rule in spec.prediction_rules))))
    typed = {"id": "INTEGER", "dob": "DATE", "birth_year_min": "INTEGER", "last_name_parts": "VARCHAR[]"}
    select = ", ".join(
        f"CAST({'?' if c in given else 'NULL'} AS {typed.get(c, 'VARCHAR')}) AS {c}" for c in columns
    )
    con = duckdb.connect()
    con.execute(f"CREATE TABLE r AS SELECT {select.replace('?', 'NULL')} LIMIT 0")
    for row in rows:
        values = dict(zip(given, row, strict=True))
        con.execute(f"INSERT INTO r SELECT {select}", [values[c] for c in columns if c in given])
    union = " OR ".join(f"coalesce({blocking_rule_sql(r, 'duckdb')}, false)" for r in spec.prediction_rules)
    pairs = con.execute(
        f"SELECT l.id, r.id FROM r AS l JOIN r AS r ON l.id < r.id AND ({union}) ORDER BY 1, 2"
    )
    return [(int(a), int(b)) for a, b in pairs.fetchall()]


def test_an_email_or_a_name_sound_and_birth_month_alone_make_a_candidate_pair() -> None:
    """Records too corrupted for the name, date and place rules still meet on what they keep."""
    given = ("id", "first_name", "last_name", "first_name_nysiis", "last_name_nysiis", "dob", "email")
    rows = [
        # the same email, both names misspelt, one date of birth missing
        (1, "THEODORE", "MOSRIR", "THDR", "MASRAR", "1978-09-19", "tm39@example.com"),
        (2, "TEODORE", "MORRIS", "TADAR", "MAR", None, "tm39@example.com"),
        # a surname missing and the day mistyped: the first name's sound and the birth month
        (3, "CALEB", None, "CALAB", None, "1992-11-20", None),
        (4, "KALEB", "ROWE", "CALAB", "RAW", "1992-11-02", None),
    ]
    assert candidate_pairs(given, rows) == [(1, 2), (3, 4)]


def test_a_mistyped_birth_year_or_a_missing_name_still_makes_a_candidate_pair() -> None:
    """The surname's sound with the day and month of birth; one name missing, the other and the town."""
    given = ("id", "first_name", "last_name", "last_name_nysiis", "dob", "city", "zip")
    rows = [
        # the year mistyped, the first name misspelt, a new ZIP and town
        (1, "ARTHUR", "WOOD", "WAD", "1844-05-25", "THEDDEN", "RH192"),
        (2, "ARHTUR", "WOODE", "WAD", "1845-05-25", "ALTON", "GU342"),
        # no first name on one side: the surname in the same town, nothing else shared
        (3, None, "RANDOLPH", "RANDALF", None, "ST HELENS", None),
        (4, "EDMUND", "RANDOLPH", "RANDALF", "1860-02-11", "ST HELENS", "WA101"),
        # both names present and different, same town: not a pair
        (5, "MARY", "RANDOLPH", "RANDALF", "1901-07-30", "ST HELENS", "WA102"),
        (6, "JOHN", "RANDOLF", "RANDALF", "1902-03-01", "ST HELENS", "WA103"),
    ]
    assert candidate_pairs(given, rows) == [(1, 2), (3, 4), (3, 5)]


def test_one_name_in_the_other_field_at_one_zip_or_town_makes_a_candidate_pair() -> None:
    """Names swapped and one of them replaced (FEBRL): the name that moved, and the place."""
    given = ("id", "first_name", "last_name", "city", "zip")
    rows = [
        # the surname moved into the first name field and the given name changed, a ZIP mistyped
        (1, "HARRY", "SINGLETON", "CURRAMBINE", "02502"),
        (2, "SINGLETON", "HARBRY", "CURRAMBINE", "02506"),
        # the same ZIP, a town missing
        (3, "JAMES", "COLEMAN", None, "02315"),
        (4, "HOWIE", "JAMES", None, "02315"),
        # a name in the other field in another town and ZIP: not a pair
        (5, "COLEMAN", "REID", "PADSTOW", "03084"),
    ]
    assert candidate_pairs(given, rows) == [(1, 2), (3, 4)]


def test_a_misspelt_street_at_one_house_number_and_zip_area_makes_a_candidate_pair() -> None:
    """Both names changed, the street split or misspelt after its third letter, a ZIP digit wrong."""
    given = ("id", "first_name", "last_name", "street_number", "street_name", "zip")
    rows = [
        (1, "ADRIANA", "AGIUS", "19", "WAKELINC IRCUIT", "04670"),
        (2, "ADRIENNE", "BEADLE", "19", "WAKELIN CIRCUIT", "04607"),
        # the same number and street start in another ZIP area: not a pair
        (3, "BRYDEE", "WESTERMANN", "19", "WAKEFIELD ST", "03352"),
        # another house on the street: not a pair
        (4, "EMILY", "NICELY", "21", "WAKELIN CIRCUIT", "04670"),
    ]
    assert candidate_pairs(given, rows) == [(1, 2)]
