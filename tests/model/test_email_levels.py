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
