"""Counting, scoring and clustering pairs with a trained model."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from febrl_records import TrainingRun, cluster_assignments, pairwise_scores
from splink import Linker

from mpi.model.predict import (
    cluster_pairs,
    compute_term_frequency_tables,
    count_comparisons,
    drop_splink_tables,
    linker_for_model,
    predict_pairs,
    register_records,
    term_frequency_columns,
)


@pytest.fixture
def linker(trained: TrainingRun) -> Iterator[Linker]:
    linker = linker_for_model(trained.data.con, trained.model)
    yield linker
    drop_splink_tables(linker)


def test_count_comparisons_is_the_number_of_pairs_scored(trained: TrainingRun, linker: Linker) -> None:
    counts = count_comparisons(linker, trained.model.spec)
    assert [r.rule for r in counts.rules] == [r.description for r in trained.model.spec.prediction_rules]
    assert counts.rules[-1].cumulative == counts.total and not counts.is_estimate
    assert counts.all_possible == 1013 * 1012 // 2
    pairs = predict_pairs(linker)
    rows = trained.data.con.execute(f"SELECT count(*) FROM {pairs.physical_name}").fetchall()
    assert rows == [(counts.total,)]


def test_blocking_keeps_nearly_every_true_pair(trained: TrainingRun, linker: Linker) -> None:
    pairs = predict_pairs(linker)
    rows = trained.data.con.execute(
        f"SELECT source_dataset_l, record_id_l, source_dataset_r, record_id_r FROM {pairs.physical_name}"
    ).fetchall()
    truth = trained.data.truth
    found = sum(1 for sl, rl, sr, rr in rows if truth[(sl, rl)] == truth[(sr, rr)])
    people: dict[str, int] = {}
    for person in truth.values():
        people[person] = people.get(person, 0) + 1
    true_pairs = sum(n * (n - 1) // 2 for n in people.values())
    assert found / true_pairs >= 0.99


def test_clusters_at_0_9_recover_febrl_people(trained: TrainingRun, linker: Linker) -> None:
    pairs = predict_pairs(linker, threshold_match_probability=0.5)
    clusters = cluster_pairs(linker, pairs, threshold_match_probability=0.9)
    assignments = cluster_assignments(trained.data.con, clusters.physical_name)
    assert len(assignments) == 1013
    precision, recall, f1 = pairwise_scores(assignments, trained.data.truth)
    assert precision > 0.95 and recall > 0.9 and f1 > 0.95


def test_term_frequency_tables_for_incremental_prediction(trained: TrainingRun, linker: Linker) -> None:
    assert term_frequency_columns(trained.model.spec) == ("first_name", "last_name", "zip")
    tables = compute_term_frequency_tables(linker, trained.model.spec)
    assert [t.templated_name for t in tables] == [
        "__splink__df_tf_first_name",
        "__splink__df_tf_last_name",
        "__splink__df_tf_zip",
    ]


def test_new_records_are_scored_against_existing_ones(trained: TrainingRun, linker: Linker) -> None:
    con, spec = trained.data.con, trained.model.spec
    con.execute("CREATE OR REPLACE TEMP VIEW test_old AS SELECT * FROM records WHERE source = 'a'").fetchall()
    con.execute("CREATE OR REPLACE TEMP VIEW test_new AS SELECT * FROM records WHERE source = 'b'").fetchall()
    compute_term_frequency_tables(linker, spec)  # predict_between needs them registered
    old = register_records(con, linker, spec, records_table="test_old", view_name="mpi__model_input_old")
    new = register_records(con, linker, spec, records_table="test_new", view_name="mpi__model_input_new")
    between = linker.inference.predict_between(old, new, threshold_match_probability=0.5)
    within = linker.inference.predict_within(new, threshold_match_probability=0.5)
    sides = con.execute(
        f"SELECT DISTINCT source_dataset_l, source_dataset_r FROM {between.physical_name}"
    ).fetchall()
    assert sides == [("a", "b")]
    assert con.execute(f"SELECT DISTINCT source_dataset_l FROM {within.physical_name}").fetchall() == [("b",)]
