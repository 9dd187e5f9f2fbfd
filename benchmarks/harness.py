"""Shared plumbing for the benchmark scripts: timed subprocesses, machine facts, result files.

Every engine run is a separate process under GNU time (`/usr/bin/time -v`), so wall time and
peak RSS are measured the same way for mpi and the plain-Splink baseline, and a crash or a
memory blow-up in one run cannot distort the next.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
REPO_DIR = BENCH_DIR.parent
RESULTS_DIR = BENCH_DIR / "results"
DEFAULT_WORK_DIR = Path("/tmp/mpi-bench")
GNU_TIME = Path("/usr/bin/time")
BASELINE_SCRIPT = BENCH_DIR / "baseline_splink.py"
FEBRL_SCRIPT = BENCH_DIR / "febrl_to_mpi.py"
PSEUDOPEOPLE_SCRIPT = BENCH_DIR / "pseudopeople_to_mpi.py"
HHS_REVIEW_SCRIPT = BENCH_DIR / "hhs_review_to_mpi.py"
SPLINK_DATASETS_SCRIPT = BENCH_DIR / "splink_datasets_to_mpi.py"
MIB = 1024 * 1024
# Set in the re-executed process when mpi is pinned to a git ref (see pin_mpi_to_ref).
PINNED_COMMIT_ENV = "MPI_BENCH_PINNED_COMMIT"
STAMP_FILE = "bench_stamp.json"


@dataclass(frozen=True, kw_only=True)
class TimedRun:
    label: str
    command: str
    wall_seconds: float
    peak_rss_mb: float
    exit_code: int
    log: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


class BenchmarkError(RuntimeError):
    """A benchmarked command failed; the message names it and shows the end of its log."""

    def __init__(self, message: str, *, reason: str = "", run: TimedRun | None = None) -> None:
        super().__init__(message)
        self.reason = reason or message.splitlines()[0]
        self.run = run  # the failed run's time and memory until it stopped, when it ran at all


def failure_reason(log_text: str, exit_code: int) -> str:
    """One line for a results table: mpi's own `Error: ...` message if it printed one, else the last line."""
    lines = [line.strip() for line in log_text.splitlines() if line.strip()]
    start = next((i for i, line in enumerate(lines) if line.startswith("Error:")), None)
    text = " ".join(lines[start : start + 3]) if start is not None else (lines[-1] if lines else "")
    if exit_code < 0:
        # Signal 9 with no error of the program's own is almost always the kernel's OOM killer.
        return f"killed by signal {-exit_code}{' (out of memory?)' if exit_code == -9 else ''}"
    return f"exit {exit_code}: {text[:200]}"


def require_gnu_time() -> None:
    """Stop early with the fix when GNU time is missing: a shell builtin `time` has no -v."""
    try:
        version = subprocess.run([str(GNU_TIME), "--version"], capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise SystemExit(f"{GNU_TIME} not found. Install GNU time: apt-get install -y time") from None
    if "GNU" not in version.stdout + version.stderr:
        raise SystemExit(f"{GNU_TIME} is not GNU time (no -v). Install it: apt-get install -y time")


def mpi_command() -> list[str]:
    """The mpi CLI of the interpreter running the benchmark, so the venv's editable mpi is measured."""
    beside_python = Path(sys.executable).with_name("mpi")
    if beside_python.exists():
        return [str(beside_python)]
    found = shutil.which("mpi")
    if found is None:
        raise SystemExit("The mpi command is not installed: pip install -e . in the repository.")
    return [found]


def python_command() -> list[str]:
    return [sys.executable]


def parse_gnu_time(report: str) -> tuple[float, float, int]:
    """(wall seconds, peak RSS in MB, exit status) from `time -v` output."""
    wall_match = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): ([\d:.]+)", report)
    rss_match = re.search(r"Maximum resident set size \(kbytes\): (\d+)", report)
    status_match = re.search(r"Exit status: (\d+)", report)
    if wall_match is None or rss_match is None:
        raise BenchmarkError(f"Cannot read GNU time output:\n{report}")
    seconds = 0.0
    for part in wall_match.group(1).split(":"):
        seconds = seconds * 60 + float(part)
    # A killed process (the OOM killer's SIGKILL) gets "Command terminated by signal N" and still
    # "Exit status: 0"; report it as -N so it cannot pass for a success.
    signal_match = re.search(r"Command terminated by signal (\d+)", report)
    if signal_match:
        status = -int(signal_match.group(1))
    else:
        status = int(status_match.group(1)) if status_match else -1
    return seconds, int(rss_match.group(1)) / 1024, status


@dataclass(frozen=True, kw_only=True)
class Limits:
    """When the harness stops a run itself, so a runaway engine cannot take the shared machine down."""

    max_seconds: float | None = None
    # DuckDB spills to disk under memory pressure; the 1M baseline wrote ~40 GB before it was stopped.
    min_free_disk_gb: float = 10.0


WATCH_INTERVAL_SECONDS = 5.0


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _watch(
    proc: subprocess.Popen[str], limits: Limits, disk: Path, done: threading.Event, stopped: list[str]
) -> None:
    """Stop the timed command (not GNU time, which must live to write its report) if it breaks a limit."""
    started = time.monotonic()
    while not done.wait(WATCH_INTERVAL_SECONDS):
        elapsed = time.monotonic() - started
        free_gb = shutil.disk_usage(disk).free / 1024**3
        if limits.max_seconds is not None and elapsed > limits.max_seconds:
            stopped.append(f"stopped by the benchmark at its time limit ({limits.max_seconds:.0f}s)")
        elif free_gb < limits.min_free_disk_gb:
            stopped.append(f"stopped by the benchmark: free disk fell to {free_gb:.1f} GB (DuckDB spill)")
        else:
            continue
        print(f"!! {stopped[-1]}", flush=True)
        for child in _children(proc.pid):
            os.kill(child, signal.SIGTERM)
        return


def run_timed(
    label: str,
    command: Sequence[str | Path | int],
    *,
    log_dir: Path,
    cwd: Path | None = None,
    echo: bool = False,
    check: bool = True,
    limits: Limits | None = None,
) -> TimedRun:
    """Run `command` under GNU time; its output goes to log_dir/<label>.log (and the screen if echo).

    The command runs in `cwd`, by default log_dir: DuckDB spills to `.tmp` under its working
    directory, and a benchmark killed mid-query must not leave gigabytes in the repository.
    """
    log_dir.mkdir(parents=True, exist_ok=True)
    log_path = log_dir / f"{label}.log"
    time_path = log_dir / f"{label}.time"
    workdir = cwd or log_dir
    argv = [str(part) for part in command]
    shown = " ".join(argv)
    print(f"[{label}] {shown}\n[{label}] log: {log_path}", flush=True)
    # -o keeps time's report out of the command's own stderr, which we log verbatim.
    timed = [str(GNU_TIME), "-v", "-o", str(time_path), *argv]
    stopped: list[str] = []
    done = threading.Event()
    with (
        # Line-buffered, so `tail -f` on a long step's log shows its progress as it happens.
        log_path.open("w", encoding="utf-8", buffering=1) as log,
        subprocess.Popen(
            timed, cwd=workdir, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, errors="replace"
        ) as proc,
    ):
        watcher = threading.Thread(target=_watch, args=(proc, limits or Limits(), workdir, done, stopped))
        watcher.start()
        assert proc.stdout is not None
        for line in proc.stdout:
            log.write(line)
            if echo:
                sys.stdout.write(line)
                sys.stdout.flush()
        proc.wait()
        done.set()
        watcher.join()
    wall, rss_mb, status = parse_gnu_time(time_path.read_text(encoding="utf-8"))
    run = TimedRun(
        label=label, command=shown, wall_seconds=wall, peak_rss_mb=rss_mb, exit_code=status, log=str(log_path)
    )
    outcome = f"killed by signal {-status}" if status < 0 else f"exit {status}"
    print(f"[{label}] {outcome}, {wall:.1f}s wall, peak RSS {rss_mb:,.0f} MB", flush=True)
    if status != 0:
        # A killed DuckDB leaves its spill files behind (mpi's beside its store, removed when mpi
        # next opens it read-write); nothing else runs in workdir meanwhile.
        shutil.rmtree(workdir / ".tmp", ignore_errors=True)
        for spill in workdir.glob("**/*.duckdb.tmp"):
            shutil.rmtree(spill, ignore_errors=True)
    if check and status != 0:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        tail = "".join(text.splitlines(True)[-30:])
        why = stopped[0] if stopped else failure_reason(text, status)
        raise BenchmarkError(
            f"{label} failed (exit {status}): {shown}\n--- end of {log_path} ---\n{tail}",
            reason=f"{label.rsplit('.', 1)[-1]} {why}",
            run=run,
        )
    return run


def synth_dir(work: Path, persons: int, seed: int) -> Path:
    # One directory per (persons, seed): run_scale.py reuses what run_foundation.py generated.
    return work / f"synth_{persons}_seed{seed}"


def write_stamp(data_dir: Path, persons: int, seed: int) -> None:
    """Mark a finished synth, so a later run knows the directory is complete and what it holds."""
    (data_dir / STAMP_FILE).write_text(json.dumps({"persons": persons, "seed": seed}), encoding="utf-8")


def stamp_matches(data_dir: Path, persons: int, seed: int) -> bool:
    stamp = data_dir / STAMP_FILE
    if not stamp.is_file():
        return False
    return bool(json.loads(stamp.read_text(encoding="utf-8")) == {"persons": persons, "seed": seed})


def remove_store(store_path: Path) -> None:
    """Delete a store and its WAL so an ingest starts from nothing, as on a new machine."""
    for path in (store_path, store_path.with_name(store_path.name + ".wal")):
        path.unlink(missing_ok=True)


# --- facts about the machine and the code measured ------------------------------------------------


def _first_line_with(path: Path, prefix: str) -> str | None:
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip() if ":" in line else line.split("=", 1)[1]
    except OSError:
        return None
    return None


def _package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def _git(*args: str) -> str:
    done = subprocess.run(["git", "-C", str(REPO_DIR), *args], capture_output=True, text=True, check=False)
    return done.stdout.strip() if done.returncode == 0 else "unknown"


def mpi_location() -> str:
    spec = importlib.util.find_spec("mpi")
    return str(Path(spec.origin).parent) if spec and spec.origin else "not importable"


def code_version() -> dict[str, Any]:
    """Which mpi was measured: src/ changes under other hands, so the commit and a dirty flag matter."""
    pinned = os.environ.get(PINNED_COMMIT_ENV)
    if pinned:
        return {"mpi_commit": pinned[:12], "mpi_uncommitted_changes": False, "mpi_source": mpi_location()}
    dirty = _git("status", "--porcelain", "--", "src", "sql", "models")
    return {
        "mpi_commit": _git("rev-parse", "--short=12", "HEAD"),
        "mpi_uncommitted_changes": bool(dirty) and dirty != "unknown",
        "mpi_source": mpi_location(),
    }


def resolve_commit(ref: str) -> str:
    commit = _git("rev-parse", "--verify", f"{ref}^{{commit}}")
    if commit == "unknown":
        raise SystemExit(f"--mpi-ref {ref!r} is not a commit of {REPO_DIR}.")
    return commit


def snapshot_of_ref(ref: str, work: Path) -> tuple[str, Path]:
    """(commit, directory) holding `git archive` of ref: src/, sql/ and models/ exactly as committed."""
    commit = resolve_commit(ref)
    snapshot = work / "mpi-src" / commit[:12]
    if not (snapshot / "src" / "mpi").is_dir():
        partial = snapshot.with_name(snapshot.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        partial.mkdir(parents=True)
        archive = subprocess.Popen(
            ["git", "-C", str(REPO_DIR), "archive", "--format=tar", commit], stdout=subprocess.PIPE
        )
        subprocess.run(["tar", "-x", "-C", str(partial)], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise SystemExit(f"git archive {commit} failed")
        partial.rename(snapshot)
    return commit, snapshot


def pin_mpi_to_ref(ref: str | None, work: Path) -> None:
    """Re-run this script with mpi imported from a snapshot of a git ref instead of the working tree.

    Others edit src/ while benchmarks run; pinning measures one committed state. PYTHONPATH puts
    the snapshot's src/ ahead of the editable install, for this process and every child (the mpi
    CLI and the baseline); mpi finds sql/ and models/ beside src/ in the snapshot.
    """
    if ref is None:
        return
    commit, snapshot = snapshot_of_ref(ref, work)
    if os.environ.get(PINNED_COMMIT_ENV) == commit:
        return
    paths = [str(snapshot / "src"), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(paths), PINNED_COMMIT_ENV: commit}
    print(f"measuring mpi at {ref} = {commit[:12]} from {snapshot}", flush=True)
    os.execve(sys.executable, [sys.executable, *sys.argv], env)


def machine_info() -> dict[str, Any]:
    mem_kb = _first_line_with(Path("/proc/meminfo"), "MemTotal")
    os_name = _first_line_with(Path("/etc/os-release"), "PRETTY_NAME=")
    return {
        "cpu_model": _first_line_with(Path("/proc/cpuinfo"), "model name") or platform.processor(),
        "cores": os.cpu_count(),
        "ram_gib": round(int(mem_kb.split()[0]) / MIB, 1) if mem_kb else None,
        "os": f"{(os_name or platform.system()).strip(chr(34))}, kernel {platform.release()}",
        "python": platform.python_version(),
        "splink": _package_version("splink"),
        "duckdb": _package_version("duckdb"),
        "polars": _package_version("polars"),
    }


def load_average() -> float:
    # Recorded with each run: on a shared machine a busy neighbour explains a slow number.
    return round(os.getloadavg()[0], 2)


def add_synthetic_population_arguments(parser: argparse.ArgumentParser) -> None:
    """--persons, --seed and --fresh for the benchmarks that reuse run_foundation.py's 1M files."""
    parser.add_argument("--persons", type=int, default=1_000_000, help="people to simulate")
    parser.add_argument("--seed", type=int, default=1, help="synth seed (the same as run_foundation.py's)")
    parser.add_argument("--fresh", action="store_true", help="regenerate the synthetic files")


def add_common_arguments(parser: argparse.ArgumentParser, result_name: str) -> None:
    parser.add_argument(
        "--work",
        type=lambda value: Path(value).resolve(),  # absolute: commands run with the scratch dir as cwd
        default=DEFAULT_WORK_DIR,
        help="scratch directory for data and stores",
    )
    parser.add_argument(
        "--mpi-ref",
        default=None,
        help="measure mpi as committed at this git ref (e.g. HEAD) instead of the working tree",
    )
    parser.add_argument(
        "--no-save", action="store_true", help=f"do not write benchmarks/results/{result_name}.json"
    )


# --- output ---------------------------------------------------------------------------------------


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub table; numbers right-aligned (they are formatted by the caller)."""

    def align(cell: Any) -> str:
        return "---:" if isinstance(cell, int | float) or re.fullmatch(r"[\d.,x%-]+", str(cell)) else "---"

    first = rows[0] if rows else ["" for _ in headers]
    lines = [
        "| " + " | ".join(headers) + " |",
        "|" + "|".join(align(cell) for cell in first) + "|",
    ]
    lines.extend("| " + " | ".join(str(cell) for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def write_result(name: str, payload: dict[str, Any], results_dir: Path = RESULTS_DIR) -> Path:
    """benchmarks/results/<name>.json, read by write_results.py to regenerate RESULTS.md."""
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{name}.json"
    document = {
        "benchmark": name,
        "finished_at": datetime.now().isoformat(timespec="seconds"),
        "machine": machine_info(),
        "code": code_version(),
        **payload,
    }
    path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    print(f"results -> {path}")
    return path
