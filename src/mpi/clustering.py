"""Cluster every indexed record from the kept pairs, honouring manual overrides.

Splink's connected components does the clustering. Forced links are extra edges. Connected
components merges two groups whenever one chain of strong pairs joins them, however much the
other pairs between them say "different people" (a parent and child bridged through a shared
address record; two namesakes bridged through a record that matches each on the name). So every
cluster that holds a pair scored against a match (p < 0.5), a forced unlink, or two records of a
source declared one_record_per_person (birth certificates) is rebuilt: its edges are added
strongest first, and an edge that would join a pair kept apart, or two groups whose pairs across
on balance say "different people", is skipped (mpi.merging). No library here does this: Splink
offers connected components and one-to-one links only. Forced links skip the balance but never
a pair kept apart: a person's decision outranks the model, an unlink outranks everything, and a
source's one record per person yields only to a forced link between those two records.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import duckdb
import polars as pl
from splink.clustering import cluster_pairwise_predictions_at_threshold

from mpi.merging import merge_bar, merge_greedily
from mpi.model import make_db_api
from mpi.sqlutil import quote_identifier, run_sql_file

CLUSTERS_TABLE = "mpi__clusters"


@dataclass(frozen=True, kw_only=True)
class ClusteringOutcome:
    clusters: int
    forced_links: int
    clusters_split_by_unlinks: int
    clusters_split_by_evidence: int = 0
    # Split because they held two records of a source with one record per person (and no unlink).
    clusters_split_by_source: int = 0


def cluster_records(
    con: duckdb.DuckDBPyConnection, *, threshold: float, one_record_per_person: tuple[str, ...] = ()
) -> ClusteringOutcome:
    """mpi__clusters (source, record_id, cluster_id, component_id) over all records; run in the Splink workspace.

    component_id is the record's connected component at the threshold, before contested ones are rebuilt.
    Records of the sources named in ``one_record_per_person`` are kept apart like unlinked pairs.
    """
    run_sql_file(con, "index/cluster_graph", {"threshold": threshold})
    clusters = cluster_pairwise_predictions_at_threshold(
        "mpi__graph_nodes", "mpi__graph_edges", make_db_api(con), "unique_id"
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {CLUSTERS_TABLE} AS "
        "SELECT n.source, n.record_id, c.cluster_id, c.cluster_id AS component_id, n.unique_id "
        f"FROM {quote_identifier(clusters.physical_name)} AS c JOIN mpi__graph_nodes AS n USING (unique_id)"
    )
    clusters.drop_table_from_database_and_remove_from_cache()
    if one_record_per_person:
        run_sql_file(con, "index/apart_within_source", {"sources": list(one_record_per_person)})
    by_unlinks, by_source, by_evidence = _rebuild_contested_clusters(con, threshold)
    counts = con.execute(
        f"SELECT count(DISTINCT cluster_id), (SELECT count(*) FROM mpi__forced_links) FROM {CLUSTERS_TABLE}"
    ).fetchall()[0]
    return ClusteringOutcome(
        clusters=int(counts[0]),
        forced_links=int(counts[1]),
        clusters_split_by_unlinks=by_unlinks,
        clusters_split_by_evidence=by_evidence,
        clusters_split_by_source=by_source,
    )


def _rebuild_contested_clusters(con: duckdb.DuckDBPyConnection, threshold: float) -> tuple[int, int, int]:
    """Rebuild every cluster holding a pair kept apart (mpi__apart) or a pair scored against a match.

    Returns how many were split: (holding an unlink, holding two records of a one-record-per-person
    source but no unlink, by the evidence only).
    Members, edges, apart and scored pairs of all such clusters are read in four queries and the
    new parts written back in one update, so the cost does not grow with one round trip per cluster.
    """
    clusters_of = (
        f"JOIN {CLUSTERS_TABLE} AS ca ON ca.unique_id = {{a}} "
        f"JOIN {CLUSTERS_TABLE} AS cb ON cb.unique_id = {{b}} WHERE ca.cluster_id = cb.cluster_id"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__scored_inside AS "
        "SELECT ca.cluster_id, e.unique_id_l, e.unique_id_r, e.match_weight FROM mpi__graph_evidence AS e "
        + clusters_of.format(a="e.unique_id_l", b="e.unique_id_r")
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__apart_inside AS "
        "SELECT ca.cluster_id, a.unique_id_a, a.unique_id_b, a.reason FROM mpi__apart AS a "
        + clusters_of.format(a="a.unique_id_a", b="a.unique_id_b")
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__contested AS "
        "SELECT cluster_id FROM mpi__apart_inside UNION "
        "SELECT cluster_id FROM mpi__scored_inside WHERE match_weight < 0"
    )
    try:
        contested = [str(c) for (c,) in con.execute("SELECT cluster_id FROM mpi__contested").fetchall()]
        if not contested:
            return 0, 0, 0
        in_contested = "cluster_id IN (SELECT cluster_id FROM mpi__contested)"
        apart: dict[str, list[tuple[str, str]]] = defaultdict(list)
        unlinked: set[str] = set()
        for cluster_id, a, b, reason in con.execute("SELECT * FROM mpi__apart_inside").fetchall():
            apart[str(cluster_id)].append((str(a), str(b)))
            if reason == "unlink":
                unlinked.add(str(cluster_id))
        evidence: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
        for cluster_id, a, b, weight in con.execute(
            f"SELECT * FROM mpi__scored_inside WHERE {in_contested}"
        ).fetchall():
            evidence[str(cluster_id)].append((str(a), str(b), float(weight)))
        members: dict[str, list[str]] = defaultdict(list)
        for cluster_id, unique_id in con.execute(
            f"SELECT cluster_id, unique_id FROM {CLUSTERS_TABLE} WHERE {in_contested} ORDER BY cluster_id, unique_id"
        ).fetchall():
            members[str(cluster_id)].append(str(unique_id))
        edges: dict[str, list[tuple[str, str, bool]]] = defaultdict(list)
        # Ties in probability are broken by the pair, whichever way round it was scored: an
        # incremental link scores a new record as the right side, a full link puts the smaller
        # id left, and the greedy rebuild must take the same edges in the same order either way.
        for cluster_id, left, right, forced in con.execute(
            f"SELECT c.cluster_id, e.unique_id_l, e.unique_id_r, e.forced FROM mpi__graph_edges AS e "
            f"JOIN {CLUSTERS_TABLE} AS c ON c.unique_id = e.unique_id_l WHERE c.{in_contested} "
            "ORDER BY c.cluster_id, e.forced DESC, e.match_probability DESC, "
            "least(e.unique_id_l, e.unique_id_r), greatest(e.unique_id_l, e.unique_id_r)"
        ).fetchall():
            edges[str(cluster_id)].append((str(left), str(right), bool(forced)))
    finally:
        for table in ("mpi__scored_inside", "mpi__apart_inside", "mpi__contested"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    bar = merge_bar(threshold)
    moved: list[tuple[str, str]] = []
    by_unlinks = by_source = by_evidence = 0
    for cluster_id in contested:
        parts = merge_greedily(
            members[cluster_id], edges[cluster_id], apart[cluster_id], evidence[cluster_id], bar
        )
        if max(parts.values()) == 0:
            continue
        moved.extend((member, f"{cluster_id}~{part}") for member, part in parts.items() if part)
        if cluster_id in unlinked:
            by_unlinks += 1
        elif apart[cluster_id]:
            by_source += 1
        else:
            by_evidence += 1
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
    return by_unlinks, by_source, by_evidence
