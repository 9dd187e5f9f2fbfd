"""Scale benchmark: 1M synthetic persons (~2M records) from files to person index, mpi beside plain Splink.

    mpi       ingest, then link with the model shipped in mpi (the path a new project takes);
              training on the 2M records is timed separately
    baseline  benchmarks/baseline_splink.py on the same files (reads, cleans, trains, predicts, clusters)

Every step is its own process under GNU time (`apt-get install -y time`). Targets checked:
mpi's ingest + link wall time within 1.5x the baseline's, and every mpi step's peak RSS
under 8 GiB. Stage timings come from the store's `runs` table (predict, cluster, total) so a
miss can be pinned to a stage. Accuracy against truth is scored too, by benchmarks/scoring.py
(not timed).

The synthetic files are reused from run_foundation.py when it generated the same persons and
seed (benchmarks/harness.py: synth_dir); --fresh regenerates them. The baseline is stopped after
--baseline-timeout seconds (default 30 minutes) or when free disk falls below 10 GB; its time is then
reported as a lower bound. This takes about an hour on 2 cores:

    nohup /tmp/venv/bin/python benchmarks/run_scale.py > /tmp/mpi-bench/scale.out 2>&1 &
"""

from __future__ import annotations

import argparse
import json
import shutil
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import baseline_splink as baseline
import duckdb
from harness import (
    BASELINE_SCRIPT,
    RESULTS_DIR,
    BenchmarkError,
    Limits,
    TimedRun,
    add_common_arguments,
    add_synthetic_population_arguments,
    load_average,
    markdown_table,
    mpi_command,
    pin_mpi_to_ref,
    python_command,
    remove_store,
    require_gnu_time,
    run_timed,
    stamp_matches,
    synth_dir,
    write_result,
    write_stamp,
)
from scoring import Scored, score_clusters_csv, score_person_index
from splink import DuckDBAPI
from splink.blocking_analysis import count_comparisons_from_blocking_rules

from mpi.config import load_config

WALL_RATIO_TARGET = 1.5
PEAK_RSS_TARGET_MB = 8 * 1024
TRAINED_MODEL = "bench"
SHIPPED_MODEL = "default"
# At 1M the baseline scores ~870M pairs and had not finished after 35 minutes (it was OOM-killed once);
# by 30 minutes it is already >7x mpi's ingest + link, so waiting longer cannot change the verdict.
BASELINE_TIMEOUT_SECONDS = 1800.0
# Share of records sampled on each side when estimating the baseline's pair count (exact is slow at 1M).
BLOCKING_SAMPLE = 0.1


@dataclass(frozen=True, kw_only=True)
class LinkRunStats:
    """The `runs` row of the latest link: what the stages inside `mpi link` cost."""

    records: int
    comparisons: int
    pairs_kept: int
    pairs_matched: int
    persons: int
    seconds_predict: float
    seconds_cluster: float
    seconds_total: float


def latest_run_stats(store_path: Path) -> LinkRunStats:
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        row = con.execute(
            "SELECT records, comparisons, pairs_kept, pairs_matched, persons, seconds_predict, "
            "seconds_cluster, seconds_total FROM runs ORDER BY run_id DESC LIMIT 1"
        ).fetchall()[0]
    finally:
        con.close()
    return LinkRunStats(
        records=row[0], comparisons=row[1], pairs_kept=row[2], pairs_matched=row[3], persons=row[4],
        seconds_predict=row[5] or 0.0, seconds_cluster=row[6] or 0.0, seconds_total=row[7] or 0.0,
    )  # fmt: skip


def metrics_dict(scored: Scored, seconds: float) -> dict[str, Any]:
    metrics = scored.metrics
    pw, b3 = metrics.pairwise, metrics.bcubed
    return {
        "pairwise_precision": pw.precision,
        "pairwise_recall": pw.recall,
        "pairwise_f1": pw.f1,
        "bcubed_f1": b3.f1,
        "predicted_persons": metrics.clusters.predicted_clusters,
        "true_persons": metrics.clusters.true_persons,
        "largest_predicted_person": scored.largest_person,
        "records": pw.coverage.records_evaluated,
        "scoring_seconds": seconds,
    }


def score(predicted: Path, truth: Path, temp: Path) -> dict[str, Any]:
    """Accuracy of a store's person_index (a .duckdb path) or a clusters CSV, with how long scoring took."""
    started = time.perf_counter()
    if predicted.suffix == ".csv":
        scored = score_clusters_csv(predicted, truth, temp_dir=temp)
    else:
        scored = score_person_index(predicted, truth, temp_dir=temp)
    return metrics_dict(scored, time.perf_counter() - started)


def ensure_synthetic_files(args: argparse.Namespace, logs: Path) -> tuple[Path, TimedRun | None]:
    data_dir = synth_dir(args.work, args.persons, args.seed)
    if not args.fresh and stamp_matches(data_dir, args.persons, args.seed):
        print(f"reusing {data_dir} ({args.persons:,} persons, seed {args.seed})")
        return data_dir, None
    shutil.rmtree(data_dir, ignore_errors=True)
    command = [*mpi_command(), "synth", "--persons", args.persons, "--seed", args.seed, "--out", data_dir]
    synth = run_timed("synth", command, log_dir=logs)
    write_stamp(data_dir, args.persons, args.seed)
    return data_dir, synth


def timed_step(out: dict[str, Any], key: str, command: list[Any], logs: Path) -> bool:
    """Run one step into out[key]; a failure (crash, OOM kill) is recorded, not raised, so the report still comes."""
    try:
        out[key] = run_timed(f"mpi.{key}", command, log_dir=logs, echo=True).as_dict()
    except BenchmarkError as exc:
        print(exc)
        out[key] = {"error": exc.reason}
        return False
    return True


def run_mpi(data_dir: Path, logs: Path, temp: Path, *, train: bool, link_trained: bool) -> dict[str, Any]:
    """ingest -> link (shipped model) -> score; then train, and optionally link with the trained model."""
    config_path = data_dir / "mpi.toml"
    store_path = load_config(config_path).store_path
    truth = data_dir / "truth.csv"
    mpi = [*mpi_command(), "--config", config_path]
    remove_store(store_path)
    out: dict[str, Any] = {}
    if not timed_step(out, "ingest", [*mpi, "ingest"], logs):
        return out
    if timed_step(out, "link", [*mpi, "link", "--full", "--model", SHIPPED_MODEL], logs):
        out["link"]["stages"] = asdict(latest_run_stats(store_path))
        out["accuracy"] = score(store_path, truth, temp)
    trained = train and timed_step(out, "train", [*mpi, "train", "--name", TRAINED_MODEL], logs)
    link_trained_command = [*mpi, "link", "--full", "--model", TRAINED_MODEL]
    if trained and link_trained and timed_step(out, "link_trained", link_trained_command, logs):
        out["link_trained"]["stages"] = asdict(latest_run_stats(store_path))
        out["accuracy_trained"] = score(store_path, truth, temp)
    return out


def run_baseline(data_dir: Path, logs: Path, temp: Path, *, timeout: float | None) -> dict[str, Any]:
    clusters_csv = data_dir / "baseline_clusters.csv"
    # No --truth: the baseline then skips its own scoring, which is not part of the engine's time.
    command: list[str | Path] = [
        *python_command(),
        BASELINE_SCRIPT,
        "--config",
        data_dir / "mpi.toml",
        "--out",
        clusters_csv,
    ]
    clusters_csv.unlink(missing_ok=True)  # a stale CSV must not be scored as this run's output
    try:
        run = run_timed("baseline", command, log_dir=logs, echo=True, limits=Limits(max_seconds=timeout))
    except BenchmarkError as exc:
        print(exc)
        failed: dict[str, Any] = {"error": exc.reason}
        if exc.run is not None:
            # A baseline that dies (e.g. OOM) still says something: it needed at least this long.
            failed |= {"seconds_until_failure": exc.run.wall_seconds, "peak_rss_mb": exc.run.peak_rss_mb}
        return {"run": failed}
    return {"run": run.as_dict(), "accuracy": score(clusters_csv, data_dir / "truth.csv", temp)}


def previous_baseline(persons: int, seed: int) -> dict[str, Any]:
    """The baseline of the last scale run on the same files, marked as carried over, with its date."""
    previous = json.loads((RESULTS_DIR / "scale.json").read_text(encoding="utf-8"))
    if previous.get("persons") != persons or previous.get("seed") != seed or not previous.get("baseline"):
        raise SystemExit(
            f"--reuse-baseline: results/scale.json has no baseline for {persons} persons, seed {seed}"
        )
    baseline: dict[str, Any] = previous["baseline"]
    baseline["carried_over_from"] = previous.get("finished_at", "an earlier run")
    return baseline


def baseline_candidate_pairs(config_path: Path) -> dict[str, Any]:
    """Splink's estimate of the pairs the baseline's blocking rules generate: the work its predict faces.

    Set beside mpi's own count (the `runs` table), it says whether a gap in time or memory is the
    engines' speed or the number of pairs each chose to score.
    """
    specs, shared_ids = baseline.load_project(config_path)
    frames = baseline.align_columns(
        {s.name: baseline.clean_source(baseline.read_source(s), s, shared_ids) for s in specs}
    )
    con = duckdb.connect()
    try:
        db_api = DuckDBAPI(connection=con)
        inputs = [
            db_api.register(df, dataset_display_name=name, table_name=f"bench__{name}")
            for name, df in frames.items()
        ]
        rules = baseline.prediction_blocking(baseline.fields_with_data(frames))
        counts = count_comparisons_from_blocking_rules(
            inputs,
            blocking_rules=rules,
            link_type="link_and_dedupe",
            record_sample_proportion=BLOCKING_SAMPLE,
        )
    finally:
        con.close()
    return {
        "total": counts[-1]["cumulative_comparison_count"] if counts else 0,
        "record_sample_proportion": BLOCKING_SAMPLE,
        "by_rule": [{"rule": c["blocking_rule"], "marginal": c["marginal_comparison_count"]} for c in counts],
    }


def verdict(mpi: dict[str, Any], baseline: dict[str, Any] | None) -> dict[str, Any]:
    """The two targets: ingest + link within 1.5x the baseline's wall time; every mpi step under 8 GiB."""
    measured = [step for step in mpi.values() if isinstance(step, dict) and "peak_rss_mb" in step]
    peak = max((step["peak_rss_mb"] for step in measured), default=None)
    checks: dict[str, Any] = {
        "mpi_peak_rss_mb": peak,
        "rss_target_met": peak is not None and peak < PEAK_RSS_TARGET_MB,
    }
    linked = all("wall_seconds" in mpi.get(key, {}) for key in ("ingest", "link"))
    # A baseline that did not finish gives a lower bound on its time, so the ratio is an upper bound.
    finished = bool(baseline) and "wall_seconds" in baseline["run"]
    base_wall = (baseline or {}).get("run", {}).get("wall_seconds" if finished else "seconds_until_failure")
    if linked and base_wall is not None:
        mpi_wall = mpi["ingest"]["wall_seconds"] + mpi["link"]["wall_seconds"]
        checks |= {
            "mpi_ingest_link_wall_seconds": mpi_wall,
            "baseline_wall_seconds": base_wall,
            "baseline_finished": finished,
            "wall_ratio": mpi_wall / base_wall,
            "wall_target_met": mpi_wall <= WALL_RATIO_TARGET * base_wall,
        }
    return checks


def step_cells(name: str, step: dict[str, Any]) -> list[str]:
    if "error" in step:
        return [name, "-", "-", f"FAILED {step['error']}"]
    return [name, f"{step['wall_seconds']:.1f}", f"{step['peak_rss_mb']:,.0f}", ""]


def print_summary(mpi: dict[str, Any], baseline: dict[str, Any] | None, checks: dict[str, Any]) -> None:
    rows = [
        step_cells(f"mpi {key}", mpi[key])
        for key in ("ingest", "link", "train", "link_trained")
        if key in mpi
    ]
    if baseline:
        rows.append(step_cells("baseline (whole run)", baseline["run"]))
        if "seconds_until_failure" in baseline["run"]:
            run = baseline["run"]
            rows[-1][1:3] = [f">{run['seconds_until_failure']:.1f}", f"{run['peak_rss_mb']:,.0f}"]
    print("\n" + markdown_table(["step", "wall s", "peak RSS MB", "note"], rows))
    stages = mpi.get("link", {}).get("stages")
    if baseline and "candidate_pairs" in baseline:
        print(f"\nbaseline blocking: ~{baseline['candidate_pairs']['total']:,} candidate pairs (estimated)")
    if stages:
        print(
            f"\nmpi link stages: predict {stages['seconds_predict']:.1f}s, cluster {stages['seconds_cluster']:.1f}s, "
            f"total inside link_records {stages['seconds_total']:.1f}s; {stages['comparisons']:,} pairs scored, "
            f"{stages['pairs_kept']:,} kept, {stages['persons']:,} persons"
        )
    scored = [("mpi (shipped model)", mpi.get("accuracy")), ("mpi (trained)", mpi.get("accuracy_trained"))]
    scored.append(("baseline", baseline.get("accuracy") if baseline else None))
    for name, acc in scored:
        if acc:
            print(
                f"{name}: pairwise P/R/F1 {acc['pairwise_precision']:.4f} / {acc['pairwise_recall']:.4f} / "
                f"{acc['pairwise_f1']:.4f}, B-cubed F1 {acc['bcubed_f1']:.4f}, "
                f"largest person {acc['largest_predicted_person']:,} records"
            )
    if "wall_ratio" in checks:
        unfinished = "" if checks["baseline_finished"] else " before it failed (so the ratio is at most)"
        print(
            f"\nmpi ingest+link {checks['mpi_ingest_link_wall_seconds']:.1f}s vs baseline "
            f"{checks['baseline_wall_seconds']:.1f}s{unfinished}: ratio {checks['wall_ratio']:.2f} "
            f"(target <= {WALL_RATIO_TARGET}): {'met' if checks['wall_target_met'] else 'MISSED'}"
        )
    if checks.get("mpi_peak_rss_mb") is not None:
        print(
            f"mpi peak RSS {checks['mpi_peak_rss_mb']:,.0f} MB (target < {PEAK_RSS_TARGET_MB // 1024} GiB): "
            f"{'met' if checks['rss_target_met'] else 'MISSED'}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_synthetic_population_arguments(parser)
    parser.add_argument("--no-train", action="store_true", help="skip timing mpi train")
    parser.add_argument(
        "--link-trained", action="store_true", help="also link and score with the trained model"
    )
    parser.add_argument("--no-baseline", action="store_true", help="mpi only (no ratio check)")
    parser.add_argument(
        "--reuse-baseline",
        action="store_true",
        help="take the baseline from the last results/scale.json of the same persons and seed "
        "(it does not change with mpi; at 1M it runs into its 30-minute limit)",
    )
    parser.add_argument(
        "--baseline-timeout",
        type=float,
        default=BASELINE_TIMEOUT_SECONDS,
        help="stop the baseline after this many seconds; its time is then a lower bound (0: no limit)",
    )
    add_common_arguments(parser, "scale")
    args = parser.parse_args()
    require_gnu_time()
    pin_mpi_to_ref(args.mpi_ref, args.work)

    logs = args.work / "logs" / "scale"
    load_before = load_average()
    data_dir, synth = ensure_synthetic_files(args, logs)
    temp = args.work / "duckdb_temp"
    mpi = run_mpi(data_dir, logs, temp, train=not args.no_train, link_trained=args.link_trained)
    timeout = args.baseline_timeout or None
    if args.reuse_baseline:
        baseline = previous_baseline(args.persons, args.seed)
    elif args.no_baseline:
        baseline = None
    else:
        baseline = run_baseline(data_dir, logs, temp, timeout=timeout)
        baseline["candidate_pairs"] = baseline_candidate_pairs(data_dir / "mpi.toml")
    checks = verdict(mpi, baseline)
    print_summary(mpi, baseline, checks)
    if not args.no_save:
        write_result(
            "scale",
            {
                "persons": args.persons,
                "seed": args.seed,
                "load_average_before": load_before,
                "synth": synth.as_dict() if synth else None,
                "mpi": mpi,
                "baseline": baseline,
                "checks": checks,
            },
        )


if __name__ == "__main__":
    main()
