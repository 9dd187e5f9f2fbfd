"""A birth year outside the ages the other record's source holds counts against a match."""

from __future__ import annotations

from typing import Any

import pytest
from level_sql import level_label

OUTSIDE = "Born outside the ages the other record's source holds"
NOTHING = "Within range, or no birth year to check"
NO_RANGE = "No age range on either side"
# A wage file's age_range: 14 or older on 2024-09-01, so born in 2010 or before.
WAGE_RECORD = {
    "birth_year_min": None,
    "birth_year_max": None,
    "source_birth_year_min": None,
    "source_birth_year_max": 2010,
}


def born(year: int, **more: Any) -> dict[str, Any]:
    return {
        "birth_year_min": year,
        "birth_year_max": year,
        "source_birth_year_min": None,
        "source_birth_year_max": None,
        **more,
    }


@pytest.mark.parametrize(
    ("left", "right", "expected"),
    [
        (born(2015), WAGE_RECORD, OUTSIDE),  # a nine-year-old against a wage record
        (WAGE_RECORD, born(2015), OUTSIDE),
        (born(2010), WAGE_RECORD, NOTHING),  # the bound is on years: loose by one
        (born(1990), WAGE_RECORD, NOTHING),
        (WAGE_RECORD, WAGE_RECORD, NOTHING),  # no birth year on either side
        # Both have a birth year: the date-of-birth comparison decides, this one stays silent.
        (born(2015), {**WAGE_RECORD, "birth_year_min": 1990, "birth_year_max": 1990}, NOTHING),
        (born(2015), born(1990), NO_RANGE),
        # An upper age bound too: a pre-school file of children 5 or under.
        (born(1990), {**WAGE_RECORD, "source_birth_year_min": 2018, "source_birth_year_max": None}, OUTSIDE),
    ],
)
def test_which_pairs_the_source_ages_level_takes(
    left: dict[str, Any], right: dict[str, Any], expected: str
) -> None:
    assert level_label("source_ages", left, right) == expected
