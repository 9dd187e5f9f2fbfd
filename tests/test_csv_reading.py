"""CSV files as agencies export them (old Mac line endings, Windows-1252, odd headers): `mpi inspect`
profiles them and `mpi ingest` reads them the same way, or both say what to set."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from store_queries import store_rows

from mpi.cli import main


def inspect_output(file: Path, *options: str) -> str:
    """What `mpi inspect FILE` printed; it must succeed."""
    result = CliRunner().invoke(main, ["inspect", str(file), *options])
    assert result.exit_code == 0, result.output
    return result.output


def suggested_mapping(file: Path, *options: str) -> str:
    """The [sources] tables `mpi inspect FILE` suggests."""
    output = inspect_output(file, *options)
    return output[output.index("[sources.") :]


def write_config(directory: Path, mapping: str) -> Path:
    config = directory / "mpi.toml"
    config.write_text('[project]\nname = "t"\n\n[store]\npath = "mpi.duckdb"\n\n' + mapping, encoding="utf-8")
    return config


def run_ingest(config: Path) -> tuple[int, str]:
    """`mpi ingest`'s exit code and what it printed, on one line (rich wraps long lines)."""
    result = CliRunner().invoke(main, ["--config", str(config), "ingest"])
    return result.exit_code, " ".join(result.output.split())


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
    config = write_config(
        tmp_path,
        '[sources.clients]\npath = "clients.csv"\nencoding = "cp1252"\nrecord_id = "ID"\n'
        '[sources.clients.columns]\nfirst_name = "FIRST_NAME"\nlast_name = "LAST_NAME"\n',
    )
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
    config = write_config(
        tmp_path,
        '[sources.clients]\npath = "clients.csv"\nencoding = "latin-1"\nrecord_id = "ID"\n'
        '[sources.clients.columns]\nfirst_name = "FIRST_NAME"\nlast_name = "LAST_NAME"\n',
    )
    exit_code, output = run_ingest(config)
    assert exit_code == 0, output
    assert names_indexed(tmp_path) == [("1", "JOSE", "OBRIEN"), ("2", "ZOE", "LEE")]


def test_a_utf_8_source_with_windows_bytes_is_told_the_line_and_to_set_cp1252(tmp_path: Path) -> None:
    (tmp_path / "clients.csv").write_bytes(WINDOWS_CLIENTS)
    config = write_config(
        tmp_path,
        '[sources.clients]\npath = "clients.csv"\nrecord_id = "ID"\n'
        '[sources.clients.columns]\nfirst_name = "FIRST_NAME"\nlast_name = "LAST_NAME"\n',
    )
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
