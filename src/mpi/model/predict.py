"""Score and cluster with a trained model: thin helpers over Splink's Linker for the link stage."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import duckdb
from splink import Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from mpi.model.backend import (
    MODEL_INPUT_VIEW,
    create_model_input_view,
    drop_splink_tables,
    make_linker,
    register_input,
)
from mpi.model.spec import ModelSpec
from mpi.model.trained import TrainedModel

__all__ = [
    "ComparisonCounts",
    "RuleComparisons",
    "cluster_pairs",
    "compute_term_frequency_tables",
    "count_comparisons",
    "drop_splink_tables",
    "linker_for_model",
    "predict_pairs",
    "register_records",
    "term_frequency_columns",
]


def linker_for_model(
    con: duckdb.DuckDBPyConnection,
    model: TrainedModel,
    *,
    records_table: str = "records",
    view_name: str = MODEL_INPUT_VIEW,
    retain_intermediate_calculation_columns: bool = False,
    retain_matching_columns: bool = True,
    log_level: int | None = None,
) -> Linker:
    """A DuckDB Linker that scores with the model's trained parameters.

    Raises ModelError if ``records_table`` lacks a column the model reads.
    Keep intermediate columns (``retain_intermediate_calculation_columns``) for
    waterfall charts and explanations.
    """
    return make_linker(
        con,
        model.spec,
        model.parameters,
        records_table=records_table,
        view_name=view_name,
        retain_intermediate_calculation_columns=retain_intermediate_calculation_columns,
        retain_matching_columns=retain_matching_columns,
        log_level=log_level,
    )


@dataclass(frozen=True, kw_only=True)
class RuleComparisons:
    """Pairs one prediction rule adds (``marginal``: not already made by an earlier rule)."""

    rule: str
    marginal: int
    cumulative: int


@dataclass(frozen=True, kw_only=True)
class ComparisonCounts:
    rules: tuple[RuleComparisons, ...]
    total: int
    all_possible: int
    is_estimate: bool


def count_comparisons(
    linker: Linker, spec: ModelSpec, *, record_sample_proportion: float = 1.0
) -> ComparisonCounts:
    """How many pairs prediction will score, rule by rule, before scoring any.

    ``record_sample_proportion`` below 1 estimates from a sample of records on each side:
    much faster on large tables.
    """
    with warnings.catch_warnings():
        # Splink warns for every rule whose sample holds under 1,000 pairs; the caller already
        # says the total is an estimate, and rare rules (an SSN prefix + ZIP) always trip it.
        warnings.filterwarnings("ignore", message="The sampled blocking analysis estimate")
        records = linker.blocking_analysis.count_comparisons_from_blocking_rules(
            record_sample_proportion=record_sample_proportion
        )
    rules = tuple(
        RuleComparisons(
            rule=rule.description,
            marginal=int(record["marginal_comparison_count"]),
            cumulative=int(record["cumulative_comparison_count"]),
        )
        for rule, record in zip(spec.prediction_rules, records, strict=True)
    )
    last = records[-1]
    return ComparisonCounts(
        rules=rules,
        total=int(last["cumulative_comparison_count"]),
        all_possible=int(last["total_possible_comparison_count"]),
        is_estimate=bool(last["is_estimate"]),
    )


def predict_pairs(linker: Linker, *, threshold_match_probability: float | None = None) -> SplinkDataFrame:
    """Score every blocked pair; keep those at or above the threshold.

    The result's ``physical_name`` is the DuckDB table holding the pairs, keyed by
    ``source_dataset_l, unique_id_l, source_dataset_r, unique_id_r``
    (``unique_id`` is ``source || ':' || record_id``; ``record_id_l/_r`` are kept too).
    """
    return linker.inference.predict(threshold_match_probability=threshold_match_probability)


def cluster_pairs(
    linker: Linker, pairs: SplinkDataFrame, *, threshold_match_probability: float
) -> SplinkDataFrame:
    """Connected components of the pairs at the threshold.

    ``cluster_id`` is recomputed on every run (the smallest member id): not a person id.
    """
    return linker.clustering.cluster_pairwise_predictions_at_threshold(
        pairs, threshold_match_probability=threshold_match_probability
    )


def term_frequency_columns(spec: ModelSpec) -> tuple[str, ...]:
    columns = {level.tf_column for c in spec.comparisons for level in c.levels if level.tf_column}
    return tuple(sorted(columns))


def compute_term_frequency_tables(linker: Linker, spec: ModelSpec) -> tuple[SplinkDataFrame, ...]:
    """Term frequencies over all the linker's records.

    ``linker.inference.predict_between`` / ``predict_within`` (incremental loads) refuse to
    run without them; ``predict`` computes its own.
    """
    return tuple(linker.table_management.compute_tf_table(column) for column in term_frequency_columns(spec))


def register_records(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    spec: ModelSpec,
    *,
    records_table: str,
    view_name: str,
) -> SplinkDataFrame:
    """Shape another table of records (e.g. only the new load) for this linker.

    The result is what ``linker.inference.predict_between(existing, new)`` and
    ``predict_within(new)`` take; ``view_name`` must differ from the linker's own view
    (default ``mpi__model_input``) and from every other registered subset.
    """
    view = create_model_input_view(con, spec, records_table=records_table, view_name=view_name)
    return register_input(linker._db_api, view, display_name=view_name)
