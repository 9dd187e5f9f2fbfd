"""Which input columns a model reads, and a clear refusal when the records table lacks one."""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable

import duckdb
import sqlglot
from sqlglot import exp

from mpi.model.errors import ModelError
from mpi.model.spec import BlockingRuleSpec, LevelSpec, ModelSpec
from mpi.model.splink_settings import RETAINED_COLUMNS, blocking_rule_sql, level_sql
from mpi.schema import SHARED_ID_PREFIX

# Columns the model input view derives from the records key, not read by name.
_DERIVED = frozenset({"unique_id", "source_dataset"})


# Cached: rendering and parsing the person model's SQL takes Splink and sqlglot seconds (the
# stratified levels are long), and one link asks for a model's columns a dozen times (a 571-record
# link spent a quarter of its time here). The SQL is the same each time, so each text is parsed once.
@functools.cache
def _sql_columns(sql: str) -> frozenset[str]:
    return frozenset(column.name for column in sqlglot.parse_one(sql, read="duckdb").find_all(exp.Column))


@functools.cache
def _level_columns_of(level_json: str) -> frozenset[str]:
    # Keyed on the level's JSON: a LevelSpec holds a mapping, so it is not hashable itself.
    level = LevelSpec.from_dict(json.loads(level_json))
    sql = level_sql(level, "duckdb")
    if sql.strip().upper() == "ELSE":
        return frozenset()
    # Splink renders a level over <column>_l / <column>_r; strip the side suffix.
    columns = {name[:-2] for name in _sql_columns(sql) if name.endswith(("_l", "_r"))}
    if level.tf_column is not None:
        columns.add(level.tf_column)
    return frozenset(columns)


def _level_columns(level: LevelSpec) -> frozenset[str]:
    return _level_columns_of(json.dumps(level.to_dict(), sort_keys=True))


def rule_columns(rule: BlockingRuleSpec) -> set[str]:
    """Input columns a blocking rule reads (Splink deactivates comparisons reading any in EM)."""
    return set(_sql_columns(blocking_rule_sql(rule, "duckdb"))) | set(rule.arrays_to_explode)


def columns_by_use(spec: ModelSpec) -> dict[str, list[str]]:
    """Each input column the spec reads, with where it is read (for error messages)."""
    uses: dict[str, list[str]] = {}

    def note(columns: Iterable[str], where: str) -> None:
        for column in columns:
            uses.setdefault(column, [])
            if where not in uses[column]:
                uses[column].append(where)

    for comparison in spec.comparisons:
        for level in comparison.levels:
            note(_level_columns(level), f'comparison "{comparison.name}"')
    for kind, rules in (
        ("prediction", spec.prediction_rules),
        ("training", spec.training_rules),
        ("deterministic", spec.deterministic_rules),
    ):
        for rule in rules:
            note(rule_columns(rule), f'{kind} blocking rule "{rule.description}"')
    return uses


def required_columns(spec: ModelSpec) -> tuple[str, ...]:
    """Columns of the records table the model input view must select, in a stable order."""
    needed = set(columns_by_use(spec)) | set(RETAINED_COLUMNS)
    return tuple(sorted(needed - _DERIVED))


def comparison_columns(spec: ModelSpec, comparison_name: str) -> frozenset[str]:
    """Input columns one comparison reads (Splink deactivates it in EM sessions blocking on any)."""
    columns: set[str] = set()
    for level in spec.comparison(comparison_name).levels:
        columns |= _level_columns(level)
    return frozenset(columns)


def table_columns(con: duckdb.DuckDBPyConnection, table: str) -> frozenset[str]:
    rows = con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = ?", [table]
    ).fetchall()
    return frozenset(str(row[0]) for row in rows)


def absent_shared_ids(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, table: str = "records"
) -> tuple[str, ...]:
    """Shared-id columns the model reads that the table lacks (filled with NULL for the model)."""
    available = table_columns(con, table)
    return tuple(c for c in required_columns(spec) if c.startswith(SHARED_ID_PREFIX) and c not in available)


def check_model_fits_table(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, table: str = "records", *, model_name: str | None = None
) -> None:
    """Raise ModelError naming every column the model needs that ``table`` lacks.

    ``model_name`` is the name the user gave (mpi link --model); the spec's own name otherwise.
    """
    available = table_columns(con, table)
    if not available:
        raise ModelError(f'Table "{table}" does not exist in the store. Run "mpi ingest" first.')
    uses = columns_by_use(spec)
    # A shared identifier the project does not carry is simply never present: the model input view
    # supplies it as NULL, which scores exactly like a source that leaves it empty.
    missing = [
        column
        for column in required_columns(spec)
        if column not in available and not column.startswith(SHARED_ID_PREFIX)
    ]
    if not missing:
        return
    lines = []
    for column in missing:
        where = ", ".join(uses.get(column, ["the model output"]))
        lines.append(f'  - column "{column}" (used by {where}).')
    raise ModelError(
        f'Model "{model_name or spec.name}" uses column(s) that table "{table}" lacks:\n' + "\n".join(lines)
    )
