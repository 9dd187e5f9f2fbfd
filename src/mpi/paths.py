"""The shortest chain of links between two records: forced links (overrides) and linked pairs (explain).

Written by hand: a breadth-first search over a handful of edges, which neither Splink nor DuckDB
offers for one path.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Hashable, Iterable
from typing import TypeVar

N = TypeVar("N", bound=Hashable)
E = TypeVar("E")


def shortest_path(edges: Iterable[tuple[N, N, E]], start: N, goal: N) -> list[tuple[N, N, E]] | None:
    """The steps (from, to, edge) of a shortest path from start to goal over undirected edges, in order:
    [] when start is goal, None when no path joins them. Of equal paths, the one through edges given
    first is taken."""
    neighbours: dict[N, list[tuple[N, E]]] = {}
    for a, b, edge in edges:
        neighbours.setdefault(a, []).append((b, edge))
        neighbours.setdefault(b, []).append((a, edge))
    came_from: dict[N, tuple[N, E]] = {}
    seen = {start}
    queue = deque([start])
    while queue and goal not in seen:
        node = queue.popleft()
        for other, edge in neighbours.get(node, []):
            if other not in seen:
                seen.add(other)
                came_from[other] = (node, edge)
                queue.append(other)
    if goal not in seen:
        return None
    steps: list[tuple[N, N, E]] = []
    node = goal
    while node != start:
        previous, edge = came_from[node]
        steps.append((previous, node, edge))
        node = previous
    return steps[::-1]
