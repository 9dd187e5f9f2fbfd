"""Foundation benchmark: time `mpi synth` and `mpi ingest` at 1M persons and check ingest's reconciliation.

Both commands run under GNU time (`apt-get install -y time`) for wall time and peak RSS.
The reconciliation is read back from the store, not from ingest's own printout: per source,
the latest `loads` row must say rows read = indexed + rejected, and the `records` and
`rejects` tables must hold exactly those counts. For synthetic data every truth row is an
input row, so the rows read must also equal truth.csv's rows.

Example:
    /tmp/venv/bin/python benchmarks/run_foundation.py --persons 1000000 --seed 1
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, dataclass
from pathlib import Path

import duckdb
from harness import (
    STAMP_FILE,
    TimedRun,
    add_common_arguments,
    load_average,
    markdown_table,
    mpi_command,
    pin_mpi_to_ref,
    remove_store,
    require_gnu_time,
    run_timed,
    synth_dir,
    write_result,
    write_stamp,
)

from mpi.config import load_config


@dataclass(frozen=True, kw_only=True)
class SourceReconciliation:
    source: str
    rows_read: int
    rows_indexed: int
    rows_rejected: int
    records_in_store: int
    rejects_in_store: int

    @property
    def balanced(self) -> bool:
        return (
            self.rows_read == self.rows_indexed + self.rows_rejected
            and self.records_in_store == self.rows_indexed
            and self.rejects_in_store == self.rows_rejected
        )


def reconcile(store_path: Path) -> list[SourceReconciliation]:
    """Counts from each source's latest load, checked against what the store actually holds."""
    con = duckdb.connect(str(store_path), read_only=True)
    try:
        rows = con.execute(
            """
            WITH latest AS (
                SELECT * FROM loads QUALIFY row_number() OVER (PARTITION BY source ORDER BY load_id DESC) = 1
            )
            SELECT l.source, l.rows_read, l.rows_indexed, l.rows_rejected,
                   (SELECT count(*) FROM records AS r WHERE r.source = l.source),
                   (SELECT count(*) FROM rejects AS j WHERE j.source = l.source AND j.load_id = l.load_id)
            FROM latest AS l ORDER BY l.load_id
            """
        ).fetchall()
    finally:
        con.close()
    return [
        SourceReconciliation(
            source=source,
            rows_read=read,
            rows_indexed=indexed,
            rows_rejected=rejected,
            records_in_store=records,
            rejects_in_store=rejects,
        )
        for source, read, indexed, rejected, records, rejects in rows
    ]


def truth_rows(truth_path: Path) -> int:
    con = duckdb.connect()
    try:
        query = "SELECT count(*) FROM read_csv(?, all_varchar = true, header = true)"
        return int(con.execute(query, [str(truth_path)]).fetchall()[0][0])
    finally:
        con.close()


def print_figures(synth: TimedRun, ingest: TimedRun, sources: list[SourceReconciliation], truth: int) -> None:
    print()
    print(
        markdown_table(
            ["step", "wall s", "peak RSS MB"],
            [[r.label, f"{r.wall_seconds:.1f}", f"{r.peak_rss_mb:,.0f}"] for r in (synth, ingest)],
        )
    )
    print()
    rows = [
        [s.source, f"{s.rows_read:,}", f"{s.rows_indexed:,}", f"{s.rows_rejected:,}",
         f"{s.records_in_store:,}", f"{s.rejects_in_store:,}", "yes" if s.balanced else "NO"]
        for s in sources
    ]  # fmt: skip
    total_read = sum(s.rows_read for s in sources)
    print(
        markdown_table(
            ["source", "rows read", "indexed", "rejected", "records table", "rejects table", "balanced"], rows
        )
    )
    print(f"\ntotal rows read {total_read:,}; truth.csv rows {truth:,}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--persons", type=int, default=1_000_000, help="people to simulate")
    parser.add_argument("--seed", type=int, default=1, help="synth seed (fixed: same files every run)")
    add_common_arguments(parser, "foundation")
    args = parser.parse_args()
    require_gnu_time()
    pin_mpi_to_ref(args.mpi_ref, args.work)

    data_dir = synth_dir(args.work, args.persons, args.seed)
    logs = args.work / "logs" / "foundation"
    (data_dir / STAMP_FILE).unlink(missing_ok=True)
    load_before = load_average()
    synth = run_timed(
        "synth",
        [*mpi_command(), "synth", "--persons", args.persons, "--seed", args.seed, "--out", data_dir],
        log_dir=logs,
    )
    write_stamp(data_dir, args.persons, args.seed)
    config = load_config(data_dir / "mpi.toml")
    remove_store(config.store_path)
    # ingest exits 1 when its own reconciliation fails; record that rather than stop, and check below.
    ingest = run_timed(
        "ingest", [*mpi_command(), "--config", data_dir / "mpi.toml", "ingest"], log_dir=logs, check=False
    )
    sources = reconcile(config.store_path)
    truth = truth_rows(data_dir / "truth.csv")
    print_figures(synth, ingest, sources, truth)

    balanced = bool(sources) and all(s.balanced for s in sources)
    truth_agrees = sum(s.rows_read for s in sources) == truth
    print(f"reconciliation: {'OK' if balanced and truth_agrees else 'FAILED'}")
    if not args.no_save:
        write_result(
            "foundation",
            {
                "persons": args.persons,
                "seed": args.seed,
                "load_average_before": load_before,
                "runs": [synth.as_dict(), ingest.as_dict()],
                "records": sum(s.rows_indexed for s in sources),
                "reconciliation": [asdict(s) | {"balanced": s.balanced} for s in sources],
                "truth_rows": truth,
                "reconciled": balanced and truth_agrees and ingest.exit_code == 0,
            },
        )
    if not (balanced and truth_agrees and ingest.exit_code == 0):
        sys.exit(1)


if __name__ == "__main__":
    main()
