"""Date formats: whether one from mpi.toml can read dates, and which read the dates of a column."""

from __future__ import annotations

import re
from functools import cache

import duckdb

from mpi.sqlutil import quote_identifier, quote_literal

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
EXAMPLE_DATE_FORMAT = "%m/%d/%Y"
YEAR_ONLY_DATE_FORMAT = "%Y"
STRFTIME_CODES_HINT = "%d day, %m month, %Y year, %b month name"
# A date picture as other tools write it (MM/DD/YYYY, DD-MON-YYYY) -> its strftime codes.
_PICTURE_CODES = {"YYYY": "%Y", "MON": "%b", "MM": "%m", "DD": "%d", "YY": "%y"}
_PICTURE_PATTERN = re.compile("|".join(_PICTURE_CODES), re.IGNORECASE)

# Date formats tried on a date-of-birth column that DuckDB read as text. Month first before day
# first: on dates that both read (no day past 12) the US order wins, as in the agencies' files.
# Two-digit years come after every four-digit one: their century is a guess, taken only for dates
# nothing else reads (05-APR-97, as Oracle exports write DD-MON-YY).
# How %y reads a year (mpi_date_of_two_digit_year), as messages put it.
TWO_DIGIT_YEAR_READ_AS = "read as the latest year not in the future (49 as 1949, 24 as 2024), wrong for anyone born a century before that"
TWO_DIGIT_YEAR_DATE_FORMATS: tuple[str, ...] = ("%m/%d/%y", "%d/%m/%y", "%m-%d-%y", "%d-%b-%y", "%d %b %y")
CANDIDATE_DATE_FORMATS: tuple[str, ...] = (
    DEFAULT_DATE_FORMAT,
    "%m/%d/%Y",
    "%d/%m/%Y",
    "%Y%m%d",
    "%m%d%Y",
    "%d%m%Y",
    "%m-%d-%Y",
    "%d-%m-%Y",
    "%Y/%m/%d",
    "%d.%m.%Y",
    "%d-%b-%Y",
    "%d %b %Y",
    "%b %d %Y",
    "%b %d, %Y",
    # the month's whole name (%b reads only its first three letters: OCT, not OCTOBER)
    "%B %d, %Y",
    "%B %d %Y",
    "%d %B %Y",
    *TWO_DIGIT_YEAR_DATE_FORMATS,
    # Last: a year alone (1985), as registers and wage files give a birth year. Ingest keeps it as
    # the birth year, compared as an age is, not as 1 January (is_year_only).
    YEAR_ONLY_DATE_FORMAT,
)


def date_format_problem(date_format: str) -> str | None:
    """Why ``date_format`` cannot read dates, with the format to use instead; None if it can.

    DuckDB refuses an unknown code (%Q) only when a row is parsed, deep in an ingest or a hash
    run; a format without any code (MM/DD/YYYY) it accepts, and reads no date with it.
    """
    if not _has_code(date_format):
        picture = _PICTURE_PATTERN.sub(lambda m: _PICTURE_CODES[m.group().upper()], date_format)
        example = picture if _has_code(picture) else EXAMPLE_DATE_FORMAT
        return (
            f'"{date_format}" has no strftime code, so it reads no date. '
            f'Write it with codes ({STRFTIME_CODES_HINT}), e.g. "{example}".'
        )
    reason = _strptime_refusal(date_format)
    if reason is not None:
        return (
            f'"{date_format}" is not a format DuckDB can read ({reason}). '
            f'Use strftime codes ({STRFTIME_CODES_HINT}), e.g. "{EXAMPLE_DATE_FORMAT}".'
        )
    return None


def has_two_digit_year(date_format: str) -> bool:
    return "%y" in date_format.replace("%%", "")


def is_year_only(date_format: str) -> bool:
    """A format of a year and nothing else (%Y): its values are birth years, not dates.

    Read as dates they would be 1 January, which is a date of its own (registers write it when only
    the year is known) and disagrees with the person's real date elsewhere.
    """
    return re.findall("%(.)", date_format.replace("%%", "")) == ["Y"]


def _has_code(date_format: str) -> bool:
    return re.search("%[^%]", date_format.replace("%%", "")) is not None


@cache
def _strptime_refusal(date_format: str) -> str | None:
    """DuckDB's own reason for refusing a format: its list of codes is the one that counts."""
    con = duckdb.connect()
    try:
        con.execute("SELECT try_strptime('', $format)", {"format": date_format})
    except duckdb.InvalidInputException as exc:
        reason = str(exc).splitlines()[0].removeprefix("Invalid Input Error: ")
        return reason.split(": ", 1)[-1] if reason.startswith("Failed to parse format specifier") else reason
    finally:
        con.close()
    return None


def date_formats_of(con: duckdb.DuckDBPyConnection, table: str, column: str) -> tuple[str, ...]:
    """The formats that read a text column's dates: greedily, the one reading most values first, then
    each that reads values none before it could (a file mixing ``01/02/1980`` and ``1980-01-02``).

    DuckDB's CSV sniffer finds one date format per column, and only when every value has it; a
    date of birth column keyed by hand often mixes two, so the candidates are counted here.
    """
    q = quote_identifier(column)
    # Read without a time of day (1975-11-02 00:00:00), as ingest reads them (mpi_without_time).
    values = (
        f"SELECT DISTINCT mpi_without_time(trim(CAST({q} AS VARCHAR))) AS v "
        f"FROM {quote_identifier(table)} WHERE {q} IS NOT NULL"
    )

    def reads(date_format: str) -> str:
        # A reading ingest would throw out (a date in the future: mpi_is_placeholder_date, so the
        # macros must be on con) is no reading. A format shaped like one already chosen (digits
        # in the same places) must also land in the years that one found, from its 1st to its 99th
        # percentile: else it reads the other's typos (19027803 as 19-02-7803, 20011402 as 1402).
        parsed = f"CAST(try_strptime(v, {quote_literal(date_format)}) AS DATE)"
        same_shape = years is not None and _date_shape(date_format) in {_date_shape(f) for f in chosen}
        within = f" AND year({parsed}) BETWEEN {years[0]} AND {years[1]}" if years and same_shape else ""
        # No birth date has a year before 1000: such a reading is a two- or three-digit year read
        # as a whole one (98 by %Y).
        return f"coalesce(NOT mpi_is_placeholder_date({parsed}) AND year({parsed}) >= 1000{within}, false)"

    chosen: list[str] = []
    years: tuple[int, int] | None = None
    while True:
        unread = " AND ".join(f"NOT {reads(f)}" for f in chosen) or "true"
        counts = con.execute(
            "SELECT "
            + ", ".join(f"count(*) FILTER (WHERE {unread} AND {reads(f)})" for f in CANDIDATE_DATE_FORMATS)
            + f" FROM ({values})"
        ).fetchall()[0]
        best = max(range(len(CANDIDATE_DATE_FORMATS)), key=lambda i: (int(counts[i]), -i))
        if int(counts[best]) == 0:
            return tuple(chosen)
        if years is None:
            first = f"year(CAST(try_strptime(v, {quote_literal(CANDIDATE_DATE_FORMATS[best])}) AS DATE))"
            span = con.execute(
                f"SELECT quantile_disc({first}, 0.01), quantile_disc({first}, 0.99) FROM ({values}) "
                f"WHERE {reads(CANDIDATE_DATE_FORMATS[best])}"
            ).fetchall()[0]
            years = (int(span[0]), int(span[1]))
        chosen.append(CANDIDATE_DATE_FORMATS[best])


def _date_shape(date_format: str) -> str:
    """Where a format's values have digits, letters and separators: %m/%d/%Y and %d/%m/%Y alike."""
    return re.sub(r"%[YmdHMS]", "9", re.sub(r"%[bB]", "A", date_format))
