"""A model trained on other people, fitted to the records it links (as mpi link does for shipped models)."""

from __future__ import annotations

from febrl_records import TrainingRun

from mpi.model.training import fit_to_records


def test_fitted_u_follows_the_records_and_m_is_estimated_again(trained: TrainingRun) -> None:
    con, model = trained.data.con, trained.model
    # Everyone in one town: two different people now agree on the city almost always.
    con.execute("CREATE OR REPLACE TEMP TABLE one_town AS SELECT * REPLACE ('ANYTOWN' AS city) FROM records")
    try:
        fitted = fit_to_records(
            con, model.spec, model.parameters, records_table="one_town", max_pairs=2e5, seed=1
        )
    finally:
        con.execute("DROP TABLE one_town")
    # The fit's work linkers have views of their own: the training linker still reads `records`.
    assert trained.linker.inference.predict(threshold_match_probability=0.99).physical_name

    location = model.spec.comparison("location")
    same_city = next(i for i, level in enumerate(location.levels) if level.label == "Same city")
    before = model.parameters.levels["location"][same_city].u_probability
    after = fitted.levels["location"][same_city].u_probability
    assert before is not None and after is not None
    assert before < 0.1 < 0.5 < after
    # m and the match rate come from EM over these records' candidate pairs: still probabilities.
    assert 0 < fitted.probability_two_random_records_match < 0.01
    for comparison in model.spec.comparisons:
        for level, values in zip(comparison.levels, fitted.levels[comparison.name], strict=True):
            if not level.is_null:
                assert values.m_probability is not None and 0 < values.m_probability <= 1, comparison.name
