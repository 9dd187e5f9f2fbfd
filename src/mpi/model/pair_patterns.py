"""Scored pairs as comparison patterns, and the EM steps training runs over them in memory.

Training estimates u from random pairs and m from the candidate pairs, each weighted by the
current model's match probability; both sets are scored by Splink once, kept here as one row
per distinct pattern (comparison levels + term-frequency adjustment) with its pair count, and
re-weighted in numpy as the parameters change. Splink has no such step: its EM estimates m
over one blocking rule's pairs with u held fixed, and its u sampling counts every random pair
as a non-match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import duckdb
import numpy as np
from splink import Linker

from mpi.model.spec import ComparisonSpec, ModelSpec, strata
from mpi.model.trained import LevelParameters, TrainedParameters
from mpi.sqlutil import quote_identifier

# EM over the candidate pairs: iterations and the pseudo-count of matching pairs credited to
# every level (so a level no match shows is unlikely, not impossible).
CANDIDATE_EM_ITERATIONS = 100
M_PSEUDO_PAIRS = 0.5
# Non-matching pairs credited to every level before counting, so a level the sample shows
# only among matches (or never) gets u of about one pair in the sample, not zero.
U_PSEUDO_PAIRS = 1.0
# Pairs' worth of the overall u that a stratum's own u is shrunk towards. A stratum with few
# non-matching pairs (a shared address where different people seldom share one, as in FEBRL)
# otherwise settles where its first sample leaves it: counted as a non-match by a model whose u
# there is high, a pair weighs little and so keeps that u high. At 20, the shipped model fitted
# to FEBRL3 without dob/SSN gave "same surname | same address" 1.5 to 3.8 bits by the seed, and
# pairwise F1 0.953-0.971 over six seeds (FEBRL4 without them 0.971-0.974); at 200, 0.970-0.971
# and 0.975-0.976 (at 1000 the same).
U_STRATUM_PRIOR_PAIRS = 200.0
# Rounds of u-then-m in `estimate_u_and_m`, and the change (bits of any level's u, share of
# any level's m, relative match rate) below which it stops.
U_AND_M_ROUNDS = 200
U_AND_M_TOLERANCE = 1e-4

Parameters = dict[str, list[float | None]]


@dataclass(frozen=True)
class PairPatterns:
    """Distinct comparison patterns of a set of scored pairs, with how many pairs show each.

    ``scored_u`` is the u each level had when Splink scored the pairs: a term-frequency
    adjustment is log2(u / frequency) times the level's weight, so when u moves later the
    adjustment moves with it (`log_odds`).
    """

    gamma: np.ndarray  # patterns x comparisons, Splink's comparison vector values
    tf_adjustment: np.ndarray  # bits, summed over comparisons
    pairs: np.ndarray
    level_values: dict[str, list[int]]  # comparison -> comparison vector value of each level
    scored_u: Parameters

    def __len__(self) -> int:
        return len(self.pairs)


def read_patterns(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    pairs_table: str,
    spec: ModelSpec,
    parameters: TrainedParameters,
) -> PairPatterns:
    """Group a prediction table (scored with ``parameters`` and intermediate columns) by pattern."""
    columns = [c[0] for c in con.execute(f"DESCRIBE {quote_identifier(pairs_table)}").fetchall()]
    gammas = [f"gamma_{c.name}" for c in spec.comparisons]
    adjustments = [c for c in columns if str(c).startswith("mw_tf_adj_")]
    select = ", ".join(quote_identifier(c) for c in gammas)
    tf_sum = " + ".join(f"coalesce({quote_identifier(c)}, 0)" for c in adjustments) or "0"
    # One row per distinct pattern, not per pair: 52M candidate pairs at 1M persons were ~6 GB of
    # numpy arrays; the patterns are far fewer. Term-frequency adjustments are rounded to 1/1000 of
    # a bit, far below any change EM makes.
    rows = con.execute(
        f"SELECT {select}, round({tf_sum}, 3) AS tf, count(*) AS n "
        f"FROM {quote_identifier(pairs_table)} GROUP BY ALL"
    ).fetchnumpy()
    values = list(rows.values())
    return PairPatterns(
        gamma=np.stack([np.asarray(v, dtype=np.int64) for v in values[:-2]], axis=1)
        if len(values[0])
        else np.zeros((0, len(gammas)), dtype=np.int64),
        tf_adjustment=np.asarray(values[-2], dtype=np.float64),
        pairs=np.asarray(values[-1], dtype=np.float64),
        level_values={
            c.output_column_name: [level.comparison_vector_value for level in c.comparison_levels]
            for c in linker._settings_obj.comparisons
        },
        scored_u=_u_of(parameters),
    )


def concatenate(parts: list[PairPatterns]) -> PairPatterns:
    """Patterns of several scorings with the same parameters (rounds of a sample) as one set."""
    first = parts[0]
    return PairPatterns(
        gamma=np.concatenate([p.gamma for p in parts]),
        tf_adjustment=np.concatenate([p.tf_adjustment for p in parts]),
        pairs=np.concatenate([p.pairs for p in parts]),
        level_values=first.level_values,
        scored_u=first.scored_u,
    )


def match_probability(
    patterns: PairPatterns, spec: ModelSpec, m: Parameters, u: Parameters, rate: float
) -> np.ndarray:
    """Each pattern's match probability under m, u and the match rate (Splink's formula)."""
    log_odds = np.full(len(patterns), math.log2(rate / (1 - rate))) + patterns.tf_adjustment
    for column, comparison in enumerate(spec.comparisons):
        values = patterns.level_values[comparison.name]
        weights = np.zeros(max(values) + 2)
        for index, value in enumerate(values):
            mi, ui = m[comparison.name][index], u[comparison.name][index]
            if value < 0 or mi is None or ui is None:
                continue
            weights[value + 1] = math.log2(mi / ui)
            level = comparison.levels[index]
            scored = patterns.scored_u[comparison.name][index]
            if level.tf_column is not None and scored is not None:
                # the adjustment was read at the scored u: move it to the current one
                weights[value + 1] += level.tf_weight * math.log2(ui / scored)
        log_odds += weights[patterns.gamma[:, column] + 1]
    probability: np.ndarray = 1 / (1 + np.exp2(-np.clip(log_odds, -60, 60)))
    return probability


def _level_counts(patterns: PairPatterns, column: int, weights: np.ndarray, values: list[int]) -> np.ndarray:
    """Weighted pairs at each comparison vector value (index value + 1; 0 is the null level)."""
    return np.bincount(patterns.gamma[:, column] + 1, weights=weights, minlength=max(values) + 2)


def em_m_and_rate(
    candidates: PairPatterns,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    record_count: int,
    frozen: frozenset[tuple[str, int]] = frozenset(),
    iterations: int = CANDIDATE_EM_ITERATIONS,
) -> TrainedParameters:
    """m and lambda by EM over the candidate pairs, u held fixed; ``frozen`` levels keep their m.

    The candidate pairs of the prediction rules hold nearly every true match, so the share of
    matches at each level among them is m itself, and lambda is the expected number of
    matches over all pairs.
    """
    m, u, rate = _split(parameters)
    if len(candidates) == 0:
        return parameters
    for _ in range(iterations):
        m, rate, change = _m_and_rate_step(candidates, spec, m, u, rate, record_count, frozen)
        if change < 1e-6:
            break
    return _parameters(spec, m, u, rate)


def estimate_u_and_m(
    sample: PairPatterns,
    candidates: PairPatterns,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    record_count: int,
    frozen_m: frozenset[tuple[str, int]] = frozenset(),
    frozen_u: frozenset[tuple[str, int]] = frozenset(),
    rounds: int = U_AND_M_ROUNDS,
) -> tuple[TrainedParameters, int]:
    """u from the random sample and m, lambda from the candidates, in turn, until neither moves.

    u counts each random pair by its chance of being a non-match. Scored by a model whose u
    came from a sample that took matches for non-matches, the true pairs of a level that is
    common among matches (a surname shared at one address, where a person has many records)
    look like non-matches, so that level's u comes out high, and its pairs score low again: a
    single re-estimate stops halfway (FEBRL3 without dob/SSN: u of "same surname, same
    address" 0.37, truth 0.04). Alternating the two estimates moves u, m and lambda together.
    Returns the parameters and the rounds it took.
    """
    m, u, rate = _split(parameters)
    if len(sample) == 0 or len(candidates) == 0:
        return parameters, 0
    done = 0
    while done < rounds:
        done += 1
        new_u = _u_step(sample, spec, m, u, rate, frozen_u)
        u_change = max(
            (
                abs(math.log2(a / b))
                for name in new_u
                for a, b in zip(new_u[name], u[name], strict=True)
                if a is not None and b is not None and a > 0 and b > 0
            ),
            default=0.0,
        )
        u = new_u
        m, rate, m_change = _m_and_rate_step(candidates, spec, m, u, rate, record_count, frozen_m)
        if max(u_change, m_change) < U_AND_M_TOLERANCE:
            break
    return _parameters(spec, m, u, rate), done


def u_from_sample(
    sample: PairPatterns,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    frozen: frozenset[tuple[str, int]] = frozenset(),
) -> TrainedParameters:
    """``parameters`` with u of every free level from the sample's pairs, each counted by 1 - p."""
    m, u, rate = _split(parameters)
    return _parameters(spec, m, _u_step(sample, spec, m, u, rate, frozen), rate)


def _u_step(
    sample: PairPatterns,
    spec: ModelSpec,
    m: Parameters,
    u: Parameters,
    rate: float,
    frozen: frozenset[tuple[str, int]],
) -> Parameters:
    non_matches = (1 - match_probability(sample, spec, m, u, rate)) * sample.pairs
    out: Parameters = {}
    for column, comparison in enumerate(spec.comparisons):
        values = sample.level_values[comparison.name]
        counts = _level_counts(sample, column, non_matches, values)
        counted = {
            index: float(counts[values[index] + 1])
            for index, level in enumerate(comparison.levels)
            if not level.is_null
        }
        new = list(u[comparison.name])
        if sum(counted.values()) > 0:  # else the comparison is null in every sampled pair
            for index, value in u_from_counts(comparison, counted).items():
                level = comparison.levels[index]
                if level.fixed_u is None and (comparison.name, index) not in frozen:
                    new[index] = value
        out[comparison.name] = new
    return out


def _m_and_rate_step(
    candidates: PairPatterns,
    spec: ModelSpec,
    m: Parameters,
    u: Parameters,
    rate: float,
    record_count: int,
    frozen: frozenset[tuple[str, int]],
) -> tuple[Parameters, float, float]:
    """One EM step over the candidates: new m, new lambda, and the largest change."""
    all_pairs = record_count * (record_count - 1) / 2
    expected_matches = match_probability(candidates, spec, m, u, rate) * candidates.pairs
    new_rate = float(min(0.5, max(1e-12, expected_matches.sum() / all_pairs)))
    change = abs(new_rate - rate) / rate
    new_m: Parameters = {}
    for column, comparison in enumerate(spec.comparisons):
        values = candidates.level_values[comparison.name]
        counts = _level_counts(candidates, column, expected_matches, values)
        new_m[comparison.name] = m_from_counts(comparison, values, counts, m[comparison.name], frozen)
        change = max(
            change,
            max(
                (
                    abs(a - b)
                    for a, b in zip(new_m[comparison.name], m[comparison.name], strict=True)
                    if a is not None and b is not None
                ),
                default=0.0,
            ),
        )
    return new_m, new_rate, change


def m_from_counts(
    comparison: ComparisonSpec,
    values: list[int],
    counts: np.ndarray,
    current: list[float | None],
    frozen: frozenset[tuple[str, int]],
) -> list[float | None]:
    """m of every free level from the expected matches at each level.

    A stratified level's m is pooled over its strata (as in ``normalise_strata``), so each
    stratum position counts once towards the total. Free levels share what the fixed levels
    leave; fixed and frozen levels (neutral: no u to weigh against) keep their m.
    """
    new = list(current)
    free = [
        index
        for index, level in enumerate(comparison.levels)
        if not level.is_null and level.fixed_m is None and (comparison.name, index) not in frozen
    ]
    if not free:
        return new
    held = sum(
        current[i] or 0.0 for i, level in enumerate(comparison.levels) if not level.is_null and i not in free
    )
    groups = strata(comparison)
    position_of = {index: position for indexes in groups.values() for position, index in enumerate(indexes)}

    def matches_at(index: int) -> float:
        return float(counts[values[index] + 1])

    expected: dict[int, float] = {}
    per_position: dict[int, float] = {}
    for index in free:
        if index in position_of:
            position = position_of[index]
            count = sum(matches_at(indexes[position]) for indexes in groups.values())
            expected[index] = per_position[position] = count + M_PSEUDO_PAIRS
        else:
            expected[index] = matches_at(index) + M_PSEUDO_PAIRS
    total = sum(e for i, e in expected.items() if i not in position_of) + sum(per_position.values())
    mass = max(0.0, 1.0 - held) if not groups else 1.0
    for index in free:
        new[index] = max(1e-12, mass * expected[index] / total)
    return new


def u_from_counts(comparison: ComparisonSpec, counted: dict[int, float]) -> dict[int, float]:
    """u of every non-null level from the non-matching pairs counted at each.

    Each level is credited ``U_PSEUDO_PAIRS`` first. A stratified level's u is conditional
    on its stratum (see ``normalise_strata``, which then leaves it as it is), shrunk towards
    the level's u over all strata by ``U_STRATUM_PRIOR_PAIRS``: a stratum the sample barely
    shows (no households in the data) falls back to the plain u instead of noise.
    """
    smoothed = {index: count + U_PSEUDO_PAIRS for index, count in counted.items()}
    groups = strata(comparison)
    stratified = {index for indexes in groups.values() for index in indexes}
    total = sum(smoothed.values())
    out = {index: value / total for index, value in smoothed.items() if index not in stratified}
    if groups:
        width = len(next(iter(groups.values())))
        pooled = [
            sum(smoothed[indexes[position]] for indexes in groups.values()) for position in range(width)
        ]
        overall = [value / sum(pooled) for value in pooled]
        for indexes in groups.values():
            stratum_total = sum(smoothed[index] for index in indexes)
            for position, index in enumerate(indexes):
                prior = U_STRATUM_PRIOR_PAIRS * overall[position]
                out[index] = (smoothed[index] + prior) / (stratum_total + U_STRATUM_PRIOR_PAIRS)
    return out


def _split(parameters: TrainedParameters) -> tuple[Parameters, Parameters, float]:
    """m and u of every level, and the match rate."""
    return (
        {name: [p.m_probability for p in levels] for name, levels in parameters.levels.items()},
        _u_of(parameters),
        parameters.probability_two_random_records_match,
    )


def _u_of(parameters: TrainedParameters) -> Parameters:
    return {name: [p.u_probability for p in levels] for name, levels in parameters.levels.items()}


def _parameters(spec: ModelSpec, m: Parameters, u: Parameters, rate: float) -> TrainedParameters:
    return TrainedParameters(
        probability_two_random_records_match=rate,
        levels={
            c.name: tuple(
                LevelParameters(m_probability=mi, u_probability=ui)
                for mi, ui in zip(m[c.name], u[c.name], strict=True)
            )
            for c in spec.comparisons
        },
    )
