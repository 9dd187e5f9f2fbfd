"""Accuracy benchmark: mpi and the plain-Splink baseline on the same files, scored against the same truth.

Data sets: synthetic 10k and 100k persons (`mpi synth`, fixed seeds), FEBRL3, FEBRL4 and
their "hard" variants without SSN and date of birth (`febrl_to_mpi.py`), and records from a
generator mpi was not developed on: IHME's pseudopeople at its default noise and at three
times it (`pseudopeople_to_mpi.py`; needs `pip install -e ".[bench]"`), and Splink's own
tutorial data sets, 50,000 British historical figures and the 1,000 records of `fake_1000`
(`splink_datasets_to_mpi.py`; run only when --splink-datasets or SPLINK_DATASETS_DIR names a copy
of its data folder). Engines:

    mpi           ingest -> train (a model fitted to this data) -> link with it
    mpi-shipped   ingest -> link with the model shipped in mpi (no training: the out-of-the-box result)
    baseline      benchmarks/baseline_splink.py (Splink tutorial recipe, one process)

Each step is its own process under GNU time (`apt-get install -y time`): an engine's wall
time is the sum of its steps and its peak RSS the largest step's. Both engines' clusterings
(mpi's person_index, the baseline's clusters CSV) are scored by benchmarks/scoring.py with
`mpi.quality.metrics.evaluate_clustering`, the function `mpi evaluate` uses, so both columns
come from the same code. Scoring is not timed.

Results merge into benchmarks/results/accuracy.json (rows for the data sets run now replace
earlier ones); `python benchmarks/write_results.py` renders them into RESULTS.md.

Example:
    /tmp/venv/bin/python benchmarks/run_accuracy.py --only synth10k,febrl4
    /tmp/venv/bin/python benchmarks/run_accuracy.py --only historical50k --splink-datasets /path/to/splink_datasets/data
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any

import duckdb
from harness import (
    BASELINE_SCRIPT,
    FEBRL_SCRIPT,
    HHS_REVIEW_SCRIPT,
    PSEUDOPEOPLE_SCRIPT,
    RESULTS_DIR,
    SPLINK_DATASETS_SCRIPT,
    BenchmarkError,
    TimedRun,
    add_common_arguments,
    code_version,
    load_average,
    markdown_table,
    mpi_command,
    pin_mpi_to_ref,
    python_command,
    remove_store,
    require_gnu_time,
    run_timed,
    write_result,
)
from scoring import Scored, blocking_recall_of_model, score_clusters_csv, score_person_index

from mpi.config import load_config

SYNTH_SEED = 1
TRAINED_MODEL = "bench"  # written to <data set>/models/bench.json, never over the shipped "default"
SHIPPED_MODEL = "default"
ENGINES = ("mpi", "mpi-shipped", "baseline")
BASELINE_THRESHOLD = 0.95  # baseline_splink.py's --threshold default, which the harness does not override


@dataclass(frozen=True, kw_only=True)
class Dataset:
    name: str
    description: str
    # The command that writes the project (mpi.toml, truth.csv, the files) into a directory.
    prepare: Callable[[Path], list[str]]
    # Needs a copy of github.com/moj-analytical-services/splink_datasets (no download here).
    needs_splink_datasets: bool = False


def synth(persons: int) -> Callable[[Path], list[str]]:
    return lambda out: [*mpi_command(), "synth", "--persons", str(persons), "--seed", str(SYNTH_SEED), "--out", str(out)]  # fmt: skip


def febrl(dataset: str, *, hard: bool) -> Callable[[Path], list[str]]:
    flags = ["--hard"] if hard else []
    return lambda out: [*python_command(), str(FEBRL_SCRIPT), "--dataset", dataset, *flags, "--out", str(out)]


def hhs_review(noise_scale: int) -> Callable[[Path], list[str]]:
    flags = ["--persons", "20000", "--seed", str(SYNTH_SEED), "--noise-scale", str(noise_scale)]
    return lambda out: [*python_command(), str(HHS_REVIEW_SCRIPT), *flags, "--out", str(out)]


def pseudopeople(noise_scale: int) -> Callable[[Path], list[str]]:
    scale = ["--noise-scale", str(noise_scale)]
    return lambda out: [*python_command(), str(PSEUDOPEOPLE_SCRIPT), *scale, "--out", str(out)]


# Where splink_datasets' data/ folder is: --splink-datasets, else this environment variable.
SPLINK_DATASETS_ENV = "SPLINK_DATASETS_DIR"


def splink_dataset(name: str) -> Callable[[Path], list[str]]:
    def command(out: Path) -> list[str]:
        data_dir = os.environ[SPLINK_DATASETS_ENV]
        return [*python_command(), str(SPLINK_DATASETS_SCRIPT), "--dataset", name, "--data-dir", data_dir, "--out", str(out)]  # fmt: skip

    return command


DATASETS: dict[str, Dataset] = {
    d.name: d
    for d in (
        Dataset(name="synth10k", description=f"mpi synth, 10,000 persons, seed {SYNTH_SEED}", prepare=synth(10_000)),
        Dataset(name="synth100k", description=f"mpi synth, 100,000 persons, seed {SYNTH_SEED}", prepare=synth(100_000)),
        Dataset(name="febrl3", description="FEBRL3 dedupe, 5,000 records", prepare=febrl("febrl3", hard=False)),
        Dataset(name="febrl4", description="FEBRL4 link, 2 x 5,000 records", prepare=febrl("febrl4", hard=False)),
        Dataset(name="febrl3_hard", description="FEBRL3 without SSN and DOB", prepare=febrl("febrl3", hard=True)),
        Dataset(name="febrl4_hard", description="FEBRL4 without SSN and DOB", prepare=febrl("febrl4", hard=True)),
        Dataset(name="pseudopeople", description="pseudopeople sample, 6 files, default noise", prepare=pseudopeople(1)),
        Dataset(name="pseudopeople_x3", description="pseudopeople sample, noise x3", prepare=pseudopeople(3)),
        Dataset(name="pseudopeople_x5", description="pseudopeople sample, noise x5", prepare=pseudopeople(5)),
        Dataset(
            name="hhs_review_x3",
            description="benchmarks/hhs_review_to_mpi.py, 20,000 persons, noise x3",
            prepare=hhs_review(3),
        ),
        Dataset(
            name="historical50k",
            description="Splink's historical figures, 50,578 records of 5,156 persons",
            prepare=splink_dataset("historical_50k"),
            needs_splink_datasets=True,
        ),
        Dataset(
            name="fake1000",
            description="Splink's fake_1000, 1,000 records of 250 persons",
            prepare=splink_dataset("fake_1000"),
            needs_splink_datasets=True,
        ),
    )
}  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class EngineRow:
    dataset: str
    engine: str
    records: int = 0
    true_persons: int = 0
    predicted_persons: int = 0
    largest_person: int = 0  # records in the biggest predicted person
    threshold: float | None = None  # match probability the engine clustered at
    pairwise_precision: float = 0.0
    pairwise_recall: float = 0.0
    pairwise_f1: float = 0.0
    bcubed_precision: float = 0.0
    bcubed_recall: float = 0.0
    bcubed_f1: float = 0.0
    blocking_recall: float | None = None  # share of true pairs the model's prediction rules compare
    wall_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    stages: dict[str, float] = field(default_factory=dict)  # step -> wall seconds
    error: str | None = None
    measured_at: str = ""
    mpi_commit: str = ""


def scored_row(
    dataset: str, engine: str, scored: Scored, runs: list[TimedRun], threshold: float | None
) -> EngineRow:
    metrics = scored.metrics
    pw, b3 = metrics.pairwise, metrics.bcubed
    return EngineRow(
        dataset=dataset,
        engine=engine,
        records=pw.coverage.records_evaluated,
        true_persons=metrics.clusters.true_persons,
        predicted_persons=metrics.clusters.predicted_clusters,
        largest_person=scored.largest_person,
        threshold=threshold,
        pairwise_precision=pw.precision,
        pairwise_recall=pw.recall,
        pairwise_f1=pw.f1,
        bcubed_precision=b3.precision,
        bcubed_recall=b3.recall,
        bcubed_f1=b3.f1,
        wall_seconds=sum(r.wall_seconds for r in runs),
        peak_rss_mb=max(r.peak_rss_mb for r in runs),
        stages={r.label.split(".", 1)[1]: r.wall_seconds for r in runs},
        measured_at=datetime.now().isoformat(timespec="seconds"),
        mpi_commit=code_version()["mpi_commit"],
    )


def failed_row(dataset: str, engine: str, error: Exception) -> EngineRow:
    if isinstance(error, BenchmarkError):
        first_line = error.reason
    else:
        first_line = f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}"
    print(f"!! {dataset} / {engine} failed: {error}", file=sys.stderr)
    return EngineRow(
        dataset=dataset,
        engine=engine,
        error=first_line,
        measured_at=datetime.now().isoformat(timespec="seconds"),
    )


def baseline_stage_seconds(log_path: str) -> dict[str, float]:
    """The baseline prints `timings  read and clean 0.0s, train 3.9s, ...`; keep them for the breakdown."""
    text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    line = next((ln for ln in text.splitlines() if ln.startswith("timings ")), "")
    return {
        name.strip(): float(sec)
        for name, sec in re.findall(r"([a-z ]+?) ([\d.]+)s", line.removeprefix("timings"))
    }


def last_link_threshold(store_path: Path) -> float:
    """The threshold `mpi link` used (the model's own unless --threshold was given), from `runs`."""
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        return float(con.execute("SELECT threshold FROM runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0])
    finally:
        con.close()


def run_mpi(dataset: str, project: Path, engines: set[str], logs: Path, temp: Path) -> list[EngineRow]:
    """One ingest shared by both mpi engines; the shipped model links (and is scored) before training."""
    config_path = project / "mpi.toml"
    store_path = load_config(config_path).store_path
    truth = project / "truth.csv"
    mpi = [*mpi_command(), "--config", str(config_path)]
    remove_store(store_path)
    rows: list[EngineRow] = []
    try:
        ingest = run_timed(f"{dataset}.ingest", [*mpi, "ingest"], log_dir=logs)
    except BenchmarkError as exc:
        return [failed_row(dataset, engine, exc) for engine in ("mpi-shipped", "mpi") if engine in engines]
    if "mpi-shipped" in engines:
        try:
            link_command = [*mpi, "link", "--full", "--model", SHIPPED_MODEL]
            link = run_timed(f"{dataset}.link_shipped", link_command, log_dir=logs)
            metrics = score_person_index(store_path, truth, temp_dir=temp)
            row = scored_row(dataset, "mpi-shipped", metrics, [ingest, link], last_link_threshold(store_path))
            row = replace(row, blocking_recall=blocking_recall_of_model(config_path, SHIPPED_MODEL, truth))
            rows.append(row)
        except Exception as exc:  # one engine failing must not stop the rest of the table
            rows.append(failed_row(dataset, "mpi-shipped", exc))
    if "mpi" in engines:
        try:
            train = run_timed(f"{dataset}.train", [*mpi, "train", "--name", TRAINED_MODEL], log_dir=logs)
            link_command = [*mpi, "link", "--full", "--model", TRAINED_MODEL]
            link = run_timed(f"{dataset}.link", link_command, log_dir=logs)
            metrics = score_person_index(store_path, truth, temp_dir=temp)
            row = scored_row(dataset, "mpi", metrics, [ingest, train, link], last_link_threshold(store_path))
            row = replace(row, blocking_recall=blocking_recall_of_model(config_path, TRAINED_MODEL, truth))
            rows.append(row)
        except Exception as exc:
            rows.append(failed_row(dataset, "mpi", exc))
    return rows


def run_baseline(dataset: str, project: Path, logs: Path, temp: Path) -> EngineRow:
    clusters_csv = project / "baseline_clusters.csv"
    # No --truth: the baseline then skips its own scoring, which is not part of the engine's time.
    command: list[str | Path] = [
        *python_command(),
        BASELINE_SCRIPT,
        "--config",
        project / "mpi.toml",
        "--out",
        clusters_csv,
    ]
    try:
        run = run_timed(f"{dataset}.baseline", command, log_dir=logs)
        metrics = score_clusters_csv(clusters_csv, project / "truth.csv", temp_dir=temp)
        row = scored_row(dataset, "baseline", metrics, [run], BASELINE_THRESHOLD)
    except Exception as exc:
        return failed_row(dataset, "baseline", exc)
    # The baseline's whole pipeline is one process; its own stage timings say where the time went.
    stages = baseline_stage_seconds(run.log) or row.stages
    return EngineRow(**{**asdict(row), "stages": stages})


def run_dataset(dataset: Dataset, engines: set[str], work: Path) -> list[EngineRow]:
    project = work / "accuracy" / dataset.name
    logs = work / "logs" / "accuracy"
    shutil.rmtree(project, ignore_errors=True)
    print(f"\n=== {dataset.name}: {dataset.description}", flush=True)
    try:
        run_timed(f"{dataset.name}.prepare", dataset.prepare(project), log_dir=logs)
    except BenchmarkError as exc:
        return [failed_row(dataset.name, engine, exc) for engine in ENGINES if engine in engines]
    temp = work / "duckdb_temp"
    rows = run_mpi(dataset.name, project, engines, logs, temp) if engines & {"mpi", "mpi-shipped"} else []
    if "baseline" in engines:
        rows.append(run_baseline(dataset.name, project, logs, temp))
    return rows


# --- reporting ------------------------------------------------------------------------------------

TABLE_HEADERS = [
    "data set", "engine", "threshold", "records", "persons (pred / true)", "largest", "pairwise P", "pairwise R", "pairwise F1",
    "B-cubed F1", "blocking recall", "wall s", "peak RSS MB", "steps (wall s)",
]  # fmt: skip


def table_cells(row: dict[str, Any]) -> list[str]:
    if row.get("error"):
        return [row["dataset"], row["engine"], *["-"] * 11, f"FAILED {row['error']}"]
    steps = ", ".join(f"{k} {v:.1f}" for k, v in row["stages"].items())
    return [
        row["dataset"], row["engine"], f"{row['threshold']}" if row.get("threshold") else "?", f"{row['records']:,}",
        f"{row['predicted_persons']:,} / {row['true_persons']:,}", f"{row.get('largest_person', 0):,}",
        f"{row['pairwise_precision']:.4f}", f"{row['pairwise_recall']:.4f}", f"{row['pairwise_f1']:.4f}",
        f"{row['bcubed_f1']:.4f}", f"{row['blocking_recall']:.4f}" if row.get("blocking_recall") else "-",
        f"{row['wall_seconds']:.1f}", f"{row['peak_rss_mb']:,.0f}", steps,
    ]  # fmt: skip


def accuracy_table(rows: list[dict[str, Any]]) -> str:
    order = {name: i for i, name in enumerate(DATASETS)}
    engine_order = {name: i for i, name in enumerate(ENGINES)}
    ordered = sorted(rows, key=lambda r: (order.get(r["dataset"], 99), engine_order.get(r["engine"], 99)))
    return markdown_table(TABLE_HEADERS, [table_cells(r) for r in ordered])


def merged_with_saved(new_rows: list[dict[str, Any]], path: Path) -> list[dict[str, Any]]:
    """Rows for the (data set, engine) pairs just run replace the saved ones; the others are kept.

    Keyed by engine too, so `--engines mpi,mpi-shipped` keeps the saved baseline rows.
    """
    if not path.is_file():
        return new_rows
    rerun = {(r["dataset"], r["engine"]) for r in new_rows}
    saved = json.loads(path.read_text(encoding="utf-8")).get("rows", [])
    return [r for r in saved if (r["dataset"], r["engine"]) not in rerun] + new_rows


def parse_names(value: str, known: tuple[str, ...] | list[str], what: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in known]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown {what} {unknown}; choose from {', '.join(known)}")
    return names


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        type=lambda v: parse_names(v, list(DATASETS), "data set"),
        default=list(DATASETS),
        help=f"comma-separated data sets (default all: {','.join(DATASETS)})",
    )
    parser.add_argument(
        "--engines",
        type=lambda v: parse_names(v, ENGINES, "engine"),
        default=list(ENGINES),
        help=f"comma-separated engines (default all: {','.join(ENGINES)})",
    )
    parser.add_argument(
        "--splink-datasets",
        type=Path,
        default=os.environ.get(SPLINK_DATASETS_ENV),
        help=f"the data/ folder of a splink_datasets checkout (default ${SPLINK_DATASETS_ENV}); "
        "without it, historical50k and fake1000 are skipped",
    )
    add_common_arguments(parser, "accuracy")
    args = parser.parse_args()
    if args.splink_datasets:
        os.environ[SPLINK_DATASETS_ENV] = str(args.splink_datasets.resolve())
    else:
        skipped = [name for name in args.only if DATASETS[name].needs_splink_datasets]
        if skipped:
            print(
                f"skipping {', '.join(skipped)}: no --splink-datasets or ${SPLINK_DATASETS_ENV}", flush=True
            )
        args.only = [name for name in args.only if name not in skipped]
    require_gnu_time()
    pin_mpi_to_ref(args.mpi_ref, args.work)

    load_before = load_average()
    rows: list[EngineRow] = []
    for name in args.only:
        rows.extend(run_dataset(DATASETS[name], set(args.engines), args.work))
    new_rows = [asdict(r) for r in rows]
    print("\n" + accuracy_table(new_rows))
    if not args.no_save:
        all_rows = merged_with_saved(new_rows, RESULTS_DIR / "accuracy.json")
        write_result("accuracy", {"load_average_before": load_before, "rows": all_rows})
    if any(r.error for r in rows):
        sys.exit(1)


if __name__ == "__main__":
    main()
