"""The CLI surface: every command has help with an example; init and inspect work end to end."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mpi.cli import main
from mpi.config import load_config

COMMANDS = sorted(main.commands)


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command: str) -> None:
    result = CliRunner().invoke(main, [command, "--help"])
    assert result.exit_code == 0
    assert "Example: mpi" in result.output


def test_group_help_lists_commands() -> None:
    result = CliRunner().invoke(main, ["--help"])
    assert result.exit_code == 0
    for command in COMMANDS:
        assert command in result.output


SPLINK_MESSAGES = """
import logging, sys
from mpi.cli import main
main(sys.argv[1:], standalone_mode=False)
splink = logging.getLogger("splink")
splink.warning("splink-warning")
splink.info("splink-info")
splink.log(5, "splink-sql")
"""


@pytest.mark.parametrize(
    ("flags", "shown"),
    [
        ([], ()),
        (["-v"], ("splink-warning", "splink-info")),
        (["-vv"], ("splink-warning", "splink-info", "splink-sql")),
    ],
)
def test_splink_messages_show_only_when_asked(
    flags: list[str], shown: tuple[str, ...], tmp_path: Path
) -> None:
    result = subprocess.run(
        [sys.executable, "-c", SPLINK_MESSAGES, *flags, "init", str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    for message in ("splink-warning", "splink-info", "splink-sql"):
        assert (message in result.stderr) == (message in shown), result.stderr


def test_python_dash_m_runs_the_cli() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "mpi", "--help"], capture_output=True, text=True, check=False, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Usage: mpi ")
    for command in COMMANDS:
        assert command in result.stdout


def test_init_writes_config_and_refuses_to_overwrite(tmp_path: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(tmp_path)]).exit_code == 0
    assert (tmp_path / "mpi.toml").is_file()
    again = runner.invoke(main, ["init", str(tmp_path)])
    assert again.exit_code == 2
    assert (
        again.stderr
        == f"Error: {tmp_path / 'mpi.toml'} already exists. Use --force to overwrite it, or edit it.\n"
    )


def test_inspect_suggests_a_mapping(basic_project: Path) -> None:
    result = CliRunner().invoke(main, ["inspect", str(basic_project.parent / "people.csv")])
    assert result.exit_code == 0, result.output
    assert 'record_id = "ID"' in result.output
    assert 'first_name = "FNAME"' in result.output
    assert 'dob = { column = "DOB", date_format = ["%m/%d/%Y"] }' in result.output
    assert 'ssn = "SSN"' in result.output
    assert "age_range" not in result.output  # it has a date of birth
    (basic_project.parent / "wages.csv").write_text(
        "ID,FNAME,LNAME,SSN\n1,Ann,Lee,123456789\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["inspect", str(basic_project.parent / "wages.csv")])
    assert '# age_range = { min = 14, as_of = "YYYY-MM-DD" }' in result.output


def test_inspect_suggests_each_field_once_and_a_mapping_mpi_accepts(tmp_path: Path) -> None:
    # Splink's historical figures: two columns look like a last name, one like a whole name.
    (tmp_path / "people.csv").write_text(
        "unique_id,full_name,first_and_surname,first_name,surname,dob,postcode_fake,gender\n"
        "1,thomas clifford,thomas chudleigh,thomas,chudleigh,1630-08-01,tq13 8df,male\n"
        "2,tom clifford,tom chudleigh,tom,chudleigh,1630-08-01,tq13 8df,male\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "people.csv")])
    assert result.exit_code == 0, result.output
    mapping = result.output[result.output.index("[sources.people]") :]
    assert 'last_name = "surname"' in mapping and "first_and_surname" not in mapping
    assert "full_name" not in mapping  # first and last names are mapped; a source maps one or the other
    (tmp_path / "mpi.toml").write_text(
        '[project]\nname = "h"\n\n[store]\npath = "mpi.duckdb"\n\n' + mapping, encoding="utf-8"
    )
    config = load_config(tmp_path / "mpi.toml")
    assert {m.field for m in config.sources["people"].columns} >= {
        "first_name",
        "last_name",
        "dob",
        "zip",
        "sex",
    }


def test_unknown_source_is_a_usage_error(basic_project: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(basic_project), "ingest", "peeple"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f'Error: No source "peeple" (did you mean "people"?) in {basic_project}. Sources: people.\n'
    )


def test_commands_are_click_commands() -> None:
    assert all(isinstance(c, click.Command) for c in main.commands.values())


def test_dates_in_no_configured_format_get_a_hint_naming_the_fix(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text(
        "id,first,last,dob\n1,John,Smith,01/02/1980\n2,Mary,Jones,1975-05-06\n3,Ann,Lee,12/31/1990\n",
        encoding="utf-8",
    )
    (tmp_path / "mpi.toml").write_text(
        '[project]\nname = "d"\n\n[store]\npath = "mpi.duckdb"\n\n[sources.people]\npath = "people.csv"\n'
        'record_id = "id"\n\n[sources.people.columns]\nfirst_name = "first"\nlast_name = "last"\ndob = "dob"\n',
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["--config", str(tmp_path / "mpi.toml"), "ingest"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # rich wraps long lines
    assert 'people: 2 dates in column "dob" match none of the formats tried (%Y-%m-%d): mistyped' in output
    assert '[sources.people.columns] dob = { column = "dob", date_format = [' in output


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # month first, a few keyed the ISO way: both formats, the commoner first
        (("01/02/1980", "1/2/1980", "12/31/1975", "1990-05-13"), 'date_format = ["%m/%d/%Y", "%Y-%m-%d"]'),
        # a day past 12 rules month-first out (DuckDB's sniffer reads these as DATE; ingest reads text)
        (("31/12/1980", "01/02/1975", "13/05/1990"), 'date_format = ["%d/%m/%Y"]'),
        (("12-DEC-1980", "01-FEB-1975"), 'date_format = ["%d-%b-%Y"]'),
        (("1980-12-31", "1975-02-01"), 'dob = "dob"'),  # ISO is the default: nothing to add
    ],
)
def test_inspect_suggests_the_date_formats_that_read_the_dates(
    tmp_path: Path, dates: tuple[str, ...], expected: str
) -> None:
    rows = "".join(f"{i},Ann,{d}\n" for i, d in enumerate(dates, start=1))
    (tmp_path / "people.csv").write_text("id,first,dob\n" + rows, encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "people.csv")])
    assert result.exit_code == 0, result.output
    mapping = result.output[result.output.index("[sources.people]") :]
    assert expected in mapping
    (tmp_path / "mpi.toml").write_text(
        '[project]\nname = "d"\n\n[store]\npath = "mpi.duckdb"\n\n' + mapping, encoding="utf-8"
    )
    ingested = CliRunner().invoke(main, ["--config", str(tmp_path / "mpi.toml"), "ingest"])
    assert ingested.exit_code == 0, ingested.output
    assert "unparseable date" not in ingested.output  # every date read
