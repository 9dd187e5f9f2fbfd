"""Ingest agency files into `records`: read, map, standardize, reject with reasons, reconcile, in one transaction."""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import duckdb

from mpi.config import AsOf, ProjectConfig, SourceConfig
from mpi.date_formats import (
    DEFAULT_DATE_FORMAT,
    STRFTIME_CODES_HINT,
    TWO_DIGIT_YEAR_DATE_FORMATS,
    TWO_DIGIT_YEAR_READ_AS,
    date_formats_of,
)
from mpi.errors import InputError, MpiError, MpiUserError
from mpi.mapping import (
    check_mapped_column_types,
    check_mapped_columns,
    join_date_parts,
    map_source_sql,
    register_name_parser,
)
from mpi.privacy.hashed_file import HashedFileInfo, read_hashed_file_info
from mpi.privacy.hub import (
    check_encodings_agree,
    check_hashed_rows,
    check_source_name,
    check_store_kind,
    encoding_of,
    ensure_shared_id_token_columns,
    load_hashed_records,
    stored_encodings,
)
from mpi.reader import BAD_ROWS_TABLE, RAW_TABLE, SourceFile, check_source_file, file_sha256, read_source_file
from mpi.schema import IDENTIFYING_FIELDS, RECORD_COLUMN_NAMES, shared_id_column
from mpi.sqlutil import quote_identifier, run_sql_file
from mpi.standardize import count_field_issues, install_macros, standardize_mapped
from mpi.store import Store, open_store
from mpi.version import mpi_version

Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class FieldIssue:
    field: str
    column: str
    issue: str
    count: int
    fix: str = ""  # what to change in mpi.toml, when the values may be fine and the mapping is not


@dataclass(frozen=True, kw_only=True)
class SourceReconciliation:
    """Rows read = indexed + rejected, per source, with what went wrong where."""

    source: str
    path: str
    sha256: str
    load_id: int
    rows_read: int
    rows_indexed: int
    rows_rejected: int
    reject_reasons: dict[str, int]
    field_issues: tuple[FieldIssue, ...]
    seconds: float

    @property
    def balanced(self) -> bool:
        return self.rows_read == self.rows_indexed + self.rows_rejected


@dataclass(frozen=True, kw_only=True)
class IngestResult:
    store_path: str
    sources: tuple[SourceReconciliation, ...] = field(default_factory=tuple)

    @property
    def balanced(self) -> bool:
        return all(s.balanced for s in self.sources)


def select_sources(config: ProjectConfig, names: Sequence[str] | None) -> list[SourceConfig]:
    if not config.sources:
        raise MpiUserError(
            f"{config.config_path} declares no sources. Add a [sources.NAME] table for each agency file."
        )
    if not names:
        return list(config.sources.values())
    unknown = [n for n in names if n not in config.sources]
    if unknown:
        hints = []
        for name in unknown:
            near = difflib.get_close_matches(name, list(config.sources), n=1)
            hints.append(f'"{name}"' + (f' (did you mean "{near[0]}"?)' if near else ""))
        raise MpiUserError(
            f"No source {', '.join(hints)} in {config.config_path}. Sources: {', '.join(config.sources)}."
        )
    # Named twice (mpi ingest hhs hhs), a source is loaded once: a second load would only replace the first.
    return [config.sources[n] for n in dict.fromkeys(names)]


def ingest_sources(
    config: ProjectConfig,
    names: Sequence[str] | None = None,
    *,
    progress: Progress | None = None,
    allow_shrink: bool = False,
) -> IngestResult:
    """Load the named sources (default: all) into the store, replacing what each had; all or nothing.

    A load that would remove most of a source's records is refused unless ``allow_shrink``
    (see ``refuse_shrinking_load``).
    """
    report = progress or (lambda _message: None)
    sources = select_sources(config, names)
    for source in sources:
        check_source_file(source)
    hashed = {s.name: read_hashed_file_info(s.path, source=s.name) for s in sources if s.hashed}
    for name, info in hashed.items():
        check_source_name(name, info)
    store = open_store(config.store_path, create=True, memory_limit=config.memory_limit)
    try:
        store.ensure_shared_id_columns(config.shared_ids)
        check_store_kind(store.con, config)
        if config.hashed:
            ensure_shared_id_token_columns(store.con, config.shared_ids)
            # Files already loaded come first, so a new file is named as the one that differs.
            check_encodings_agree(
                stored_encodings(store.con, excluding=list(hashed))
                + [encoding_of(name, info) for name, info in hashed.items()]
            )
        results: list[SourceReconciliation] = []
        try:
            with store.transaction() as con:
                install_macros(con)
                register_name_parser(con)
                for source in sources:
                    if source.hashed:
                        results.append(
                            _ingest_hashed_one(
                                con, source, hashed[source.name], config.shared_ids, report, allow_shrink
                            )
                        )
                    else:
                        results.append(
                            _ingest_one(store, con, source, config.shared_ids, report, allow_shrink)
                        )
        except MpiUserError as exc:
            if results:
                # The progress lines said the earlier sources were indexed; the rollback undid that.
                exc.add_note(
                    f"Nothing was ingested: {', '.join(r.source for r in results)} "
                    f"{'was' if len(results) == 1 else 'were'} rolled back with it, and the store is as it was."
                )
            raise
        return IngestResult(store_path=str(config.store_path), sources=tuple(results))
    finally:
        store.close()


def _count(con: duckdb.DuckDBPyConnection, sql: str, params: list[object] | None = None) -> int:
    row = con.execute(sql, params or []).fetchall()[0]
    return int(row[0]) if row and row[0] is not None else 0


@dataclass(frozen=True, kw_only=True)
class PreparedSource:
    """A source read, mapped and standardized on a connection, ready to be loaded or hashed.

    Tables left on the connection: mpi__raw (as read), mpi__mapped, mpi__enriched (one row per
    data row, standardized) and mpi__row_rejects (rows that cannot be indexed, with reasons);
    ``drop_prepared_tables`` removes them.
    """

    read: SourceFile
    field_issues: tuple[FieldIssue, ...]


def prepare_source(
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    shared_ids: tuple[str, ...],
    *,
    progress: Progress | None = None,
    echo_values: bool = True,
) -> PreparedSource:
    """Read -> map -> standardize one clear source: the path `mpi ingest` and `mpi hash` share.

    Needs the standardization macros and the name parser on ``con`` (``install_macros``,
    ``register_name_parser``). ``echo_values`` False keeps input values (e.g. a duplicated
    record id) out of error messages, for runs whose messages may leave the agency.
    """
    report = progress or (lambda _message: None)
    report(f"{source.name}: reading {source.path.name}")
    read = read_source_file(con, source)
    check_mapped_columns(source, read.columns)
    check_mapped_column_types(source, read.column_types)
    # Counted as the reconciliation counts them: unreadable rows (on_bad_rows = "reject") were read too.
    unreadable = f" ({read.bad_rows:,} unreadable, rejected)" if read.bad_rows else ""
    report(
        f"{source.name}: {read.rows_loaded + read.bad_rows:,} rows read{unreadable}; mapping and standardizing"
    )
    # A date kept in parts is read from one joined column; messages still name the source's own.
    mapped_source, column_types = join_date_parts(con, source, read.column_types)
    sql, params = map_source_sql(mapped_source, column_types, shared_ids)
    con.execute(sql, params)
    standardize_mapped(con)
    _mark_identifiable(con, shared_ids)
    run_sql_file(con, "ingest/row_rejects")
    if source.on_duplicate_ids == "error":
        _refuse_duplicate_ids(con, source, echo_values=echo_values)
    issues = [
        *_full_name_order_issues(con, source),
        *count_field_issues(con),
        *_age_range_issues(con, source),
    ]
    field_issues = tuple(
        FieldIssue(
            field=f, column=_column_of(source, f), issue=i, count=n, fix=_fix_for(con, source, f, i, n)
        )
        for f, i, n in issues
    )
    return PreparedSource(read=read, field_issues=field_issues)


COMMA_NAME_READ_FIRST_FIRST = 'written "LAST, FIRST" (a comma), read first name first as its format says'


def _full_name_order_issues(
    con: duckdb.DuckDBPyConnection, source: SourceConfig
) -> list[tuple[str, str, int]]:
    """Whole names with a comma before given names, mapped with format "FIRST MIDDLE LAST SUFFIX".

    That format reads MURPHY, ANTHONY as first name MURPHY: a wrong format is otherwise silent, as
    every name still yields a first and a last name. A comma before a suffix or title alone
    (SMITH JR, BUI, MD) is no sign of it.
    """
    mapping = source.mapping("full_name")
    if mapping is None or mapping.name_format != "FIRST MIDDLE LAST SUFFIX":
        return []
    count = _count(
        con,
        "SELECT count(*) FROM mpi__mapped ANTI JOIN mpi__row_rejects USING (mpi__row) "
        "WHERE strpos(full_name_raw, ',') > 0 "
        "AND len(mpi_name_tokens(regexp_extract(full_name_raw, ',([^,]*)$', 1))) > 0",
    )
    return [("full_name", COMMA_NAME_READ_FIRST_FIRST, count)] if count else []


AGE_RANGE_DATE_UNREAD = "as-of date unread: the source's age range not applied"


def _age_range_issues(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> list[tuple[str, str, int]]:
    """Rows whose age_range as_of_column holds a value none of its formats read.

    Such a row keeps no birth-year bounds, so the range rules no one out on it: without this
    count a wrong as_of_format switched the range off for the whole source in silence.
    """
    as_of = source.age_range.as_of if source.age_range is not None else None
    if as_of is None or not as_of.column:
        return []
    count = _count(
        con,
        f"SELECT count(*) FROM mpi__enriched AS e JOIN {RAW_TABLE} AS r USING (mpi__row) "
        "ANTI JOIN mpi__row_rejects USING (mpi__row) "
        "WHERE e.source_birth_year_min IS NULL AND e.source_birth_year_max IS NULL "
        f"AND nullif(trim(CAST(r.{quote_identifier(as_of.column)} AS VARCHAR)), '') IS NOT NULL",
    )
    return [("age_range", AGE_RANGE_DATE_UNREAD, count)] if count else []


def _fix_for(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, field_name: str, issue: str, count: int
) -> str:
    """The mapping change that may cure ``issue``: dates in a format the column's date_format lacks.

    The formats are those `mpi inspect` finds, tried on the dates none of the column's formats read;
    the hint names formats only, never a value (it is printed by `mpi hash` too).
    """
    mapping = source.mapping(field_name)
    if issue == COMMA_NAME_READ_FIRST_FIRST and mapping is not None:
        names = "name is" if count == 1 else "names are"
        return (
            f'{source.name}: {count:,} {names} in column "{mapping.column}" written with a comma before given '
            'names, as in "LAST, FIRST", but format = "FIRST MIDDLE LAST SUFFIX" reads the first word as the '
            f"first name. If the column holds such names, set [sources.{source.name}.columns] full_name = "
            f'{{ column = "{mapping.column}", format = "LAST, FIRST MIDDLE SUFFIX" }} (it reads a name without a '
            'comma as FIRST LAST too), or format = "auto".'
        )
    if field_name == "age" and mapping is not None and mapping.as_of is not None and mapping.as_of.column:
        return _as_of_fix(con, source, mapping.as_of)
    if issue == AGE_RANGE_DATE_UNREAD and source.age_range is not None:
        rows = "row's" if count == 1 else "rows'"
        return (
            f'{source.name}: {count:,} {rows} as_of_column "{source.age_range.as_of.column}" holds a date none of '
            f"age_range's formats read ({_tried_as_of_formats(source.age_range.as_of)}), so the source's age range "
            f"rules no one out there; {_as_of_format_fix(con, source.age_range.as_of, 'age_range')}."
        )
    if field_name != "dob" or issue != "unparseable date" or mapping is None:
        return ""
    if mapping.date_parts:
        dates = "date" if count == 1 else "dates"
        return (
            f"{source.name}: {count:,} {dates} in columns {', '.join(repr(c) for c in mapping.date_parts)} "
            "name no day of the calendar: a month or day out of range or not a number (or a month's "
            "name), or a year not written with four digits. A four-digit year is still kept as the birth year."
        )
    tried = ", ".join(mapping.date_formats)
    dates, match = ("date", "matches") if count == 1 else ("dates", "match")
    unread = f'{source.name}: {count:,} {dates} in column "{mapping.column}" {match} none of the formats tried ({tried})'
    found, (two_digit_years, short) = _formats_of_unread_dates(con, mapping.date_formats)
    if two_digit_years:
        return (
            f"{unread}: {two_digit_years:,} {'has' if two_digit_years == 1 else 'have'} a two-digit year "
            f"(as {short} reads it), "
            "and mpi does not guess a century unasked. Ask the agency for four-digit years; or add "
            f'"{short}" to date_format, after the formats there: a two-digit year is then {TWO_DIGIT_YEAR_READ_AS}.'
        )
    if found and _reads_every_date(con, found[0]):
        # The dates the column's formats did read are suspect too: 11/02/1975 read by %d/%m/%Y is
        # 11 February where the file meant 2 November. Listing the format after them would keep those.
        return (
            f"{unread}; {found[0]} reads every date of the column, so the day and month (or the order of "
            f"the parts) are likely the other way round, and the dates {tried} did read may be wrong too. "
            f'Replace the format in mpi.toml: [sources.{source.name}.columns] dob = {{ column = "{mapping.column}", '
            f'date_format = "{found[0]}" }}.'
        )
    if not found:
        serial_days = _count(
            con,
            "SELECT count(*) FROM mpi__mapped WHERE dob_in IS NULL AND NOT dob_year_only_in "
            "AND TRY_CAST(mpi_whole_number(dob_raw) AS INTEGER) BETWEEN 10000 AND 73000",
        )
        if serial_days:
            # Excel counts days from 1899-12-30: a date column saved as numbers (General format) reads 27700.
            return (
                f"{unread}: {serial_days:,} of them are whole numbers such as a spreadsheet writes for a date "
                "(27700 is 1975-11-02, a day count from 1899-12-30). Ask the agency to save the column as dates "
                "(in the spreadsheet, format it as a date before saving the file)."
            )
        return (
            f"{unread}, nor any other format mpi knows: mistyped dates, most likely. If they are dates "
            f"written another way, add that way to date_format under [sources.{source.name}.columns] dob "
            f"in mpi.toml, in strftime codes ({STRFTIME_CODES_HINT})."
        )
    formats = ", ".join(f'"{f}"' for f in (*mapping.date_formats, *found))
    return (
        f"{unread}; {', '.join(found)} read{'s' if len(found) == 1 else ''} some of them. To read those "
        f"too, list {'it' if len(found) == 1 else 'them'} in mpi.toml: [sources.{source.name}.columns] "
        f'dob = {{ column = "{mapping.column}", date_format = [{formats}] }}; any others are mistyped dates, most likely.'
    )


def _reads_every_date(con: duckdb.DuckDBPyConnection, date_format: str) -> bool:
    """Whether ``date_format`` reads every date of the source's dob column (years alone aside)."""
    unread_by_it = _count(
        con,
        "SELECT count(*) FROM (SELECT DISTINCT mpi_without_time(trim(dob_raw)) AS v FROM mpi__mapped "
        "WHERE dob_raw IS NOT NULL AND NOT dob_year_only_in) "
        "WHERE mpi_date_with_whole_year(CAST(try_strptime(v, ?) AS DATE), v) IS NULL",
        [date_format],
    )
    return unread_by_it == 0


UNREAD_DATES_TABLE = "mpi__unread_dates"
# Distinct unread dates the formats are counted on, as `mpi inspect` samples a file.
UNREAD_DATES_SAMPLE = 100_000


def _as_of_fix(con: duckdb.DuckDBPyConnection, source: SourceConfig, as_of: AsOf) -> str:
    """Ages whose recorded date did not read: the as_of_format that reads the as_of_column's dates."""
    unread = _count(
        con,
        "SELECT count(*) FROM mpi__enriched ANTI JOIN mpi__row_rejects USING (mpi__row) "
        "WHERE age IS NULL AND age_as_of IS NULL AND TRY_CAST(trim(age_raw) AS INTEGER) BETWEEN 0 AND 120",
    )
    if not unread:
        return ""
    return (
        f'{source.name}: {unread:,} ages have no recorded date: the as_of_column "{as_of.column}" holds dates '
        f"none of its formats read ({_tried_as_of_formats(as_of)}); {_as_of_format_fix(con, as_of, 'the age mapping')}."
    )


def _tried_as_of_formats(as_of: AsOf) -> str:
    return ", ".join(as_of.formats) or DEFAULT_DATE_FORMAT


def _as_of_format_fix(con: duckdb.DuckDBPyConnection, as_of: AsOf, where: str) -> str:
    """The as_of_format that reads the as_of_column's dates, as `mpi inspect` finds it, or how to write one."""
    found = date_formats_of(con, RAW_TABLE, str(as_of.column))
    if found:
        return f'set as_of_format = "{found[0]}" in {where}'
    return f"set as_of_format in {where}, in strftime codes ({STRFTIME_CODES_HINT})"


def _formats_of_unread_dates(
    con: duckdb.DuckDBPyConnection, date_formats: tuple[str, ...]
) -> tuple[tuple[str, ...], tuple[int, str]]:
    """The formats that read some of the unread dates, and how many of those a format reads with a
    two-digit year, with the first such format that reads most: the column's own with %y for %Y (2/3/85),
    then those mpi knows (05-APR-97)."""
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {UNREAD_DATES_TABLE} AS SELECT DISTINCT dob_raw FROM mpi__mapped "
        "ANTI JOIN mpi__row_rejects USING (mpi__row) "
        f"WHERE dob_raw IS NOT NULL AND dob_in IS NULL AND NOT dob_year_only_in LIMIT {UNREAD_DATES_SAMPLE}"
    )
    try:
        read_by: list[tuple[int, str]] = []
        own = [f.replace("%Y", "%y") for f in date_formats if "%Y" in f]
        for short in dict.fromkeys([*own, *TWO_DIGIT_YEAR_DATE_FORMATS]):
            count = _count(
                con,
                f"SELECT count(*) FROM {UNREAD_DATES_TABLE} "
                "WHERE try_strptime(mpi_without_time(trim(dob_raw)), ?) IS NOT NULL",
                [short],
            )
            read_by.append((count, short))
        # The format reading most of them; of equals, the column's first.
        most = max(read_by, key=lambda counted: counted[0], default=(0, ""))
        return date_formats_of(con, UNREAD_DATES_TABLE, "dob_raw"), most
    finally:
        con.execute(f"DROP TABLE {UNREAD_DATES_TABLE}")


PREPARED_TABLES = (
    RAW_TABLE,
    BAD_ROWS_TABLE,
    "mpi__mapped",
    "mpi__enriched",
    "mpi__row_rejects",
)


def drop_prepared_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in PREPARED_TABLES:
        con.execute(f"DROP TABLE IF EXISTS {table}")


def _ingest_one(
    store: Store,
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    shared_ids: tuple[str, ...],
    report: Progress,
    allow_shrink: bool,
) -> SourceReconciliation:
    started = time.perf_counter()
    started_at = datetime.now()
    prepared = prepare_source(con, source, shared_ids, progress=report)
    read, field_issues = prepared.read, prepared.field_issues
    if not allow_shrink:
        to_index = _count(
            con, "SELECT count(*) FROM mpi__enriched ANTI JOIN mpi__row_rejects USING (mpi__row)"
        )
        refuse_shrinking_load(con, source, to_index, rows_read=read.rows_loaded + read.bad_rows)

    load_id = _count(con, "SELECT nextval('mpi__load_id_seq')")
    run_sql_file(con, "ingest/replace_source", {"source": source.name})
    _insert_records(con, source.name, load_id, shared_ids)
    _insert_attributes(con, source)
    con.execute(
        "INSERT INTO rejects SELECT $source, $load_id, mpi__row, record_id, reason, detail FROM mpi__row_rejects",
        {"source": source.name, "load_id": load_id},
    )
    con.execute(
        f"INSERT INTO rejects SELECT $source, $load_id, line, record_id, reason, detail FROM {BAD_ROWS_TABLE}",
        {"source": source.name, "load_id": load_id},
    )
    for fi in field_issues:
        con.execute(
            "INSERT INTO field_issues VALUES (?, ?, ?, ?, ?, ?)",
            [load_id, source.name, fi.field, fi.column, fi.issue, fi.count],
        )

    rows_read = read.rows_loaded + read.bad_rows
    rows_indexed = _count(con, "SELECT count(*) FROM records WHERE source = ?", [source.name])
    rows_rejected = _count(con, "SELECT count(*) FROM rejects WHERE source = ?", [source.name])
    reasons = dict(
        con.execute(
            "SELECT reason, count(*) FROM rejects WHERE source = ? GROUP BY reason ORDER BY reason",
            [source.name],
        ).fetchall()
    )
    if rows_read != rows_indexed + rows_rejected:
        raise MpiError(
            f'Source "{source.name}": {rows_read} rows read but {rows_indexed} indexed + {rows_rejected} rejected. '
            "Nothing was written; please report this as a bug."
        )
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source.name, str(source.path), read.sha256, rows_read, rows_indexed, rows_rejected,
         started_at, datetime.now(), mpi_version()],
    )  # fmt: skip
    drop_prepared_tables(con)
    seconds = time.perf_counter() - started
    report(f"{source.name}: {rows_indexed:,} indexed, {rows_rejected:,} rejected in {seconds:.1f}s")
    return SourceReconciliation(
        source=source.name,
        path=str(source.path),
        sha256=read.sha256,
        load_id=load_id,
        rows_read=rows_read,
        rows_indexed=rows_indexed,
        rows_rejected=rows_rejected,
        reject_reasons={str(k): int(v) for k, v in reasons.items()},
        field_issues=field_issues,
        seconds=seconds,
    )


def _ingest_hashed_one(
    con: duckdb.DuckDBPyConnection,
    source: SourceConfig,
    info: HashedFileInfo,
    shared_ids: tuple[str, ...],
    report: Progress,
    allow_shrink: bool,
) -> SourceReconciliation:
    """Load a file written by `mpi hash`: its rows were read, standardized and vetted at the agency."""
    started = time.perf_counter()
    started_at = datetime.now()
    report(f"{source.name}: loading hashed file {source.path.name}")
    rows_read = check_hashed_rows(con, source.name, info)
    if not allow_shrink:
        refuse_shrinking_load(con, source, rows_read, rows_read=rows_read)
    sha256 = file_sha256(source.path)
    load_id = _count(con, "SELECT nextval('mpi__load_id_seq')")
    run_sql_file(con, "ingest/replace_source", {"source": source.name})
    con.execute("DELETE FROM hashed_loads WHERE source = ?", [source.name])
    load_hashed_records(con, source.name, load_id, info, shared_ids)
    # What the agency's run set to null, by field: counts only, as in a clear load.
    field_issues = tuple(FieldIssue(field=f, column=c, issue=i, count=n) for f, c, i, n in info.field_issues)
    for fi in field_issues:
        con.execute(
            "INSERT INTO field_issues VALUES (?, ?, ?, ?, ?, ?)",
            [load_id, source.name, fi.field, fi.column, fi.issue, fi.count],
        )
    rows_indexed = _count(con, "SELECT count(*) FROM records WHERE source = ?", [source.name])
    if rows_read != rows_indexed:
        raise MpiError(
            f'Hashed source "{source.name}": {rows_read} rows in the file but {rows_indexed} indexed. '
            "Nothing was written; please report this as a bug."
        )
    con.execute(
        "INSERT INTO loads VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [load_id, source.name, str(source.path), sha256, rows_read, rows_indexed, 0,
         started_at, datetime.now(), mpi_version()],
    )  # fmt: skip
    seconds = time.perf_counter() - started
    rejected_at_agency = sum(info.agency_rejects.values())
    report(
        f"{source.name}: {rows_indexed:,} hashed records indexed in {seconds:.1f}s "
        f"({rejected_at_agency:,} rows were rejected at the agency)"
    )
    return SourceReconciliation(
        source=source.name,
        path=str(source.path),
        sha256=sha256,
        load_id=load_id,
        rows_read=rows_read,
        rows_indexed=rows_indexed,
        rows_rejected=0,
        reject_reasons={},
        field_issues=field_issues,
        seconds=seconds,
    )


# A load is refused when it keeps fewer than this share of the records the source has in the store
# and removes at least SHRINK_REFUSED_FROM_REMOVED of them. A cut-short or wrongly filtered extract
# otherwise retires the ids of every person it drops at the next link, and reloading the whole file
# then issues them new ids. The floor spares small projects, whose sources are rewritten by hand.
SHRINK_REFUSED_BELOW_SHARE = 0.5
SHRINK_REFUSED_FROM_REMOVED = 100


def refuse_shrinking_load(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, to_index: int, *, rows_read: int
) -> None:
    """Refuse a load of ``to_index`` records that would remove most of what the source has in the store."""
    in_store = _count(con, "SELECT count(*) FROM records WHERE source = ?", [source.name])
    removed = in_store - to_index
    if to_index >= in_store * SHRINK_REFUSED_BELOW_SHARE or removed < SHRINK_REFUSED_FROM_REMOVED:
        return
    rejected = rows_read - to_index
    of_rows = f" ({rows_read:,} rows read, {rejected:,} rejected)" if rejected else ""
    raise InputError(
        f'Source "{source.name}": {source.path.name} has {to_index:,} records to index{of_rows}, {removed:,} '
        f"({removed / in_store:.0%}) fewer than the {in_store:,} the store holds from its last load; the persons "
        f'whose records it drops would lose their ids at the next "mpi link". Check the extract (cut short, '
        f'filtered, or another file?); if the source really has shrunk, run "mpi ingest {source.name} '
        f'--allow-shrink" to load it anyway.'
    )


def _column_of(source: SourceConfig, field_name: str) -> str:
    if field_name == "age_range" and source.age_range is not None:
        return source.age_range.as_of.column or ""
    mapping = source.mapping(field_name) or (
        source.mapping("full_name") if field_name.endswith("name") else None
    )
    if mapping is None:
        return ""
    return "/".join(mapping.date_parts) if mapping.date_parts else mapping.column


def _mark_identifiable(con: duckdb.DuckDBPyConnection, shared_ids: tuple[str, ...]) -> None:
    columns = [*IDENTIFYING_FIELDS, *(shared_id_column(s) for s in shared_ids)]
    any_present = " OR ".join(f"{quote_identifier(c)} IS NOT NULL" for c in columns)
    con.execute(
        "CREATE OR REPLACE TEMP VIEW mpi__identifiable AS "
        f"SELECT mpi__row, record_id, ({any_present}) AS has_identifier FROM mpi__enriched"
    )


def _refuse_duplicate_ids(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, *, echo_values: bool = True
) -> None:
    rows = con.execute(
        "SELECT record_id, list(mpi__row ORDER BY mpi__row) FROM mpi__row_rejects "
        "WHERE reason = 'duplicate record id' GROUP BY record_id ORDER BY min(mpi__row)"
    ).fetchall()
    if not rows:
        return
    first_id, first_rows = rows[0]
    at_rows = f"data rows {', '.join(str(r) for r in first_rows[:3])}"
    example = f'e.g. "{first_id}" on {at_rows}' if echo_values else f"e.g. on {at_rows}"
    raise InputError(
        f'Source "{source.name}": {source.path} column "{source.record_id}" has {len(rows)} duplicated '
        f"record id(s) ({example}). Record ids must be unique in a file: fix the extract, or set "
        f'on_duplicate_ids = "reject" under [sources.{source.name}] to reject those rows.'
    )


def _insert_records(
    con: duckdb.DuckDBPyConnection, source: str, load_id: int, shared_ids: tuple[str, ...]
) -> None:
    columns = [*RECORD_COLUMN_NAMES, *(shared_id_column(s) for s in shared_ids)]
    values = [
        "$source" if c == "source" else "$load_id" if c == "load_id" else quote_identifier(c) for c in columns
    ]
    # content_hash lets an incremental link tell a changed record from one that was only reloaded.
    hashed = ", ".join(quote_identifier(c) for c in columns if c not in ("source", "record_id", "load_id"))
    con.execute(
        f"INSERT INTO records ({', '.join(quote_identifier(c) for c in columns)}, content_hash) "
        f"SELECT {', '.join(values)}, hash({hashed}) FROM mpi__enriched "
        "ANTI JOIN mpi__row_rejects USING (mpi__row) ORDER BY mpi__row",
        {"source": source, "load_id": load_id},
    )


def _insert_attributes(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
    """Attribute columns go to `attributes` unchanged, one row per (record, attribute), NULLs included."""
    if not source.attributes:
        return
    values = ", ".join(f"CAST(raw.{quote_identifier(a)} AS VARCHAR)" for a in source.attributes)
    con.execute(
        "INSERT INTO attributes SELECT $source, m.record_id, unnest($names::VARCHAR[]), "
        f"unnest([{values}]) FROM {RAW_TABLE} AS raw JOIN mpi__mapped AS m USING (mpi__row) "
        "ANTI JOIN mpi__row_rejects AS r USING (mpi__row)",
        {"source": source.name, "names": list(source.attributes)},
    )
