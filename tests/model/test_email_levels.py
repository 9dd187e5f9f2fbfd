"""Which email level a pair of records falls in."""

from __future__ import annotations

from level_sql import level_label


def test_the_user_name_before_the_at_is_a_level_of_its_own() -> None:
    # The same user name at another provider, or with a mistyped domain.
    same = level_label("email", {"email": "jt40@combs.net"}, {"email": "jt40@combs.net"})
    assert same == "Same email address"
    assert level_label("email", {"email": "jt40@combs.net"}, {"email": "jt40@comsb.net"}) == (
        "Same user name (before the @)"
    )
    assert level_label("email", {"email": "robert255@smith.net"}, {"email": "roberta25@smith.net"}) == (
        "One or two edits"
    )
    assert level_label("email", {"email": "john.smith@mail.com"}, {"email": "jane.smith@mail.com"}) == (
        "Different email addresses"
    )


def test_a_user_name_of_initials_at_another_provider_says_nothing() -> None:
    # Two people as often as one: f.s@jharp.com was FINLEY JONES's, f.s@flynn.com FREYA SHAH's.
    short = "Same short user name (three letters or digits), says nothing"
    assert level_label("email", {"email": "f.s@jharp.com"}, {"email": "f.s@flynn.com"}) == short
    assert level_label("email", {"email": "jd@a.org"}, {"email": "jd@b.org"}) == short
    # The same address is still the same address, and four letters or digits make a user name.
    assert (
        level_label("email", {"email": "f.s@jharp.com"}, {"email": "f.s@jharp.com"}) == "Same email address"
    )
    assert level_label("email", {"email": "k.t50@a.org"}, {"email": "k.t50@b.org"}) == (
        "Same user name (before the @)"
    )
