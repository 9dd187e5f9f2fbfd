"""Bad input: each case gives one clear message naming file/column/fix, exit code 2, and leaves the store as it was."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from store_queries import ingested_tables

from mpi.cli import main


def run_ingest(config: Path) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
    return result.exit_code, result.stderr


def rewrite(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def break_missing_file(config: Path) -> str:
    (config.parent / "people.csv").unlink()
    path = config.parent / "people.csv"
    return (
        f'Source "people": file {path} does not exist. '
        "Fix path under [sources.people] in mpi.toml, or put the file there."
    )


def break_missing_column(config: Path) -> str:
    rewrite(config, 'first_name = "FNAME"', 'first_name = "FNAM"')
    path = config.parent / "people.csv"
    return (
        f'Source "people": {path}: column "FNAM" is not in the file. Did you mean "FNAME" or "LNAME"? '
        'Fix the mapping under [sources.people] in mpi.toml, or run "mpi inspect people.csv" to see its columns.'
    )


def break_missing_columns(config: Path) -> str:
    rewrite(config, 'first_name = "FNAME"', 'first_name = "FNAM"')
    rewrite(config, 'zip = "ZIP"', 'zip = "POSTCODE"')
    path = config.parent / "people.csv"
    return (
        f'Source "people": {path}: 2 mapped columns are not in the file: "FNAM" (did you mean "FNAME" or '
        '"LNAME"?) and "POSTCODE". Fix the mapping under [sources.people] in mpi.toml, or run "mpi inspect '
        'people.csv" to see its columns.'
    )


def break_empty_file(config: Path) -> str:
    path = config.parent / "people.csv"
    path.write_bytes(b"")
    return (
        f'Source "people": file {path} is empty (0 bytes). '
        "Ask the agency for a new extract, or remove the source from mpi.toml."
    )


def break_header_only(config: Path) -> str:
    path = config.parent / "people.csv"
    path.write_text("ID,FNAME,LNAME,DOB,SEX,SSN,ZIP,GRADE\n", encoding="utf-8")
    return (
        f'Source "people": file {path} has a header but no data rows. '
        "Ask the agency for a new extract, or remove the source from mpi.toml."
    )


def break_encoding(config: Path) -> str:
    path = config.parent / "people.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(text.encode("latin-1"))
    return (
        f'Source "people": {path} line 3 is not valid UTF-8. Set encoding = "latin-1" (or the file\'s real '
        'encoding, e.g. "cp1252") under [sources.people], or on_bad_rows = "reject" to reject such rows.'
    )


def break_ragged(config: Path) -> str:
    path = config.parent / "people.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[2] += ",extra,more"  # DuckDB stops counting at 9: the message counts the line's own 10
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return (
        f'Source "people": {path} line 3 has 10 fields but the header has 8. Check delimiter under '
        '[sources.people] (now ","), quote fields that contain it, or set on_bad_rows = "reject".'
    )


def break_duplicate_ids(config: Path) -> str:
    path = config.parent / "people.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines[3] = "1" + lines[3][lines[3].index(",") :]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return (
        f'Source "people": {path} column "ID" has 1 duplicated record id(s) (e.g. "1" on data rows 1, 3). '
        'Record ids must be unique in a file: fix the extract, or set on_duplicate_ids = "reject" '
        "under [sources.people] to reject those rows."
    )


def break_unknown_key(config: Path) -> str:
    rewrite(config, 'record_id = "ID"', 'record_id = "ID"\ndelimeter = ","')
    return f'{config}: 1 problem(s) in the config:\n  - [sources.people]: unknown key "delimeter". Did you mean "delimiter"?'


def break_duplicate_source(config: Path) -> str:
    text = config.read_text(encoding="utf-8")
    config.write_text(text + '\n[sources.people]\npath = "other.csv"\n', encoding="utf-8")
    return (
        f"{config}: 1 problem(s) in the config:\n"
        "  - [sources.people] is declared twice (lines 7 and 20). Give each source a unique name."
    )


def break_nested_parquet_columns(config: Path) -> str:
    """A Parquet file whose names are a struct and whose ids are lists: read as text they were mangled."""
    path = config.parent / "people.parquet"
    duckdb.execute(
        f"COPY (SELECT [ID] AS ID, {{'given': FNAME}} AS FNAME, * EXCLUDE (ID, FNAME) "
        f"FROM read_csv('{config.parent / 'people.csv'}', all_varchar = true)) TO '{path}' (FORMAT parquet)"
    )
    rewrite(config, 'path = "people.csv"', 'path = "people.parquet"')
    return (
        f'Source "people": {path}: columns "ID" (VARCHAR[]) and "FNAME" (STRUCT(given VARCHAR)) hold several '
        "values in each row, not one. Ask the agency to write each as a plain column (a struct's fields as "
        "columns of their own), and map those under [sources.people] in mpi.toml."
    )


CASES: dict[str, Callable[[Path], str]] = {
    "missing file": break_missing_file,
    "missing mapped column": break_missing_column,
    "missing mapped columns": break_missing_columns,
    "empty file": break_empty_file,
    "header only": break_header_only,
    "non-UTF-8 bytes": break_encoding,
    "ragged rows": break_ragged,
    "duplicate record ids": break_duplicate_ids,
    "unknown config key": break_unknown_key,
    "two sources with one name": break_duplicate_source,
    "nested Parquet columns": break_nested_parquet_columns,
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_refused_clearly_and_store_untouched(basic_project: Path, case: str) -> None:
    assert run_ingest(basic_project)[0] == 0
    store = basic_project.parent / "mpi.duckdb"
    before = ingested_tables(store.parent)
    expected = CASES[case](basic_project)
    exit_code, stderr = run_ingest(basic_project)
    assert exit_code == 2
    assert stderr.endswith(f"\nError: {expected}\n") or stderr == f"Error: {expected}\n"
    assert ingested_tables(store.parent) == before


def test_bad_rows_can_be_rejected_instead(basic_project: Path) -> None:
    break_ragged(basic_project)
    rewrite(basic_project, 'record_id = "ID"', 'record_id = "ID"\non_bad_rows = "reject"')
    result = CliRunner().invoke(main, ["--config", str(basic_project), "ingest"])
    assert result.exit_code == 0, result.output
    assert "6 rows read = 3 indexed + 3 rejected" in result.stdout
    con = duckdb.connect(str(basic_project.parent / "mpi.duckdb"), read_only=True)
    try:
        reasons = con.execute("SELECT row_number, reason FROM rejects ORDER BY row_number").fetchall()
        ragged = con.execute("SELECT record_id, detail FROM rejects WHERE reason = 'ragged row'").fetchall()
    finally:
        con.close()
    assert reasons == [(2, "ragged row"), (4, "missing record id"), (5, "no identifying field")]
    # the ragged row's own id and count of fields, as the agency can look them up
    (((record_id, detail),)) = ragged
    assert record_id is not None and detail == "10 field(s) where the header has 8"
    listed = CliRunner().invoke(main, ["--config", str(basic_project), "rejects"])
    assert listed.exit_code == 0 and "Rejects by source and reason" in listed.output


def test_a_load_with_nothing_rejected_says_so(tmp_path: Path) -> None:
    (tmp_path / "k12.csv").write_text("id,fn,ln\n1,Ann,Lee\n2,Bob,Kim\n", encoding="utf-8")
    (tmp_path / "mpi.toml").write_text(
        '[project]\nname = "t"\n[sources.k12]\npath = "k12.csv"\nrecord_id = "id"\n'
        '[sources.k12.columns]\nfirst_name = "fn"\nlast_name = "ln"\n',
        encoding="utf-8",
    )
    config = ["--config", str(tmp_path / "mpi.toml")]
    assert CliRunner().invoke(main, [*config, "ingest"]).exit_code == 0
    listed = CliRunner().invoke(main, [*config, "rejects"])
    assert listed.exit_code == 0
    assert listed.output.strip() == "No rejected rows in any source: every row read was indexed."


def test_duplicate_ids_can_be_rejected_instead(basic_project: Path) -> None:
    break_duplicate_ids(basic_project)
    rewrite(basic_project, 'record_id = "ID"', 'record_id = "ID"\non_duplicate_ids = "reject"')
    result = CliRunner().invoke(main, ["--config", str(basic_project), "ingest"])
    assert result.exit_code == 0, result.output
    assert (
        "duplicate record id: 2" in result.stdout.replace("\n", " ").replace("│", " ")
        or "duplicate" in result.stdout
    )


def test_a_later_source_failing_rolls_back_the_earlier_ones_and_says_so(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("id,fn,ln\n1,Ann,Lee\n2,Bob,Kim\n", encoding="utf-8")
    (tmp_path / "b.csv").write_text("id,fn,ln\n1,Ann,Lee\n1,Bob,Kim\n", encoding="utf-8")
    sources = "".join(
        f'[sources.{name}]\npath = "{name}.csv"\nrecord_id = "id"\n'
        f'[sources.{name}.columns]\nfirst_name = "fn"\nlast_name = "ln"\n'
        for name in ("a", "b")
    )
    config = tmp_path / "mpi.toml"
    config.write_text(f'[project]\nname = "t"\n{sources}', encoding="utf-8")
    exit_code, stderr = run_ingest(config)
    assert exit_code == 2
    assert "a: 2 indexed" in stderr  # the progress line that the rollback makes untrue
    assert stderr.endswith(
        'on_duplicate_ids = "reject" under [sources.b] to reject those rows.\n'
        "Nothing was ingested: a was rolled back with it, and the store is as it was.\n"
    )
    con = duckdb.connect(str(tmp_path / "mpi.duckdb"), read_only=True)
    try:
        assert con.execute("SELECT count(*) FROM records").fetchall() == [(0,)]
    finally:
        con.close()


def test_a_parquet_file_declared_csv_is_told_to_set_its_format(basic_project: Path) -> None:
    folder = basic_project.parent
    duckdb.execute(
        f"COPY (SELECT * FROM read_csv('{folder / 'people.csv'}', all_varchar = true)) "
        f"TO '{folder / 'people.dat'}' (FORMAT parquet)"
    )
    rewrite(basic_project, 'path = "people.csv"', 'path = "people.dat"\nformat = "csv"')
    exit_code, stderr = run_ingest(basic_project)
    assert exit_code == 2
    assert stderr == (
        f'Error: Source "people": {folder / "people.dat"} is a Parquet file, not a text file, so it cannot be '
        'read as CSV. Set format = "parquet" under [sources.people] in mpi.toml.\n'
    )


def test_a_wrong_delimiter_is_named_when_the_header_reads_as_one_column(basic_project: Path) -> None:
    rewrite(basic_project, 'record_id = "ID"', 'record_id = "ID"\ndelimiter = ";"')
    exit_code, stderr = run_ingest(basic_project)
    assert exit_code == 2
    assert (
        'The header reads as one column by delimiter ";", and "," splits it: set delimiter = "," under '
        "[sources.people]."
    ) in " ".join(stderr.split())
