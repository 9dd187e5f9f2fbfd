"""Every SQL file the code names exists where the loader looks (checkout or wheel)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mpi.sqlutil import load_sql, sql_root

SRC = Path(__file__).resolve().parents[1] / "src" / "mpi"


def named_sql_files() -> list[str]:
    names = set()
    for path in SRC.rglob("*.py"):
        names.update(
            re.findall(
                r'(?:load_sql|run_sql_file|_sql_file)\((?:con, )?"([\w/]+)"', path.read_text(encoding="utf-8")
            )
        )
    return sorted(names)


def test_code_names_some_sql_files() -> None:
    assert "standardize/records" in named_sql_files()


@pytest.mark.parametrize("name", named_sql_files())
def test_loader_finds_every_named_file(name: str) -> None:
    assert load_sql(name).strip()
    assert (sql_root() / f"{name}.sql").is_file()
