"""Greedy merging: the threshold chooser's clusters are the ones `mpi link` makes."""

from __future__ import annotations

import math

import duckdb
import numpy as np
import pytest

from mpi.clustering import cluster_records
from mpi.merging import clusters_by_threshold

THRESHOLDS = (0.3, 0.5, 0.8, 0.95)


def _random_pairs(seed: int, nodes: int, pairs: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    left = rng.integers(0, nodes, pairs)
    right = (left + rng.integers(1, nodes, pairs)) % nodes
    keys = np.unique(np.stack([np.minimum(left, right), np.maximum(left, right)], axis=1), axis=0)
    # Probabilities spread over pairs strongly and weakly against, weak and strong edges; no two equal, as
    # the link breaks ties by record id and the chooser by node number.
    levels = rng.choice([0.011, 0.015, 0.1, 0.4, 0.6, 0.85, 0.9, 0.97, 0.99], keys.shape[0])
    probability = levels + rng.permutation(keys.shape[0]) * 1e-6
    return keys[:, 0], keys[:, 1], probability


def _partition(labels: list[object]) -> set[frozenset[int]]:
    groups: dict[object, set[int]] = {}
    for node, label in enumerate(labels):
        groups.setdefault(label, set()).add(node)
    return {frozenset(group) for group in groups.values()}


def _linked(
    nodes: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray, threshold: float
) -> set[frozenset[int]]:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records AS SELECT 's' AS source, range::VARCHAR AS record_id FROM range($n)",
        {"n": nodes},
    )
    con.execute(
        "CREATE TABLE overrides (kind VARCHAR, source_a VARCHAR, record_id_a VARCHAR, source_b VARCHAR, record_id_b VARCHAR)"
    )
    con.execute(
        "CREATE TABLE mpi__pairs_next AS SELECT 's' AS source_l, unnest($l)::VARCHAR AS record_id_l, "
        "'s' AS source_r, unnest($r)::VARCHAR AS record_id_r, unnest($w) AS match_weight, unnest($p) AS match_probability",
        {
            "l": left.tolist(),
            "r": right.tolist(),
            "w": [math.log2(p / (1 - p)) for p in probability],
            "p": probability.tolist(),
        },
    )
    cluster_records(con, threshold=threshold)
    cluster = dict(con.execute("SELECT record_id::INTEGER, cluster_id FROM mpi__clusters").fetchall())
    return _partition([cluster[n] for n in range(nodes)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_clusters_by_threshold_match_the_link_clustering(seed: int) -> None:
    nodes = 60
    left, right, probability = _random_pairs(seed, nodes, 150)
    weight = np.log2(probability / (1 - probability))
    chosen = clusters_by_threshold(nodes, left, right, probability, weight, THRESHOLDS)
    assert [threshold for threshold, _ in chosen] == sorted(THRESHOLDS)
    for threshold, roots in chosen:
        assert _partition(list(roots)) == _linked(nodes, left, right, probability, threshold), threshold
