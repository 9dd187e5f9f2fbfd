"""Clustering: connected components over kept pairs, with vetoes, forced links and unlinks."""

from __future__ import annotations

import duckdb
import pytest

from mpi.clustering import VETO_BELOW_PROBABILITY, cluster_records, split_keeping_apart

# A chain A - B - C of strong pairs; the pair A - C itself is kept at the probability under test.
CHAIN = (("A", "B", 0.99), ("B", "C", 0.95))


def _clusters(
    pairs: list[tuple[str, str, float]], overrides: list[tuple[str, str, str]] = ()
) -> list[set[str]]:
    con = duckdb.connect()
    con.execute("CREATE TABLE records AS SELECT 's' AS source, unnest(['A', 'B', 'C', 'D']) AS record_id")
    con.execute(
        "CREATE TABLE overrides (kind VARCHAR, source_a VARCHAR, record_id_a VARCHAR, source_b VARCHAR, record_id_b VARCHAR)"
    )
    for kind, a, b in overrides:
        con.execute("INSERT INTO overrides VALUES (?, 's', ?, 's', ?)", [kind, a, b])
    con.execute(
        "CREATE TABLE mpi__pairs_next (source_l VARCHAR, record_id_l VARCHAR, source_r VARCHAR, "
        "record_id_r VARCHAR, match_probability DOUBLE)"
    )
    for a, b, p in pairs:
        con.execute("INSERT INTO mpi__pairs_next VALUES ('s', ?, 's', ?, ?)", [a, b, p])
    cluster_records(con, threshold=0.9)
    groups: dict[str, set[str]] = {}
    for record_id, cluster_id in con.execute("SELECT record_id, cluster_id FROM mpi__clusters").fetchall():
        groups.setdefault(cluster_id, set()).add(record_id)
    return sorted(groups.values(), key=min)


def test_a_chain_of_strong_pairs_is_one_person() -> None:
    assert _clusters([*CHAIN, ("A", "C", 0.5)]) == [{"A", "B", "C"}, {"D"}]


@pytest.mark.parametrize("probability", [0.011, VETO_BELOW_PROBABILITY / 2])
def test_a_vetoed_pair_stays_apart_and_the_stronger_edge_wins(probability: float) -> None:
    # B is closer to A (0.99) than to C (0.95), so C is the one left out.
    assert _clusters([*CHAIN, ("A", "C", probability)]) == [{"A", "B"}, {"C"}, {"D"}]


def test_a_weak_pair_above_the_veto_does_not_split() -> None:
    assert _clusters([*CHAIN, ("A", "C", VETO_BELOW_PROBABILITY * 1.5)]) == [{"A", "B", "C"}, {"D"}]


def test_a_forced_link_outranks_a_veto_and_an_unlink_outranks_everything() -> None:
    vetoed = [*CHAIN, ("A", "C", 0.011)]
    assert _clusters(vetoed, [("link", "A", "C")]) == [{"A", "B", "C"}, {"D"}]
    # Forced links go first: A joins C, so B (unlinked from C) is left on its own.
    assert _clusters(vetoed, [("link", "A", "C"), ("unlink", "B", "C")]) == [{"A", "C"}, {"B"}, {"D"}]


def test_split_keeping_apart_numbers_parts_from_the_smallest_member() -> None:
    parts = split_keeping_apart(["A", "B", "C"], [("A", "B", False), ("B", "C", False)], [("A", "C", False)])
    assert parts == {"A": 0, "B": 0, "C": 1}
