"""mpi.toml -> typed, validated config; every problem is reported at once."""

from __future__ import annotations

import difflib
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from mpi.date_formats import DEFAULT_DATE_FORMAT, date_format_problem
from mpi.errors import ConfigError
from mpi.schema import INPUT_FIELD_NAMES
from mpi.toml_values import toml_value

CONFIG_FILENAME = "mpi.toml"

TOP_KEYS = ("project", "store", "sources")
PROJECT_KEYS = ("name", "shared_ids")
STORE_KEYS = ("path", "memory_limit")
SOURCE_KEYS = (
    "kind",
    "path",
    "format",
    "sheet",
    "header_row",
    "delimiter",
    "encoding",
    "header",
    "record_id",
    "attributes",
    "columns",
    "on_bad_rows",
    "on_duplicate_ids",
    "age_range",
    "one_record_per_person",
)
# A hashed source is a file written by "mpi hash" at its agency: it describes itself.
HASHED_SOURCE_KEYS = ("kind", "path", "format", "one_record_per_person")
SOURCE_KINDS = ("clear", "hashed")
AGE_RANGE_KEYS = ("min", "max", "as_of", "as_of_column", "as_of_format")
COLUMN_OPTION_KEYS = (
    "column",
    "month_column",
    "day_column",
    "date_format",
    "format",
    "codes",
    "pad",
    "as_of",
    "as_of_column",
    "as_of_format",
)

# How a date kept in three columns is read once its parts are joined (mpi.mapping.join_date_parts):
# year-month-day, or the year alone when the month or the day is missing.
DATE_PARTS_FORMATS = ("%Y-%m-%d", "%Y")
EXCEL_EXTENSIONS = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
FORMATS_BY_EXTENSION = {
    ".csv": "csv",
    ".txt": "csv",
    ".tsv": "csv",
    ".psv": "csv",
    ".parquet": "parquet",
    # Excel workbooks and OpenDocument spreadsheets (mpi.excel)
    **dict.fromkeys(EXCEL_EXTENSIONS, "excel"),
}
FILE_FORMATS = tuple(dict.fromkeys(FORMATS_BY_EXTENSION.values()))  # csv, parquet, excel
DELIMITERS_BY_EXTENSION = {".tsv": "\t", ".psv": "|"}


def default_delimiter(path: Path) -> str:
    """The delimiter a CSV source is read with when mpi.toml names none: its extension's, else a comma."""
    return DELIMITERS_BY_EXTENSION.get(path.suffix.lower(), ",")


FULL_NAME_FORMATS = ("LAST, FIRST MIDDLE SUFFIX", "FIRST MIDDLE LAST SUFFIX", "auto")
ERROR_POLICIES = ("error", "reject")
PADDABLE_FIELDS = ("ssn", "zip", "phone")
SOURCE_NAME_PATTERN = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
SHARED_ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
DEFAULT_STORE_PATH = "mpi.duckdb"
# DuckDB's own default is 80% of RAM; 6 GB keeps a whole 1M-person link or train under 8 GiB of
# process memory (the rest is Python, Splink and polars), spilling to <store>.tmp beyond it.
DEFAULT_MEMORY_LIMIT = "6GB"
MEMORY_LIMIT_PATTERN = re.compile(r"^\d+(\.\d+)?\s*(KB|MB|GB|TB|KiB|MiB|GiB|TiB)$", re.IGNORECASE)


# What a sex code may map to: the words mpi_sex_std reads as M or F, and ways of saying "unknown"
# (mpi_sex_is_unknown, which ingest does not count as a problem).
SEX_CODE_VALUES = frozenset(
    {"M", "MALE", "MAN", "BOY", "F", "FEMALE", "WOMAN", "GIRL", "U", "UNKNOWN", "X", ""}
)


@dataclass(frozen=True, kw_only=True)
class AsOf:
    """The date a value held on: one date for the whole file, or a date column per row."""

    date: date | None = None
    column: str | None = None
    formats: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class ColumnMapping:
    """One canonical field filled from one agency column, with its parse options."""

    field: str
    column: str
    date_formats: tuple[str, ...] = ()
    name_format: str | None = None
    codes: Mapping[str, str] | None = None
    pad: int | None = None
    as_of: AsOf | None = None  # age only
    # dob only, a date kept in three columns: `column` holds the year, these the month and the day
    month_column: str | None = None
    day_column: str | None = None

    @property
    def date_parts(self) -> tuple[str, str, str] | None:
        """(year, month, day) columns of a date kept in parts; None for a date in one column."""
        if self.month_column is None or self.day_column is None:
            return None
        return (self.column, self.month_column, self.day_column)


@dataclass(frozen=True, kw_only=True)
class AgeRange:
    """Every person in a source was between min_age and max_age years old on as_of (either may be open)."""

    min_age: int | None
    max_age: int | None
    as_of: AsOf


@dataclass(frozen=True, kw_only=True)
class SourceConfig:
    name: str
    path: Path
    format: str
    delimiter: str
    encoding: str
    header: bool
    record_id: str
    attributes: tuple[str, ...]
    columns: tuple[ColumnMapping, ...]
    on_bad_rows: str
    on_duplicate_ids: str
    # "clear": an agency file mapped by `columns`; "hashed": a file written by `mpi hash`.
    kind: str = "clear"
    age_range: AgeRange | None = None
    # An Excel source's sheet (None: the first visible one with data), and its header's row number
    # (None: the first row) when a report's title rows come first.
    sheet: str | None = None
    header_row: int | None = None
    # No two of the file's records are one person (birth certificates, a deduplicated roster):
    # clustering keeps them apart however strongly other records join them.
    one_record_per_person: bool = False

    @property
    def hashed(self) -> bool:
        return self.kind == "hashed"

    def mapping(self, field_name: str) -> ColumnMapping | None:
        return next((m for m in self.columns if m.field == field_name), None)

    def agency_columns(self) -> tuple[str, ...]:
        """Every agency column this source's config refers to, in a stable order."""
        wanted = [self.record_id]
        for m in self.columns:
            wanted.extend(m.date_parts or (m.column,))
            if m.as_of is not None and m.as_of.column:
                wanted.append(m.as_of.column)
        if self.age_range is not None and self.age_range.as_of.column:
            wanted.append(self.age_range.as_of.column)
        wanted.extend(self.attributes)
        return tuple(dict.fromkeys(wanted))


@dataclass(frozen=True, kw_only=True)
class ProjectConfig:
    config_path: Path
    name: str
    shared_ids: tuple[str, ...]
    store_path: Path
    memory_limit: str = DEFAULT_MEMORY_LIMIT
    sources: Mapping[str, SourceConfig] = field(default_factory=dict)

    @property
    def root(self) -> Path:
        return self.config_path.parent

    @property
    def hashed(self) -> bool:
        """A hashed project links only files written by `mpi hash` (validation keeps projects unmixed)."""
        return any(source.hashed for source in self.sources.values())

    @property
    def one_record_per_person_sources(self) -> tuple[str, ...]:
        """Sources none of whose records are one person with another of the same file."""
        return tuple(name for name, source in self.sources.items() if source.one_record_per_person)


def _suggest(word: str, choices: tuple[str, ...] | list[str]) -> str:
    near = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    if near:
        return f' Did you mean "{near[0]}"?'
    return f" Allowed: {', '.join(choices)}."


def _unknown_keys(
    where: str, table: Mapping[str, Any], allowed: tuple[str, ...], problems: list[str]
) -> None:
    for key in table:
        if key not in allowed:
            problems.append(f'{where}: unknown key "{key}".{_suggest(key, allowed)}')


def _duplicate_source_headers(text: str) -> list[str]:
    # tomllib stops at the first duplicate table with a terse message; find them all ourselves.
    seen: dict[str, int] = {}
    problems = []
    for lineno, line in enumerate(text.splitlines(), start=1):
        match = re.match(r"^\s*\[\s*sources\s*\.\s*\"?([^\].\"]+)\"?\s*\]\s*(#.*)?$", line)
        if not match:
            continue
        name = match.group(1).strip()
        if name in seen:
            problems.append(
                f"[sources.{name}] is declared twice (lines {seen[name]} and {lineno}). "
                "Give each source a unique name."
            )
        else:
            seen[name] = lineno
    return problems


def load_config(path: Path | str | None = None) -> ProjectConfig:
    """Read and validate mpi.toml (default: ./mpi.toml); raises ConfigError listing every problem."""
    config_path = Path(path) if path is not None else Path.cwd() / CONFIG_FILENAME
    if config_path.is_dir():
        config_path = config_path / CONFIG_FILENAME
    config_path = config_path.resolve()
    if not config_path.is_file():
        raise ConfigError(
            str(config_path),
            [f'no config file at {config_path}. Run "mpi init" to write an example, or pass --config.'],
        )
    text = _config_text(config_path)
    duplicates = _duplicate_source_headers(text)
    if duplicates:
        raise ConfigError(str(config_path), duplicates)
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(config_path), [f"not valid TOML: {exc}. Fix the syntax at that line."]) from exc
    return parse_config(raw, config_path=config_path)


def _config_text(config_path: Path) -> str:
    """mpi.toml's text: TOML is UTF-8; a byte-order mark (Windows Notepad writes one) is dropped."""
    data = config_path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        utf16 = " (it is UTF-16 text)" if data[:2] in (b"\xff\xfe", b"\xfe\xff") else ""
        raise ConfigError(
            str(config_path),
            [
                f"line {line} is not UTF-8{utf16}: TOML files are UTF-8. Save the file as UTF-8 "
                "(in Notepad: Save As, Encoding UTF-8)."
            ],
        ) from exc


def parse_config(raw: Mapping[str, Any], *, config_path: Path) -> ProjectConfig:
    """Validate a parsed TOML document; collect all problems before raising."""
    problems: list[str] = []
    _unknown_keys("top level", raw, TOP_KEYS, problems)

    project = _table(raw, "project", "[project]", problems)
    _unknown_keys("[project]", project, PROJECT_KEYS, problems)
    name = project.get("name", config_path.parent.name)
    if not isinstance(name, str):
        problems.append('[project] name must be a string, e.g. name = "ct-p20".')
        name = config_path.parent.name
    shared_ids = _shared_ids(project.get("shared_ids", []), problems)

    store = _table(raw, "store", "[store]", problems)
    _unknown_keys("[store]", store, STORE_KEYS, problems)
    store_path_value = store.get("path", DEFAULT_STORE_PATH)
    if not isinstance(store_path_value, str) or not store_path_value:
        problems.append('[store] path must be a file name, e.g. path = "mpi.duckdb".')
        store_path_value = DEFAULT_STORE_PATH
    store_path = (config_path.parent / store_path_value).resolve()
    memory_limit = store.get("memory_limit", DEFAULT_MEMORY_LIMIT)
    if not isinstance(memory_limit, str) or not MEMORY_LIMIT_PATTERN.match(memory_limit):
        problems.append(
            f'[store] memory_limit must be a size such as "6GB" or "512MB" (got {memory_limit!r}); '
            "it caps DuckDB's memory, the rest spills to disk next to the store."
        )
        memory_limit = DEFAULT_MEMORY_LIMIT

    sources_raw = _table(raw, "sources", "[sources]", problems)
    sources: dict[str, SourceConfig] = {}
    for source_name, source_raw in sources_raw.items():
        source = _parse_source(source_name, source_raw, shared_ids, config_path.parent, problems)
        if source is not None:
            sources[source_name] = source
    _check_kinds_unmixed(sources_raw, problems)

    if problems:
        raise ConfigError(str(config_path), problems)
    return ProjectConfig(
        config_path=config_path,
        name=name,
        shared_ids=shared_ids,
        store_path=store_path,
        memory_limit=memory_limit,
        sources=sources,
    )


def _table(raw: Mapping[str, Any], key: str, where: str, problems: list[str]) -> Mapping[str, Any]:
    value = raw.get(key, {})
    if not isinstance(value, Mapping):
        problems.append(f"{where} must be a table.")
        return {}
    return value


def _shared_ids(value: Any, problems: list[str]) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        problems.append('[project] shared_ids must be a list of names, e.g. shared_ids = ["sasid"].')
        return ()
    ids: list[str] = []
    for v in value:
        if not SHARED_ID_PATTERN.match(v):
            problems.append(
                f'[project] shared id "{v}" must be lower case letters, digits and _ (e.g. "sasid").'
            )
        elif v in INPUT_FIELD_NAMES:
            problems.append(
                f'[project] shared id "{v}" clashes with the canonical field of that name; rename it.'
            )
        elif v in ids:
            problems.append(f'[project] shared id "{v}" is listed twice.')
        else:
            ids.append(v)
    return tuple(ids)


def _source_kind(raw: Any) -> str | None:
    kind = raw.get("kind", "clear") if isinstance(raw, Mapping) else "clear"
    return kind if kind in SOURCE_KINDS else None


def _check_kinds_unmixed(sources_raw: Mapping[str, Any], problems: list[str]) -> None:
    kinds = {name: _source_kind(raw) for name, raw in sources_raw.items()}
    hashed = [name for name, kind in kinds.items() if kind == "hashed"]
    clear = [name for name, kind in kinds.items() if kind == "clear"]
    if hashed and clear:
        problems.append(
            f'sources {", ".join(hashed)} are kind = "hashed" but {", ".join(clear)} '
            f"{'is' if len(clear) == 1 else 'are'} clear text: a project links either hashed files or clear "
            f'ones. Hash {", ".join(clear)} with "mpi hash" at the agency and declare '
            f'{"it" if len(clear) == 1 else "them"} kind = "hashed", or link them in a separate clear project.'
        )


def _parse_hashed_source(
    name: str, raw: Mapping[str, Any], root: Path, problems: list[str]
) -> SourceConfig | None:
    where = f"[sources.{name}]"
    for key in raw:
        if key not in HASHED_SOURCE_KEYS and key in SOURCE_KEYS:
            problems.append(
                f'{where}: "{key}" does not apply to a hashed source: the file written by "mpi hash" '
                "carries its own record ids, encodings and attributes. Remove it."
            )
        elif key not in HASHED_SOURCE_KEYS:
            problems.append(f'{where}: unknown key "{key}".{_suggest(key, HASHED_SOURCE_KEYS)}')
    start = len(problems)
    path_value = raw.get("path")
    if not isinstance(path_value, str) or not path_value:
        problems.append(
            f'{where}: "path" is required: the Parquet file written by "mpi hash", e.g. path = "{name}.hashed.parquet".'
        )
        path_value = ""
    file_format = raw.get("format", "parquet")
    if file_format != "parquet":
        problems.append(f'{where}: a hashed source is a Parquet file written by "mpi hash"; remove format.')
    if len(problems) > start:
        return None
    return SourceConfig(
        name=name,
        path=(root / path_value).resolve(),
        format="parquet",
        delimiter=",",
        encoding="utf-8",
        header=True,
        record_id="",
        attributes=(),
        columns=(),
        on_bad_rows="error",
        on_duplicate_ids="error",
        kind="hashed",
        one_record_per_person=_one_record_per_person(where, raw, problems),
    )


def _parse_source(
    name: str, raw: Any, shared_ids: tuple[str, ...], root: Path, problems: list[str]
) -> SourceConfig | None:
    where = f"[sources.{name}]"
    if not SOURCE_NAME_PATTERN.match(name):
        problems.append(f"{where}: source names must start with a letter and use letters, digits, _ or -.")
    if not isinstance(raw, Mapping):
        problems.append(f"{where} must be a table with path, record_id and columns.")
        return None
    kind = raw.get("kind", "clear")
    if kind not in SOURCE_KINDS:
        problems.append(f'{where}: kind must be "clear" (the default) or "hashed", not "{kind}".')
        return None
    if kind == "hashed":
        return _parse_hashed_source(name, raw, root, problems)
    _unknown_keys(where, raw, SOURCE_KEYS, problems)
    start = len(problems)

    path_value = raw.get("path")
    if not isinstance(path_value, str) or not path_value:
        problems.append(f'{where}: "path" is required: the agency file, e.g. path = "{name}.csv".')
        path_value = ""
    path = (root / path_value).resolve()
    given_format = raw.get("format")
    file_format = given_format or FORMATS_BY_EXTENSION.get(path.suffix.lower())
    if given_format is not None and given_format not in FILE_FORMATS:
        problems.append(
            f'{where}: format = {toml_value(given_format)} is not one mpi reads; set format = "csv", "parquet" or '
            '"excel" (a .xls, .xlsx or .ods workbook is "excel").'
        )
        file_format = "csv"
    elif file_format not in FILE_FORMATS:
        problems.append(
            f'{where}: cannot tell the format of "{path_value}"; set format = "csv", "parquet" or "excel".'
        )
        file_format = "csv"
    sheet = raw.get("sheet")
    if sheet is not None and file_format != "excel":
        problems.append(
            f"{where}: sheet names the sheet of an Excel workbook to read; remove it for a {file_format} file."
        )
        sheet = None
    elif sheet is not None and (not isinstance(sheet, str) or not sheet):
        problems.append(f'{where}: sheet must be the sheet\'s name as a string, e.g. sheet = "Clients".')
        sheet = None
    delimiter = raw.get("delimiter", default_delimiter(path))
    if not isinstance(delimiter, str) or len(delimiter) != 1:
        problems.append(f'{where}: delimiter must be one character, e.g. delimiter = "|".')
        delimiter = ","
    encoding = raw.get("encoding", "utf-8")
    if not isinstance(encoding, str) or not is_known_encoding(encoding):
        problems.append(f'{where}: unknown encoding "{encoding}"; use e.g. "utf-8", "latin-1" or "cp1252".')
        encoding = "utf-8"
    header = raw.get("header", True)
    if not isinstance(header, bool):
        problems.append(f"{where}: header must be true or false.")
        header = True
    header_row = raw.get("header_row")
    if header_row is not None and (file_format == "parquet" or not header):
        problems.append(
            f"{where}: header_row is the row (line of a CSV file) holding the header, below a report's title; "
            f"remove it {f'for a {file_format} file' if header else 'with header = false'}."
        )
        header_row = None
    elif header_row is not None and (
        isinstance(header_row, bool) or not isinstance(header_row, int) or header_row < 1
    ):
        problems.append(f"{where}: header_row must be a row number from 1, e.g. header_row = 3.")
        header_row = None
    record_id = raw.get("record_id")
    if record_id is None or record_id == "":
        problems.append(f'{where}: "record_id" is required: the column holding the agency\'s own record id.')
        record_id = ""
    elif not isinstance(record_id, str):
        problems.append(
            f'{where}: record_id must name one column, as a string in quotes, e.g. record_id = "CLIENT_ID" '
            f"(not {toml_value(record_id)})."
        )
        record_id = ""
    attributes = raw.get("attributes", [])
    if not isinstance(attributes, list) or not all(isinstance(a, str) for a in attributes):
        problems.append(f'{where}: attributes must be a list of column names, e.g. attributes = ["GRADE"].')
        attributes = []
    policies = {}
    for key in ("on_bad_rows", "on_duplicate_ids"):
        policy = raw.get(key, "error")
        if policy not in ERROR_POLICIES:
            problems.append(f'{where}: {key} must be "error" or "reject", not "{policy}".')
            policy = "error"
        policies[key] = policy

    columns_raw = raw.get("columns")
    columns: list[ColumnMapping] = []
    if not isinstance(columns_raw, Mapping) or not columns_raw:
        problems.append(
            f"{where}: [sources.{name}.columns] is required: map canonical fields to your columns, "
            'e.g. first_name = "FNAME".'
        )
    else:
        allowed_fields = tuple(sorted(INPUT_FIELD_NAMES)) + shared_ids
        for field_name, spec in columns_raw.items():
            if field_name not in allowed_fields:
                hint = _suggest(field_name, allowed_fields)
                problems.append(
                    f'[sources.{name}.columns]: "{field_name}" is not a canonical field.{hint} '
                    "Declare shared identifiers in [project] shared_ids; keep other columns as attributes."
                )
                continue
            mapping = _parse_column(name, field_name, spec, shared_ids, problems)
            if mapping is not None:
                columns.append(mapping)
        mapped = {m.field for m in columns}
        if "full_name" in mapped and mapped & {"first_name", "last_name", "middle_name"}:
            problems.append(
                f"[sources.{name}.columns]: map either full_name or first_name/middle_name/last_name, not both."
            )
    _check_attributes_identify_nothing(name, record_id, attributes, columns, problems)
    age_range = _parse_age_range(where, raw["age_range"], problems) if "age_range" in raw else None

    one_record_per_person = _one_record_per_person(where, raw, problems)

    if len(problems) > start:
        return None
    return SourceConfig(
        name=name,
        path=path,
        format=file_format,
        delimiter=delimiter,
        encoding=encoding,
        header=header,
        record_id=record_id,
        attributes=tuple(attributes),
        columns=tuple(columns),
        on_bad_rows=policies["on_bad_rows"],
        on_duplicate_ids=policies["on_duplicate_ids"],
        age_range=age_range,
        sheet=sheet,
        header_row=header_row,
        one_record_per_person=one_record_per_person,
    )


def _one_record_per_person(where: str, raw: Mapping[str, Any], problems: list[str]) -> bool:
    value = raw.get("one_record_per_person", False)
    if not isinstance(value, bool):
        problems.append(
            f"{where}: one_record_per_person must be true (no two records of the file are one person, "
            "e.g. birth certificates) or false (the default)."
        )
        return False
    return value


def mapped_fields_by_column(columns: Sequence[ColumnMapping]) -> dict[str, str]:
    """Each agency column a mapping reads (casefolded, as DuckDB matches names) -> the field it fills."""
    return {column.casefold(): m.field for m in columns for column in m.date_parts or (m.column,)}


def _check_attributes_identify_nothing(
    source: str, record_id: str, attributes: list[str], columns: list[ColumnMapping], problems: list[str]
) -> None:
    """Refuse an attribute that is the record id or a mapped column: attributes travel in clear.

    They are copied unchanged into research extracts and into the files "mpi hash" writes, so one
    that repeats an identifying column would carry it past the hashing (and the record id past
    --pseudonymize-ids). DuckDB matches column names without regard to case, and so does this check.
    """
    identifying = {
        column: f"the column mapped to {field_name}"
        for column, field_name in mapped_fields_by_column(columns).items()
    }
    if record_id:
        identifying[record_id.casefold()] = "the record_id column"
    for attribute in dict.fromkeys(attributes):
        role = identifying.get(attribute.casefold())
        if role is not None:
            problems.append(
                f'[sources.{source}]: attribute "{attribute}" is {role}. Attributes are kept in clear '
                "(research extracts, hashed files), so an identifying column cannot be one: remove "
                f'"{attribute}" from attributes.'
            )


def is_known_encoding(encoding: str) -> bool:
    import codecs

    try:
        codecs.lookup(encoding)
    except LookupError:
        return False
    return True


def _formats(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        return (value,)
    if isinstance(value, list) and value and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _check_date_formats(
    where: str, key: str, column: Any, formats: tuple[str, ...], problems: list[str]
) -> None:
    for date_format in formats:
        problem = date_format_problem(date_format)
        if problem is not None:
            of_column = f' (column "{column}")' if isinstance(column, str) and column else ""
            problems.append(f"{where}: {key}{of_column}: {problem}")


def _parse_column(
    source: str, field_name: str, spec: Any, shared_ids: tuple[str, ...], problems: list[str]
) -> ColumnMapping | None:
    where = f"[sources.{source}.columns] {field_name}"
    if isinstance(spec, str):
        spec = {"column": spec}
    if not isinstance(spec, Mapping):
        problems.append(f'{where}: give a column name or a table like {{ column = "COL", ... }}.')
        return None
    _unknown_keys(where, spec, COLUMN_OPTION_KEYS, problems)
    start = len(problems)
    column = spec.get("column")
    if not isinstance(column, str) or not column:
        problems.append(f'{where}: "column" is required, e.g. {{ column = "COL" }}.')
    date_formats: tuple[str, ...] = ()
    if "date_format" in spec:
        parsed = _formats(spec["date_format"])
        if field_name != "dob":
            problems.append(f"{where}: date_format applies to dob only (use as_of_format for age).")
        elif parsed is None:
            problems.append(f'{where}: date_format must be a format or a list, e.g. "%m/%d/%Y".')
        else:
            date_formats = parsed
            _check_date_formats(where, "date_format", column, parsed, problems)
    elif field_name == "dob":
        date_formats = (DEFAULT_DATE_FORMAT,)
    parts = {key: spec.get(key) for key in ("month_column", "day_column")}
    if any(value is not None for value in parts.values()):
        example = f'{{ column = "{column}", month_column = "BIRTH_MONTH", day_column = "BIRTH_DAY" }}'
        if field_name != "dob":
            problems.append(f"{where}: month_column and day_column apply to dob only.")
        elif not all(isinstance(value, str) and value for value in parts.values()):
            problems.append(
                f"{where}: a date in parts needs both month_column and day_column, e.g. {example}."
            )
        elif "date_format" in spec:
            problems.append(
                f"{where}: a date in parts is read from its numbers; remove date_format (column holds the year)."
            )
        date_formats = DATE_PARTS_FORMATS
    name_format = spec.get("format")
    if field_name == "full_name":
        if name_format not in FULL_NAME_FORMATS:
            problems.append(
                f"{where}: format (the order of the name's parts) must be one of "
                f"{', '.join(repr(f) for f in FULL_NAME_FORMATS)}, "
                f'e.g. {{ column = "{column}", format = "{FULL_NAME_FORMATS[1]}" }}.'
            )
    elif name_format is not None:
        problems.append(f"{where}: format applies to full_name only.")
    codes = spec.get("codes")
    if codes is not None and (
        not isinstance(codes, Mapping) or not all(isinstance(v, str) for v in codes.values())
    ):
        problems.append(f'{where}: codes must be a table of code = value, e.g. {{ "1" = "M", "2" = "F" }}.')
    elif codes is not None and field_name == "sex":
        # Standardization knows M and F by these words only (mpi_sex_std): another value (W for
        # weiblich) would make every such row's sex unknown without a word.
        unknown = sorted({v for v in codes.values() if v.strip().upper() not in SEX_CODE_VALUES})
        if unknown:
            problems.append(
                f"{where}: codes for sex must map to M or F (or U for unknown), not "
                + ", ".join(f'"{v}"' for v in unknown)
                + '; e.g. { "1" = "M", "2" = "F", "9" = "U" }.'
            )
    pad = spec.get("pad")
    if pad is not None:
        if field_name not in PADDABLE_FIELDS and field_name not in shared_ids:
            problems.append(f"{where}: pad applies to ssn, zip, phone and shared ids only.")
        elif not isinstance(pad, int) or isinstance(pad, bool) or not 1 <= pad <= 30:
            problems.append(f"{where}: pad must be a number of digits between 1 and 30.")
    as_of = None
    if field_name == "age":
        as_of = _parse_as_of(where, spec, problems, needs="an age needs the date it was recorded")
    elif any(key in spec for key in ("as_of", "as_of_column", "as_of_format")):
        problems.append(f"{where}: as_of, as_of_column and as_of_format apply to age only.")
    if len(problems) > start or not isinstance(column, str):
        return None
    return ColumnMapping(
        field=field_name,
        column=column,
        date_formats=date_formats,
        name_format=name_format if field_name == "full_name" else None,
        codes={str(k).strip().upper(): v for k, v in codes.items()} if isinstance(codes, Mapping) else None,
        pad=pad,
        as_of=as_of,
        month_column=parts["month_column"] if field_name == "dob" else None,
        day_column=parts["day_column"] if field_name == "dob" else None,
    )


def _parse_as_of(where: str, spec: Mapping[str, Any], problems: list[str], *, needs: str) -> AsOf | None:
    """as_of = "2024-09-01" (the whole file), or as_of_column with as_of_format (each row)."""
    start = len(problems)
    as_of = spec.get("as_of")
    column = spec.get("as_of_column")
    if as_of is None and column is None:
        problems.append(f'{where}: {needs}: as_of = "2024-09-01" or as_of_column = "COL".')
    if isinstance(as_of, str):
        try:
            as_of = date.fromisoformat(as_of)
        except ValueError:
            problems.append(f'{where}: as_of must be a date like "2024-09-01".')
    elif as_of is not None and not isinstance(as_of, date):
        problems.append(f'{where}: as_of must be a date like "2024-09-01".')
    if column is not None and not isinstance(column, str):
        problems.append(f"{where}: as_of_column must be a column name.")
    formats: tuple[str, ...] = (DEFAULT_DATE_FORMAT,)
    if "as_of_format" in spec:
        parsed = _formats(spec["as_of_format"])
        if parsed is None:
            problems.append(f'{where}: as_of_format must be a format or a list, e.g. "%Y-%m-%d".')
        else:
            formats = parsed
            _check_date_formats(where, "as_of_format", column, parsed, problems)
    if len(problems) > start:
        return None
    return AsOf(
        date=as_of if isinstance(as_of, date) else None,
        column=column if isinstance(column, str) else None,
        formats=formats,
    )


def _parse_age_range(where: str, raw: Any, problems: list[str]) -> AgeRange | None:
    """age_range = { min = 14, as_of = "2024-09-01" }: the ages every person in the file had on a date."""
    where = f"{where} age_range"
    if not isinstance(raw, Mapping):
        problems.append(f'{where}: give a table like {{ min = 14, as_of = "2024-09-01" }}.')
        return None
    _unknown_keys(where, raw, AGE_RANGE_KEYS, problems)
    start = len(problems)
    ages = {}
    for key in ("min", "max"):
        value = raw.get(key)
        if value is not None and (
            not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 120
        ):
            problems.append(f"{where}: {key} must be an age in whole years between 0 and 120.")
        ages[key] = value if isinstance(value, int) else None
    if ages["min"] is None and ages["max"] is None:
        problems.append(f"{where}: give min, max or both (ages in years), e.g. {{ min = 14, ... }}.")
    elif ages["min"] is not None and ages["max"] is not None and ages["min"] > ages["max"]:
        problems.append(f"{where}: min ({ages['min']}) is above max ({ages['max']}).")
    as_of = _parse_as_of(where, raw, problems, needs="an age range needs the date the ages held on")
    if len(problems) > start or as_of is None:
        return None
    return AgeRange(min_age=ages["min"], max_age=ages["max"], as_of=as_of)
