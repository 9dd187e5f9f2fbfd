"""A date of birth, SSN or email address shared by two people whose given names both differ carries no evidence."""

from __future__ import annotations

import math
from typing import Any

import jellyfish
import pytest
from level_sql import level_label

from mpi.model.person import build_person_model
from mpi.standardize import nickname_formals

SSN = "123450789"
DOB = "1990-04-01"


def person(first: str, middle: str | None, *, ssn: str | None = SSN, dob: str | None = DOB) -> dict[str, Any]:
    return {
        "first_name": first,
        "middle_name": middle,
        "first_name_nysiis": jellyfish.nysiis(first),
        "first_name_metaphone": jellyfish.metaphone(first),
        "first_name_formals": list(nickname_formals().get(first, (first,))),
        "ssn": ssn,
        "dob": dob,
        "birth_year_min": dob[:4] if dob else None,
        "birth_year_max": dob[:4] if dob else None,
    }


RELATIVES_SSN = "Same SSN, but first and middle names differ (a relative's number?)"
RELATIVES_DOB = "Same date of birth, but first and middle names differ (twins?)"
RELATIVES_EMAIL = "Same email address, but first and middle names differ (a family's?)"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (person("JORGE", "MATTHEW"), person("EDWARD", "R"), RELATIVES_SSN),
        # one initial agreeing crosswise is chance: a spouse's number on a tax return
        (person("DAVID", "R"), person("ERNEST", "D"), RELATIVES_SSN),
        (person("JENNIFER", "MONICA"), person("PAUL", "J"), RELATIVES_SSN),
        # whole first names of one initial and nothing more alike: a spouse's number too
        (person("JAMES", "J"), person("JANICE", "E"), RELATIVES_SSN),
        (person("JAMES", "J"), person("J", "E"), "Same SSN"),  # an initial for a name
        (person("STEPHANIE", "T"), person("STFEPHAGIE", "M"), "Same SSN"),  # a typo
        # a nickname of the other's name, a middle name gone by, a name unknown: one person
        (person("WILLIAM", "JOHN"), person("BILL", "K"), "Same SSN"),
        (person("ROBERT", "MARK"), person("MARK", "R"), "Same SSN"),
        (person("JEAN", "CLAUDE"), person("CLAUDE", "WILLIE"), "Same SSN"),
        (person("JORGE", None), person("EDWARD", "R"), "Same SSN"),
        (person("JORGE", "MATTHEW"), person("GEORGE", "R"), "Same SSN"),  # same sound
    ],
)
def test_ssn_shared_by_relatives(left: dict[str, Any], right: dict[str, Any], expected: str) -> None:
    assert level_label("ssn", left, right) == expected


def test_twins_date_of_birth_carries_no_evidence() -> None:
    twins = person("STEVEN", "J", ssn=None), person("MARK", "A", ssn=None)
    assert level_label("dob", *twins) == RELATIVES_DOB
    same = person("STEVEN", "J", ssn=None), person("STEVE", "J", ssn=None)
    assert level_label("dob", *same).startswith("Same date of birth; ")


def test_a_family_email_address_carries_no_evidence() -> None:
    # A parent's address on a child's school record.
    parent = {**person("MARIA", "L", ssn=None), "email": "lopez.family@mail.com"}
    child = {**person("JOSE", "A", ssn=None), "email": "lopez.family@mail.com"}
    assert level_label("email", parent, child) == RELATIVES_EMAIL
    assert level_label("email", parent, {**child, **person("MARIE", "L", ssn=None)}) == "Same email address"


def test_relatives_levels_are_fixed_at_no_evidence() -> None:
    model = build_person_model()
    for comparison, label in (("ssn", RELATIVES_SSN), ("dob", RELATIVES_DOB), ("email", RELATIVES_EMAIL)):
        (level,) = [lv for lv in model.comparison(comparison).levels if lv.label == label]
        assert level.fixed_m is not None and level.fixed_u is not None
        assert math.log2(level.fixed_m / level.fixed_u) == 0
