"""Privacy benchmark: the same data linked in clear and as hashed files (`mpi hash`), scored against one truth.

Parts (``--only``, default all):

    synth10k    mpi synth, 10,000 persons, seed 1         clear vs hashed: P/R/F1, B-cubed, wall, RSS
    synth100k   mpi synth, 100,000 persons, seed 1        the same
    febrl4      FEBRL4, 2 x 5,000 records                 the same
    scale       the 1M-person files of run_foundation.py   `mpi hash` of every source; hashed vs clear `mpi link`

For the synthetic sets and FEBRL4 both runs are the whole pipeline, each step its own process under GNU time:

    clear   ingest -> train -> link --full                                  (the project as prepared)
    hashed  mpi hash each source with a key file -> a hub project declaring
            the files kind = "hashed" -> ingest -> train -> link --full      (the hub never sees the key)

and both person indexes are scored by benchmarks/scoring.py against the same truth.csv. Targets:
hashed pairwise F1 within 0.01 of clear (synth100k and FEBRL4; synth10k is shown for reference).

The scale part reads <work>/synth_1000000_seed1 (written by run_foundation.py; nothing is written
there) through symlinks, and holds /tmp/mpi-heavy.lock throughout, so no other 1M run shares the
machine. It times `mpi hash` of each of the six sources (target: < 2 minutes in all), ingests
both projects and links each with the model trained by the synth100k part on its own kind of data
(clear, resp. hashed, both trained on the 100k files: the same kind of model on both sides, no
10-minute training at 1M). Target: hashed link <= 2x the clear link's wall time.

Results merge into benchmarks/results/privacy.json (parts run now replace earlier ones);
`python benchmarks/write_results.py` renders them into RESULTS.md.

Example:
    /tmp/venv/bin/python benchmarks/run_privacy.py --only synth100k,febrl4
    /tmp/venv/bin/python benchmarks/run_privacy.py --only scale --mpi-ref HEAD
"""

from __future__ import annotations

import argparse
import fcntl
import json
import os
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from harness import (
    RESULTS_DIR,
    BenchmarkError,
    TimedRun,
    add_common_arguments,
    code_version,
    load_average,
    markdown_table,
    mpi_command,
    pin_mpi_to_ref,
    remove_store,
    require_gnu_time,
    run_timed,
    stamp_matches,
    synth_dir,
    write_result,
)
from run_accuracy import DATASETS as ACCURACY_DATASETS
from run_accuracy import last_link_threshold, parse_names
from scoring import Scored, score_person_index

from mpi.config import load_config
from mpi.toml_values import toml_value

RESULT_NAME = "privacy"
ACCURACY_PARTS = ("synth10k", "synth100k", "febrl4")
PARTS = (*ACCURACY_PARTS, "scale")
SIDES = ("clear", "hashed")
TRAINED_MODEL = "bench"
SCALE_PERSONS = 1_000_000
SCALE_SEED = 1
SCALE_MODEL_FROM = "synth100k"  # the part whose trained models link at 1M
HEAVY_LOCK = Path("/tmp/mpi-heavy.lock")
F1_TOLERANCE = 0.01
HASH_TARGET_SECONDS = 120.0
LINK_RATIO_TARGET = 2.0
KEY_FILE_NAME = "bench_hash.key"


@dataclass(frozen=True, kw_only=True)
class SideRow:
    """One side (clear or hashed) of one data set: its accuracy and what each step cost."""

    dataset: str
    side: str
    records: int = 0
    true_persons: int = 0
    predicted_persons: int = 0
    largest_person: int = 0
    threshold: float | None = None
    pairwise_precision: float = 0.0
    pairwise_recall: float = 0.0
    pairwise_f1: float = 0.0
    bcubed_precision: float = 0.0
    bcubed_recall: float = 0.0
    bcubed_f1: float = 0.0
    wall_seconds: float = 0.0
    peak_rss_mb: float = 0.0
    steps: dict[str, dict[str, float]] = field(default_factory=dict)  # step -> wall_seconds, peak_rss_mb
    error: str | None = None
    measured_at: str = ""
    mpi_commit: str = ""


def step_figures(run: TimedRun) -> dict[str, float]:
    return {"wall_seconds": round(run.wall_seconds, 2), "peak_rss_mb": round(run.peak_rss_mb, 1)}


def scored_side(
    dataset: str, side: str, scored: Scored, steps: dict[str, TimedRun], threshold: float
) -> SideRow:
    pw, b3 = scored.metrics.pairwise, scored.metrics.bcubed
    return SideRow(
        dataset=dataset,
        side=side,
        records=pw.coverage.records_evaluated,
        true_persons=scored.metrics.clusters.true_persons,
        predicted_persons=scored.metrics.clusters.predicted_clusters,
        largest_person=scored.largest_person,
        threshold=threshold,
        pairwise_precision=pw.precision,
        pairwise_recall=pw.recall,
        pairwise_f1=pw.f1,
        bcubed_precision=b3.precision,
        bcubed_recall=b3.recall,
        bcubed_f1=b3.f1,
        wall_seconds=round(sum(r.wall_seconds for r in steps.values()), 2),
        peak_rss_mb=round(max(r.peak_rss_mb for r in steps.values()), 1),
        steps={name: step_figures(run) for name, run in steps.items()},
        measured_at=datetime.now().isoformat(timespec="seconds"),
        mpi_commit=code_version()["mpi_commit"],
    )


def failed_side(dataset: str, side: str, error: Exception) -> SideRow:
    reason = error.reason if isinstance(error, BenchmarkError) else f"{type(error).__name__}: {error}"
    print(f"!! {dataset} / {side} failed: {error}", file=sys.stderr)
    return SideRow(
        dataset=dataset, side=side, error=reason.splitlines()[0] if reason else "failed",
        measured_at=datetime.now().isoformat(timespec="seconds"),
    )  # fmt: skip


# --- the hashed side ------------------------------------------------------------------------------


def ensure_key_file(work: Path) -> Path:
    """A random 32-byte key, written once (hex, mode 600) and reused so hashed files stay comparable."""
    path = work / "privacy" / KEY_FILE_NAME
    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(secrets.token_hex(32) + "\n")
    return path


def write_hub_config(hub: Path, clear_config: Path, files: dict[str, Path]) -> Path:
    """The hub's mpi.toml: the agencies' hashed files as kind = "hashed" sources, the clear project's shared ids."""
    config = load_config(clear_config)
    lines = [
        "# Written by benchmarks/run_privacy.py: the hub's side of the clear project beside it.",
        "[project]",
        f"name = {toml_value(config.name + '-hashed')}",
        f"shared_ids = {toml_value(list(config.shared_ids))}",
        "",
        "[store]",
        'path = "mpi.duckdb"',
    ]
    for name, path in files.items():
        lines += ["", f"[sources.{name}]", 'kind = "hashed"', f"path = {toml_value(str(path))}"]
    hub.mkdir(parents=True, exist_ok=True)
    target = hub / "mpi.toml"
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target


# `mpi hash` reports its own stage timings (progress line); kept to say where hashing time goes.
STAGES_LINE = re.compile(r"stage seconds: (.*)$")


def hash_stage_seconds(log_path: str) -> dict[str, float]:
    text = Path(log_path).read_text(encoding="utf-8", errors="replace")
    for line in text.splitlines():
        match = STAGES_LINE.search(line)
        if match:
            return {
                name.strip(): float(seconds)
                for name, seconds in re.findall(r"([a-z ]+?) ([\d.]+)s", match.group(1))
            }
    return {}


def hash_sources(
    label: str, clear_config: Path, hub: Path, key_file: Path, logs: Path
) -> tuple[dict[str, Path], dict[str, TimedRun]]:
    """`mpi hash` every source of the clear project into hub/<source>.hashed.parquet, one process each."""
    config = load_config(clear_config)
    mpi = [*mpi_command(), "--config", str(clear_config)]
    hub.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}
    runs: dict[str, TimedRun] = {}
    for name in config.sources:
        out = hub / f"{name}.hashed.parquet"
        command = [*mpi, "hash", "--source", name, "--out", str(out), "--key-file", str(key_file)]
        runs[name] = run_timed(f"{label}.hash_{name}", command, log_dir=logs)
        files[name] = out
    return files, runs


def pipeline(label: str, config_path: Path, logs: Path) -> dict[str, TimedRun]:
    """ingest -> train -> link --full on a fresh store, each step timed."""
    mpi = [*mpi_command(), "--config", str(config_path)]
    remove_store(load_config(config_path).store_path)
    return {
        "ingest": run_timed(f"{label}.ingest", [*mpi, "ingest"], log_dir=logs),
        "train": run_timed(f"{label}.train", [*mpi, "train", "--name", TRAINED_MODEL], log_dir=logs),
        "link": run_timed(f"{label}.link", [*mpi, "link", "--full", "--model", TRAINED_MODEL], log_dir=logs),
    }


def run_accuracy_part(name: str, work: Path, key_file: Path) -> list[SideRow]:
    base = work / "privacy" / name
    clear, hub = base / "clear", base / "hub"
    logs = work / "logs" / "privacy"
    temp = work / "duckdb_temp"
    shutil.rmtree(base, ignore_errors=True)
    dataset = ACCURACY_DATASETS[name]
    print(f"\n=== {name}: {dataset.description}, clear and hashed", flush=True)
    try:
        run_timed(f"{name}.prepare", dataset.prepare(clear), log_dir=logs)
    except BenchmarkError as exc:
        return [failed_side(name, side, exc) for side in SIDES]
    truth = clear / "truth.csv"
    rows: list[SideRow] = []
    try:
        steps = pipeline(f"{name}.clear", clear / "mpi.toml", logs)
        store = load_config(clear / "mpi.toml").store_path
        scored = score_person_index(store, truth, temp_dir=temp)
        rows.append(scored_side(name, "clear", scored, steps, last_link_threshold(store)))
    except Exception as exc:  # one side failing must not stop the other
        rows.append(failed_side(name, "clear", exc))
    try:
        files, hashes = hash_sources(f"{name}.hashed", clear / "mpi.toml", hub, key_file, logs)
        hub_config = write_hub_config(hub, clear / "mpi.toml", files)
        steps = {f"hash {source}": run for source, run in hashes.items()}
        steps.update(pipeline(f"{name}.hashed", hub_config, logs))
        store = load_config(hub_config).store_path
        scored = score_person_index(store, truth, temp_dir=temp)
        rows.append(scored_side(name, "hashed", scored, steps, last_link_threshold(store)))
    except Exception as exc:
        rows.append(failed_side(name, "hashed", exc))
    return rows


# --- scale ----------------------------------------------------------------------------------------


@contextmanager
def heavy_lock() -> Iterator[None]:
    """Hold /tmp/mpi-heavy.lock (flock(2), as the flock command takes it): one 1M run on the machine at a time."""
    with HEAVY_LOCK.open("a") as handle:
        print(f"waiting for {HEAVY_LOCK} ...", flush=True)
        fcntl.flock(handle, fcntl.LOCK_EX)
        print(f"holding {HEAVY_LOCK}", flush=True)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def linked_project(data: Path, project: Path) -> Path:
    """project/mpi.toml and symlinks to the data files: the data directory itself is never written."""
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    for item in data.iterdir():
        if (
            item.is_file()
            and not item.name.startswith(("mpi.duckdb", "bench_stamp"))
            and item.suffix != ".wal"
        ):
            if item.name == "mpi.toml":
                shutil.copyfile(item, project / item.name)
            else:
                (project / item.name).symlink_to(item)
    return project / "mpi.toml"


def copy_model(from_project: Path, to_project: Path) -> None:
    source = from_project / "models"
    if not (source / f"{TRAINED_MODEL}.json").is_file():
        raise SystemExit(
            f"No trained model at {source}/{TRAINED_MODEL}.json: run the {SCALE_MODEL_FROM} part first "
            f"(--only {SCALE_MODEL_FROM},scale)."
        )
    target = to_project / "models"
    target.mkdir(parents=True, exist_ok=True)
    for suffix in (".json", ".meta.json"):
        shutil.copyfile(source / f"{TRAINED_MODEL}{suffix}", target / f"{TRAINED_MODEL}{suffix}")


def link_stages(store: Path) -> dict[str, Any]:
    import duckdb

    con = duckdb.connect(str(store), read_only=True)
    try:
        cursor = con.execute("SELECT * FROM runs ORDER BY run_id DESC LIMIT 1")
        names = [d[0] for d in cursor.description]
        values = cursor.fetchall()[0]
    finally:
        con.close()
    row = dict(zip(names, values, strict=True))
    keep = ("records", "comparisons", "pairs_kept", "pairs_matched", "persons", "seconds_predict",
            "seconds_cluster", "seconds_total", "threshold")  # fmt: skip
    return {
        k: (
            float(row[k])
            if isinstance(row[k], float | int) and k.startswith(("seconds", "threshold"))
            else row[k]
        )
        for k in keep
        if k in row
    }


def accuracy_figures(scored: Scored) -> dict[str, Any]:
    pw, b3 = scored.metrics.pairwise, scored.metrics.bcubed
    return {
        "pairwise_precision": pw.precision,
        "pairwise_recall": pw.recall,
        "pairwise_f1": pw.f1,
        "bcubed_f1": b3.f1,
        "predicted_persons": scored.metrics.clusters.predicted_clusters,
        "true_persons": scored.metrics.clusters.true_persons,
        "largest_person": scored.largest_person,
    }


def run_scale_part(
    work: Path,
    key_file: Path,
    persons: int = SCALE_PERSONS,
    *,
    score: bool = True,
    save: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Hash, then link each side; ``save`` gets the result so far after the hashing and after each side."""
    data = synth_dir(work, persons, SCALE_SEED)
    if not stamp_matches(data, persons, SCALE_SEED):
        raise SystemExit(
            f"{data} is not a finished synth of {persons:,} persons: run run_foundation.py first."
        )
    base = work / "privacy" / "scale"
    logs = work / "logs" / "privacy"
    temp = work / "duckdb_temp"
    models_from = work / "privacy" / SCALE_MODEL_FROM
    print(f"\n=== scale: {persons:,} persons, mpi hash of every source, hashed vs clear link", flush=True)
    result: dict[str, Any] = {"persons": persons, "seed": SCALE_SEED, "model": (
        f"'{TRAINED_MODEL}' trained by the {SCALE_MODEL_FROM} part: clear on the clear files, hashed on the "
        "hashed files (the hashed person model), each linking its own kind of 1M project")}  # fmt: skip
    clear_config = linked_project(data, base / "clear")
    hub = base / "hub"
    shutil.rmtree(hub, ignore_errors=True)
    copy_model(models_from / "clear", base / "clear")
    with heavy_lock():
        result["load_average_before"] = load_average()
        files, hashes = hash_sources("scale.hashed", clear_config, hub, key_file, logs)
        result["hash"] = {
            source: {**step_figures(run), "stage_seconds": hash_stage_seconds(run.log),
                     "rows": _parquet_rows(files[source])}
            for source, run in hashes.items()
        }  # fmt: skip
        result["hash_wall_seconds"] = round(sum(r.wall_seconds for r in hashes.values()), 2)
        result["hash_peak_rss_mb"] = round(max(r.peak_rss_mb for r in hashes.values()), 1)
        _finish_scale(result, save)
        hub_config = write_hub_config(hub, clear_config, files)
        copy_model(models_from / "hub", hub)
        for side, config_path in (("clear", clear_config), ("hashed", hub_config)):
            mpi = [*mpi_command(), "--config", str(config_path)]
            store = load_config(config_path).store_path
            remove_store(store)
            side_result: dict[str, Any] = {}
            try:
                ingest = run_timed(f"scale.{side}.ingest", [*mpi, "ingest"], log_dir=logs)
                side_result["ingest"] = step_figures(ingest)
                link_command = [*mpi, "link", "--full", "--model", TRAINED_MODEL]
                link = run_timed(f"scale.{side}.link", link_command, log_dir=logs)
                side_result["link"] = {**step_figures(link), "stages": link_stages(store)}
                if score:
                    side_result["accuracy"] = accuracy_figures(
                        score_person_index(store, data / "truth.csv", temp_dir=temp)
                    )
            except BenchmarkError as exc:
                print(f"!! scale / {side} failed: {exc}", file=sys.stderr)
                side_result["error"] = exc.reason
            result[side] = side_result
            _finish_scale(result, save)
    return result


def _finish_scale(result: dict[str, Any], save: Callable[[dict[str, Any]], None] | None) -> None:
    """Checks on what has been measured so far, then hand it to ``save``: a late failure loses nothing."""
    clear_link = (result.get("clear") or {}).get("link")
    hashed_link = (result.get("hashed") or {}).get("link")
    checks: dict[str, Any] = {
        "hash_wall_seconds": result["hash_wall_seconds"],
        "hash_target_met": result["hash_wall_seconds"] < HASH_TARGET_SECONDS,
    }
    if clear_link and hashed_link:
        ratio = hashed_link["wall_seconds"] / clear_link["wall_seconds"]
        checks.update(link_ratio=round(ratio, 3), link_target_met=ratio <= LINK_RATIO_TARGET)
    result["checks"] = checks
    result["measured_at"] = datetime.now().isoformat(timespec="seconds")
    result["mpi_commit"] = code_version()["mpi_commit"]
    if save is not None:
        save(result)


def _parquet_rows(path: Path) -> int:
    import pyarrow.parquet as pq

    return int(pq.ParquetFile(path).metadata.num_rows)


# --- reporting ------------------------------------------------------------------------------------


def accuracy_checks(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per data set: hashed F1 minus clear F1, and whether it is within the tolerance."""
    by_key = {(r["dataset"], r["side"]): r for r in rows if not r.get("error")}
    checks = []
    for name in ACCURACY_PARTS:
        clear, hashed = by_key.get((name, "clear")), by_key.get((name, "hashed"))
        if clear and hashed:
            delta = hashed["pairwise_f1"] - clear["pairwise_f1"]
            checks.append({"dataset": name, "f1_delta": delta, "met": abs(delta) <= F1_TOLERANCE})
    return checks


TABLE_HEADERS = ["data set", "side", "threshold", "records", "persons (pred / true)", "pairwise P", "pairwise R",
                 "pairwise F1", "B-cubed F1", "wall s", "peak RSS MB", "steps (wall s)"]  # fmt: skip


def side_cells(row: dict[str, Any]) -> list[str]:
    if row.get("error"):
        return [row["dataset"], row["side"], *["-"] * 9, f"FAILED {row['error']}"]
    steps = ", ".join(f"{k} {v['wall_seconds']:.1f}" for k, v in row["steps"].items())
    return [
        row["dataset"], row["side"], f"{row['threshold']}" if row.get("threshold") else "?", f"{row['records']:,}",
        f"{row['predicted_persons']:,} / {row['true_persons']:,}", f"{row['pairwise_precision']:.4f}",
        f"{row['pairwise_recall']:.4f}", f"{row['pairwise_f1']:.4f}", f"{row['bcubed_f1']:.4f}",
        f"{row['wall_seconds']:.1f}", f"{row['peak_rss_mb']:,.0f}", steps,
    ]  # fmt: skip


def sides_table(rows: list[dict[str, Any]]) -> str:
    order = {name: i for i, name in enumerate(ACCURACY_PARTS)}
    ordered = sorted(rows, key=lambda r: (order.get(r["dataset"], 99), SIDES.index(r["side"])))
    return markdown_table(TABLE_HEADERS, [side_cells(r) for r in ordered])


def merged_with_saved(payload: dict[str, Any], path: Path) -> dict[str, Any]:
    """Rows of the data sets run now replace the saved ones; a scale part not run now is kept."""
    if not path.is_file():
        return payload
    saved = json.loads(path.read_text(encoding="utf-8"))
    rerun = {r["dataset"] for r in payload["rows"]}
    rows = [r for r in saved.get("rows", []) if r["dataset"] not in rerun] + payload["rows"]
    return {**payload, "rows": rows, "scale": payload.get("scale") or saved.get("scale")}


def save_results(new_rows: list[dict[str, Any]], scale: dict[str, Any] | None, load_before: float) -> None:
    payload = merged_with_saved(
        {"load_average_before": load_before, "rows": new_rows, "scale": scale},
        RESULTS_DIR / f"{RESULT_NAME}.json",
    )
    payload["accuracy_checks"] = accuracy_checks(payload["rows"])
    write_result(RESULT_NAME, payload)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--only",
        type=lambda v: parse_names(v, PARTS, "part"),
        default=list(PARTS),
        help=f"comma-separated parts (default all: {','.join(PARTS)})",
    )
    parser.add_argument(
        "--scale-persons",
        type=int,
        default=SCALE_PERSONS,
        help="persons of the scale part's synth directory (default 1,000,000; smaller only to try the script out)",
    )
    parser.add_argument(
        "--scale-no-score", action="store_true", help="scale part: leave out scoring the 1M person indexes"
    )
    add_common_arguments(parser, RESULT_NAME)
    args = parser.parse_args()
    require_gnu_time()
    pin_mpi_to_ref(args.mpi_ref, args.work)

    load_before = load_average()
    key_file = ensure_key_file(args.work)
    rows: list[SideRow] = []
    for name in (p for p in args.only if p in ACCURACY_PARTS):
        rows.extend(run_accuracy_part(name, args.work, key_file))
    scale = None
    if "scale" in args.only:
        save = None if args.no_save else (lambda partial: save_results([], partial, load_before))
        scale = run_scale_part(
            args.work, key_file, args.scale_persons, score=not args.scale_no_score, save=save
        )
    new_rows = [asdict(r) for r in rows]
    if new_rows:
        print("\n" + sides_table(new_rows))
        for check in accuracy_checks(new_rows):
            print(f"{check['dataset']}: hashed F1 - clear F1 = {check['f1_delta']:+.4f} "
                  f"({'within' if check['met'] else 'OUTSIDE'} {F1_TOLERANCE})")  # fmt: skip
    if scale:
        print(f"\nscale: mpi hash {scale['hash_wall_seconds']:.1f} s in all; checks {scale['checks']}")
    if not args.no_save:
        save_results(new_rows, scale, load_before)
    if any(r.error for r in rows) or (scale and any("error" in scale.get(s, {}) for s in SIDES)):
        sys.exit(1)


if __name__ == "__main__":
    main()
