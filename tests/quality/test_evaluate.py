"""mpi evaluate on the golden case: counts of the errors, and a sweep that re-clusters as the link did."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest

from mpi.config import load_config
from mpi.errors import InputError
from mpi.ingest import ingest_sources
from mpi.link import link_records
from mpi.quality.evaluate import evaluate_against_truth

GOLDEN = Path(__file__).parents[1] / "data" / "golden"


def _write_truth(path: Path, persons: dict[str, str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "record_id", "person_id"])
        writer.writerows(("people", record_id, person) for record_id, person in persons.items())


def test_sweep_row_at_the_run_threshold_is_the_index_and_missed_pairs_add_up(tmp_path: Path) -> None:
    project = tmp_path / "golden"
    shutil.copytree(GOLDEN, project)
    config = load_config(project / "mpi.toml")
    ingest_sources(config)
    result = link_records(config)
    with open(GOLDEN / "expected_clusters.csv", encoding="utf-8") as handle:
        persons = {row["record_id"]: row["person"] for row in csv.DictReader(handle)}
    # Declare the twins one person: the link keeps them apart, so their pairs are missed; the
    # model scores the twins' pairs, so those missed pairs are among the kept ones.
    twins = {
        record_id: ("twins" if person.startswith("twin_") else person)
        for record_id, person in persons.items()
    }
    _write_truth(project / "truth.csv", twins)
    report = evaluate_against_truth(config, project / "truth.csv", examples=1)

    assert report.false_negative_pairs > 0
    assert 0 <= report.missed_pairs_not_kept < report.false_negative_pairs
    at_run_threshold = [row for row in report.sweep if row.threshold == result.threshold]
    assert len(at_run_threshold) == 1
    assert at_run_threshold[0].f1 == report.metrics.pairwise.f1
    assert at_run_threshold[0].persons == report.metrics.clusters.predicted_clusters


def test_a_single_source_store_takes_truth_without_a_source_column(tmp_path: Path) -> None:
    project = tmp_path / "golden"
    shutil.copytree(GOLDEN, project)
    config = load_config(project / "mpi.toml")
    ingest_sources(config)
    link_records(config)
    with open(GOLDEN / "expected_clusters.csv", encoding="utf-8") as handle:
        persons = {row["record_id"]: row["person"] for row in csv.DictReader(handle)}
    _write_truth(project / "truth.csv", persons)
    with_source = evaluate_against_truth(config, project / "truth.csv", examples=0)
    (project / "bare.csv").write_text(
        "record_id,person_id\n" + "".join(f"{r},{p}\n" for r, p in persons.items()), encoding="utf-8"
    )
    without_source = evaluate_against_truth(config, project / "bare.csv", examples=0)
    assert without_source.metrics == with_source.metrics
    assert with_source.metrics.pairwise.f1 == 1.0  # the golden case is clustered right
    # Splink's data sets keep the truth in the records file, under their own names
    (project / "splink.csv").write_text(
        "unique_id,first_name,cluster\n" + "".join(f"{r},X,{p}\n" for r, p in persons.items()),
        encoding="utf-8",
    )
    own_names = evaluate_against_truth(
        config, project / "splink.csv", examples=0, record_column="unique_id", person_column="cluster"
    )
    assert own_names.metrics == with_source.metrics
    duckdb.execute(  # Parquet too, with integer ids compared as text
        f"COPY (SELECT CAST(unique_id AS INTEGER) AS unique_id, cluster FROM read_csv('{project / 'splink.csv'}')) "
        f"TO '{project / 'splink.parquet'}' (FORMAT parquet)"
    )
    from_parquet = evaluate_against_truth(
        config, project / "splink.parquet", examples=0, record_column="unique_id", person_column="cluster"
    )
    assert from_parquet.metrics == with_source.metrics
    with pytest.raises(InputError, match=r"lacks column\(s\) source, record_id, person_id; it has unique_id"):
        evaluate_against_truth(config, project / "splink.csv")
