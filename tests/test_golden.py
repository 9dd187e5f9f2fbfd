"""Golden case: the shipped model must get twins, father/son, a nickname, a married name and a typo right."""

from __future__ import annotations

import csv
import shutil
from collections import defaultdict
from pathlib import Path

import duckdb

from mpi.config import load_config
from mpi.ingest import ingest_sources
from mpi.link import link_records

GOLDEN = Path(__file__).parent / "data" / "golden"


def partition(pairs: list[tuple[str, str]]) -> set[frozenset[str]]:
    groups: dict[str, set[str]] = defaultdict(set)
    for record_id, label in pairs:
        groups[label].add(record_id)
    return {frozenset(g) for g in groups.values()}


def test_shipped_model_clusters_the_golden_case(tmp_path: Path) -> None:
    project = tmp_path / "golden"
    shutil.copytree(GOLDEN, project)
    config = load_config(project / "mpi.toml")
    ingest_sources(config)
    # 17 records are under LINK_FIT_MIN_RECORDS: linked as shipped (fitted, a pair of twins looks common).
    assert not link_records(config).model_fitted
    con = duckdb.connect(str(config.store_path), read_only=True)
    try:
        found = [
            (str(r), str(p))
            for r, p in con.execute("SELECT record_id, person_id FROM person_index").fetchall()
        ]
    finally:
        con.close()
    with open(GOLDEN / "expected_clusters.csv", encoding="utf-8") as handle:
        expected = [(row["record_id"], row["person"]) for row in csv.DictReader(handle)]
    assert partition(found) == partition(expected)
