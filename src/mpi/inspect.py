"""Profile an agency file before it is mapped: columns, types, null rates, samples, a suggested mapping."""

from __future__ import annotations

import codecs
import itertools
import json
import tempfile
import textwrap
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path

import duckdb

from mpi.column_names import (
    NAME_FIELDS,
    column_words,
    date_part_columns,
    names_a_record_id,
    one_column_per_field,
)
from mpi.config import (
    EXCEL_EXTENSIONS,
    FORMATS_BY_EXTENSION,
    FULL_NAME_FORMATS,
    default_delimiter,
    is_known_encoding,
)
from mpi.date_formats import DEFAULT_DATE_FORMAT, TWO_DIGIT_YEAR_READ_AS, date_formats_of, has_two_digit_year
from mpi.errors import InputError, and_list
from mpi.excel import read_excel_sheet
from mpi.mapping import DATE_TYPES
from mpi.reader import (
    HeaderNames,
    RenamedColumn,
    column_names_of_header,
    decoded_lines,
    drop_unfilled_columns,
    duckdb_encoding,
    ending_in_lf,
    has_mixed_line_endings,
    header_below_title,
    header_fields,
    utf16_encoding_of,
    western_encoding_of,
)
from mpi.sqlutil import quote_identifier, quote_literal
from mpi.standardize import install_macros
from mpi.toml_values import toml_value

SAMPLE_ROWS = 100_000
COMMENT_WIDTH = 98


# A suggested mapping's options for one column (key, value), and them with comments for the user
Options = tuple[tuple[str, int | str | list[str] | dict[str, str]], ...]
Hints = tuple[Options, tuple[str, ...]]


@dataclass(frozen=True, kw_only=True)
class ColumnProfile:
    name: str
    inferred_type: str
    null_rate: float
    distinct: int
    samples: tuple[str, ...]
    suggested_field: str | None
    # Options the suggested mapping needs beyond the column (a dob's date_format, a whole name's
    # format, an age's as_of), and comments on what inspect could not settle.
    mapping_options: Options = ()
    mapping_notes: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class FileProfile:
    path: str
    rows_sampled: int
    columns: tuple[ColumnProfile, ...]
    suggested_record_id: str | None
    # Rows of the sample whose suggested record id another row already has (0: every id is unique)
    record_id_repeats: int = 0
    # CSV only: the delimiter read (given or detected) and the encoding, written when not the default
    delimiter: str | None = None
    encoding: str = "utf-8"
    header: bool = True
    # Excel only: the sheet read, written when the workbook has several or one was asked for
    sheet: str | None = None
    # The row (a CSV file's line) holding the header when a report's title comes first
    header_row: int | None = None
    # The format read, written when the extension says another (a CSV file named .xls)
    file_format: str | None = None
    # What the profile could not read as it should (ragged lines); comments in the suggested mapping
    warnings: tuple[str, ...] = ()

    def to_settle(self) -> list[str]:
        """What the suggested mapping leaves to the user (each has a comment in the mapping)."""
        if self.record_id_repeats:
            missing_id = [
                f"record_id ({self.suggested_record_id} repeats {self.record_id_repeats:,} value(s))"
            ]
        else:
            missing_id = [] if self.suggested_record_id else ["record_id"]
        missing_name = [] if self.maps_a_name() else ["the name (no column read as one)"]
        # A warning (a ragged line, a delimiter that splits nothing) may stop ingest: its first sentence.
        warned = [f"warning: {warning.split('. ')[0].rstrip('.')}" for warning in self.warnings]
        no_birth = (
            []
            if self.has_birth_information()
            else ["age_range (no date of birth or age: the ages everyone in the file has, if known)"]
        )
        return (
            warned
            + missing_id
            + missing_name
            + [f"{c.suggested_field} ({c.name})" for c in self.columns if c.mapping_notes]
            + no_birth
        )

    def has_birth_information(self) -> bool:
        return bool({c.suggested_field for c in self.columns} & {"dob", "age"})

    def maps_a_name(self) -> bool:
        """Whether a column is read as a name; a file read as one column (a wrong delimiter) is warned of instead."""
        return len(self.columns) < 2 or bool({c.suggested_field for c in self.columns} & NAME_FIELDS)

    def suggested_mapping_toml(self, source_name: str, *, path_text: str | None = None) -> str:
        """The [sources.NAME] tables; path_text is the path as mpi.toml gives it (default: the file name)."""
        lines = [f"[sources.{source_name}]"]
        lines += [f"# {line}" for warning in self.warnings for line in textwrap.wrap(warning, COMMENT_WIDTH)]
        lines.append(f"path = {toml_value(path_text or Path(self.path).name)}")
        if self.file_format is not None:
            lines.append(f"format = {toml_value(self.file_format)}")
        if self.sheet is not None:
            lines.append(f"sheet = {toml_value(self.sheet)}")
        if self.header_row is not None:
            lines.append(f"header_row = {self.header_row}   # the rows above it are a title, or blank")
        if self.delimiter is not None and self.delimiter != default_delimiter(Path(self.path)):
            lines.append(f"delimiter = {toml_value(self.delimiter)}")
        if self.delimiter is not None and self.encoding.lower() not in ("utf-8", "utf8"):
            lines.append(f"encoding = {toml_value(self.encoding)}")
        if not self.header:
            lines.append("header = false")
        if self.suggested_record_id and self.record_id_repeats:
            lines += [
                f"# {self.suggested_record_id} is named as the record id, but {self.record_id_repeats:,} row(s) of the "
                "sample repeat an id another row has.",
                "# Ask the agency for one row per record; until then ingest rejects the rows sharing an id, with a reason:",
                f"record_id = {toml_value(self.suggested_record_id)}",
                'on_duplicate_ids = "reject"',
            ]
        elif self.suggested_record_id:
            lines.append(f"record_id = {toml_value(self.suggested_record_id)}")
        else:
            lines += [
                "# No column holds a unique id for each row. mpi needs one to keep person ids across loads:",
                "# add the agency's own record id to the extract, then name it here.",
                '# record_id = "..."',
            ]
        if not self.has_birth_information():
            # Without birth information the source's known ages still rule people out (docs/config.md).
            lines += [
                "# No date of birth or age: if everyone in the file is of a known age (a wage file: 14+), say so:",
                '# age_range = { min = 14, as_of = "YYYY-MM-DD" }',
            ]
        lines += ["", f"[sources.{source_name}.columns]"]
        if not self.maps_a_name():
            # Without a name a record links on identifiers alone, and ingest cannot tell that a column
            # was missed: a file without names is rare enough to say so here.
            lines += [
                "# No column was read as the person's name. Map the name columns by hand, as",
                '# first_name = "..." and last_name = "..." (or full_name), unless the file has none.',
            ]
        for column in self.columns:
            if not column.suggested_field or column.name == self.suggested_record_id:
                continue
            lines += [f"# {note}" for note in column.mapping_notes]
            if column.mapping_options:
                options = dict((("column", column.name), *column.mapping_options))
                lines.append(f"{column.suggested_field} = {toml_value(options)}")
            else:
                lines.append(f"{column.suggested_field} = {toml_value(column.name)}")
        return "\n".join(lines)


# A value starting with a house number (12 Main St, 4B Elm St, 12-14 High St), not a numbered
# street (5th Ave): a street column holding it holds whole address lines.
HOUSE_NUMBER_FIRST = r"^\d+[A-Za-z]?(-\d+)?\s+\S"
# Share of a street column's values starting with a house number above which it holds address lines
ADDRESS_LINE_SHARE = 0.5


def _whole_address_lines_as_address(
    con: duckdb.DuckDBPyConnection, suggestions: dict[str, str]
) -> dict[str, str]:
    """A column named like a street (STREET) whose values are mostly whole lines (12 Main St Apt 4B)
    is suggested as the address, which ingest splits into house number, street and unit; as a
    street name the house number would stay in it and never be compared as one.

    Not when another column is the address or the house number: the file then splits it itself.
    """
    taken = set(suggestions.values())
    if taken & {"address", "street_number"}:
        return suggestions
    for column, field in suggestions.items():
        if field != "street_name":
            continue
        text = f"trim(CAST({quote_identifier(column)} AS VARCHAR))"
        row = con.execute(
            f"SELECT avg(CASE WHEN regexp_matches({text}, $pattern) THEN 1 ELSE 0 END) FROM sample "
            f"WHERE {text} <> ''",
            {"pattern": HOUSE_NUMBER_FIRST},
        ).fetchall()
        if row and row[0][0] is not None and float(row[0][0]) > ADDRESS_LINE_SHARE:
            return {**suggestions, column: "address"}
    return suggestions


# Share of whole names with a comma above which they are read LAST, FIRST, and below which FIRST LAST
NAME_ORDER_SHARE = 0.9
# The federal coding of sex (NCHS vital records, the Census, CMS): what a column of 1s and 2s most
# likely means; 9 is "not stated" there.
FEDERAL_SEX_CODES = {"1": "M", "2": "F", "9": "U"}
# HUD's HMIS data standards (before FY2024): 0 female, 1 male, 8 client doesn't know, 9 refused, 99 not
# collected. Only suggested as an example: 0 and 1 mean other things elsewhere.
HMIS_SEX_CODES = {"0": "F", "1": "M", "8": "U", "9": "U", "99": "U"}
SEX_CODES_EXAMPLE = toml_value({"1": FEDERAL_SEX_CODES["1"], "2": FEDERAL_SEX_CODES["2"]})


def _mapping_hints(
    con: duckdb.DuckDBPyConnection,
    field: str,
    column: str,
    column_type: str,
    *,
    csv_as_text: str | None,
    columns: dict[str, str],
) -> Hints:
    """What the suggested mapping of one column needs besides its name, read from its values."""
    if field == "dob":
        parts = date_part_columns(column, list(columns))
        if parts:
            return (("month_column", parts[0]), ("day_column", parts[1])), ()
        return _date_hints(con, column, column_type, csv_as_text=csv_as_text, key="date_format")
    if field == "full_name":
        return (("format", _name_order(con, column)),), ()
    if field == "age":
        return _age_hints(con, column, columns, csv_as_text=csv_as_text)
    if field == "sex":
        return _sex_hints(con, column)
    if field in ZERO_PADDED_WIDTHS:
        return _lost_zeros_hints(con, column, ZERO_PADDED_WIDTHS[field], csv_as_text=csv_as_text)
    return (), ()


# Fields written with leading zeros, by their width: a spreadsheet or a numeric column drops them
# (Connecticut's ZIPs all start 06, and about one SSN in nine starts 0), and ingest reads an SSN short
# of a digit as no SSN, a ZIP of four digits as another ZIP.
ZERO_PADDED_WIDTHS = {"ssn": 9, "zip": 5}
# Short values that are too many to be typos, where other values kept their zeros: a dropped digit is
# rare (well under 1% of keyed SSNs), a lost zero is one SSN in nine.
LOST_ZEROS_SHARE = 0.02


def _lost_zeros_hints(
    con: duckdb.DuckDBPyConnection, column: str, width: int, *, csv_as_text: str | None
) -> Hints:
    """pad = width when digit-only values one or two digits short are seen, and either no full one starts
    with 0 or too many are short to be typos (files merged from systems that did and did not keep zeros)."""
    table = _text_sample(con, csv_as_text)
    value = f"trim(CAST({quote_identifier(column)} AS VARCHAR))"
    short, kept_zeros, digits = con.execute(
        f"SELECT count(*) FILTER (WHERE length(v) BETWEEN {width - 2} AND {width - 1}), "
        f"count(*) FILTER (WHERE length(v) = {width} AND v[1] = '0'), count(*) "
        f"FROM (SELECT {value} AS v FROM {table}) WHERE regexp_full_match(v, '[0-9]+')"
    ).fetchall()[0]
    if short < 2 or (kept_zeros and short < LOST_ZEROS_SHARE * digits):
        return (), ()
    seen = (
        f"none of {width} starting with 0" if not kept_zeros else f"{short / digits:.0%} of the values short"
    )
    return (("pad", width),), (
        f"{column} holds {short} value(s) of {width - 2} or {width - 1} digits and {seen}: its leading zeros "
        f"were lost (written as numbers); pad = {width} puts them back.",
    )


def _text_sample(con: duckdb.DuckDBPyConnection, csv_as_text: str | None) -> str:
    """The sample table with a CSV's values as written (06103, 02/21/2006), not as the sniffer typed
    them (6103, 2006-02-21): created once, on first use; a Parquet file's own sample otherwise."""
    if csv_as_text is None:
        return "sample"
    con.execute(f"CREATE TABLE IF NOT EXISTS sample_text AS SELECT * FROM {csv_as_text} LIMIT {SAMPLE_ROWS}")
    return "sample_text"


def _date_hints(
    con: duckdb.DuckDBPyConnection, column: str, column_type: str, *, csv_as_text: str | None, key: str
) -> Hints:
    """The date formats of a column as `mpi ingest` reads it: a CSV as text, whatever type the
    sniffer found (a d/m/Y column sniffed as DATE is still parsed by the mapping's formats)."""
    table = _text_sample(con, csv_as_text)
    if table == "sample" and column_type.upper() in DATE_TYPES:
        return (), ()
    formats = date_formats_of(con, table, column)
    if not formats:
        q = quote_identifier(column)
        example = con.execute(
            f"SELECT CAST({q} AS VARCHAR) FROM {table} WHERE trim(CAST({q} AS VARCHAR)) <> '' LIMIT 1"
        ).fetchall()
        if not example:
            return (), ()
        return (), (
            f"None of the date formats mpi tries reads {column} (e.g. {example[0][0]!r}):",
            f'add {key} = "..." in strftime codes (%d day, %m month, %Y year).',
        )
    two_digit = next((f for f in formats if has_two_digit_year(f)), None)
    notes = (
        (f"{column} has two-digit years, which {two_digit} reads: each is {TWO_DIGIT_YEAR_READ_AS}. "
         "Ask the agency for four-digit years if it can.",)
        if two_digit
        else ()
    )  # fmt: skip
    return ((key, list(formats)),) if formats != (DEFAULT_DATE_FORMAT,) else (), notes


def _name_order(con: duckdb.DuckDBPyConnection, column: str) -> str:
    q = quote_identifier(column)
    row = con.execute(
        f"SELECT avg(CASE WHEN contains(CAST({q} AS VARCHAR), ',') THEN 1 ELSE 0 END) FROM sample "
        f"WHERE {q} IS NOT NULL"
    ).fetchall()
    with_comma = float(row[0][0]) if row and row[0][0] is not None else 0.0
    if with_comma >= NAME_ORDER_SHARE:
        return FULL_NAME_FORMATS[0]
    if with_comma <= 1 - NAME_ORDER_SHARE:
        return FULL_NAME_FORMATS[1]
    return "auto"


def _age_hints(
    con: duckdb.DuckDBPyConnection, column: str, columns: dict[str, str], *, csv_as_text: str | None
) -> Hints:
    """An age needs the date it was recorded: a column named like AGE_AS_OF, else one named as the
    date the record was made (Interview Date, VISIT_DT) that holds dates, else a date to fill in."""
    named_as_of = [c for c in columns if c != column and {"as", "of"} <= set(column_words(c))]
    recorded = [c for c in columns if c != column and _names_a_recorded_date(c)]
    for candidate in named_as_of[:1] + recorded:
        formats, notes = _date_hints(
            con, candidate, columns[candidate], csv_as_text=csv_as_text, key="as_of_format"
        )
        if candidate in named_as_of or not notes:
            return (("as_of_column", candidate), *formats), notes
    return (("as_of", "YYYY-MM-DD"),), (
        f"Replace YYYY-MM-DD with the date the ages in {column} were recorded (or name a column",
        "of such dates with as_of_column).",
    )


# Words naming the date a record was made (an interview, a visit, a survey): the date an age held on.
_RECORDED_DATE_WORDS = frozenset(
    {"interview", "visit", "survey", "encounter", "service", "admit", "admission", "intake", "recorded",
     "collected", "completed", "response", "exam", "screening", "assessment", "report", "record", "entry"}
)  # fmt: skip


def _names_a_recorded_date(column: str) -> bool:
    words = set(column_words(column))
    return bool(words & _RECORDED_DATE_WORDS and words & {"date", "dt", "on"})


def _sex_hints(con: duckdb.DuckDBPyConnection, column: str) -> Hints:
    """Codes mpi does not read that are most of the column: 1 and 2 (and 9) mapped as the federal
    standard has them, with a note to check; other codes only noted."""
    unread = _unread_sex_codes(con, column)
    if not unread:
        return (), ()
    if set(unread) <= set(FEDERAL_SEX_CODES) and {"1", "2"} & set(unread):
        codes = {code: sex for code, sex in FEDERAL_SEX_CODES.items() if code in unread}
        note = (
            f"{column} holds codes {', '.join(json.dumps(c) for c in sorted(unread))}: read as 1 = M, 2 = F"
            f"{', 9 = unknown' if '9' in unread else ''}, the federal coding (vital records, Census, CMS). "
            "Check the agency's code book."
        )
        return (("codes", codes),), (note,)
    values = ", ".join(json.dumps(str(v)) for v in unread[:5])
    if set(unread) <= set(HMIS_SEX_CODES) and {"0", "1"} <= set(unread):
        example = f"{toml_value(HMIS_SEX_CODES)} as HUD's HMIS codes have them (0 = female, 1 = male)"
    elif len(unread) >= 2:
        # the column's own codes, so that the example cannot map codes the file does not have
        example = f"{toml_value({unread[0]: 'M', unread[1]: 'F'})} if the code book says so"
    else:
        example = SEX_CODES_EXAMPLE
    return (), (f"{column} holds {values}, not M/F words mpi reads: map them, e.g. codes = {example}.",)


def _unread_sex_codes(con: duckdb.DuckDBPyConnection, column: str) -> list[str]:
    """Codes that mpi's sex standardization does not read, most frequent first, when they are most of the column."""
    q = quote_identifier(column)
    text = f"trim(CAST({q} AS VARCHAR))"
    counts = con.execute(
        f"SELECT {text}, count(*), mpi_sex_std({text}) IS NULL FROM sample WHERE {text} <> '' "
        "GROUP BY 1 ORDER BY 2 DESC"
    ).fetchall()
    rows = [(value, int(n)) for value, n, unread in counts if unread]
    if not rows or 2 * sum(n for _, n in rows) <= sum(int(n) for _, n, _ in counts):
        return []
    return [str(value) for value, _ in rows]


def inspect_file(
    path: Path, *, delimiter: str | None = None, encoding: str | None = None, sheet: str | None = None
) -> FileProfile:
    """Profile the first SAMPLE_ROWS rows of a CSV or Parquet file with DuckDB's type detection,
    or of an Excel sheet (``sheet``, default the first) with the types of its cells.

    A CSV without a given encoding is read as UTF-16 when it has a UTF-16 byte-order mark or NUL
    bytes in every other place, else as UTF-8, else as Windows-1252 or Latin-1 (which the agencies'
    older systems write; reader.western_encoding_of); the profile says which one read it.
    """
    file_format = _format_of(path)
    if sheet is not None and file_format != "excel":
        raise InputError(
            f"--sheet is for Excel workbooks; {path} is not one ({', '.join(EXCEL_EXTENSIONS)})."
        )
    # Errors name the options that would read the file; without options given, as the mpi inspect
    # command to run, since mpi init reads its files this way and has no such options.
    rerun = "" if delimiter or encoding or sheet else f"mpi inspect {path} "
    if encoding is None and file_format not in ("parquet", "excel") and path.is_file():
        utf16 = utf16_encoding_of(path)
        if utf16 is not None:
            return _inspect_file(
                path, file_format, delimiter=delimiter, encoding=utf16, sheet=sheet, rerun=rerun
            )
        try:
            return _inspect_file(
                path, file_format, delimiter=delimiter, encoding="utf-8", sheet=sheet, rerun=rerun
            )
        except InputError as utf8_error:
            western = western_encoding_of(path)
            try:
                return _inspect_file(
                    path, file_format, delimiter=delimiter, encoding=western, sheet=sheet, rerun=rerun
                )
            except InputError:
                raise utf8_error from None
    return _inspect_file(
        path, file_format, delimiter=delimiter, encoding=encoding or "utf-8", sheet=sheet, rerun=rerun
    )


# How a workbook's bytes start: .xls (an OLE2 compound file), or .xlsx, .xlsm, .xlsb and .ods (zip)
WORKBOOK_SIGNATURES = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", b"PK\x03\x04")


def _format_of(path: Path) -> str | None:
    """The file's format by its extension, except text named like a workbook (a CSV file saved as
    .xls so that a double click opens it in Excel), which is read as CSV."""
    file_format = FORMATS_BY_EXTENSION.get(path.suffix.lower())
    if file_format != "excel" or not path.is_file():
        return file_format
    with open(path, "rb") as handle:
        head = handle.read(4096)
    if head.startswith(WORKBOOK_SIGNATURES) or (b"\x00" in head and utf16_encoding_of(path) is None):
        return file_format  # a workbook, or bytes the Excel reader explains
    if head.removeprefix(codecs.BOM_UTF8).lstrip().startswith(b"<"):
        raise InputError(
            f"File {path} is a web page (HTML) named like a workbook, as some programs export for Excel: "
            "open it in Excel, save it as .xlsx or CSV, and inspect that."
        )
    return "csv"


def _inspect_file(
    path: Path,
    file_format: str | None,
    *,
    delimiter: str | None,
    encoding: str,
    sheet: str | None,
    rerun: str,
) -> FileProfile:
    if not path.is_file():
        raise InputError(f"File {path} does not exist. Check the path.")
    if path.stat().st_size == 0:
        raise InputError(f"File {path} is empty (0 bytes).")
    if not is_known_encoding(encoding):
        raise InputError(
            f'Unknown encoding "{encoding}". Give --encoding a Python codec name, e.g. utf-8, latin-1, cp1252, utf-16.'
        )
    with tempfile.TemporaryDirectory(prefix="mpi-inspect-") as scratch:
        return _profile_file(
            path,
            file_format,
            delimiter=delimiter,
            encoding=encoding,
            sheet=sheet,
            scratch=Path(scratch),
            rerun=rerun,
        )


@dataclass(frozen=True, kw_only=True)
class _Dialect:
    delimiter: str
    header: bool
    width: int
    # Lines above the header: a report's title, skipped (header_row = title_lines + 1); the rows
    # they make, which DuckDB's skip counts (a title cell may hold a line break)
    title_lines: int = 0
    title_rows: int = 0


def _sniff_dialect(
    con: duckdb.DuckDBPyConnection,
    options: dict[str, str],
    delimiter: str | None,
    *,
    title: tuple[int, int] = (0, 0),
) -> _Dialect:
    """The delimiter (unless given), whether the line after the title lines is a header, and the number of columns.

    skip = the title's rows: the header is where ingest reads it (DuckDB's sniffer would otherwise skip
    lines until a run of equally wide ones, all but the last line of a ragged file);
    ignore_errors: a ragged line does not decide the dialect.
    """
    delim = f", delim = {quote_literal(delimiter)}" if delimiter else ""
    row = con.execute(
        "SELECT Delimiter, HasHeader, len(Columns) FROM "
        f"sniff_csv($path, encoding = $encoding, skip = {title[1]}, ignore_errors = true{delim})",
        options,
    ).fetchall()[0]
    return _Dialect(
        delimiter=str(row[0]),
        header=bool(row[1]),
        width=int(row[2]),
        title_lines=title[0],
        title_rows=title[1],
    )


def _split_by_another_delimiter(
    con: duckdb.DuckDBPyConnection, options: dict[str, str], dialect: _Dialect, path: Path, encoding: str
) -> _Dialect | None:
    """The dialect DuckDB finds by itself, when the delimiter given reads one column and it reads more.

    Sniffed below the title the file has by any delimiter: by the one given, a report's title
    and its header all read as one column each, so no title is seen, and from line 1 the sniffer
    reads the title's one column too.
    """
    if dialect.width > 1:
        return None
    found = _sniff_dialect(con, options, None, title=header_below_title(path, encoding, None))
    return found if found.delimiter != dialect.delimiter and found.width > 1 else None


def _header_names(path: Path, encoding: str, dialect: _Dialect) -> HeaderNames:
    """The column names ingest reads the file by (reader.read_header): the header's, blank and
    repeated ones named apart (column5, LAST_NAME_2), or column1..N without a header.

    DuckDB's own names when its header differs from the one Python's csv reads (another width):
    DuckDB names columns read by quoting rules mpi does not use.
    """
    fields = (
        header_fields(
            path, encoding=encoding, delimiter=dialect.delimiter, header_row=dialect.title_lines + 1
        )
        if dialect.header
        else None
    )
    if fields is not None and len(fields) == dialect.width:
        return column_names_of_header(fields)
    if dialect.header:
        return HeaderNames(names=())
    return HeaderNames(names=tuple(f"column{i}" for i in range(1, dialect.width + 1)))


def _renamed_columns_warning(path: Path, renamed: tuple[RenamedColumn, ...]) -> list[str]:
    """What the header leaves unnamed or names twice, and the names a mapping gives such columns."""
    if not renamed:
        return []
    how = [
        f"column {c.position} has no name"
        if c.repeats is None
        else f"column {c.position} repeats {c.repeats}"
        if c.written == c.repeats
        else f"column {c.position} ({c.written}) repeats {c.repeats}, as names are read regardless of case"
        for c in renamed
    ]
    return [
        f"In the header of {path.name}, {and_list(how)}: mpi reads "
        f"{'it' if len(renamed) == 1 else 'them'} as {and_list([c.name for c in renamed])}."
    ]


def _read_options_sql(dialect: _Dialect, header_names: HeaderNames) -> str:
    """read_csv options reading the file as ingest does: line title_lines + 1 as the header, the
    columns named as ingest names them (_header_names)."""
    names = (
        ", names = [" + ", ".join(quote_literal(name) for name in header_names.names) + "]"
        if header_names.names
        else ""
    )
    return (
        f"delim = {quote_literal(dialect.delimiter)}, header = {str(dialect.header).lower()}, "
        f"skip = {dialect.title_rows}, ignore_errors = true{names}"
    )


def _bad_line_warnings(
    con: duckdb.DuckDBPyConnection, path: Path, *, encoding: str, dialect: _Dialect, rerun: str
) -> list[str]:
    """What the lines DuckDB could not read mean for the profile and for ingest; an undecodable line
    is an error (inspect_file then tries Windows-1252 or Latin-1)."""
    rows = con.execute(
        "SELECT line, min(error_type) FROM mpi__inspect_rejects GROUP BY line ORDER BY line"
    ).fetchall()
    undecodable = [int(line) for line, kind in rows if kind in ("INVALID ENCODING", "INVALID UNICODE")]
    if undecodable:
        raise InputError(
            f"File {path} line {undecodable[0]} is not valid {encoding}. "
            f"Try {rerun}--encoding with the file's encoding (cp1252, latin-1, ...)."
        )
    ragged = [int(line) for line, kind in rows if kind in ("MISSING COLUMNS", "TOO MANY COLUMNS")]
    other = [int(line) for line, kind in rows if int(line) not in ragged]
    warnings = []
    if ragged:
        first = "header" if dialect.header else "first line"
        warnings.append(
            f"{_line_list(ragged)} of {path.name} {'has' if len(ragged) == 1 else 'have'} another number of "
            f"fields than the {first} ({dialect.width}): left out of this profile; ingest stops at "
            f'{"it" if len(ragged) == 1 else "them"} unless on_bad_rows = "reject".'
        )
    if other:
        warnings.append(
            f"{_line_list(other)} of {path.name} could not be read as CSV: left out of this profile."
        )
    return warnings


def _line_list(lines: list[int], shown: int = 5) -> str:
    """Line 3, Lines 3, 4, or Lines 3, 4, 5, 6, 7 and 12 more."""
    text = ", ".join(str(n) for n in lines[:shown])
    more = f" and {len(lines) - shown:,} more" if len(lines) > shown else ""
    return f"{'Line' if len(lines) == 1 else 'Lines'} {text}{more}"


def _utf8_head(path: Path, encoding: str, target: Path) -> Path:
    """The file's first lines (enough for SAMPLE_ROWS rows) in UTF-8 ending in LF, for an encoding DuckDB
    does not read or mixed line endings; lines that do not decode are left out."""
    with (
        closing(decoded_lines(path, encoding)) as lines,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        out.writelines(
            ending_in_lf(line) for line in itertools.islice(lines, SAMPLE_ROWS + 1) if line is not None
        )
    return target


def _profile_file(
    path: Path,
    file_format: str | None,
    *,
    delimiter: str | None,
    encoding: str,
    sheet: str | None,
    scratch: Path,
    rerun: str,
) -> FileProfile:
    con = duckdb.connect()
    sniffed_delimiter = None
    sheet_read = None
    header_row = None
    header = True
    warnings: list[str] = []
    split_elsewhere = None
    try:
        csv_as_text = None
        if file_format != FORMATS_BY_EXTENSION.get(path.suffix.lower()):
            warnings.append(
                f'{path.name} is not an Excel workbook but text: profiled as CSV, and mapped with format = "{file_format}".'
            )
        if file_format == "parquet":
            con.execute(
                f"CREATE TABLE sample AS SELECT * FROM read_parquet(?) LIMIT {SAMPLE_ROWS}", [str(path)]
            )
        elif file_format == "excel":
            read = read_excel_sheet(
                con, path, "sample", sheet=sheet, where="mpi inspect", find_header=True, limit=SAMPLE_ROWS
            )
            if read.header_row is not None and read.header_row > 1:
                header_row = read.header_row
            if sheet is not None or len(read.sheet_names) > 1:
                sheet_read = read.name
            if len(read.sheet_names) > 1:
                others = ", ".join(toml_value(name) for name in read.sheet_names if name != read.name)
                warnings.append(
                    f"The workbook has other sheets too ({others}); this mapping is of sheet "
                    f"{toml_value(read.name)}. To read another, inspect it with --sheet and map it as its own source."
                )
        else:
            csv_path, duck_encoding = path, duckdb_encoding(encoding)
            if duck_encoding is None or has_mixed_line_endings(path):
                csv_path, duck_encoding = _utf8_head(path, encoding, scratch / "utf8.csv"), "utf-8"
            options = {"path": str(csv_path), "encoding": duck_encoding}
            dialect = _sniff_dialect(
                con, options, delimiter, title=header_below_title(path, encoding, delimiter)
            )
            if dialect.title_lines and not dialect.header:
                # Lines above the first full one, but no header: ingest reads such a file from its first line.
                dialect = _sniff_dialect(con, options, delimiter)
            if dialect.title_lines:
                header_row = dialect.title_lines + 1
            header_names = _header_names(path, encoding, dialect)
            read_options = _read_options_sql(dialect, header_names)
            con.execute(
                f"CREATE TABLE sample AS SELECT * FROM read_csv($path, encoding = $encoding, {read_options}, "
                "store_rejects = true, rejects_table = 'mpi__inspect_rejects', "
                f"rejects_scan = 'mpi__inspect_scans') LIMIT {SAMPLE_ROWS}",
                options,
            )
            warnings += _bad_line_warnings(con, path, encoding=encoding, dialect=dialect, rerun=rerun)
            # A delimiter ending every line leaves an empty column, unnamed: ingest leaves it out too.
            dropped = drop_unfilled_columns(con, "sample", header_names.unnamed_at_end)
            warnings += _renamed_columns_warning(
                path, tuple(c for c in header_names.renamed if c.name not in dropped)
            )
            split_elsewhere = (
                _split_by_another_delimiter(con, options, dialect, path, encoding) if delimiter else None
            )
            if split_elsewhere is not None:
                warnings.append(
                    f"--delimiter {toml_value(delimiter)} splits no line of {path.name}: it reads as one column. "
                    f"It looks {toml_value(split_elsewhere.delimiter)}-delimited ({split_elsewhere.width} columns): "
                    f"run without --delimiter, or with --delimiter {toml_value(split_elsewhere.delimiter)}."
                )
            sniffed_delimiter, header = dialect.delimiter, dialect.header
            csv_as_text = (
                f"read_csv({quote_literal(str(csv_path))}, encoding = {quote_literal(duck_encoding)}, "
                f"all_varchar = true, {read_options})"
            )
        described = con.execute("DESCRIBE sample").fetchall()
        total_row = con.execute("SELECT count(*) FROM sample").fetchall()[0]
        total = int(total_row[0]) if total_row else 0
        column_types = {str(name): str(column_type) for name, column_type, *_ in described}
        if any("\x00" in name for name in column_types):
            raise InputError(
                f"File {path} has NUL bytes in its first line: it is not {encoding} text. "
                f"Try {rerun}--encoding with the file's encoding (utf-16, cp1252, ...)."
            )
        # A header left whole by the wrong delimiter holds every field's name: nothing to suggest.
        suggestions = one_column_per_field(list(column_types)) if split_elsewhere is None else {}
        suggestions = _whole_address_lines_as_address(con, suggestions)
        install_macros(con)
        profiles = []
        # Samples as the file writes them: what a user maps and sets formats and codes by.
        sample_as_written = _text_sample(con, csv_as_text)
        for name, column_type, *_ in described:
            q = quote_identifier(str(name))
            stats = con.execute(
                f"SELECT count(*) FILTER (WHERE {q} IS NULL OR trim(CAST({q} AS VARCHAR)) = ''), "
                f"count(DISTINCT {q}) FROM sample"
            ).fetchall()[0]
            samples = con.execute(
                f"SELECT DISTINCT CAST({q} AS VARCHAR) FROM {sample_as_written} "
                f"WHERE {q} IS NOT NULL AND trim(CAST({q} AS VARCHAR)) <> '' LIMIT 3"
            ).fetchall()
            nulls, distinct = (int(stats[0]), int(stats[1])) if stats else (0, 0)
            field = suggestions.get(str(name))
            hinted_options, hinted_notes = (
                _mapping_hints(
                    con, field, str(name), str(column_type), csv_as_text=csv_as_text, columns=column_types
                )
                if field
                else ((), ())
            )
            profiles.append(
                ColumnProfile(
                    name=str(name),
                    inferred_type=str(column_type),
                    null_rate=nulls / total if total else 0.0,
                    distinct=distinct,
                    samples=tuple(str(s[0]) for s in samples),
                    suggested_field=field,
                    mapping_options=hinted_options,
                    mapping_notes=hinted_notes,
                )
            )
    except duckdb.Error as exc:
        raise InputError(
            f"File {path} cannot be read ({str(exc).splitlines()[0]}). "
            f"Try {rerun}--encoding with the file's encoding, or {rerun}--delimiter to match the file."
        ) from exc
    finally:
        con.close()
    id_columns = [p for p in profiles if names_a_record_id(p.name)]
    record_id = next((p.name for p in id_columns if p.distinct >= 0.9 * total * (1 - p.null_rate)), None)
    repeats = 0
    if record_id is None and id_columns:
        # A column named as the id that repeats some values is still the agency's id, with
        # duplicated rows: better named (and its repeats rejected with a reason) than left out.
        repeated = max(id_columns, key=lambda p: p.distinct)
        if repeated.distinct:
            record_id = repeated.name
            repeats = round(total * (1 - repeated.null_rate)) - repeated.distinct
    return FileProfile(
        path=str(path),
        rows_sampled=total,
        columns=tuple(profiles),
        suggested_record_id=record_id,
        record_id_repeats=repeats,
        delimiter=sniffed_delimiter,
        encoding=encoding,
        header=header,
        sheet=sheet_read,
        header_row=header_row,
        file_format=file_format if file_format != FORMATS_BY_EXTENSION.get(path.suffix.lower()) else None,
        warnings=tuple(warnings),
    )
