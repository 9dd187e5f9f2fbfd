"""Fitting a shipped model to the store's records before a link scores with it, and keeping that fit
while the records change little."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

import duckdb

from mpi.model import default_u_max_pairs, fit_to_records
from mpi.model.trained import TrainedModel
from mpi.store import table_in_store

# Random pairs a link samples at most to fit a shipped model's u to the records; below that, as many
# as training samples (`default_u_max_pairs`: 100 per record, at least 1e6). 1e7 for every store
# took 55 of a 57 s link on FEBRL3's 5,000 records and bought no accuracy: the fit moves with the
# sample's seed as much as with its size. Pairwise F1 over seeds, 1e7 against training's count:
# FEBRL3 without dob/SSN 0.959-0.965 (3 seeds) against 0.953-0.971 (6 seeds, mean 0.967), FEBRL4
# without them 0.969-0.976 against 0.971-0.974, pseudopeople x3 0.9777-0.9779 against 0.9773-0.9779
# (3.6e6 pairs), each 2 to 6 times faster. 1e8, training's ceiling at 1M persons, would add
# minutes to every link.
LINK_U_MAX_PAIRS = 1e7
# Below this many records the pairs are too few to say anything about rare levels (the golden
# case's 17 records made twins look common): the shipped parameters stay. Above it fitting pays
# even on small files, whose agencies keyed them unlike the synthetic data: samples of 40 and 100
# persons (80 to 417 records, two seeds each) of FEBRL3 and FEBRL4 without dob/SSN and Splink's
# fake_1000 scored pairwise F1 0.59-0.86 as shipped, 0.90-0.99 fitted; synth samples equal or better.
LINK_FIT_MIN_RECORDS = 100
# Seed of the fit's samples: the same records give the same parameters, so relinking them changes nothing.
LINK_FIT_SEED = 1
# An incremental link scores with the last fit until the records new, changed or removed since it
# reach this share of the records it was fitted to; then it fits again. A fit samples u from up to
# 1e7 random pairs and runs EM over the candidate pairs: 11 s of a 16 s link of 5 new records at 3,000
# persons, 157 s at 1M persons, however small the load. At 100,000 persons an 8% batch linked in 9.7 s
# with the last fit against 62.1 s fitted again, with the same pairwise F1 as a full relink
# (benchmarks/RESULTS.md, session 44). Between fits a kept pair's score moves only with the prior and
# the term frequencies, as the records do, not with a fit's sampling and EM.
REFIT_AFTER_CHANGED_SHARE = 0.1

Progress = Callable[[str], None]


@dataclass(frozen=True, kw_only=True)
class EarlierFit:
    """The fit of a shipped model that an earlier run scored with."""

    run_id: int  # the run that fitted it
    model: TrainedModel  # the model as fitted (its record count the store's then)
    records: int  # the store's records when it was fitted
    changed_since: int  # records new, changed or removed since, this run's included

    @property
    def refit_from(self) -> int:
        """How many records changed since make the next incremental link fit again."""
        return math.ceil(REFIT_AFTER_CHANGED_SHARE * self.records)

    @property
    def still_fits(self) -> bool:
        return self.changed_since < self.refit_from


def fit_to_store(
    con: duckdb.DuckDBPyConnection,
    model: TrainedModel,
    *,
    start_rate: float,
    records: int,
    report: Progress,
) -> TrainedModel:
    """The model with its parameters fitted to the store's records, EM starting from ``start_rate``."""
    pairs = min(LINK_U_MAX_PAIRS, default_u_max_pairs(records))
    t0 = time.perf_counter()
    fitted = fit_to_records(
        con,
        model.spec,
        replace(model.parameters, probability_two_random_records_match=start_rate),
        max_pairs=pairs,
        seed=LINK_FIT_SEED,
    )
    report(
        f"model fitted to these records in {time.perf_counter() - t0:.1f}s: u from {pairs:,.0f} random pairs, "
        f"then m and the match rate ({start_rate:.3g} -> {fitted.probability_two_random_records_match:.3g}) "
        "by EM over the candidate pairs (mpi train fits a model from scratch and chooses its threshold)"
    )
    # Its match rate is this population's now: no scaling by record counts.
    stats = replace(model.stats, record_count=records) if model.stats else None
    return replace(model, parameters=fitted, stats=stats)


def earlier_fit(con: duckdb.DuckDBPyConnection, *, model_sha256: str, changed_now: int) -> EarlierFit | None:
    """The fit the latest run that scored used, if it fitted the model file ``model_sha256``.

    Read from the row of the run that fitted it: a run that kept a fit stores the prior scaled to its
    own records beside the fit's record count, which scaling again would compound.

    None when that run scored as shipped or with a project's model, when the store predates
    `run_models.fitted_by_run`, or when the run that fitted it was undone.
    """
    if not table_in_store(con, "run_models"):
        return None
    latest = con.execute(
        "SELECT m.fitted_by_run FROM run_models AS m JOIN runs AS r USING (run_id) "
        "WHERE r.undone_at IS NULL ORDER BY m.run_id DESC LIMIT 1"
    ).fetchall()
    if not latest or latest[0][0] is None:
        return None
    fit_run = int(latest[0][0])
    rows = con.execute(
        "SELECT m.model_json, r.records FROM run_models AS m JOIN runs AS r USING (run_id) "
        "WHERE m.run_id = ? AND r.undone_at IS NULL AND r.model_sha256 = ?",
        [fit_run, model_sha256],
    ).fetchall()
    if not rows:
        return None
    model_json, records = rows[0]
    # An undone run's records are new again to the run after it, which counts them itself.
    changed_before = con.execute(
        "SELECT coalesce(sum(coalesce(records_new, 0) + coalesce(records_removed, 0)), 0) FROM runs "
        "WHERE run_id > ? AND undone_at IS NULL",
        [fit_run],
    ).fetchall()[0][0]
    return EarlierFit(
        run_id=fit_run,
        model=TrainedModel.from_dict(json.loads(model_json)),
        records=int(records),
        changed_since=int(changed_before) + changed_now,
    )
