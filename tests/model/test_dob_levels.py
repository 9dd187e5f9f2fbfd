"""Which date-of-birth level a pair of records falls in."""

from __future__ import annotations

from typing import Any

from level_sql import level_label

from mpi.model.person import build_person_model


def born(dob: str) -> dict[str, Any]:
    return {"first_name": "ANN", "middle_name": None, "dob": dob, "birth_year_min": dob[:4]}


def test_the_same_1_january_is_a_level_of_its_own() -> None:
    # 1 January is what a register writes when only the year is known: shared far more often.
    assert level_label("dob", born("1862-01-01"), born("1862-01-01")) == "Same date of birth, 1 January"
    assert level_label("dob", born("1862-03-04"), born("1862-03-04")) == "Same date of birth; other pairs"
    assert level_label("dob", born("1862-01-01"), born("1862-01-02")) == "One digit off; other pairs"
    assert level_label("dob", born("1862-01-01"), born("1861-01-01")) == "One digit off; other pairs"


def test_dates_a_generation_apart_are_a_level_of_their_own() -> None:
    # A father and son of one name: weighed apart from dates a few years off (siblings, spouses).
    assert (
        level_label("dob", born("1950-03-04"), born("1978-06-07"))
        == "Born 15 or more years apart; other pairs"
    )
    # one digit apart, and a generation: a typo as likely as a father and son
    assert level_label("dob", born("1965-03-04"), born("1985-03-04")) == "One digit off; other pairs"
    assert (
        level_label("dob", born("1950-03-04"), born("1964-06-07")) == "Different dates of birth; other pairs"
    )
    # a mistyped century is one digit off, not a generation
    assert level_label("dob", born("1950-03-04"), born("1850-03-04")) == "One digit off; other pairs"


def test_a_generation_apart_at_one_household_is_fixed_to_weigh_against() -> None:
    home = {"address": "77 QUINCE ST", "street_number": "77", "street_name": "QUINCE ST", "last_name": "KOWALCZYK",
            "last_name_parts": ["KOWALCZYK"]}  # fmt: skip
    father, son = {**born("1940-08-28"), **home}, {**born("1970-10-09"), **home}
    assert level_label("dob", father, son) == "Born 15 or more years apart, at one household"
    (level,) = [
        lv
        for lv in build_person_model().comparison("dob").levels
        if lv.label == "Born 15 or more years apart, at one household"
    ]
    assert level.fixed_m is not None and level.fixed_u is not None and level.fixed_m < level.fixed_u
