"""Pairwise, B-cubed and cluster-count accuracy of a clustering, from contingency counts in SQL.

Both inputs are tables (or views) with one row per record: a source, a record id
and a cluster label. The predicted table's label is the engine's cluster
(``person_id`` or ``cluster_id``); the truth table's label is the true person.

Nothing here enumerates record pairs. Every metric is a sum over the cells of
the contingency table (predicted cluster x true person -> record count), so the
cost is one join and a few GROUP BYs, whatever the cluster sizes.

Records in only one table: metrics are computed on the records present in both
tables (matched on source and record id, compared as text). The number of
records found only in the predicted table and only in the truth table is
reported alongside every result, so a run that dropped or invented records
cannot pass unnoticed. Cluster sizes are counted within that intersection.

Empty denominators: precision is 1.0 when no pairs (or clusters) are predicted
-- nothing claimed, nothing wrong -- and recall is 1.0 when the truth has no
pairs; F1 is 0.0 when precision and recall are both 0. An empty intersection is
an error, because no metric means anything then.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import duckdb

from mpi.errors import MpiUserError
from mpi.sqlutil import quote_identifier


class EvaluationInputError(MpiUserError):
    """The predicted or truth table cannot be evaluated as given."""


@dataclass(frozen=True, kw_only=True)
class Coverage:
    """How the two tables' records line up; every metric uses only the shared ones."""

    records_evaluated: int
    records_only_predicted: int
    records_only_truth: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True, kw_only=True)
class PairwiseMetrics:
    """Precision and recall over the set of record pairs put in the same cluster."""

    coverage: Coverage
    true_positive_pairs: int
    predicted_pairs: int
    true_pairs: int
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, int | float]:
        """Flat dict (coverage counts first), ready for JSON or a report table."""
        row: dict[str, int | float] = dict(self.coverage.as_dict())
        row.update(
            true_positive_pairs=self.true_positive_pairs,
            predicted_pairs=self.predicted_pairs,
            true_pairs=self.true_pairs,
            precision=self.precision,
            recall=self.recall,
            f1=self.f1,
        )
        return row


@dataclass(frozen=True, kw_only=True)
class BCubedMetrics:
    """Per-record precision and recall of its cluster, averaged over records."""

    coverage: Coverage
    precision: float
    recall: float
    f1: float

    def as_dict(self) -> dict[str, int | float]:
        row: dict[str, int | float] = dict(self.coverage.as_dict())
        row.update(precision=self.precision, recall=self.recall, f1=self.f1)
        return row


@dataclass(frozen=True, kw_only=True)
class ClusterCounts:
    """Cluster-level counts: how many clusters, and how many are exactly right."""

    coverage: Coverage
    predicted_clusters: int
    true_persons: int
    # A predicted cluster whose records are exactly one true person's records.
    exact_match_clusters: int

    def as_dict(self) -> dict[str, int]:
        row = dict(self.coverage.as_dict())
        row.update(
            predicted_clusters=self.predicted_clusters,
            true_persons=self.true_persons,
            exact_match_clusters=self.exact_match_clusters,
        )
        return row


@dataclass(frozen=True, kw_only=True)
class ClusteringEvaluation:
    """All accuracy measures of one clustering against one truth."""

    pairwise: PairwiseMetrics
    bcubed: BCubedMetrics
    clusters: ClusterCounts

    def as_dict(self) -> dict[str, dict[str, int | float]]:
        return {
            "pairwise": self.pairwise.as_dict(),
            "bcubed": self.bcubed.as_dict(),
            "clusters": dict(self.clusters.as_dict()),
        }


@dataclass(frozen=True, kw_only=True)
class _Columns:
    """Quoted identifiers of the two input tables and their columns."""

    predicted_table: str
    truth_table: str
    predicted_column: str
    truth_column: str
    source_column: str
    record_id_column: str


def _columns(
    predicted_table: str,
    truth_table: str,
    *,
    predicted_column: str,
    truth_column: str,
    source_column: str,
    record_id_column: str,
) -> _Columns:
    return _Columns(
        predicted_table=quote_identifier(predicted_table),
        truth_table=quote_identifier(truth_table),
        predicted_column=quote_identifier(predicted_column),
        truth_column=quote_identifier(truth_column),
        source_column=quote_identifier(source_column),
        record_id_column=quote_identifier(record_id_column),
    )


def _labelled_records_sql(table: str, label: str, cols: _Columns) -> str:
    # Keys are compared as text: one side often comes from a CSV (VARCHAR)
    # and the other from the engine (maybe BIGINT).
    return f"""
        SELECT CAST({cols.source_column} AS VARCHAR) AS source,
               CAST({cols.record_id_column} AS VARCHAR) AS record_id,
               {label} AS label
        FROM {table}"""


def _input_problems_sql(cols: _Columns, table: str, label: str) -> str:
    """SQL counting rows that make a table unusable: NULL keys or labels, repeated keys."""
    return f"""
        WITH r AS ({_labelled_records_sql(table, label, cols)})
        SELECT
            count(*) FILTER (WHERE source IS NULL OR record_id IS NULL) AS null_keys,
            count(*) FILTER (WHERE label IS NULL) AS null_labels,
            (SELECT count(*) FROM (
                SELECT source, record_id FROM r
                WHERE source IS NOT NULL AND record_id IS NOT NULL
                GROUP BY ALL HAVING count(*) > 1)) AS repeated_keys
        FROM r"""


def _contingency_sql(cols: _Columns) -> str:
    """CTEs ending in `cells` (cluster, person, n) and the coverage counts `coverage`."""
    predicted = _labelled_records_sql(cols.predicted_table, cols.predicted_column, cols)
    truth = _labelled_records_sql(cols.truth_table, cols.truth_column, cols)
    return f"""
        WITH predicted AS ({predicted}),
        truth AS ({truth}),
        joined AS (
            SELECT p.label AS cluster, t.label AS person
            FROM predicted AS p JOIN truth AS t USING (source, record_id)
        ),
        cells AS (
            SELECT cluster, person, count(*) AS n FROM joined GROUP BY cluster, person
        ),
        cluster_sizes AS (SELECT cluster, sum(n) AS n FROM cells GROUP BY cluster),
        person_sizes AS (SELECT person, sum(n) AS n FROM cells GROUP BY person),
        coverage AS (
            SELECT
                (SELECT count(*) FROM joined) AS records_evaluated,
                (SELECT count(*) FROM predicted ANTI JOIN truth USING (source, record_id))
                    AS records_only_predicted,
                (SELECT count(*) FROM truth ANTI JOIN predicted USING (source, record_id))
                    AS records_only_truth
        )"""


def _pairs_sql(table: str) -> str:
    return f"(SELECT coalesce(sum(n * (n - 1) // 2), 0) FROM {table})"


def _evaluation_sql(cols: _Columns) -> str:
    """One row: coverage counts, pair counts, B-cubed sums and cluster counts."""
    return f"""
        {_contingency_sql(cols)}
        SELECT
            coverage.*,
            {_pairs_sql("cells")} AS true_positive_pairs,
            {_pairs_sql("cluster_sizes")} AS predicted_pairs,
            {_pairs_sql("person_sizes")} AS true_pairs,
            -- B-cubed: a record in cell (c, p) has precision n_cp / n_c; the
            -- cell's n_cp records together contribute n_cp^2 / n_c.
            (SELECT coalesce(sum(cells.n * cells.n / cs.n), 0)
             FROM cells JOIN cluster_sizes AS cs USING (cluster)) AS bcubed_precision_sum,
            (SELECT coalesce(sum(cells.n * cells.n / ps.n), 0)
             FROM cells JOIN person_sizes AS ps USING (person)) AS bcubed_recall_sum,
            (SELECT count(*) FROM cluster_sizes) AS predicted_clusters,
            (SELECT count(*) FROM person_sizes) AS true_persons,
            -- Window sums, not a join of cells with both size tables: DuckDB's optimizer derives
            -- cluster size = person size from the join filter and joins the two size tables on
            -- size alone, ~1e11 rows at 1M records (it filled the disk with spill files).
            (SELECT count(*)
             FROM (SELECT n,
                          sum(n) OVER (PARTITION BY cluster) AS cluster_n,
                          sum(n) OVER (PARTITION BY person) AS person_n
                   FROM cells)
             WHERE n = cluster_n AND n = person_n) AS exact_match_clusters
        FROM coverage"""


def _fetch_row(con: duckdb.DuckDBPyConnection, sql: str) -> dict[str, object]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description or []]
    rows = cursor.fetchall()
    if not rows:
        raise RuntimeError("evaluation query returned no row")
    return dict(zip(names, rows[0], strict=True))


def _int(row: dict[str, object], key: str) -> int:
    value = row[key]
    # DuckDB returns sums of BIGINT as HUGEINT (a Python int) and counts as int.
    if not isinstance(value, int):
        raise TypeError(f"expected an integer for {key}, got {value!r}")
    return value


def _float(row: dict[str, object], key: str) -> float:
    value = row[key]
    if not isinstance(value, int | float):
        raise TypeError(f"expected a number for {key}, got {value!r}")
    return float(value)


def _check_inputs(con: duckdb.DuckDBPyConnection, cols: _Columns, raw_names: tuple[str, str]) -> None:
    problems: list[str] = []
    sides = (
        ("predicted", raw_names[0], cols.predicted_table, cols.predicted_column),
        ("truth", raw_names[1], cols.truth_table, cols.truth_column),
    )
    for side, name, table, label in sides:
        found = _fetch_row(con, _input_problems_sql(cols, table, label))
        if found["null_keys"]:
            problems.append(
                f"{side} table {name!r}: {found['null_keys']} row(s) with a NULL source or record id"
            )
        if found["null_labels"]:
            problems.append(f"{side} table {name!r}: {found['null_labels']} row(s) with a NULL cluster label")
        if found["repeated_keys"]:
            problems.append(
                f"{side} table {name!r}: {found['repeated_keys']} (source, record id) key(s) "
                "appear more than once; each record must be in exactly one cluster"
            )
    if problems:
        raise EvaluationInputError(
            "Cannot evaluate the clustering:\n" + "\n".join(f"  - {p}" for p in problems)
        )


def _ratio(numerator: float, denominator: float, *, when_empty: float) -> float:
    return numerator / denominator if denominator else when_empty


def _f1(precision: float, recall: float) -> float:
    total = precision + recall
    return 2 * precision * recall / total if total else 0.0


def evaluate_clustering(
    con: duckdb.DuckDBPyConnection,
    predicted_table: str,
    truth_table: str,
    *,
    predicted_column: str = "person_id",
    truth_column: str = "person_id",
    source_column: str = "source",
    record_id_column: str = "record_id",
) -> ClusteringEvaluation:
    """Pairwise, B-cubed and cluster counts in one pass over the contingency table.

    Both tables need `source_column` and `record_id_column`; the cluster label
    is `predicted_column` in the predicted table (e.g. "cluster_id") and
    `truth_column` in the truth table. Raises EvaluationInputError on NULL keys
    or labels, a record listed twice, or no records in common.
    """
    cols = _columns(
        predicted_table,
        truth_table,
        predicted_column=predicted_column,
        truth_column=truth_column,
        source_column=source_column,
        record_id_column=record_id_column,
    )
    _check_inputs(con, cols, (predicted_table, truth_table))
    row = _fetch_row(con, _evaluation_sql(cols))
    coverage = Coverage(
        records_evaluated=_int(row, "records_evaluated"),
        records_only_predicted=_int(row, "records_only_predicted"),
        records_only_truth=_int(row, "records_only_truth"),
    )
    if coverage.records_evaluated == 0:
        raise EvaluationInputError(
            f"Tables {predicted_table!r} and {truth_table!r} have no (source, record id) in common: "
            "check that both use the same source names and record ids."
        )
    return ClusteringEvaluation(
        pairwise=_pairwise_from_row(row, coverage),
        bcubed=_bcubed_from_row(row, coverage),
        clusters=ClusterCounts(
            coverage=coverage,
            predicted_clusters=_int(row, "predicted_clusters"),
            true_persons=_int(row, "true_persons"),
            exact_match_clusters=_int(row, "exact_match_clusters"),
        ),
    )


def _pairwise_from_row(row: dict[str, object], coverage: Coverage) -> PairwiseMetrics:
    tp = _int(row, "true_positive_pairs")
    predicted = _int(row, "predicted_pairs")
    true = _int(row, "true_pairs")
    precision = _ratio(tp, predicted, when_empty=1.0)
    recall = _ratio(tp, true, when_empty=1.0)
    return PairwiseMetrics(
        coverage=coverage,
        true_positive_pairs=tp,
        predicted_pairs=predicted,
        true_pairs=true,
        precision=precision,
        recall=recall,
        f1=_f1(precision, recall),
    )


def _bcubed_from_row(row: dict[str, object], coverage: Coverage) -> BCubedMetrics:
    n = coverage.records_evaluated
    precision = _float(row, "bcubed_precision_sum") / n
    recall = _float(row, "bcubed_recall_sum") / n
    return BCubedMetrics(coverage=coverage, precision=precision, recall=recall, f1=_f1(precision, recall))
