"""The hashed model is the clear person model translated onto tokens and Bloom filters."""

from __future__ import annotations

from dataclasses import replace

import pytest

from mpi.model.columns import columns_by_use
from mpi.model.errors import ModelError
from mpi.model.hashed import build_hashed_model, dice_sql, is_hashed_spec, translate_model
from mpi.model.person import build_person_model
from mpi.model.spec import ComparisonSpec, custom, else_level, null_level


def test_the_hashed_model_reads_only_tokens_and_bloom_filters() -> None:
    spec = build_hashed_model(("sasid",))
    columns = set(columns_by_use(spec))
    assert columns and all(c.startswith(("tok_", "bf_")) for c in columns), columns
    assert {"bf_first_name", "bf_last_name", "bf_address", "tok_id_sasid", "tok_ssn_prefix"} <= columns
    assert is_hashed_spec(spec) and not is_hashed_spec(build_person_model(("sasid",)))


def test_it_follows_the_clear_model_level_for_level() -> None:
    clear, hashed = build_person_model(("sasid",)), build_hashed_model(("sasid",))
    # A birth year against a source's age range needs the year in clear: that comparison is left out.
    translated = [c for c in clear.comparisons if c.name != "source_ages"]
    assert len(translated) == len(clear.comparisons) - 1
    assert "Left out (no hashed counterpart): comparison(s) source_ages." in hashed.description
    assert [c.name.replace("tok_", "") for c in hashed.comparisons] == [c.name for c in translated]
    for before, after in zip(translated, hashed.comparisons, strict=True):
        # Only Jaro-Winkler on the middle name has no counterpart: no filter of it is sent.
        kept = [
            lv
            for lv in before.levels
            if not (lv.creator == "JaroWinklerLevel" and "middle_name" in str(lv.args))
        ]
        assert [lv.stratum for lv in after.levels] == [lv.stratum for lv in kept], before.name
        assert [lv.fixed_m for lv in after.levels] == [lv.fixed_m for lv in kept], before.name
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
