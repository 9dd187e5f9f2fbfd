"""Blocking recall counts the true pairs a model's prediction rules compare, checked by brute force."""

from __future__ import annotations

import csv
import itertools
import shutil
from dataclasses import replace
from pathlib import Path

from mpi.config import load_config
from mpi.ingest import ingest_sources
from mpi.model import build_person_model
from mpi.model.spec import block_on_sql
from mpi.quality.blocking import blocking_recall
from mpi.store import open_store

GOLDEN = Path(__file__).parent.parent / "data" / "golden"


def test_recall_matches_brute_force_over_true_pairs(tmp_path: Path) -> None:
    project = tmp_path / "golden"
    shutil.copytree(GOLDEN, project)
    config = load_config(project / "mpi.toml")
    ingest_sources(config)
    rules = (block_on_sql("l.last_name = r.last_name"), block_on_sql("l.dob = r.dob"))
    spec = replace(build_person_model(config.shared_ids), prediction_rules=rules)

    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        con = store.con
        rows = con.execute("SELECT source, record_id, last_name, dob FROM records").fetchall()
        fields = {f"{s}:{r}": (last, dob) for s, r, last, dob in rows}
        source = rows[0][0]
        with (project / "expected_clusters.csv").open(encoding="utf-8") as f:
            truth = [(source, row["record_id"], row["person"]) for row in csv.DictReader(f)]
        con.execute("CREATE TEMP TABLE truth (source VARCHAR, record_id VARCHAR, person_id VARCHAR)")
        con.executemany("INSERT INTO truth VALUES (?, ?, ?)", truth)
        with store.splink_workspace():
            result = blocking_recall(con, spec, "truth")
    finally:
        store.close()

    true_pairs = [
        (f"{a[0]}:{a[1]}", f"{b[0]}:{b[1]}") for a, b in itertools.combinations(truth, 2) if a[2] == b[2]
    ]

    def agree(pair: tuple[str, str], field: int) -> bool:
        left, right = fields[pair[0]][field], fields[pair[1]][field]
        return left is not None and left == right

    assert result is not None
    assert result.true_pairs == len(true_pairs) > 0
    assert result.true_pairs_caught == sum(agree(p, 0) or agree(p, 1) for p in true_pairs)
    by_name, by_dob = result.rules
    assert by_name.true_pairs_caught == sum(agree(p, 0) for p in true_pairs)
    assert by_dob.caught_by_this_rule_only == sum(agree(p, 1) and not agree(p, 0) for p in true_pairs)
    assert by_name.true_pairs_caught < result.true_pairs  # the married name changes last_name
