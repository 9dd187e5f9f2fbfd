"""Read one sheet of an Excel workbook (.xlsx, .xlsm, .xls, .xlsb, .ods) into a DuckDB table.

DuckDB reads workbooks only through an extension it downloads at run time, which the agencies'
machines may not reach, so the sheet is read by polars (its calamine engine, the `fastexcel`
package) and handed to DuckDB as Arrow. Cells keep their Excel types, as a Parquet file's columns
do: a date cell is a DATE, a number a BIGINT or DOUBLE, so ZIP codes and SSNs stored as numbers
are padded the way a numeric column of a CSV is.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import duckdb
import fastexcel
import polars as pl

from mpi.errors import InputError, first_line
from mpi.sqlutil import quote_identifier
from mpi.toml_values import toml_value

# A date cell in a column that also holds text is read as text, written as a timestamp: kept as
# the date alone, which the column's other dates' format list then reads with "%Y-%m-%d".
MIDNIGHT_TIMESTAMP = r"^(\d{4}-\d{2}-\d{2}) 00:00:00$"
# fastexcel logs a warning for each column whose cells it reads as text for want of one type (every
# column of a sheet read without a header, to find it): the expected outcome here, not the user's
# to act on, and Python's last-resort handler would print each line to stderr.
logging.getLogger("fastexcel").setLevel(logging.ERROR)
# How far down a sheet inspect looks for its header, past a report's title rows.
HEADER_SEARCH_ROWS = 20


@dataclass(frozen=True, kw_only=True)
class ExcelSheet:
    """The sheet read, and every sheet of the workbook (to say which others there were)."""

    name: str
    sheet_names: tuple[str, ...]
    header_row: int | None = None


def read_excel_sheet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    *,
    sheet: str | None,
    where: str,
    header: bool = True,
    header_row: int | None = None,
    find_header: bool = False,
    row_number_column: str | None = None,
    limit: int | None = None,
) -> ExcelSheet:
    """CREATE TEMP TABLE ``table`` from ``sheet`` (default: the first visible one with data) of the workbook at ``path``.

    ``header`` False names the columns column1, column2, ... as a CSV without a header is.
    ``header_row``: the sheet's row number (from 1) holding the header, when title rows come first;
    ``find_header`` looks for it (``_header_row_of``) when none is given, and the result says it.
    ``row_number_column``: a leading column numbering the data rows from 1 in sheet order, blank
    rows counted, so a row number is the sheet's row (less the header); blank rows are left out.
    ``where`` opens every error message (the source, or the command).
    """
    try:
        workbook = fastexcel.read_excel(str(path))
    except Exception as exc:  # fastexcel raises its own error classes, one per cause
        raise InputError(
            f"{where}: {path} is not a readable Excel workbook ({first_line(exc)}). "
            'If it is a CSV file, set format = "csv"; if it is a workbook, save it again from Excel.'
        ) from exc
    sheet_names = tuple(workbook.sheet_names)
    if not sheet_names:
        raise InputError(f"{where}: the workbook {path} has no sheets. Ask the agency for a new extract.")
    name = sheet if sheet is not None else _default_sheet(workbook, sheet_names)
    if name not in sheet_names:
        raise InputError(
            f"{where}: the workbook {path} has no sheet {toml_value(name)}; its sheets are "
            f"{', '.join(toml_value(s) for s in sheet_names)}. "
            "Name one of them (sheet in mpi.toml, --sheet for mpi inspect)."
        )
    if find_header and header and header_row is None:
        header_row = _header_row_of(workbook, name)
    frame = _sheet_frame(path, name, header=header, header_row=header_row, where=where)
    if frame.width == 0 or frame.height == 0:
        others = ", ".join(toml_value(s) for s in sheet_names if s != name)
        below = f" below row {header_row} (header_row)" if header_row else ""
        fixes = [f"set sheet to the one that holds the records ({others})"] if others else []
        fixes += ["check header_row"] if header_row else []
        fix = "; ".join([*fixes, "or ask the agency for a new extract"])
        raise InputError(
            f"{where}: sheet {toml_value(name)} of {path} has no data rows{below}. {fix[0].upper()}{fix[1:]}."
        )
    if row_number_column:
        frame = frame.with_row_index(row_number_column, offset=1).with_columns(
            pl.col(row_number_column).cast(pl.Int64)
        )
    # Blank rows (spacing, a total line's gap) are no records: left out, after numbering.
    cells = [c for c in frame.columns if c != row_number_column]
    frame = frame.filter(pl.any_horizontal(pl.col(cells).is_not_null()))
    if limit is not None:
        frame = frame.head(limit)
    arrow_view = f"{table}__arrow"
    con.register(arrow_view, frame.to_arrow())
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {quote_identifier(table)} AS SELECT * FROM {arrow_view}")
    finally:
        con.unregister(arrow_view)
    return ExcelSheet(name=name, sheet_names=sheet_names, header_row=header_row)


def _header_row_of(workbook: fastexcel.ExcelReader, sheet: str) -> int:
    """The sheet's row number (from 1) that looks like the header: the first of its first rows with
    more than half as many cells filled as the fullest of them. Rows above it are a report's title
    and date (a cell or two); a header may lack a cell or two itself (pandas leaves A1 blank)."""
    frame = workbook.load_sheet(sheet, header_row=None, skip_rows=0, n_rows=HEADER_SEARCH_ROWS).to_polars()
    if frame.height == 0 or frame.width == 0:
        return 1
    filled = frame.select(pl.sum_horizontal(pl.all().is_not_null())).to_series().to_list()
    return next(i for i, n in enumerate(filled, start=1) if 2 * n > max(filled))


def _default_sheet(workbook: fastexcel.ExcelReader, sheet_names: tuple[str, ...]) -> str:
    """The first visible sheet with a data row: a hidden sheet is usually a lookup table, and a
    sheet of a title or a header alone a cover note, not the records."""
    first_shown = None
    for name in sheet_names:
        loaded = workbook.load_sheet(name, n_rows=1)  # each sheet loaded once, and none past the one
        if loaded.visible != "visible":
            continue
        if loaded.height > 0:
            return name
        first_shown = first_shown or name
    return first_shown or sheet_names[0]


def _sheet_frame(path: Path, sheet: str, *, header: bool, header_row: int | None, where: str) -> pl.DataFrame:
    try:
        # Types from every row, not the first hundred: a column of numbers with text further
        # down (a ZIP+4, an SSN with dashes) is text, never a number with the text dropped.
        # Blank rows are kept here so that rows are numbered as the sheet numbers them.
        frame = pl.read_excel(
            path,
            sheet_name=sheet,
            engine="calamine",
            has_header=header,
            infer_schema_length=None,
            drop_empty_rows=False,
            drop_empty_cols=False,
            raise_if_empty=False,
            read_options={"header_row": header_row - 1} if header_row else None,
        )
    except Exception as exc:  # polars and fastexcel raise a variety of errors for a sheet they cannot read
        raise InputError(
            f"{where}: sheet {toml_value(sheet)} of {path} cannot be read ({first_line(exc)}). "
            "Check that its first row is the header, or export the sheet as CSV."
        ) from exc
    if not header:
        frame = frame.rename({old: f"column{i}" for i, old in enumerate(frame.columns, start=1)})
    text_columns = [c for c, dtype in frame.schema.items() if dtype == pl.String]
    return frame.with_columns(pl.col(text_columns).str.replace(MIDNIGHT_TIMESTAMP, "${1}"))
