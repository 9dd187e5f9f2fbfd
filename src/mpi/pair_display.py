"""How a pair of records is shown to an analyst: the fields side by side, the SSN masked, and the
label of the level each comparison chose."""

from __future__ import annotations

from typing import Any

import duckdb

from mpi.model.spec import ModelSpec
from mpi.sqlutil import quote_identifier, quote_literal

# A displayed record's key; the rest of DISPLAY_FIELDS are its values.
KEY_FIELDS = ("source", "record_id")
# Record fields shown side by side for a pair; the SSN is masked to its last four digits.
DISPLAY_FIELDS = ("source", "record_id", "first_name", "middle_name", "last_name", "other_last_name",
                  "suffix", "dob", "age", "sex", "ssn", "address", "zip")  # fmt: skip


def level_labels(spec: ModelSpec) -> dict[str, dict[int, str]]:
    """gamma value -> level label, per comparison: Splink numbers non-null levels from the top down."""
    labels: dict[str, dict[int, str]] = {}
    for comparison in spec.comparisons:
        levels = [level for level in comparison.levels if not level.is_null_level]
        by_value = {len(levels) - 1 - i: level.display_label for i, level in enumerate(levels)}
        by_value[-1] = "null"
        labels[comparison.name] = by_value
    return labels


# An SSN shown to an analyst: its last four digits after this.
SSN_MASK = "***-**-"


def masked(record: dict[str, Any]) -> dict[str, Any]:
    return _with_ssn_masked(record, ("ssn",))


def scored_pair_masked(scored_pair: dict[str, Any]) -> dict[str, Any]:
    """Splink's row of a scored pair (each record's columns suffixed _l and _r), both SSNs masked."""
    return _with_ssn_masked(dict(scored_pair), ("ssn_l", "ssn_r"))


def _with_ssn_masked(record: dict[str, Any], ssn_fields: tuple[str, ...]) -> dict[str, Any]:
    for field in ssn_fields:
        if record.get(field):
            record[field] = SSN_MASK + str(record[field])[-4:]
    return record


def shown_ssn_sql(table: str | None = None) -> str:
    """The SSN a record shows: the whole number, or the last four digits where a source keeps only those.

    A record with only ``ssn_last4`` (SSN_LAST4, XXX-XX-1234) would otherwise show no SSN beside one
    whose last four digits it matched on. Masked to the same four digits either way.
    """
    prefix = f"{table}." if table else ""
    return f"coalesce({prefix}{quote_identifier('ssn')}, {prefix}{quote_identifier('ssn_last4')})"


def masked_ssn_sql(table: str) -> str:
    """``masked`` in SQL, for files written by COPY: the shown SSN of the record aliased ``table``."""
    return f"{quote_literal(SSN_MASK)} || right({shown_ssn_sql(table)}, 4)"


def shows_values(record: dict[str, Any]) -> bool:
    """Whether a displayed record holds any value past its key: a hub's records hold tokens only."""
    return any(value is not None for field, value in record.items() if field not in KEY_FIELDS)


def displayed_record(con: duckdb.DuckDBPyConnection, source: str, record_id: str) -> dict[str, Any] | None:
    """The record's display fields (SSN masked), or None when `records` has no such record."""
    fields = ", ".join(
        f"{shown_ssn_sql()} AS ssn" if f == "ssn" else quote_identifier(f) for f in DISPLAY_FIELDS
    )
    cursor = con.execute(
        f"SELECT {fields} FROM records WHERE source = ? AND record_id = ?", [source, record_id]
    )
    rows = cursor.fetchall()
    if not rows:
        return None
    names = [d[0] for d in cursor.description]
    return masked(dict(zip(names, rows[0], strict=True)))
