"""At the hub: hashed sources load, mismatched keys, versions and parameters are refused naming both sources."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from privacy_helpers import OTHER_KEY, hash_into, hashed_hub_toml

from mpi.cli import main
from mpi.config import ProjectConfig, load_config
from mpi.errors import ConfigError, InputError, MpiUserError
from mpi.ingest import ingest_sources
from mpi.link import link_records
from mpi.privacy.agency import hash_source
from mpi.privacy.bloom import BLOOM_FIELDS, BloomParameters
from mpi.privacy.hashed_file import HASHED_SCHEMA_VERSION, METADATA_KEY
from mpi.privacy.keys import HashKey, key_from_bytes
from mpi.privacy.tokens import TOKEN_DOMAINS
from mpi.schema import HASHED_RECORD_COLUMN_NAMES, HASHED_RECORD_COLUMNS, RECORD_COLUMN_NAMES
from mpi.sqlutil import load_sql, sql_root
from mpi.train import train_project_model


def test_hashed_columns_agree_everywhere() -> None:
    assert (*TOKEN_DOMAINS, *BLOOM_FIELDS) == HASHED_RECORD_COLUMN_NAMES
    migrations = "".join(
        load_sql(f"store/{path.stem}") for path in sorted((sql_root() / "store").glob("*.sql"))
    )
    added = re.findall(r"ALTER TABLE records ADD COLUMN IF NOT EXISTS (\w+) ([\w\[\]]+);", migrations)
    assert {n: t for n, t in added if n.startswith(("tok_", "bf_"))} == dict(HASHED_RECORD_COLUMNS)


def test_hashed_sources_load_into_records_without_clear_text(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    hub = hash_into(agency, tmp_path / "hub", key, ("k12", "hhs"))
    result = ingest_sources(hub)
    assert result.balanced
    assert {s.source: s.rows_indexed for s in result.sources} == {
        s: pq.ParquetFile(tmp_path / "hub" / f"{s}.hashed.parquet").metadata.num_rows for s in ("k12", "hhs")
    }
    con = duckdb.connect(str(hub.store_path), read_only=True)
    try:
        clear = [c for c in RECORD_COLUMN_NAMES if c not in ("source", "record_id", "load_id")]
        filled = con.execute(f"SELECT {', '.join(f'count({c})' for c in clear)} FROM records").fetchall()[0]
        assert set(filled) == {0}
        assert (
            con.execute("SELECT count(tok_first_name), count(bf_last_name) FROM records").fetchall()[0][0] > 0
        )
        assert con.execute("SELECT count(*) FROM records WHERE tok_id_sasid IS NOT NULL").fetchall()[0][0] > 0
        loads = con.execute("SELECT source, key_fingerprint FROM hashed_loads ORDER BY source").fetchall()
        assert loads == [("hhs", key.fingerprint), ("k12", key.fingerprint)]
        assert con.execute("SELECT count(*) FROM attributes WHERE source = 'k12'").fetchall()[0][0] > 0
    finally:
        con.close()


def test_a_file_hashed_with_another_key_is_refused_naming_both_sources(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    hub_dir = tmp_path / "hub"
    hash_into(agency, hub_dir, key, ("k12",))
    hash_source(agency, "ece", hub_dir / "ece.hashed.parquet", key_from_bytes(OTHER_KEY, origin="test"))
    (hub_dir / "mpi.toml").write_text(
        hashed_hub_toml({"k12": "k12.hashed.parquet", "ece": "ece.hashed.parquet"}), encoding="utf-8"
    )
    hub = load_config(hub_dir / "mpi.toml")
    other = key_from_bytes(OTHER_KEY, origin="test").fingerprint
    with pytest.raises(InputError) as raised:
        ingest_sources(hub)
    assert str(raised.value) == (
        f'Hashed source "ece" ({hub_dir / "ece.hashed.parquet"}) was hashed with a different key than hashed '
        f'source "k12" ({hub_dir / "k12.hashed.parquet"}): key fingerprints {other} and {key.fingerprint}. '
        'Every agency must hash with the same shared key: ask the agency of "ece" or "k12" to run "mpi hash" '
        "again with the project's key."
    )
    assert not hub.store_path.exists() or _records(hub) == 0
    # The same file is refused against a source already in the store.
    ingest_sources(hub, ["k12"])
    with pytest.raises(InputError, match=r'hashed source "k12" \(already in the store\)'):
        ingest_sources(hub, ["ece"])
    assert _records(hub) == _file_rows(hub_dir / "k12.hashed.parquet")


def test_a_hashed_file_that_drops_most_of_a_source_is_refused_unless_allowed(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    hub_dir = tmp_path / "hub"
    hub = hash_into(agency, hub_dir, key, ("k12",))
    ingest_sources(hub)
    held = _records(hub)
    k12 = agency.sources["k12"].path
    k12.write_text("".join(k12.read_text(encoding="utf-8").splitlines(keepends=True)[:21]), encoding="utf-8")
    hash_into(agency, hub_dir, key, ("k12",))
    with pytest.raises(InputError) as raised:
        ingest_sources(hub)
    assert str(raised.value).startswith(
        f'Source "k12": k12.hashed.parquet has 20 records to index, {held - 20} '
        f"({(held - 20) / held:.0%}) fewer than the {held} the store holds from its last load;"
    )
    assert _records(hub) == held
    ingest_sources(hub, allow_shrink=True)
    assert _records(hub) == 20


def _records(config: ProjectConfig) -> int:
    con = duckdb.connect(str(config.store_path), read_only=True)
    try:
        return int(con.execute("SELECT count(*) FROM records").fetchall()[0][0])
    finally:
        con.close()


def _index_and_runs(config: ProjectConfig) -> tuple[list[tuple[object, ...]], ...]:
    con = duckdb.connect(str(config.store_path), read_only=True)
    try:
        return tuple(
            con.execute(f"SELECT * FROM {table} ORDER BY ALL").fetchall()
            for table in ("person_index", "runs", "person_history")
        )
    finally:
        con.close()


def _file_rows(path: Path) -> int:
    return int(pq.ParquetFile(path).metadata.num_rows)


def test_files_with_other_parameters_are_refused(agency: ProjectConfig, key: HashKey, tmp_path: Path) -> None:
    hub_dir = tmp_path / "hub"
    hash_into(agency, hub_dir, key, ("k12",))
    hash_source(agency, "ece", hub_dir / "ece.hashed.parquet", key, bloom=BloomParameters(salt="none"))
    (hub_dir / "mpi.toml").write_text(
        hashed_hub_toml({"k12": "k12.hashed.parquet", "ece": "ece.hashed.parquet"}), encoding="utf-8"
    )
    with pytest.raises(
        InputError, match=r'was encoded with other parameters than hashed source "k12".*bloom\.salt'
    ):
        ingest_sources(load_config(hub_dir / "mpi.toml"))


def rewrite_metadata(path: Path, change: dict[str, object]) -> None:
    table = pq.read_table(path)
    meta = json.loads(table.schema.metadata[METADATA_KEY])
    meta.update(change)
    pq.write_table(table.replace_schema_metadata({METADATA_KEY: json.dumps(meta).encode()}), path)


def test_unknown_schema_version_is_refused(agency: ProjectConfig, key: HashKey, tmp_path: Path) -> None:
    hub = hash_into(agency, tmp_path / "hub", key, ("hhs",))
    path = tmp_path / "hub" / "hhs.hashed.parquet"
    rewrite_metadata(path, {"schema_version": 99})
    with pytest.raises(InputError) as raised:
        ingest_sources(hub)
    assert str(raised.value) == (
        f'Hashed source "hhs": {path} has encoding schema version 99; this mpi reads version {HASHED_SCHEMA_VERSION}. Ask the agency '
        'to hash it again with this version of mpi ("mpi hash"), or upgrade mpi to the version that wrote it.'
    )
    assert not hub.store_path.exists()


def test_a_plain_parquet_file_is_not_a_hashed_source(agency: ProjectConfig, tmp_path: Path) -> None:
    hub_dir = tmp_path / "hub"
    hub_dir.mkdir()
    (hub_dir / "college.parquet").write_bytes(agency.sources["college"].path.read_bytes())
    (hub_dir / "mpi.toml").write_text(hashed_hub_toml({"college": "college.parquet"}), encoding="utf-8")
    with pytest.raises(InputError, match='has no "mpi.hashed" metadata: it was not written by "mpi hash"'):
        ingest_sources(load_config(hub_dir / "mpi.toml"))


def test_a_project_is_clear_or_hashed(tmp_path: Path) -> None:
    (tmp_path / "mpi.toml").write_text(
        hashed_hub_toml({"k12": "k12.parquet", "ece": "ece.parquet"})
        + '\n[sources.wages]\npath = "wages.csv"\nrecord_id = "ID"\n[sources.wages.columns]\nssn = "SSN"\n'
        + '\n[sources.hhs]\nkind = "hashed"\npath = "hhs.parquet"\nrecord_id = "ID"\ncolumns = { ssn = "SSN" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as raised:
        load_config(tmp_path / "mpi.toml")
    assert raised.value.problems == [
        '[sources.hhs]: "record_id" does not apply to a hashed source: the file written by "mpi hash" carries its '
        "own record ids, encodings and attributes. Remove it.",
        '[sources.hhs]: "columns" does not apply to a hashed source: the file written by "mpi hash" carries its '
        "own record ids, encodings and attributes. Remove it.",
        'sources k12, ece, hhs are kind = "hashed" but wages is clear text: a project links either hashed files '
        'or clear ones. Hash wages with "mpi hash" at the agency and declare it kind = "hashed", or link them in '
        "a separate clear project.",
    ]


def test_unknown_kind_is_a_config_error(tmp_path: Path) -> None:
    (tmp_path / "mpi.toml").write_text(
        '[sources.a]\nkind = "encrypted"\npath = "a.parquet"\n', encoding="utf-8"
    )
    with pytest.raises(
        ConfigError, match='kind must be "clear" \\(the default\\) or "hashed", not "encrypted"'
    ):
        load_config(tmp_path / "mpi.toml")


def test_hash_refuses_a_hashed_source_and_an_unknown_one(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    hub = hash_into(agency, tmp_path / "hub", key, ("hhs",))
    with pytest.raises(MpiUserError, match='Source "hhs" is kind = "hashed": it is already a hashed file'):
        hash_source(hub, "hhs", tmp_path / "again.parquet", key)
    with pytest.raises(MpiUserError, match='No source "nope"'):
        hash_source(agency, "nope", tmp_path / "x.parquet", key)


def test_a_store_holds_clear_or_hashed_records(agency: ProjectConfig, key: HashKey, tmp_path: Path) -> None:
    ingest_sources(agency, ["hhs"])
    hub = hash_into(agency, tmp_path / "hub", key, ("k12",))
    (tmp_path / "hub" / "mpi.toml").write_text(
        (tmp_path / "hub" / "mpi.toml")
        .read_text()
        .replace('path = "hub.duckdb"', f'path = "{agency.store_path}"'),
        encoding="utf-8",
    )
    hub = load_config(tmp_path / "hub" / "mpi.toml")
    with pytest.raises(MpiUserError) as raised:
        ingest_sources(hub)
    assert str(raised.value) == wrong_kind_message(hub, held="clear-text", sources='"hhs"')
    # Training would fit the hashed template to the clear records' NULL tokens.
    with pytest.raises(MpiUserError, match="holds clear-text records"):
        train_project_model(hub)
    assert not (hub.root / "models").exists()


def wrong_kind_message(config: ProjectConfig, *, held: str, sources: str) -> str:
    wanted = "hashed" if held == "clear-text" else "clear-text"
    return (
        f"The store {config.store_path} holds {held} records (source {sources}), but {config.config_path} is a "
        f"{wanted} project: a store holds one kind. Point [store] path in {config.config_path} at the {wanted} "
        'project\'s own store, or at a new file and run "mpi ingest".'
    )


def test_a_clear_project_refuses_a_hashed_store_before_changing_it(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    hub = hash_into(agency, tmp_path / "hub", key, ("k12", "ece"))
    ingest_sources(hub)
    clear_toml = agency.config_path.read_text(encoding="utf-8")
    (agency.root / "mpi.toml").write_text(
        clear_toml.replace(f'path = "{agency.store_path.name}"', f'path = "{hub.store_path}"'),
        encoding="utf-8",
    )
    clear = load_config(agency.root / "mpi.toml")
    assert clear.store_path == hub.store_path and not clear.hashed
    before = _index_and_runs(hub)
    expected = wrong_kind_message(clear, held="hashed", sources='"ece", "k12"')
    # Without the check the clear model scored 0 pairs on the NULL clear columns and made every record a person.
    with pytest.raises(MpiUserError) as raised:
        link_records(clear)
    assert str(raised.value) == expected
    with pytest.raises(MpiUserError) as raised:
        train_project_model(clear)
    assert str(raised.value) == expected
    for command in ("link", "train"):
        result = CliRunner().invoke(main, ["--config", str(clear.config_path), command])
        assert result.exit_code == 2
        assert " ".join(result.stderr.split()) == f"Error: {expected}"
    assert _index_and_runs(hub) == before
    assert not (clear.root / "models").exists()


def test_a_hashed_project_refuses_a_clear_model(agency: ProjectConfig, key: HashKey, tmp_path: Path) -> None:
    hub = hash_into(agency, tmp_path / "hub", key, ("k12", "ece"))
    ingest_sources(hub)
    with pytest.raises(MpiUserError) as raised:
        link_records(hub)
    assert str(raised.value) == (
        'The project is hashed but model "default" (shipped with mpi) compares clear-text fields. '
        'Train a model on the hashed records with "mpi train --name default", then link again.'
    )


def test_a_file_declared_under_another_source_name_is_refused(
    agency: ProjectConfig, key: HashKey, tmp_path: Path
) -> None:
    hub_dir = tmp_path / "hub"
    hash_into(agency, hub_dir, key, ("k12",))
    (hub_dir / "mpi.toml").write_text(hashed_hub_toml({"hhs": "k12.hashed.parquet"}), encoding="utf-8")
    hub = load_config(hub_dir / "mpi.toml")
    with pytest.raises(InputError) as raised:
        ingest_sources(hub)
    assert str(raised.value) == (
        f'Hashed source "hhs": {hub_dir / "k12.hashed.parquet"} was hashed as source "k12" (its "mpi.hashed" '
        'metadata), not "hhs". If it is k12\'s file, rename [sources.hhs] to [sources.k12] in mpi.toml; if '
        'not, ask the agency of "hhs" for its own hashed file.'
    )
    assert not hub.store_path.exists()
