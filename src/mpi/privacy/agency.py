"""`mpi hash`: at the agency, turn one clear source into a hashed file the hub can link but not read.

The source goes through the very read -> map -> standardize path of `mpi ingest`
(``mpi.ingest.prepare_source``), on an in-memory DuckDB: the store is never opened. Rejected
rows are counted by reason and left out; no value of any row is printed or written, except the
source's declared non-identifying attributes.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from mpi.config import ProjectConfig, SourceConfig, mapped_fields_by_column
from mpi.errors import MpiError, MpiUserError
from mpi.ingest import FieldIssue, drop_prepared_tables, prepare_source
from mpi.mapping import register_name_parser
from mpi.privacy.bloom import BLOOM_FIELDS, BLOOMS_TABLE, BloomParameters, compute_blooms
from mpi.privacy.hashed_file import (
    ATTRIBUTE_PREFIX,
    HASHED_SCHEMA_VERSION,
    RECORD_ID_COLUMN,
    EncodingParameters,
    HashedFileInfo,
    attribute_column,
    write_hashed_file,
)
from mpi.privacy.keys import HashKey
from mpi.privacy.tokens import (
    TOKENS_TABLE,
    compute_tokens,
    install_privacy_macros,
    pseudonymize_sql,
    token_columns,
)
from mpi.project_files import project_files, refuse_overwriting
from mpi.reader import BAD_ROWS_TABLE, RAW_TABLE
from mpi.sqlutil import quote_identifier, quote_literal
from mpi.standardize import install_macros
from mpi.version import mpi_version

Progress = Callable[[str], None]
BATCH_ROWS = 100_000


@dataclass(frozen=True, kw_only=True)
class HashResult:
    source: str
    out_path: str
    rows_read: int
    rows_written: int
    rows_rejected: int
    reject_reasons: dict[str, int]
    field_issues: tuple[FieldIssue, ...]
    key_fingerprint: str
    pseudonymized_ids: bool
    parameters: EncodingParameters
    seconds: float
    id_map_path: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)
    # The source's attributes, written in clear beside the tokens
    attributes: tuple[str, ...] = ()


def _hashable_source(config: ProjectConfig, name: str) -> SourceConfig:
    source = config.sources.get(name)
    if source is None:
        known = ", ".join(config.sources) or "none"
        raise MpiUserError(f'No source "{name}" in {config.config_path}. Sources: {known}.')
    if source.hashed:
        raise MpiUserError(
            f'Source "{name}" is kind = "hashed": it is already a hashed file. "mpi hash" reads the clear '
            "source at its agency, with the mpi.toml that maps its columns."
        )
    return source


def _refuse_an_identifying_record_id(source: SourceConfig) -> None:
    """Refuse to write a record id in clear that is a mapped column (an SSN, a name, a SASID).

    Without --pseudonymize-ids the record id travels as the agency wrote it: a wage file keyed by
    SSN would send every SSN to the hub, past the hashing of the ssn field.
    """
    field_name = mapped_fields_by_column(source.columns).get(source.record_id.casefold())
    if field_name is not None:
        raise MpiUserError(
            f'Source "{source.name}": its record_id column "{source.record_id}" is also mapped to {field_name}, so '
            "the hashed file would carry it in clear. Pass --pseudonymize-ids (with --id-map to keep the ids at "
            "the agency), or key the file by a column that identifies the row and not the person."
        )


def hash_source(
    config: ProjectConfig,
    source_name: str,
    out_path: Path,
    key: HashKey,
    *,
    pseudonymize_ids: bool = False,
    id_map_path: Path | None = None,
    bloom: BloomParameters | None = None,
    progress: Progress | None = None,
    protect: Mapping[Path, str] | None = None,
) -> HashResult:
    """Hash one source of ``config`` into ``out_path`` (Parquet); the store is not touched.

    ``pseudonymize_ids`` replaces each record id by its keyed pseudonym; ``id_map_path`` then
    receives (record_id, pseudonym) as CSV, for the agency's own use: it must not leave it.
    Neither file may replace one of the project's files or one of ``protect`` (the key file).
    """
    report = progress or (lambda _message: None)
    started = time.perf_counter()
    source = _hashable_source(config, source_name)
    if id_map_path is not None and not pseudonymize_ids:
        raise MpiUserError(
            "--id-map needs --pseudonymize-ids: without it the file keeps the agency's own ids."
        )
    if not pseudonymize_ids:
        _refuse_an_identifying_record_id(source)
    protected = {**project_files(config), **{path.resolve(): what for path, what in (protect or {}).items()}}
    refuse_overwriting("--out", out_path, protected)
    if id_map_path is not None:
        # The map holds the agency's clear record ids: written over the hashed file, it would be
        # sent to the hub as one; over a source, the key or the config, it would destroy them.
        refuse_overwriting(
            "--id-map", id_map_path, {**protected, out_path.resolve(): "the hashed file (--out)"}
        )
    if out_path.suffix.lower() != ".parquet":
        raise MpiUserError(f"The hashed file must be a .parquet file, not {out_path.name}.")
    parameters = EncodingParameters(bloom=bloom or BloomParameters())
    stages: dict[str, float] = {}
    con = duckdb.connect()
    try:
        install_macros(con)
        register_name_parser(con)
        install_privacy_macros(con)
        t0 = time.perf_counter()
        prepared = prepare_source(con, source, config.shared_ids, progress=report, echo_values=False)
        stages["read and standardize"] = time.perf_counter() - t0
        reasons = _reject_reasons(con)
        rows_read = prepared.read.rows_loaded + prepared.read.bad_rows
        report(f"{source.name}: hashing tokens and Bloom filters")
        try:
            t0 = time.perf_counter()
            compute_tokens(con, key, config.shared_ids)
            stages["tokens"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            compute_blooms(con, key, parameters.bloom)
            stages["bloom filters"] = time.perf_counter() - t0
        except (duckdb.BinderException, duckdb.CatalogException, duckdb.ParserException) as exc:
            # Errors in the shape of the SQL carry no data: show them, they are bugs to report.
            raise MpiError(
                f'Hashing source "{source.name}" failed: {str(exc).splitlines()[0]}. Please report this as a bug.'
            ) from None
        except duckdb.Error as exc:
            # Other DuckDB messages (conversions, invalid input) can quote a value: show only the kind.
            raise MpiError(
                f'Hashing source "{source.name}" failed in DuckDB ({type(exc).__name__}); no value is shown. '
                "Please report this as a bug."
            ) from None
        rows_written = int(con.execute(f"SELECT count(*) FROM {TOKENS_TABLE}").fetchall()[0][0])
        info = HashedFileInfo(
            path=out_path,
            schema_version=HASHED_SCHEMA_VERSION,
            key_fingerprint=key.fingerprint,
            parameters=parameters,
            source=source.name,
            shared_ids=config.shared_ids,
            attributes=source.attributes,
            pseudonymized_ids=pseudonymize_ids,
            rows=rows_written,
            agency_rows_read=rows_read,
            agency_rejects=reasons,
            field_issues=tuple((fi.field, fi.column, fi.issue, fi.count) for fi in prepared.field_issues),
            created_at=datetime.now(UTC).isoformat(timespec="seconds"),
            mpi_version=mpi_version(),
        )
        t0 = time.perf_counter()
        sql, params = _output_sql(source, key, pseudonymize_ids, config.shared_ids)
        reader = con.sql(sql, params=params).to_arrow_reader(BATCH_ROWS)
        write_hashed_file(out_path, _batches(reader), _file_schema(reader.schema), info)
        stages["write"] = time.perf_counter() - t0
        if id_map_path is not None:
            _write_id_map(con, source, key, id_map_path)
    finally:
        drop_prepared_tables(con)
        con.close()
    seconds = time.perf_counter() - started
    report(f"{source.name}: {rows_written:,} records hashed in {seconds:.1f}s")
    # Counts of seconds only, never a value: benchmarks read this line to say where the time went.
    report(f"{source.name}: stage seconds: " + ", ".join(f"{k} {v:.1f}s" for k, v in stages.items()))
    return HashResult(
        source=source.name,
        out_path=str(out_path),
        rows_read=rows_read,
        rows_written=rows_written,
        rows_rejected=sum(reasons.values()),
        reject_reasons=reasons,
        field_issues=prepared.field_issues,
        key_fingerprint=key.fingerprint,
        pseudonymized_ids=pseudonymize_ids,
        parameters=parameters,
        seconds=seconds,
        id_map_path=str(id_map_path) if id_map_path is not None else None,
        stage_seconds=stages,
        attributes=source.attributes,
    )


def _reject_reasons(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    rows = con.execute(
        f"SELECT reason, count(*) FROM (SELECT reason FROM mpi__row_rejects UNION ALL SELECT reason FROM {BAD_ROWS_TABLE}) "
        "GROUP BY reason ORDER BY reason"
    ).fetchall()
    return {str(reason): int(count) for reason, count in rows}


def _output_sql(
    source: SourceConfig, key: HashKey, pseudonymize_ids: bool, shared_ids: tuple[str, ...]
) -> tuple[str, dict[str, object]]:
    params: dict[str, object] = {}
    record_id = "e.record_id"
    if pseudonymize_ids:
        record_id, params = pseudonymize_sql(key, source.name, "e.record_id")
    columns = [f"{record_id} AS {RECORD_ID_COLUMN}"]
    columns += [f"t.{quote_identifier(c)}" for c in token_columns(shared_ids)]
    columns += [f"b.{quote_identifier(c)}" for c in BLOOM_FIELDS]
    columns += [
        f"CAST(raw.{quote_identifier(a)} AS VARCHAR) AS {quote_identifier(attribute_column(a))}"
        for a in source.attributes
    ]
    sql = (
        f"SELECT {', '.join(columns)} FROM mpi__enriched AS e "
        f"JOIN {TOKENS_TABLE} AS t USING (mpi__row) JOIN {BLOOMS_TABLE} AS b USING (mpi__row) "
        # In order of the (pseudonymized) record id, not of the agency's file: an extract sorted by
        # name or date of birth would otherwise tell the hub that order.
        f"JOIN {RAW_TABLE} AS raw USING (mpi__row) ORDER BY 1, e.mpi__row"
    )
    return sql, params


def _file_schema(schema: pa.Schema) -> pa.Schema:
    """The file's schema: DuckDB's, with the record id and attribute columns as plain strings."""
    fields = []
    for item in schema:
        if item.name == RECORD_ID_COLUMN or item.name.startswith(ATTRIBUTE_PREFIX):
            fields.append(pa.field(item.name, pa.string()))
        else:
            fields.append(item)
    return pa.schema(fields)


def _batches(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    yield from reader


def _write_id_map(con: duckdb.DuckDBPyConnection, source: SourceConfig, key: HashKey, path: Path) -> None:
    expression, params = pseudonymize_sql(key, source.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    # COPY takes no parameter for its target; the path is quoted as a literal.
    con.execute(
        f"COPY (SELECT record_id, {expression} AS pseudonym FROM mpi__enriched "
        f"ANTI JOIN mpi__row_rejects USING (mpi__row) ORDER BY mpi__row) TO {quote_literal(str(path))} (FORMAT CSV, HEADER)",
        params,
    )
    # The agency's clear ids beside their pseudonyms: readable by its owner only, as the hashed
    # file is (mkstemp), though that one holds no clear identifier.
    os.chmod(path, 0o600)
