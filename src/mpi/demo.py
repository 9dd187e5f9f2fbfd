"""The end-to-end demo: simulate agencies, ingest, train, link and evaluate against the known truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mpi.config import load_config
from mpi.ingest import IngestResult, ingest_sources
from mpi.link import LinkResult, link_records
from mpi.project_models import DEFAULT_MODEL
from mpi.quality.evaluate import EvaluationReport, evaluate_against_truth
from mpi.synth import SynthSummary, generate_population
from mpi.train import TrainResult, train_project_model

DEMO_MODEL = "demo"


@dataclass(frozen=True, kw_only=True)
class DemoResult:
    synth: SynthSummary
    ingest: IngestResult
    shipped_link: LinkResult
    shipped_evaluation: EvaluationReport
    train: TrainResult
    link: LinkResult
    evaluation: EvaluationReport


def run_demo(
    *, out_dir: Path, persons: int, seed: int, progress: Callable[[str], None] | None = None
) -> DemoResult:
    """synth -> ingest -> link with the shipped model -> train a model on this data -> link -> evaluate."""
    report = progress or (lambda _message: None)
    summary = generate_population(persons=persons, seed=seed, out_dir=out_dir, progress=progress)
    config = load_config(summary.config_path)
    for stale in (config.store_path, config.store_path.with_name(config.store_path.name + ".wal")):
        stale.unlink(missing_ok=True)
    ingested = ingest_sources(config, progress=progress)
    report("linking with the model shipped with mpi")
    shipped_link = link_records(config, model_name=DEFAULT_MODEL, progress=progress)
    shipped_evaluation = evaluate_against_truth(config, summary.truth_path, sweep=False, examples=0)
    trained = train_project_model(config, name=DEMO_MODEL, seed=seed, progress=progress)
    linked = link_records(config, model_name=DEMO_MODEL, progress=progress)
    evaluation = evaluate_against_truth(config, summary.truth_path, progress=progress)
    return DemoResult(
        synth=summary,
        ingest=ingested,
        shipped_link=shipped_link,
        shipped_evaluation=shipped_evaluation,
        train=trained,
        link=linked,
        evaluation=evaluation,
    )
