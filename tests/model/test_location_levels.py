"""Which location level a pair of records falls in."""

from __future__ import annotations

from level_sql import level_label


def place(zip_code: str | None, city: str) -> dict[str, str | None]:
    return {"zip": zip_code, "city": city}


def test_a_zip_that_starts_alike_is_the_last_level_before_different_places() -> None:
    hartford, west_hartford = place("06103", "HARTFORD"), place("06107", "WEST HARTFORD")
    # Neighbouring towns share a US ZIP's sectional centre (its first three digits).
    assert level_label("location", hartford, west_hartford) == "ZIP starts alike (first three characters)"
    # The same city outranks it; a ZIP elsewhere in the state does not share it.
    assert level_label("location", hartford, place("06106", "HARTFORD")) == "Same city"
    assert level_label("location", hartford, place("06511", "NEW HAVEN")) == "Different places"
    # One side without a ZIP says nothing about its first characters.
    assert level_label("location", place(None, "HARTFORD"), west_hartford) == "Different places"
