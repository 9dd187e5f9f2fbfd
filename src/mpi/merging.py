"""Greedy merging of records into persons: the scored pairs across two groups are weighed first.

Pure Python over node ids, so that `mpi link` (mpi.clustering) and the threshold chooser of
training cluster the same way. No library here does this: Splink offers connected components
and one-to-one links only.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable
from typing import Generic, TypeVar

import numpy as np

Node = TypeVar("Node", bound=Hashable)

# Pairs scored at or above this probability are weighed when two groups might merge (`mpi link`, the
# threshold chooser of training); a pair below it counts as never compared, so the evidence it holds
# against a merge is lost. Lowered from 0.01 in session 19: pairwise F1 (trained / shipped,
# benchmarks/RESULTS.md) on pseudopeople 0.9851 / 0.9836 -> 0.9923 / 0.9919, pseudopeople x3
# 0.9631 / 0.9600 -> 0.9740 / 0.9750, synth 100k 0.9394 / 0.9396 -> 0.9438 (both), synth 10k +0.0036,
# fake_1000 shipped +0.0073; historical50k -0.0032 / -0.0020 and FEBRL3 without dob and SSN -0.0009.
# 1e-4 kept half the gain; 1e-9 added at most +0.0005 for twice the pairs.
WEIGH_PAIRS_FROM_PROBABILITY = 1e-6
# Pairs scored at or above this are kept in the store's `pairs` table (evaluation sweeps, explanations,
# review) and rescored by incremental links. A weighed pair below it is kept only when one connected
# component at the link threshold holds both its records, the only place the weighing reads it: at
# synth 1M that keeps the table near 3 million pairs instead of 30 million weighed ones.
KEEP_PAIRS_FROM_PROBABILITY = 0.01


def merge_bar(threshold: float) -> float:
    """The least total match weight across two groups that lets a model edge merge them.

    Zero: the scored pairs across must on balance favour one person. Under a threshold below
    0.5 the bar drops to one pair's weight at that threshold, so a lone edge the user asked to
    link still links.
    """
    if threshold >= 0.5:
        return 0.0
    return math.log2(threshold / (1.0 - threshold)) if threshold > 0 else -math.inf


def merge_greedily(
    members: list[str],
    edges: list[tuple[str, str, bool]],
    unlinked: list[tuple[str, str]],
    evidence: Iterable[tuple[str, str, float]] = (),
    bar: float = -math.inf,
) -> dict[str, int]:
    """Greedy union of edges (a, b, forced) in the given order (see GreedyMerger).

    Returns member -> part number (0 for the part holding the smallest member).
    """
    merger = GreedyMerger(members, unlinked, evidence, bar)
    for a, b, forced in edges:
        merger.offer(a, b, forced=forced)
    roots = sorted({merger.find(m) for m in members}, key=lambda r: min(merger.component[r]))
    number = {root: i for i, root in enumerate(roots)}
    return {m: number[merger.find(m)] for m in members}


class GreedyMerger(Generic[Node]):
    """Union of offered edges that keeps unlinked pairs (a, b) apart and weighs the pairs across.

    Forced edges only respect unlinks. A model edge also merges two groups only when the match
    weights of the scored pairs (a, b, weight) across them sum to at least `bar` (greedy additive
    edge contraction, as in correlation clustering: the records of a person, compared directly,
    should on balance say so; a chain of strong pairs through one record should not outvote them).
    Offer edges strongest first.

    One pair scored far below a match does not veto a merge on its own: it is weighed with the
    others across. Until session 15 a kept pair under p = 0.02 did. Weighing it instead lifted
    pairwise F1 (trained / shipped model, benchmarks/RESULTS.md) on historical50k from 0.8587 /
    0.8629 to 0.8795 / 0.8831 and on fake_1000 from 0.9078 to 0.9208 (a person with many noisy
    records holds some pair that looks like two people), and on FEBRL3 without dob and SSN from
    0.9429 / 0.9354 to 0.9437 / 0.9387; synth 10k and 100k moved by at most +0.0004,
    pseudopeople x1 and x3 by at most -0.0004.
    """

    def __init__(
        self,
        members: Iterable[Node],
        unlinked: Iterable[tuple[Node, Node]],
        evidence: Iterable[tuple[Node, Node, float]],
        bar: float,
    ) -> None:
        self.bar = bar
        self.parent: dict[Node, Node] = {m: m for m in members}
        self.component: dict[Node, set[Node]] = {m: {m} for m in self.parent}
        # Each root carries the records its component must never contain, and the total weight
        # of the scored pairs between it and each other root.
        self.apart: dict[Node, set[Node]] = {m: set() for m in self.parent}
        for a, b in unlinked:
            self.apart[a].add(b)
            self.apart[b].add(a)
        self.across: dict[Node, dict[Node, float]] = {m: {} for m in self.parent}
        for a, b, weight in evidence:
            self.across[a][b] = self.across[b][a] = self.across[a].get(b, 0.0) + weight

    def find(self, x: Node) -> Node:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def offer(self, a: Node, b: Node, *, forced: bool = False) -> bool:
        """Merge the groups of a and b unless an unlink or the pairs across forbid it."""
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return False
        if self.apart[ra] & self.component[rb] or self.apart[rb] & self.component[ra]:
            return False
        if not forced and self.across[ra].get(rb, 0.0) < self.bar:
            return False
        if len(self.component[ra]) < len(self.component[rb]):
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.component[ra] |= self.component.pop(rb)
        self.apart[ra] |= self.apart.pop(rb)
        across = self.across
        for other, weight in across.pop(rb).items():
            del across[other][rb]
            if other != ra:
                across[ra][other] = across[other][ra] = across[ra].get(other, 0.0) + weight
        return True


def components_by_threshold(
    count: int, left: np.ndarray, right: np.ndarray, probability: np.ndarray, thresholds: tuple[float, ...]
) -> list[tuple[float, np.ndarray]]:
    """Connected-component root of every node after linking the pairs at or above each threshold."""
    parent = list(range(count))

    def find(node: int) -> int:
        root = node
        while parent[root] != root:
            root = parent[root]
        while parent[node] != root:
            parent[node], node = root, parent[node]
        return root

    order = np.argsort(-probability, kind="stable")
    out: list[tuple[float, np.ndarray]] = []
    position = 0
    for threshold in sorted(thresholds, reverse=True):
        while position < order.size and probability[order[position]] >= threshold:
            a, b = find(int(left[order[position]])), find(int(right[order[position]]))
            if a != b:
                parent[a] = b
            position += 1
        out.append((threshold, np.array([find(node) for node in range(count)])))
    return sorted(out)


def clusters_by_threshold(
    count: int,
    left: np.ndarray,
    right: np.ndarray,
    probability: np.ndarray,
    weight: np.ndarray,
    thresholds: tuple[float, ...],
) -> list[tuple[float, np.ndarray]]:
    """Cluster root of every node at each threshold, clustered as `mpi link` clusters.

    Connected components first; every component that holds a pair scored against a match
    (weight < 0) is then rebuilt by GreedyMerger. Thresholds that share a merge bar share one
    greedy pass: its decisions down to a threshold do not depend on the edges below it.
    """
    by_bar: dict[float, list[float]] = {}
    for threshold in thresholds:
        by_bar.setdefault(merge_bar(threshold), []).append(threshold)
    out: list[tuple[float, np.ndarray]] = []
    for bar, shared in by_bar.items():
        components = components_by_threshold(count, left, right, probability, tuple(shared))
        widest = components[0][1]  # the lowest threshold's components hold every higher one's
        inside = widest[left] == widest[right]
        against = inside & (weight < 0)
        in_contested = np.isin(widest, np.unique(widest[left[against]]))
        contested_nodes = np.flatnonzero(in_contested)
        if contested_nodes.size == 0:
            out.extend(components)
            continue
        pairs = np.flatnonzero(inside & in_contested[left])
        merger = GreedyMerger(
            (int(n) for n in contested_nodes),
            (),
            ((int(left[i]), int(right[i]), float(weight[i])) for i in pairs),
            bar,
        )
        # Strongest first; ties in node order, as the link breaks them in record-id order.
        edges = pairs[np.lexsort((right[pairs], left[pairs], -probability[pairs]))]
        position = 0
        for threshold, roots in sorted(components, key=lambda item: -item[0]):
            while position < edges.size and probability[edges[position]] >= threshold:
                merger.offer(int(left[edges[position]]), int(right[edges[position]]))
                position += 1
            rebuilt = roots.copy()
            rebuilt[contested_nodes] = [merger.find(int(n)) for n in contested_nodes]
            out.append((threshold, rebuilt))
    return sorted(out, key=lambda item: item[0])
