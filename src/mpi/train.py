"""Train a person model on the store's records and register it under the project's models/."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.model import build_person_model, save_model
from mpi.model.hashed import build_hashed_model
from mpi.model.trained import TrainedModel
from mpi.model.training import ThresholdChoice, choose_match_threshold, train_model
from mpi.privacy.hub import check_store_kind
from mpi.project_models import DEFAULT_MODEL, project_models_dir
from mpi.store import open_store


@dataclass(frozen=True, kw_only=True)
class TrainResult:
    name: str
    path: str
    records: int
    seconds: float
    model: TrainedModel
    threshold: ThresholdChoice


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
    )
