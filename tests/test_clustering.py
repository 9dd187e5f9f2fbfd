"""Clustering: connected components over kept pairs, weighed pairs against, forced links and unlinks."""

from __future__ import annotations

import math

import duckdb
import pytest

from mpi.clustering import cluster_records
from mpi.merging import KEEP_PAIRS_FROM_PROBABILITY, merge_bar, merge_greedily
from mpi.sqlutil import run_sql_file

# A chain A - B - C of strong pairs; the pair A - C itself is kept at the probability under test.
CHAIN = (("A", "B", 0.99), ("B", "C", 0.95))


def _clustered(
    pairs: list[tuple[str, str, float]], overrides: list[tuple[str, str, str]] = ()
) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("CREATE TABLE records AS SELECT 's' AS source, unnest(['A', 'B', 'C', 'D']) AS record_id")
    con.execute(
        "CREATE TABLE overrides (kind VARCHAR, source_a VARCHAR, record_id_a VARCHAR, source_b VARCHAR, record_id_b VARCHAR)"
    )
    for kind, a, b in overrides:
        con.execute("INSERT INTO overrides VALUES (?, 's', ?, 's', ?)", [kind, a, b])
    con.execute(
        "CREATE TABLE mpi__pairs_next (source_l VARCHAR, record_id_l VARCHAR, source_r VARCHAR, "
        "record_id_r VARCHAR, match_weight DOUBLE, match_probability DOUBLE)"
    )
    for a, b, p in pairs:
        con.execute(
            "INSERT INTO mpi__pairs_next VALUES ('s', ?, 's', ?, ?, ?)", [a, b, math.log2(p / (1 - p)), p]
        )
    cluster_records(con, threshold=0.9)
    return con


def _clusters(
    pairs: list[tuple[str, str, float]], overrides: list[tuple[str, str, str]] = ()
) -> list[set[str]]:
    con = _clustered(pairs, overrides)
    groups: dict[str, set[str]] = {}
    for record_id, cluster_id in con.execute("SELECT record_id, cluster_id FROM mpi__clusters").fetchall():
        groups.setdefault(cluster_id, set()).add(record_id)
    return sorted(groups.values(), key=min)


def test_a_chain_of_strong_pairs_is_one_person() -> None:
    assert _clusters([*CHAIN, ("A", "C", 0.5)]) == [{"A", "B", "C"}, {"D"}]


def test_a_pair_far_against_keeps_apart_and_the_stronger_edge_wins() -> None:
    # B is closer to A (0.99) than to C (0.95), so C is the one left out.
    assert _clusters([*CHAIN, ("A", "C", 0.011)]) == [{"A", "B"}, {"C"}, {"D"}]


def test_weak_pairs_are_kept_only_inside_a_component() -> None:
    # A - C is weighed inside the component A - B - C; C - D joins no component, so it is not kept.
    con = _clustered([*CHAIN, ("A", "C", 1e-5), ("C", "D", 1e-5), ("B", "D", 0.02)])
    run_sql_file(con, "index/kept_pairs", {"keep_from": KEEP_PAIRS_FROM_PROBABILITY})
    kept = con.execute("SELECT record_id_l, record_id_r FROM mpi__pairs_next ORDER BY ALL").fetchall()
    assert kept == [("A", "B"), ("A", "C"), ("B", "C"), ("B", "D")]


def test_ties_are_broken_the_same_whichever_way_round_a_pair_was_scored() -> None:
    # A - D and B - C tie; whichever is taken first wins, as C - D keeps the other out. An
    # incremental link may hold A - D as (D, A): the rebuild must still take A - D first.
    tied = [("A", "B", 0.99), ("B", "C", 0.95), ("C", "D", 1e-6)]
    as_full = _clusters([*tied, ("A", "D", 0.95)])
    as_incremental = _clusters([*tied, ("D", "A", 0.95)])
    assert as_full == as_incremental == [{"A", "B", "D"}, {"C"}]


def test_one_pair_far_against_is_outweighed_by_several_for() -> None:
    # A person's noisy records: A - C alone says two people (-6.5 bits), but B - C, A - D and
    # C - D across the same two groups say one person more strongly (three times +4.2 and more).
    pairs = [
        ("A", "B", 0.99),
        ("C", "D", 0.99),
        ("B", "C", 0.95),
        ("A", "D", 0.95),
        ("B", "D", 0.95),
        ("A", "C", 0.011),
    ]
    assert _clusters(pairs) == [{"A", "B", "C", "D"}]


def test_a_pair_against_splits_when_it_outweighs_the_chain() -> None:
    # B - C weighs log2(0.95 / 0.05) = +4.2 bits; A - C at 0.03 weighs -5.0, at 0.2 -2.0.
    assert _clusters([*CHAIN, ("A", "C", 0.03)]) == [{"A", "B"}, {"C"}, {"D"}]
    assert _clusters([*CHAIN, ("A", "C", 0.2)]) == [{"A", "B", "C"}, {"D"}]


def test_pairs_across_are_summed_over_the_two_groups() -> None:
    # A - B and C - D are each one person; B - C alone would join them, but A - C and A - D,
    # together -5.8 bits, outweigh B - C (+4.2).
    pairs = [("A", "B", 0.99), ("C", "D", 0.99), ("B", "C", 0.95), ("A", "C", 0.1), ("A", "D", 0.2)]
    assert _clusters(pairs) == [{"A", "B"}, {"C", "D"}]
    assert _clusters([*pairs[:3], ("A", "C", 0.3)]) == [{"A", "B", "C", "D"}]


def test_a_forced_link_skips_the_balance_of_evidence() -> None:
    assert _clusters([*CHAIN, ("A", "C", 0.03)], [("link", "B", "C")]) == [{"A", "B", "C"}, {"D"}]


def test_under_a_threshold_below_one_half_a_lone_edge_still_links() -> None:
    assert merge_bar(0.3) == pytest.approx(math.log2(0.3 / 0.7))
    assert merge_bar(0.8) == merge_bar(1.0) == 0.0
    assert merge_bar(0.0) == -math.inf
    parts = merge_greedily(
        ["A", "B"], [("A", "B", False)], [], [("A", "B", math.log2(0.3 / 0.7))], merge_bar(0.3)
    )
    assert parts == {"A": 0, "B": 0}


def test_a_forced_link_outranks_the_pairs_against_and_an_unlink_outranks_everything() -> None:
    against = [*CHAIN, ("A", "C", 0.011)]
    assert _clusters(against, [("link", "A", "C")]) == [{"A", "B", "C"}, {"D"}]
    # Forced links go first: A joins C, so B (unlinked from C) is left on its own.
    assert _clusters(against, [("link", "A", "C"), ("unlink", "B", "C")]) == [{"A", "C"}, {"B"}, {"D"}]


def test_merge_greedily_numbers_parts_from_the_smallest_member() -> None:
    parts = merge_greedily(["A", "B", "C"], [("A", "B", False), ("B", "C", False)], [("A", "C")])
    assert parts == {"A": 0, "B": 0, "C": 1}


# Twins' birth certificates A and B look alike; C is A's school record, D is B's.
TWINS = [("A", "B", 0.97), ("A", "C", 0.99), ("B", "D", 0.98), ("C", "D", 0.95), ("B", "C", 0.93)]


def _clusters_by_source(
    one_record_per_person: tuple[str, ...], overrides: list[tuple[str, str, str]] = ()
) -> list[set[str]]:
    con = duckdb.connect()
    sources = {"A": "births", "B": "births", "C": "school", "D": "school"}
    con.execute("CREATE TABLE records (source VARCHAR, record_id VARCHAR)")
    con.executemany("INSERT INTO records VALUES (?, ?)", [[s, r] for r, s in sources.items()])
    con.execute(
        "CREATE TABLE overrides (kind VARCHAR, source_a VARCHAR, record_id_a VARCHAR, source_b VARCHAR, record_id_b VARCHAR)"
    )
    for kind, a, b in overrides:
        con.execute("INSERT INTO overrides VALUES (?, ?, ?, ?, ?)", [kind, sources[a], a, sources[b], b])
    con.execute(
        "CREATE TABLE mpi__pairs_next (source_l VARCHAR, record_id_l VARCHAR, source_r VARCHAR, "
        "record_id_r VARCHAR, match_weight DOUBLE, match_probability DOUBLE)"
    )
    for a, b, p in TWINS:
        con.execute(
            "INSERT INTO mpi__pairs_next VALUES (?, ?, ?, ?, ?, ?)",
            [sources[a], a, sources[b], b, math.log2(p / (1 - p)), p],
        )
    outcome = cluster_records(con, threshold=0.9, one_record_per_person=one_record_per_person)
    assert outcome.clusters_split_by_source == (1 if one_record_per_person and not overrides else 0)
    groups: dict[str, set[str]] = {}
    for record_id, cluster_id in con.execute("SELECT record_id, cluster_id FROM mpi__clusters").fetchall():
        groups.setdefault(cluster_id, set()).add(record_id)
    return sorted(groups.values(), key=min)


def test_two_records_of_a_one_record_per_person_source_are_never_one_person() -> None:
    # Without the rule the twins' records are one component; with it each certificate keeps the
    # school record closest to it, strongest pair first.
    assert _clusters_by_source(()) == [{"A", "B", "C", "D"}]
    assert _clusters_by_source(("births",)) == [{"A", "C"}, {"B", "D"}]
    # Either file's rule alone keeps the two persons apart: the school records join no more than the twins.
    assert _clusters_by_source(("school",)) == [{"A", "C"}, {"B", "D"}]


def test_a_forced_link_between_two_records_of_the_source_outranks_the_rule() -> None:
    # A duplicate certificate: a person's decision on the pair itself joins them.
    assert _clusters_by_source(("births",), [("link", "A", "B")]) == [{"A", "B", "C", "D"}]
