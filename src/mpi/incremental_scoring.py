"""What an incremental link scores, so that it ends where a full relink of the same records would.

A full link scores every blocked pair. An incremental one scores the new and changed records
against the rest and among themselves, rescores the pairs the store kept (term frequencies and
the prior follow the records in the store), and, once the records are in components, scores the
pairs between old records that the load brought into one component (see
``score_pairs_the_load_joined``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import duckdb
from splink import Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from mpi.merging import WEIGH_PAIRS_FROM_PROBABILITY
from mpi.model.predict import register_records
from mpi.model.spec import BlockingRuleSpec, ColumnRef
from mpi.model.splink_settings import blocking_rule_creator
from mpi.model.trained import TrainedModel
from mpi.sqlutil import run_sql_file

# The array of keys of the kept pairs a record is in, by which kept pairs are rescored.
PAIR_KEYS_COLUMN = "mpi_pair_keys"
# The connected component a record is in, by which pairs inside one component are scored.
COMPONENT_COLUMN = "mpi_component"


def score_new_records(
    con: duckdb.DuckDBPyConnection, linker: Linker, model: TrainedModel
) -> list[SplinkDataFrame]:
    """Score the new and changed records (mpi__new_records) against the rest and among themselves."""
    con.execute(
        "CREATE OR REPLACE TEMP VIEW mpi__existing_records AS "
        "SELECT * FROM records ANTI JOIN mpi__new_records USING (source, record_id)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW mpi__changed_records AS SELECT * FROM records SEMI JOIN mpi__new_records USING (source, record_id)"
    )
    existing = register_records(
        con, linker, model.spec, records_table="mpi__existing_records", view_name="mpi__model_input_existing"
    )
    fresh = register_records(
        con, linker, model.spec, records_table="mpi__changed_records", view_name="mpi__model_input_new"
    )
    between = linker.inference.predict_between(
        existing, fresh, threshold_match_probability=WEIGH_PAIRS_FROM_PROBABILITY
    )
    within = linker.inference.predict_within(fresh, threshold_match_probability=WEIGH_PAIRS_FROM_PROBABILITY)
    return [between, within]


def rescore_kept_pairs(
    con: duckdb.DuckDBPyConnection, linker: Linker, model: TrainedModel, report: Callable[[str], None]
) -> SplinkDataFrame | None:
    """Score again, with this run's term frequencies and prior, the kept pairs of unchanged records.

    Splink scores a given list of pairs through a blocking rule: each kept pair gets a key that
    only its two records carry (in an array Splink explodes), so blocking on it makes exactly
    those pairs. A pair now scored below the weighing floor is dropped, as a full relink would.
    None when no kept pair is left to rescore.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__kept_pair_keys AS "
        "WITH kept AS (SELECT row_number() OVER () AS pair_key, source_l, record_id_l, source_r, record_id_r "
        "FROM pairs AS p "
        "WHERE NOT EXISTS (SELECT 1 FROM mpi__stale_records AS s WHERE s.source = p.source_l AND s.record_id = p.record_id_l) "
        "AND NOT EXISTS (SELECT 1 FROM mpi__stale_records AS s WHERE s.source = p.source_r AND s.record_id = p.record_id_r)) "
        f"SELECT source, record_id, list(pair_key) AS {PAIR_KEYS_COLUMN} FROM ("
        "SELECT source_l AS source, record_id_l AS record_id, pair_key FROM kept "
        "UNION ALL SELECT source_r, record_id_r, pair_key FROM kept) GROUP BY source, record_id"
    )
    kept = con.execute(f"SELECT coalesce(sum(len({PAIR_KEYS_COLUMN})), 0) // 2 FROM mpi__kept_pair_keys")
    kept_pairs = int(kept.fetchall()[0][0])
    if not kept_pairs:
        return None
    report(f"rescoring {kept_pairs:,} kept pairs with this run's term frequencies and prior")
    con.execute(
        "CREATE OR REPLACE TEMP VIEW mpi__kept_pair_records AS "
        "SELECT * FROM records JOIN mpi__kept_pair_keys USING (source, record_id)"
    )
    by_pair_key = BlockingRuleSpec(
        columns=(ColumnRef(PAIR_KEYS_COLUMN),), arrays_to_explode=(PAIR_KEYS_COLUMN,)
    )
    return _predict_within(con, linker, model, (by_pair_key,), "mpi__kept_pair_records")


def score_pairs_the_load_joined(
    con: duckdb.DuckDBPyConnection, linker: Linker, model: TrainedModel, report: Callable[[str], None]
) -> SplinkDataFrame | None:
    """Blocked pairs between old records that now share a connected component, not yet scored.

    The store keeps a pair scored under the keep floor only when both its records were in one
    component (sql/index/kept_pairs.sql), the only place clustering reads it. When a load joins
    the components of two earlier persons, the weak pairs between them were never kept, yet a full
    relink scores them and weighs them when it rebuilds the joined cluster: without them the
    incremental link merged persons the full relink kept apart. So the records of every component
    (mpi__clusters.component_id) holding records of two or more earlier persons are scored within
    their component, by the model's own blocking rules, each narrowed to one component: the pairs a
    full relink would score there. None when no component joins earlier persons.
    """
    run_sql_file(con, "index/joined_components", {})
    records, components = con.execute(
        "SELECT count(*), count(DISTINCT mpi_component) FROM mpi__joined_records"
    ).fetchall()[0]
    if not records:
        return None
    report(
        f"scoring the pairs inside {components:,} components that join earlier persons ({records:,} records)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP VIEW mpi__joined_record_rows AS "
        "SELECT * FROM records JOIN mpi__joined_records USING (source, record_id)"
    )
    rules = tuple(_within_one_component(rule) for rule in model.spec.prediction_rules)
    return _predict_within(con, linker, model, rules, "mpi__joined_record_rows")


def _within_one_component(rule: BlockingRuleSpec) -> BlockingRuleSpec:
    if rule.sql is not None:
        return replace(rule, sql=f"l.{COMPONENT_COLUMN} = r.{COMPONENT_COLUMN} AND ({rule.sql})")
    return replace(rule, columns=(ColumnRef(COMPONENT_COLUMN), *rule.columns))


def _predict_within(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    model: TrainedModel,
    rules: tuple[BlockingRuleSpec, ...],
    records_table: str,
) -> SplinkDataFrame:
    """Score the pairs of ``records_table`` that ``rules`` make, with the linker's parameters."""
    # The spec with these rules makes the input view carry the key columns they read.
    records = register_records(
        con,
        linker,
        replace(model.spec, prediction_rules=rules),
        records_table=records_table,
        view_name=f"mpi__model_input_{records_table.removeprefix('mpi__')}",
    )
    return linker.inference.predict_within(
        records,
        blocking_rules_to_generate_predictions=[blocking_rule_creator(rule) for rule in rules],
        threshold_match_probability=WEIGH_PAIRS_FROM_PROBABILITY,
    )
