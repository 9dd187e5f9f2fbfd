"""Date formats: the default, and whether a format from mpi.toml is one DuckDB's strptime can read."""

from __future__ import annotations

import re
from functools import cache

import duckdb

DEFAULT_DATE_FORMAT = "%Y-%m-%d"
EXAMPLE_DATE_FORMAT = "%m/%d/%Y"
STRFTIME_CODES_HINT = "%d day, %m month, %Y year, %b month name"
# A date picture as other tools write it (MM/DD/YYYY, DD-MON-YYYY) -> its strftime codes.
_PICTURE_CODES = {"YYYY": "%Y", "MON": "%b", "MM": "%m", "DD": "%d", "YY": "%y"}
_PICTURE_PATTERN = re.compile("|".join(_PICTURE_CODES), re.IGNORECASE)


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
