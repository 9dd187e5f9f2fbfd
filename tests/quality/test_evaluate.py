"""mpi evaluate on the golden case: counts of the errors, and a sweep that re-clusters as the link did."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner

from mpi.cli import main
from mpi.config import ProjectConfig, load_config
from mpi.errors import InputError, MpiUserError
from mpi.ingest import ingest_sources
from mpi.link import link_records
from mpi.pair_display import level_labels
from mpi.quality.evaluate import (
    TruthCoverage,
    check_truth_coverage,
    evaluate_against_truth,
    leading_zeros_hint,
    truth_coverage,
)
from mpi.runs import undo_run

GOLDEN = Path(__file__).parents[1] / "data" / "golden"


def _write_truth(path: Path, persons: dict[str, str]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["source", "record_id", "person_id"])
        writer.writerows(("people", record_id, person) for record_id, person in persons.items())


def test_sweep_row_at_the_run_threshold_is_the_index_and_missed_pairs_add_up(
    unsure_golden_project: ProjectConfig,
) -> None:
    config = unsure_golden_project
    project = config.config_path.parent
    result = link_records(config)
    with open(GOLDEN / "expected_clusters.csv", encoding="utf-8") as handle:
        persons = {row["record_id"]: row["person"] for row in csv.DictReader(handle)}
    # The added records are the twin's and the woman's: their pairs are scored (kept) but not
    # linked, so they are missed pairs among the kept ones.
    _write_truth(project / "truth.csv", {**persons, "19": "twin_matthew", "20": "katherine_typo"})
    report = evaluate_against_truth(config, project / "truth.csv", examples=1)

    assert report.false_negative_pairs > 0
    assert 0 <= report.missed_pairs_not_kept < report.false_negative_pairs
    printed = CliRunner().invoke(
        main, ["--config", str(config.config_path), "evaluate", "--truth", str(project / "truth.csv")]
    )
    assert printed.exit_code == 0, printed.output
    missed, not_kept = report.false_negative_pairs, report.missed_pairs_not_kept
    assert (
        f"({missed:,} missed pairs: {missed - not_kept:,} among the kept pairs, scored below the threshold or "
        f"kept apart; {not_kept:,} not kept: never compared"
    ) in " ".join(printed.output.split())
    at_run_threshold = [row for row in report.sweep if row.threshold == result.threshold]
    assert len(at_run_threshold) == 1
    assert at_run_threshold[0].f1 == report.metrics.pairwise.f1
    assert at_run_threshold[0].persons == report.metrics.clusters.predicted_clusters


@pytest.fixture
def linked_golden(tmp_path: Path) -> ProjectConfig:
    """The golden case (18 records, source "people") ingested and linked."""
    project = tmp_path / "golden"
    shutil.copytree(GOLDEN, project)
    config = load_config(project / "mpi.toml")
    ingest_sources(config)
    link_records(config)
    return config


def test_a_single_source_store_takes_truth_without_a_source_column(linked_golden: ProjectConfig) -> None:
    config = linked_golden
    project = config.root
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
    # a source column of another name
    source = next(iter(config.sources))
    (project / "own.csv").write_text(
        "src,unique_id,cluster\n" + "".join(f"{source},{r},{p}\n" for r, p in persons.items()),
        encoding="utf-8",
    )
    own_source = evaluate_against_truth(
        config,
        project / "own.csv",
        examples=0,
        record_column="unique_id",
        person_column="cluster",
        source_column="src",
    )
    assert own_source.metrics == with_source.metrics
    with pytest.raises(InputError, match="must name three different columns"):
        evaluate_against_truth(config, project / "own.csv", record_column="src", source_column="src")
    # Lines ending in CR LF after a header ending in LF (files appended to one another), as ingest reads them
    rows = "".join(f"people,{r},{p}\r\n" for r, p in persons.items())
    (project / "mixed.csv").write_bytes(("source,record_id,person_id\n" + rows).encode("utf-8"))
    assert evaluate_against_truth(config, project / "mixed.csv", examples=0).metrics == with_source.metrics
    # A file not in UTF-8 or empty is told as such
    (project / "latin.csv").write_bytes(b"source,record_id,person_id\npeople,1,Jos\xe9\n")
    for path in (project / "latin.csv", project / "mixed_latin.csv"):
        if path.name == "mixed_latin.csv":
            path.write_bytes(b"source,record_id,person_id\r\npeople,1,A\npeople,2,Jos\xe9\n")
        with pytest.raises(InputError) as raised:
            evaluate_against_truth(config, path)
        line = 2 if path.name == "latin.csv" else 3
        assert str(raised.value) == (
            f"Truth file {path} line {line} is not UTF-8. Save the file as UTF-8 (its record ids must be written "
            "as the store holds them)."
        )
    (project / "empty.csv").write_text("\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty.csv is empty. It needs a header row with source, record_id"):
        evaluate_against_truth(config, project / "empty.csv")


def refusal_of_truth(config: ProjectConfig, text: str, **options: str) -> tuple[Path, str]:
    """Write truth.csv and return it with the message evaluate refuses it with."""
    truth = config.root / "truth.csv"
    truth.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as raised:
        evaluate_against_truth(config, truth, **options)
    return truth, str(raised.value)


def test_truth_that_names_few_indexed_records_is_refused_with_the_likely_fix(
    linked_golden: ProjectConfig,
) -> None:
    truth, refused = refusal_of_truth(
        linked_golden, "source,record_id,person_id\npeople,1,1\npeople,NOPE,1\nfoo,1,2\n"
    )
    assert refused == (
        f"Truth file {truth}: only 1 of its 3 rows name an indexed record; 2 match none (e.g. foo:1, "
        'people:NOPE). It names source(s) "foo" that the index does not hold (it holds "people"): write the '
        "source names of mpi.toml in its source column."
    )
    result = CliRunner().invoke(
        main, ["--config", str(linked_golden.config_path), "evaluate", "--truth", str(truth)]
    )
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == f"Error: {refused}"
    # Right sources, ids from another column (a row number instead of the agency's id).
    truth, refused = refusal_of_truth(
        linked_golden,
        "source,row,record_id,person_id\n" + "".join(f"people,{i},R{i},{i % 3}\n" for i in range(1, 7)),
    )
    assert refused == (
        f"Truth file {truth}: only 0 of its 6 rows name an indexed record; 6 match none (e.g. people:R1, "
        "people:R2, people:R3). Its record ids are not the index's (e.g. people:1): if its record id column is "
        'not "record_id", name it with --record-column; the ids must be the agencies\' own, as in their files.'
    )
    assert evaluate_against_truth(linked_golden, truth, record_column="row").coverage.truth_rows_matched == 6


def test_truth_for_a_subset_of_the_index_is_scored_and_its_coverage_shown(
    linked_golden: ProjectConfig,
) -> None:
    truth = linked_golden.root / "truth.csv"
    with open(GOLDEN / "expected_clusters.csv", encoding="utf-8") as handle:
        persons = {row["record_id"]: row["person"] for row in csv.DictReader(handle)}
    subset = dict(list(persons.items())[:6])
    # A record rejected at ingest stays in truth: one unmatched row in seven is not a keying mistake.
    _write_truth(truth, {**subset, "999": "rejected"})
    report = evaluate_against_truth(linked_golden, truth, examples=0, sweep=False)
    assert report.coverage == TruthCoverage(
        truth_rows=7,
        truth_rows_matched=6,
        unmatched_examples=("people:999",),
        unknown_sources=(),
        indexed_without_truth=len(persons) - 6,
    )
    assert report.metrics.pairwise.coverage.records_evaluated == 6
    result = CliRunner().invoke(
        main, ["--config", str(linked_golden.config_path), "evaluate", "--truth", str(truth), "--no-sweep"]
    )
    assert result.exit_code == 0, result.output
    assert (
        f"truth coverage: 6 of 7 truth rows name an indexed record; 1 match none (e.g. people:999); "
        f"{len(persons) - 6} indexed record(s) have no truth row. Only records in both are scored."
    ) in " ".join(result.output.split())
    assert "warning" not in result.output
    # A misspelt source name in a few rows is named, though the rest are scored.
    with open(truth, "a", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerow(["peeple", "1", "p1"])
    result = CliRunner().invoke(
        main, ["--config", str(linked_golden.config_path), "evaluate", "--truth", str(truth), "--no-sweep"]
    )
    assert result.exit_code == 0, result.output
    assert (
        'warning: the truth file names source(s) "peeple" that the index does not hold: their rows are not '
        "scored. Write the source names of mpi.toml in its source column."
    ) in " ".join(result.output.split())


def test_levels_without_a_label_are_named_for_people_not_by_splink_class() -> None:
    from mpi.model import load_model_file
    from mpi.model.spec import else_level
    from mpi.sqlutil import models_root

    spec = load_model_file(models_root() / "default.json").spec
    levels = {c.name: c.levels for c in spec.comparisons}
    assert [level.display_label for level in levels["sex"]] == ["sex missing", "Same sex", "Different sex"]
    assert levels["name_swap"][-1].display_label == "Not swapped"
    assert else_level().display_label == "None of the above"  # an else level without a label
    assert levels["first_name"][1].display_label == levels["first_name"][1].label  # a label wins
    shown = {label for c in spec.comparisons for label in level_labels(spec)[c.name].values()}
    assert not {label for label in shown if label.endswith("Level")}


def test_truth_with_a_record_twice_or_a_blank_person_names_the_file_and_its_columns(
    linked_golden: ProjectConfig,
) -> None:
    truth, refused = refusal_of_truth(
        linked_golden, "record_id,person\n1,A\n1,B\n2,\n", person_column="person"
    )
    assert refused == (
        f"Truth file {truth}: 1 row(s) have no person; records are listed more than once (e.g. people:1), "
        "and each belongs to exactly one true person. Fix those rows: one row per record, with its record_id "
        "and its person."
    )


def test_after_an_undo_the_run_whose_index_is_scored_is_named(linked_golden: ProjectConfig) -> None:
    config = linked_golden
    with open(GOLDEN / "expected_clusters.csv", encoding="utf-8") as handle:
        _write_truth(
            config.root / "truth.csv", {row["record_id"]: row["person"] for row in csv.DictReader(handle)}
        )
    runner = CliRunner()
    evaluate = [
        "--config",
        str(config.config_path),
        "evaluate",
        "--truth",
        str(config.root / "truth.csv"),
        "--no-sweep",
    ]
    first = runner.invoke(main, evaluate)
    assert first.exit_code == 0, first.output
    threshold = evaluate_against_truth(config, config.root / "truth.csv", sweep=False).threshold
    link_records(config, threshold=0.99)
    undo = runner.invoke(main, ["--config", str(config.config_path), "runs", "undo", "2"])
    assert undo.exit_code == 0, undo.output
    # Run 2 linked at another threshold; its undo restored run 1's index, which is what is scored.
    after_undo = runner.invoke(main, evaluate)
    assert after_undo.exit_code == 0, after_undo.output
    label = f"Run 1 (model default, threshold {threshold}) against truth"
    assert label in " ".join(first.stdout.split())
    assert label in " ".join(after_undo.stdout.split())


def test_a_store_whose_every_run_was_undone_has_nothing_to_evaluate(linked_golden: ProjectConfig) -> None:
    config = linked_golden
    undo_run(config, 1)
    with pytest.raises(MpiUserError) as raised:
        evaluate_against_truth(config, config.root / "truth.csv")
    assert str(raised.value) == (
        f"The store {config.store_path} has no link run to evaluate (every link run on it was undone). "
        'Run "mpi link" first.'
    )


def test_a_split_pair_scored_above_the_threshold_says_clustering_kept_it_apart() -> None:
    from rich.console import Console

    from mpi.cli_render import _print_examples
    from mpi.quality.evaluate import PairExample

    def split(probability: float) -> PairExample:
        record = {"first_name": "ANN"}
        return PairExample(
            left=record, right=record, match_probability=probability, match_weight=0.0, levels={"dob": "Same"}
        )

    console = Console(record=True, width=200)
    _print_examples(console, "False splits", (split(0.92), split(0.3)), threshold=0.7)
    text = console.export_text()
    assert text.count("scored above the threshold (0.7), but clustering kept the two apart") == 1


def test_truth_ids_written_as_numbers_are_told_apart_from_ids_the_index_lacks() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE person_index AS SELECT * FROM (VALUES ('k12', '0042', 'P1'), ('k12', '0043', 'P1'), "
        "('k12', '77', 'P2')) AS v(source, record_id, person_id)"
    )
    con.execute(
        "CREATE TEMP TABLE mpi__truth AS SELECT * FROM (VALUES ('k12', '42', 'A'), ('k12', '43', 'A'), "
        "('k12', '77', 'B'), ('k12', '78', 'C')) AS v(source, record_id, person_id)"
    )
    coverage = truth_coverage(con)
    assert (coverage.truth_rows_matched, coverage.unmatched_but_for_leading_zeros) == (1, 2)
    assert leading_zeros_hint(coverage).startswith(
        "2 of the truth rows that match none would match an indexed record but for leading zeros"
    )
    with pytest.raises(InputError, match="the truth file's record ids were written as numbers"):
        check_truth_coverage(con, coverage, Path("truth.parquet"), record_column="record_id")
