"""Train a person model on the store's records and register it under the project's models/."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.model import build_person_model, save_model
from mpi.model.hashed import build_hashed_model
from mpi.model.threshold import ThresholdChoice, choose_match_threshold
from mpi.model.trained import TrainedModel
from mpi.model.training import train_model
from mpi.privacy.hub import check_store_kind
from mpi.project_models import DEFAULT_MODEL, project_models_dir
from mpi.shipped_fit import LINK_FIT_MIN_RECORDS
from mpi.store import open_store

# Below the count from which mpi link fits the shipped model to a store (measured there), a trained
# model is noise too: the m and u of its rarer levels rest on a handful of pairs and its own
# precision and recall estimates say nothing (on 19 records: a match rate of 1e-12, "expected"
# precision and recall 1.0).
TRAIN_MIN_RECORDS = LINK_FIT_MIN_RECORDS
# A model expecting fewer matching pairs than this among all pairs of its records learned what a
# match looks like from none (no person recorded twice, or EM collapsing to its floor of 1e-12).
TRAIN_MIN_EXPECTED_MATCHES = 1.0


@dataclass(frozen=True, kw_only=True)
class TrainResult:
    name: str
    path: str
    records: int
    seconds: float
    model: TrainedModel
    threshold: ThresholdChoice
    warnings: tuple[str, ...] = ()  # why the model may mean nothing (too few records, no match expected)


def train_project_model(
    config: ProjectConfig,
    *,
    name: str = DEFAULT_MODEL,
    seed: int = 42,
    overwrite: bool = True,
    progress: Callable[[str], None] | None = None,
) -> TrainResult:
    """Estimate lambda, u and m on the ingested records; the store is left unchanged."""
    report = progress or (lambda _message: None)
    started = time.perf_counter()
    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        check_store_kind(store.con, config)
        loads = store.con.execute(
            "SELECT l.source, l.sha256, l.rows_indexed FROM loads AS l "
            "JOIN (SELECT source, max(load_id) AS load_id FROM loads GROUP BY source) USING (source, load_id) "
            "ORDER BY l.source"
        ).fetchall()
        records = sum(int(n) for _, _, n in loads)
        if records < 2:
            raise MpiUserError(
                f'The store {config.store_path} has no records to train on. Run "mpi ingest" first.'
            )
        report(f"training on {records:,} records from {len(loads)} source(s)")
        # A hashed project holds tokens and Bloom filters, not clear text: it needs the hashed template.
        template = build_hashed_model if config.hashed else build_person_model
        with store.splink_workspace() as con:
            model = train_model(con, template(config.shared_ids, name=name), seed=seed, progress=report)
            # Without labels, the threshold is the one whose clusters the model itself expects
            # to score best; `mpi evaluate` sweeps thresholds against truth when there is some.
            report("choosing the link threshold")
            threshold = choose_match_threshold(con, model, progress=report)
    finally:
        store.close()
    meta = save_model(
        project_models_dir(config),
        model,
        name=name,
        seed=seed,
        row_counts={str(source): int(n) for source, _, n in loads},
        thresholds={
            "match_probability": threshold.match_probability,
            "expected_precision": round(threshold.expected_precision, 4),
            "expected_recall": round(threshold.expected_recall, 4),
            "expected_f1": round(threshold.expected_f1, 4),
        },
        extra={"loads": [{"source": s, "sha256": h, "rows": int(n)} for s, h, n in loads]},
        overwrite=overwrite,
    )
    path = project_models_dir(config) / f"{meta.name}.json"
    return TrainResult(
        name=meta.name,
        path=str(path),
        records=records,
        seconds=time.perf_counter() - started,
        model=model,
        threshold=threshold,
        warnings=_too_little_data(model, records),
    )


def _too_little_data(model: TrainedModel, records: int) -> tuple[str, ...]:
    if records < TRAIN_MIN_RECORDS:
        return (
            f"{records:,} records are too few to train a meaningful model (fewer than {TRAIN_MIN_RECORDS}): its "
            "m and u rest on a handful of pairs, and the precision and recall it expects mean nothing. Train on "
            "more records, or link with a shipped model.",
        )
    expected = model.parameters.probability_two_random_records_match * records * (records - 1) / 2
    if expected < TRAIN_MIN_EXPECTED_MATCHES:
        return (
            f"the model expects {expected:.2g} matching pairs among the {records:,} records: it learned what "
            "a match looks like from none, and the precision and recall it expects mean nothing. Check that "
            "the records hold persons recorded more than once, with identifiers in common.",
        )
    return ()
