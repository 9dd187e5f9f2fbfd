"""Leak checks: look for clear-text identifiers of a clear source, or key bytes, in files, stores and text.

In text (a decoded cell, a log line) a value counts as found when it stands as a whole word
sequence (JOHN in "JOHN SMITH" or in "john@x.org", not in "JOHNSON" nor inside a hex digest or a
20-digit token), compared without case and with any run of punctuation or spaces read as one
separator: "123-45-6789" is found in "SSN 123 45 6789". In raw bytes a value counts as found when
one of its renderings (as the agency file held it, upper, lower or title case) stands there
between non-alphanumeric bytes: case-blind matching of short names in random binary (tokens,
filters) would find names that are not there. Secret byte strings (key forms) are found
anywhere, byte for byte.

A DuckDB store compresses its strings, so a byte search of the file proves nothing: stores are
checked by reading every table. Parquet files are checked both ways: decoded cell by cell, and
byte by byte (mpi writes hashed files uncompressed, so the bytes are the values).
"""

from __future__ import annotations

import base64
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow.parquet as pq

from mpi.config import ProjectConfig
from mpi.ingest import drop_prepared_tables, prepare_source
from mpi.mapping import register_name_parser
from mpi.sqlutil import quote_identifier
from mpi.standardize import install_macros

_SEPARATORS = re.compile(r"[^0-9A-Za-z\u00C0-\uFFFF]+")
MAX_WORDS = 6
# Identifying fields read from a clear source: each value as the file held it and standardized.
# Raw dates and SSNs count only where standardization kept them: a placeholder (1900-01-01,
# 000-00-00000) identifies nobody and appears in mpi's own messages about placeholders.
IDENTIFYING_VALUES_SQL = """
SELECT kind, value FROM (
    SELECT 'first name' AS kind, unnest([first_name_raw, first_name, first_name_std]) AS value FROM mpi__enriched
    UNION ALL SELECT 'last name', unnest([last_name_raw, last_name, other_last_name_raw, other_last_name]) FROM mpi__enriched
    UNION ALL SELECT 'full name', full_name_raw FROM mpi__enriched
    UNION ALL SELECT 'SSN', unnest([ssn_raw, ssn]) FROM mpi__enriched WHERE ssn IS NOT NULL
    UNION ALL SELECT 'date of birth', unnest([dob_raw, strftime(dob, '%Y-%m-%d'), strftime(dob, '%Y%m%d')])
        FROM mpi__enriched WHERE dob IS NOT NULL
    UNION ALL SELECT 'email', unnest([email_raw, email, mpi_email_user(email)])
        FROM mpi__enriched WHERE email IS NOT NULL
)
WHERE value IS NOT NULL
"""
# Names agencies write when they do not know one: not identifiers, and words of mpi's own messages.
PLACEHOLDER_NAMES = frozenset({"UNKNOWN", "FNU", "LNU", "NONE", "NULL", "BABY", "TEST"})


def normalize(text: str) -> str:
    """Upper case, every run of separators one space: the form values are compared in."""
    return " ".join(w for w in _SEPARATORS.split(text.upper()) if w)


@dataclass
class Needles:
    """What to look for: values (normalized for text, rendered for bytes), and secret byte strings."""

    words: dict[str, str] = field(default_factory=dict)  # normalized value -> kind
    renderings: dict[bytes, str] = field(default_factory=dict)  # value as bytes, one casing -> kind
    secrets: dict[bytes, str] = field(default_factory=dict)  # byte string -> kind

    def add_value(self, value: str, kind: str, *, min_length: int = 4) -> None:
        normalized = normalize(value)
        if len(normalized.replace(" ", "")) < min_length or normalized.count(" ") >= MAX_WORDS:
            return
        if normalized in PLACEHOLDER_NAMES:
            return
        self.words.setdefault(normalized, kind)
        stripped = value.strip()
        for rendering in {stripped, stripped.upper(), stripped.lower(), stripped.title(), normalized}:
            self.renderings.setdefault(rendering.encode("utf-8"), kind)

    def add_secret(self, secret: bytes, kind: str = "key") -> None:
        for form, name in secret_forms(secret):
            self.secrets[form] = f"{kind} ({name})"

    def __len__(self) -> int:
        return len(self.words) + len(self.secrets)


def secret_forms(secret: bytes) -> list[tuple[bytes, str]]:
    """The key as raw bytes, hex (both cases) and base64 (standard and URL-safe, padded or not)."""
    forms = [
        (secret, "raw"),
        (secret.hex().encode(), "hex"),
        (secret.hex().upper().encode(), "HEX"),
        (base64.b64encode(secret), "base64"),
        (base64.b64encode(secret).rstrip(b"="), "base64 unpadded"),
        (base64.urlsafe_b64encode(secret), "base64url"),
        (base64.urlsafe_b64encode(secret).rstrip(b"="), "base64url unpadded"),
    ]
    return [(form, name) for form, name in forms if form]


@dataclass(frozen=True, kw_only=True)
class Leak:
    where: str
    kind: str
    value: str  # what was found; test data only, so tests can say what leaked


def clear_identifiers(
    config: ProjectConfig, sources: Sequence[str] | None = None, *, min_length: int = 4
) -> Needles:
    """First names, last names, full names, SSNs, dates of birth and email addresses (and their user
    names) of clear sources, raw and standardized.

    Read through the same path as ingest, on an in-memory DuckDB. Values shorter than
    ``min_length`` characters (initials, short names) are left out: they are found everywhere.
    """
    needles = Needles()
    con = duckdb.connect()
    try:
        install_macros(con)
        register_name_parser(con)
        for name in sources or list(config.sources):
            prepare_source(con, config.sources[name], config.shared_ids)
            for kind, value in con.execute(IDENTIFYING_VALUES_SQL).fetchall():
                needles.add_value(str(value), str(kind), min_length=min_length)
            drop_prepared_tables(con)
    finally:
        con.close()
    return needles


def _word_sequences(text: str) -> Iterator[str]:
    words = normalize(text).split(" ")
    for start in range(len(words)):
        for width in range(1, min(MAX_WORDS, len(words) - start) + 1):
            yield " ".join(words[start : start + width])


def scan_text(text: str, needles: Needles, where: str) -> list[Leak]:
    leaks = [
        Leak(where=where, kind=needles.words[sequence], value=sequence)
        for sequence in set(_word_sequences(text))
        if sequence in needles.words
    ]
    encoded = text.encode("utf-8", errors="ignore")
    leaks += [
        Leak(where=where, kind=kind, value="<secret>")
        for secret, kind in needles.secrets.items()
        if secret in encoded
    ]
    return leaks


def _alphanumeric(byte: int) -> bool:
    return 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122


def _stands_alone(data: bytes, start: int, end: int) -> bool:
    return (start == 0 or not _alphanumeric(data[start - 1])) and (
        end == len(data) or not _alphanumeric(data[end])
    )


def scan_bytes(data: bytes, needles: Needles, where: str) -> list[Leak]:
    """Every byte: each rendering of each value between non-alphanumeric bytes, secrets anywhere."""
    leaks = [
        Leak(where=where, kind=kind, value="<secret>")
        for secret, kind in needles.secrets.items()
        if secret in data
    ]
    for rendering, kind in needles.renderings.items():
        start = data.find(rendering)
        while start >= 0:
            if _stands_alone(data, start, start + len(rendering)):
                leaks.append(Leak(where=where, kind=kind, value=rendering.decode("utf-8", errors="replace")))
                break
            start = data.find(rendering, start + 1)
    return leaks


def _cells(value: Any) -> Iterator[str | bytes]:
    if value is None:
        return
    if isinstance(value, (bytes, bytearray, memoryview)):
        yield bytes(value)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _cells(item)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield str(key)
            yield from _cells(item)
    else:
        yield str(value)


def _scan_rows(
    rows: Iterable[tuple[Any, ...]], columns: Sequence[str], needles: Needles, where: str
) -> list[Leak]:
    leaks: list[Leak] = []
    for row in rows:
        for column, value in zip(columns, row, strict=True):
            for cell in _cells(value):
                place = f"{where}.{column}"
                if isinstance(cell, bytes):
                    leaks += scan_bytes(cell, needles, place)
                else:
                    leaks += scan_text(cell, needles, place)
    return leaks


def scan_parquet(path: Path, needles: Needles) -> list[Leak]:
    """A Parquet file: its metadata, every decoded cell, and every raw byte."""
    leaks = scan_bytes(path.read_bytes(), needles, f"{path} (bytes)")
    parquet = pq.ParquetFile(path)
    for key, value in (parquet.schema_arrow.metadata or {}).items():
        leaks += scan_bytes(key + b"=" + value, needles, f"{path} (metadata)")
    table = parquet.read()
    leaks += _scan_rows(
        zip(*(column.to_pylist() for column in table.columns), strict=True),
        table.column_names,
        needles,
        str(path),
    )
    return leaks


def scan_file(path: Path, needles: Needles) -> list[Leak]:
    if path.suffix.lower() == ".parquet":
        return scan_parquet(path, needles)
    return scan_bytes(path.read_bytes(), needles, str(path))


def scan_store(store_path: Path, needles: Needles) -> list[Leak]:
    """Every row of every table in a DuckDB store, read back (not its compressed bytes)."""
    con = duckdb.connect(str(store_path), read_only=True)
    leaks: list[Leak] = []
    try:
        tables = con.execute(
            "SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name = current_database() ORDER BY ALL"
        ).fetchall()
        for schema, table in tables:
            name = f"{quote_identifier(schema)}.{quote_identifier(table)}"
            cursor = con.execute(f"SELECT * FROM {name}")
            columns = [d[0] for d in cursor.description]
            leaks += _scan_rows(cursor.fetchall(), columns, needles, f"{store_path}:{table}")
    finally:
        con.close()
    return leaks


def scan_tree(directory: Path, needles: Needles, *, stores: Iterable[Path] = ()) -> list[Leak]:
    """Every file under ``directory`` (DuckDB stores by their tables, the rest byte by byte)."""
    store_set = {p.resolve() for p in stores}
    leaks: list[Leak] = []
    for path in sorted(p for p in directory.rglob("*") if p.is_file()):
        if path.resolve() in store_set:
            leaks += scan_store(path, needles)
        elif path.suffix == ".wal" and path.with_suffix("").resolve() in store_set:
            continue  # checkpointed into the store on close
        else:
            leaks += scan_file(path, needles)
    return leaks
