"""The hashed file an agency sends to the hub: Parquet columns, and the metadata block that describes them.

Columns: ``record_id`` (the agency's id, or its keyed pseudonym), one column per keyed token
(``tok_*``: UINT64, or a list of UINT64 for sets), one BLOB per Bloom filter (``bf_*``), the
source's non-identifying attributes in clear (``attr_<column>``). The Parquet key-value metadata
``mpi.hashed`` holds a JSON object: the encoding schema version, the encoding parameters, the
key fingerprint (an HMAC of a fixed label, never the key), counts from the agency's run (rows
read, rejected by reason, fields set to null) and no value of any record.

The file is written uncompressed: tokens and filters do not compress, and every byte of it can
then be checked for clear text as it is (tests/privacy).
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from mpi.errors import InputError
from mpi.privacy.bloom import BLOOM_FIELDS, BloomParameters
from mpi.privacy.tokens import TOKEN_BITS, TOKEN_LIST_COLUMNS, TOKEN_PREFIX, token_columns

METADATA_KEY = b"mpi.hashed"
FILE_FORMAT = "mpi-hashed"
# Bump when columns or their encoding change; the hub refuses versions it does not know.
# 2: tok_first_name_formals, tok_dob_year_month, tok_birth_year_near; 3: tok_birth_years_outside;
# 4: tok_email_user; 5: tok_zip_prefix3; 6: tok_dob_month_day; 7: tok_street_name_prefix3;
# 8: street types' USPS variants standardized (AVEN, BOUL, TERR), so address tokens of 7 differ;
# 9: digits misread into names (SM1TH) read as the file's own spelling, so name tokens of 8 differ;
# 10: a name without letters is none, ZIPs, SSNs and phones written as floats (6103.0) lose the ".0"
# (in scientific notation they are none),
# dates lose a time of day, a two-digit year read by %Y and an SSN short of a digit are no value;
# 11: a placeholder address (HOMELESS, UNKNOWN) is none, units written 4-B and floors (2ND FL) split off,
# a %y date format after a %Y one reads its two-digit years, a future one a century earlier; names lose
# a part in parentheses and credentials (MD, RN), and 99999 is no ZIP;
# 12: a fraction after a house number is dropped (123 1/2 MAIN ST is 123 MAIN ST), an address line's
# ending place (, NEW LONDON, CT 06344) gives city, state and ZIP, an ITIN in the SSN field is kept,
# SAINT opens a compound surname as ST does, and a postal code of 6 or 7 digits (100080) is kept;
# 13: full names in format "auto" read SAINT as a surname particle too, and a source's other_last_name
# (maiden, former or alias surname) adds its parts to tok_last_name_parts; tok_ssn_last4
# 14: nickname pairs the `nicknames` table lists one way only against family size (GERALD has JERRY)
# and mpi's Spanish nicknames (PEPE, JOSE) share a formal name, so tok_first_name_formals and
# tok_first_name_std of 13 differ
# 15: a placeholder email address (none@none.com, noemail@gmail.com) is none, so 14 sends tokens 15 does not
HASHED_SCHEMA_VERSION = 15
SUPPORTED_SCHEMA_VERSIONS = frozenset({HASHED_SCHEMA_VERSION})
ATTRIBUTE_PREFIX = "attr_"
RECORD_ID_COLUMN = "record_id"


@dataclass(frozen=True, kw_only=True)
class EncodingParameters:
    """Everything two hashed files must share to be linked: token size and Bloom-filter encoding."""

    token_bits: int = TOKEN_BITS
    token_hash: str = "HMAC-SHA256, first 64 bits, a key per domain"
    bloom: BloomParameters = field(default_factory=BloomParameters)

    def to_dict(self) -> dict[str, Any]:
        return {"token_bits": self.token_bits, "token_hash": self.token_hash, "bloom": self.bloom.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EncodingParameters:
        return cls(
            token_bits=int(data["token_bits"]),
            token_hash=str(data["token_hash"]),
            bloom=BloomParameters.from_dict(dict(data["bloom"])),
        )


@dataclass(frozen=True, kw_only=True)
class HashedFileInfo:
    """What a hashed file's metadata says about it."""

    path: Path
    schema_version: int
    key_fingerprint: str
    parameters: EncodingParameters
    source: str
    shared_ids: tuple[str, ...]
    attributes: tuple[str, ...]
    pseudonymized_ids: bool
    rows: int
    agency_rows_read: int
    agency_rejects: dict[str, int]
    field_issues: tuple[tuple[str, str, str, int], ...]  # field, column, issue, count
    created_at: str
    mpi_version: str

    def metadata(self) -> dict[str, Any]:
        return {
            "format": FILE_FORMAT,
            "schema_version": self.schema_version,
            "key_fingerprint": self.key_fingerprint,
            "parameters": self.parameters.to_dict(),
            "source": self.source,
            "shared_ids": list(self.shared_ids),
            "attributes": list(self.attributes),
            "pseudonymized_ids": self.pseudonymized_ids,
            "rows": self.rows,
            "agency_rows_read": self.agency_rows_read,
            "agency_rejects": dict(self.agency_rejects),
            "field_issues": [list(issue) for issue in self.field_issues],
            "created_at": self.created_at,
            "mpi_version": self.mpi_version,
        }


def attribute_column(name: str) -> str:
    return f"{ATTRIBUTE_PREFIX}{name}"


def write_hashed_file(
    path: Path, batches: Iterator[pa.RecordBatch], schema: pa.Schema, info: HashedFileInfo
) -> None:
    """Write the batches and the metadata block; atomically (a temporary file renamed into place)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    metadata = {METADATA_KEY: json.dumps(info.metadata(), sort_keys=True).encode("utf-8")}
    with_metadata = schema.with_metadata(metadata)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(handle)
    try:
        with pq.ParquetWriter(temp, with_metadata, compression="none") as writer:
            for batch in batches:
                writer.write_batch(batch.cast(with_metadata) if batch.schema != with_metadata else batch)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def read_hashed_file_info(path: Path, *, source: str) -> HashedFileInfo:
    """The metadata of a hashed file, validated; refuses files this mpi cannot read, naming the fix.

    Messages name the source, file and problem, never a value from the file.
    """
    where = f'Hashed source "{source}": {path}'
    try:
        parquet = pq.ParquetFile(path)
    except (OSError, pa.ArrowException) as exc:
        raise InputError(
            f"{where} is not a readable Parquet file ({type(exc).__name__}). A hashed source must be the file "
            '"mpi hash" wrote; ask the agency to send it again.'
        ) from None
    raw = (parquet.schema_arrow.metadata or {}).get(METADATA_KEY)
    if raw is None:
        raise InputError(
            f'{where} has no "mpi.hashed" metadata: it was not written by "mpi hash". Ask the agency to run '
            '"mpi hash" on it, or declare the source without kind = "hashed" if it is a clear-text file.'
        )
    try:
        meta = json.loads(raw.decode("utf-8"))
        version = int(meta["schema_version"])
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise InputError(
            f'{where}: its "mpi.hashed" metadata is damaged. Ask the agency to hash again.'
        ) from None
    if meta.get("format") != FILE_FORMAT:
        raise InputError(
            f"{where}: its metadata does not describe an mpi hashed file. Ask the agency to hash again."
        )
    if version not in SUPPORTED_SCHEMA_VERSIONS:
        supported = ", ".join(str(v) for v in sorted(SUPPORTED_SCHEMA_VERSIONS))
        raise InputError(
            f"{where} has encoding schema version {version}; this mpi reads version {supported}. "
            'Ask the agency to hash it again with this version of mpi ("mpi hash"), or upgrade mpi to the '
            "version that wrote it."
        )
    try:
        info = HashedFileInfo(
            path=path,
            schema_version=version,
            key_fingerprint=str(meta["key_fingerprint"]),
            parameters=EncodingParameters.from_dict(meta["parameters"]),
            source=str(meta.get("source", "")),
            shared_ids=tuple(str(s) for s in meta.get("shared_ids", [])),
            attributes=tuple(str(a) for a in meta.get("attributes", [])),
            pseudonymized_ids=bool(meta.get("pseudonymized_ids", False)),
            rows=int(meta.get("rows", parquet.metadata.num_rows)),
            agency_rows_read=int(meta.get("agency_rows_read", 0)),
            agency_rejects={str(k): int(v) for k, v in dict(meta.get("agency_rejects", {})).items()},
            field_issues=tuple(
                (str(f), str(c), str(i), int(n)) for f, c, i, n in meta.get("field_issues", [])
            ),
            created_at=str(meta.get("created_at", "")),
            mpi_version=str(meta.get("mpi_version", "")),
        )
    except (ValueError, KeyError, TypeError):
        raise InputError(
            f'{where}: its "mpi.hashed" metadata is damaged. Ask the agency to hash again.'
        ) from None
    _check_columns(where, parquet.schema_arrow, info)
    return info


def _check_columns(where: str, schema: pa.Schema, info: HashedFileInfo) -> None:
    expected: dict[str, pa.DataType] = {RECORD_ID_COLUMN: pa.string()}
    for column in token_columns(info.shared_ids):
        expected[column] = pa.list_(pa.uint64()) if column in TOKEN_LIST_COLUMNS else pa.uint64()
    for column in BLOOM_FIELDS:
        expected[column] = pa.binary()
    for name in info.attributes:
        expected[attribute_column(name)] = pa.string()
    problems = []
    for column, data_type in expected.items():
        index = schema.get_field_index(column)
        if index < 0:
            problems.append(f'column "{column}" is missing')
        elif not _same_type(schema.field(index).type, data_type):
            problems.append(f'column "{column}" is {schema.field(index).type}, not {data_type}')
    if problems:
        raise InputError(
            f"{where} does not have the columns of encoding schema version {info.schema_version}: "
            f"{'; '.join(problems)}. Ask the agency to hash it again."
        )


def _same_type(actual: pa.DataType, expected: pa.DataType) -> bool:
    if pa.types.is_list(expected) or pa.types.is_large_list(expected):
        return (pa.types.is_list(actual) or pa.types.is_large_list(actual)) and _same_type(
            actual.value_type, expected.value_type
        )
    if pa.types.is_binary(expected):
        return bool(pa.types.is_binary(actual) or pa.types.is_large_binary(actual))
    if pa.types.is_string(expected):
        return bool(pa.types.is_string(actual) or pa.types.is_large_string(actual))
    return bool(actual == expected)


def is_hashed_column(name: str) -> bool:
    return name.startswith(TOKEN_PREFIX) or name in BLOOM_FIELDS


__all__ = [
    "ATTRIBUTE_PREFIX",
    "HASHED_SCHEMA_VERSION",
    "METADATA_KEY",
    "EncodingParameters",
    "HashedFileInfo",
    "is_hashed_column",
    "read_hashed_file_info",
    "write_hashed_file",
]
