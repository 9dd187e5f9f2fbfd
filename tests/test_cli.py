"""The CLI surface: every command has help with an example; init and error reporting work end to end (inspect: test_inspect.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from mpi.cli import main, mpi_invocation

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
from mpi.cli import main, mpi_invocation
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


def test_init_names_the_sources_tables_with_their_brackets(tmp_path: Path) -> None:
    # Rich took "[sources.*]" for a style tag and printed "Edit the  tables".
    result = CliRunner().invoke(main, ["init", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Edit the [sources.*] tables to point at your agency files" in " ".join(result.output.split())


def test_text_in_square_brackets_is_printed_as_written(basic_project: Path) -> None:
    runner = CliRunner()
    config = ["--config", str(basic_project)]
    assert runner.invoke(main, [*config, "ingest"]).exit_code == 0
    made = runner.invoke(
        main,
        [*config, "override", "unlink", "people:1", "people:2", "--by", "[clerk]", "--reason", "[twins]"],
    )
    assert made.exit_code == 0, made.output
    listed = runner.invoke(main, [*config, "override", "list"])
    assert listed.exit_code == 0, listed.output
    assert "[clerk]" in listed.output and "[twins]" in listed.output


def test_unknown_source_is_a_usage_error(basic_project: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(basic_project), "ingest", "peeple"])
    assert result.exit_code == 2
    assert (
        result.stderr
        == f'Error: No source "peeple" (did you mean "people"?) in {basic_project}. Sources: people.\n'
    )


def test_a_source_named_twice_is_ingested_once(basic_project: Path) -> None:
    result = CliRunner().invoke(main, ["--config", str(basic_project), "ingest", "people", "people"])
    assert result.exit_code == 0, result.output
    assert result.output.count("people: reading") == 1


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
    assert (
        'people: 2 dates in column "dob" match none of the formats tried (%Y-%m-%d); %m/%d/%Y reads some of '
        'them. To read those too, list it in mpi.toml: [sources.people.columns] dob = { column = "dob", '
        'date_format = ["%Y-%m-%d", "%m/%d/%Y"] }; any others are mistyped dates, most likely.'
    ) in output


def test_hints_name_the_mpi_that_is_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = tmp_path / "venv" / "bin" / "mpi"
    monkeypatch.setattr("shutil.which", lambda _name: None)
    # Installed into a venv that is not on PATH: the script's own path.
    assert mpi_invocation(str(script)) == str(script)
    assert (
        mpi_invocation(str(tmp_path / "my venv" / "bin" / "mpi"))
        == f"'{tmp_path / 'my venv' / 'bin' / 'mpi'}'"
    )
    # python -m mpi: the same interpreter.
    assert mpi_invocation("/src/mpi/__main__.py") == f"{sys.executable} -m mpi"
    monkeypatch.setattr("shutil.which", lambda _name: str(script))
    assert mpi_invocation(str(script)) == "mpi"
    assert mpi_invocation("mpi") == "mpi"


def test_export_refuses_to_replace_a_file_of_the_project(basic_project: Path) -> None:
    people = basic_project.parent / "people.csv"
    kept = people.read_bytes()
    for target in (people, basic_project):
        result = CliRunner().invoke(
            main, ["--config", str(basic_project), "export", "index", "--out", str(target)]
        )
        assert result.exit_code == 2 and "would overwrite" in result.output, result.output
    assert people.read_bytes() == kept


def test_export_replaces_an_earlier_export_but_not_a_truth_file(basic_project: Path) -> None:
    config = ["--config", str(basic_project)]
    assert CliRunner().invoke(main, [*config, "ingest"]).exit_code == 0
    assert CliRunner().invoke(main, [*config, "link"]).exit_code == 0
    for name in ("index.csv", "index.parquet"):
        out = basic_project.parent / name
        for _ in range(2):  # the second run replaces the first's export
            assert CliRunner().invoke(main, [*config, "export", "index", "--out", str(out)]).exit_code == 0
    truth = basic_project.parent / "truth.csv"
    kept = "source,record_id,person_id\npeople,1,P00000001\n"
    truth.write_text(kept, encoding="utf-8")
    refused = CliRunner().invoke(main, [*config, "export", "index", "--out", str(truth)])
    assert refused.exit_code == 2
    assert " ".join(refused.stderr.split()) == (
        f"Error: --out {truth} exists and is not an earlier export of the index (a truth file?), so it was left "
        "as it is. Write it elsewhere, or add --force to replace it."
    )
    assert truth.read_text(encoding="utf-8") == kept
    notes = basic_project.parent / "notes.csv"
    notes.write_text("who,what\nA,B\n", encoding="utf-8")
    refused = CliRunner().invoke(main, [*config, "export", "index", "--out", str(notes)])
    assert refused.exit_code == 2 and "is not an earlier export of the index" in " ".join(
        refused.stderr.split()
    )
    forced = CliRunner().invoke(main, [*config, "export", "index", "--out", str(truth), "--force"])
    assert forced.exit_code == 0 and truth.read_text(encoding="utf-8") != kept


def test_export_between_an_ingest_and_the_next_link_warns_the_index_is_behind(basic_project: Path) -> None:
    config = ["--config", str(basic_project)]
    assert CliRunner().invoke(main, [*config, "ingest"]).exit_code == 0
    assert CliRunner().invoke(main, [*config, "link"]).exit_code == 0
    out = basic_project.parent / "index.csv"
    exported = CliRunner().invoke(main, [*config, "export", "index", "--out", str(out)])
    assert exported.exit_code == 0 and "warning" not in exported.output
    people = basic_project.parent / "people.csv"
    people.write_text(
        people.read_text(encoding="utf-8") + "7,Ada,Byron,12/10/1815,2,,06511,11\n", encoding="utf-8"
    )
    assert CliRunner().invoke(main, [*config, "ingest"]).exit_code == 0
    behind = CliRunner().invoke(main, [*config, "export", "index", "--out", str(out)])
    assert behind.exit_code == 0
    assert (
        "warning: The index is the last link's: 1 record(s) ingested since are not in it and 0 in it are no longer "
        "in the store. Run mpi link, then export again." in " ".join(behind.output.split())
    )


def test_errors_of_the_machine_are_told_without_a_traceback() -> None:
    import duckdb
    from splink.internals.exceptions import SplinkException

    from mpi.errors import EXIT_INTERRUPTED, EXIT_USAGE, INTERRUPTED_MESSAGE, environment_error

    def wrapped_by_splink(error: Exception) -> Exception:
        try:
            try:
                raise error
            except Exception as cause:
                raise SplinkException("Error executing the following sql") from cause
        except SplinkException as exc:
            return exc

    memory = wrapped_by_splink(duckdb.OutOfMemoryException("Out of Memory Error: failed to pin block"))
    message, exit_code = environment_error(memory) or ("", 0)
    assert "Raise memory_limit under [store] in mpi.toml" in message and exit_code == EXIT_USAGE
    interrupted = (INTERRUPTED_MESSAGE, EXIT_INTERRUPTED)
    assert environment_error(wrapped_by_splink(duckdb.InterruptException("x"))) == interrupted
    assert environment_error(wrapped_by_splink(RuntimeError("Query interrupted"))) == interrupted
    assert environment_error(wrapped_by_splink(ValueError("a bug"))) is None
