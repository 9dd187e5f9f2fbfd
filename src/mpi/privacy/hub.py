"""At the hub: check that hashed files can be linked together, and load them into `records`.

Two hashed sources can only be linked if they were encoded with the same key, the same
schema version and the same parameters; a file that differs from any other hashed source
(in this run or already in the store) is refused with a message naming both. Messages name
sources, files and fingerprints, never a value from a file.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import InputError, MpiUserError
from mpi.privacy.bloom import BLOOM_FIELDS
from mpi.privacy.hashed_file import RECORD_ID_COLUMN, HashedFileInfo, attribute_column
from mpi.privacy.tokens import token_columns
from mpi.schema import shared_id_token_column
from mpi.sqlutil import quote_identifier


@dataclass(frozen=True, kw_only=True)
class Encoding:
    """What must agree between hashed sources, and where it was seen (a file, or the store)."""

    source: str
    where: str
    schema_version: int
    key_fingerprint: str
    parameters: dict[str, Any]


def encoding_of(source: str, info: HashedFileInfo) -> Encoding:
    return Encoding(
        source=source,
        where=str(info.path),
        schema_version=info.schema_version,
        key_fingerprint=info.key_fingerprint,
        parameters=info.parameters.to_dict(),
    )


def stored_encodings(con: duckdb.DuckDBPyConnection, *, excluding: Sequence[str]) -> list[Encoding]:
    """The encodings of the hashed sources already in the store, but those about to be replaced."""
    rows = con.execute(
        "SELECT source, schema_version, key_fingerprint, parameters FROM hashed_loads "
        "WHERE NOT list_contains($excluding, source) AND source IN (SELECT DISTINCT source FROM records) "
        "ORDER BY source",
        {"excluding": list(excluding)},
    ).fetchall()
    return [
        Encoding(
            source=str(source),
            where="already in the store",
            schema_version=int(version),
            key_fingerprint=str(fingerprint),
            parameters=json.loads(str(parameters)),
        )
        for source, version, fingerprint, parameters in rows
    ]


def _differences(a: dict[str, Any], b: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    for name in sorted(set(a) | set(b)):
        left, right = a.get(name), b.get(name)
        if isinstance(left, dict) and isinstance(right, dict):
            out += _differences(left, right, f"{prefix}{name}.")
        elif left != right:
            out.append(f"{prefix}{name} {json.dumps(left)} vs {json.dumps(right)}")
    return out


def check_encodings_agree(encodings: Sequence[Encoding]) -> None:
    """Refuse the first pair of hashed sources that cannot be linked together, naming both."""
    if not encodings:
        return
    first = encodings[0]
    for other in encodings[1:]:
        a, b = other, first
        where_a = f'hashed source "{a.source}" ({a.where})'
        where_b = f'hashed source "{b.source}" ({b.where})'
        if a.key_fingerprint != b.key_fingerprint:
            raise InputError(
                f"{where_a[0].upper()}{where_a[1:]} was hashed with a different key than {where_b}: key "
                f"fingerprints {a.key_fingerprint} and {b.key_fingerprint}. Every agency must hash with the "
                f'same shared key: ask the agency of "{a.source}" or "{b.source}" to run "mpi hash" again with '
                "the project's key."
            )
        if a.schema_version != b.schema_version:
            raise InputError(
                f"{where_a[0].upper()}{where_a[1:]} has encoding schema version {a.schema_version} but "
                f"{where_b} has {b.schema_version}. Ask both agencies to hash with the same version of mpi."
            )
        differences = _differences(a.parameters, b.parameters)
        if differences:
            raise InputError(
                f"{where_a[0].upper()}{where_a[1:]} was encoded with other parameters than {where_b}: "
                f"{'; '.join(differences)}. Ask the agencies to hash with the same options."
            )


def check_source_name(source: str, info: HashedFileInfo) -> None:
    """Refuse a hashed file declared under another source name than the one it was hashed as.

    Record-id pseudonyms are keyed by that name and the agency's rejects and counts describe that
    source: loaded under another name (k12's file as "hhs") one agency's records pass for another's.
    """
    if info.source == source:
        return
    raise InputError(
        f'Hashed source "{source}": {info.path} was hashed as source "{info.source}" (its "mpi.hashed" '
        f'metadata), not "{source}". If it is {info.source}\'s file, rename [sources.{source}] to '
        f'[sources.{info.source}] in mpi.toml; if not, ask the agency of "{source}" for its own hashed file.'
    )


def ensure_shared_id_token_columns(con: duckdb.DuckDBPyConnection, shared_ids: Sequence[str]) -> None:
    """Add tok_id_<name> to records for each shared identifier the project declares."""
    for name in shared_ids:
        column = quote_identifier(shared_id_token_column(name))
        con.execute(f"ALTER TABLE records ADD COLUMN IF NOT EXISTS {column} UBIGINT")


def check_store_kind(con: duckdb.DuckDBPyConnection, config: ProjectConfig) -> None:
    """A store holds clear-text records or hashed ones, never both; a project works on its own kind.

    Ingest, train and link call it before they change anything: a clear model fitted to a hashed
    store's all-NULL clear columns scores no pair and rewrites the index with one person per record.
    """
    # Records of the other kind: clear sources (not loaded as hashed files), or hashed ones.
    other_kind_sql = (
        "SELECT DISTINCT source FROM records WHERE source NOT IN (SELECT source FROM hashed_loads) ORDER BY 1"
        if config.hashed
        else "SELECT DISTINCT source FROM hashed_loads WHERE source IN (SELECT source FROM records) ORDER BY 1"
    )
    rows = con.execute(other_kind_sql).fetchall()
    if rows:
        names = ", ".join(f'"{r[0]}"' for r in rows)
        held, wanted = ("clear-text", "hashed") if config.hashed else ("hashed", "clear-text")
        store, config_path = config.store_path, config.config_path
        raise MpiUserError(
            f"The store {store} holds {held} records (source {names}), but {config_path} is a {wanted} "
            f"project: a store holds one kind. Point [store] path in {config_path} at the {wanted} "
            'project\'s own store, or at a new file and run "mpi ingest".'
        )


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any]) -> int:
    return int(con.execute(sql, params).fetchall()[0][0])


def check_hashed_rows(con: duckdb.DuckDBPyConnection, source: str, info: HashedFileInfo) -> int:
    """Rows of the file, after checking its record ids and filter lengths (counts only in messages)."""
    where = f'Hashed source "{source}": {info.path}'
    path = {"path": str(info.path)}
    rows, missing, duplicated = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE record_id IS NULL), count(*) - count(DISTINCT record_id) "
        "FROM read_parquet($path)",
        path,
    ).fetchall()[0]
    if missing or duplicated:
        raise InputError(
            f"{where} has {missing} row(s) without a record id and {duplicated} duplicated record id(s); "
            '"mpi hash" never writes such a file. Ask the agency to hash the source again.'
        )
    expected_bytes = info.parameters.bloom.stored_bits // 8
    lengths = " OR ".join(f"(octet_length({quote_identifier(f)}) <> $bytes)" for f in BLOOM_FIELDS)
    bad = _count(
        con, f"SELECT count(*) FROM read_parquet($path) WHERE {lengths}", {**path, "bytes": expected_bytes}
    )
    if bad:
        raise InputError(
            f"{where} has {bad} Bloom filter(s) that are not {expected_bytes} bytes long as its metadata says. "
            "Ask the agency to hash the source again."
        )
    return int(rows)


def load_hashed_records(
    con: duckdb.DuckDBPyConnection,
    source: str,
    load_id: int,
    info: HashedFileInfo,
    shared_ids: Sequence[str],
) -> None:
    """Insert a hashed file's rows into records (clear columns NULL) and its attributes into attributes."""
    file_shared = set(info.shared_ids)
    targets: list[str] = []
    values: list[str] = []
    for column in token_columns(()):
        targets.append(column)
        values.append(quote_identifier(column))
    for shared in shared_ids:
        targets.append(shared_id_token_column(shared))
        values.append(
            quote_identifier(shared_id_token_column(shared)) if shared in file_shared else "NULL::UBIGINT"
        )
    for column in BLOOM_FIELDS:
        targets.append(column)
        values.append(f"CAST({quote_identifier(column)} AS BIT)")
    # content_hash lets an incremental link tell a changed record from one that was only reloaded.
    content = ", ".join(values)
    con.execute(
        f"INSERT INTO records (source, record_id, load_id, {', '.join(quote_identifier(t) for t in targets)}, "
        f"content_hash) SELECT $source, {RECORD_ID_COLUMN}, $load_id, {content}, hash({content}) "
        "FROM read_parquet($path)",
        {"source": source, "load_id": load_id, "path": str(info.path)},
    )
    con.execute(
        "INSERT INTO hashed_loads VALUES ($load_id, $source, $version, $fingerprint, $parameters, $pseudonymized, "
        "$agency_source, $rows_read, $rejects, $hashed_at, $mpi_version)",
        {
            "load_id": load_id,
            "source": source,
            "version": info.schema_version,
            "fingerprint": info.key_fingerprint,
            "parameters": json.dumps(info.parameters.to_dict(), sort_keys=True),
            "pseudonymized": info.pseudonymized_ids,
            "agency_source": info.source,
            "rows_read": info.agency_rows_read,
            "rejects": json.dumps(info.agency_rejects, sort_keys=True),
            "hashed_at": info.created_at,
            "mpi_version": info.mpi_version,
        },
    )
    if info.attributes:
        attributes = ", ".join(f"{quote_identifier(attribute_column(a))}" for a in info.attributes)
        con.execute(
            "INSERT INTO attributes SELECT $source, record_id, unnest($names::VARCHAR[]), "
            f"unnest([{attributes}]) FROM read_parquet($path)",
            {"source": source, "names": list(info.attributes), "path": str(info.path)},
        )
