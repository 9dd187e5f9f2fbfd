"""Which phone level a pair of records falls in: a household's number weighs nothing, a person's counts."""

from __future__ import annotations

import math
from typing import Any

import jellyfish
from level_sql import level_label

from mpi.model.person import build_person_model
from mpi.standardize import nickname_formals

PHONE = "8605271863"
HOUSEHOLD = "Same phone (or a typo of it) at one address (the household's?)"
NAMES_DIFFER = "Same phone (or a typo of it), but first names differ (a household's?)"
GENERATION_APART = "Same phone (or a typo of it), but born a generation apart (a parent's?)"


def person(first: str, dob: str, address: str, *, phone: str | None = PHONE) -> dict[str, Any]:
    number, street = address.split(" ", 1)
    return {
        "first_name": first,
        "middle_name": None,
        "first_name_nysiis": jellyfish.nysiis(first),
        "first_name_metaphone": jellyfish.metaphone(first),
        "first_name_formals": list(nickname_formals().get(first, (first,))),
        "last_name": "HOLT",
        "last_name_parts": ["HOLT"],
        "dob": dob,
        "birth_year_min": dob[:4],
        "birth_year_max": dob[:4],
        "address": address,
        "street_number": number,
        "street_name": street,
        "zip": "06606",
        "phone": phone,
    }


def test_a_phone_kept_after_a_move_is_the_persons() -> None:
    before, after = (
        person("ANAYA", "1990-03-23", "67 E CHURCH ST"),
        person("ANAYA", "1990-03-23", "9 HILL ST"),
    )
    assert level_label("phone", before, after) == "Same phone"
    assert level_label("phone", before, {**after, "phone": "8605271836"}) == "One digit off or two swapped"
    assert level_label("phone", before, {**after, "phone": "2034682858"}) == "Different phones"
    assert level_label("phone", before, {**after, "phone": None}) == (
        "Phone missing on either side, or one many people give (an office's?)"
    )


def test_a_households_phone_weighs_nothing() -> None:
    # At one address the number repeats what the address says: the household, not the person.
    mother, daughter = (
        person("ANAYA", "1990-03-23", "67 E CHURCH ST"),
        person("ANAYA", "1991-03-23", "67 E CHURCH ST"),
    )
    assert level_label("phone", mother, daughter) == HOUSEHOLD
    # mistyped on one record, it is still the household's number
    assert level_label("phone", mother, {**daughter, "phone": "8605271836"}) == HOUSEHOLD
    # A parent's number on a child's record elsewhere: two first names, or births a generation apart.
    child = person("OLIVER", "2019-05-18", "9 HILL ST")
    assert level_label("phone", mother, child) == NAMES_DIFFER
    assert level_label("phone", mother, {**child, "phone": "8605721863"}) == NAMES_DIFFER
    father, son = (
        person("RODGER", "1975-03-25", "2732 CAPITOL AVE"),
        person("RODGER", "2012-12-17", "9 HILL ST"),
    )
    assert level_label("phone", father, son) == GENERATION_APART
    # A nickname is no other first name.
    assert level_label(
        "phone", person("WILLIAM", "1980-01-02", "9 HILL ST"), person("BILL", "1980-01-02", "1 ELM ST")
    ) == ("Same phone")


def test_the_households_levels_are_fixed_at_no_evidence() -> None:
    levels = build_person_model().comparison("phone").levels
    for label in (HOUSEHOLD, NAMES_DIFFER, GENERATION_APART):
        (level,) = [lv for lv in levels if lv.label == label]
        assert level.fixed_m is not None and level.fixed_u is not None
        assert math.log2(level.fixed_m / level.fixed_u) == 0
