"""Blocking recall against truth: the share of true pairs the model's prediction rules ever compare.

A true pair no rule generates can never be linked directly, whatever the comparisons say, so this
is the ceiling on pairwise recall before clustering's transitive links. Evaluated on the true
pairs only (a few per person), never on the candidate pairs, so it stays cheap at 1M persons.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from mpi.model.backend import create_model_input_view
from mpi.model.spec import ModelSpec
from mpi.model.splink_settings import blocking_rule_creator
from mpi.sqlutil import quote_identifier

BLOCKING_INPUT_VIEW = "mpi__blocking_input"


@dataclass(frozen=True, kw_only=True)
class RuleRecall:
    rule: str
    true_pairs_caught: int
    caught_by_this_rule_only: int


@dataclass(frozen=True, kw_only=True)
class BlockingRecall:
    true_pairs: int
    true_pairs_caught: int
    rules: tuple[RuleRecall, ...]

    @property
    def recall(self) -> float:
        return self.true_pairs_caught / self.true_pairs if self.true_pairs else 1.0


def prediction_rule_conditions(spec: ModelSpec) -> list[str]:
    """Each prediction rule as a DuckDB condition on a pair of model-input rows aliased l and r."""
    return [
        f"coalesce(({blocking_rule_creator(rule).get_blocking_rule('duckdb').blocking_rule_sql}), false)"
        for rule in spec.prediction_rules
    ]


def blocking_recall(
    con: duckdb.DuckDBPyConnection, spec: ModelSpec, truth_table: str, *, records_table: str = "records"
) -> BlockingRecall | None:
    """Recall of ``spec``'s prediction rules over the true pairs of ``truth_table`` (source, record_id, person_id).

    None when a rule explodes arrays: its condition is not a plain predicate on a pair.
    Run in the Splink workspace (it creates a temporary view).
    """
    rules = spec.prediction_rules
    if not rules or any(rule.arrays_to_explode for rule in rules):
        return None
    create_model_input_view(con, spec, records_table=records_table, view_name=BLOCKING_INPUT_VIEW)
    conditions = prediction_rule_conditions(spec)
    hits = ", ".join(f"{condition} AS hit_{i}" for i, condition in enumerate(conditions))
    rules_hit = " + ".join(f"hit_{i}::INTEGER" for i in range(len(rules)))
    per_rule = ", ".join(
        f"count(*) FILTER (WHERE hit_{i}), count(*) FILTER (WHERE hit_{i} AND rules_hit = 1)"
        for i in range(len(rules))
    )
    truth = quote_identifier(truth_table)
    view = quote_identifier(BLOCKING_INPUT_VIEW)
    try:
        row = con.execute(
            f"""
            WITH true_pairs AS (
                SELECT a.source || ':' || a.record_id AS id_l, b.source || ':' || b.record_id AS id_r
                FROM {truth} AS a JOIN {truth} AS b
                  ON a.person_id = b.person_id
                 AND (a.source || ':' || a.record_id) < (b.source || ':' || b.record_id)
            ),
            judged AS (
                SELECT *, {rules_hit} AS rules_hit
                FROM (
                    SELECT {hits}
                    FROM true_pairs AS p
                    JOIN {view} AS l ON l.unique_id = p.id_l
                    JOIN {view} AS r ON r.unique_id = p.id_r
                )
            )
            SELECT count(*), count(*) FILTER (WHERE rules_hit > 0), {per_rule} FROM judged
            """
        ).fetchall()[0]
    finally:
        con.execute(f"DROP VIEW IF EXISTS {view}")
    counts = [int(v) for v in row]
    return BlockingRecall(
        true_pairs=counts[0],
        true_pairs_caught=counts[1],
        rules=tuple(
            RuleRecall(
                rule=rule.description,
                true_pairs_caught=counts[2 + 2 * i],
                caught_by_this_rule_only=counts[3 + 2 * i],
            )
            for i, rule in enumerate(rules)
        ),
    )
