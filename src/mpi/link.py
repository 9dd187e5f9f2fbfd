"""Link: score candidate pairs with a trained model, keep them, cluster, and update the person index.

A full link scores every blocked pair. An incremental link (the default once an index exists and
the model and threshold are unchanged) scores only what is new: new or changed records against
the rest, and among themselves, plus what a full relink would weigh that the store did not keep
(mpi.incremental_scoring). Either way every record is then clustered from the kept pairs, so an
incremental load ends where a full relink of the same data would.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb
from splink import Linker
from splink.internals.splink_dataframe import SplinkDataFrame

from mpi.clustering import ClusteringOutcome, cluster_records
from mpi.config import ProjectConfig
from mpi.errors import EXIT_INTERRUPTED, MpiUserError
from mpi.incremental_scoring import (
    rescore_kept_pairs,
    score_new_records,
    score_pairs_the_load_joined,
)
from mpi.index import IdAssignment, assign_person_ids, next_counter
from mpi.merging import KEEP_PAIRS_FROM_PROBABILITY, WEIGH_PAIRS_FROM_PROBABILITY
from mpi.model import count_comparisons, linker_for_model, load_model_file
from mpi.model.columns import absent_shared_ids, check_model_fits_table
from mpi.model.crowded import CROWD_NAMES, crowded_value_counts
from mpi.model.hashed import is_hashed_spec
from mpi.model.predict import (
    compute_term_frequency_tables,
    drop_splink_tables,
    predict_pairs,
)
from mpi.model.trained import TrainedModel
from mpi.privacy.hub import check_store_kind
from mpi.project_models import DEFAULT_MODEL, ModelLocation, locate_model
from mpi.record_lookup import overrides_on_missing_records
from mpi.runs import latest_run
from mpi.schema import SHARED_ID_PREFIX
from mpi.shipped_fit import (
    LINK_FIT_MIN_RECORDS,
    REFIT_AFTER_CHANGED_SHARE,
    EarlierFit,
    earlier_fit,
    fit_to_store,
)
from mpi.sqlutil import count_rows, quote_identifier, run_sql_file
from mpi.store import Store, open_store, table_in_store
from mpi.version import mpi_version

# A model's prior rises at most this many times for a load smaller than its training data.
# The shipped model (39k records), pairwise F1 unscaled -> scaled up to 10x: FEBRL3 0.9896 ->
# 0.9931, FEBRL4 0.9932 -> 0.9946, both without dob and SSN 0.656 -> 0.798 and 0.765 -> 0.831,
# synth 10k 0.9503 -> 0.9500.
MAX_PRIOR_SCALE_UP = 10.0
# Counting comparisons rule by rule costs a pass per rule; above this many records it is estimated
# from a sample of records instead.
EXACT_COUNT_MAX_RECORDS = 200_000

Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class LinkResult:
    run_id: int
    kind: str  # full | incremental
    reason: str  # why this kind
    model: str
    model_path: str
    threshold: float
    records: int
    records_new: int
    records_removed: int
    comparisons: int
    comparisons_estimated: bool
    pairs_kept: int
    pairs_matched: int
    clustering: ClusteringOutcome
    ids: IdAssignment
    seconds_predict: float
    seconds_cluster: float
    seconds_total: float
    model_fitted: bool  # a shipped model was fitted to these records before scoring (see _score)
    model_shipped: bool = False  # the model is one shipped with mpi, not the project's own
    # The earlier run's fit of the shipped model this run scored with, kept while few records changed.
    fit_kept: EarlierFit | None = None
    # Overrides naming a record the store no longer holds (a reload removed it): kept, and applied
    # again if the record returns, but they did nothing in this run.
    overrides_on_missing_records: int


@dataclass(frozen=True, kw_only=True)
class _Scored:
    comparisons: int
    estimated: bool
    seconds: float
    all_pairs_scored: bool  # mpi__scored_pairs holds every pair to keep (kept pairs were rescored)
    model_fitted: bool  # a shipped model's parameters were fitted to these records


def _choose_kind(
    con: duckdb.DuckDBPyConnection, location: ModelLocation, threshold: float, full: bool
) -> tuple[str, str]:
    if full:
        return "full", "--full was given"
    last = latest_run(con)
    if last is None:
        return "full", "first run"
    if last.model_sha256 != location.sha256():
        return "full", f"the model differs from the last run's ({last.model})"
    if last.threshold != threshold:
        return "full", f"the threshold differs from the last run's ({last.threshold})"
    if not table_in_store(con, "pairs"):
        return "full", "no kept pairs"
    return "incremental", "same model and threshold as the last run"


class RunSavedThenInterrupted(MpiUserError):
    """Ctrl-C after the run's transaction committed (clean-up, the checkpoint on close): the run is kept."""

    exit_code = EXIT_INTERRUPTED

    def __init__(self, run_id: int) -> None:
        super().__init__(
            f"Interrupted after run {run_id} was saved: the person index is run {run_id}'s (mpi runs lists it; "
            f"mpi runs undo {run_id} takes it back)."
        )


def link_records(
    config: ProjectConfig,
    *,
    model_name: str = DEFAULT_MODEL,
    threshold: float | None = None,
    full: bool = False,
    fit_shipped: bool = True,
    refit: bool = False,
    progress: Progress | None = None,
    after_scoring: Callable[[], None] | None = None,
) -> LinkResult:
    """Link the store's records; person ids follow the inheritance rule (index.py).

    ``fit_shipped`` False links with a shipped model's parameters as shipped, not fitted to the records.
    ``refit`` fits a shipped model again even when an incremental link could keep the last fit
    (mpi.shipped_fit: REFIT_AFTER_CHANGED_SHARE).
    ``after_scoring`` is called between scoring and writing (tests use it to inject a failure).
    Interrupted after its run was committed, it raises RunSavedThenInterrupted: the run is kept.
    """
    saved: list[int] = []
    try:
        return _link_records(
            config,
            model_name=model_name,
            threshold=threshold,
            full=full,
            fit_shipped=fit_shipped,
            refit=refit,
            progress=progress,
            after_scoring=after_scoring,
            saved=saved,
        )
    except (KeyboardInterrupt, duckdb.InterruptException):
        if not saved:
            raise  # nothing was committed: the store is as it was
        raise RunSavedThenInterrupted(saved[0]) from None


def _link_records(
    config: ProjectConfig,
    *,
    model_name: str,
    threshold: float | None,
    full: bool,
    fit_shipped: bool,
    refit: bool,
    progress: Progress | None,
    after_scoring: Callable[[], None] | None,
    saved: list[int],
) -> LinkResult:
    report = progress or (lambda _message: None)
    started = time.perf_counter()
    started_at = datetime.now()
    location = locate_model(config, model_name)
    model = load_model_file(location.path)
    _check_model_kind(config, model, location)
    if threshold is None:
        threshold = location.threshold()
    if not 0.0 < threshold < 1.0:
        raise MpiUserError(f"--threshold must be a match probability between 0 and 1, not {threshold}.")
    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        con = store.con
        check_store_kind(con, config)
        records = int(con.execute("SELECT count(*) FROM records").fetchall()[0][0])
        if records == 1:
            raise MpiUserError(
                f"The store {config.store_path} holds one record: linking needs two or more. "
                'Ingest more sources ("mpi ingest"), then link.'
            )
        if records == 0:
            raise MpiUserError(
                f'The store {config.store_path} has no records to link. Run "mpi ingest" first.'
            )
        check_model_fits_table(con, model.spec, "records", model_name=model_name)
        # The shipped model compares the synthetic agencies' SASID: most projects lack it, as expected.
        absent_ids = [] if location.shipped else absent_shared_ids(con, model.spec)
        if absent_ids:
            report(
                f'model "{model_name}" compares shared id(s) {", ".join(c.removeprefix(SHARED_ID_PREFIX) for c in absent_ids)} that this project does not '
                "declare (shared_ids in mpi.toml): those comparisons count as missing on every pair"
            )
        kind, reason = _choose_kind(con, location, threshold, full)
        _mark_new_records(con, full=kind == "full")
        new, removed = con.execute(
            "SELECT (SELECT count(*) FROM mpi__new_records), (SELECT count(*) FROM mpi__removed_records)"
        ).fetchall()[0]
        report(f"{kind} link ({reason}): {records:,} records, {new:,} new or changed, {removed:,} removed")
        changed = int(new) + int(removed)
        fit, kept_fit = _fit_plan(
            con,
            location,
            fit_model=location.shipped and fit_shipped,
            refit=refit,
            kind=kind,
            records=records,
            changed=changed,
            report=report,
        )
        for flag, given in (("--as-shipped", not fit_shipped), ("--refit", refit)):
            if given and not location.shipped:
                report(
                    f"{flag} has no effect: model {location.name} is this project's own ({location.path}), "
                    "trained on its records and linked as trained."
                )
        with (
            store.splink_workspace(),
            _scoring_linker(
                con,
                model,
                records=records,
                fit=fit,
                kept_fit=kept_fit,
                report=report,
            ) as (linker, scoring_model, fitted),
        ):
            scored = _score(
                con,
                linker,
                scoring_model,
                kind=kind,
                records=records,
                changed=changed,
                model_fitted=fitted,
                report=report,
            )
            t0 = time.perf_counter()
            _update_pairs_table_input(con, all_pairs_scored=scored.all_pairs_scored)
            apart_sources = config.one_record_per_person_sources
            clustering = cluster_records(con, threshold=threshold, one_record_per_person=apart_sources)
            if kind == "incremental" and scored.all_pairs_scored:
                reclustered = _recluster_with_pairs_the_load_joined(
                    con,
                    linker,
                    scoring_model,
                    threshold=threshold,
                    one_record_per_person=apart_sources,
                    report=report,
                )
                clustering = reclustered or clustering
            run_sql_file(con, "index/kept_pairs", {"keep_from": KEEP_PAIRS_FROM_PROBABILITY})
            seconds_cluster = time.perf_counter() - t0
        if after_scoring is not None:
            after_scoring()
        with store.transaction():
            run_id = next_counter(con, "run_id")
            _snapshot_before_run(store, run_id)
            _write_pairs(con, run_id)
            if scored.all_pairs_scored:
                fitted_by_run = run_id if fitted else (kept_fit.run_id if kept_fit else None)
                con.execute(
                    "INSERT INTO run_models (run_id, model_json, fitted_by_run) VALUES (?, ?, ?)",
                    [run_id, json.dumps(scoring_model.to_dict()), fitted_by_run],
                )
            ids = assign_person_ids(con, run_id=run_id)
            run_sql_file(con, "index/record_history", {"run_id": run_id, "full": kind == "full"})
            con.execute(
                "UPDATE overrides SET first_applied_run = ? WHERE first_applied_run IS NULL", [run_id]
            )
            con.execute(
                "UPDATE overrides_removed SET removal_applied_run = ? WHERE removal_applied_run IS NULL",
                [run_id],
            )
            kept, matched = con.execute(
                "SELECT count(*), count(*) FILTER (WHERE match_probability >= ?) FROM pairs", [threshold]
            ).fetchall()[0]
            seconds_total = time.perf_counter() - started
            con.execute(
                "INSERT INTO runs (run_id, kind, model, model_sha256, threshold, records, comparisons, pairs_kept, "
                "pairs_matched, persons, ids_created, ids_retired, started_at, finished_at, seconds_predict, "
                "seconds_cluster, seconds_total, mpi_version, records_new, records_removed) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [run_id, kind, model_name, location.sha256(), threshold, records, scored.comparisons, int(kept),
                 int(matched), ids.persons, ids.ids_created, ids.ids_retired, started_at, datetime.now(),
                 scored.seconds, seconds_cluster, seconds_total, mpi_version(), int(new), int(removed)],
            )  # fmt: skip
        saved.append(run_id)
        _drop_work_tables(con)
        idle_overrides = len(overrides_on_missing_records(con))
    finally:
        store.close()
    return LinkResult(
        run_id=run_id,
        kind=kind,
        reason=reason,
        model=model_name,
        model_path=str(location.path),
        model_shipped=location.shipped,
        threshold=threshold,
        records=records,
        records_new=int(new),
        records_removed=int(removed),
        comparisons=scored.comparisons,
        comparisons_estimated=scored.estimated,
        pairs_kept=int(kept),
        pairs_matched=int(matched),
        clustering=clustering,
        ids=ids,
        seconds_predict=scored.seconds,
        seconds_cluster=seconds_cluster,
        seconds_total=seconds_total,
        model_fitted=scored.model_fitted,
        fit_kept=kept_fit,
        overrides_on_missing_records=idle_overrides,
    )


def _fit_plan(
    con: duckdb.DuckDBPyConnection,
    location: ModelLocation,
    *,
    fit_model: bool,
    refit: bool,
    kind: str,
    records: int,
    changed: int,
    report: Progress,
) -> tuple[bool, EarlierFit | None]:
    """Whether to fit the shipped model to the records, or the earlier fit to score with instead.

    ``fit_model``: the model is a shipped one, to be fitted (not --as-shipped). A full link fits; an
    incremental one that scores keeps the last run's fit while the records changed since are under
    REFIT_AFTER_CHANGED_SHARE of those it was fitted to, unless ``refit`` (which fits even when
    nothing is new, and the kept pairs are rescored with the new fit).
    """
    if not fit_model:
        return False, None
    if records < LINK_FIT_MIN_RECORDS:
        report(
            f"model as shipped: {records:,} records are too few to fit it to (fitted from {LINK_FIT_MIN_RECORDS:,})"
        )
        return False, None
    if kind == "full":
        return True, None
    if refit:
        report("fitting the model again: --refit was given")
        return True, None
    if changed == 0:
        return False, None
    earlier = earlier_fit(con, model_sha256=location.sha256(), changed_now=changed)
    if earlier is None:
        report(
            "fitting the model to these records: the last run that scored used no fit of it to keep "
            "(it linked as shipped, or with an mpi that kept no record of its fit)"
        )
        return True, None
    if not earlier.still_fits:
        report(
            f"fitting the model again: {earlier.changed_since:,} records new, changed or removed since run "
            f"{earlier.run_id} fitted it to {earlier.records:,}, {REFIT_AFTER_CHANGED_SHARE:.0%} or more"
        )
        return True, None
    report(
        f"model as run {earlier.run_id} fitted it to {earlier.records:,} records: "
        f"{earlier.changed_since:,} new, changed or removed since, under "
        f"{REFIT_AFTER_CHANGED_SHARE:.0%} (--refit fits it again)"
    )
    return False, earlier


def _check_model_kind(config: ProjectConfig, model: TrainedModel, location: ModelLocation) -> None:
    """A hashed project links with a model over tokens and Bloom filters, a clear one with a clear model."""
    hashed_model = is_hashed_spec(model.spec)
    if config.hashed == hashed_model:
        return
    where = "shipped with mpi" if location.shipped else str(location.path)
    if config.hashed:
        raise MpiUserError(
            f'The project is hashed but model "{location.name}" ({where}) compares clear-text fields. '
            f'Train a model on the hashed records with "mpi train --name {location.name}", then link again.'
        )
    raise MpiUserError(
        f'Model "{location.name}" ({where}) compares hashed tokens, but the project\'s sources are clear text. '
        "Link with a clear-text model (e.g. --model default)."
    )


def _mark_new_records(con: duckdb.DuckDBPyConnection, *, full: bool) -> None:
    """mpi__new_records: records to score (all, on a full link); mpi__removed_records: gone from the store."""
    run_sql_file(con, "index/new_records", {"full": full})


@contextmanager
def _scoring_linker(
    con: duckdb.DuckDBPyConnection,
    model: TrainedModel,
    *,
    records: int,
    fit: bool,
    kept_fit: EarlierFit | None,
    report: Progress,
) -> Iterator[tuple[Linker, TrainedModel, bool]]:
    """The linker a run scores with, the model it scores by, and whether that model was fitted.

    ``fit``: a model trained on other people (the shipped one) is first fitted to these records
    (see ``fit_to_store``); ``kept_fit``: an earlier run's fit of it is scored with instead
    (``_fit_plan`` chooses). The prior match rate is set for this population (``_match_rate_for``).
    """
    fitted = False
    if kept_fit is not None:
        model = kept_fit.model
    elif fit:
        start_rate = _match_rate_for(model, records)
        model = fit_to_store(con, model, start_rate=start_rate, records=records, report=report)
        fitted = True
    rate = _match_rate_for(model, records)
    if rate != model.parameters.probability_two_random_records_match:
        basis = f"run {kept_fit.run_id}'s fit" if kept_fit else "model trained"
        report(
            f"prior match rate {rate:.3g} for this population "
            f"({basis} at {model.parameters.probability_two_random_records_match:.3g})"
        )
        # The model scores with this prior, and run_models keeps it so for mpi explain.
        model = replace(
            model, parameters=replace(model.parameters, probability_two_random_records_match=rate)
        )
    linker = linker_for_model(con, model)
    for column, values, holders in crowded_value_counts(con):
        report(
            f"{column}: {values:,} value(s) on {holders:,} records of {CROWD_NAMES}+ first names and surnames "
            "(an office's, a shelter's or a placeholder) read as missing"
        )
    try:
        yield linker, model, fitted
    finally:
        drop_splink_tables(linker)


def _score(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    model: TrainedModel,
    *,
    kind: str,
    records: int,
    changed: int,
    model_fitted: bool,
    report: Progress,
) -> _Scored:
    """Score pairs into the temp table mpi__scored_pairs (keys, weight, probability, comparison levels).

    An incremental run with new, changed or removed records scores those against the rest and
    among themselves, and rescores the pairs kept from earlier runs: term frequencies and the
    prior follow the records in the store, so a kept pair's old score is not what a full relink
    would give it. It then holds every pair to keep, as a full run does, but for the weak pairs
    between earlier persons the load joins (``_recluster_with_pairs_the_load_joined``).
    """
    if kind == "full":
        sample = 1.0 if records <= EXACT_COUNT_MAX_RECORDS else EXACT_COUNT_MAX_RECORDS / records
        counts = count_comparisons(linker, model.spec, record_sample_proportion=sample)
        estimate = " (estimated from a sample)" if counts.is_estimate else ""
        report(f"scoring {counts.total:,} candidate pairs{estimate}")
        t0 = time.perf_counter()
        frames = [predict_pairs(linker, threshold_match_probability=WEIGH_PAIRS_FROM_PROBABILITY)]
        comparisons, estimated = counts.total, counts.is_estimate
    elif changed == 0 and not model_fitted:
        t0 = time.perf_counter()
        frames, comparisons, estimated = [], 0, False
    else:
        t0 = time.perf_counter()
        # Term frequencies come from every record, as a full link would compute them.
        compute_term_frequency_tables(linker, model.spec)
        # Nothing new but a new fit (--refit): the kept pairs alone are rescored with it.
        frames = score_new_records(con, linker, model) if changed else []
        # Counted before the rescored pairs join them: the pairs this load made.
        comparisons, estimated = sum(count_rows(con, frame.physical_name) for frame in frames), True
        rescored = rescore_kept_pairs(con, linker, model, report)
        frames.extend([rescored] if rescored is not None else [])
    seconds = time.perf_counter() - t0
    _collect_scored_pairs(con, frames)
    report(f"scored in {seconds:.1f}s")
    return _Scored(
        comparisons=comparisons,
        estimated=estimated,
        seconds=seconds,
        all_pairs_scored=bool(frames),
        model_fitted=model_fitted,
    )


def _recluster_with_pairs_the_load_joined(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    model: TrainedModel,
    *,
    threshold: float,
    one_record_per_person: tuple[str, ...],
    report: Progress,
) -> ClusteringOutcome | None:
    """Score the weak pairs between earlier persons this load brought into one component, and cluster again.

    None when there were none to add (see ``score_pairs_the_load_joined``).
    """
    t0 = time.perf_counter()
    joined = score_pairs_the_load_joined(con, linker, model, report)
    if joined is None:
        return None
    added = _add_pairs_to_keep(con, joined)
    report(
        f"scored {added:,} more pairs between earlier persons this load brought into one component "
        f"in {time.perf_counter() - t0:.1f}s"
    )
    if not added:
        return None
    return cluster_records(con, threshold=threshold, one_record_per_person=one_record_per_person)


def _match_rate_for(model: TrainedModel, records: int) -> float:
    """The model's prior match rate carried to a population of ``records`` records.

    The chance that two random records match falls as a population grows: a person's records
    are among ever more pairs. A model trained on 39k records linked 2M with a prior 50 times
    too high and merged thousands of namesakes. So the trained rate is scaled by the pairs at
    training over the pairs here (on the synthetic data this equals the rate the deterministic
    rules measure, and unlike that it does not collapse when a file lacks dob or SSN). In a
    smaller load it rises by the same rule, at most MAX_PRIOR_SCALE_UP times: the shipped model
    (39k records) on FEBRL3 (5k) needs 7.8 times, the rate FEBRL3's truth gives, but a load of
    17 golden records would be scaled 2,300 times and merge twins.
    """
    trained_rate = model.parameters.probability_two_random_records_match
    trained_on = model.stats.record_count if model.stats else 0
    if trained_on < 2 or records < 2 or records == trained_on:
        return trained_rate
    factor = min(MAX_PRIOR_SCALE_UP, (trained_on - 1) / (records - 1))
    rate = trained_rate * factor
    if factor > 1:
        # A prior above even odds would link on no evidence at all.
        rate = max(trained_rate, min(rate, 0.5))
    return rate


def _scored_pairs_select(frame: SplinkDataFrame) -> str:
    return (
        "SELECT source_dataset_l AS source_l, record_id_l, source_dataset_r AS source_r, record_id_r, "
        f"match_weight, match_probability, COLUMNS('^gamma_') FROM {quote_identifier(frame.physical_name)}"
    )


def _collect_scored_pairs(con: duckdb.DuckDBPyConnection, frames: list[SplinkDataFrame]) -> None:
    selects = [_scored_pairs_select(frame) for frame in frames]
    if selects:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE mpi__scored_pairs AS " + " UNION ALL BY NAME ".join(selects)
        )
    else:
        con.execute(
            "CREATE OR REPLACE TEMP TABLE mpi__scored_pairs AS SELECT * EXCLUDE (run_id) FROM pairs LIMIT 0"
        )


def _add_pairs_to_keep(con: duckdb.DuckDBPyConnection, frame: SplinkDataFrame) -> int:
    """Add to mpi__pairs_next the pairs of ``frame`` it lacks (either way round); return how many."""
    inserted = con.execute(
        "INSERT INTO mpi__pairs_next BY NAME SELECT n.* FROM (" + _scored_pairs_select(frame) + ") AS n "
        "ANTI JOIN mpi__pairs_next AS s ON s.source_l = n.source_l AND s.record_id_l = n.record_id_l "
        "AND s.source_r = n.source_r AND s.record_id_r = n.record_id_r "
        "ANTI JOIN mpi__pairs_next AS t ON t.source_l = n.source_r AND t.record_id_l = n.record_id_r "
        "AND t.source_r = n.source_l AND t.record_id_r = n.record_id_l"
    ).fetchall()
    return int(inserted[0][0])


def _update_pairs_table_input(con: duckdb.DuckDBPyConnection, *, all_pairs_scored: bool) -> None:
    """mpi__pairs_next: the pairs the index will keep after this run.

    This run's scores when it scored (or rescored) every pair; otherwise (an incremental run
    with nothing new, changed or removed) the pairs kept so far, unchanged.
    """
    if all_pairs_scored:
        # Written with this run's id (see _write_pairs).
        con.execute(
            "CREATE OR REPLACE TEMP TABLE mpi__pairs_next AS SELECT NULL::INTEGER AS run_id, * FROM mpi__scored_pairs"
        )
        return
    con.execute("CREATE OR REPLACE TEMP TABLE mpi__pairs_next AS SELECT * FROM pairs")


def _snapshot_before_run(store: Store, run_id: int) -> None:
    """Keep the index and pairs as they were, so the latest run can be undone."""
    con = store.con
    con.execute("INSERT OR REPLACE INTO mpi_counters VALUES ('undoable_run', ?)", [run_id])
    con.execute("DELETE FROM person_index_before_run")
    con.execute("INSERT INTO person_index_before_run SELECT ?, * FROM person_index", [run_id])
    con.execute("DROP TABLE IF EXISTS pairs_before_run")
    if table_in_store(con, "pairs"):
        con.execute("ALTER TABLE pairs RENAME TO pairs_before_run")


def _write_pairs(con: duckdb.DuckDBPyConnection, run_id: int) -> None:
    con.execute("DROP TABLE IF EXISTS pairs")
    con.execute(
        "CREATE TABLE pairs AS SELECT coalesce(run_id, $run_id) AS run_id, * EXCLUDE (run_id) FROM mpi__pairs_next",
        {"run_id": run_id},
    )


def _drop_work_tables(con: duckdb.DuckDBPyConnection) -> None:
    for table in ("mpi__scored_pairs", "mpi__pairs_next", "mpi__clusters", "mpi__votes", "mpi__id_home",
                  "mpi__inherited", "mpi__cluster_ids", "mpi__index_changes", "mpi__retired",
                  "mpi__graph_nodes", "mpi__graph_edges", "mpi__graph_evidence", "mpi__forced_links", "mpi__apart",
                  "mpi__new_records", "mpi__removed_records", "mpi__stale_records", "mpi__kept_pair_keys",
                  "mpi__joined_records"):  # fmt: skip
        con.execute(f"DROP TABLE IF EXISTS temp.{table}")
