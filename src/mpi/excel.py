"""Read one sheet of an Excel workbook (.xlsx, .xls, .xlsb, .ods) into a DuckDB table.

DuckDB reads workbooks only through an extension it downloads at run time, which the agencies'
machines may not reach, so the sheet is read by polars (its calamine engine, the `fastexcel`
package) and handed to DuckDB as Arrow. Cells keep their Excel types, as a Parquet file's columns
do: a date cell is a DATE, a number a BIGINT or DOUBLE, so ZIP codes and SSNs stored as numbers
are padded the way a numeric column of a CSV is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import duckdb
import fastexcel
import polars as pl

from mpi.errors import InputError
from mpi.sqlutil import quote_identifier

EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")


@dataclass(frozen=True, kw_only=True)
class ExcelSheet:
    """The sheet read, and every sheet of the workbook (to say which others there were)."""

    name: str
    sheet_names: tuple[str, ...]


def read_excel_sheet(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    table: str,
    *,
    sheet: str | None,
    where: str,
    row_number_column: str | None = None,
    limit: int | None = None,
) -> ExcelSheet:
    """CREATE TEMP TABLE ``table`` from ``sheet`` (default: the first) of the workbook at ``path``.

    ``row_number_column``: a leading column counting the data rows from 1, in sheet order.
    ``where`` opens every error message (the source, or the file inspected).
    """
    try:
        sheet_names = tuple(fastexcel.read_excel(str(path)).sheet_names)
    except Exception as exc:  # fastexcel raises its own error classes, one per cause
        raise InputError(
            f"{where}: {path} is not a readable Excel workbook ({_first_line(exc)}). "
            'If it is a CSV file, set format = "csv"; if it is a workbook, save it again from Excel.'
        ) from exc
    if not sheet_names:
        raise InputError(f"{where}: the workbook {path} has no sheets. Ask the agency for a new extract.")
    name = sheet if sheet is not None else sheet_names[0]
    if name not in sheet_names:
        raise InputError(
            f'{where}: the workbook {path} has no sheet "{name}"; its sheets are '
            f"{', '.join(json.dumps(s) for s in sheet_names)}. "
            "Name one of them (sheet in mpi.toml, --sheet for mpi inspect)."
        )
    try:
        # Types from every row, not the first hundred: a column of numbers with text further
        # down (a ZIP+4, an SSN with dashes) is text, never a number with the text dropped.
        frame = pl.read_excel(path, sheet_name=name, engine="calamine", infer_schema_length=None)
    except Exception as exc:  # polars and fastexcel raise a variety of errors for a sheet they cannot read
        raise InputError(
            f'{where}: sheet "{name}" of {path} cannot be read ({_first_line(exc)}). '
            "Check that its first row is the header, or export the sheet as CSV."
        ) from exc
    if frame.width == 0:
        raise InputError(
            f'{where}: sheet "{name}" of {path} is empty. Ask the agency for a new extract, '
            "or set sheet to the one that holds the records."
        )
    if limit is not None:
        frame = frame.head(limit)
    arrow_view = f"{table}__arrow"
    con.register(arrow_view, frame.to_arrow())
    try:
        numbered = (
            f"row_number() OVER () AS {quote_identifier(row_number_column)}, " if row_number_column else ""
        )
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT {numbered}* FROM {arrow_view}")
    finally:
        con.unregister(arrow_view)
    return ExcelSheet(name=name, sheet_names=sheet_names)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
