"""The CLI's listings break a long record key or count across lines, never cut it short."""

from __future__ import annotations

from rich.console import Console

from mpi.cli_tables import folding_table

KEY = "wages:183784920017"


def rendered(width: int) -> str:
    table = folding_table("Overrides", ("id", "record a", "record b", "reason"), numbers=("id",))
    table.add_row("12", KEY, "k12:0000000001234", "same person, verified by phone with the agency")
    console = Console(width=width, record=True, color_system=None)
    console.print(table)
    return console.export_text()


def test_a_narrow_terminal_folds_keys_rather_than_cutting_them() -> None:
    for width in (40, 60, 100):
        text = rendered(width)
        assert "…" not in text
        cells = "".join(line.split("│")[2].strip() for line in text.splitlines() if line.count("│") == 5)
        assert KEY in cells
