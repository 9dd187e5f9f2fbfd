"""Which location level a pair of records falls in."""

from __future__ import annotations

from level_sql import level_label


def place(zip_code: str | None, city: str) -> dict[str, str | None]:
    return {"zip": zip_code, "city": city}


def test_a_zip_that_starts_alike_is_the_last_level_before_different_places() -> None:
    hartford, west_hartford = place("06103", "HARTFORD"), place("06117", "WEST HARTFORD")
    # Neighbouring towns share a US ZIP's sectional centre (its first three digits).
    assert level_label("location", hartford, west_hartford) == "ZIP starts alike (first three characters)"
    # The same city outranks it; a ZIP elsewhere in the state does not share it.
    assert level_label("location", hartford, place("06106", "HARTFORD")) == "Same city"
    assert level_label("location", hartford, place("06511", "NEW HAVEN")) == "Different places"
    # One side without a ZIP says nothing about its first characters.
    assert level_label("location", place(None, "HARTFORD"), west_hartford) == "Different places"


def test_a_mistyped_city_or_zip_has_its_own_level() -> None:
    hartford = place("06103", "HARTFORD")
    # A typo in a free-text city, the ZIPs far apart.
    assert level_label("location", hartford, place("06511", "HARTFROD")) == "Similar city"
    # One digit mistyped, or two adjacent digits swapped, in another town's ZIP.
    assert level_label("location", hartford, place("06107", "WEST HARTFORD")) == "ZIP one edit apart"
    assert level_label("location", hartford, place("06130", "WEST HARTFORD")) == "ZIP one edit apart"
    # A postal code with letters, one character mistyped.
    assert (
        level_label("location", place("SE78UQ", "LONDON"), place("SEU8UQ", "CROYDON")) == "ZIP one edit apart"
    )
