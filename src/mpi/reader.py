"""Read one agency file (CSV, Parquet or an Excel sheet) into a temporary DuckDB table, or explain why it cannot be read."""

from __future__ import annotations

import codecs
import csv
import hashlib
import itertools
import re
import tempfile
from collections import Counter
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import duckdb
import polars as pl

from mpi.config import SourceConfig
from mpi.errors import InputError, first_line
from mpi.excel import HEADER_SEARCH_ROWS, read_excel_sheet
from mpi.sqlutil import quote_identifier, quote_literal

RAW_TABLE = "mpi__raw"
BAD_ROWS_TABLE = "mpi__bad_rows"
# Encodings DuckDB's CSV reader decodes itself; any other codec is transcoded to UTF-8 first.
# Not UTF-16: DuckDB reads it little-endian only, and returns no rows at all from a big-endian file.
# Not Latin-1: DuckDB refuses its bytes 0x80-0x9F ("File is not latin-1 encoded", no line named),
# which Windows writes for ’ “ ” – € in files its users call Latin-1.
DUCKDB_ENCODINGS = {"utf-8": "utf-8"}
# Bytes Windows-1252 reads as letters and punctuation (’ “ ” – € Š) and Latin-1 as control characters,
# and the five of them Windows-1252 leaves undefined.
C1_BYTES = re.compile(rb"[\x80-\x9f]")
CP1252_UNDEFINED_BYTES = re.compile(rb"[\x81\x8d\x8f\x90\x9d]")
# Share of a UTF-16 file's high (or low) bytes that are NUL when its text is mostly Latin script,
# and at most that share of the others: how a file without a byte-order mark gives itself away.
UTF16_NUL_SHARE = 0.5
UTF16_OTHER_NUL_SHARE = 0.05
# Bytes read to tell a file whose lines end in CR alone: more than any header line
CR_LINE_ENDINGS_HEAD = 1 << 16
# What a transcoded file holds in place of a line that did not decode: one field, so DuckDB
# rejects the line as ragged, and a NUL no real line has, so the reject is told apart.
UNDECODABLE_LINE = '"\x00undecodable"\n'
# The delimiters agencies' CSV files use, in the order a guess tries them.
CSV_DELIMITERS: tuple[str, ...] = (",", "|", "\t", ";")

CSV_ERROR_REASONS = {
    "INVALID ENCODING": "undecodable row",
    "INVALID UNICODE": "undecodable row",
    "TOO MANY COLUMNS": "ragged row",
    "MISSING COLUMNS": "ragged row",
}


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """What was read: the temporary table holding it and the counts needed to reconcile."""

    columns: tuple[str, ...]
    column_types: dict[str, str]
    rows_loaded: int
    bad_rows: int
    sha256: str


def file_sha256(path: Path) -> str:
    return _scan(path).sha256


@dataclass(frozen=True, kw_only=True)
class _FileScan:
    sha256: str
    mixed_line_endings: bool


class _LineEndings:
    """Counts CR LF and LF line endings over a file's bytes, chunk by chunk (a CR LF may straddle two).

    Counted on raw bytes: every ASCII-compatible encoding writes both endings the same way; UTF-16
    files are transcoded anyway.
    """

    def __init__(self) -> None:
        self.crlf = self.lf = 0
        self._ends_in_cr = False

    def feed(self, chunk: bytes) -> None:
        self.lf += chunk.count(b"\n")
        self.crlf += chunk.count(b"\r\n") + (1 if self._ends_in_cr and chunk.startswith(b"\n") else 0)
        self._ends_in_cr = chunk.endswith(b"\r")

    @property
    def mixed(self) -> bool:
        return 0 < self.crlf < self.lf


def _scan(path: Path) -> _FileScan:
    """The file's sha256 and whether its line endings are mixed, in one pass over its bytes."""
    digest, endings = hashlib.sha256(), _LineEndings()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
            endings.feed(block)
    return _FileScan(sha256=digest.hexdigest(), mixed_line_endings=endings.mixed)


def check_source_file(source: SourceConfig) -> None:
    """Fail early, before the store is touched, on a file that is missing or empty."""
    where = f'Source "{source.name}"'
    if not source.path.exists():
        raise InputError(
            f"{where}: file {source.path} does not exist. "
            f"Fix path under [sources.{source.name}] in mpi.toml, or put the file there."
        )
    if not source.path.is_file():
        raise InputError(
            f"{where}: {source.path} is not a file. Point path under [sources.{source.name}] at a file."
        )
    if source.path.stat().st_size == 0:
        raise InputError(
            f"{where}: file {source.path} is empty (0 bytes). Ask the agency for a new extract, "
            "or remove the source from mpi.toml."
        )
    if source.format == "csv":
        kind = _binary_kind(_head(source.path))
        if kind:
            raise InputError(
                f'{where}: {source.path} is {kind[0]}, not a text file, so it cannot be read as CSV. Set format = "{kind[1]}" '
                f"under [sources.{source.name}] in mpi.toml."
            )


# The first bytes of the binary files agencies send that a CSV reader would take for text in an odd encoding.
_BINARY_SIGNATURES: tuple[tuple[bytes, str, str], ...] = (
    (b"PAR1", "a Parquet file", "parquet"),
    (b"PK\x03\x04", "a zipped file (an Excel .xlsx workbook, or an archive)", "excel"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an old Excel .xls workbook", "excel"),
)


def _binary_kind(head: bytes) -> tuple[str, str] | None:
    """What binary file ``head`` starts, and the format that reads it, or None."""
    return next(((kind, fmt) for magic, kind, fmt in _BINARY_SIGNATURES if head.startswith(magic)), None)


def read_source_file(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> SourceFile:
    """Load the file into RAW_TABLE and unreadable rows into BAD_ROWS_TABLE.

    mpi__row and BAD_ROWS_TABLE.line both count data rows in file order (1 = the first row after the header).
    """
    check_source_file(source)
    scan = _scan(source.path)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BAD_ROWS_TABLE} (line BIGINT, reason VARCHAR, detail VARCHAR, record_id VARCHAR)"
    )
    if source.format == "parquet":
        _read_parquet(con, source)
    elif source.format == "excel":
        read_excel_sheet(
            con,
            source.path,
            RAW_TABLE,
            sheet=source.sheet,
            where=f'Source "{source.name}"',
            header=source.header,
            header_row=source.header_row,
            row_number_column="mpi__row",
        )
    else:
        _read_csv(con, source, mixed_line_endings=scan.mixed_line_endings)
    described = con.execute(f"DESCRIBE {RAW_TABLE}").fetchall()
    column_types = {str(row[0]): str(row[1]) for row in described if row[0] != "mpi__row"}
    count_row = con.execute(f"SELECT count(*) FROM {RAW_TABLE}").fetchall()[0]
    bad_row = con.execute(f"SELECT count(*) FROM {BAD_ROWS_TABLE}").fetchall()[0]
    rows_loaded = int(count_row[0]) if count_row else 0
    bad_rows = int(bad_row[0]) if bad_row else 0
    if rows_loaded == 0 and bad_rows == 0:
        raise InputError(
            f'Source "{source.name}": file {source.path} has a header but no data rows. '
            "Ask the agency for a new extract, or remove the source from mpi.toml."
        )
    return SourceFile(
        columns=tuple(column_types),
        column_types=column_types,
        rows_loaded=rows_loaded,
        bad_rows=bad_rows,
        sha256=scan.sha256,
    )


def _read_parquet(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
    try:
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {RAW_TABLE} AS "
            "SELECT row_number() OVER () AS mpi__row, * FROM read_parquet(?)",
            [str(source.path)],
        )
    except duckdb.Error as exc:
        raise InputError(
            f'Source "{source.name}": {source.path} is not a readable Parquet file ({first_line(exc)}). '
            f'If it is a CSV file, set format = "csv" under [sources.{source.name}].'
        ) from exc


def duckdb_encoding(encoding: str) -> str | None:
    """The name DuckDB's CSV reader knows an encoding by, or None when the file must be transcoded to UTF-8."""
    return DUCKDB_ENCODINGS.get(codecs.lookup(encoding).name)


def western_encoding_of(path: Path) -> str:
    """The encoding of a Western European file that is not UTF-8: "cp1252" when it has bytes 0x80-0x9F
    that Windows-1252 reads (O’Brien), else "latin-1". The two read every other byte alike, and
    Latin-1 reads any byte, so also a file with one of the five Windows-1252 leaves undefined.
    """
    windows_bytes = False
    with open(path, "rb") as raw:
        for block in iter(lambda: raw.read(1 << 20), b""):
            if CP1252_UNDEFINED_BYTES.search(block):
                return "latin-1"
            windows_bytes = windows_bytes or C1_BYTES.search(block) is not None
    return "cp1252" if windows_bytes else "latin-1"


def _encoding_fix(path: Path) -> str:
    """The encoding setting to name for a file that is not UTF-8."""
    encoding = western_encoding_of(path)
    other = "latin-1" if encoding == "cp1252" else "cp1252"
    return f'encoding = "{encoding}" (or the file\'s real encoding, e.g. "{other}")'


def utf16_encoding_of(path: Path) -> str | None:
    """The encoding to name for UTF-16 text: "utf-16" when it has a byte-order mark (which tells
    either order), else "utf-16-le" or "utf-16-be"; None for a file that is not UTF-16."""
    head = _head(path)
    order = _utf16_order(head)
    if order is None:
        return None
    return "utf-16" if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) else order


def utf16_byte_order(path: Path) -> str | None:
    """ "utf-16-le" or "utf-16-be" for UTF-16 text, by its byte-order mark or else its NUL bytes."""
    return _utf16_order(_head(path))


def _head(path: Path) -> bytes:
    with open(path, "rb") as handle:
        return handle.read(4096)


def _utf16_order(head: bytes) -> str | None:
    # UTF-32's little-endian mark starts with UTF-16's
    if head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return None
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return _utf16_order_by_nuls(head)


def _utf16_order_by_nuls(head: bytes) -> str | None:
    pairs = len(head) // 2
    if pairs < 2:
        return None
    even_nuls = head[0 : 2 * pairs : 2].count(0) / pairs
    odd_nuls = head[1 : 2 * pairs : 2].count(0) / pairs
    if odd_nuls >= UTF16_NUL_SHARE and even_nuls <= UTF16_OTHER_NUL_SHARE:
        return "utf-16-le"
    if even_nuls >= UTF16_NUL_SHARE and odd_nuls <= UTF16_OTHER_NUL_SHARE:
        return "utf-16-be"
    return None


def decoded_lines(path: Path, encoding: str) -> Generator[str | None, None, None]:
    """The file's lines decoded, each with its line ending (LF for lines ending in CR alone); None
    for a line that does not decode.

    The first line loses a byte-order mark, which would otherwise stick to the first column's name.
    """
    if codecs.lookup(encoding).name == "utf-16":
        # Python reads UTF-16 without a byte-order mark as little-endian; the NUL bytes tell.
        encoding = utf16_byte_order(path) or encoding
    first = True
    for line in _lines_of(path, encoding):
        if first and line is not None:
            line = line.removeprefix("\ufeff")
        first = False
        yield line


def _read_latin_1(error: UnicodeError) -> tuple[str, int]:
    """Codec error handler: the bytes Windows-1252 leaves undefined, read as Latin-1 reads them."""
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error("mpi_latin_1", _read_latin_1)


def _decoding(encoding: str) -> tuple[str, str]:
    """The codec and error handler that read a file in encoding.

    Latin-1 is read as Windows-1252 (as browsers read it, by the WHATWG Encoding Standard): its bytes
    0x80-0x9F are control characters no agency's text holds, and a file called Latin-1 that has
    them was written by Windows, where 0x92 is the ’ of O’Brien (standardized as OBRIEN, where a
    control character would split the name in two).
    """
    if codecs.lookup(encoding).name == "iso8859-1":
        return "cp1252", "mpi_latin_1"
    return encoding, "strict"


def _lines_of(path: Path, encoding: str) -> Generator[str | None, None, None]:
    if codecs.encode("a\n", encoding) == b"a\n":
        # A line ends at the byte 0x0a, so it can be cut as bytes and decoded alone: a bad byte
        # spoils only its own line.
        codec, errors = _decoding(encoding)
        # A Western file often holds lines another program wrote in UTF-8 (JOSÉ beside O’BRIEN in
        # Windows-1252): a line that reads as UTF-8 is read so, or its accents would turn to Ã‰.
        # Text in Windows-1252 with letters past ASCII is hardly ever valid UTF-8 by chance.
        mixed = codecs.lookup(codec).name == "cp1252"
        with open(path, "rb") as raw:
            for raw_line in _cr_ended_lines(raw) if _ends_lines_in_cr_alone(path) else raw:
                as_utf8 = _utf8_beyond_ascii(raw_line) if mixed else None
                try:
                    yield as_utf8 if as_utf8 is not None else raw_line.decode(codec, errors)
                except UnicodeDecodeError:
                    yield None
        return
    # UTF-16 and the like: a newline is several bytes and 0x0a is also part of other characters,
    # so the file is decoded as a stream and a line that did not decode is known by its U+FFFD.
    with open(path, encoding=encoding, errors="replace", newline="") as text:
        for line in text:
            yield None if "\ufffd" in line else line


def _utf8_beyond_ascii(raw_line: bytes) -> str | None:
    """The line read as UTF-8, when it has bytes past ASCII and they are valid UTF-8; else None."""
    if raw_line.isascii():
        return None
    try:
        return raw_line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _ends_lines_in_cr_alone(path: Path) -> bool:
    """Whether the file ends its lines in CR alone, as "CSV (Macintosh)" from old Excel does: a CR
    and no LF in its first bytes (a CR LF file has both, and a CR inside a quoted field of an LF
    file comes after an LF)."""
    with open(path, "rb") as handle:
        head = handle.read(CR_LINE_ENDINGS_HEAD)
    return b"\r" in head and b"\n" not in head


def _cr_ended_lines(raw: BinaryIO) -> Generator[bytes, None, None]:
    """The lines of a file whose lines end in CR alone, each ending in LF instead."""
    rest = b""
    for block in iter(lambda: raw.read(1 << 20), b""):
        *lines, rest = (rest + block).split(b"\r")
        for line in lines:
            yield line + b"\n"
    if rest:
        yield rest


@dataclass(frozen=True, kw_only=True)
class RenamedColumn:
    """A column the header leaves without a name of its own: blank, or a name an earlier column has."""

    position: int  # from 1
    written: str  # its name in the header ("" when blank)
    name: str  # the name it is read by
    repeats: str | None  # the earlier column's name; None for a blank one


@dataclass(frozen=True, kw_only=True)
class HeaderNames:
    """A CSV header's column names as ingest and inspect both read them."""

    names: tuple[str, ...]
    renamed: tuple[RenamedColumn, ...] = ()
    # The names given to blank fields ending the header (each line ends in the delimiter): such a
    # column is left out when no line fills it (drop_unfilled_columns).
    unnamed_at_end: tuple[str, ...] = ()


def column_names_of_header(fields: list[str]) -> HeaderNames:
    """Names for a header's fields, unique whatever their case (DuckDB's column names are not case
    sensitive): each field stripped; a blank one named by its position, column5, as in a file without
    a header; a repeated one (LAST_NAME twice, or DOB and dob) suffixed _2, _3, ... by its occurrence.
    """
    written = [field.strip() for field in fields]
    names = [name or f"column{position}" for position, name in enumerate(written, start=1)]
    taken = {name.lower() for name in names}
    first_of: dict[str, str] = {}
    unique: list[str] = []
    renamed: list[RenamedColumn] = []
    for position, name in enumerate(names, start=1):
        repeats = first_of.get(name.lower())
        if repeats is not None:
            name = next(f"{name}_{n}" for n in itertools.count(2) if f"{name}_{n}".lower() not in taken)
            taken.add(name.lower())
        first_of.setdefault(name.lower(), name)
        unique.append(name)
        if repeats is not None or not written[position - 1]:
            renamed.append(
                RenamedColumn(position=position, written=written[position - 1], name=name, repeats=repeats)
            )
    last_named = max((i for i, name in enumerate(written) if name), default=-1)
    return HeaderNames(
        names=tuple(unique), renamed=tuple(renamed), unnamed_at_end=tuple(unique[last_named + 1 :])
    )


def drop_unfilled_columns(
    con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]
) -> tuple[str, ...]:
    """Drop those of columns that no row of table fills (NULL or blank in every row); returns them."""
    dropped = []
    for column in columns:
        q = quote_identifier(column)
        filled = con.execute(
            f"SELECT count(*) FROM {quote_identifier(table)} WHERE trim(CAST({q} AS VARCHAR)) <> ''"
        ).fetchall()
        if filled and int(filled[0][0]) == 0:
            con.execute(f"ALTER TABLE {quote_identifier(table)} DROP COLUMN {q}")
            dropped.append(column)
    return tuple(dropped)


def header_fields(path: Path, *, encoding: str, delimiter: str, header_row: int = 1) -> list[str] | None:
    """The fields of line header_row; None when it does not decode (or holds NUL bytes: another encoding).

    The line is decoded alone: a bad byte further down is reported with its own line.
    """
    with closing(decoded_lines(path, encoding)) as lines:
        header_line = next(itertools.islice(lines, header_row - 1, None), "")
    if header_line is None or "\x00" in header_line:
        return None
    return next(csv.reader([header_line], delimiter=delimiter), [])


def read_header(
    path: Path, *, encoding: str, delimiter: str, header: bool, source_name: str, header_row: int = 1
) -> HeaderNames:
    """Column names from line header_row (column_names_of_header), or column1..N without a header."""
    codec = codecs.lookup(encoding).name
    order = utf16_byte_order(path) if codec in ("utf-16-le", "utf-16-be") else None
    if order is not None and order != codec:
        # Read in the other byte order, UTF-16 text has no newline: it would be one garbled header.
        raise InputError(
            f'Source "{source_name}": {path} is {order.upper()} text, not {encoding}. '
            f'Set encoding = "utf-16" (it reads either byte order) under [sources.{source_name}].'
        )
    first = header_fields(path, encoding=encoding, delimiter=delimiter, header_row=header_row)
    if first is None:
        utf16 = utf16_encoding_of(path)
        if utf16 is not None and not codec.startswith("utf-16"):
            raise InputError(
                f'Source "{source_name}": {path} is UTF-16 text, not {encoding}. '
                f'Set encoding = "{utf16}" under [sources.{source_name}].'
            )
        raise InputError(
            f'Source "{source_name}": the header line of {path} is not valid {encoding}. '
            f"Set {_encoding_fix(path)} under [sources.{source_name}]."
        )

    # A blank line, or one with blank fields, may be above the header: a report's title ("Clients,,,").
    # Looked for only then: the first lines are read again.
    def title_hint() -> str:
        return _title_hint(path, encoding, delimiter, source_name) if header_row == 1 and header else ""

    if not any(c.strip() for c in first):
        which = "first line" if header_row == 1 else f"line {header_row} (header_row)"
        raise InputError(
            f'Source "{source_name}": the {which} of {path} is blank.{title_hint() or " The file needs a header row."}'
        )
    if not header:
        return HeaderNames(names=tuple(f"column{i}" for i in range(1, len(first) + 1)))
    hint = title_hint() if not all(c.strip() for c in first) else ""
    if hint:
        raise InputError(f'Source "{source_name}": {path} has a blank column name in its header.{hint}')
    return column_names_of_header(first)


# A line of a report's title fills at most this many fields (the title, a run date, in one cell):
# a line filling two or more above the rows may be a header with blank names, and stays the header.
TITLE_LINE_MAX_FILLED = 1
# The fewest fields a header below a title fills: narrower files are left as they are.
TITLED_HEADER_MIN_FILLED = 3


def header_below_title(path: Path, encoding: str, delimiter: str | None) -> tuple[int, int]:
    """(lines, rows) of a report's title (and blank lines) before a CSV file's header; (0, 0) for none.

    The rows' usual width is the commonest count of filled fields among the file's first rows
    (by the delimiter given, or the one that fills most); the header is the first row filling at
    least that many, and the rows above it are a title only when each fills at most one field.
    A header with blank names, a ragged data row or a narrow file leaves the header on line 1.
    Counted in lines, as header_row is: a title cell may hold a line break. Written by hand:
    DuckDB's sniffer skips lines too, but a footer ("Total: 3") or a title padded with commas
    ("Clients,,") defeats it.
    """
    with closing(decoded_lines(path, encoding)) as decoded:
        lines = [line for line in itertools.islice(decoded, HEADER_SEARCH_ROWS) if line is not None]
    usual, rows = 0, []
    for candidate in (delimiter,) if delimiter else CSV_DELIMITERS:
        starts_and_filled = _rows_with_start_lines(lines, candidate)
        widths = Counter(filled for _, filled in starts_and_filled if filled > TITLE_LINE_MAX_FILLED)
        width = max(widths, key=lambda w: (widths[w], w), default=0)
        if width > usual:
            usual, rows = width, starts_and_filled
    if usual < TITLED_HEADER_MIN_FILLED:
        return 0, 0
    header = next(i for i, (_, filled) in enumerate(rows) if filled >= usual)
    if all(filled <= TITLE_LINE_MAX_FILLED for _, filled in rows[:header]):
        return rows[header][0], header
    return 0, 0


def _rows_with_start_lines(lines: list[str], delimiter: str) -> list[tuple[int, int]]:
    """(lines before the row, fields it fills) for each CSV row of lines."""
    reader = csv.reader(lines, delimiter=delimiter)
    rows, start = [], 0
    for row in reader:
        rows.append((start, sum(1 for field in row if field.strip())))
        start = reader.line_num
    return rows


def rows_above_line(path: Path, encoding: str, delimiter: str, line: int) -> int:
    """How many CSV rows end before ``line``: what DuckDB's skip counts to start reading there (a
    quoted cell holding a line break makes one row of two lines)."""
    with closing(decoded_lines(path, encoding)) as decoded:
        lines = [text for text in itertools.islice(decoded, line - 1) if text is not None]
    return len(_rows_with_start_lines(lines, delimiter))


def header_row_hint(source: SourceConfig) -> str:
    """A sentence naming header_row, when a CSV source read from its first line has a title above its header."""
    if source.format != "csv" or not source.header or source.header_row is not None:
        return ""
    return _title_hint(source.path, source.encoding, source.delimiter, source.name)


def _title_hint(path: Path, encoding: str, delimiter: str, source_name: str) -> str:
    title_lines, _ = header_below_title(path, encoding, delimiter)
    if not title_lines:
        return ""
    with closing(decoded_lines(path, encoding)) as lines:
        blank = all(line is not None and not line.strip() for line in itertools.islice(lines, title_lines))
    above = ("a blank line" if title_lines == 1 else f"{title_lines} blank lines") if blank else "a title"
    return (
        f" The header looks to be line {title_lines + 1}, below {above}: "
        f"set header_row = {title_lines + 1} under [sources.{source_name}]."
    )


def _read_csv(con: duckdb.DuckDBPyConnection, source: SourceConfig, *, mixed_line_endings: bool) -> None:
    header = read_header(
        source.path,
        encoding=source.encoding,
        delimiter=source.delimiter,
        header=source.header,
        source_name=source.name,
        header_row=source.header_row or 1,
    )
    # The rows above the header (a report's title) are skipped: DuckDB counts rows, in its skip and
    # in its line numbers, where header_row counts lines.
    title_rows = (
        rows_above_line(source.path, source.encoding, source.delimiter, source.header_row)
        if source.header_row
        else 0
    )
    with tempfile.TemporaryDirectory(prefix="mpi-transcode-") as scratch:
        path = source.path
        duck_encoding = duckdb_encoding(source.encoding)
        # DuckDB's strict CSV reader stops at the first line ending unlike the first one ("state
        # machine reached an invalid state"), even with rejects on: such a file is transcoded too.
        if duck_encoding is None or mixed_line_endings:
            path = _transcode_to_utf8(source, Path(scratch) / "utf8.csv")
            duck_encoding = "utf-8"
        columns = "{" + ", ".join(f"{quote_literal(n)}: 'VARCHAR'" for n in header.names) + "}"
        reject = source.on_bad_rows == "reject"
        options = (
            f"header = {str(source.header).lower()}, skip = {title_rows}, auto_detect = false, columns = {columns}, "
            "delim = $delim, quote = '\"', escape = '\"', encoding = $encoding, strict_mode = true"
        )
        if reject:
            options += (
                ", ignore_errors = true, store_rejects = true, "
                "rejects_table = 'mpi__csv_rejects', rejects_scan = 'mpi__csv_reject_scans'"
            )
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {RAW_TABLE} AS "
                f"SELECT row_number() OVER () AS mpi__row, * FROM read_csv($path, {options})",
                {"path": str(path), "delim": source.delimiter, "encoding": duck_encoding},
            )
        except duckdb.OutOfMemoryException:
            raise  # the machine's limit, not the file's fault: told as such by the CLI
        except duckdb.Error as exc:
            raise _csv_error(source, exc, len(header.names)) from exc
        if reject:
            header_lines = title_rows + (1 if source.header else 0)
            _refuse_an_unclosed_quote(con, source)
            con.execute(
                f"INSERT INTO {BAD_ROWS_TABLE} SELECT line - {header_lines}, "
                "CASE WHEN bool_or(contains(csv_line, chr(0) || 'undecodable')) THEN 'INVALID ENCODING' "
                "ELSE min(error_type) END, min(error_message), NULL FROM mpi__csv_rejects GROUP BY line"
            )
            _describe_ragged_rows(con, source, header.names, header_lines)
            _number_rows_as_in_file(con)
            con.execute(
                f"UPDATE {BAD_ROWS_TABLE} SET reason = CASE reason "
                + " ".join(
                    f"WHEN {quote_literal(k)} THEN {quote_literal(v)}" for k, v in CSV_ERROR_REASONS.items()
                )
                + " ELSE 'unparseable row' END"
            )
            con.execute("DROP TABLE IF EXISTS mpi__csv_rejects")
            con.execute("DROP TABLE IF EXISTS mpi__csv_reject_scans")
    drop_unfilled_columns(con, RAW_TABLE, header.unnamed_at_end)


def _refuse_an_unclosed_quote(con: duckdb.DuckDBPyConnection, source: SourceConfig) -> None:
    """Refuse a file in which a quote opened on one line is never closed, rejects or not.

    DuckDB reads every line after such a quote as one value and rejects that one "row": the rows
    on those lines would be lost, counted as a single reject (71 rows read as 6). Only a reject
    whose text runs over several lines is such a quote; one closed too early ("x" y) is one row.
    """
    swallowed = con.execute(
        "SELECT min(line), max(length(csv_line) - length(replace(csv_line, chr(10), '')) + 1) "
        "FROM mpi__csv_rejects WHERE error_type = 'UNQUOTED VALUE' AND contains(csv_line, chr(10))"
    ).fetchall()[0]
    if swallowed[0] is None:
        return
    con.execute("DROP TABLE IF EXISTS mpi__csv_rejects")
    con.execute("DROP TABLE IF EXISTS mpi__csv_reject_scans")
    raise InputError(_unclosed_quote_message(source, int(swallowed[0]), int(swallowed[1])))


def _unclosed_quote_message(source: SourceConfig, line: int, lines_swallowed: int | None) -> str:
    span = f" (the {lines_swallowed:,} lines from there were read as one value)" if lines_swallowed else ""
    return (
        f'Source "{source.name}": {source.path} line {line} opens a quoted value that no later quote '
        f"closes{span}, so where its rows end cannot be told and none of them can be set aside as a "
        'reject. Fix that line at the source: close the quote, or write a quote inside a value twice ("").'
    )


def _describe_ragged_rows(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, names: tuple[str, ...], header_lines: int
) -> None:
    """Each ragged row's own field count and, when it has one, its record id.

    DuckDB's message counts the fields only up to the first one too many (6 fields read "Found: 5"),
    and a reject without its record id cannot be traced at the agency: the line is split here.
    """
    ragged = con.execute(
        f"SELECT line - {header_lines}, min(csv_line) FROM mpi__csv_rejects "
        "WHERE error_type IN ('MISSING COLUMNS', 'TOO MANY COLUMNS') GROUP BY line "
        "HAVING NOT bool_or(contains(csv_line, chr(0) || 'undecodable'))"
    ).fetchall()
    if not ragged:
        return
    id_position = names.index(source.record_id) if source.record_id in names else None
    described = []
    for line, text in ragged:
        fields = next(csv.reader([str(text)], delimiter=source.delimiter), [])
        record_id = (
            fields[id_position].strip() if id_position is not None and id_position < len(fields) else ""
        )
        detail = f"{len(fields)} field(s) where the header has {len(names)}"
        described.append((int(line), detail, record_id or None))
    # One update for them all: one per row rescans the table, quadratic in a file of many ragged rows.
    frame = pl.DataFrame(
        described, schema={"line": pl.Int64, "detail": pl.String, "record_id": pl.String}, orient="row"
    )
    con.register("mpi__ragged_rows", frame)
    try:
        con.execute(
            f"UPDATE {BAD_ROWS_TABLE} SET detail = r.detail, record_id = r.record_id "
            f"FROM mpi__ragged_rows AS r WHERE {BAD_ROWS_TABLE}.line = r.line"
        )
    finally:
        con.unregister("mpi__ragged_rows")


def _number_rows_as_in_file(con: duckdb.DuckDBPyConnection) -> None:
    """Renumber loaded rows so mpi__row is the row's position in the file, counting rejected rows.

    The j-th bad row (in file order) has rows_before = its row - j loaded rows ahead of it, so a
    loaded row r sits after every bad row whose rows_before < r.
    """
    con.execute(
        f"UPDATE {RAW_TABLE} SET mpi__row = mpi__row + (SELECT count(*) FROM "
        f"(SELECT line - row_number() OVER (ORDER BY line) AS rows_before FROM {BAD_ROWS_TABLE}) "
        f"WHERE rows_before < {RAW_TABLE}.mpi__row)"
    )


def has_mixed_line_endings(path: Path) -> bool:
    """Whether some lines end in CR LF and others in LF alone (extracts appended to one another)."""
    endings = _LineEndings()
    with open(path, "rb") as raw:
        for block in iter(lambda: raw.read(1 << 22), b""):
            endings.feed(block)
            if endings.mixed:
                return True
    return False


def ending_in_lf(line: str) -> str:
    """The line ending in LF where it ends in CR LF or in CR alone (a UTF-16 file read as text keeps either)."""
    if line.endswith("\r\n"):
        return line[:-2] + "\n"
    return line[:-1] + "\n" if line.endswith("\r") else line


def _transcode_to_utf8(source: SourceConfig, target: Path) -> Path:
    """Re-encode a file to UTF-8 with LF line endings, line by line: one in an encoding DuckDB does
    not read (cp1252, Latin-1, UTF-16, ...), or one whose line endings are mixed.

    With on_bad_rows = "reject", an undecodable line is replaced by UNDECODABLE_LINE, which DuckDB
    rejects; otherwise the first such line is an error.
    """
    with (
        closing(decoded_lines(source.path, source.encoding)) as lines,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        for line_number, line in enumerate(lines, start=1):
            if line is not None:
                out.write(ending_in_lf(line))
                continue
            if source.on_bad_rows != "reject":
                raise InputError(
                    f'Source "{source.name}": {source.path} line {line_number} is not valid {source.encoding}. '
                    f"Set the file's real encoding under [sources.{source.name}], "
                    'or on_bad_rows = "reject" to reject such rows.'
                )
            out.write(UNDECODABLE_LINE)
    return target


def _csv_error(source: SourceConfig, exc: duckdb.Error, header_width: int) -> InputError:
    message = str(exc)
    line_match = re.search(r"CSV Error on Line: (\d+)", message)
    line = f"line {line_match.group(1)}" if line_match else "a line"
    where = f'Source "{source.name}": {source.path} {line}'
    if "Invalid unicode" in message or "not utf-8 encoded" in message.lower():
        return InputError(
            f"{where} is not valid UTF-8. Set {_encoding_fix(source.path)} under [sources.{source.name}], "
            'or on_bad_rows = "reject" to reject such rows.'
        )
    found = re.search(r"Expected Number of Columns: (\d+) Found: (\d+)", message)
    if found or "MISSING COLUMNS" in message or "TOO MANY COLUMNS" in message:
        # DuckDB stops counting one past the header's width: the line's own fields are read here.
        fields = (
            header_fields(
                source.path,
                encoding=source.encoding,
                delimiter=source.delimiter,
                header_row=int(line_match.group(1)),
            )
            if line_match
            else None
        )
        count = (
            f"has {len(fields) if fields else found.group(2)} fields but the header has {found.group(1)}"
            if found
            else "has the wrong number of fields"
        )
        return InputError(
            f"{where} {count}.{header_row_hint(source)} Check delimiter under [sources.{source.name}] "
            f'(now "{source.delimiter}"), quote fields that contain it, or set on_bad_rows = "reject".'
        )
    reason = _duckdb_csv_reason(message)
    if reason and "unterminated quote" in reason and line_match:
        original = message.split("\nOriginal Line: ", 1)[-1].split(f"\n{reason}", 1)[0]
        if "\n" in original:
            return InputError(
                _unclosed_quote_message(source, int(line_match.group(1)), original.count("\n") + 1)
            )
        return InputError(
            f"{where} has text after a quoted value's closing quote, or a quote inside an unquoted value. "
            'Quote the whole value and write a quote inside it twice (""), or set on_bad_rows = "reject".'
        )
    because = f"{first_line(exc)}: {reason}" if reason else first_line(exc)
    return InputError(
        f"{where} cannot be parsed as CSV ({because}). Check delimiter and encoding under "
        f'[sources.{source.name}], or set on_bad_rows = "reject".'
    )


def _duckdb_csv_reason(message: str) -> str | None:
    """DuckDB's own reason for a CSV error (the line before its "Possible fixes" or "Possible Solution"), without the row's text.

    The message also quotes the offending line ("Original Line: ..."), which holds a person's
    identifiers: only the reason, DuckDB's wording, may reach the user's terminal and logs.
    """
    head = message.split("\n\nPossible ", 1)  # "Possible fixes:", "Possible Solution:"
    if len(head) < 2:
        return None
    reason = head[0].rsplit("\n", 1)[-1].strip()
    return reason if reason and not reason.startswith(("Original Line", "Invalid Input Error")) else None
