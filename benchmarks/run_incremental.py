"""Incremental linking at scale: a 10% batch linked incrementally, beside a full relink of the union.

Targets (issue #5): on 1M persons, linking a batch of 10% new records costs under 25% of the wall
time of a full relink, with the same pairwise F1 (within 0.002) as that full relink; relinking
unchanged data changes no person id; a batch changes the ids only of persons that merged or split,
each change recorded in person_history.

How (every mpi step its own process under GNU time, as in the other benchmarks):

    split    each source file of `mpi synth` (reused from run_foundation.py / run_scale.py, and copied
             first: another benchmark may regenerate them mid-run) into a 90% base and a 10% batch
             by a seeded hash of (source, record id). A hash, not "the last 10% of rows", so the
             batch is spread over all six agencies and holds both records of persons the base
             already knows and persons it has never seen (the mix is counted against truth.csv and
             reported); seeded, so every run adds the same batch.
             Lines are copied byte for byte (Parquet through polars), so a record reloaded from the
             full file has the content hash it had in the base file and only the batch is new.
    base     a project whose data files are symlinks to the base files: `mpi ingest`, then
             `mpi train --name bench` on the base, then `mpi link --model bench` (first run: full).
    batch    the symlinks now point at the original (100%) files, a reload that adds the batch:
             `mpi ingest`, `mpi link --model bench` (incremental: same model and threshold) -> timed
             and scored.
    full     `mpi link --model bench --full` on the same store: the full relink of the union -> timed
             and scored; the ids it changes are counted, and its kept pairs are set beside the
             incremental run's to show which scores moved (pairs kept from the base link keep the
             score they got then).
    again    `mpi link --full` once more, then `mpi link` (incremental, nothing new): the data is
             unchanged since the previous link, so neither may change an id (`--no-second-full`
             leaves out the full one, ~8 minutes at 1M).

Model: one model for every link, trained once on the base (what an operator has when the batch
arrives), so the incremental link keeps the model and threshold of the last run. Not the shipped
`default` model: trained on another population, it over-merged at 1M at cbfc4fc (pairwise precision
0.02, one person of 10,168 records; RESULTS.md), and the F1 comparison means something only when both
clusterings are sensible. `--model default` links with it anyway; `--reuse-model` skips training when
the project already holds the model (for development: the results then name a model trained earlier);
`--model-file PATH` links with a model trained elsewhere, e.g. run_scale.py's on the same 1M files
(it has then seen the batch, which helps both links alike: the comparison is incremental against full
with one model, and training at 1M takes 10-20 minutes on a shared machine).

The ratio compares the two `mpi link` processes' wall times (GNU time). Ingest is left out of it:
a reload costs the same ingest whichever link follows, so it is reported but not in the ratio.
Stage timings inside each link (score, cluster, the rest) come from the store's `runs` table.

Stability is read back from the store after each link, not from mpi's own counts: the index before
the run (`person_index_before_run`) against the index after it. An old person is intact when all its
records are still together and nothing else pre-existing joined them; an intact person must keep its
id. Every record whose id changed must have a `record_moved` row in person_history for that run, and
its old person must be one that merged or split.

Runs at 500k persons and more hold /tmp/mpi-heavy.lock (flock) from the first ingest to the last
score, so only one heavy run uses the shared machine at a time. About 30 minutes at 1M on 2 cores
(train is half of it):

    nohup /tmp/venv/bin/python benchmarks/run_incremental.py --mpi-ref HEAD > /tmp/mpi-bench/incremental/run.out 2>&1 &
    /tmp/venv/bin/python benchmarks/run_incremental.py --persons 100000 --no-save   # a quick look
"""

from __future__ import annotations

import argparse
import csv
import fcntl
import hashlib
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from harness import (
    BenchmarkError,
    TimedRun,
    add_common_arguments,
    add_synthetic_population_arguments,
    load_average,
    markdown_table,
    mpi_command,
    pin_mpi_to_ref,
    remove_store,
    require_gnu_time,
    run_timed,
    write_result,
)
from run_scale import ensure_synthetic_files, score

from mpi.config import SourceConfig, load_config

WALL_RATIO_TARGET = 0.25
F1_TOLERANCE = 0.002
TRAINED_MODEL = "bench"
SHIPPED_MODEL = "default"
BATCH_SHARE = 0.10
HEAVY_LOCK = Path("/tmp/mpi-heavy.lock")
HEAVY_FROM_PERSONS = 500_000
HASH_SCALE = 2**64
# The links after the incremental one, each checked for the person ids it moved.
RELINKS = ("link_full", "link_full_again", "link_unchanged")


# --- the split ------------------------------------------------------------------------------------


def in_batch(source: str, record_id: str, *, split_seed: int, share: float) -> bool:
    """A record's side of the split: a seeded hash, stable across runs and Python processes."""
    digest = hashlib.blake2b(f"{split_seed}\x1f{source}\x1f{record_id}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") < share * HASH_SCALE


def split_text_file(
    source: SourceConfig, base_path: Path, *, split_seed: int, share: float
) -> tuple[int, list[str]]:
    """Copy the header and the base lines byte for byte; return (base rows, the batch's record ids).

    The synthetic files hold one record per line (checked against truth.csv by the caller); each line
    is parsed on its own only to find the record id.
    """
    delimiter = source.delimiter or ","
    encoding = source.encoding or "utf-8"
    base_rows, batch_ids = 0, []
    with source.path.open("rb") as full, base_path.open("wb") as base:
        header = full.readline()
        base.write(header)
        columns = next(csv.reader([header.decode(encoding).rstrip("\r\n")], delimiter=delimiter))
        id_column = columns.index(source.record_id)
        for line in full:
            fields = next(csv.reader([line.decode(encoding).rstrip("\r\n")], delimiter=delimiter))
            record_id = fields[id_column]
            if in_batch(source.name, record_id, split_seed=split_seed, share=share):
                batch_ids.append(record_id)
            else:
                base.write(line)
                base_rows += 1
    return base_rows, batch_ids


def split_parquet_file(
    source: SourceConfig, base_path: Path, *, split_seed: int, share: float
) -> tuple[int, list[str]]:
    frame = pl.read_parquet(source.path)
    ids = frame.get_column(source.record_id).cast(pl.String).to_list()
    batch = pl.Series([in_batch(source.name, i, split_seed=split_seed, share=share) for i in ids])
    frame.filter(~batch).write_parquet(base_path)
    return int((~batch).sum()), [i for i, b in zip(ids, batch.to_list(), strict=True) if b]


def split_sources(
    data_dir: Path, split_dir: Path, *, split_seed: int, share: float
) -> tuple[list[dict[str, Any]], Path]:
    """Base files in split_dir (same names as the originals) and split_dir/batch_records.csv."""
    config = load_config(data_dir / "mpi.toml")
    split_dir.mkdir(parents=True, exist_ok=True)
    per_source, batch_rows = [], []
    for source in config.sources.values():
        started = time.perf_counter()
        base_path = split_dir / source.path.name
        splitter = split_parquet_file if source.format == "parquet" else split_text_file
        base_rows, batch_ids = splitter(source, base_path, split_seed=split_seed, share=share)
        batch_rows.extend((source.name, record_id) for record_id in batch_ids)
        per_source.append({"source": source.name, "base": base_rows, "batch": len(batch_ids)})
        print(f"split {source.name}: {base_rows:,} base, {len(batch_ids):,} batch "
              f"({time.perf_counter() - started:.1f}s)", flush=True)  # fmt: skip
    batch_csv = split_dir / "batch_records.csv"
    with batch_csv.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["source", "record_id"])
        writer.writerows(batch_rows)
    return per_source, batch_csv


def batch_mix(truth_csv: Path, batch_csv: Path) -> dict[str, Any]:
    """What the batch holds, by truth: records of persons the base knows, and persons new to the index."""
    con = duckdb.connect()
    try:
        con.execute(
            "CREATE TABLE truth AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [str(truth_csv)],
        )
        con.execute(
            "CREATE TABLE batch AS SELECT * FROM read_csv(?, all_varchar = true, header = true)",
            [str(batch_csv)],
        )
        row = con.execute(
            """
            WITH b AS (SELECT t.* FROM truth AS t SEMI JOIN batch USING (source, record_id)),
                 base_persons AS (SELECT DISTINCT person_id FROM truth ANTI JOIN batch USING (source, record_id))
            SELECT (SELECT count(*) FROM truth),
                   (SELECT count(*) FROM b),
                   (SELECT count(*) FROM b SEMI JOIN base_persons USING (person_id)),
                   (SELECT count(*) FROM b ANTI JOIN base_persons USING (person_id)),
                   (SELECT count(DISTINCT person_id) FROM b ANTI JOIN base_persons USING (person_id)),
                   (SELECT count(*) FROM base_persons),
                   (SELECT count(*) FROM batch)
            """
        ).fetchall()[0]
        by_source = dict(con.execute("SELECT source, count(*) FROM truth GROUP BY source").fetchall())
    finally:
        con.close()
    return {
        "truth_records_by_source": {str(k): int(v) for k, v in by_source.items()},
        "truth_records": row[0],
        "batch_records_in_truth": row[1],
        "batch_records_of_known_persons": row[2],
        "batch_records_of_new_persons": row[3],
        "new_persons": row[4],
        "base_persons": row[5],
        "batch_records": row[6],
    }


def copy_synthetic_files(data_dir: Path, copy_dir: Path) -> Path:
    """Our own copy of the files: another benchmark may regenerate the shared synth directory mid-run."""
    copy_dir.mkdir(parents=True, exist_ok=True)
    sources = load_config(data_dir / "mpi.toml").sources.values()
    for name in ("mpi.toml", "truth.csv", *(s.path.name for s in sources)):
        shutil.copy2(data_dir / name, copy_dir / name)
    return copy_dir


def point_project_at(project_dir: Path, files: dict[str, Path]) -> None:
    """The project's data files are symlinks; swapping them is the reload."""
    for name, target in files.items():
        link = project_dir / name
        link.unlink(missing_ok=True)
        link.symlink_to(target)


# --- reading the store back -----------------------------------------------------------------------


def latest_run(store_path: Path) -> dict[str, Any]:
    """The `runs` row of the latest link: its kind, counts and stage timings."""
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        cursor = con.execute(
            "SELECT run_id, kind, model, threshold, records, records_new, comparisons, pairs_kept, "
            "pairs_matched, persons, ids_created, ids_retired, seconds_predict, seconds_cluster, "
            "seconds_total FROM runs ORDER BY run_id DESC LIMIT 1"
        )
        names = [d[0] for d in cursor.description]
        row = dict(zip(names, cursor.fetchall()[0], strict=True))
    finally:
        con.close()
    known = (row["seconds_predict"] or 0.0) + (row["seconds_cluster"] or 0.0)
    # Marking new records, snapshot for undo, writing pairs, id rule and history: all after clustering.
    row["seconds_other"] = (row["seconds_total"] or 0.0) - known
    return row


STABILITY_SQL = """
WITH before AS (
    SELECT source, record_id, person_id FROM person_index_before_run WHERE run_id = $run_id
),
kept AS (
    SELECT b.source, b.record_id, b.person_id AS old_id, a.person_id AS new_id
    FROM before AS b JOIN person_index AS a USING (source, record_id)
),
old_persons AS (
    SELECT old_id, count(DISTINCT new_id) AS new_persons FROM kept GROUP BY old_id
),
new_persons AS (
    SELECT new_id, count(DISTINCT old_id) AS old_persons FROM kept GROUP BY new_id
),
-- Intact: all the old person's records are in one new person, which holds no other old records.
verdict AS (
    SELECT o.old_id, o.new_persons > 1 AS split, max(n.old_persons) > 1 AS merged
    FROM old_persons AS o JOIN kept AS k USING (old_id) JOIN new_persons AS n USING (new_id)
    GROUP BY o.old_id, o.new_persons
),
changed AS (SELECT * FROM kept WHERE old_id <> new_id),
moved AS (
    SELECT source, record_id, from_person_id AS old_id, to_person_id AS new_id
    FROM person_history WHERE run_id = $run_id AND event = 'record_moved'
),
person_events AS (
    SELECT DISTINCT person_id AS old_id FROM person_history
    WHERE run_id = $run_id AND event IN ('merged', 'split')
)
SELECT
    (SELECT count(*) FROM before),
    (SELECT count(*) FROM changed),
    (SELECT count(DISTINCT old_id) FROM changed),
    (SELECT count(*) FROM changed ANTI JOIN moved USING (source, record_id, old_id, new_id)),
    (SELECT count(*) FROM verdict WHERE split),
    (SELECT count(*) FROM verdict WHERE merged),
    (SELECT count(*) FROM verdict WHERE NOT split AND NOT merged),
    (SELECT count(DISTINCT old_id) FROM changed JOIN verdict USING (old_id) WHERE NOT split AND NOT merged),
    (SELECT count(DISTINCT old_id) FROM changed SEMI JOIN person_events USING (old_id)),
    (SELECT count(*) FROM person_history WHERE run_id = $run_id)
"""


def stability(store_path: Path, run_id: int) -> dict[str, Any]:
    """Which person ids a run changed, whether each change was warranted and whether history has it."""
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        row = con.execute(STABILITY_SQL, {"run_id": run_id}).fetchall()[0]
    finally:
        con.close()
    result = {
        "records_before": row[0],
        "records_id_changed": row[1],
        "persons_id_changed": row[2],
        "changes_missing_from_history": row[3],
        "old_persons_split": row[4],
        "old_persons_merged": row[5],
        "old_persons_intact": row[6],
        "intact_persons_whose_id_changed": row[7],
        "changed_persons_with_merge_or_split_event": row[8],
        "history_rows": row[9],
    }
    result["ids_stable_where_unchanged"] = result["intact_persons_whose_id_changed"] == 0
    result["all_changes_in_history"] = result["changes_missing_from_history"] == 0
    return result


# --- the run --------------------------------------------------------------------------------------


@contextmanager
def heavy_lock(path: Path | None) -> Iterator[None]:
    """flock(2) on the shared lock file, the same lock `flock /tmp/mpi-heavy.lock CMD` takes."""
    if path is None:
        yield
        return
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o666)
    try:
        print(f"waiting for {path} ...", flush=True)
        started = time.monotonic()
        fcntl.flock(fd, fcntl.LOCK_EX)
        print(f"holding {path} (waited {time.monotonic() - started:.0f}s)", flush=True)
        yield
    finally:
        os.close(fd)  # closing releases the lock


class Steps:
    """The timed mpi steps of one run, recorded as they finish (a failure is recorded, then raised)."""

    def __init__(self, config_path: Path, logs: Path) -> None:
        self.mpi = [*mpi_command(), "--config", config_path]
        self.logs = logs
        self.done: dict[str, dict[str, Any]] = {}

    def run(self, key: str, *args: str) -> TimedRun:
        try:
            run = run_timed(f"mpi.{key}", [*self.mpi, *args], log_dir=self.logs, echo=True)
        except BenchmarkError as exc:
            self.done[key] = {"error": exc.reason}
            raise
        self.done[key] = run.as_dict()
        return run


def keep_store_copy(store_path: Path, copy_dir: Path) -> None:
    """The store just before the incremental link, so that link can be rerun (profiled) on its own."""
    shutil.rmtree(copy_dir, ignore_errors=True)
    copy_dir.mkdir(parents=True)
    for path in (store_path, store_path.with_name(store_path.name + ".wal")):
        if path.is_file():
            shutil.copy2(path, copy_dir / path.name)


def copy_model(model_json: Path, models_dir: Path, name: str) -> None:
    """A model trained elsewhere (and its meta file: the threshold chosen at training) as NAME."""
    models_dir.mkdir(parents=True, exist_ok=True)
    meta = model_json.with_name(model_json.name.removesuffix(".json") + ".meta.json")
    shutil.copy2(model_json, models_dir / f"{name}.json")
    if meta.is_file():
        shutil.copy2(meta, models_dir / f"{name}.meta.json")


def run_link(steps: Steps, key: str, store_path: Path, *args: str) -> dict[str, Any]:
    steps.run(key, "link", *args)
    run = latest_run(store_path)
    steps.done[key] |= {"run": run, "stability": stability(store_path, run["run_id"])}
    return steps.done[key]


PAIR_KEY_SQL = (
    "least(source_l || chr(31) || record_id_l, source_r || chr(31) || record_id_r) AS key_a, "
    "greatest(source_l || chr(31) || record_id_l, source_r || chr(31) || record_id_r) AS key_b"
)


def export_pairs(store_path: Path, parquet: Path) -> Path:
    """The kept pairs with their scores, to set beside the next run's."""
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        con.execute(
            f"COPY (SELECT run_id, {PAIR_KEY_SQL}, match_probability FROM pairs) "
            f"TO '{str(parquet).replace(chr(39), chr(39) * 2)}' (FORMAT parquet)"
        )
    finally:
        con.close()
    return parquet


def compare_pairs(before: Path, store_path: Path, *, incremental_run: int) -> dict[str, Any]:
    """Kept pairs after the incremental link against those after the full relink: which scores moved.

    A pair kept from an earlier run keeps the score it got then; the full relink scores it again.
    Pairs scored by the incremental run itself are split out, since they should score the same.
    """
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        threshold = con.execute("SELECT threshold FROM runs ORDER BY run_id DESC LIMIT 1").fetchall()[0][0]
        rows = con.execute(
            f"""
            WITH inc AS (SELECT * FROM read_parquet($before)),
                 full_ AS (SELECT {PAIR_KEY_SQL}, match_probability FROM pairs)
            SELECT inc.run_id = $run AS scored_by_incremental,
                   count(*) FILTER (WHERE inc.key_a IS NOT NULL) AS kept_after_incremental,
                   count(*) FILTER (WHERE full_.key_a IS NULL) AS not_kept_by_full,
                   count(*) FILTER (WHERE inc.key_a IS NULL) AS kept_only_by_full,
                   count(*) FILTER (WHERE abs(inc.match_probability - full_.match_probability) > 1e-9) AS rescored,
                   count(*) FILTER (WHERE (inc.match_probability >= $threshold)
                                    <> (full_.match_probability >= $threshold)) AS crossed_threshold,
                   coalesce(max(abs(inc.match_probability - full_.match_probability)), 0) AS largest_change
            FROM inc FULL JOIN full_ USING (key_a, key_b)
            GROUP BY ALL ORDER BY ALL
            """,
            {"before": str(before), "run": incremental_run, "threshold": threshold},
        )
        names = [d[0] for d in rows.description]
        groups = [dict(zip(names, row, strict=True)) for row in rows.fetchall()]
    finally:
        con.close()
    by_origin = {"earlier_runs": False, "incremental_run": True, "full_only": None}
    found = {g.pop("scored_by_incremental"): g for g in groups}
    return {"threshold": threshold, **{name: found.get(flag) for name, flag in by_origin.items()}}


def run_incremental(
    args: argparse.Namespace, data_dir: Path, out_dir: Path, logs: Path
) -> tuple[dict[str, Any], dict[str, Any]]:
    """base ingest, train, link; reload with the batch, incremental link; full relink; a relink of nothing."""
    temp = out_dir / "duckdb_temp"
    split_dir = out_dir / "split"
    project = out_dir / "project"
    project.mkdir(parents=True, exist_ok=True)
    (project / "mpi.toml").write_text((data_dir / "mpi.toml").read_text(encoding="utf-8"), encoding="utf-8")
    config = load_config(project / "mpi.toml")
    store_path = config.store_path
    full_files = {
        s.path.name: data_dir / s.path.name for s in load_config(data_dir / "mpi.toml").sources.values()
    }
    base_files = {name: split_dir / name for name in full_files}
    accuracy: dict[str, Any] = {}
    steps = Steps(project / "mpi.toml", logs)
    model_file = project / "models" / f"{args.model}.json"
    if args.model_file:
        copy_model(args.model_file, project / "models", args.model)
    train = args.model != SHIPPED_MODEL and not (
        (args.reuse_model or args.model_file) and model_file.is_file()
    )
    if train:
        for stale in (project / "models").glob(f"{args.model}.*"):
            stale.unlink()
    remove_store(store_path)
    try:
        point_project_at(project, base_files)
        steps.run("ingest_base", "ingest")
        if train:
            steps.run("train", "train", "--name", args.model)
        run_link(steps, "link_base", store_path, "--model", args.model)
        point_project_at(project, full_files)
        steps.run("ingest_union", "ingest")
        keep_store_copy(store_path, out_dir / "before_batch_link")
        run_link(steps, "link_incremental", store_path, "--model", args.model)
        accuracy["incremental"] = score(store_path, data_dir / "truth.csv", temp)
        incremental_pairs = export_pairs(store_path, out_dir / "pairs_after_incremental.parquet")
        run_link(steps, "link_full", store_path, "--model", args.model, "--full")
        accuracy["full"] = score(store_path, data_dir / "truth.csv", temp)
        steps.done["link_full"]["pairs_against_incremental"] = compare_pairs(
            incremental_pairs, store_path, incremental_run=steps.done["link_incremental"]["run"]["run_id"]
        )
        # The full relink re-derived term frequencies from the union; relinking the same data again must not move ids.
        if not args.no_second_full:
            run_link(steps, "link_full_again", store_path, "--model", args.model, "--full")
        run_link(steps, "link_unchanged", store_path, "--model", args.model)
    except BenchmarkError as exc:
        print(exc)
    steps.done["model"] = {"name": args.model, "trained_here": train, "file": str(model_file),
                           "copied_from": str(args.model_file) if args.model_file else None}  # fmt: skip
    return steps.done, accuracy


def verdict(steps: dict[str, Any], accuracy: dict[str, Any], split: dict[str, Any]) -> dict[str, Any]:
    checks: dict[str, Any] = {}
    inc, full = steps.get("link_incremental", {}), steps.get("link_full", {})
    if "wall_seconds" in inc and "wall_seconds" in full:
        ratio = inc["wall_seconds"] / full["wall_seconds"]
        inside = inc["run"]["seconds_total"] / full["run"]["seconds_total"]
        checks |= {
            "incremental_wall_seconds": inc["wall_seconds"],
            "full_wall_seconds": full["wall_seconds"],
            "wall_ratio": ratio,
            "inside_link_ratio": inside,  # seconds_total from `runs`: without process start-up
            "wall_target_met": ratio < WALL_RATIO_TARGET,
            "incremental_kind": inc["run"]["kind"],
            "records_new": inc["run"]["records_new"],
            "batch_records": split["mix"]["batch_records"],
        }
    if "incremental" in accuracy and "full" in accuracy:
        diff = accuracy["incremental"]["pairwise_f1"] - accuracy["full"]["pairwise_f1"]
        checks |= {
            "f1_incremental": accuracy["incremental"]["pairwise_f1"],
            "f1_full": accuracy["full"]["pairwise_f1"],
            "f1_difference": diff,
            "f1_target_met": abs(diff) <= F1_TOLERANCE,
        }
    if "stability" in inc:
        s = inc["stability"]
        checks |= {
            "batch_persons_id_changed": s["persons_id_changed"],
            "batch_records_id_changed": s["records_id_changed"],
            "batch_changes_warranted": s["ids_stable_where_unchanged"],
            "batch_changes_in_history": s["all_changes_in_history"],
        }
    for key in RELINKS:
        if "stability" in steps.get(key, {}):
            checks[f"{key}_persons_id_changed"] = steps[key]["stability"]["persons_id_changed"]
            checks[f"{key}_changes_in_history"] = steps[key]["stability"]["all_changes_in_history"]
    unchanged = [checks.get(f"{key}_persons_id_changed") for key in ("link_full_again", "link_unchanged")]
    if any(moved is not None for moved in unchanged):
        # Data unchanged since the previous link: a full relink and an incremental one must move no id.
        checks["unchanged_target_met"] = all(moved == 0 for moved in unchanged if moved is not None)
    return checks


STEP_KEYS = ("ingest_base", "train", "link_base", "ingest_union", "link_incremental", "link_full",
             "link_full_again", "link_unchanged")  # fmt: skip


def print_summary(steps: dict[str, Any], accuracy: dict[str, Any], checks: dict[str, Any]) -> None:
    rows = []
    for key in STEP_KEYS:
        step = steps.get(key)
        if step is None:
            continue
        if "error" in step:
            rows.append([key, "-", "-", "-", "-", "-", f"FAILED {step['error']}"])
            continue
        run = step.get("run")
        stab = step.get("stability")
        rows.append([
            key, f"{step['wall_seconds']:.1f}", f"{step['peak_rss_mb']:,.0f}",
            f"{run['seconds_predict']:.1f} / {run['seconds_cluster']:.1f} / {run['seconds_other']:.1f}" if run else "",
            f"{run['kind']}, {run['records_new']:,} new, {run['comparisons']:,} scored" if run else "",
            f"{stab['persons_id_changed']:,}" if stab else "",
            "",
        ])  # fmt: skip
    print("\n" + markdown_table(["step", "wall s", "peak RSS MB", "score / cluster / other s", "link",
                                 "persons whose id changed", "note"], rows))  # fmt: skip
    for name, acc in accuracy.items():
        print(
            f"{name}: pairwise P/R/F1 {acc['pairwise_precision']:.4f} / {acc['pairwise_recall']:.4f} / "
            f"{acc['pairwise_f1']:.4f}, B-cubed F1 {acc['bcubed_f1']:.4f}, persons {acc['predicted_persons']:,}"
        )
    if "wall_ratio" in checks:
        print(
            f"\nincremental link {checks['incremental_wall_seconds']:.1f}s vs full relink "
            f"{checks['full_wall_seconds']:.1f}s: {checks['wall_ratio']:.1%} (target < {WALL_RATIO_TARGET:.0%}): "
            f"{'met' if checks['wall_target_met'] else 'MISSED'}"
        )
    if "f1_difference" in checks:
        print(
            f"pairwise F1 incremental {checks['f1_incremental']:.4f} vs full {checks['f1_full']:.4f}: "
            f"difference {checks['f1_difference']:+.4f} (target within {F1_TOLERANCE}): "
            f"{'met' if checks['f1_target_met'] else 'MISSED'}"
        )
    if "batch_persons_id_changed" in checks:
        print(
            f"batch: {checks['batch_persons_id_changed']:,} persons ({checks['batch_records_id_changed']:,} records) "
            f"changed id; all merged or split: {checks['batch_changes_warranted']}; all in person_history: "
            f"{checks['batch_changes_in_history']}"
        )
    drift = steps.get("link_full", {}).get("pairs_against_incremental")
    if drift and drift.get("earlier_runs"):
        old, new = drift["earlier_runs"], drift.get("incremental_run") or {}
        print(
            f"full relink vs the incremental run's pairs: of {old['kept_after_incremental']:,} pairs kept from "
            f"earlier runs {old['rescored']:,} scored differently, {old['crossed_threshold']:,} across the "
            f"threshold {drift['threshold']}; of {new.get('kept_after_incremental', 0):,} scored by the "
            f"incremental run {new.get('rescored', 0):,} differently"
        )
    for key in RELINKS:
        if f"{key}_persons_id_changed" in checks:
            print(f"{key}: {checks[f'{key}_persons_id_changed']:,} persons changed id")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_synthetic_population_arguments(parser)
    parser.add_argument("--split-seed", type=int, default=1, help="seed of the base/batch hash")
    parser.add_argument(
        "--batch-share", type=float, default=BATCH_SHARE, help="share of records in the batch"
    )
    parser.add_argument(
        "--model",
        default=TRAINED_MODEL,
        help=f"model for every link: trained on the base unless it is the shipped {SHIPPED_MODEL!r}",
    )
    parser.add_argument(
        "--reuse-model", action="store_true", help="do not retrain when the project already has the model"
    )
    parser.add_argument(
        "--model-file",
        type=lambda value: Path(value).resolve(),
        default=None,
        help="link with this model file (and its .meta.json) as --model instead of training one",
    )
    parser.add_argument(
        "--no-second-full",
        action="store_true",
        help="skip the second full relink (the check that relinking unchanged data moves no id; ~8 min at 1M)",
    )
    parser.add_argument(
        "--no-lock",
        action="store_true",
        help=f"do not take {HEAVY_LOCK} (taken by default from {HEAVY_FROM_PERSONS:,} persons)",
    )
    add_common_arguments(parser, "incremental")
    args = parser.parse_args()
    require_gnu_time()
    pin_mpi_to_ref(args.mpi_ref, args.work)

    # Everything this benchmark writes stays under one directory; the synthetic files are only read.
    out_dir = args.work / "incremental" / f"{args.persons}_seed{args.seed}"
    logs = out_dir / "logs"
    shared_dir, _ = ensure_synthetic_files(args, logs)
    data_dir = copy_synthetic_files(shared_dir, out_dir / "data")
    per_source, batch_csv = split_sources(
        data_dir, out_dir / "split", split_seed=args.split_seed, share=args.batch_share
    )
    split = {"seed": args.split_seed, "share": args.batch_share, "per_source": per_source,
             "mix": batch_mix(data_dir / "truth.csv", batch_csv)}  # fmt: skip
    mix = split["mix"]
    for part in per_source:
        # One record per line is what split_text_file assumes; truth.csv has a row per record.
        if part["base"] + part["batch"] != mix["truth_records_by_source"].get(part["source"]):
            raise SystemExit(f"split of {part['source']} does not add up to its rows in truth.csv")
    if mix["batch_records_in_truth"] != mix["batch_records"]:
        raise SystemExit(
            f"{mix['batch_records'] - mix['batch_records_in_truth']} batch records are not in truth.csv"
        )
    print(
        f"batch: {mix['batch_records']:,} records, {mix['batch_records_of_known_persons']:,} of persons in the base, "
        f"{mix['batch_records_of_new_persons']:,} of {mix['new_persons']:,} persons new to the index",
        flush=True,
    )
    lock = None if args.no_lock or args.persons < HEAVY_FROM_PERSONS else HEAVY_LOCK
    with heavy_lock(lock):
        load_before = load_average()
        steps, accuracy = run_incremental(args, data_dir, out_dir, logs)
    checks = verdict(steps, accuracy, split)
    print_summary(steps, accuracy, checks)
    if not args.no_save:
        write_result(
            "incremental",
            {
                "persons": args.persons,
                "seed": args.seed,
                "load_average_before": load_before,
                "split": split,
                "steps": steps,
                "accuracy": accuracy,
                "checks": checks,
            },
        )


if __name__ == "__main__":
    main()
