"""How far could any scoring of these comparisons go? An in-sample ceiling for pairwise F1.

Every candidate pair of a model's prediction rules is compared (all of them, not only the kept
ones) and given, instead of the model's probability, the share of true matches among the
candidate pairs with the same comparison pattern: every comparison's level plus the name
frequencies (first and last, log2 buckets: what term-frequency adjustment sees). That is the
best probability any function of the pattern can give, fitted on the answers themselves, so
it is optimistic. Clustering is `mpi link`'s at each threshold (the pairs it weighs, from
mpi.merging.WEIGH_PAIRS_FROM_PROBABILITY; connected components, contested clusters rebuilt by
mpi.merging), scored with
`mpi.quality.metrics.evaluate_clustering`, as `mpi evaluate` scores `mpi link`.

If this ceiling is below a target, no re-weighting of the same comparisons and blocking
reaches it: the missing evidence is not in the compared fields. The blocking ceiling beside it
links every true candidate pair and no other: what a perfect scorer of the prediction rules'
pairs would reach, so the share of the gap that blocking alone explains.

Last, from the store's last link: the pairs of records with the same first and last name that
share nothing else (mpi.quality.evidence's "names only"), linked and left apart, split into one
person and namesakes: what any better scoring of names alone is up against.

    /tmp/venv/bin/python benchmarks/ceiling.py /tmp/mpi-bench/accuracy/synth100k --model bench
"""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import numpy as np
from scoring import pairwise_of_clusters

from mpi.config import ProjectConfig, load_config
from mpi.merging import WEIGH_PAIRS_FROM_PROBABILITY, clusters_by_threshold
from mpi.model import drop_splink_tables, linker_for_model, load_model_file
from mpi.model.columns import table_columns
from mpi.project_models import locate_model
from mpi.quality.evaluate import load_truth
from mpi.quality.evidence import LABELLED_RECORDS_CTE, NAMES_ONLY, evidence_sql
from mpi.sqlutil import quote_identifier
from mpi.store import open_store

THRESHOLDS = (0.3, 0.5, 0.7, 0.8, 0.9)


def candidate_pairs(con: duckdb.DuckDBPyConnection, config: ProjectConfig, model_name: str) -> None:
    """mpi__candidates (uid_l, uid_r, model, pattern, is_match): every blocked pair, scored."""
    model = load_model_file(locate_model(config, model_name).path)
    linker = linker_for_model(con, model)
    try:
        pairs = quote_identifier(linker.inference.predict().physical_name)
        gammas = [c[0] for c in con.execute(f"DESCRIBE {pairs}").fetchall() if str(c[0]).startswith("gamma_")]
        con.execute(
            "CREATE OR REPLACE TEMP TABLE mpi__name_frequency AS SELECT source || ':' || record_id AS uid, "
            "ceil(log2(count(*) OVER (PARTITION BY first_name)))::INTEGER AS first_bucket, "
            "ceil(log2(count(*) OVER (PARTITION BY last_name)))::INTEGER AS last_bucket FROM records"
        )
        pattern = ", ".join([*(f"p.{g}" for g in gammas), "greatest(fl.first_bucket, fr.first_bucket)",
                             "greatest(fl.last_bucket, fr.last_bucket)"])  # fmt: skip
        con.execute(
            "CREATE OR REPLACE TEMP TABLE mpi__candidates AS "
            "SELECT p.unique_id_l AS uid_l, p.unique_id_r AS uid_r, p.match_probability AS model, "
            f"({pattern})::VARCHAR AS pattern, a.person_id = b.person_id AS is_match FROM {pairs} AS p "
            "JOIN mpi__truth_uid AS a ON a.uid = p.unique_id_l JOIN mpi__truth_uid AS b ON b.uid = p.unique_id_r "
            "JOIN mpi__name_frequency AS fl ON fl.uid = p.unique_id_l "
            "JOIN mpi__name_frequency AS fr ON fr.uid = p.unique_id_r"
        )
    finally:
        drop_splink_tables(linker)


def scores_at_thresholds(
    con: duckdb.DuckDBPyConnection, probability_sql: str
) -> list[tuple[float, float, float, float]]:
    """(threshold, pairwise P, R, F1) of the candidates clustered as `mpi link` would, at each threshold."""
    rows = con.execute(f"SELECT uid_l, uid_r, {probability_sql} FROM mpi__candidates").fetchall()
    ids, codes = np.unique(
        np.array([r[0] for r in rows] + [r[1] for r in rows], dtype=object), return_inverse=True
    )
    left, right = codes[: len(rows)], codes[len(rows) :]
    probability = np.array([r[2] for r in rows], dtype=np.float64)
    # As `mpi link`: only the pairs it weighs are edges or evidence.
    kept = probability >= WEIGH_PAIRS_FROM_PROBABILITY
    left, right, probability = left[kept], right[kept], probability[kept]
    clipped = np.clip(probability, 1e-12, 1 - 1e-12)
    weight = np.log2(clipped / (1 - clipped))
    out = []
    clustered = clusters_by_threshold(len(ids), left, right, probability, weight, THRESHOLDS)
    for threshold, roots in clustered:
        pairwise = pairwise_of_clusters(con, list(ids), roots)
        out.append((threshold, pairwise.precision, pairwise.recall, pairwise.f1))
    return out


def print_namesakes(con: duckdb.DuckDBPyConnection) -> None:
    """Pairs of records with the same first and last name that share nothing else, by truth and by the last link.

    What a better scoring of names-only pairs is up against: the true pairs it could add among those the
    link left apart, and the namesakes that come with them.
    """
    rows = con.execute(
        f"""
        WITH {LABELLED_RECORDS_CTE}
        SELECT l.person_id = r.person_id AS linked, l.true_id = r.true_id AS one_person, count(*)
        FROM labelled AS l JOIN labelled AS r
          ON l.first_name = r.first_name AND l.last_name = r.last_name
         AND (l.source, l.record_id) < (r.source, r.record_id)
        WHERE {evidence_sql(table_columns(con, "records"))} = '{NAMES_ONLY}'
        GROUP BY ALL
        """
    ).fetchall()
    counts = {(bool(linked), bool(one)): int(n) for linked, one, n in rows}
    for linked, label in ((True, "linked by the last run"), (False, "left apart by the last run")):
        print(f"same first and last name, nothing else shared, {label}: "
              f"{counts.get((linked, True), 0):,} one person, {counts.get((linked, False), 0):,} namesakes")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "project", type=Path, help="an ingested project directory with truth.csv and the model"
    )
    parser.add_argument(
        "--model", default="bench", help="model whose prediction rules and comparisons to use"
    )
    args = parser.parse_args()
    config = load_config(args.project / "mpi.toml")
    store = open_store(config.store_path, read_only=True)
    con = store.con
    try:
        with store.splink_workspace():
            load_truth(con, args.project / "truth.csv")
            con.execute(
                "CREATE OR REPLACE TEMP TABLE mpi__truth_uid AS "
                "SELECT source, record_id, source || ':' || record_id AS uid, person_id FROM mpi__truth"
            )
            candidate_pairs(con, config, args.model)
            count, matches, patterns = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE is_match), count(DISTINCT pattern) FROM mpi__candidates"
            ).fetchall()[0]
            print(f"{count:,} candidate pairs, {matches:,} true, {patterns:,} comparison patterns")
            _, precision, recall, f1 = scores_at_thresholds(con, "is_match::INTEGER::DOUBLE")[0]
            print(f"blocking ceiling (every true candidate pair linked, no other): pairwise P {precision:.4f} "
                  f"R {recall:.4f} F1 {f1:.4f}")  # fmt: skip
            oracle = "avg(is_match::INTEGER) OVER (PARTITION BY pattern)"
            for name, sql in (("ceiling (true match rate of the pattern)", oracle), ("model", "model")):
                print(name)
                for threshold, precision, recall, f1 in scores_at_thresholds(con, sql):
                    print(f"  threshold {threshold}: pairwise P {precision:.4f} R {recall:.4f} F1 {f1:.4f}")
            print_namesakes(con)
    finally:
        store.close()


if __name__ == "__main__":
    main()
