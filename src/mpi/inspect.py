"""Profile an agency file before it is mapped: columns, types, null rates, samples, a suggested mapping."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mpi.config import DEFAULT_DATE_FORMAT, FORMATS_BY_EXTENSION
from mpi.errors import InputError
from mpi.mapping import DATE_TYPES
from mpi.sqlutil import quote_identifier, quote_literal

# Column-name patterns that usually mean a canonical field; the first match wins.
FIELD_PATTERNS: tuple[tuple[str, str], ...] = (
    ("full_name", r"^(full_?name|name|client_?name|person_?name|employee_?name|licensee(_?name)?)$"),
    ("first_name", r"(first|given|fore|f)_?(name|nm)$|^fname$|^first$"),
    ("middle_name", r"(middle|mid|m)_?(name|nm|init(ial)?)$|^mname$|^middle$"),
    ("last_name", r"(last|sur|family|l)_?(name|nm)$|^lname$|^surname$|^last$"),
    ("suffix", r"suffix|sfx|generation"),
    ("dob", r"dob|birth_?(date|dt|day)|date_?of_?birth|bdate"),
    ("age", r"^age(_?years)?$"),
    ("sex", r"^(sex|gender)(_?(cd|code))?$"),
    ("ssn", r"ssn|soc_?sec|social_?security"),
    ("street_number", r"(street|house)_?(number|num|no)$"),
    ("street_name", r"street_?name|^street$"),
    ("unit", r"^(unit|apt|apartment|suite)(_?(no|num|number))?$"),
    ("address", r"addr|address"),
    ("city", r"city|town|suburb|municipality"),
    ("state", r"^(state|st)(_?(cd|code|abbr))?$"),
    ("zip", r"zip|postal|postcode"),
    ("phone", r"phone|tel|mobile"),
    ("email", r"e_?mail"),
)
RECORD_ID_PATTERN = r"(^id$|_id$|_key$|^rec(ord)?_?(id|no|num)$|^key$)"
SAMPLE_ROWS = 100_000
# Date formats tried on a date-of-birth column that DuckDB read as text. Month first before day
# first: on dates that both read (no day past 12) the US order wins, as in the agencies' files.
# No two-digit years: their century is a guess.
CANDIDATE_DATE_FORMATS: tuple[str, ...] = (
    DEFAULT_DATE_FORMAT,
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y%m%d",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d %Y",
)


@dataclass(frozen=True, kw_only=True)
class ColumnProfile:
    name: str
    inferred_type: str
    null_rate: float
    distinct: int
    samples: tuple[str, ...]
    suggested_field: str | None
    # dob read as text: the formats that parse its values, most values first (see date_formats_of)
    date_formats: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FileProfile:
    path: str
    rows_sampled: int
    columns: tuple[ColumnProfile, ...]
    suggested_record_id: str | None

    def suggested_mapping_toml(self, source_name: str) -> str:
        lines = [f"[sources.{source_name}]", f'path = "{Path(self.path).name}"']
        if self.suggested_record_id:
            lines.append(f'record_id = "{self.suggested_record_id}"')
        if not {c.suggested_field for c in self.columns} & {"dob", "age"}:
            # Without birth information the source's known ages still rule people out (docs/config.md).
            lines += [
                "# No date of birth or age: if everyone in the file is of a known age (a wage file: 14+), say so:",
                '# age_range = { min = 14, as_of = "YYYY-MM-DD" }',
            ]
        lines += ["", f"[sources.{source_name}.columns]"]
        for column in self.columns:
            if not column.suggested_field or column.name == self.suggested_record_id:
                continue
            if column.date_formats and column.date_formats != (DEFAULT_DATE_FORMAT,):
                formats = ", ".join(f'"{f}"' for f in column.date_formats)
                lines.append(
                    f'{column.suggested_field} = {{ column = "{column.name}", date_format = [{formats}] }}'
                )
            else:
                lines.append(f'{column.suggested_field} = "{column.name}"')
        return "\n".join(lines)


def one_column_per_field(columns: list[str]) -> dict[str, str]:
    """Column -> suggested field, each field for one column only, so the mapping is valid TOML and config.

    Of several columns that look like one field (surname, first_and_surname), the shortest name
    wins. A whole name is suggested only when no column looks like a first or last name: a source
    maps one or the other.
    """
    chosen: dict[str, str] = {}
    for column in sorted(columns, key=len):
        field = suggest_field(column)
        if field is not None and field not in chosen.values():
            chosen[column] = field
    if {"first_name", "last_name"} & set(chosen.values()):
        chosen = {column: field for column, field in chosen.items() if field != "full_name"}
    return chosen


def suggest_field(column: str) -> str | None:
    name = re.sub(r"[^a-z0-9]+", "_", column.lower()).strip("_")
    for field, pattern in FIELD_PATTERNS:
        if re.search(pattern, name):
            return field
    return None


def date_formats_of(con: duckdb.DuckDBPyConnection, table: str, column: str) -> tuple[str, ...]:
    """The formats that read a text column's dates: greedily, the one reading most values first, then
    each that reads values none before it could (a file mixing ``01/02/1980`` and ``1980-01-02``).

    DuckDB's CSV sniffer finds one date format per column, and only when every value has it; a
    date of birth column keyed by hand often mixes two, so the candidates are counted here.
    """
    q = quote_identifier(column)
    values = f"SELECT DISTINCT trim(CAST({q} AS VARCHAR)) AS v FROM {quote_identifier(table)} WHERE {q} IS NOT NULL"
    chosen: list[str] = []
    while True:
        unread = " AND ".join(f"try_strptime(v, {quote_literal(f)}) IS NULL" for f in chosen) or "true"
        counts = con.execute(
            "SELECT "
            + ", ".join(
                f"count(*) FILTER (WHERE {unread} AND try_strptime(v, {quote_literal(f)}) IS NOT NULL)"
                for f in CANDIDATE_DATE_FORMATS
            )
            + f" FROM ({values})"
        ).fetchall()[0]
        best = max(range(len(CANDIDATE_DATE_FORMATS)), key=lambda i: (int(counts[i]), -i))
        if int(counts[best]) == 0:
            return tuple(chosen)
        chosen.append(CANDIDATE_DATE_FORMATS[best])


def _dob_formats(
    con: duckdb.DuckDBPyConnection, column: str, column_type: str, *, csv_as_text: str | None
) -> tuple[str, ...]:
    """Formats of a dob column: on its text as `mpi ingest` reads a CSV (all text, whatever type the
    sniffer found: a d/m/Y column sniffed as DATE is still parsed by the mapping's formats)."""
    if csv_as_text is not None:
        q = quote_identifier(column)
        con.execute(f"CREATE OR REPLACE TABLE dob_text AS SELECT {q} FROM {csv_as_text} LIMIT {SAMPLE_ROWS}")
        return date_formats_of(con, "dob_text", column)
    return () if column_type.upper() in DATE_TYPES else date_formats_of(con, "sample", column)


def inspect_file(path: Path, *, delimiter: str | None = None, encoding: str = "utf-8") -> FileProfile:
    """Profile the first SAMPLE_ROWS rows of a CSV or Parquet file with DuckDB's type detection."""
    if not path.is_file():
        raise InputError(f"File {path} does not exist. Check the path.")
    if path.stat().st_size == 0:
        raise InputError(f"File {path} is empty (0 bytes).")
    con = duckdb.connect()
    try:
        csv_as_text = None
        if FORMATS_BY_EXTENSION.get(path.suffix.lower()) == "parquet":
            con.execute(
                f"CREATE TABLE sample AS SELECT * FROM read_parquet(?) LIMIT {SAMPLE_ROWS}", [str(path)]
            )
        else:
            options = {
                "encoding": "latin-1" if encoding.lower() in ("latin-1", "latin1", "iso-8859-1") else encoding
            }
            delim = f", delim = {quote_literal(delimiter)}" if delimiter else ""
            con.execute(
                f"CREATE TABLE sample AS SELECT * FROM read_csv($path, encoding = $encoding{delim}) LIMIT {SAMPLE_ROWS}",
                {"path": str(path), **options},
            )
            csv_as_text = (
                f"read_csv({quote_literal(str(path))}, encoding = {quote_literal(options['encoding'])}, "
                f"all_varchar = true{delim})"
            )
        described = con.execute("DESCRIBE sample").fetchall()
        total_row = con.execute("SELECT count(*) FROM sample").fetchall()[0]
        total = int(total_row[0]) if total_row else 0
        suggestions = one_column_per_field([str(name) for name, *_ in described])
        profiles = []
        for name, column_type, *_ in described:
            q = quote_identifier(str(name))
            stats = con.execute(
                f"SELECT count(*) FILTER (WHERE {q} IS NULL OR trim(CAST({q} AS VARCHAR)) = ''), "
                f"count(DISTINCT {q}) FROM sample"
            ).fetchall()[0]
            samples = con.execute(
                f"SELECT DISTINCT CAST({q} AS VARCHAR) FROM sample WHERE {q} IS NOT NULL LIMIT 3"
            ).fetchall()
            nulls, distinct = (int(stats[0]), int(stats[1])) if stats else (0, 0)
            profiles.append(
                ColumnProfile(
                    name=str(name),
                    inferred_type=str(column_type),
                    null_rate=nulls / total if total else 0.0,
                    distinct=distinct,
                    samples=tuple(str(s[0]) for s in samples),
                    suggested_field=suggestions.get(str(name)),
                    date_formats=_dob_formats(con, str(name), str(column_type), csv_as_text=csv_as_text)
                    if suggestions.get(str(name)) == "dob"
                    else (),
                )
            )
    except duckdb.Error as exc:
        raise InputError(
            f"File {path} cannot be read ({str(exc).splitlines()[0]}). "
            "Try --encoding latin-1 or --delimiter to match the file."
        ) from exc
    finally:
        con.close()
    record_id = next(
        (
            p.name
            for p in profiles
            if re.search(RECORD_ID_PATTERN, p.name.lower()) and p.distinct >= 0.9 * total * (1 - p.null_rate)
        ),
        None,
    )
    return FileProfile(
        path=str(path), rows_sampled=total, columns=tuple(profiles), suggested_record_id=record_id
    )
