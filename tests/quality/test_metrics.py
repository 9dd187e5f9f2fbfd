"""Tests for mpi.quality.metrics: hand-computed cases and a brute-force property check."""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Iterator, Sequence
from fractions import Fraction

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mpi.quality.metrics import EvaluationInputError, evaluate_clustering
from mpi.sqlutil import quote_identifier

Row = tuple[str, object, object]  # (source, record_id, label)


@pytest.fixture(scope="module")
def con() -> Iterator[duckdb.DuckDBPyConnection]:
    connection = duckdb.connect()
    yield connection
    connection.close()


def load(
    con: duckdb.DuckDBPyConnection,
    name: str,
    rows: Sequence[Row],
    *,
    label_column: str = "person_id",
    record_id_type: str = "VARCHAR",
) -> None:
    con.execute(
        f"CREATE OR REPLACE TABLE {quote_identifier(name)} "
        f"(source VARCHAR, record_id {record_id_type}, {quote_identifier(label_column)} VARCHAR)"
    )
    if rows:
        con.executemany(f"INSERT INTO {quote_identifier(name)} VALUES (?, ?, ?)", list(rows))


def rows_from_clusters(clusters: dict[str, list[str]], source: str = "a") -> list[Row]:
    return [(source, rid, label) for label, ids in clusters.items() for rid in ids]


# Truth: {1,2,3} and {4,5}. Prediction: {1,2} and {3,4,5}.
# Pairs: TP = 1 (1-2) + 1 (4-5) = 2; predicted = 1 + 3 = 4; true = 3 + 1 = 4.
TRUTH_SPLIT = {"P": ["1", "2", "3"], "Q": ["4", "5"]}
PREDICTED_SPLIT = {"C1": ["1", "2"], "C2": ["3", "4", "5"]}


def test_pairwise_when_f1_is_not_one(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", rows_from_clusters(TRUTH_SPLIT))
    load(con, "predicted", rows_from_clusters(PREDICTED_SPLIT))

    result = evaluate_clustering(con, "predicted", "truth").pairwise

    assert (result.true_positive_pairs, result.predicted_pairs, result.true_pairs) == (2, 4, 4)
    assert result.precision == pytest.approx(0.5)
    assert result.recall == pytest.approx(0.5)
    assert result.f1 == pytest.approx(0.5)


def test_bcubed_when_f1_is_not_one(con: duckdb.DuckDBPyConnection) -> None:
    # Precision per record: 1, 1 (C1); 1/3, 2/3, 2/3 (C2) -> 11/3 over 5 records.
    # Recall per record: 2/3, 2/3, 1/3 (P); 1, 1 (Q) -> 11/3 over 5 records.
    load(con, "truth", rows_from_clusters(TRUTH_SPLIT))
    load(con, "predicted", rows_from_clusters(PREDICTED_SPLIT))

    result = evaluate_clustering(con, "predicted", "truth").bcubed

    assert result.precision == pytest.approx(11 / 15)
    assert result.recall == pytest.approx(11 / 15)
    assert result.f1 == pytest.approx(11 / 15)


def test_cluster_counts(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", rows_from_clusters({"P": ["1", "2"], "Q": ["3", "4"], "R": ["5"]}))
    load(con, "predicted", rows_from_clusters({"A": ["1", "2"], "B": ["3", "4", "5"]}))

    result = evaluate_clustering(con, "predicted", "truth").clusters

    assert (result.predicted_clusters, result.true_persons, result.exact_match_clusters) == (2, 3, 1)


def test_all_singletons_predicted_against_real_pairs(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", rows_from_clusters(TRUTH_SPLIT))
    load(con, "predicted", rows_from_clusters({r: [r] for r in ["1", "2", "3", "4", "5"]}))

    result = evaluate_clustering(con, "predicted", "truth")

    # No pair predicted: precision is 1 by convention, recall 0.
    assert (result.pairwise.precision, result.pairwise.recall, result.pairwise.f1) == (1.0, 0.0, 0.0)
    assert result.bcubed.precision == pytest.approx(1.0)
    # Recall per record is 1/|true person|: 3 x 1/3 + 2 x 1/2 = 2, over 5.
    assert result.bcubed.recall == pytest.approx(2 / 5)
    assert result.clusters.exact_match_clusters == 0


def test_singletons_on_both_sides_are_perfect(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", rows_from_clusters({f"t{r}": [r] for r in ["1", "2", "3"]}))
    load(con, "predicted", rows_from_clusters({f"p{r}": [r] for r in ["1", "2", "3"]}))

    result = evaluate_clustering(con, "predicted", "truth")

    assert result.pairwise.as_dict()["f1"] == 1.0
    assert (result.pairwise.predicted_pairs, result.pairwise.true_pairs) == (0, 0)
    assert result.bcubed.f1 == pytest.approx(1.0)
    assert result.clusters.exact_match_clusters == 3


def test_records_in_only_one_table_are_counted_and_left_out(con: duckdb.DuckDBPyConnection) -> None:
    # "x" is only predicted (and would add two false pairs); "y" and "z" are only in
    # the truth (and would add a missed pair). On the shared records the clustering
    # is perfect, so every metric is 1.
    load(con, "truth", rows_from_clusters({"P": ["1", "2"], "Q": ["3", "y", "z"]}))
    load(con, "predicted", rows_from_clusters({"A": ["1", "2", "x"], "B": ["3"]}))

    result = evaluate_clustering(con, "predicted", "truth")

    assert result.pairwise.coverage.as_dict() == {
        "records_evaluated": 3,
        "records_only_predicted": 1,
        "records_only_truth": 2,
    }
    assert result.pairwise.f1 == 1.0
    assert result.bcubed.f1 == pytest.approx(1.0)
    assert (result.clusters.true_persons, result.clusters.exact_match_clusters) == (2, 2)


def test_same_record_id_in_two_sources_are_different_records(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", [("a", "1", "P"), ("b", "1", "Q")])
    load(con, "predicted", [("a", "1", "C"), ("b", "1", "C")])

    result = evaluate_clustering(con, "predicted", "truth").pairwise

    assert (result.true_positive_pairs, result.predicted_pairs, result.true_pairs) == (0, 1, 0)
    assert (result.precision, result.recall, result.f1) == (0.0, 1.0, 0.0)


def test_column_names_are_options_and_keys_compare_as_text(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", rows_from_clusters(TRUTH_SPLIT))
    # Integer record ids and a cluster_id label, as Splink's clustering output has them.
    rows = [(s, int(str(rid)), label) for s, rid, label in rows_from_clusters(PREDICTED_SPLIT)]
    load(con, 'odd "name" table', rows, label_column="cluster_id", record_id_type="BIGINT")

    result = evaluate_clustering(con, 'odd "name" table', "truth", predicted_column="cluster_id").pairwise

    assert result.f1 == pytest.approx(0.5)
    assert result.coverage.records_evaluated == 5


def test_as_dict_is_flat_and_complete(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", rows_from_clusters(TRUTH_SPLIT))
    load(con, "predicted", rows_from_clusters(PREDICTED_SPLIT))

    result = evaluate_clustering(con, "predicted", "truth").as_dict()

    assert set(result) == {"pairwise", "bcubed", "clusters"}
    assert result["pairwise"]["true_positive_pairs"] == 2
    assert result["clusters"]["predicted_clusters"] == 2
    assert result["bcubed"]["records_evaluated"] == 5


def test_bad_inputs_are_all_reported(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", [("a", "1", "P"), ("a", "1", "Q"), ("a", "2", None)])
    load(con, "predicted", [("a", "1", "C"), (None, "2", "C")])

    with pytest.raises(EvaluationInputError) as raised:
        evaluate_clustering(con, "predicted", "truth")

    message = str(raised.value)
    assert "predicted table 'predicted': 1 row(s) with a NULL source or record id" in message
    assert "truth table 'truth': 1 row(s) with a NULL cluster label" in message
    assert "truth table 'truth': 1 (source, record id) key(s) appear more than once" in message


def test_no_records_in_common_is_an_error(con: duckdb.DuckDBPyConnection) -> None:
    load(con, "truth", [("a", "1", "P")])
    load(con, "predicted", [("b", "1", "C")])

    with pytest.raises(EvaluationInputError, match="no \\(source, record id\\) in common"):
        evaluate_clustering(con, "predicted", "truth")


def test_quote_identifier_doubles_quotes() -> None:
    assert quote_identifier('a"b') == '"a""b"'
    with pytest.raises(ValueError):
        quote_identifier("")


# --- property test: the SQL agrees with enumerating every pair --------------------------------


def brute_force(
    predicted: dict[tuple[str, int], int], truth: dict[tuple[str, int], int]
) -> dict[str, Fraction | int]:
    shared = sorted(predicted.keys() & truth.keys())
    same_pred = {(a, b) for a, b in itertools.combinations(shared, 2) if predicted[a] == predicted[b]}
    same_true = {(a, b) for a, b in itertools.combinations(shared, 2) if truth[a] == truth[b]}
    pred_size = Counter(predicted[r] for r in shared)
    true_size = Counter(truth[r] for r in shared)
    cell = Counter((predicted[r], truth[r]) for r in shared)
    return {
        "tp": len(same_pred & same_true),
        "predicted_pairs": len(same_pred),
        "true_pairs": len(same_true),
        "bcubed_precision": sum(
            (Fraction(cell[predicted[r], truth[r]], pred_size[predicted[r]]) for r in shared), Fraction(0)
        )
        / len(shared),
        "bcubed_recall": sum(
            (Fraction(cell[predicted[r], truth[r]], true_size[truth[r]]) for r in shared), Fraction(0)
        )
        / len(shared),
        "exact": sum(
            1 for c in pred_size if any(cell[c, t] == pred_size[c] == true_size[t] for t in true_size)
        ),
        "only_predicted": len(predicted.keys() - truth.keys()),
        "only_truth": len(truth.keys() - predicted.keys()),
    }


records = st.lists(
    st.tuples(
        st.sampled_from(["a", "b"]),
        st.integers(0, 3),  # predicted cluster
        st.integers(0, 3),  # true person
        st.sampled_from(["both", "both", "both", "predicted", "truth"]),
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=150, deadline=None)
@given(records)
def test_matches_brute_force_pair_enumeration(
    con: duckdb.DuckDBPyConnection, drawn: list[tuple[str, int, int, str]]
) -> None:
    predicted = {(s, i): c for i, (s, c, _, side) in enumerate(drawn) if side != "truth"}
    truth = {(s, i): t for i, (s, _, t, side) in enumerate(drawn) if side != "predicted"}
    load(con, "pp", [(s, str(i), str(c)) for (s, i), c in predicted.items()])
    load(con, "tt", [(s, str(i), str(t)) for (s, i), t in truth.items()])

    if not predicted.keys() & truth.keys():
        with pytest.raises(EvaluationInputError):
            evaluate_clustering(con, "pp", "tt")
        return
    expected = brute_force(predicted, truth)
    result = evaluate_clustering(con, "pp", "tt")

    pw = result.pairwise
    assert (pw.true_positive_pairs, pw.predicted_pairs, pw.true_pairs) == (
        expected["tp"],
        expected["predicted_pairs"],
        expected["true_pairs"],
    )
    assert pw.coverage.records_only_predicted == expected["only_predicted"]
    assert pw.coverage.records_only_truth == expected["only_truth"]
    assert result.bcubed.precision == pytest.approx(float(expected["bcubed_precision"]))
    assert result.bcubed.recall == pytest.approx(float(expected["bcubed_recall"]))
    assert result.clusters.exact_match_clusters == expected["exact"]
    assert 0.0 <= pw.f1 <= 1.0 and 0.0 <= result.bcubed.f1 <= 1.0
