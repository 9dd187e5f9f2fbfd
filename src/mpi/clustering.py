"""Cluster every indexed record from the kept pairs, honouring manual overrides.

Splink's connected components does the clustering. Forced links are extra edges. Forced unlinks
are the one thing no library here does: connected components cannot keep two records apart
once a chain of edges joins them, so the few clusters that hold an unlinked pair are rebuilt
by hand, adding their edges strongest first and skipping any edge that would join the pair.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb
from splink.clustering import cluster_pairwise_predictions_at_threshold

from mpi.model import make_db_api
from mpi.sqlutil import quote_identifier, run_sql_file

CLUSTERS_TABLE = "mpi__clusters"


@dataclass(frozen=True, kw_only=True)
class ClusteringOutcome:
    clusters: int
    forced_links: int
    clusters_split_by_unlinks: int


def cluster_records(con: duckdb.DuckDBPyConnection, *, threshold: float) -> ClusteringOutcome:
    """mpi__clusters (source, record_id, cluster_id) over all records; run in the Splink workspace."""
    run_sql_file(con, "index/cluster_graph", {"threshold": threshold})
    clusters = cluster_pairwise_predictions_at_threshold(
        "mpi__graph_nodes", "mpi__graph_edges", make_db_api(con), "unique_id"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CLUSTERS_TABLE} AS "
        "SELECT n.source, n.record_id, c.cluster_id "
        f"FROM {quote_identifier(clusters.physical_name)} AS c JOIN mpi__graph_nodes AS n USING (unique_id)"
    )
    clusters.drop_table_from_database_and_remove_from_cache()
    split = _apply_unlinks(con)
    counts = con.execute(
        f"SELECT count(DISTINCT cluster_id), (SELECT count(*) FROM mpi__forced_links) FROM {CLUSTERS_TABLE}"
    ).fetchall()[0]
    return ClusteringOutcome(
        clusters=int(counts[0]), forced_links=int(counts[1]), clusters_split_by_unlinks=split
    )


def _apply_unlinks(con: duckdb.DuckDBPyConnection) -> int:
    conflicts = con.execute(
        "SELECT DISTINCT ca.cluster_id FROM mpi__unlinks AS u "
        f"JOIN {CLUSTERS_TABLE} AS ca ON ca.source || ':' || ca.record_id = u.unique_id_a "
        f"JOIN {CLUSTERS_TABLE} AS cb ON cb.source || ':' || cb.record_id = u.unique_id_b "
        "WHERE ca.cluster_id = cb.cluster_id"
    ).fetchall()
    for (cluster_id,) in conflicts:
        members = [
            str(r[0])
            for r in con.execute(
                f"SELECT source || ':' || record_id FROM {CLUSTERS_TABLE} WHERE cluster_id = ?", [cluster_id]
            ).fetchall()
        ]
        edges = con.execute(
            "SELECT unique_id_l, unique_id_r FROM mpi__graph_edges "
            "WHERE unique_id_l IN (SELECT unnest($m)) AND unique_id_r IN (SELECT unnest($m)) "
            "ORDER BY forced DESC, match_probability DESC, unique_id_l, unique_id_r",
            {"m": members},
        ).fetchall()
        apart = con.execute(
            "SELECT unique_id_a, unique_id_b FROM mpi__unlinks "
            "WHERE unique_id_a IN (SELECT unnest($m)) AND unique_id_b IN (SELECT unnest($m))",
            {"m": members},
        ).fetchall()
        parts = split_keeping_apart(
            members, [(str(a), str(b)) for a, b in edges], [(str(a), str(b)) for a, b in apart]
        )
        for member, part in parts.items():
            if part:
                con.execute(
                    f"UPDATE {CLUSTERS_TABLE} SET cluster_id = cluster_id || '~' || ? "
                    "WHERE source || ':' || record_id = ?",
                    [str(part), member],
                )
    return len(conflicts)


def split_keeping_apart(
    members: list[str], edges: list[tuple[str, str]], apart: list[tuple[str, str]]
) -> dict[str, int]:
    """Greedy union of edges in the given order, never joining two records that must stay apart.

    Returns member -> part number (0 for the part holding the cluster's first member in edge order).
    """
    parent = {m: m for m in members}
    keep_apart: dict[str, set[str]] = defaultdict(set)

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in apart:
        keep_apart[a].add(b)
        keep_apart[b].add(a)
    # Each root carries the set of records its component must never contain.
    forbidden = {m: set(keep_apart[m]) for m in members}
    component = {m: {m} for m in members}
    for a, b in edges:
        ra, rb = find(a), find(b)
        if ra == rb or forbidden[ra] & component[rb] or forbidden[rb] & component[ra]:
            continue
        parent[rb] = ra
        component[ra] |= component.pop(rb)
        forbidden[ra] |= forbidden.pop(rb)
    roots = sorted({find(m) for m in members}, key=lambda r: min(component[r]))
    number = {root: i for i, root in enumerate(roots)}
    return {m: number[find(m)] for m in members}
