"""Which date-of-birth level a pair of records falls in, and what a generation apart does to names."""

from __future__ import annotations

import math
from typing import Any

import pytest
from level_sql import level_label

from mpi.model.person import build_person_model


def born(dob: str) -> dict[str, Any]:
    return {
        "first_name": "ANN",
        "middle_name": None,
        "dob": dob,
        "birth_year_min": dob[:4],
        "birth_year_max": dob[:4],
    }


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


FATHER_AND_SON_FIRST = (
    "Same first name (or a typo of it), but born a generation apart at one household (father and son?)"
)
FATHER_AND_SON_MIDDLE = "Same middle name, but born a generation apart at one household (father and son?)"


def named(
    first: str, middle: str, dob: str, address: str = "831 ASYLUM PL", zip_code: str = "06103"
) -> dict[str, Any]:
    number, street = address.split(" ", 1)
    return {
        **born(dob),
        "first_name": first,
        "first_name_std": first,
        "middle_name": middle,
        "last_name": "CARTER",
        "last_name_parts": ["CARTER"],
        "address": address,
        "street_number": number,
        "street_name": street,
        "zip": zip_code,
    }


def test_a_father_and_son_of_one_name_at_home_share_names_that_weigh_nothing() -> None:
    # DESHAWN DESHAWN CARTER born 1983 and his son born 2008, at one address (a black-box review).
    father, son = named("DESHAWN", "LEE", "1983-07-10"), named("DESHAWN", "LEE", "2008-01-12")
    assert level_label("first_name", father, son) == FATHER_AND_SON_FIRST
    assert level_label("middle_name", father, son) == FATHER_AND_SON_MIDDLE
    model = build_person_model()
    for comparison, label in (("first_name", FATHER_AND_SON_FIRST), ("middle_name", FATHER_AND_SON_MIDDLE)):
        (level,) = [lv for lv in model.comparison(comparison).levels if lv.label == label]
        assert level.fixed_m is not None and level.fixed_u is not None
        assert math.log2(level.fixed_m / level.fixed_u) == 0


def aged(record: dict[str, Any], birth_years: tuple[int, int]) -> dict[str, Any]:
    """The record as a source that keeps an age would hold it: no date, a range of two birth years."""
    return {**record, "dob": None, "birth_year_min": birth_years[0], "birth_year_max": birth_years[1]}


def test_an_age_a_generation_from_a_date_of_birth_is_a_generation_apart() -> None:
    # A child born 2016 and an adult aged 37 (born 1982 or 1983) of one name at one address (an
    # analyst's review): the age tells them apart as a date would.
    child, adult = (
        named("ERIC", "JOHN", "2016-05-02"),
        aged(named("ERIC", "JOHN", "1983-01-01"), (1982, 1983)),
    )
    assert level_label("dob", child, adult) == "Born 15 or more years apart, at one household"
    assert level_label("first_name", child, adult) == FATHER_AND_SON_FIRST
    assert level_label("middle_name", adult, child) == FATHER_AND_SON_MIDDLE
    away = aged(named("ERIC", "JOHN", "1983-01-01", "12 ELM ST"), (1982, 1983))
    assert level_label("dob", child, away) == "Born 15 or more years apart; other pairs"
    # An age whose range comes within 15 years of the date is not a generation apart.
    near = aged(named("ERIC", "JOHN", "2002-01-01", "12 ELM ST"), (2001, 2002))
    assert level_label("dob", child, near) == "Different dates of birth; other pairs"


@pytest.mark.parametrize(
    ("left", "right"),
    [
        # a date mistyped by one digit (1983 / 1988), the same date: one person
        (named("DESHAWN", "LEE", "1983-07-10"), named("DESHAWN", "LEE", "1988-07-10")),
        (named("DESHAWN", "LEE", "1983-07-10"), named("DESHAWN", "LEE", "1983-07-10")),
        # a generation apart, but at different addresses: the usual levels
        (named("DESHAWN", "LEE", "1983-07-10"), named("DESHAWN", "LEE", "2008-01-12", "12 ELM ST")),
    ],
)
def test_names_shared_without_a_generation_at_home_count_as_usual(
    left: dict[str, Any], right: dict[str, Any]
) -> None:
    assert level_label("first_name", left, right).startswith("Same first name; ")
    assert level_label("middle_name", left, right) == "Same middle name"


def test_a_street_name_mistyped_on_one_record_is_still_one_household() -> None:
    # A false merge on benchmarks/hhs_review_to_mpi.py data: CHRISTOPHER GORDON born 1976 and his son born 2023,
    # at 1884 CLARK KEY, mistyped CLARK KEV on one record.
    father = named("CHRISTOPHER", "", "1976-01-30", "1884 CLARK KEY", "06231")
    son = named("CHRISTOPHER", "", "2023-08-12", "1884 CLARK KEV", "06231")
    assert level_label("first_name", father, son) == FATHER_AND_SON_FIRST
    assert level_label("dob", father, son) == "Born 15 or more years apart, at one household"
    # another house number, or the same street name in another ZIP and town: not one household
    for elsewhere in (
        named("CHRISTOPHER", "", "2023-08-12", "1885 CLARK KEV", "06231"),
        named("CHRISTOPHER", "", "2023-08-12", "1884 CLARK KEV", "06001"),
    ):
        assert level_label("first_name", father, elsewhere).startswith("Same first name; ")
    # a typo in one of the two names (CHRITSOPHER) leaves them the same name
    mistyped = {**father, "first_name": "CHRITSOPHER", "first_name_std": "CHRITSOPHER"}
    assert level_label("first_name", mistyped, son) == FATHER_AND_SON_FIRST


def test_a_surname_mistyped_or_swapped_on_one_record_is_still_one_household() -> None:
    # The blind probe's false merges: JACINTO JUAREZ born 1946 and his son born 1968 at one address, the
    # surname JUARES on one record; REYNALDO CASTELLANOS and his father, the names swapped on one record.
    father = named("JACINTO", "", "1946-07-12")
    mistyped = {**named("JACINTO", "", "1968-05-08"), "last_name": "CARTR", "last_name_parts": ["CARTR"]}
    swapped = {**named("CARTER", "", "1968-05-08"), "last_name": "JACINTO", "last_name_parts": ["JACINTO"]}
    for son in (mistyped, swapped):
        assert level_label("dob", father, son) == "Born 15 or more years apart, at one household"
    assert level_label("first_name", father, mistyped) == FATHER_AND_SON_FIRST
    # another surname at the address (a lodger, a stepfather): not this household's generation
    lodger = {**named("JACINTO", "", "1968-05-08"), "last_name": "MORALES", "last_name_parts": ["MORALES"]}
    assert level_label("dob", father, lodger) == "Born 15 or more years apart; other pairs"
