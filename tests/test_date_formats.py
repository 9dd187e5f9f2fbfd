"""A date format from mpi.toml is checked against DuckDB's strptime, and a picture gets its codes."""

from __future__ import annotations

import pytest

from mpi.date_formats import date_format_problem


@pytest.mark.parametrize("date_format", ["%Y-%m-%d", "%m/%d/%Y", "%YQ%m", "%d-%b-%Y", "%-m/%-d/%Y", "%Y%m%d"])
def test_formats_duckdb_reads_are_accepted(date_format: str) -> None:
    assert date_format_problem(date_format) is None


@pytest.mark.parametrize(
    ("picture", "codes"),
    [
        ("MM/DD/YYYY", "%m/%d/%Y"),
        ("yyyy-mm-dd", "%Y-%m-%d"),
        ("DD-MON-YYYY", "%d-%b-%Y"),
        ("DD.MM.YY", "%d.%m.%y"),
    ],
)
def test_a_picture_without_codes_is_refused_with_its_codes(picture: str, codes: str) -> None:
    problem = date_format_problem(picture)
    assert problem is not None and problem.endswith(f'e.g. "{codes}".')


@pytest.mark.parametrize("date_format", ["%Q", "%Y-%m-%", "100%%"])
def test_codes_duckdb_does_not_know_are_refused(date_format: str) -> None:
    assert date_format_problem(date_format) is not None
