"""Link: score candidate pairs with a trained model, keep them, cluster, and update the person index."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.index import IdAssignment, assign_person_ids, next_counter
from mpi.model import ComparisonCounts, count_comparisons, linker_for_model, load_meta, load_model_file
from mpi.model.columns import check_model_fits_table
from mpi.model.predict import cluster_pairs, drop_splink_tables, predict_pairs
from mpi.project_models import DEFAULT_MODEL, locate_model
from mpi.sqlutil import quote_identifier
from mpi.store import open_store
from mpi.train import DEFAULT_MATCH_PROBABILITY
from mpi.version import mpi_version

# Pairs scored at or above this probability are kept in `pairs` for evaluation sweeps, explanations and
# clerical review, even when they fall below the link threshold.
KEEP_PAIRS_FROM_PROBABILITY = 0.01
# Counting comparisons rule by rule costs a pass per rule; above this many records it is estimated
# from a sample of records instead.
EXACT_COUNT_MAX_RECORDS = 200_000

Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class LinkResult:
    run_id: int
    model: str
    model_path: str
    threshold: float
    records: int
    comparisons: ComparisonCounts
    pairs_kept: int
    pairs_matched: int
    ids: IdAssignment
    seconds_predict: float
    seconds_cluster: float
    seconds_total: float


def link_records(
    config: ProjectConfig,
    *,
    model_name: str = DEFAULT_MODEL,
    threshold: float | None = None,
    progress: Progress | None = None,
) -> LinkResult:
    """Full link of every record in the store; person ids follow the inheritance rule (index.py)."""
    report = progress or (lambda _message: None)
    started = time.perf_counter()
    started_at = datetime.now()
    location = locate_model(config, model_name)
    model = load_model_file(location.path)
    meta = load_meta(location.directory, model_name)
    if threshold is None:
        threshold = float(
            (meta.thresholds if meta else {}).get("match_probability", DEFAULT_MATCH_PROBABILITY)
        )
    if not 0.0 < threshold < 1.0:
        raise MpiUserError(f"--threshold must be a match probability between 0 and 1, not {threshold}.")
    store = open_store(config.store_path)
    try:
        con = store.con
        records = int(con.execute("SELECT count(*) FROM records").fetchall()[0][0])
        if records < 2:
            raise MpiUserError(
                f'The store {config.store_path} has no records to link. Run "mpi ingest" first.'
            )
        check_model_fits_table(con, model.spec, "records")
        with store.splink_workspace():
            linker = linker_for_model(con, model)
            try:
                sample = 1.0 if records <= EXACT_COUNT_MAX_RECORDS else EXACT_COUNT_MAX_RECORDS / records
                counts = count_comparisons(linker, model.spec, record_sample_proportion=sample)
                estimate = " (estimated from a sample)" if counts.is_estimate else ""
                report(
                    f"model {model_name}: scoring {counts.total:,} candidate pairs{estimate} of {records:,} records"
                )
                t0 = time.perf_counter()
                scored = predict_pairs(
                    linker, threshold_match_probability=min(KEEP_PAIRS_FROM_PROBABILITY, threshold)
                )
                seconds_predict = time.perf_counter() - t0
                report(f"scored in {seconds_predict:.1f}s; clustering at match probability {threshold}")
                t0 = time.perf_counter()
                clusters = cluster_pairs(linker, scored, threshold_match_probability=threshold)
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE mpi__scored_pairs AS "
                    "SELECT source_dataset_l AS source_l, record_id_l, source_dataset_r AS source_r, record_id_r, "
                    f"match_weight, match_probability, COLUMNS('^gamma_') FROM {quote_identifier(scored.physical_name)}"
                )
                con.execute(
                    "CREATE OR REPLACE TEMP TABLE mpi__clusters AS SELECT source_dataset AS source, record_id, "
                    f"cluster_id FROM {quote_identifier(clusters.physical_name)}"
                )
                seconds_cluster = time.perf_counter() - t0
            finally:
                drop_splink_tables(linker)
        # Everything the run keeps is written here, in one transaction: all of it or none.
        with store.transaction():
            run_id = next_counter(con, "run_id")
            con.execute("DROP TABLE IF EXISTS pairs")
            con.execute(
                "CREATE TABLE pairs AS SELECT $run_id AS run_id, * FROM mpi__scored_pairs", {"run_id": run_id}
            )
            ids = assign_person_ids(con, run_id=run_id)
            kept, matched = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE match_probability >= ?) FROM pairs", [threshold]
            ).fetchall()[0]
            seconds_total = time.perf_counter() - started
            con.execute(
                "INSERT INTO runs VALUES (?, 'full', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, model_name, location.sha256(), threshold, records, counts.total, int(kept), int(matched),
                 ids.persons, ids.ids_created, ids.ids_retired, started_at, datetime.now(),
                 seconds_predict, seconds_cluster, seconds_total, mpi_version()],
            )  # fmt: skip
        for table in ("mpi__scored_pairs", "mpi__clusters", "mpi__votes", "mpi__id_home", "mpi__inherited"):
            con.execute(f"DROP TABLE IF EXISTS {table}")
    finally:
        store.close()
    return LinkResult(
        run_id=run_id,
        model=model_name,
        model_path=str(location.path),
        threshold=threshold,
        records=records,
        comparisons=counts,
        pairs_kept=int(kept),
        pairs_matched=int(matched),
        ids=ids,
        seconds_predict=seconds_predict,
        seconds_cluster=seconds_cluster,
        seconds_total=seconds_total,
    )
