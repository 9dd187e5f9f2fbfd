"""The link threshold a trained model expects to do best with, chosen without labels."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from mpi.merging import WEIGH_PAIRS_FROM_PROBABILITY, clusters_by_threshold
from mpi.model.backend import drop_splink_tables, make_linker
from mpi.model.trained import TrainedModel
from mpi.model.training import stage_timer
from mpi.sqlutil import quote_identifier

# Link thresholds the chooser considers: below 0.5 a pair is likelier two people than one.
THRESHOLD_GRID: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99)
# Expected F1s this close are a tie (the same clusters at two thresholds), which the higher
# threshold wins. Until session 41 every threshold within 5% of the best expected error tied, to merge
# less on a guess; checked against truth on the twelve accuracy sets (trained models,
# benchmarks/threshold_truth.py), that cost pairwise F1 on nine of them (historical50k -0.0063,
# synth 100k -0.0039, synth 10k -0.0029, fake_1000 -0.0021, ...) and gained on one (FEBRL3 without
# dob and SSN +0.0023).
THRESHOLD_F1_TIE = 1e-9

IDS_TABLE = "mpi__threshold_ids"


@dataclass(frozen=True, kw_only=True)
class ThresholdChoice:
    """The link threshold the model expects to do best with, and what it expects of it."""

    match_probability: float
    expected_precision: float
    expected_recall: float
    expected_f1: float


@dataclass(frozen=True)
class ScoredGraph:
    """The pairs a model scores from WEIGH_PAIRS_FROM_PROBABILITY, records as codes 0..n-1 in id order.

    ``unique_ids`` (code -> Splink unique_id, ``source:record_id``) only when asked for: tens of
    millions of id strings would not fit in Python objects at synth 1M.
    """

    left: np.ndarray
    right: np.ndarray
    probability: np.ndarray
    weight: np.ndarray
    unique_ids: list[str] | None = None

    @property
    def nodes(self) -> int:
        return int(max(self.left.max(), self.right.max())) + 1 if self.left.size else 0


def score_candidate_pairs(
    con: duckdb.DuckDBPyConnection,
    model: TrainedModel,
    *,
    records_table: str = "records",
    log_level: int | None = None,
    progress: Callable[[str], None] | None = None,
    with_unique_ids: bool = False,
) -> ScoredGraph:
    """Every candidate pair of the model's prediction rules, scored, as `mpi link` weighs them."""
    linker = make_linker(
        con,
        model.spec,
        model.parameters,
        records_table=records_table,
        retain_matching_columns=False,
        log_level=log_level,
    )
    try:
        stage_done = stage_timer(progress)
        pairs = linker.inference.predict(threshold_match_probability=WEIGH_PAIRS_FROM_PROBABILITY)
        # Codes in id order, so ties break as the link breaks them; numbered by DuckDB, once.
        table = quote_identifier(pairs.physical_name)
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {IDS_TABLE} AS SELECT unique_id, "
            "row_number() OVER (ORDER BY unique_id) - 1 AS code FROM "
            f"(SELECT unique_id_l AS unique_id FROM {table} UNION SELECT unique_id_r FROM {table})"
        )
        rows = con.execute(
            "SELECT l.code AS left_code, r.code AS right_code, p.match_probability, p.match_weight "
            f"FROM {table} AS p JOIN {IDS_TABLE} AS l ON l.unique_id = p.unique_id_l "
            f"JOIN {IDS_TABLE} AS r ON r.unique_id = p.unique_id_r"
        ).fetchnumpy()
        unique_ids = (
            [row[0] for row in con.execute(f"SELECT unique_id FROM {IDS_TABLE} ORDER BY code").fetchall()]
            if with_unique_ids
            else None
        )
        stage_done(
            f"scored the candidate pairs ({len(rows['match_probability']):,} above {WEIGH_PAIRS_FROM_PROBABILITY})"
        )
    finally:
        con.execute(f"DROP TABLE IF EXISTS {IDS_TABLE}")
        drop_splink_tables(linker)
    return ScoredGraph(
        left=np.asarray(rows["left_code"], dtype=np.int64),
        right=np.asarray(rows["right_code"], dtype=np.int64),
        probability=np.asarray(rows["match_probability"], dtype=np.float64),
        weight=np.asarray(rows["match_weight"], dtype=np.float64),
        unique_ids=unique_ids,
    )


def expected_by_threshold(
    graph: ScoredGraph, grid: tuple[float, ...] = THRESHOLD_GRID
) -> list[tuple[ThresholdChoice, np.ndarray]]:
    """What the model expects at each threshold of ``grid``, with each record's cluster root there.

    Clustering links every pair above the threshold and then everything connected to it,
    so a pair below the threshold still ends up inside a cluster when a chain of stronger
    pairs joins its records: that is how relatives and namesakes get merged at low
    thresholds. For each threshold the scored pairs are clustered as ``mpi link`` would
    (mpi.merging.clusters_by_threshold); expected precision is the mean match probability of
    the scored pairs that end up in one cluster, expected recall their share of all the
    probability mass. No labels needed.
    """
    probability, left, right = graph.probability, graph.left, graph.right
    outcomes = []
    for threshold, roots in clusters_by_threshold(graph.nodes, left, right, probability, graph.weight, grid):
        inside = roots[left] == roots[right]
        precision = float(probability[inside].mean()) if inside.any() else 1.0
        recall = float(probability[inside].sum() / probability.sum())
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        choice = ThresholdChoice(
            match_probability=threshold,
            expected_precision=precision,
            expected_recall=recall,
            expected_f1=f1,
        )
        outcomes.append((choice, roots))
    return outcomes


def choose_match_threshold(
    con: duckdb.DuckDBPyConnection,
    model: TrainedModel,
    *,
    records_table: str = "records",
    grid: tuple[float, ...] = THRESHOLD_GRID,
    log_level: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ThresholdChoice:
    """The threshold in ``grid`` whose clusters the model itself scores best (pairwise F1)."""
    graph = score_candidate_pairs(
        con, model, records_table=records_table, log_level=log_level, progress=progress
    )
    if graph.probability.size == 0 or graph.probability.sum() <= 0:
        middle = grid[len(grid) // 2]
        return ThresholdChoice(
            match_probability=middle, expected_precision=1.0, expected_recall=1.0, expected_f1=1.0
        )
    return best_threshold_choice([choice for choice, _ in expected_by_threshold(graph, grid)])


def best_threshold_choice(choices: Sequence[ThresholdChoice]) -> ThresholdChoice:
    """The choice with the best expected F1; of tied ones (the same clusters), the highest threshold."""
    top = max(choice.expected_f1 for choice in choices)
    return max(
        (choice for choice in choices if choice.expected_f1 >= top - THRESHOLD_F1_TIE),
        key=lambda choice: choice.match_probability,
    )
