"""Train a model on the records table (EM sessions, then EM over all candidate pairs); choose its threshold."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import duckdb
import numpy as np
from splink import Linker
from splink.internals.exceptions import SplinkException

from mpi.merging import VETO_BELOW_PROBABILITY, clusters_by_threshold
from mpi.model.backend import (
    create_model_input_view,
    drop_splink_tables,
    make_db_api,
    make_linker,
    register_input,
)
from mpi.model.columns import comparison_columns, rule_columns
from mpi.model.errors import ModelError
from mpi.model.spec import BlockingRuleSpec, ComparisonSpec, ModelSpec, block_on_sql, strata
from mpi.model.splink_settings import (
    apply_parameters,
    blocking_rule_creator,
    neutralise_untrained_levels,
    normalise_strata,
    parameters_from_linker,
    restore_levels,
    settings_creator,
    snapshot_levels,
)
from mpi.model.trained import (
    EmSessionStats,
    LevelParameters,
    TrainedModel,
    TrainedParameters,
    TrainingStats,
)
from mpi.sqlutil import quote_identifier

# u sampling: pairs grow with the data, within Splink's advice (1e7 adequate, 1e9 best).
U_MAX_PAIRS_FLOOR = 1e6
U_MAX_PAIRS_CEILING = 1e8
U_PAIRS_PER_RECORD = 100
# Pairs each EM session samples at most (Splink's max_pairs): the sessions only give starting
# values for the EM over all candidate pairs, and at 1M persons the dob session alone made
# 28M pairs (188 s). 5M keeps every session whole up to ~200k persons.
EM_MAX_PAIRS = 5e6
# Records the EM over candidate pairs reads at most. Above it, a seeded random sample of records
# stands in: every candidate pair survives with the same chance (the sample share squared)
# whatever its comparison levels, so m and lambda estimated on it are unbiased. At 1M persons
# all 52M candidate pairs with their compared values took over 15 minutes per pass.
REFINE_MAX_RECORDS = 400_000
REFINE_SAMPLE_TABLE = "mpi__refine_sample"
# Input views of work linkers, so that they never replace the caller's mpi__model_input, which a
# linker the caller still holds reads: the EM over candidate pairs, and fit_to_records' u fit.
REFINE_INPUT_VIEW = "mpi__refine_input"
FIT_INPUT_VIEW = "mpi__fit_input"


def default_u_max_pairs(record_count: int) -> float:
    """Pairs to sample for u: 100 per record, at least 1e6, at most 1e8, never more than exist."""
    all_pairs = record_count * (record_count - 1) / 2
    wanted = min(U_MAX_PAIRS_CEILING, max(U_MAX_PAIRS_FLOOR, U_PAIRS_PER_RECORD * record_count))
    return float(max(1.0, min(all_pairs, wanted)))


def rule_frees(spec: ModelSpec, rule: BlockingRuleSpec) -> tuple[str, ...]:
    """Comparisons an EM session on ``rule`` can estimate: those reading none of its columns."""
    blocked = rule_columns(rule)
    return tuple(c.name for c in spec.comparisons if not comparison_columns(spec, c.name) & blocked)


def comparisons_never_free(spec: ModelSpec) -> tuple[str, ...]:
    """Comparisons no training rule leaves free: their m could never be estimated."""
    free: set[str] = set()
    for rule in spec.training_rules:
        free.update(rule_frees(spec, rule))
    return tuple(c.name for c in spec.comparisons if c.name not in free)


def _count_rows(con: duckdb.DuckDBPyConnection, table: str) -> int:
    # fetchall, not fetchone: DuckDB 2 refuses the next statement while a result is unfinished
    rows = con.execute(f"SELECT count(*) FROM {quote_identifier(table)}").fetchall()
    return int(rows[0][0])


def train_model(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    *,
    seed: int,
    records_table: str = "records",
    u_max_pairs: float | None = None,
    em_max_pairs: float | None = None,
    em_without_term_frequencies: bool = False,
    log_level: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> TrainedModel:
    """Estimate every parameter of ``spec`` from ``records_table``; ``progress`` hears each stage's time.

    1. lambda from the spec's deterministic rules and recall; u from a seeded random sample
       of pairs (``u_max_pairs``, default scaled to the row count); m from an EM session per
       primary training rule (``em_max_pairs`` caps each), fallback rules only for what the
       primaries left unestimated.
    2. m and lambda again by EM over every candidate pair of the prediction rules, u fixed.
    3. u again from fresh random pairs, each counted by its chance of being a non-match under
       that model (stratified levels: u given the stratum), then m and lambda once more.
    Raises ModelError if the table lacks a column the spec reads.
    """
    linker, model = train_linker(
        con,
        spec,
        seed=seed,
        records_table=records_table,
        u_max_pairs=u_max_pairs,
        em_max_pairs=em_max_pairs,
        em_without_term_frequencies=em_without_term_frequencies,
        log_level=log_level,
        progress=progress,
    )
    drop_splink_tables(linker)
    return model


def train_linker(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    *,
    seed: int,
    records_table: str = "records",
    u_max_pairs: float | None = None,
    em_max_pairs: float | None = None,
    em_without_term_frequencies: bool = False,
    log_level: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[Linker, TrainedModel]:
    """``train_model``, also handing back the trained Splink linker (caller drops its tables)."""
    started = time.perf_counter()
    stage_done = _stage_timer(progress)
    never_free = comparisons_never_free(spec)
    if never_free:
        raise ModelError(
            f'Model "{spec.name}": no training rule leaves comparison(s) {", ".join(never_free)} '
            "free, so their m could not be estimated. Add a training rule that does not use their columns."
        )
    record_count = _count_rows(con, records_table)
    if record_count < 2:
        raise ModelError(
            f'Table "{records_table}" has {record_count} row(s); training needs records to compare.'
        )
    pairs_for_u = u_max_pairs if u_max_pairs is not None else default_u_max_pairs(record_count)
    pairs_for_em = em_max_pairs if em_max_pairs is not None else EM_MAX_PAIRS
    with _refine_records(con, records_table, record_count, seed=seed) as (refine_table, refine_count):
        linker = make_linker(con, spec, records_table=records_table, log_level=log_level)
        try:
            _estimate_match_rate(linker, spec, records_table)
            stage_done(f"match rate from {len(spec.deterministic_rules)} deterministic rules")
            linker.training.estimate_u_using_random_sampling(max_pairs=pairs_for_u, seed=seed)
            stage_done(f"u from up to {pairs_for_u:,.0f} random pairs")
            sessions = _run_em_sessions(
                linker,
                spec,
                max_pairs=pairs_for_em,
                without_term_frequencies=em_without_term_frequencies,
            )
            stage_done(f"m by EM in {len(sessions)} blocked sessions")
            # Provisional model: the sessions' estimates, strata normalised, unseen levels neutral;
            # then m and lambda re-estimated over all candidate pairs.
            estimates = snapshot_levels(linker)
            unseen = _untrained_u(linker, spec)
            normalise_strata(linker, spec)
            neutralise_untrained_levels(linker, spec)
            provisional = _refine_over_candidates(
                con,
                spec,
                parameters_from_linker(linker, spec),
                records_table=refine_table,
                record_count=refine_count,
                frozen=unseen,
                log_level=log_level,
            )
            stage_done(f"m and match rate over the candidate pairs of {refine_count:,} records")
            # u again, counting only the pairs the provisional model takes for non-matches,
            # then m and lambda once more with that u.
            restore_levels(linker, estimates)
            _estimate_u_without_matches(
                con,
                linker,
                spec,
                provisional,
                records_table=records_table,
                max_pairs=pairs_for_u,
                seed=seed,
                log_level=log_level,
            )
            stage_done("u again, leaving out the pairs that model takes for matches")
            unseen = _untrained_u(linker, spec)
            normalise_strata(linker, spec)
            _set_m(linker, spec, provisional, skip=unseen)
            untrained = neutralise_untrained_levels(linker, spec)
            parameters = _refine_over_candidates(
                con,
                spec,
                parameters_from_linker(linker, spec),
                records_table=refine_table,
                record_count=refine_count,
                frozen=unseen | {(name, index) for name, index, _ in untrained},
                log_level=log_level,
            )
            stage_done("m and match rate once more with that u")
            apply_parameters(linker, spec, parameters)
        except BaseException:
            drop_splink_tables(linker)
            raise

    stats = TrainingStats(
        record_count=record_count,
        seed=seed,
        u_max_pairs=pairs_for_u,
        probability_two_random_records_match=parameters.probability_two_random_records_match,
        em_sessions=sessions,
        untrained_levels=tuple(f"{name}[{index}] {label}" for name, index, label in untrained),
        warnings=_training_warnings(spec, sessions, untrained),
        seconds=round(time.perf_counter() - started, 3),
    )
    return linker, TrainedModel(spec=spec, parameters=parameters, stats=stats)


def _stage_timer(progress: Callable[[str], None] | None) -> Callable[[str], None]:
    """Report each finished stage with the seconds it took (training at 1M runs for many minutes)."""
    last = time.perf_counter()

    def stage_done(stage: str) -> None:
        nonlocal last
        now = time.perf_counter()
        if progress is not None:
            progress(f"{stage}: {now - last:.1f}s")
        last = now

    return stage_done


U_SAMPLE_TABLE = "mpi__u_sample"
# Pairs scored at once when re-estimating u (every pair among ~2,000 sampled records).
U_PAIRS_PER_ROUND = 2e6
# Non-matching pairs credited to every level before counting, so a level the sample shows
# only among matches (or never) gets u of about one pair in the sample, not zero.
U_PSEUDO_PAIRS = 1.0
# Pairs' worth of the overall u that a stratum's own u is shrunk towards.
U_STRATUM_PRIOR_PAIRS = 20.0
U_SAMPLE_VIEW = "mpi__u_sample_input"
# Expectation-maximisation over all candidate pairs: iterations and the pseudo-count of
# matching pairs credited to every level (so a level no match shows is unlikely, not impossible).
CANDIDATE_EM_ITERATIONS = 100
M_PSEUDO_PAIRS = 0.5


@contextmanager
def _refine_records(
    con: duckdb.DuckDBPyConnection, records_table: str, record_count: int, *, seed: int
) -> Iterator[tuple[str, int]]:
    """The records the EM over candidate pairs reads: all of them, or a seeded sample (dropped after)."""
    if record_count <= REFINE_MAX_RECORDS:
        yield records_table, record_count
        return
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {REFINE_SAMPLE_TABLE} AS SELECT * FROM {quote_identifier(records_table)} "
        f"USING SAMPLE reservoir({REFINE_MAX_RECORDS} ROWS) REPEATABLE ({int(seed)})"
    )
    try:
        yield REFINE_SAMPLE_TABLE, REFINE_MAX_RECORDS
    finally:
        con.execute(f"DROP TABLE IF EXISTS {REFINE_SAMPLE_TABLE}")


def _set_m(
    linker: Linker, spec: ModelSpec, parameters: TrainedParameters, *, skip: frozenset[tuple[str, int]]
) -> None:
    """Put the m of ``parameters`` into the linker's free levels (not fixed, not in ``skip``)."""
    for comparison, splink_comparison in zip(spec.comparisons, linker._settings_obj.comparisons, strict=True):
        for index, level in enumerate(splink_comparison.comparison_levels):
            m = parameters.levels[comparison.name][index].m_probability
            if (
                level.is_null_level
                or level._fix_m_probability
                or (comparison.name, index) in skip
                or m is None
            ):
                continue
            level.m_probability = m


def _untrained_u(linker: Linker, spec: ModelSpec) -> frozenset[tuple[str, int]]:
    return frozenset(
        (comparison.name, index)
        for comparison, splink_comparison in zip(
            spec.comparisons, linker._settings_obj.comparisons, strict=True
        )
        for index, level in enumerate(splink_comparison.comparison_levels)
        if not level.is_null_level and not level._u_is_trained
    )


def _refine_over_candidates(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    records_table: str,
    record_count: int,
    frozen: frozenset[tuple[str, int]] = frozenset(),
    log_level: int | None = None,
) -> TrainedParameters:
    """Re-estimate m and lambda by EM over every pair the prediction rules make, u held fixed.

    The EM sessions each see one slice of the pairs (those agreeing on the session's rule),
    where relatives and look-alikes are over-represented. The candidate pairs of the
    prediction rules hold nearly every true match, so the share of matches at each level
    among them is m itself, and lambda is the expected number of matches over all pairs.
    Term-frequency adjustments (which depend on u only) are read once from Splink.
    Levels in ``frozen`` (and levels with fixed m) keep their m.
    """
    linker = make_linker(
        con,
        spec,
        parameters,
        records_table=records_table,
        view_name=REFINE_INPUT_VIEW,
        retain_intermediate_calculation_columns=True,
        log_level=log_level,
    )
    try:
        pairs = linker.inference.predict()
        columns = [c.name for c in pairs.columns]
        gammas = [f"gamma_{c.name}" for c in spec.comparisons]
        adjustments = [c for c in columns if c.startswith("mw_tf_adj_")]
        select = ", ".join(quote_identifier(c) for c in gammas)
        tf_sum = " + ".join(f"coalesce({quote_identifier(c)}, 0)" for c in adjustments) or "0"
        # One row per distinct comparison pattern, not per pair: 52M pairs at 1M persons were
        # ~6 GB of numpy arrays; the patterns are far fewer. Term-frequency adjustments are
        # rounded to 1/1000 of a bit, far below any change EM makes.
        rows = con.execute(
            f"SELECT {select}, round({tf_sum}, 3) AS tf, count(*) AS n "
            f"FROM {quote_identifier(pairs.physical_name)} GROUP BY ALL"
        ).fetchnumpy()
        splink_levels = {
            c.output_column_name: [level.comparison_vector_value for level in c.comparison_levels]
            for c in linker._settings_obj.comparisons
        }
    finally:
        drop_splink_tables(linker)
        con.execute(f"DROP VIEW IF EXISTS {REFINE_INPUT_VIEW}")
    values = list(rows.values())
    if len(values[0]) == 0:
        return parameters
    gamma = np.stack([np.asarray(v, dtype=np.int64) for v in values[:-2]], axis=1)
    tf_adjustment = np.asarray(values[-2], dtype=np.float64)
    pattern_pairs = np.asarray(values[-1], dtype=np.float64)
    all_pairs = record_count * (record_count - 1) / 2

    m = {c.name: [p.m_probability for p in parameters.levels[c.name]] for c in spec.comparisons}
    u = {c.name: [p.u_probability for p in parameters.levels[c.name]] for c in spec.comparisons}
    rate = parameters.probability_two_random_records_match
    for _ in range(CANDIDATE_EM_ITERATIONS):
        log_odds = np.full(len(tf_adjustment), math.log2(rate / (1 - rate))) + tf_adjustment
        for column, comparison in enumerate(spec.comparisons):
            weights = np.zeros(max(splink_levels[comparison.name]) + 2)
            for index, value in enumerate(splink_levels[comparison.name]):
                mi, ui = m[comparison.name][index], u[comparison.name][index]
                if value >= 0 and mi is not None and ui is not None:
                    weights[value + 1] = math.log2(mi / ui)
            log_odds += weights[gamma[:, column] + 1]
        probability = 1 / (1 + np.exp2(-np.clip(log_odds, -60, 60)))
        expected_matches = probability * pattern_pairs
        new_rate = float(min(0.5, max(1e-12, expected_matches.sum() / all_pairs)))
        change = abs(new_rate - rate) / rate
        for column, comparison in enumerate(spec.comparisons):
            counts = np.bincount(
                gamma[:, column] + 1,
                weights=expected_matches,
                minlength=len(splink_levels[comparison.name]) + 1,
            )
            new_m = _m_from_counts(
                comparison, splink_levels[comparison.name], counts, m[comparison.name], frozen
            )
            change = max(
                change,
                max(
                    (
                        abs(a - b)
                        for a, b in zip(new_m, m[comparison.name], strict=True)
                        if a is not None and b is not None
                    ),
                    default=0.0,
                ),
            )
            m[comparison.name] = new_m
        rate = new_rate
        if change < 1e-6:
            break
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


def _m_from_counts(
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


def _estimate_u_without_matches(
    con: duckdb.DuckDBPyConnection,
    linker: Linker,
    spec: ModelSpec,
    provisional: TrainedParameters,
    *,
    records_table: str,
    max_pairs: float,
    seed: int,
    log_level: int | None = None,
) -> None:
    """Re-estimate u from random pairs, each weighted by its chance of being a non-match.

    Splink's random sample counts true matches as non-matches; for a strong identifier
    in a small population they are most of the agreeing pairs (SSN agreement looked ten
    times likelier than it is on a sample of 1,000 FEBRL records). The provisional model scores fresh random samples of
    pairs and u counts each pair with weight 1 - p, plus ``U_PSEUDO_PAIRS`` for every
    level, so a level seen only among matches (or never) is not taken to be impossible.
    The pairs come in rounds of every pair among a small sample of records, so memory
    stays flat however many pairs are asked for. Sets u in the linker.
    """
    available = _count_rows(con, records_table)
    per_round = min(max_pairs, U_PAIRS_PER_ROUND)
    records = max(2, min(record_count_for_pairs(per_round), available))
    rounds = max(1, math.ceil(max_pairs / per_round)) if records < available else 1
    every_pair = replace(spec, prediction_rules=(block_on_sql("1 = 1"),))
    weights: dict[tuple[str, int], float] = {}
    for round_number in range(rounds):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {U_SAMPLE_TABLE} AS SELECT * FROM {quote_identifier(records_table)} "
            f"USING SAMPLE reservoir({int(records)} ROWS) REPEATABLE ({int(seed) + round_number})"
        )
        create_model_input_view(con, every_pair, records_table=U_SAMPLE_TABLE, view_name=U_SAMPLE_VIEW)
        db_api = make_db_api(con)
        settings = settings_creator(every_pair, provisional, additional_columns_to_retain=())
        sample_linker = Linker(register_input(db_api, U_SAMPLE_VIEW), settings, log_level=log_level)
        try:
            pairs = sample_linker.inference.predict()
            table = quote_identifier(pairs.physical_name)
            for comparison in spec.comparisons:
                gamma = quote_identifier(f"gamma_{comparison.name}")
                rows = con.execute(
                    f"SELECT {gamma}, sum(1 - match_probability) FROM {table} GROUP BY {gamma}"
                ).fetchall()
                for value, weight in rows:
                    key = (comparison.name, int(value))
                    weights[key] = weights.get(key, 0.0) + float(weight)
        finally:
            drop_splink_tables(sample_linker)
            con.execute(f"DROP VIEW IF EXISTS {U_SAMPLE_VIEW}")
            con.execute(f"DROP TABLE IF EXISTS {U_SAMPLE_TABLE}")

    for comparison, splink_comparison in zip(spec.comparisons, linker._settings_obj.comparisons, strict=True):
        levels = splink_comparison.comparison_levels
        counted = {
            index: weights.get((comparison.name, level.comparison_vector_value), 0.0)
            for index, level in enumerate(levels)
            if not level.is_null_level
        }
        if sum(counted.values()) <= 0:
            continue  # the comparison is null in every sampled pair: nothing to learn
        for index, u in _u_from_counts(comparison, counted).items():
            if not levels[index]._fix_u_probability:
                levels[index].u_probability = u


def fit_to_records(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    records_table: str = "records",
    max_pairs: float,
    seed: int,
    log_level: int | None = None,
) -> TrainedParameters:
    """``parameters`` of a model trained on other people (the shipped one), fitted to ``records_table``.

    u first: it says how often two different people agree, which follows the population (how
    common its names are, how many people share an address), so it is estimated as in training,
    from random pairs weighted by their chance of being non-matches under ``parameters`` (whose
    match rate should already suit this population). The shipped model (synthetic data) gave a
    shared address line 12.7 bits; in pseudopeople's records, where addresses repeat far more, 9.1
    is right. Then m and the match rate by EM over the candidate pairs with that u, starting from
    ``parameters``: how often a person's own records disagree is a property of the agencies' data
    entry (FEBRL corrupts far more than the synthetic files do). Training's EM sessions (starting
    values) and threshold choice are skipped: the shipped model answers both.
    """
    linker = make_linker(
        con, spec, parameters, records_table=records_table, view_name=FIT_INPUT_VIEW, log_level=log_level
    )
    try:
        _estimate_u_without_matches(
            con,
            linker,
            spec,
            parameters,
            records_table=records_table,
            max_pairs=max_pairs,
            seed=seed,
            log_level=log_level,
        )
        normalise_strata(linker, spec)
        with_fitted_u = parameters_from_linker(linker, spec)
    finally:
        drop_splink_tables(linker)
        con.execute(f"DROP VIEW IF EXISTS {FIT_INPUT_VIEW}")
    with _refine_records(con, records_table, _count_rows(con, records_table), seed=seed) as (table, count):
        return _refine_over_candidates(
            con, spec, with_fitted_u, records_table=table, record_count=count, log_level=log_level
        )


def _u_from_counts(comparison: ComparisonSpec, counted: dict[int, float]) -> dict[int, float]:
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


def record_count_for_pairs(pairs: float) -> int:
    """Records whose every pair makes about ``pairs`` pairs."""
    return int(math.ceil((1 + math.sqrt(1 + 8 * pairs)) / 2))


def _estimate_match_rate(linker: Linker, spec: ModelSpec, records_table: str) -> None:
    """Lambda from the primary deterministic rules; from the fallback ones if those find no pair."""
    primary = [rule for rule in spec.deterministic_rules if not rule.fallback]
    fallback = [rule for rule in spec.deterministic_rules if rule.fallback]
    for rules in (primary, fallback):
        if not rules:
            continue
        try:
            linker.training.estimate_probability_two_random_records_match(
                [blocking_rule_creator(rule) for rule in rules], recall=spec.deterministic_recall
            )
        except ValueError as exc:  # Splink: more matches than the stated recall allows
            raise ModelError(f'Model "{spec.name}": cannot estimate the match rate: {exc}') from exc
        if linker._settings_obj._probability_two_random_records_match > 0:
            return
    raise ModelError(
        f'Model "{spec.name}": the deterministic rules found no matching pairs in "{records_table}", '
        "so the match rate cannot be estimated. Check the data, or the model's deterministic rules."
    )


def _training_warnings(
    spec: ModelSpec, sessions: tuple[EmSessionStats, ...], untrained: tuple[tuple[str, int, str], ...]
) -> tuple[str, ...]:
    # A comparison no session estimated still gets m from the EM over all candidate pairs;
    # only one that training never saw at all is worth a warning (below).
    warnings = [f"EM session on {s.blocking_rule} did not run: {s.error}" for s in sessions if s.error]
    neutral = {(name, index) for name, index, _ in untrained}
    for comparison in spec.comparisons:
        evidence_levels = [i for i, level in enumerate(comparison.levels) if not level.is_null]
        if all((comparison.name, i) in neutral for i in evidence_levels):
            warnings.append(
                f'comparison "{comparison.name}" learned nothing (are its columns empty?): '
                "it carries no evidence"
            )
    return tuple(warnings)


def _run_em_sessions(
    linker: Linker,
    spec: ModelSpec,
    *,
    max_pairs: float | None,
    without_term_frequencies: bool,
) -> tuple[EmSessionStats, ...]:
    """Every primary training rule, then the fallback rules for what the primaries left unestimated.

    A fallback session that would estimate nothing new does not run.
    """
    sessions: list[EmSessionStats] = []
    estimated: set[str] = set()
    for rule in (r for r in spec.training_rules if not r.fallback):
        session = _run_em_session(
            linker, spec, rule, max_pairs=max_pairs, without_term_frequencies=without_term_frequencies
        )
        sessions.append(session)
        estimated.update(session.comparisons_estimated)
    for rule in (r for r in spec.training_rules if r.fallback):
        wanted = tuple(name for name in rule_frees(spec, rule) if name not in estimated)
        if not wanted:
            continue
        session = _run_em_session(
            linker,
            spec,
            rule,
            max_pairs=max_pairs,
            without_term_frequencies=without_term_frequencies,
            keep_only=wanted,
        )
        sessions.append(session)
        estimated.update(session.comparisons_estimated)
    return tuple(sessions)


def _trained_m_counts(linker: Linker) -> dict[tuple[str, int], int]:
    return {
        (comparison.output_column_name, index): len(level._trained_m_probabilities)
        for comparison in linker._settings_obj.comparisons
        for index, level in enumerate(comparison.comparison_levels)
    }


def _forget_m_estimates_since(
    linker: Linker, counts: dict[tuple[str, int], int], keep: tuple[str, ...]
) -> None:
    """Drop the m estimates a session added to comparisons outside ``keep``; re-take the medians."""
    for comparison in linker._settings_obj.comparisons:
        if comparison.output_column_name in keep:
            continue
        for index, level in enumerate(comparison.comparison_levels):
            del level._trained_m_probabilities[counts[(comparison.output_column_name, index)] :]
    linker._populate_m_u_from_trained_values()  # type: ignore[no-untyped-call]


def _run_em_session(
    linker: Linker,
    spec: ModelSpec,
    rule: BlockingRuleSpec,
    *,
    max_pairs: float | None,
    without_term_frequencies: bool,
    keep_only: tuple[str, ...] | None = None,
) -> EmSessionStats:
    started = time.perf_counter()

    def failed(reason: str, pairs: int | None) -> EmSessionStats:
        return EmSessionStats(
            blocking_rule=rule.description,
            comparisons_estimated=(),
            iterations=None,
            seconds=round(time.perf_counter() - started, 3),
            blocked_pairs=pairs,
            error=reason,
        )

    # A rule with no pairs (e.g. no SSNs in this data) is skipped, not fatal.
    counts = linker.blocking_analysis.count_comparisons_from_blocking_rules(
        [blocking_rule_creator(rule)], record_sample_proportion=1.0
    )
    pairs = int(counts[-1]["cumulative_comparison_count"])
    if pairs == 0:
        return failed("the rule makes no pairs in this data", pairs)

    # Splink narrows the linker's comparisons for the session and only restores them
    # on success, so keep a copy to put back if the session fails.
    settings = linker._settings_obj
    before = settings.core_model_settings.copy()  # type: ignore[no-untyped-call]
    m_counts = _trained_m_counts(linker)
    try:
        session = linker.training.estimate_parameters_using_expectation_maximisation(
            blocking_rule_creator(rule),
            estimate_without_term_frequencies=without_term_frequencies,
            max_pairs=max_pairs,
        )
    except SplinkException as exc:
        settings.core_model_settings = before
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return failed(message, pairs)
    estimated = rule_frees(spec, rule)
    if keep_only is not None:
        _forget_m_estimates_since(linker, m_counts, keep_only)
        estimated = tuple(name for name in estimated if name in keep_only)
    history = getattr(session, "_core_model_settings_history", None)
    return EmSessionStats(
        blocking_rule=rule.description,
        comparisons_estimated=estimated,
        iterations=len(history) if history is not None else None,
        seconds=round(time.perf_counter() - started, 3),
        blocked_pairs=pairs,
    )


# Link thresholds the chooser considers: below 0.5 a pair is likelier two people than one.
THRESHOLD_GRID: tuple[float, ...] = (0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95, 0.98, 0.99)
# An expected F1 within this share of the best one's error (1 - F1) of it is a tie, which the
# higher threshold wins.
THRESHOLD_ERROR_TOLERANCE = 0.05
# Pairs scored below this are not kept by `mpi link` either (link.KEEP_PAIRS_FROM_PROBABILITY).
THRESHOLD_PAIRS_FLOOR = 0.01


@dataclass(frozen=True, kw_only=True)
class ThresholdChoice:
    """The link threshold the model expects to do best with, and what it expects of it."""

    match_probability: float
    expected_precision: float
    expected_recall: float
    expected_f1: float


def choose_match_threshold(
    con: duckdb.DuckDBPyConnection,
    model: TrainedModel,
    *,
    records_table: str = "records",
    grid: tuple[float, ...] = THRESHOLD_GRID,
    log_level: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> ThresholdChoice:
    """The threshold in ``grid`` whose clusters the model itself scores best (pairwise F1).

    Clustering links every pair above the threshold and then everything connected to it,
    so a pair below the threshold still ends up inside a cluster when a chain of stronger
    pairs joins its records: that is how relatives and namesakes get merged at low
    thresholds. For each threshold the scored pairs are clustered as ``mpi link`` would
    (mpi.merging.clusters_by_threshold);
    expected precision is the mean match probability of the scored pairs that end up in
    one cluster, expected recall their share of all the probability mass. No labels needed.
    """
    linker = make_linker(
        con,
        model.spec,
        model.parameters,
        records_table=records_table,
        retain_matching_columns=False,
        log_level=log_level,
    )
    try:
        stage_done = _stage_timer(progress)
        pairs = linker.inference.predict(threshold_match_probability=THRESHOLD_PAIRS_FLOOR)
        rows = con.execute(
            "SELECT unique_id_l, unique_id_r, match_probability, match_weight "
            f"FROM {quote_identifier(pairs.physical_name)}"
        ).fetchnumpy()
        stage_done(
            f"scored the candidate pairs ({len(rows['match_probability']):,} above {THRESHOLD_PAIRS_FLOOR})"
        )
    finally:
        drop_splink_tables(linker)
    probability = np.asarray(rows["match_probability"], dtype=np.float64)
    if probability.size == 0 or probability.sum() <= 0:
        middle = grid[len(grid) // 2]
        return ThresholdChoice(
            match_probability=middle, expected_precision=1.0, expected_recall=1.0, expected_f1=1.0
        )
    ids, codes = np.unique(np.concatenate([rows["unique_id_l"], rows["unique_id_r"]]), return_inverse=True)
    left, right = codes[: probability.size], codes[probability.size :]
    choices = []
    weight = np.asarray(rows["match_weight"], dtype=np.float64)
    clustered = clusters_by_threshold(
        len(ids), left, right, probability, weight, grid, veto=VETO_BELOW_PROBABILITY
    )
    for threshold, roots in clustered:
        inside = roots[left] == roots[right]
        precision = float(probability[inside].mean()) if inside.any() else 1.0
        recall = float(probability[inside].sum() / probability.sum())
        f1 = 2 * precision * recall / (precision + recall) if precision + recall > 0 else 0.0
        choices.append(
            ThresholdChoice(
                match_probability=threshold,
                expected_precision=precision,
                expected_recall=recall,
                expected_f1=f1,
            )
        )
    # The expected F1 is flat near its top; the highest threshold there merges least on a guess.
    top = max(choice.expected_f1 for choice in choices)
    tolerance = THRESHOLD_ERROR_TOLERANCE * (1 - top)
    return max(
        (choice for choice in choices if choice.expected_f1 >= top - tolerance),
        key=lambda choice: choice.match_probability,
    )
