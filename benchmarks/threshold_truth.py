"""The link threshold chooser of `mpi train` beside the truth, threshold by threshold.

For a model trained on a project's records, prints at each grid threshold what the chooser
expects (mpi.model.threshold.expected_by_threshold: the model's own probabilities over the pairs
`mpi link` weighs, clustered as `mpi link` clusters) and the pairwise precision, recall and F1 of
those same clusters against truth.csv, scored as `mpi evaluate` scores (records in no scored pair
are persons of their own). Marks the threshold the chooser takes. This is how the choice rule was
checked on the twelve accuracy sets (benchmarks/RESULTS.md, session 41):

    /tmp/venv/bin/python benchmarks/threshold_truth.py /tmp/mpi-bench/accuracy/synth100k --model bench
"""

from __future__ import annotations

import argparse
from pathlib import Path

from scoring import pairwise_of_clusters

from mpi.config import load_config
from mpi.model import load_model_file
from mpi.model.threshold import (
    THRESHOLD_GRID,
    best_threshold_choice,
    expected_by_threshold,
    score_candidate_pairs,
)
from mpi.project_models import locate_model
from mpi.quality.evaluate import load_truth
from mpi.store import open_store


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "project", type=Path, help="an ingested project directory with truth.csv and the model"
    )
    parser.add_argument("--model", default="bench", help="a model trained on these records")
    parser.add_argument(
        "--grid",
        type=lambda text: tuple(float(value) for value in text.split(",")),
        default=THRESHOLD_GRID,
        help="comma-separated thresholds (default: the chooser's grid)",
    )
    args = parser.parse_args()
    config = load_config(args.project / "mpi.toml")
    model = load_model_file(locate_model(config, args.model).path)
    store = open_store(config.store_path, read_only=True)
    con = store.con
    try:
        with store.splink_workspace():
            load_truth(con, args.project / "truth.csv")
            graph = score_candidate_pairs(con, model, progress=print, with_unique_ids=True)
            outcomes = expected_by_threshold(graph, args.grid)
            chosen = best_threshold_choice([choice for choice, _ in outcomes]).match_probability
            print("threshold | expected P / R / F1 | truth P / R / F1")
            for choice, roots in outcomes:
                assert graph.unique_ids is not None
                truth = pairwise_of_clusters(con, graph.unique_ids, roots)
                mark = "  <- chosen" if choice.match_probability == chosen else ""
                print(
                    f"{choice.match_probability:9} | {choice.expected_precision:.4f} / "
                    f"{choice.expected_recall:.4f} / {choice.expected_f1:.4f} | "
                    f"{truth.precision:.4f} / {truth.recall:.4f} / {truth.f1:.4f}{mark}"
                )
    finally:
        store.close()


if __name__ == "__main__":
    main()
