"""Training on FEBRL: every level gets m and u, and a saved model scores like the trained one."""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest
from febrl_records import TrainingRun, load_febrl3_records
from splink.internals.splink_dataframe import SplinkDataFrame

from mpi.model.person import build_person_model
from mpi.model.predict import drop_splink_tables, linker_for_model, predict_pairs
from mpi.model.registry import load_model, save_model
from mpi.model.threshold import ThresholdChoice, best_threshold_choice, choose_match_threshold
from mpi.model.training import default_u_max_pairs, sample_of_records_sql, train_model


def _probabilities(con: duckdb.DuckDBPyConnection, pairs: SplinkDataFrame) -> dict[tuple[str, str], float]:
    rows = con.execute(
        f"SELECT unique_id_l, unique_id_r, match_probability FROM {pairs.physical_name}"
    ).fetchall()
    return {(str(a), str(b)): float(p) for a, b, p in rows}


def test_training_gives_m_and_u_for_every_level(trained: TrainingRun) -> None:
    model = trained.model
    for comparison in model.spec.comparisons:
        levels = model.parameters.levels[comparison.name]
        assert len(levels) == len(comparison.levels)
        for level, params in zip(comparison.levels, levels, strict=True):
            if level.is_null:
                assert params.m_probability is None and params.u_probability is None
            else:
                assert params.m_probability is not None and 0 < params.m_probability <= 1
                assert params.u_probability is not None and 0 < params.u_probability <= 1

    stats = model.stats
    assert stats is not None
    assert stats.record_count == 1013 and stats.seed == 42
    assert 0 < stats.probability_two_random_records_match < 0.01
    # The primary sessions all ran; the first name, which also reads the date of birth and the
    # address (a father and a son of one name), is left free only by the fallback on the SSN.
    primaries = [r.description for r in model.spec.training_rules if not r.fallback]
    assert [s.blocking_rule for s in stats.em_sessions] == [*primaries, "ssn"]
    assert stats.em_sessions[-1].comparisons_estimated == ("first_name",)
    assert [s.error for s in stats.em_sessions] == [None] * (len(primaries) + 1)
    assert all(s.blocked_pairs and s.iterations for s in stats.em_sessions)
    # FEBRL has no middle names, email addresses or phones; levels with a fixed m (relatives, fathers
    # and sons) are not training's to learn, so they do not hide that.
    assert stats.warnings == (
        'comparison "middle_name" learned nothing (are its columns empty?): it carries no evidence',
        'comparison "email" learned nothing (are its columns empty?): it carries no evidence',
        'comparison "phone" learned nothing (are its columns empty?): it carries no evidence',
    )
    # Every exact-match level saw data (FEBRL lacks compound names and nicknames, so a few others did not;
    # it declares no source age ranges, so the source_ages level is left at no evidence).
    assert not [
        name
        for name in stats.untrained_levels
        if "[1]" in name and not name.startswith(("middle_name", "email", "source_ages"))
    ]
    assert "source_ages[1] Born outside the ages the other record's source holds" in stats.untrained_levels


def test_trained_weights_point_the_right_way(trained: TrainingRun) -> None:
    levels = trained.model.parameters.levels

    spec = trained.model.spec

    def weight(comparison: str, index: int | str) -> float:
        if isinstance(index, str):
            index = [level.label for level in spec.comparison(comparison).levels].index(index)
        p = levels[comparison][index]
        assert p.m_probability is not None and p.u_probability is not None
        return math.log2(p.m_probability / p.u_probability)

    exact_levels = {
        "first_name": "Same first name; other surnames",
        "last_name": "Same last name; elsewhere",
        "dob": "Same date of birth; other pairs",
        "ssn": "Same SSN",
        "id_sasid": 1,
        "location": 1,
    }
    for comparison, level in exact_levels.items():
        assert weight(comparison, level) > 3, comparison  # exact agreement is strong evidence
    assert weight("first_name", "Different first names; other surnames") < -1
    assert weight("dob", "Different dates of birth; other pairs") < -1
    assert weight("sex", 1) > 0.5  # agreement on sex is weak evidence, but evidence
    assert weight("suffix", 2) < 0 and weight("suffix", 3) < 0  # father and son
    assert weight("sex", 2) < 0


def test_reloaded_model_predicts_what_training_linker_predicted(trained: TrainingRun, tmp_path: Path) -> None:
    con = trained.data.con
    before = _probabilities(con, trained.linker.inference.predict(threshold_match_probability=0.01))

    save_model(tmp_path, trained.model)
    linker = linker_for_model(con, load_model(tmp_path, "person"))
    after = _probabilities(con, predict_pairs(linker, threshold_match_probability=0.01))
    drop_splink_tables(linker)

    assert len(before) > 1000
    assert before.keys() == after.keys()
    for pair, probability in before.items():
        assert after[pair] == pytest.approx(probability, rel=1e-9, abs=1e-12)


def test_u_sample_grows_with_the_data_within_bounds() -> None:
    assert default_u_max_pairs(1000) == 1000 * 999 / 2  # small: every pair
    assert default_u_max_pairs(5000) == 1e6
    assert default_u_max_pairs(200_000) == 2e7
    assert default_u_max_pairs(10_000_000) == 1e8


def test_a_training_rule_with_no_pairs_is_skipped_not_fatal() -> None:
    data = load_febrl3_records(sample=150)
    data.con.execute("UPDATE records SET ssn = NULL").fetchall()
    model = train_model(data.con, build_person_model(), seed=3)
    data.con.close()
    assert model.stats is not None
    sessions = {s.blocking_rule: s for s in model.stats.em_sessions}
    assert sessions["ssn"].error == "the rule makes no pairs in this data"
    assert sessions["ssn"].blocked_pairs == 0
    assert sessions["dob"].error is None
    assert "EM session on ssn did not run: the rule makes no pairs in this data" in model.stats.warnings
    # every comparison still has parameters, the skipped session notwithstanding
    assert set(model.parameters.levels) == {c.name for c in model.spec.comparisons}


def test_an_em_session_that_drives_an_m_to_zero_is_skipped_not_fatal() -> None:
    # Five people: EM over an SSN session's 3 pairs takes a level's m to 0, which Splink refuses to
    # store (a ValueError); `mpi train` on a few dozen records died of it with a traceback.
    data = load_febrl3_records(sample=5)
    model = train_model(data.con, build_person_model(), seed=3)
    data.con.close()
    assert model.stats is not None
    sessions = {s.blocking_rule: s for s in model.stats.em_sessions}
    error = sessions["ssn + first_name_std"].error
    assert error is not None and error.startswith("EM failed on 3 pairs: m_probability value")
    assert sessions["first_name_std + last_name + dob"].error is None
    for comparison in model.spec.comparisons:
        for level, params in zip(comparison.levels, model.parameters.levels[comparison.name], strict=True):
            if not level.is_null:
                assert params.m_probability is not None and 0 < params.m_probability <= 1


def test_names_and_a_place_alone_still_give_a_match_rate() -> None:
    # No SSN, date of birth or street address: the primary deterministic rules find nothing,
    # so the match rate comes from the fallbacks (same names and ZIP, or names and city).
    data = load_febrl3_records(sample=150)
    data.con.execute(
        "UPDATE records SET ssn = NULL, dob = NULL, birth_year_min = NULL, address = NULL"
    ).fetchall()
    model = train_model(data.con, build_person_model(), seed=3)
    data.con.close()
    assert 0 < model.parameters.probability_two_random_records_match < 0.1


def test_levels_training_never_saw_carry_no_evidence() -> None:
    # Plain FEBRL has no sex column values: Splink's default would give exact sex +10 bits.
    data = load_febrl3_records(sample=150)
    model = train_model(data.con, build_person_model(), seed=3)
    data.con.close()
    assert model.stats is not None
    for params in model.parameters.levels["sex"][1:]:
        assert params.m_probability == params.u_probability
    assert "sex[1] Exact match on sex" in model.stats.untrained_levels
    assert 'comparison "sex" learned nothing (are its columns empty?): it carries no evidence' in (
        model.stats.warnings
    )


def test_threshold_choice_comes_from_the_grid(trained: TrainingRun) -> None:
    choice = choose_match_threshold(trained.data.con, trained.model, grid=(0.5, 0.9, 0.99))
    assert choice.match_probability in (0.5, 0.9, 0.99)
    assert 0 < choice.expected_precision <= 1 and 0 < choice.expected_recall <= 1
    assert choice.expected_f1 > 0.9  # FEBRL is easy


def _choice(threshold: float, f1: float) -> ThresholdChoice:
    return ThresholdChoice(
        match_probability=threshold, expected_precision=f1, expected_recall=f1, expected_f1=f1
    )


def test_best_expected_f1_wins_even_when_a_higher_threshold_is_close() -> None:
    # Until session 41 a threshold within 5% of the best expected error won if higher: it cost
    # pairwise F1 on nine of the twelve benchmark sets (benchmarks/RESULTS.md).
    choices = [_choice(0.5, 0.950), _choice(0.6, 0.949), _choice(0.9, 0.930)]
    assert best_threshold_choice(choices).match_probability == 0.5


def test_a_tie_goes_to_the_higher_threshold() -> None:
    choices = [_choice(0.5, 0.97), _choice(0.6, 0.97), _choice(0.7, 0.96)]
    assert best_threshold_choice(choices).match_probability == 0.6


def test_u_is_estimated_without_the_true_matches_in_the_sample(trained: TrainingRun) -> None:
    # In a sample of 1,000 records, pairs with the same SSN are nearly all one person: counted
    # as non-matches they would make SSN agreement look hundreds of times likelier than it is.
    labels = [level.label for level in trained.model.spec.comparison("ssn").levels]
    ssn_exact = trained.model.parameters.levels["ssn"][labels.index("Same SSN")]
    assert ssn_exact.u_probability is not None and ssn_exact.u_probability < 1e-4


def test_the_fits_record_samples_follow_the_records_not_the_order_they_sit_in() -> None:
    """DuckDB's reservoir sample, even REPEATABLE, follows the table's row order: a source loaded
    again drew another sample, the fitted u moved, and persons the load never touched changed ids."""
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE a AS SELECT 'k12' AS source, lpad(i::VARCHAR, 6, '0') AS record_id FROM range(20000) t(i)"
    )
    con.execute("CREATE TABLE b AS SELECT * FROM a ORDER BY hash(record_id || 'shuffle')")
    con.execute("CREATE TABLE c AS SELECT * FROM b WHERE record_id <> '000042'")  # one record less

    def sample(table: str, seed: int = 7) -> set[str]:
        return {str(row[1]) for row in con.execute(sample_of_records_sql(table, 2000, seed)).fetchall()}

    assert sample("a") == sample("b") and len(sample("a")) == 2000
    assert len(sample("a") - sample("c")) <= 1
    assert len(sample("a") & sample("a", seed=8)) < 500  # another seed, another sample
