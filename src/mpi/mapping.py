"""Map a source's columns onto canonical fields, applying its parse options (dates, codes, padding, full names)."""

from __future__ import annotations

import contextlib
import difflib
import re
import shlex
from dataclasses import dataclass, field, replace
from typing import Any

import duckdb
from nameparser import HumanName
from nameparser.config import Constants

from mpi.config import AgeRange, AsOf, ColumnMapping, SourceConfig
from mpi.date_formats import is_year_only
from mpi.errors import InputError, and_list
from mpi.reader import CSV_DELIMITERS, RAW_TABLE, header_row_hint
from mpi.schema import shared_id_column
from mpi.sqlutil import quote_identifier
from mpi.toml_values import toml_value

MAPPED_TABLE = "mpi__mapped"
# Canonical input fields every mapped table carries as <field>_raw and <field>_in, mapped or not.
MAPPED_FIELDS = (
    "first_name", "middle_name", "last_name", "other_last_name", "suffix", "full_name", "dob", "age", "sex", "ssn", "ssn_last4",
    "address", "street_number", "street_name", "unit", "city", "state", "zip", "phone", "email",
)  # fmt: skip
NAME_PARTS = ("first", "middle", "last", "suffix")
DATE_TYPES = ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S")


@dataclass
class _Params:
    """Named DuckDB parameters collected while the SELECT is composed."""

    values: dict[str, Any] = field(default_factory=dict)

    def add(self, value: Any) -> str:
        name = f"p{len(self.values)}"
        self.values[name] = value
        return f"${name}"


def check_mapped_columns(source: SourceConfig, columns: tuple[str, ...]) -> None:
    """Every column the config names must exist in the file; suggest near names for the ones that do not."""
    present = set(columns)
    missing: list[tuple[str, list[str]]] = []
    for wanted in source.agency_columns():
        if wanted in present:
            continue
        by_case = [c for c in columns if c.lower() == wanted.lower()]
        missing.append((wanted, by_case or difflib.get_close_matches(wanted, list(columns), n=2, cutoff=0.6)))
    if missing:
        listing = _missing_columns_sentence(missing) + (
            _delimiter_hint(source, columns) or header_row_hint(source)
        )
        sheet = f" --sheet {shlex.quote(source.sheet)}" if source.sheet else ""
        where = f'{source.path} (sheet "{source.sheet}")' if source.sheet else str(source.path)
        raise InputError(
            f'Source "{source.name}": {where}: {listing} Fix the mapping under [sources.{source.name}] '
            f'in mpi.toml, or run "mpi inspect {source.path.name}{sheet}" to see its columns.'
        )


def _is_nested_type(column_type: str) -> bool:
    """A DuckDB type holding several values (a Parquet STRUCT, LIST, MAP or UNION), not one."""
    return column_type.startswith(("STRUCT(", "MAP(", "UNION(")) or column_type.endswith("]")


def check_mapped_column_types(source: SourceConfig, column_types: dict[str, str]) -> None:
    """Refuse a mapped column of a nested type: cast to text it reads as its own structure.

    A Parquet STRUCT full name read as ``{'first': A, 'last': LESPERANCE}`` left the field's name
    in the surname, and a LIST record id was stored as ``[@79898906]``, without a word.
    """
    nested = [c for c in source.agency_columns() if _is_nested_type(column_types.get(c, ""))]
    if nested:
        listed = and_list([f'"{c}" ({column_types[c]})' for c in nested])
        raise InputError(
            f'Source "{source.name}": {source.path}: column{"s" if len(nested) > 1 else ""} {listed} '
            f"hold{'' if len(nested) > 1 else 's'} several values in each row, not one. Ask the agency to write "
            f"each as a plain column (a struct's fields as columns of their own), and map those under "
            f"[sources.{source.name}] in mpi.toml."
        )


def _delimiter_hint(source: SourceConfig, columns: tuple[str, ...]) -> str:
    """When the header read as one column that another delimiter would split: the delimiter is wrong."""
    if source.format != "csv" or len(columns) != 1:
        return ""
    splitting = [d for d in CSV_DELIMITERS if d != source.delimiter and d in columns[0]]
    if not splitting:
        return ""
    best = max(splitting, key=columns[0].count)
    return (
        f" The header reads as one column by delimiter {toml_value(source.delimiter)}, and {toml_value(best)} "
        f"splits it: set delimiter = {toml_value(best)} under [sources.{source.name}]."
    )


def _missing_columns_sentence(missing: list[tuple[str, list[str]]]) -> str:
    """'column "A" is not in the file. Did you mean "B"?', or one sentence listing several."""
    if len(missing) == 1:
        wanted, near = missing[0]
        hint = " Did you mean " + " or ".join(f'"{n}"' for n in near) + "?" if near else ""
        return f'column "{wanted}" is not in the file.{hint}'
    named = [
        f'"{wanted}"' + (" (did you mean " + " or ".join(f'"{n}"' for n in near) + "?)" if near else "")
        for wanted, near in missing
    ]
    return f"{len(missing)} mapped columns are not in the file: {and_list(named)}."


# The column a date kept in parts is joined into, beside the agency's columns in RAW_TABLE.
JOINED_DATE_COLUMN = "mpi__dob_joined"


def join_date_parts(
    con: duckdb.DuckDBPyConnection, source: SourceConfig, column_types: dict[str, str]
) -> tuple[SourceConfig, dict[str, str]]:
    """A source whose dob is kept in year, month and day columns, as one read from a joined column.

    RAW_TABLE gains JOINED_DATE_COLUMN, written YYYY-MM-DD (the year alone when the month or the day
    is missing), and the dob mapping reads it with DATE_PARTS_FORMATS: everything after (the year of
    a date that does not exist, the unparseable-date counts) works as for a date in one column.
    Other sources are returned as they are. Needs the standardization macros on ``con``.
    """
    dob = source.mapping("dob")
    parts = dob.date_parts if dob else None
    if dob is None or parts is None:
        return source, column_types
    year_column, month_column, day_column = parts
    year = _text_sql(year_column)
    four_digits = f"CASE WHEN length(mpi_whole_number({year})) = 4 THEN mpi_whole_number({year}) END"
    month, day = _date_part_sql(month_column, with_month_names=True), _date_part_sql(day_column)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {RAW_TABLE} AS SELECT *, "
        f"CASE WHEN {year} IS NULL THEN NULL "
        # A year that is not four digits (85) is no year: joined with slashes, which no format of
        # DATE_PARTS_FORMATS reads, so the date is counted as unread instead of taken for the year 85.
        f"WHEN {four_digits} IS NULL THEN concat_ws('/', {year}, {month}, {day}) "
        f"WHEN {month} IS NULL OR {day} IS NULL THEN {four_digits} "
        f"ELSE {four_digits} || '-' || {month} || '-' || {day} END "
        f"AS {JOINED_DATE_COLUMN} FROM {RAW_TABLE}"
    )
    joined = replace(dob, column=JOINED_DATE_COLUMN, month_column=None, day_column=None)
    columns = tuple(joined if m is dob else m for m in source.columns)
    return replace(source, columns=columns), {**column_types, JOINED_DATE_COLUMN: "VARCHAR"}


MONTH_ABBREVIATIONS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]


def _date_part_sql(column: str, *, with_month_names: bool = False) -> str:
    """A month or day column as two digits (3, 03 and Excel's 3.0 are 03; MARCH is 03 for a month).

    NULL when blank; '00' for anything else (5.5, a word), so that the joined date is counted as
    one no format reads and its year is still kept, never taken for a year alone.
    """
    text = _text_sql(column)
    number = f"TRY_CAST(mpi_whole_number({text}) AS INTEGER)"
    if with_month_names:
        name = f"list_position({MONTH_ABBREVIATIONS!r}, upper(left({text}, 3)))"
        number = f"coalesce({number}, CASE WHEN length({text}) >= 3 THEN nullif({name}, 0) END)"
    return (
        f"CASE WHEN {text} IS NULL THEN NULL ELSE lpad(coalesce(CAST({number} AS VARCHAR), '00'), 2, '0') END"
    )


def _text_sql(column: str) -> str:
    return f"nullif(trim(CAST({quote_identifier(column)} AS VARCHAR)), '')"


def _date_sql(column: str, formats: tuple[str, ...], column_type: str, params: _Params) -> str:
    if column_type.upper() in DATE_TYPES:
        return f"CAST({quote_identifier(column)} AS DATE)"
    text = _date_text_sql(column, formats)
    # One format at a time, in the order given: try_strptime over the list takes the first that
    # parses, and %Y parses 9/5/78 as the year 78, which the whole-year check then throws away
    # before a %y later in the list is tried.
    reads = [_date_in_format_sql(text, date_format, params) for date_format in formats]
    return reads[0] if len(reads) == 1 else f"coalesce({', '.join(reads)})"


def _date_in_format_sql(text: str, date_format: str, params: _Params) -> str:
    parsed = f"CAST(try_strptime({text}, {params.add(date_format)}::VARCHAR) AS DATE)"
    if "%y" in date_format:
        return f"mpi_date_of_two_digit_year({parsed})"
    return f"mpi_date_with_whole_year({parsed}, {text})"


def _date_text_sql(column: str, formats: tuple[str, ...]) -> str:
    """A date column's text, without a time of day unless a format reads one (%H, %I, %p ...)."""
    text = _text_sql(column)
    return text if any(re.search("%[HIMSpfz]", f) for f in formats) else f"mpi_without_time({text})"


# strptime codes -> what they match in a mistyped date; any other code matches anything.
_YEAR_REGEX_CODES = {
    "Y": r"(\d{4})",
    "m": r"\d{1,2}",
    "d": r"\d{1,2}",
    "y": r"\d{2}",
    "b": "[A-Za-z]+",
    "B": "[A-Za-z]+",
}


def year_regex(date_format: str) -> str | None:
    """A regex whose group 1 is the year of a date written as ``date_format``; None without %Y.

    A date that fails to parse (1985-13-07, 02/30/1985, 1985-00-00 for "day and month unknown")
    usually still holds its year where the format puts it; strptime has no partial mode, so the
    format is read into a pattern here.
    """
    if "%Y" not in date_format:
        return None
    parts, i = ["^"], 0
    while i < len(date_format):
        if date_format[i] == "%" and i + 1 < len(date_format):
            parts.append(_YEAR_REGEX_CODES.get(date_format[i + 1], ".*?"))
            i += 2
        else:
            parts.append(re.escape(date_format[i]))
            i += 1
    return "".join(parts) + "$"


def _year_by_formats_sql(
    column: str, formats: tuple[str, ...], column_type: str, params: _Params
) -> str | None:
    """The year of a date text, where the first of ``formats`` whose pattern it fits puts it; None
    when no format holds a year or the column is a DATE (nothing to read from text)."""
    patterns = [p for p in (year_regex(f) for f in formats) if p]
    if column_type.upper() in DATE_TYPES or not patterns:
        return None
    text = _date_text_sql(column, formats)
    years = [f"TRY_CAST(nullif(regexp_extract({text}, {params.add(p)}, 1), '') AS INTEGER)" for p in patterns]
    return f"coalesce({', '.join(years)})"


def _mistyped_dob_year_sql(column: str, formats: tuple[str, ...], column_type: str, params: _Params) -> str:
    """The year of a date text none of ``formats`` parses, by the first format whose pattern it fits."""
    return _year_by_formats_sql(column, formats, column_type, params) or "NULL::INTEGER"


def _dob_year_only_sql(column: str, formats: tuple[str, ...], column_type: str, params: _Params) -> str:
    """Whether a date of birth is a year alone, written as a year-only format (%Y) of the column has it.

    Such a value is no date: its year becomes the record's birth year (records.sql), and it is not
    counted as an unparseable date (a year in the future is counted as an impossible one).
    """
    year = _year_by_formats_sql(column, tuple(f for f in formats if is_year_only(f)), column_type, params)
    return f"({year} IS NOT NULL)" if year else "false"


def _input_sql(mapping: ColumnMapping, column_type: str, params: _Params) -> str:
    """The value handed to standardization: the raw text after this source's own parse options."""
    value = _text_sql(mapping.column)
    if mapping.field == "dob":
        full_dates = tuple(f for f in mapping.date_formats if not is_year_only(f))
        if not full_dates and column_type.upper() not in DATE_TYPES:
            return "NULL::DATE"
        return _date_sql(mapping.column, full_dates, column_type, params)
    if mapping.codes:
        keys = params.add(list(mapping.codes))
        values = params.add(list(mapping.codes.values()))
        value = f"coalesce(MAP({keys}::VARCHAR[], {values}::VARCHAR[])[upper({value})], {value})"
    if mapping.pad is not None:
        value = f"mpi_pad_digits({value}, {params.add(mapping.pad)}::INTEGER)"
    return value


def _as_of_sql(as_of: AsOf, column_types: dict[str, str], params: _Params) -> str:
    if as_of.column:
        return _date_sql(as_of.column, as_of.formats, column_types[as_of.column], params)
    return f"{params.add(as_of.date)}::DATE"


def _source_birth_years_sql(
    age_range: AgeRange | None, column_types: dict[str, str], params: _Params
) -> list[str]:
    """The birth years a source's age_range allows: loose by a year, as only the year is kept."""
    low = high = "NULL::INTEGER"
    if age_range is not None:
        year = f"year({_as_of_sql(age_range.as_of, column_types, params)})"
        if age_range.max_age is not None:
            low = f"{year} - {params.add(age_range.max_age)}::INTEGER - 1"
        if age_range.min_age is not None:
            high = f"{year} - {params.add(age_range.min_age)}::INTEGER"
    return [f"{low} AS source_birth_year_min", f"{high} AS source_birth_year_max"]


# nameparser's surname prefixes lack SAINT and SAINTE spelled out, which the SQL formats read as
# particles (mpi_is_particle) as it reads ST: without them LINDA SAINT PIERRE has middle name SAINT.
# Not the Irish O (O BRIEN with its apostrophe lost): nameparser would then read the middle initial
# of "SMITH, JOHN O" into the surname.
NAME_PARSER_CONSTANTS = Constants()
NAME_PARSER_CONSTANTS.prefixes.add("saint", "sainte")


def _parse_name_auto(name: str | None) -> dict[str, str | None] | None:
    """Free-form full names, parsed by nameparser (slower than the fixed formats done in SQL)."""
    if name is None:
        return None
    parsed = HumanName(name, constants=NAME_PARSER_CONSTANTS)
    return {
        "first": parsed.first or None,
        "middle": parsed.middle or None,
        "last": parsed.last or None,
        "suffix": parsed.suffix or None,
    }


def register_name_parser(con: duckdb.DuckDBPyConnection) -> None:
    struct = duckdb.struct_type({part: duckdb.sqltype("VARCHAR") for part in NAME_PARTS})
    with contextlib.suppress(duckdb.Error):
        con.remove_function("mpi_parse_name_auto")
    con.create_function(  # type: ignore[call-overload]
        "mpi_parse_name_auto", _parse_name_auto, ["VARCHAR"], struct, null_handling="special"
    )


def _full_name_sql(column: str, name_format: str) -> tuple[list[str], str]:
    """Columns worked out once per row from the full name, and the mpi__name struct built from them.

    The SQL formats tokenize once per row and build the parts from the tokens (macros.sql); "auto"
    hands the name to nameparser.
    """
    name = _text_sql(column)
    if name_format == "auto":
        return [], f"mpi_parse_name_auto({name})"
    suffix = f"mpi_suffix_in({name}) AS mpi__name_suffix"
    spaced = "mpi_name_from_tokens(mpi__name_tokens, mpi__name_suffix)"
    if name_format == "FIRST MIDDLE LAST SUFFIX":
        return [f"mpi_name_tokens({name}) AS mpi__name_tokens", suffix], spaced
    # "LAST, FIRST MIDDLE SUFFIX"; a name without a comma is read as spaced. Each CASE tokenizes
    # only the rows it applies to.
    comma = f"strpos({name}, ',')"
    return [
        f"CASE WHEN {comma} = 0 THEN mpi_name_tokens({name}) END AS mpi__name_tokens",
        f"CASE WHEN {comma} <> 0 OR {comma} IS NULL THEN mpi_name_tokens(substr({name}, {comma} + 1)) END "
        "AS mpi__given_tokens",
        f"CASE WHEN {comma} <> 0 OR {comma} IS NULL THEN mpi_name_tokens(split_part({name}, ',', 1)) END "
        "AS mpi__family_tokens",
        suffix,
    ], (
        f"CASE WHEN {comma} = 0 THEN {spaced} "
        "ELSE mpi_name_from_comma_tokens(mpi__given_tokens, mpi__family_tokens, mpi__name_suffix) END"
    )


def map_source_sql(
    source: SourceConfig, column_types: dict[str, str], shared_ids: tuple[str, ...]
) -> tuple[str, dict[str, Any]]:
    """CREATE mpi__mapped from mpi__raw for this source, with its parameters."""
    params = _Params()
    selects = ["mpi__row", f"{_text_sql(source.record_id)} AS record_id"]
    full_name = source.mapping("full_name")
    for name in MAPPED_FIELDS:
        mapping = source.mapping(name)
        raw = _text_sql(mapping.column) if mapping else "NULL::VARCHAR"
        if name == "dob":
            value = _input_sql(mapping, column_types[mapping.column], params) if mapping else "NULL::DATE"
        elif mapping:
            value = _input_sql(mapping, column_types[mapping.column], params)
        elif full_name and name in ("first_name", "middle_name", "last_name", "suffix"):
            value = f"mpi__name.{name.removesuffix('_name')}"
        else:
            value = "NULL::VARCHAR"
        selects.append(f"{raw} AS {name}_raw")
        selects.append(f"{value} AS {name}_in")
    dob = source.mapping("dob")
    dob_year = (
        _mistyped_dob_year_sql(dob.column, dob.date_formats, column_types[dob.column], params)
        if dob
        else "NULL::INTEGER"
    )
    selects.append(f"{dob_year} AS dob_year_in")
    dob_year_only = (
        _dob_year_only_sql(dob.column, dob.date_formats, column_types[dob.column], params) if dob else "false"
    )
    selects.append(f"{dob_year_only} AS dob_year_only_in")
    age = source.mapping("age")
    as_of = age.as_of if age else None
    selects.append(
        f"{_as_of_sql(as_of, column_types, params)} AS age_as_of" if as_of else "NULL::DATE AS age_as_of"
    )
    selects.extend(_source_birth_years_sql(source.age_range, column_types, params))
    for shared in shared_ids:
        mapping = source.mapping(shared)
        pad = params.add(mapping.pad) + "::INTEGER" if mapping and mapping.pad else "NULL::INTEGER"
        value = f"mpi_clean_id({_text_sql(mapping.column)}, {pad})" if mapping else "NULL::VARCHAR"
        selects.append(f"{value} AS {quote_identifier(shared_id_column(shared))}")
    source_rows = RAW_TABLE
    if full_name:
        name_columns, name_struct = _full_name_sql(full_name.column, full_name.name_format or "auto")
        if name_columns:
            source_rows = f"(SELECT *, {', '.join(name_columns)} FROM {RAW_TABLE})"
        source_rows = f"(SELECT *, {name_struct} AS mpi__name FROM {source_rows})"
    select_list = ",\n    ".join(selects)
    sql = f"CREATE OR REPLACE TEMP TABLE {MAPPED_TABLE} AS\nSELECT\n    {select_list}\nFROM {source_rows}"
    return sql, params.values
