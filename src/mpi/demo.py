"""The end-to-end demo: simulate agencies, ingest, train, link and evaluate against the known truth."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from mpi.errors import MpiUserError

if TYPE_CHECKING:
    # Imported where they run: the CLI reads DEMO_MIN_PERSONS without loading Splink.
    from mpi.ingest import IngestResult
    from mpi.link import LinkResult
    from mpi.quality.evaluate import EvaluationReport
    from mpi.synth import SynthSummary
    from mpi.train import TrainResult

DEMO_MODEL = "demo"
# The smallest licensing agency holds about 6% of persons: at 50 persons 2 of 40 seeds wrote it
# empty (ingest refuses an empty file), at 100 it held 3 rows or more, at 200 persons 9 or more
# over 40 seeds. 200 keeps every agency file non-empty and gives training pairs enough to fit.
DEMO_MIN_PERSONS = 200


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
    *,
    out_dir: Path,
    persons: int,
    seed: int,
    progress: Callable[[str], None] | None = None,
    overwrite: bool = False,
) -> DemoResult:
    """synth -> ingest -> link with the shipped model -> train a model on this data -> link -> evaluate.

    The demo starts from an empty store, so it deletes the one in ``out_dir``: unless ``overwrite``,
    a directory that an earlier synth or demo did not write is refused first.
    """
    from mpi.config import DEFAULT_STORE_PATH, load_config
    from mpi.ingest import ingest_sources
    from mpi.link import link_records
    from mpi.project_models import DEFAULT_MODEL
    from mpi.quality.evaluate import evaluate_against_truth
    from mpi.synth import generate_population, refuse_to_overwrite_a_project
    from mpi.train import train_project_model

    report = progress or (lambda _message: None)
    if persons < DEMO_MIN_PERSONS:
        raise MpiUserError(
            f"The demo needs at least {DEMO_MIN_PERSONS} persons (got {persons}): fewer leave some agency files "
            "empty, which ingest refuses. Use mpi synth for a smaller population."
        )
    # The config synth writes keeps its store here: the demo starts without it.
    store = Path(out_dir) / DEFAULT_STORE_PATH
    store_files = (store, store.with_name(store.name + ".wal"))
    if not overwrite:
        refuse_to_overwrite_a_project(Path(out_dir), store_files)
    summary = generate_population(persons=persons, seed=seed, out_dir=out_dir, progress=progress)
    config = load_config(summary.config_path)
    for stale in store_files:
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
