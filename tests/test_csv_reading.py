"""CSV files as agencies export them (old Mac line endings, Windows-1252, odd headers): `mpi inspect`
profiles them and `mpi ingest` reads them the same way, or both say what to set."""

from __future__ import annotations

from pathlib import Path

import duckdb
from cli_runs import inspect_output, run_ingest, suggested_mapping, write_config
from click.testing import CliRunner
from store_queries import store_rows

from mpi.cli import main
from mpi.config import load_config
from mpi.inspect import inspect_file
from mpi.reader import read_source_file


def clients_config(directory: Path, options: str = "") -> Path:
    """A project reading clients.csv's ID, FIRST_NAME and LAST_NAME, with these source options."""
    return write_config(
        directory,
        f'[sources.clients]\npath = "clients.csv"\nrecord_id = "ID"\n{options}'
        '[sources.clients.columns]\nfirst_name = "FIRST_NAME"\nlast_name = "LAST_NAME"\n',
    )


def names_indexed(directory: Path) -> list[tuple[object, ...]]:
    return store_rows(directory, "SELECT record_id, first_name, last_name FROM records ORDER BY record_id")


def test_a_file_with_old_mac_line_endings_is_profiled_and_ingested(tmp_path: Path) -> None:
    """Excel's "CSV (Macintosh)" ends each line in CR alone."""
    (tmp_path / "clients.csv").write_bytes(
        b"ID,FIRST_NAME,LAST_NAME,DOB\r1,Ann,Lee,1980-01-02\r2,Bob,Ray,1981-02-03\r"
    )
    mapping = suggested_mapping(tmp_path / "clients.csv")
    assert 'record_id = "ID"' in mapping and 'last_name = "LAST_NAME"' in mapping
    exit_code, output = run_ingest(write_config(tmp_path, mapping))
    assert exit_code == 0, output
    assert "2 rows read = 2 indexed + 0 rejected" in output
    assert names_indexed(tmp_path) == [("1", "ANN", "LEE"), ("2", "BOB", "RAY")]


def test_a_windows_1252_file_with_old_mac_line_endings_is_read_line_by_line(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(
        "ID,FIRST_NAME,LAST_NAME\r1,José,Lee\r2,Zoë,Ray\r".encode("cp1252")
    )
    config = clients_config(tmp_path, 'encoding = "cp1252"\n')
    exit_code, output = run_ingest(config)
    assert exit_code == 0, output
    assert names_indexed(tmp_path) == [("1", "JOSE", "LEE"), ("2", "ZOE", "RAY")]


# Windows-1252: byte 0x92 is the apostrophe of O’Brien (in Latin-1, a control character)
WINDOWS_CLIENTS = "ID,FIRST_NAME,LAST_NAME\r\n1,José,O’Brien\r\n2,Zoë,Lee\r\n".encode("cp1252")


def test_inspect_reads_windows_1252_without_options_and_suggests_it(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(WINDOWS_CLIENTS)
    output = inspect_output(tmp_path / "clients.csv")
    assert "O’Brien" in output
    mapping = output[output.index("[sources.") :]
    assert 'path = "clients.csv"\nencoding = "cp1252"\nrecord_id = "ID"' in mapping
    exit_code, ingested = run_ingest(write_config(tmp_path, mapping))
    assert exit_code == 0, ingested
    assert names_indexed(tmp_path) == [("1", "JOSE", "OBRIEN"), ("2", "ZOE", "LEE")]


def test_init_reads_a_windows_1252_file_without_options(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(WINDOWS_CLIENTS)
    result = CliRunner().invoke(
        main, ["init", str(tmp_path / "project"), "--from", str(tmp_path / "clients.csv")]
    )
    assert result.exit_code == 0, result.output
    assert 'encoding = "cp1252"' in (tmp_path / "project" / "mpi.toml").read_text(encoding="utf-8")
    exit_code, ingested = run_ingest(tmp_path / "project" / "mpi.toml")
    assert exit_code == 0, ingested


def test_a_source_called_latin_1_reads_windows_bytes_as_windows_1252(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(WINDOWS_CLIENTS)
    config = clients_config(tmp_path, 'encoding = "latin-1"\n')
    exit_code, output = run_ingest(config)
    assert exit_code == 0, output
    assert names_indexed(tmp_path) == [("1", "JOSE", "OBRIEN"), ("2", "ZOE", "LEE")]


def test_a_utf_8_source_with_windows_bytes_is_told_the_line_and_to_set_cp1252(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(WINDOWS_CLIENTS)
    config = clients_config(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f'Error: Source "clients": {tmp_path / "clients.csv"} line 2 is not valid UTF-8. '
        'Set encoding = "cp1252" (or the file\'s real encoding, e.g. "latin-1") under [sources.clients], '
        'or on_bad_rows = "reject" to reject such rows.\n'
    )


def test_init_names_only_options_that_exist(tmp_path: Path) -> None:
    """mpi init has no --encoding: an encoding it cannot find is set by running mpi inspect with one."""
    path = tmp_path / "u32.csv"
    path.write_bytes("ID,FN\n1,Ann\n".encode("utf-32"))
    result = CliRunner().invoke(main, ["init", str(tmp_path / "project"), "--from", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: File {path} has NUL bytes in its first line: it is not utf-8 text. "
        f"Try mpi inspect {path} --encoding with the file's encoding (utf-16, cp1252, ...).\n"
    )


def columns_read(config: Path, source: str) -> tuple[str, ...]:
    """The columns ingest reads from a source's file."""
    with duckdb.connect() as con:
        return read_source_file(con, load_config(config).sources[source]).columns


def test_an_empty_column_left_by_a_delimiter_ending_every_line_is_left_out(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text(
        "ID,FIRST_NAME,LAST_NAME,\n1,Ann,Lee,\n2,Bob,Ray,\n", encoding="utf-8"
    )
    profile = inspect_file(tmp_path / "clients.csv")
    assert [c.name for c in profile.columns] == ["ID", "FIRST_NAME", "LAST_NAME"] and not profile.warnings
    config = write_config(tmp_path, suggested_mapping(tmp_path / "clients.csv"))
    assert columns_read(config, "clients") == ("ID", "FIRST_NAME", "LAST_NAME")
    exit_code, output = run_ingest(config)
    assert exit_code == 0, output
    # filled on one line, it is a column like any other, named by its place as in a file without a header
    (tmp_path / "clients.csv").write_text(
        "ID,FIRST_NAME,LAST_NAME,\n1,Ann,Lee,\n2,Bob,Ray,x\n", encoding="utf-8"
    )
    assert [c.name for c in inspect_file(tmp_path / "clients.csv").columns][-1] == "column4"
    assert columns_read(config, "clients") == ("ID", "FIRST_NAME", "LAST_NAME", "column4")


def test_blank_and_repeated_header_names_are_read_by_the_same_names_in_inspect_and_ingest(
    tmp_path: Path,
) -> None:
    (tmp_path / "clients.csv").write_text(
        "ID,FIRST_NAME,LAST_NAME,,LAST_NAME,DOB,dob\n1,Ann,Lee,x,Lee,1980-01-02,01/02/1980\n"
        "2,Bob,Ray,y,Ray,1981-03-04,03/04/1981\n",
        encoding="utf-8",
    )
    profile = inspect_file(tmp_path / "clients.csv")
    names = ("ID", "FIRST_NAME", "LAST_NAME", "column4", "LAST_NAME_2", "DOB", "dob_2")
    assert tuple(c.name for c in profile.columns) == names
    assert profile.warnings == (
        "In the header of clients.csv, column 4 has no name, column 5 repeats LAST_NAME and column 7 (dob) "
        "repeats DOB, as names are read regardless of case: mpi reads them as column4, LAST_NAME_2 and dob_2.",
    )
    config = write_config(
        tmp_path,
        '[sources.clients]\npath = "clients.csv"\nrecord_id = "ID"\nattributes = ["column4", "LAST_NAME_2"]\n'
        '[sources.clients.columns]\nfirst_name = "FIRST_NAME"\nlast_name = "LAST_NAME"\n'
        'dob = { column = "dob_2", date_format = "%m/%d/%Y" }\n',
    )
    assert columns_read(config, "clients") == names
    exit_code, output = run_ingest(config)
    assert exit_code == 0, output
    assert store_rows(tmp_path, "SELECT record_id, CAST(dob AS VARCHAR) FROM records ORDER BY 1") == [
        ("1", "1980-01-02"),
        ("2", "1981-03-04"),
    ]


def test_a_blank_first_line_is_read_with_the_header_row_inspect_suggests_and_ingest_names(
    tmp_path: Path,
) -> None:
    (tmp_path / "clients.csv").write_text("\nID,FIRST_NAME,LAST_NAME\n1,Ann,Lee\n", encoding="utf-8")
    mapping = suggested_mapping(tmp_path / "clients.csv")
    assert 'header_row = 2   # the rows above it are a title, or blank\nrecord_id = "ID"' in mapping
    config = write_config(tmp_path, mapping.replace("header_row = 2", ""))
    result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
    assert result.exit_code == 2
    assert result.stderr.endswith(
        f'Error: Source "clients": the first line of {tmp_path / "clients.csv"} is blank. The header looks to be '
        "line 2, below a blank line: set header_row = 2 under [sources.clients].\n"
    )
    exit_code, output = run_ingest(write_config(tmp_path, mapping))
    assert exit_code == 0, output
    assert names_indexed(tmp_path) == [("1", "ANN", "LEE")]


def test_a_csv_file_named_like_a_workbook_is_profiled_as_csv_and_mapped_with_its_format(
    tmp_path: Path,
) -> None:
    (tmp_path / "clients.xls").write_text(
        "CLIENT_ID,FIRST_NAME,LAST_NAME\n1,Ann,Lee\n2,Bob,Ray\n", encoding="utf-8"
    )
    output = inspect_output(tmp_path / "clients.xls")
    assert (
        'warning: clients.xls is not an Excel workbook but text: profiled as CSV, and mapped with format = "csv".'
        in (output)
    )
    mapping = output[output.index("[sources.") :]
    assert 'path = "clients.xls"\nformat = "csv"\nrecord_id = "CLIENT_ID"' in mapping
    exit_code, ingested = run_ingest(write_config(tmp_path, mapping))
    assert exit_code == 0, ingested
    assert names_indexed(tmp_path) == [("1", "ANN", "LEE"), ("2", "BOB", "RAY")]


def test_a_web_page_named_like_a_workbook_is_told_apart(tmp_path: Path) -> None:
    path = tmp_path / "clients.xls"
    path.write_text("<html><body><table><tr><td>ID</td></tr></table></body></html>", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(path)])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: File {path} is a web page (HTML) named like a workbook, as some programs export for Excel: "
        "open it in Excel, save it as .xlsx or CSV, and inspect that.\n"
    )


def test_the_progress_line_counts_the_rows_read_as_the_reconciliation_does(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text(
        "ID,FIRST_NAME,LAST_NAME\n1,Ann,Lee\n2,Bob,Ray,x\n3,Cy,Fox\n", encoding="utf-8"
    )
    config = clients_config(tmp_path, 'on_bad_rows = "reject"\n')
    result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
    assert result.exit_code == 0, result.output
    assert "clients: 3 rows read (1 unreadable, rejected); mapping and standardizing\n" in result.stderr
    assert "Total: 3 rows read = 2 indexed + 1 rejected" in result.stdout


def test_lines_in_utf_8_inside_a_windows_1252_file_are_read_as_utf_8(tmp_path: Path) -> None:
    """Two programs wrote one extract: JOSÉ in UTF-8, O’Brien in Windows-1252."""
    (tmp_path / "clients.csv").write_bytes(
        b"ID,FIRST_NAME,LAST_NAME\n" + "1,José,García\n".encode() + "2,Sean,O’Brien\n".encode("cp1252")
    )
    exit_code, output = run_ingest(clients_config(tmp_path, 'encoding = "cp1252"\n'))
    assert exit_code == 0, output
    assert names_indexed(tmp_path) == [("1", "JOSE", "GARCIA"), ("2", "SEAN", "OBRIEN")]


UNCLOSED_QUOTE = 'ID,FIRST_NAME,LAST_NAME\n1,Ann,Lee\n2,Bob,"Ray\n3,Cy,Fox\n4,Di,Orr\n5,Ed,"Hu"\n'


def test_a_quote_never_closed_is_refused_even_with_rejects_on_and_the_store_is_left_alone(
    tmp_path: Path,
) -> None:
    """DuckDB reads every line after an unclosed quote as one value: rejecting that "row" lost the rest."""
    (tmp_path / "clients.csv").write_text("ID,FIRST_NAME,LAST_NAME\n1,Ann,Lee\n", encoding="utf-8")
    config = clients_config(tmp_path, 'on_bad_rows = "reject"\n')
    assert CliRunner().invoke(main, ["--config", str(config), "ingest"]).exit_code == 0
    (tmp_path / "clients.csv").write_text(UNCLOSED_QUOTE, encoding="utf-8")
    for options in ('on_bad_rows = "reject"\n', ""):
        config = clients_config(tmp_path, options)
        result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
        assert result.exit_code == 2, result.output
        message = " ".join(result.stderr.split())
        assert f'Source "clients": {tmp_path / "clients.csv"} line 3 opens a quoted value' in message
        assert "(the 4 lines from there were read as one value)" in message
        assert 'write a quote inside a value twice ("")' in message
        assert "Ray" not in message and "Fox" not in message  # the rows' text stays out of the message
    assert names_indexed(tmp_path) == [("1", "ANN", "LEE")]


def test_a_quote_closed_too_early_is_one_bad_row_named_without_its_text(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text(
        'ID,FIRST_NAME,LAST_NAME\n1,Ann,"Lee" Jr\n2,Bob,Ray\n', encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["--config", str(clients_config(tmp_path)), "ingest"])
    assert result.exit_code == 2
    message = " ".join(result.stderr.split())
    assert "line 2 has text after a quoted value's closing quote" in message and "Lee" not in message
    rejected = CliRunner().invoke(
        main, ["--config", str(clients_config(tmp_path, 'on_bad_rows = "reject"\n')), "ingest"]
    )
    assert rejected.exit_code == 0, rejected.output
    assert "Total: 2 rows read = 1 indexed + 1 rejected" in rejected.stdout


def test_a_line_too_long_to_read_is_told_as_such(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_text(
        "ID,FIRST_NAME,LAST_NAME\n1,Ann," + "L" * 2_100_000 + "\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["--config", str(clients_config(tmp_path)), "ingest"])
    assert result.exit_code == 2
    assert "Maximum line size of 2000000 bytes exceeded" in " ".join(result.stderr.split())


def test_age_range_dates_no_format_reads_are_counted_with_the_format_that_reads_them(tmp_path: Path) -> None:
    """A wrong as_of_format left every row without the source's age range, and ingest said nothing."""
    (tmp_path / "clients.csv").write_text(
        "ID,FIRST_NAME,LAST_NAME,SEEN\n1,Ann,Lee,03/31/2023\n2,Bob,Ray,06/30/2023\n3,Cy,Fox,\n",
        encoding="utf-8",
    )
    options = 'age_range = {{ min = 14, as_of_column = "SEEN", as_of_format = "{}" }}\n'
    result = CliRunner().invoke(
        main, ["--config", str(clients_config(tmp_path, options.format("%Y-%m-%d"))), "ingest"]
    )
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (
        "clients: 2 rows' as_of_column \"SEEN\" holds a date none of age_range's formats read (%Y-%m-%d), so the "
        'source\'s age range rules no one out there; set as_of_format = "%m/%d/%Y" in age_range.' in said
    )
    result = CliRunner().invoke(
        main, ["--config", str(clients_config(tmp_path, options.format("%m/%d/%Y"))), "ingest"]
    )
    assert result.exit_code == 0 and "as_of_column" not in result.output
    assert store_rows(tmp_path, "SELECT count(source_birth_year_max) FROM records") == [(2,)]
