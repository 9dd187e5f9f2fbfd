"""Score any engine's clustering against truth with mpi's own metrics, on a DuckDB connection of our own.

Every engine is scored by the same function (`mpi.quality.metrics.evaluate_clustering`) on the
same kind of input, a (source, record_id, person_id) table: mpi's `person_index` read from its
store, the baseline's clusters CSV. Scoring here rather than through `evaluate_against_truth`
keeps the yardstick identical for both engines and lets us bound its cost (below).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import duckdb
import numpy as np

from mpi.config import load_config
from mpi.model import load_model_file
from mpi.project_models import locate_model
from mpi.quality.blocking import blocking_recall
from mpi.quality.evaluate import load_truth
from mpi.quality.metrics import ClusteringEvaluation, PairwiseMetrics, evaluate_clustering
from mpi.store import open_store

# Bounds so a bad plan fails fast instead of taking the machine's memory or disk.
MEMORY_LIMIT = "4GB"
MAX_TEMP_SIZE = "20GB"


@dataclass(frozen=True, kw_only=True)
class Scored:
    metrics: ClusteringEvaluation
    # Records in the biggest predicted person: chained false merges show here first.
    largest_person: int


def _connect(temp_dir: Path) -> duckdb.DuckDBPyConnection:
    temp_dir.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect()
    # Spill files go under the scratch directory, never into whatever directory we were started from.
    con.execute("SET temp_directory = ?", [str(temp_dir)])
    con.execute(f"SET memory_limit = '{MEMORY_LIMIT}'")
    con.execute(f"SET max_temp_directory_size = '{MAX_TEMP_SIZE}'")
    return con


def _load_truth(con: duckdb.DuckDBPyConnection, truth_csv: Path) -> None:
    con.execute(
        "CREATE TABLE bench__truth AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
        [str(truth_csv)],
    )


def _score(con: duckdb.DuckDBPyConnection) -> Scored:
    metrics = evaluate_clustering(con, "bench__predicted", "bench__truth")
    largest = con.execute(
        "SELECT coalesce(max(n), 0) FROM (SELECT count(*) AS n FROM bench__predicted GROUP BY person_id)"
    ).fetchall()[0][0]
    return Scored(metrics=metrics, largest_person=int(largest))


def score_clusters_csv(clusters_csv: Path, truth_csv: Path, *, temp_dir: Path) -> Scored:
    """A CSV of source, record_id, person_id (the baseline's output) against truth.csv."""
    con = _connect(temp_dir)
    try:
        _load_truth(con, truth_csv)
        con.execute(
            "CREATE TABLE bench__predicted AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [str(clusters_csv)],
        )
        return _score(con)
    finally:
        con.close()


def score_person_index(store_path: Path, truth_csv: Path, *, temp_dir: Path) -> Scored:
    """mpi's person_index, read from its store file (read-only), against truth.csv."""
    con = _connect(temp_dir)
    try:
        _load_truth(con, truth_csv)
        con.execute("ATTACH ? AS mpi_store (READ_ONLY)", [str(store_path)])
        con.execute(
            "CREATE TABLE bench__predicted AS "
            "SELECT source, record_id, person_id FROM mpi_store.main.person_index"
        )
        con.execute("DETACH mpi_store")
        return _score(con)
    finally:
        con.close()


def blocking_recall_of_model(config_path: Path, model_name: str, truth_csv: Path) -> float | None:
    """Share of true pairs the model's prediction rules compare (mpi.quality.blocking), or None."""
    config = load_config(config_path)
    spec = load_model_file(locate_model(config, model_name).path).spec
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        load_truth(store.con, truth_csv)
        with store.splink_workspace():
            result = blocking_recall(store.con, spec, "mpi__truth")
    finally:
        store.close()
    return None if result is None else result.recall


def pairwise_of_clusters(
    con: duckdb.DuckDBPyConnection, unique_ids: Sequence[str], roots: np.ndarray
) -> PairwiseMetrics:
    """Pairwise metrics against mpi__truth (mpi.quality.evaluate.load_truth) of clusters given as a root
    per record (``unique_ids[i]`` is ``source:record_id``); records in none are persons of their own."""
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__component AS SELECT unnest($u) AS uid, unnest($c) AS cid",
        {"u": list(unique_ids), "c": [int(root) for root in roots]},
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__predicted AS SELECT t.source, t.record_id, "
        "coalesce('c' || c.cid, 'r' || t.source || ':' || t.record_id) AS person_id FROM mpi__truth AS t "
        "LEFT JOIN mpi__component AS c ON c.uid = t.source || ':' || t.record_id"
    )
    return evaluate_clustering(con, "mpi__predicted", "mpi__truth").pairwise
