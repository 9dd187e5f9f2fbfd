"""Nickname families from the `nicknames` package: which first names count as one name."""

from __future__ import annotations

import pytest

from mpi.standardize import _nicknames_of, nickname_formals, nickname_to_formal


def share_a_formal_name(a: str, b: str) -> bool:
    formals = nickname_formals()
    return bool(set(formals.get(a, (a,))) & set(formals.get(b, (b,))))


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("BILL", "WILLIAM"),
        ("PEGGY", "MARGARET"),
        ("TERRY", "TERENCE"),
        ("RAY", "RAYMOND"),
        # Listed one way only, against family size: JERRY's own family (GERI, GERRY, GERALDINE)
        # is larger than GERALD's, yet the table says GERALD has the nickname JERRY.
        ("JERRY", "GERALD"),
        ("BERT", "ALBERT"),
        ("BRAD", "BRADLEY"),
        # Spanish, from mpi's own table
        ("PEPE", "JOSE"),
        ("PACO", "FRANCISCO"),
        ("PANCHO", "PACO"),
        ("LUPE", "GUADALUPE"),
        ("CHUY", "JESUS"),
        ("BETO", "ROBERTO"),
        ("BETO", "ALBERTO"),
        ("MANOLO", "MANUEL"),
    ],
)
def test_a_nickname_and_its_name_share_a_formal_name(a: str, b: str) -> None:
    assert share_a_formal_name(a, b)


def test_every_pair_the_table_lists_both_ways_is_related() -> None:
    # Families of the same size (TERENCE and TERRY list only each other) used to stay apart.
    listed = _nicknames_of()
    both_ways = [(a, b) for a, nicks in listed.items() for b in nicks if a in listed.get(b, ())]
    assert both_ways and all(share_a_formal_name(a, b) for a, b in both_ways)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("CAROLINE", "CHARLOTTE"),  # the table says CHICK has both
        ("LAURA", "LAWRENCE"),  # LAURINDA has LAWRENCE, LAURA is LAURINDA's
        ("AMY", "EMILY"),  # AMELIA has EMILY, AMY is AMELIA's
    ],
)
def test_a_pair_listed_one_way_relates_no_names_the_table_does_not_pair(a: str, b: str) -> None:
    assert not share_a_formal_name(a, b)


def test_two_formal_names_sharing_a_nickname_stay_apart() -> None:
    assert not share_a_formal_name("WILLIAM", "ROBERT")  # both have BILLY
    assert not share_a_formal_name("GERALD", "JEREMIAH")  # both have JERRY
    assert not share_a_formal_name("ALBERT", "HERBERT")  # both have BERT
    assert not share_a_formal_name("ALBERTO", "ROBERTO")  # both have BETO
    assert nickname_to_formal()["TERRY"] != "TERRY"


def test_the_spanish_table_changes_no_english_names_formal_name() -> None:
    # SALVADOR gains CHAVA and CHAVO; counted, that family would outrank SARAH for SALLY.
    formal = nickname_to_formal()
    assert formal["SALLY"] == "SARAH"
    assert formal["PEPE"] == "JOSE"
    assert formal["MANOLO"] == formal["MANUEL"]
