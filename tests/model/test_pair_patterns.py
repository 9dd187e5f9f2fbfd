"""u from random pairs and m from candidate pairs, estimated in turn (mpi.model.pair_patterns).

The pairs are written down as expected counts of each comparison pattern in a population
whose truth is known: every person has several records and there are no households, so two
records at one address are nearly always one person (FEBRL's shape). A random sample then
holds few non-matches at one address, and u of "same surname, same address" must come out
near its true (small) value, not near m.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mpi.model.pair_patterns import (
    PairPatterns,
    em_m_and_rate,
    estimate_u_and_m,
    match_probability,
    u_from_counts,
    u_from_sample,
)
from mpi.model.spec import (
    ComparisonSpec,
    ModelSpec,
    block_on,
    else_level,
    exact,
    stratified,
)
from mpi.model.trained import LevelParameters, TrainedParameters

RECORDS = 100_000
TRUE_RATE = 3e-5  # 150,000 true pairs among 5e9
# Chance that a match / a non-match agrees, per comparison.
M_AGREE = {"address": 0.7, "last_name": 0.9, "first_name": 0.85, "dob": 0.9}
U_AGREE = {"address": 1e-5, "last_name": 0.002, "first_name": 0.01, "dob": 0.0003}
SAMPLE_PAIRS = 2e7


def _spec() -> ModelSpec:
    def plain(column: str) -> ComparisonSpec:
        return ComparisonSpec(name=column, levels=(exact(column), else_level()))

    surname = ComparisonSpec(
        name="last_name",
        levels=stratified(
            (exact("last_name"),),
            condition=exact("address"),
            stratum="same address",
            otherwise="elsewhere",
            else_label="Different last names",
        ),
    )
    return ModelSpec(
        name="households_test",
        comparisons=(plain("address"), surname, plain("first_name"), plain("dob")),
        prediction_rules=(block_on("last_name"), block_on("first_name"), block_on("dob")),
        training_rules=(block_on("dob"), block_on("address")),
        deterministic_rules=(block_on("first_name", "last_name", "dob"),),
    )


def _patterns(spec: ModelSpec, *, pairs: float, candidates_only: bool, rate: float) -> PairPatterns:
    """Expected pattern counts among ``pairs`` pairs (or among the candidate pairs of all of them)."""
    rows, counts = [], []
    for agree in itertools.product((True, False), repeat=4):
        address, last, first, dob = agree
        matched = rate * np.prod(
            [M_AGREE[c] if a else 1 - M_AGREE[c] for c, a in zip(M_AGREE, agree, strict=True)]
        )
        unmatched = (1 - rate) * np.prod(
            [U_AGREE[c] if a else 1 - U_AGREE[c] for c, a in zip(U_AGREE, agree, strict=True)]
        )
        share = matched + unmatched
        if candidates_only and not (last or first or dob):
            share = matched  # the rules miss few matches: keep them all, as the real rules nearly do
        # Splink's comparison vector values: highest level first, else 0; the surname's four levels
        # are (same; same address) 3, (different; same address) 2, (same; elsewhere) 1, else 0.
        surname = (3 if last else 2) if address else (1 if last else 0)
        rows.append((int(address), surname, int(first), int(dob)))
        counts.append(pairs * share)
    levels = {c.name: [len(c.levels) - 1 - i for i in range(len(c.levels))] for c in spec.comparisons}
    return PairPatterns(
        gamma=np.array(rows, dtype=np.int64),
        tf_adjustment=np.zeros(len(rows)),
        pairs=np.array(counts),
        level_values=levels,
        scored_u={c.name: [None] * len(c.levels) for c in spec.comparisons},
    )


def _naive_start(spec: ModelSpec, sample: PairPatterns) -> TrainedParameters:
    """u as Splink's random sampling gives it (every pair a non-match), m a rough guess."""
    levels = {}
    for column, comparison in enumerate(spec.comparisons):
        values = sample.level_values[comparison.name]
        counts = np.bincount(sample.gamma[:, column], weights=sample.pairs, minlength=max(values) + 1)
        u = {index: float(counts[value]) for index, value in enumerate(values)}
        if comparison.name == "last_name":  # conditional on each stratum
            u = {
                0: u[0] / (u[0] + u[1]),
                1: u[1] / (u[0] + u[1]),
                2: u[2] / (u[2] + u[3]),
                3: u[3] / (u[2] + u[3]),
            }
            m = (0.8, 0.2, 0.8, 0.2)
        else:
            total = sum(u.values())
            u = {index: value / total for index, value in u.items()}
            m = (0.8, 0.2)
        levels[comparison.name] = tuple(
            LevelParameters(m_probability=m[index], u_probability=u[index]) for index in range(len(m))
        )
    return TrainedParameters(probability_two_random_records_match=1e-4, levels=levels)


def _u(parameters: TrainedParameters, comparison: str, index: int) -> float:
    value = parameters.levels[comparison][index].u_probability
    assert value is not None
    return value


def test_alternating_u_and_m_recovers_the_u_a_single_estimate_leaves_contaminated() -> None:
    spec = _spec()
    all_pairs = RECORDS * (RECORDS - 1) / 2
    sample = _patterns(spec, pairs=SAMPLE_PAIRS, candidates_only=False, rate=TRUE_RATE)
    candidates = _patterns(spec, pairs=all_pairs, candidates_only=True, rate=TRUE_RATE)
    start = em_m_and_rate(candidates, spec, _naive_start(spec, sample), record_count=RECORDS)

    # What training did before: one u estimate under the provisional model, then m again.
    once = em_m_and_rate(candidates, spec, u_from_sample(sample, spec, start), record_count=RECORDS)
    settled, rounds = estimate_u_and_m(sample, candidates, spec, once, record_count=RECORDS)
    assert 1 < rounds < 200

    # The best any estimate can do from this sample: the true non-matches counted, smoothed
    # as every estimate is (pseudo-pairs, shrinking a thin stratum towards the overall u).
    non_matches = _patterns(spec, pairs=SAMPLE_PAIRS * (1 - TRUE_RATE), candidates_only=False, rate=0.0)
    counts = np.bincount(non_matches.gamma[:, 1], weights=non_matches.pairs, minlength=4)
    surname = spec.comparisons[1]
    values = non_matches.level_values["last_name"]
    best = u_from_counts(surname, {i: float(counts[v]) for i, v in enumerate(values)})

    same_surname_same_address = 0  # level index: (same last name; same address)
    assert best[same_surname_same_address] < 0.01
    assert _u(once, "last_name", same_surname_same_address) > 5 * best[same_surname_same_address]
    assert _u(settled, "last_name", same_surname_same_address) < 3 * best[same_surname_same_address]
    assert _u(settled, "last_name", same_surname_same_address) < _u(once, "last_name", 0) / 3
    # The match rate and the m of the shared address settle near the truth too.
    assert settled.probability_two_random_records_match == pytest.approx(TRUE_RATE, rel=0.1)
    address_m = settled.levels["address"][0].m_probability
    assert address_m == pytest.approx(M_AGREE["address"], abs=0.02)
    # Where the sample holds plenty of non-matches, u stays what it was.
    assert _u(settled, "dob", 0) == pytest.approx(U_AGREE["dob"], rel=0.1)


def test_frozen_levels_keep_their_u_and_m() -> None:
    spec = _spec()
    sample = _patterns(spec, pairs=SAMPLE_PAIRS, candidates_only=False, rate=TRUE_RATE)
    candidates = _patterns(spec, pairs=RECORDS * (RECORDS - 1) / 2, candidates_only=True, rate=TRUE_RATE)
    start = _naive_start(spec, sample)
    frozen = frozenset({("dob", 0), ("dob", 1)})
    settled, _ = estimate_u_and_m(
        sample, candidates, spec, start, record_count=RECORDS, frozen_m=frozen, frozen_u=frozen
    )
    assert settled.levels["dob"] == start.levels["dob"]
    assert settled.levels["first_name"] != start.levels["first_name"]


def test_a_term_frequency_level_weighs_the_same_whatever_its_u() -> None:
    # Splink's adjustment is log2(u / frequency): with it the level weighs log2(m / frequency),
    # so when u moves after scoring, the adjustment read at scoring time must move with it.
    comparison = ComparisonSpec(name="first_name", levels=(exact("first_name", tf=True), else_level()))
    spec = ModelSpec(
        name="tf_test",
        comparisons=(comparison,),
        prediction_rules=(block_on("first_name"),),
        training_rules=(block_on("first_name"),),
        deterministic_rules=(block_on("first_name"),),
    )
    patterns = PairPatterns(
        gamma=np.array([[1], [0]], dtype=np.int64),
        tf_adjustment=np.array([np.log2(0.01 / 0.001), 0.0]),  # u 0.01 at scoring, a name of 0.1%
        pairs=np.array([1.0, 1.0]),
        level_values={"first_name": [1, 0]},
        scored_u={"first_name": [0.01, 0.99]},
    )
    m = {"first_name": [0.9, 0.1]}
    at_scoring = match_probability(patterns, spec, m, {"first_name": [0.01, 0.99]}, 0.001)
    moved = match_probability(patterns, spec, m, {"first_name": [0.05, 0.95]}, 0.001)
    assert moved[0] == pytest.approx(at_scoring[0])
    assert moved[1] != pytest.approx(at_scoring[1])
