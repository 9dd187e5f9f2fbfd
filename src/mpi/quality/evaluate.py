"""Evaluate the person index against ground truth: pairwise and B-cubed metrics, errors, a threshold sweep."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from mpi.clustering import CLUSTERS_TABLE, cluster_records
from mpi.config import FORMATS_BY_EXTENSION, ProjectConfig
from mpi.errors import InputError, MpiUserError
from mpi.model import load_model_file
from mpi.model.spec import ModelSpec
from mpi.pair_display import displayed_record, level_labels
from mpi.project_models import locate_model
from mpi.quality.blocking import BlockingRecall, blocking_recall
from mpi.quality.evidence import RecallByEvidence, recall_by_evidence
from mpi.quality.metrics import ClusteringEvaluation, evaluate_clustering
from mpi.reader import decoded_lines, ending_in_lf, has_mixed_line_endings
from mpi.runs import latest_run
from mpi.sqlutil import load_sql, quote_identifier, quote_literal
from mpi.store import open_store

# The sweep also clusters at the last run's own threshold, so one of its rows is the index evaluated.
SWEEP_THRESHOLDS = (0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 0.999)
TRUTH_COLUMNS = ("source", "record_id", "person_id")
# Below this share of truth rows naming an indexed record, the truth file is keyed otherwise than
# the store (other source names, another id column, ids written differently), not a deliberate
# subset of it: a subset's rows all match. Truth rows of records rejected at ingest (a few percent
# in the synthetic data) match nothing either, so "all must match" would be too strict.
MIN_TRUTH_ROWS_MATCHED = 0.5
# Unmatched truth rows named in the report and in the refusal.
TRUTH_EXAMPLES = 3


@dataclass(frozen=True, kw_only=True)
class PairExample:
    left: dict[str, Any]
    right: dict[str, Any]
    match_probability: float | None
    match_weight: float | None
    levels: dict[str, str]


@dataclass(frozen=True, kw_only=True)
class SweepRow:
    threshold: float
    precision: float
    recall: float
    f1: float
    persons: int


@dataclass(frozen=True, kw_only=True)
class TruthCoverage:
    """How the truth file's rows and the index's records meet; only records in both are scored."""

    truth_rows: int
    truth_rows_matched: int
    unmatched_examples: tuple[str, ...]  # SOURCE:RECORD_ID of truth rows that match no indexed record
    unknown_sources: tuple[str, ...]  # sources the truth file names that the index does not hold
    indexed_without_truth: int
    # Unmatched rows naming an indexed record once leading zeros are set aside: ids written as numbers.
    unmatched_but_for_leading_zeros: int = 0

    @property
    def truth_rows_unmatched(self) -> int:
        return self.truth_rows - self.truth_rows_matched


@dataclass(frozen=True, kw_only=True)
class EvaluationReport:
    run_id: int
    model: str
    threshold: float
    metrics: ClusteringEvaluation
    false_merge_clusters: int
    false_split_persons: int
    false_positive_pairs: int
    false_negative_pairs: int
    missed_pairs_not_kept: int
    false_merges: tuple[PairExample, ...]
    false_splits: tuple[PairExample, ...]
    sweep: tuple[SweepRow, ...]
    coverage: TruthCoverage
    blocking: BlockingRecall | None = None
    evidence: RecallByEvidence | None = None


def load_truth(
    con: duckdb.DuckDBPyConnection,
    truth_path: Path,
    *,
    record_column: str = "record_id",
    person_column: str = "person_id",
    source_column: str = "source",
) -> None:
    """truth.csv (source, record_id, person_id) -> temp table mpi__truth, or a clear error.

    ``record_column``, ``person_column`` and ``source_column`` name the file's own columns for the
    record id, the true person (Splink's data sets: ``unique_id`` and ``cluster``, in the records
    file itself) and the source.
    """
    if not truth_path.is_file():
        raise InputError(
            f"Truth file {truth_path} does not exist. Pass --truth PATH to a CSV of {', '.join(TRUTH_COLUMNS)}."
        )
    parquet = FORMATS_BY_EXTENSION.get(truth_path.suffix.lower()) == "parquet"
    with tempfile.TemporaryDirectory(prefix="mpi-truth-") as scratch:
        readable = truth_path if parquet else _truth_csv_for_duckdb(truth_path, Path(scratch))
        _load_truth_file(con, truth_path, readable, parquet, record_column, person_column, source_column)


def _truth_csv_for_duckdb(truth_path: Path, scratch: Path) -> Path:
    """The truth CSV as DuckDB can read it: refused if empty or not UTF-8, rewritten if its line endings are mixed.

    Ingest reads agency files with mixed CR LF and LF endings (extracts appended to one another),
    and a truth file made from them has them too, where DuckDB's CSV sniffer stops.
    """
    with open(truth_path, "rb") as handle:
        if not handle.read(1 << 16).strip():
            raise InputError(
                f"Truth file {truth_path} is empty. It needs a header row with {', '.join(TRUTH_COLUMNS)} "
                "and a row per record."
            )
    if not has_mixed_line_endings(truth_path):
        return truth_path
    target = scratch / "truth.csv"
    with (
        closing(decoded_lines(truth_path, "utf-8")) as lines,
        open(target, "w", encoding="utf-8", newline="") as out,
    ):
        for line_number, line in enumerate(lines, start=1):
            if line is None:
                raise _truth_not_utf8(truth_path, line_number)
            out.write(ending_in_lf(line))
    return target


def _truth_not_utf8(truth_path: Path, line_number: int | None = None) -> InputError:
    if line_number is None:
        with closing(decoded_lines(truth_path, "utf-8")) as lines:
            line_number = next((n for n, line in enumerate(lines, start=1) if line is None), None)
    where = f" line {line_number}" if line_number else ""
    return InputError(
        f"Truth file {truth_path}{where} is not UTF-8. Save the file as UTF-8 (its record ids must be "
        "written as the store holds them)."
    )


def _load_truth_file(
    con: duckdb.DuckDBPyConnection,
    truth_path: Path,
    readable: Path,
    parquet: bool,
    record_column: str,
    person_column: str,
    source_column: str,
) -> None:
    read = "read_parquet($path)" if parquet else "read_csv($path, all_varchar = true, header = true)"

    def run(sql: str) -> list[tuple[Any, ...]]:
        try:
            return con.execute(sql, {"path": str(readable)}).fetchall()
        except duckdb.Error as exc:
            if not parquet and ("Invalid unicode" in str(exc) or "not utf-8" in str(exc).lower()):
                raise _truth_not_utf8(truth_path) from exc
            raise InputError(
                f"Truth file {truth_path} cannot be read as {'Parquet' if parquet else 'CSV'}: "
                f"{str(exc).splitlines()[0]}"
            ) from exc

    columns = [row[0] for row in run(f"DESCRIBE SELECT * FROM {read}")]
    named = {"source": source_column, "record_id": record_column, "person_id": person_column}
    if len(set(named.values())) < len(named):
        raise InputError(
            f"--source-column, --record-column and --person-column must name three different columns of "
            f"{truth_path}, not {', '.join(named.values())}."
        )
    missing = [c for c in TRUTH_COLUMNS if named[c] not in columns]
    # Ids are compared as text, as in the store.
    select = {c: f"CAST({quote_identifier(named[c])} AS VARCHAR)" for c in TRUTH_COLUMNS if c not in missing}
    if missing == ["source"]:
        # One source in the store: its name is all a source column could say (a truth file made
        # for a single file, e.g. FEBRL's or Splink's data sets, has only record id and person).
        sources = [row[0] for row in con.execute("SELECT DISTINCT source FROM records").fetchall()]
        if len(sources) == 1:
            select["source"], missing = quote_literal(str(sources[0])), []
    if missing:
        raise InputError(
            f"Truth file {truth_path} lacks column(s) {', '.join(named[c] for c in missing)}; it has "
            f"{', '.join(columns)}. It needs a header row with {', '.join(TRUTH_COLUMNS)} (source may be left "
            "out when the store holds one source), or name its own columns with --source-column, --record-column and "
            "--person-column."
        )
    run(
        "CREATE OR REPLACE TEMP TABLE mpi__truth AS SELECT "
        + ", ".join(f"{select[c]} AS {c}" for c in TRUTH_COLUMNS)
        + f" FROM {read}"
    )
    _check_truth_rows(con, truth_path, named)


def _check_truth_rows(con: duckdb.DuckDBPyConnection, truth_path: Path, named: dict[str, str]) -> None:
    """Blank ids or persons and records listed twice, named by the file's own columns (the metrics'
    own check would name the temporary table, which the user never sees)."""
    blank_ids, blank_persons = con.execute(
        "SELECT count(*) FILTER (WHERE source IS NULL OR record_id IS NULL), count(*) FILTER (WHERE person_id IS NULL) "
        "FROM mpi__truth"
    ).fetchall()[0]
    twice = con.execute(
        "SELECT source || ':' || record_id FROM mpi__truth WHERE record_id IS NOT NULL "
        "GROUP BY source, record_id HAVING count(*) > 1 ORDER BY 1 LIMIT 3"
    ).fetchall()
    problems = []
    if blank_ids:
        problems.append(f"{blank_ids:,} row(s) have no {named['record_id']} (or no source)")
    if blank_persons:
        problems.append(f"{blank_persons:,} row(s) have no {named['person_id']}")
    if twice:
        problems.append(
            f"records are listed more than once (e.g. {', '.join(row[0] for row in twice)}), and each belongs "
            "to exactly one true person"
        )
    if problems:
        raise InputError(
            f"Truth file {truth_path}: {'; '.join(problems)}. Fix those rows: one row per record, with its "
            f"{named['record_id']} and its {named['person_id']}."
        )


def truth_coverage(con: duckdb.DuckDBPyConnection) -> TruthCoverage:
    """Count mpi__truth rows with and without a person_index record, and index records without truth."""
    unmatched = "FROM mpi__truth AS t ANTI JOIN person_index AS i USING (source, record_id)"
    truth_rows, unmatched_rows, without_truth = con.execute(
        f"SELECT (SELECT count(*) FROM mpi__truth), (SELECT count(*) {unmatched}), "
        "(SELECT count(*) FROM person_index AS i ANTI JOIN mpi__truth AS t USING (source, record_id))"
    ).fetchall()[0]
    examples = con.execute(
        f"SELECT t.source, t.record_id {unmatched} ORDER BY t.source, t.record_id LIMIT ?", [TRUTH_EXAMPLES]
    ).fetchall()
    unknown = con.execute(
        "SELECT DISTINCT source FROM mpi__truth WHERE source NOT IN (SELECT source FROM person_index) ORDER BY 1"
    ).fetchall()
    zeros = (
        con.execute(
            f"SELECT count(*) FROM (SELECT t.source, t.record_id {unmatched}) AS t "
            "SEMI JOIN person_index AS i ON i.source = t.source AND i.record_id <> t.record_id "
            "AND i.record_id LIKE '0%' AND ltrim(i.record_id, '0') = ltrim(t.record_id, '0')"
        ).fetchall()[0][0]
        if unmatched_rows
        else 0
    )
    return TruthCoverage(
        truth_rows=int(truth_rows),
        truth_rows_matched=int(truth_rows) - int(unmatched_rows),
        unmatched_examples=tuple(f"{source}:{record_id}" for source, record_id in examples),
        unknown_sources=tuple(str(row[0]) for row in unknown),
        indexed_without_truth=int(without_truth),
        unmatched_but_for_leading_zeros=int(zeros),
    )


def leading_zeros_hint(coverage: TruthCoverage) -> str:
    """Why truth rows that name indexed records but for leading zeros miss them, or ""."""
    if not coverage.unmatched_but_for_leading_zeros:
        return ""
    return (
        f"{coverage.unmatched_but_for_leading_zeros:,} of the truth rows that match none would match an indexed "
        "record but for leading zeros (7 for 007): the truth file's record ids were written as numbers. Write "
        "them as text, as the agencies' files have them."
    )


def check_truth_coverage(
    con: duckdb.DuckDBPyConnection, coverage: TruthCoverage, truth_path: Path, *, record_column: str
) -> None:
    """Refuse a truth file most of whose rows name no indexed record, with the likely reason."""
    if not coverage.truth_rows:
        raise InputError(f"Truth file {truth_path} has no rows: there is nothing to evaluate against.")
    if coverage.truth_rows_matched >= MIN_TRUTH_ROWS_MATCHED * coverage.truth_rows:
        return
    indexed = con.execute(
        "SELECT source, min(record_id) FROM person_index GROUP BY source ORDER BY source"
    ).fetchall()
    index_sources = ", ".join(f'"{source}"' for source, _ in indexed)
    if coverage.unknown_sources:
        named = coverage.unknown_sources[:TRUTH_EXAMPLES]
        more = len(coverage.unknown_sources) - len(named)
        unknown = ", ".join(f'"{source}"' for source in named) + (f" and {more:,} more" if more else "")
        hint = (
            f"It names source(s) {unknown} that the index does not hold (it holds "
            f"{index_sources}): write the source names of mpi.toml in its source column."
        )
    else:
        looks_like = ", ".join(f"{source}:{record_id}" for source, record_id in indexed[:TRUTH_EXAMPLES])
        hint = (
            f"Its record ids are not the index's (e.g. {looks_like}): if its record id column is not "
            f'"{record_column}", name it with --record-column; the ids must be the agencies\' own, as in their files.'
        )
    examples = f" (e.g. {', '.join(coverage.unmatched_examples)})" if coverage.unmatched_examples else ""
    raise InputError(
        f"Truth file {truth_path}: only {coverage.truth_rows_matched:,} of its {coverage.truth_rows:,} rows "
        f"name an indexed record; {coverage.truth_rows_unmatched:,} match none{examples}. "
        f"{leading_zeros_hint(coverage) or hint}"
    )


def _examples(
    con: duckdb.DuckDBPyConnection, where: str, spec: ModelSpec, limit: int
) -> tuple[PairExample, ...]:
    labels = level_labels(spec)
    gamma_columns = [f"gamma_{c.name}" for c in spec.comparisons]
    present = {row[0] for row in con.execute("DESCRIBE pairs").fetchall()}
    gammas = [g for g in gamma_columns if g in present]
    select_gammas = "".join(f", p.{quote_identifier(g)}" for g in gammas)
    rows = con.execute(
        f"SELECT p.source_l, p.record_id_l, p.source_r, p.record_id_r, p.match_probability, p.match_weight{select_gammas} "
        f"FROM pairs AS p {where} ORDER BY p.match_probability DESC, p.source_l, p.record_id_l, p.source_r, p.record_id_r LIMIT ?",
        [limit],
    ).fetchall()
    examples = []
    for row in rows:
        sides = [
            displayed_record(con, source, record_id) or {}
            for source, record_id in ((row[0], row[1]), (row[2], row[3]))
        ]
        levels = {
            g.removeprefix("gamma_"): labels[g.removeprefix("gamma_")].get(int(value), str(value))
            for g, value in zip(gammas, row[6:], strict=True)
            if value is not None
        }
        examples.append(
            PairExample(
                left=sides[0], right=sides[1], match_probability=row[4], match_weight=row[5], levels=levels
            )
        )
    return tuple(examples)


def _sweep(
    con: duckdb.DuckDBPyConnection, thresholds: tuple[float, ...], one_record_per_person: tuple[str, ...]
) -> tuple[SweepRow, ...]:
    """Re-cluster the kept pairs at each threshold as `mpi link --threshold` would, and score each."""
    # The kept pairs are what the last link kept: the clustering's input under its own name.
    con.execute("CREATE OR REPLACE TEMP VIEW mpi__pairs_next AS SELECT * FROM pairs")
    rows = []
    try:
        for threshold in thresholds:
            cluster_records(con, threshold=threshold, one_record_per_person=one_record_per_person)
            con.execute(
                "CREATE OR REPLACE TEMP VIEW mpi__sweep_clusters AS "
                f"SELECT source, record_id, cluster_id AS person_id FROM {CLUSTERS_TABLE}"
            )
            result = evaluate_clustering(con, "mpi__sweep_clusters", "mpi__truth")
            rows.append(
                SweepRow(
                    threshold=threshold,
                    precision=result.pairwise.precision,
                    recall=result.pairwise.recall,
                    f1=result.pairwise.f1,
                    persons=result.clusters.predicted_clusters,
                )
            )
    finally:
        con.execute("DROP VIEW IF EXISTS mpi__sweep_clusters")
        con.execute("DROP VIEW IF EXISTS mpi__pairs_next")
    return tuple(rows)


def evaluate_against_truth(
    config: ProjectConfig,
    truth_path: Path,
    *,
    examples: int = 5,
    sweep: bool = True,
    progress: Callable[[str], None] | None = None,
    record_column: str = "record_id",
    person_column: str = "person_id",
    source_column: str = "source",
) -> EvaluationReport:
    """Compare person_index with truth (source, record_id, person_id); read-only on the store."""
    report = progress or (lambda _message: None)
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        con = store.con
        # The index is the latest run's that was not undone: `mpi runs undo` restores the one before.
        run = latest_run(con)
        if run is None:
            undone = con.execute("SELECT count(*) FROM runs").fetchall()[0][0]
            why = " (every link run on it was undone)" if undone else ""
            raise MpiUserError(
                f'The store {config.store_path} has no link run to evaluate{why}. Run "mpi link" first.'
            )
        run_id, model_name, threshold = run.run_id, run.model, run.threshold
        spec = load_model_file(locate_model(config, str(model_name)).path).spec
        load_truth(
            con,
            truth_path,
            record_column=record_column,
            person_column=person_column,
            source_column=source_column,
        )
        coverage = truth_coverage(con)
        check_truth_coverage(con, coverage, truth_path, record_column=record_column)
        metrics = evaluate_clustering(con, "person_index", "mpi__truth")
        counts = con.execute(load_sql("quality/error_counts")).fetchall()[0]
        evidence = recall_by_evidence(con)
        same_person = (
            "JOIN mpi__truth AS tl ON tl.source = p.source_l AND tl.record_id = p.record_id_l "
            "JOIN mpi__truth AS tr ON tr.source = p.source_r AND tr.record_id = p.record_id_r "
            "JOIN person_index AS il ON il.source = p.source_l AND il.record_id = p.record_id_l "
            "JOIN person_index AS ir ON ir.source = p.source_r AND ir.record_id = p.record_id_r "
        )
        merges = _examples(
            con,
            same_person + "WHERE il.person_id = ir.person_id AND tl.person_id <> tr.person_id",
            spec,
            examples,
        )
        splits = _examples(
            con,
            same_person + "WHERE il.person_id <> ir.person_id AND tl.person_id = tr.person_id",
            spec,
            examples,
        )
        report("blocking recall: which true pairs the model's rules compare")
        with store.splink_workspace():
            blocking = blocking_recall(con, spec, "mpi__truth")
        sweep_rows: tuple[SweepRow, ...] = ()
        if sweep:
            report("threshold sweep: re-clustering the kept pairs")
            with store.splink_workspace():
                sweep_rows = _sweep(
                    con,
                    tuple(sorted({*SWEEP_THRESHOLDS, float(threshold)})),
                    config.one_record_per_person_sources,
                )
    finally:
        store.close()
    return EvaluationReport(
        run_id=int(run_id),
        model=str(model_name),
        threshold=float(threshold),
        metrics=metrics,
        false_merge_clusters=int(counts[0]),
        false_split_persons=int(counts[1]),
        false_positive_pairs=metrics.pairwise.predicted_pairs - metrics.pairwise.true_positive_pairs,
        false_negative_pairs=metrics.pairwise.true_pairs - metrics.pairwise.true_positive_pairs,
        missed_pairs_not_kept=metrics.pairwise.true_pairs
        - metrics.pairwise.true_positive_pairs
        - int(counts[2]),
        false_merges=merges,
        false_splits=splits,
        sweep=sweep_rows,
        coverage=coverage,
        blocking=blocking,
        evidence=evidence,
    )
