"""Run every benchmark in turn, then rewrite RESULTS.md: the one command that regenerates the numbers.

The benchmarks run one after another, never side by side, because they compete for the same
cores and memory and a parallel run would distort every timing. A failing benchmark does not
stop the others; the exit code is 1 if any failed.

Example:
    /tmp/venv/bin/python benchmarks/run_all.py --mpi-ref HEAD
    /tmp/venv/bin/python benchmarks/run_all.py --skip-scale     # about 5 minutes instead of an hour
"""

from __future__ import annotations

import argparse
import subprocess
import sys

from harness import BENCH_DIR, DEFAULT_WORK_DIR, resolve_commit


def run_script(script: str, extra: list[str]) -> int:
    command = [sys.executable, str(BENCH_DIR / script), *extra]
    print(f"\n##### {' '.join(command)}", flush=True)
    return subprocess.run(command, check=False).returncode


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--work", default=str(DEFAULT_WORK_DIR), help="scratch directory for data and stores")
    parser.add_argument(
        "--mpi-ref", default=None, help="measure mpi as committed at this git ref (e.g. HEAD)"
    )
    parser.add_argument("--skip-scale", action="store_true", help="leave out the long 1M-person scale run")
    args = parser.parse_args()

    # Resolve the ref once: HEAD moves while others commit, and all three must measure one commit.
    commit = resolve_commit(args.mpi_ref) if args.mpi_ref else None
    common = ["--work", args.work] + (["--mpi-ref", commit] if commit else [])
    plan = [("run_foundation.py", common), ("run_accuracy.py", common)]
    if not args.skip_scale:
        # --link-trained: the scale table then also says how a model trained on 2M records scores.
        plan.append(("run_scale.py", [*common, "--link-trained"]))
    failed = [script for script, extra in plan if run_script(script, extra) != 0]
    run_script("write_results.py", [])
    if failed:
        print(f"\nfailed: {', '.join(failed)} (their results files say where)", file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
