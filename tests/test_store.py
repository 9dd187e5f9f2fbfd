"""The store: migrations are versioned, and a stage that fails leaves every table as it was."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from mpi import standardize
from mpi.config import load_config
from mpi.ingest import ingest_sources
from mpi.store import SCHEMA_VERSION, open_store, spill_directory


def test_new_store_is_migrated_once(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.duckdb")
    store.close()
    store = open_store(tmp_path / "s.duckdb")
    try:
        rows = store.con.execute("SELECT version FROM mpi_schema_version ORDER BY version").fetchall()
        assert rows == [(v,) for v in range(1, SCHEMA_VERSION + 1)]
        assert store.table_exists("records") and store.table_exists("loads")
    finally:
        store.close()


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
    open_store(store_path).close()
    leftover = spill_directory(store_path) / "duckdb_temp_block-1.block"
    leftover.parent.mkdir()
    leftover.write_bytes(b"x" * 1024)
    open_store(store_path, read_only=True).close()
    assert leftover.exists()  # a reader may share the store with a running writer
    open_store(store_path).close()
    assert not spill_directory(store_path).exists()
