"""Cluster every indexed record from the kept pairs, honouring manual overrides and model vetoes.

Splink's connected components does the clustering. Forced links are extra edges. Two kinds of
pair must end in different persons: forced unlinks, and vetoes, pairs the model scored below
VETO_BELOW_PROBABILITY (connected components would otherwise merge two records the model is
sure are different people whenever a chain of stronger pairs joins them, e.g. a parent and
child bridged through a shared address record). No library here does this: connected
components cannot keep two records apart once a chain joins them, so the few clusters that hold
such a pair are rebuilt by hand, adding their edges strongest first and skipping any edge that
would join the pair. Forced links skip vetoes but never unlinks: a person's decision outranks
the model, an unlink outranks everything.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb
import polars as pl
from splink.clustering import cluster_pairwise_predictions_at_threshold

from mpi.model import make_db_api
from mpi.sqlutil import quote_identifier, run_sql_file

CLUSTERS_TABLE = "mpi__clusters"
# A pair scored below this is taken as two different people even when stronger pairs chain them
# together; the pairs kept below 0.01 are not stored, so they never veto. Low on purpose: a kept
# pair has positive evidence, and a weak one is often a true pair whose fields are corrupted.
# Pairwise F1 (models trained on each set) with no vetoes / 0.02 / 0.05: synth 100k 0.9250 /
# 0.9267 / 0.9293, synth 10k 0.9483 / 0.9493 / 0.9503, but FEBRL3 without dob and SSN 0.9212 /
# 0.9207 / 0.9047 (43 true clusters split there at 0.05).
VETO_BELOW_PROBABILITY = 0.02


@dataclass(frozen=True, kw_only=True)
class ClusteringOutcome:
    clusters: int
    forced_links: int
    clusters_split_by_unlinks: int
    clusters_split_by_vetoes: int = 0


def cluster_records(
    con: duckdb.DuckDBPyConnection, *, threshold: float, veto: float = VETO_BELOW_PROBABILITY
) -> ClusteringOutcome:
    """mpi__clusters (source, record_id, cluster_id) over all records; run in the Splink workspace."""
    run_sql_file(con, "index/cluster_graph", {"threshold": threshold, "veto": min(veto, threshold)})
    clusters = cluster_pairwise_predictions_at_threshold(
        "mpi__graph_nodes", "mpi__graph_edges", make_db_api(con), "unique_id"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CLUSTERS_TABLE} AS "
        "SELECT n.source, n.record_id, c.cluster_id, n.unique_id "
        f"FROM {quote_identifier(clusters.physical_name)} AS c JOIN mpi__graph_nodes AS n USING (unique_id)"
    )
    clusters.drop_table_from_database_and_remove_from_cache()
    by_unlinks, by_vetoes = _split_clusters_holding_apart_pairs(con)
    counts = con.execute(
        f"SELECT count(DISTINCT cluster_id), (SELECT count(*) FROM mpi__forced_links) FROM {CLUSTERS_TABLE}"
    ).fetchall()[0]
    return ClusteringOutcome(
        clusters=int(counts[0]),
        forced_links=int(counts[1]),
        clusters_split_by_unlinks=by_unlinks,
        clusters_split_by_vetoes=by_vetoes,
    )


def _split_clusters_holding_apart_pairs(con: duckdb.DuckDBPyConnection) -> tuple[int, int]:
    """Split every cluster that holds an unlinked or vetoed pair; (clusters with an unlink, with vetoes only).

    Members, edges and pairs of all such clusters are read in three queries and the new parts
    written back in one update, so the cost does not grow with one round trip per cluster.
    """
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__apart_inside AS "
        "SELECT ca.cluster_id, a.unique_id_a, a.unique_id_b, a.hard "
        f"FROM mpi__apart AS a JOIN {CLUSTERS_TABLE} AS ca ON ca.unique_id = a.unique_id_a "
        f"JOIN {CLUSTERS_TABLE} AS cb ON cb.unique_id = a.unique_id_b WHERE ca.cluster_id = cb.cluster_id"
    )
    try:
        apart: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        for cluster_id, a, b, hard in con.execute("SELECT * FROM mpi__apart_inside").fetchall():
            apart[str(cluster_id)].append((str(a), str(b), bool(hard)))
        if not apart:
            return 0, 0
        members: dict[str, list[str]] = defaultdict(list)
        for cluster_id, unique_id in con.execute(
            f"SELECT cluster_id, unique_id FROM {CLUSTERS_TABLE} "
            "WHERE cluster_id IN (SELECT cluster_id FROM mpi__apart_inside) ORDER BY cluster_id, unique_id"
        ).fetchall():
            members[str(cluster_id)].append(str(unique_id))
        edges: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        for cluster_id, left, right, forced in con.execute(
            f"SELECT c.cluster_id, e.unique_id_l, e.unique_id_r, e.forced FROM mpi__graph_edges AS e "
            f"JOIN {CLUSTERS_TABLE} AS c ON c.unique_id = e.unique_id_l "
            "WHERE c.cluster_id IN (SELECT cluster_id FROM mpi__apart_inside) "
            "ORDER BY c.cluster_id, e.forced DESC, e.match_probability DESC, e.unique_id_l, e.unique_id_r"
        ).fetchall():
            edges[str(cluster_id)].append((str(left), str(right), bool(forced)))
    finally:
        con.execute("DROP TABLE IF EXISTS mpi__apart_inside")
    moved: list[tuple[str, str]] = []
    for cluster_id, pairs in apart.items():
        parts = split_keeping_apart(members[cluster_id], edges[cluster_id], pairs)
        moved.extend((member, f"{cluster_id}~{part}") for member, part in parts.items() if part)
    if moved:
        frame = pl.DataFrame(moved, schema={"unique_id": pl.String, "cluster_id": pl.String}, orient="row")
        con.register("mpi__moved", frame)
        try:
            con.execute(
                f"UPDATE {CLUSTERS_TABLE} SET cluster_id = m.cluster_id FROM mpi__moved AS m "
                f"WHERE {CLUSTERS_TABLE}.unique_id = m.unique_id"
            )
        finally:
            con.unregister("mpi__moved")
    with_unlinks = sum(1 for pairs in apart.values() if any(hard for _, _, hard in pairs))
    return with_unlinks, len(apart) - with_unlinks


def split_keeping_apart(
    members: list[str], edges: list[tuple[str, str, bool]], apart: list[tuple[str, str, bool]]
) -> dict[str, int]:
    """Greedy union of edges (a, b, forced) in the given order, keeping apart pairs (a, b, hard) apart.

    A forced edge only respects hard pairs (unlinks); a model edge respects every pair.
    Returns member -> part number (0 for the part holding the smallest member).
    """
    parent = {m: m for m in members}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    # Each root carries the records its component must never contain: hard and any.
    hard_apart: dict[str, set[str]] = {m: set() for m in members}
    any_apart: dict[str, set[str]] = {m: set() for m in members}
    for a, b, hard in apart:
        for x, y in ((a, b), (b, a)):
            any_apart[x].add(y)
            if hard:
                hard_apart[x].add(y)
    component = {m: {m} for m in members}
    for a, b, forced in edges:
        ra, rb = find(a), find(b)
        if ra == rb:
            continue
        blocking = hard_apart if forced else any_apart
        if blocking[ra] & component[rb] or blocking[rb] & component[ra]:
            continue
        parent[rb] = ra
        component[ra] |= component.pop(rb)
        hard_apart[ra] |= hard_apart.pop(rb)
        any_apart[ra] |= any_apart.pop(rb)
    roots = sorted({find(m) for m in members}, key=lambda r: min(component[r]))
    number = {root: i for i, root in enumerate(roots)}
    return {m: number[find(m)] for m in members}
