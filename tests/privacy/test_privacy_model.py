"""The hashed model is the clear person model translated onto tokens and Bloom filters."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import duckdb
import pytest
from level_sql import level_index_sql
from privacy_helpers import hash_into

from mpi.config import ProjectConfig
from mpi.ingest import ingest_sources
from mpi.model.columns import columns_by_use, comparison_columns
from mpi.model.errors import ModelError
from mpi.model.hashed import build_hashed_model, dice_sql, is_hashed_spec, translate_model
from mpi.model.person import SHORT_EMAIL_USER_NAME, SWAPPED_WITH_A_TYPO, build_person_model
from mpi.model.spec import ColumnRef, ComparisonSpec, LevelSpec, ModelSpec, custom, else_level, null_level
from mpi.privacy.keys import HashKey


def test_the_hashed_model_reads_only_tokens_and_bloom_filters() -> None:
    spec = build_hashed_model(("sasid",))
    columns = set(columns_by_use(spec))
    assert columns and all(c.startswith(("tok_", "bf_")) for c in columns), columns
    assert {"bf_first_name", "bf_last_name", "bf_address", "tok_id_sasid", "tok_ssn_prefix"} <= columns
    assert is_hashed_spec(spec) and not is_hashed_spec(build_person_model(("sasid",)))


# (level creator, column) of the clear levels the hashed model leaves out on purpose.
LEFT_OUT_OF_HASHED = {
    ("JaroWinklerLevel", "middle_name"),
    ("JaroWinklerLevel", "city"),
    ("DamerauLevenshteinLevel", "email"),
    ("DamerauLevenshteinLevel", "phone"),
    ("DamerauLevenshteinLevel", "zip"),
}


def _level_column(level: LevelSpec) -> str | None:
    ref = level.args.get("col_name")
    return ref.name if isinstance(ref, ColumnRef) else None


def test_it_follows_the_clear_model_level_for_level() -> None:
    clear, hashed = build_person_model(("sasid",)), build_hashed_model(("sasid",))
    assert [c.name.replace("tok_", "") for c in hashed.comparisons] == [c.name for c in clear.comparisons]
    for before, after in zip(clear.comparisons, hashed.comparisons, strict=True):
        # Only these levels have no counterpart: Jaro-Winkler on the middle name and the city (no
        # filter of either is sent), edits to the email address, the phone and the ZIP (no edit
        # variants are sent), the same date on 1 January (no token marks that date), dates a generation apart and
        # the names a father and son share across one (tokens of years are equal or not), names
        # swapped with a typo (first and last name filters are keyed apart), a short email user
        # name (no token marks one) and street names a typo apart (no street name filter is sent).
        kept = [
            lv
            for lv in before.levels
            if (lv.creator, _level_column(lv)) not in LEFT_OUT_OF_HASHED
            and not (lv.label or "").startswith("Same date of birth, 1 January")
            and not (lv.label or "").startswith("Born 15 or more years apart")
            and "born a generation apart" not in (lv.label or "")
            and lv.label != "Same house number, street names a typo apart"
            and lv.args.get("sql_condition") != SWAPPED_WITH_A_TYPO
            and lv.args.get("col_name") != SHORT_EMAIL_USER_NAME
        ]
        assert [lv.stratum for lv in after.levels] == [lv.stratum for lv in kept], before.name
        assert [lv.fixed_m for lv in after.levels] == [lv.fixed_m for lv in kept], before.name
        # Analysts read the field's name, not the token's ("Same sex", not "Same tok_sex").
        assert not [lv.display_label for lv in after.levels if "tok_" in lv.display_label], before.name
    # Every blocking rule of the clear model has its hashed counterpart (else it is left out: see
    # translate_model; a new kind of rule in the clear model needs a token hashed at the agency).
    assert len(hashed.prediction_rules) == len(clear.prediction_rules), hashed.description
    assert [r.fallback for r in hashed.training_rules] == [r.fallback for r in clear.training_rules]
    assert len(hashed.deterministic_rules) == len(clear.deterministic_rules)


def test_dice_levels_compare_bloom_filters_with_bit_operations() -> None:
    assert dice_sql("bf_last_name", 0.8) == (
        "2 * bit_count(bf_last_name_l & bf_last_name_r) >= 0.8 * (bit_count(bf_last_name_l) + bit_count(bf_last_name_r))"
    )


def test_a_clear_level_without_hashed_counterpart_is_an_error() -> None:
    clear = build_person_model(())
    odd = ComparisonSpec(
        name="odd",
        levels=(
            null_level("first_name"),
            custom("levenshtein(first_name_l, first_name_r) <= 2", label="Close"),
            else_level(),
        ),
    )
    with pytest.raises(ModelError, match=r'comparison "odd" level 1 \(Close\) has no hashed counterpart'):
        translate_model(replace(clear, comparisons=(*clear.comparisons, odd)))


def source_ages_levels(store_path: Path, spec: ModelSpec) -> dict[tuple[str, str], int]:
    """(k12 record, wage record) -> the source_ages level Splink's DuckDB SQL of ``spec`` gives the pair."""
    index_sql, _ = level_index_sql(spec, "source_ages")
    sides = ", ".join(
        f"{side}.{c} AS {c}_{side}" for c in sorted(comparison_columns(spec, "source_ages")) for side in "lr"
    )
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        rows = con.execute(
            f"SELECT record_id_l, record_id_r, {index_sql} FROM "
            f"(SELECT l.record_id AS record_id_l, r.record_id AS record_id_r, {sides} "
            "FROM records AS l, records AS r WHERE l.source = 'k12' AND r.source = 'wages')"
        ).fetchall()
    finally:
        con.close()
    return {(a, b): level for a, b, level in rows}


def test_hashed_records_fall_in_the_source_ages_level_the_clear_ones_do(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    # The synthetic wage file declares its age range (14 and older); K-12 records have dates of birth.
    ingest_sources(agency, ["k12", "wages"])
    clear = source_ages_levels(agency.store_path, build_person_model(agency.shared_ids))
    hub = hash_into(agency, tmp_path / "hub", key, ("k12", "wages"))
    ingest_sources(hub)
    hashed = source_ages_levels(hub.store_path, build_hashed_model(agency.shared_ids))
    assert hashed == clear
    outside = sum(level == 1 for level in clear.values())  # "Born outside the ages ..."
    assert 0 < outside < len(clear)
