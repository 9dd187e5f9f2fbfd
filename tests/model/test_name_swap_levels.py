"""Names in the wrong field are scored once, by name_swap: swapped, or a single name that is the other's surname."""

from __future__ import annotations

from typing import Any

import jellyfish
import pytest
from level_sql import level_label


def person(first: str | None, last: str | None) -> dict[str, Any]:
    return {
        "first_name": first,
        "last_name": last,
        "first_name_nysiis": jellyfish.nysiis(first) if first else None,
        "last_name_nysiis": jellyfish.nysiis(last) if last else None,
    }


SINGLE_NAME = "A single name, the other's surname"
NAME_MISSING = "A name is missing (and no single name is the other's surname)"
SWAPPED_WITH_A_TYPO = "Names swapped, one of them mistyped"
ONE_NAME_CROSSWISE = "One name in the other field, the other different"


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (person("FROHAWK", None), person("FREDERICK", "FROHAWK"), SINGLE_NAME),
        (person("FREDERICK", "FROHAWK"), person("FROHAWK", None), SINGLE_NAME),
        (person("SMITH", "JOHN"), person("JOHN", "SMITH"), "First and last names swapped"),
        # a given name alone agrees with the first name: the first name comparison scores it
        (person("FREDERICK", None), person("FREDERICK", "FROHAWK"), NAME_MISSING),
        (person("GALE", None), person("WALTER", "HILL"), NAME_MISSING),
        (person("GALE", None), person("WALTER", None), NAME_MISSING),
        (person(None, "GALE"), person("GALE", "WALTER"), NAME_MISSING),
        (person("ANN", "GALE"), person("WALTER", "GALE"), "Not swapped"),
        # swapped and one name mistyped: one edit, or two when both names are six letters or more
        (person("JESSICA", "FAULL"), person("FAULL", "JESSIA"), SWAPPED_WITH_A_TYPO),
        (person("ROBIN", "MORRION"), person("MORRISON", "ROBIN"), SWAPPED_WITH_A_TYPO),
        (person("HARRISON", "SCHUAMNN"), person("SCHUMAN", "HARRISON"), SWAPPED_WITH_A_TYPO),
        # swapped, and one of them replaced or changed past a typo
        (person("JOSHUA", "BALCHIN"), person("BALCHIN", "REEVE"), ONE_NAME_CROSSWISE),
        (person("JOHN", "SMITH"), person("SMITH", "JOHNNY"), ONE_NAME_CROSSWISE),
        (person("HANNAH", "JOLLY"), person("JOLYL", "HANNAH"), ONE_NAME_CROSSWISE),
        # two edits in three letters is not a typo: a name moved, not a swap with a typo
        (person("ANN", "LEE"), person("LEE", "AMY"), ONE_NAME_CROSSWISE),
    ],
)
def test_name_swap_levels(left: dict[str, Any], right: dict[str, Any], expected: str) -> None:
    assert level_label("name_swap", left, right) == expected


def test_a_single_name_that_is_the_others_surname_is_not_a_different_first_name() -> None:
    first = level_label("first_name", person("FROHAWK", None), person("FREDERICK", "FROHAWK"))
    assert first.startswith("First name missing, or names swapped")


def test_a_swap_with_a_typo_is_not_also_two_different_names() -> None:
    left, right = person("JESSICA", "FAULL"), person("FAULL", "JESSIA")
    assert level_label("first_name", left, right).startswith("First name missing, or names swapped")
    assert level_label("last_name", left, right).startswith("Last name missing, or names swapped")


def test_one_name_in_the_other_field_is_not_also_two_different_names() -> None:
    left, right = person("JOSHUA", "BALCHIN"), person("BALCHIN", "REEVE")
    assert level_label("first_name", left, right).startswith("First name missing, or names swapped")
    assert level_label("last_name", left, right).startswith("Last name missing, or names swapped")
    # the same surname in its own field is not a name that moved
    assert level_label("name_swap", person("JOHN", "SMITH"), person("JANE", "SMITH")) == "Not swapped"
