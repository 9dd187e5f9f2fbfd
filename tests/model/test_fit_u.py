"""A model trained on other people, its u fitted to the records it links (as mpi link does for shipped models)."""

from __future__ import annotations

import pytest
from febrl_records import TrainingRun

from mpi.model.predict import drop_splink_tables, linker_for_model
from mpi.model.splink_settings import parameters_from_linker
from mpi.model.training import fit_u_to_records


def test_fitted_u_follows_the_records_and_m_stays(trained: TrainingRun) -> None:
    con, model = trained.data.con, trained.model
    # Everyone in one town: two different people now agree on the city almost always.
    con.execute("CREATE OR REPLACE TEMP TABLE one_town AS SELECT * REPLACE ('ANYTOWN' AS city) FROM records")
    linker = linker_for_model(con, model, records_table="one_town", view_name="one_town_input")
    try:
        fit_u_to_records(
            con, linker, model.spec, model.parameters, records_table="one_town", max_pairs=2e5, seed=1
        )
        fitted = parameters_from_linker(linker, model.spec)
    finally:
        drop_splink_tables(linker)
        con.execute("DROP TABLE one_town")

    location = model.spec.comparison("location")
    same_city = next(i for i, level in enumerate(location.levels) if level.label == "Same city")
    before = model.parameters.levels["location"][same_city].u_probability
    after = fitted.levels["location"][same_city].u_probability
    assert before is not None and after is not None
    assert before < 0.1 < 0.5 < after
    for comparison in model.spec.comparisons:
        for old, new in zip(
            model.parameters.levels[comparison.name], fitted.levels[comparison.name], strict=True
        ):
            assert new.m_probability == pytest.approx(old.m_probability), comparison.name
    assert (
        fitted.probability_two_random_records_match == model.parameters.probability_two_random_records_match
    )
