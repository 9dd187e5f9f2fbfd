"""Excel workbooks as sources: inspect and init suggest a mapping, ingest reads the sheet with its cell types."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner
from store_queries import store_rows

from mpi.cli import main
from mpi.config import load_config
from mpi.errors import ConfigError, InputError
from mpi.ingest import ingest_sources

HEADER = ["ClientID", "FirstName", "LastName", "DOB", "Zip", "SSN"]
# Date cells, numbers that lost their leading zeros, and past the hundredth row a ZIP+4 and a date
# typed as text: those columns are read as text, not as numbers or dates with that cell dropped.
CLIENTS = [
    ["A1", "Ann", "Lee", dt.date(1980, 1, 2), 6103, 12345678],
    ["A2", "Bo", "Ng", dt.date(1975, 5, 6), 2119, None],
    *[[f"B{i:03}", "Di", "Ray", None, 90210, None] for i in range(120)],
    ["C1", "Cy", "Oh", "03/04/1990", "06103-1234", 23456789],
]


def write_workbook(path: Path) -> Path:
    """A workbook whose first sheet is a note and whose second holds the clients."""
    with xlsxwriter.Workbook(path) as workbook:
        workbook.add_worksheet("About").write_row(0, 0, ["extract of 2024-09-01"])
        sheet = workbook.add_worksheet("Clients")
        date_cell = workbook.add_format({"num_format": "mm/dd/yyyy"})
        sheet.write_row(0, 0, HEADER)
        for row, values in enumerate(CLIENTS, start=1):
            for column, value in enumerate(values):
                if isinstance(value, dt.date):
                    sheet.write_datetime(row, column, value, date_cell)
                elif value is not None:
                    sheet.write(row, column, value)
    return path


def test_init_from_a_workbook_maps_the_sheet_it_names_and_ingest_reads_its_cell_types(tmp_path: Path) -> None:
    workbook = write_workbook(tmp_path / "clients.xlsx")
    inspected = CliRunner().invoke(main, ["inspect", str(workbook), "--sheet", "Clients"])
    assert inspected.exit_code == 0, inspected.output
    assert 'sheet = "Clients"' in inspected.output
    assert 'other sheets too ("About")' in inspected.output

    project = tmp_path / "project"
    init = CliRunner().invoke(main, ["init", str(project), "--from", str(workbook)])
    assert init.exit_code == 0, init.output
    config_path = project / "mpi.toml"
    # the first sheet holds a note and no data rows: init maps the clients and names the sheet
    text = config_path.read_text(encoding="utf-8")
    assert 'sheet = "Clients"' in text and 'record_id = "ClientID"' in text
    # the date cells read as YYYY-MM-DD beside the typed-in date
    assert 'dob = { column = "DOB", date_format = ["%Y-%m-%d", "%m/%d/%Y"] }' in text
    (source,) = ingest_sources(load_config(config_path)).sources
    assert (source.rows_read, source.rows_indexed) == (len(CLIENTS), len(CLIENTS))
    rows = store_rows(
        project,
        "SELECT record_id, first_name, dob, zip, ssn FROM records WHERE record_id NOT LIKE 'B%' ORDER BY 1",
    )
    assert rows == [
        ("A1", "ANN", dt.date(1980, 1, 2), "06103", "012345678"),
        ("A2", "BO", dt.date(1975, 5, 6), "02119", None),
        ("C1", "CY", dt.date(1990, 3, 4), "06103", "023456789"),
    ]


def assert_refused_for_a_csv(tmp_path: Path, option: str, message: str) -> None:
    """An Excel-only source option on a CSV source is a config error saying so."""
    (tmp_path / "clients.csv").write_text("ClientID,FirstName,LastName\nA1,Ann,Lee\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=message):
        load_config(source_config(tmp_path, "clients.csv", option + "\n"))


def source_config(tmp_path: Path, path: str, extra: str = "") -> Path:
    config = tmp_path / "mpi.toml"
    config.write_text(
        '[project]\nname = "t"\n[store]\npath = "mpi.duckdb"\n'
        f'[sources.clients]\npath = "{path}"\nrecord_id = "ClientID"\n{extra}'
        '[sources.clients.columns]\nfirst_name = "FirstName"\nlast_name = "LastName"\n',
        encoding="utf-8",
    )
    return config


def test_a_missing_sheet_or_a_file_that_is_no_workbook_is_refused_with_the_fix(tmp_path: Path) -> None:
    write_workbook(tmp_path / "clients.xlsx")
    with pytest.raises(
        InputError, match=r'sheet "About" of .* has no data rows\. Set sheet to the one .*\("Clients"\)'
    ):
        ingest_sources(load_config(source_config(tmp_path, "clients.xlsx", 'sheet = "About"\n')))
    with pytest.raises(
        InputError, match=r'has no sheet "Intake"; its sheets are "About", "Clients"\. Name one'
    ):
        ingest_sources(load_config(source_config(tmp_path, "clients.xlsx", 'sheet = "Intake"\n')))
    (tmp_path / "renamed.xlsx").write_text("ClientID,FirstName,LastName\nA1,Ann,Lee\n", encoding="utf-8")
    with pytest.raises(
        InputError, match=r'renamed\.xlsx is not a readable Excel workbook .*set format = "csv"'
    ):
        ingest_sources(load_config(source_config(tmp_path, "renamed.xlsx")))
    assert_refused_for_a_csv(tmp_path, 'sheet = "Clients"', "sheet names the sheet of an Excel workbook")


def test_a_report_title_above_the_header_is_found_by_inspect_and_skipped_by_ingest(tmp_path: Path) -> None:
    with xlsxwriter.Workbook(tmp_path / "report.xlsx") as workbook:
        sheet = workbook.add_worksheet("Report")
        sheet.write(0, 0, "Client extract, September 2024")
        sheet.write_row(2, 0, ["ClientID", "FirstName", "LastName"])
        sheet.write_row(3, 0, ["A1", "Ann", "Lee"])
        sheet.write_row(5, 0, ["A2", "Bo"])  # a blank row above it, and no last name
    mapping = CliRunner().invoke(main, ["inspect", str(tmp_path / "report.xlsx")]).output
    assert "header_row = 3" in mapping and 'record_id = "ClientID"' in mapping
    config = source_config(tmp_path, "report.xlsx", "header_row = 3\n")
    (source,) = ingest_sources(load_config(config)).sources
    assert (source.rows_read, source.rows_indexed) == (2, 2)
    assert store_rows(tmp_path, "SELECT record_id, last_name FROM records ORDER BY 1") == [
        ("A1", "LEE"),
        ("A2", None),
    ]
    (tmp_path / "clients.parquet").write_bytes(b"")
    with pytest.raises(ConfigError, match="header_row is the row .* remove it for a parquet file"):
        load_config(source_config(tmp_path, "clients.parquet", "header_row = 2\n"))


def test_the_header_is_found_below_a_blank_row_and_kept_when_it_lacks_a_cell(tmp_path: Path) -> None:
    with xlsxwriter.Workbook(tmp_path / "late.xlsx") as workbook:
        sheet = workbook.add_worksheet("Report")
        sheet.write(1, 0, "Client extract")  # row 1 blank, the title in row 2
        sheet.write_row(3, 0, ["ClientID", "FirstName", "LastName"])
        sheet.write_row(4, 0, ["A1", "Ann", "Lee"])
    assert "header_row = 4" in CliRunner().invoke(main, ["inspect", str(tmp_path / "late.xlsx")]).output
    # as pandas writes a frame with its index: A1 blank above the index column
    with xlsxwriter.Workbook(tmp_path / "indexed.xlsx") as workbook:
        sheet = workbook.add_worksheet("Sheet1")
        sheet.write_row(0, 1, ["ClientID", "FirstName", "LastName"])
        for row in range(1, 4):
            sheet.write_row(row, 0, [row - 1, f"A{row}", "Ann", "Lee"])
    mapping = CliRunner().invoke(main, ["inspect", str(tmp_path / "indexed.xlsx")]).output
    assert "header_row" not in mapping and 'record_id = "ClientID"' in mapping
