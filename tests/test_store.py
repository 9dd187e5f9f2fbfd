"""The store: migrations are versioned, and a stage that fails leaves every table as it was."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mpi import standardize
from mpi.cli import main
from mpi.config import load_config
from mpi.ingest import ingest_sources
from mpi.store import SCHEMA_VERSION, open_store, spill_directory


def test_new_store_is_migrated_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.duckdb", create=True)
    store.close()
    store = open_store(tmp_path / "s.duckdb")
    try:
        rows = store.con.execute("SELECT version FROM mpi_schema_version ORDER BY version").fetchall()
        assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        assert store.table_exists("records") and store.table_exists("loads")
    finally:
        store.close()


def test_records_from_before_version_5_get_their_formal_names(basic_project: Path) -> None:
    ingest_sources(load_config(basic_project))
    store_path = basic_project.parent / "mpi.duckdb"
    con = duckdb.connect(str(store_path))
    ingested = con.execute(
        "SELECT record_id, first_name_std, first_name_formals FROM records ORDER BY record_id"
    ).fetchall()
    # Take the store back to version 4, as an older mpi left it.
    for column in (
        "first_name_formals",
        "tok_first_name_formals",
        "source_birth_year_min",
        "source_birth_year_max",
    ):
        con.execute(f"ALTER TABLE records DROP COLUMN {column}")
    # Version 7 derives the nickname-canonical name again from today's nickname table.
    con.execute("UPDATE records SET first_name_std = first_name")
    con.execute("DELETE FROM mpi_schema_version WHERE version >= 5")
    con.close()

    store = open_store(store_path)
    try:
        migrated = store.con.execute(
            "SELECT record_id, first_name_std, first_name_formals FROM records ORDER BY record_id"
        ).fetchall()
        # Version 6 added the age-range birth years: empty until the source is ingested again.
        assert store.con.execute("SELECT count(source_birth_year_max) FROM records").fetchall() == [(0,)]
    finally:
        store.close()
    assert migrated == ingested
    assert any(formals is not None and len(formals) > 1 for _, _, formals in migrated)  # a nickname (BILL)
    assert ("1", "WILLIAM") in {(record_id, std) for record_id, std, _ in migrated}


def test_failure_midway_leaves_store_unchanged(basic_project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = load_config(basic_project)
    ingest_sources(config)
    store_path = basic_project.parent / "mpi.duckdb"
    con = duckdb.connect(str(store_path), read_only=True)
    before = con.execute("SELECT * FROM records ORDER BY record_id").fetchall()
    loads_before = con.execute("SELECT * FROM loads").fetchall()
    con.close()

    def explode(_con: duckdb.DuckDBPyConnection) -> None:
        raise RuntimeError("injected failure after standardization")

    monkeypatch.setattr(standardize, "build_name_lookups", explode)
    with pytest.raises(RuntimeError, match="injected failure"):
        ingest_sources(config)
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        assert con.execute("SELECT * FROM records ORDER BY record_id").fetchall() == before
        assert con.execute("SELECT * FROM loads").fetchall() == loads_before
    finally:
        con.close()


def test_spill_files_of_a_killed_run_are_removed_on_open(tmp_path: Path) -> None:
    store_path = tmp_path / "s.duckdb"
    open_store(store_path, create=True).close()
    leftover = spill_directory(store_path) / "duckdb_temp_block-1.block"
    leftover.parent.mkdir()
    leftover.write_bytes(b"x" * 1024)
    open_store(store_path, read_only=True).close()
    assert leftover.exists()  # a reader may share the store with a running writer
    open_store(store_path).close()
    assert not spill_directory(store_path).exists()


def test_the_stages_after_ingest_refuse_a_missing_store_and_create_none(tmp_path: Path) -> None:
    (tmp_path / "mpi.toml").write_text(
        '[project]\nname = "t"\n[sources.a]\npath = "a.csv"\nrecord_id = "id"\n[sources.a.columns]\nfirst_name = "fn"\n',
        encoding="utf-8",
    )
    config = ["--config", str(tmp_path / "mpi.toml")]
    for command in (["link"], ["train"], ["override", "link", "a:1", "a:2", "--by", "me", "--reason", "x"]):
        result = CliRunner().invoke(main, [*config, *command])
        assert result.exit_code == 2, command
        assert f'No store at {tmp_path / "mpi.duckdb"}. Run "mpi ingest" first' in " ".join(
            result.stderr.split()
        )
        assert not (tmp_path / "mpi.duckdb").exists(), command
