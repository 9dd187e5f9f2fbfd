"""The shortest chain of links between two records."""

from __future__ import annotations

from mpi.paths import shortest_path


def test_shortest_path_takes_the_fewest_steps_and_the_edges_given_first() -> None:
    edges = [("a", "b", 1), ("b", "c", 2), ("a", "d", 3), ("d", "c", 4), ("c", "e", 5)]
    assert shortest_path(edges, "a", "e") == [("a", "b", 1), ("b", "c", 2), ("c", "e", 5)]
    # walked from the other end, each step is oriented that way
    assert shortest_path(edges, "c", "a") == [("c", "b", 2), ("b", "a", 1)]
    assert shortest_path(edges, "a", "a") == []
    assert shortest_path(edges, "a", "z") is None
