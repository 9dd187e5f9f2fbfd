"""Terminal tables for the CLI's listings (runs, history, overrides): light to import, nothing cut short."""

from __future__ import annotations

from rich.table import Table


def folding_table(title: str, columns: tuple[str, ...], *, numbers: tuple[str, ...] = ()) -> Table:
    """A table whose cells break across lines where the terminal is narrow, never cut short.

    Rich ends a cell that does not fit with an ellipsis; a record key (hhs:6540...) or a count
    cut that way is unreadable, and keys are what an analyst copies into the next command.
    """
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in numbers else "left", overflow="fold")
    return table
