"""Train a model on the records table (EM sessions, then EM over all candidate pairs); choose its threshold."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace

import duckdb
from splink import Linker
from splink.internals.exceptions import SplinkException

from mpi.model.backend import (
    create_model_input_view,
    drop_splink_tables,
    make_db_api,
    make_linker,
    new_linker,
    register_input,
)
from mpi.model.columns import comparison_columns, rule_columns
from mpi.model.errors import ModelError
from mpi.model.pair_patterns import (
    PairPatterns,
    concatenate,
    em_m_and_rate,
    estimate_u_and_m,
    read_patterns,
    u_from_sample,
)
from mpi.model.spec import BlockingRuleSpec, ModelSpec, block_on_sql
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
    TrainedModel,
    TrainedParameters,
    TrainingStats,
)
from mpi.sqlutil import count_rows, quote_identifier

# u sampling: pairs grow with the data, within Splink's advice (1e7 adequate, 1e9 best).
U_MAX_PAIRS_FLOOR = 1e6
U_MAX_PAIRS_CEILING = 1e8
U_PAIRS_PER_RECORD = 100
# Splink's u sampling, which counts every random pair as a non-match, only gives the EM
# sessions their fixed u: the u the model keeps is estimated afterwards from its own sample
# (`_sample_patterns`, up to the full pair count above). At 1M persons the first sample of
# 1e8 pairs took 298 of training's 973 s.
PROVISIONAL_U_MAX_PAIRS = 1e7
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
# Input view of the work linker that scores the candidate pairs, so that it never replaces the
# caller's mpi__model_input, which a linker the caller still holds reads.
REFINE_INPUT_VIEW = "mpi__refine_input"


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

    1. lambda from the spec's deterministic rules and recall; provisional u from a seeded random
       sample of up to PROVISIONAL_U_MAX_PAIRS pairs; m from an EM session per
       primary training rule (``em_max_pairs`` caps each), fallback rules only for what the
       primaries left unestimated.
    2. m and lambda again by EM over every candidate pair of the prediction rules, u fixed.
    3. u again from fresh random pairs (``u_max_pairs``, default scaled to the row count), each
       counted by its chance of being a non-match under
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
    stage_done = stage_timer(progress)
    never_free = comparisons_never_free(spec)
    if never_free:
        raise ModelError(
            f'Model "{spec.name}": no training rule leaves comparison(s) {", ".join(never_free)} '
            "free, so their m could not be estimated. Add a training rule that does not use their columns."
        )
    record_count = count_rows(con, records_table)
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
            provisional_pairs = min(pairs_for_u, PROVISIONAL_U_MAX_PAIRS)
            linker.training.estimate_u_using_random_sampling(max_pairs=provisional_pairs, seed=seed)
            stage_done(f"provisional u from up to {provisional_pairs:,.0f} random pairs")
            sessions = _run_em_sessions(
                linker,
                spec,
                max_pairs=pairs_for_em,
                without_term_frequencies=em_without_term_frequencies,
            )
            stage_done(f"m by EM in {len(sessions)} blocked sessions")
            if progress is not None:
                for session in sessions:
                    progress(f"  {session.summary()}")
            # Provisional model: the sessions' estimates, strata normalised, unseen levels neutral;
            # then m and lambda re-estimated over all candidate pairs.
            estimates = snapshot_levels(linker)
            unseen = _untrained_u(linker, spec)
            normalise_strata(linker, spec)
            neutralise_untrained_levels(linker, spec)
            sessions_model = parameters_from_linker(linker, spec)
            candidates = _candidate_patterns(
                con, spec, sessions_model, records_table=refine_table, log_level=log_level
            )
            provisional = em_m_and_rate(
                candidates, spec, sessions_model, record_count=refine_count, frozen=unseen
            )
            stage_done(f"m and match rate over the candidate pairs of {refine_count:,} records")
            # u again, counting only the pairs the provisional model takes for non-matches,
            # then m and lambda once more with that u, then both in turn until they settle.
            restore_levels(linker, estimates)
            sample = _sample_patterns(
                con,
                spec,
                provisional,
                records_table=records_table,
                max_pairs=pairs_for_u,
                seed=seed,
                log_level=log_level,
            )
            _put_u(linker, spec, u_from_sample(sample, spec, provisional), sample)
            stage_done("u again, leaving out the pairs that model takes for matches")
            unseen = _untrained_u(linker, spec)
            normalise_strata(linker, spec)
            _set_m(linker, spec, provisional, skip=unseen)
            untrained = neutralise_untrained_levels(linker, spec)
            frozen = unseen | {(name, index) for name, index, _ in untrained}
            start = parameters_from_linker(linker, spec)
            # The candidates scored for the provisional model serve again: their comparison levels
            # do not depend on the parameters, and their term-frequency adjustments follow u.
            parameters = em_m_and_rate(candidates, spec, start, record_count=refine_count, frozen=frozen)
            parameters, rounds = estimate_u_and_m(
                sample,
                candidates,
                spec,
                parameters,
                record_count=refine_count,
                frozen_m=frozen,
                frozen_u=frozen,
            )
            stage_done(f"m and match rate once more with that u, then u and m in turn ({rounds} rounds)")
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


def stage_timer(progress: Callable[[str], None] | None) -> Callable[[str], None]:
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
U_SAMPLE_VIEW = "mpi__u_sample_input"


def sample_of_records_sql(records_table: str, size: int, seed: int) -> str:
    """SELECT of ``size`` records chosen by a seeded hash of their keys: the same records, the same sample.

    DuckDB's reservoir sample, even REPEATABLE, follows the order rows sit in the table: a source
    loaded again with one row less drew another sample, u moved by up to 80% on a level, and persons
    the load never touched changed ids. Chosen by key, one record less changes one record of the sample.
    """
    return (
        f"SELECT * FROM {quote_identifier(records_table)} "
        f"ORDER BY hash(source, record_id, {int(seed)}::BIGINT), source, record_id LIMIT {int(size)}"
    )


@contextmanager
def _refine_records(
    con: duckdb.DuckDBPyConnection, records_table: str, record_count: int, *, seed: int
) -> Iterator[tuple[str, int]]:
    """The records the EM over candidate pairs reads: all of them, or a seeded sample (dropped after)."""
    if record_count <= REFINE_MAX_RECORDS:
        yield records_table, record_count
        return
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {REFINE_SAMPLE_TABLE} AS "
        + sample_of_records_sql(records_table, REFINE_MAX_RECORDS, seed)
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


def _candidate_patterns(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    records_table: str,
    log_level: int | None = None,
) -> PairPatterns:
    """Every pair the prediction rules make, scored with ``parameters``, as comparison patterns.

    The EM sessions each see one slice of the pairs (those agreeing on the session's rule),
    where relatives and look-alikes are over-represented; the candidate pairs hold nearly
    every true match, so m and lambda are estimated over them (`pair_patterns.em_m_and_rate`).
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
        return read_patterns(con, linker, pairs.physical_name, spec, parameters)
    finally:
        drop_splink_tables(linker)
        con.execute(f"DROP VIEW IF EXISTS {REFINE_INPUT_VIEW}")


def _sample_patterns(
    con: duckdb.DuckDBPyConnection,
    spec: ModelSpec,
    parameters: TrainedParameters,
    *,
    records_table: str,
    max_pairs: float,
    seed: int,
    log_level: int | None = None,
) -> PairPatterns:
    """Random pairs scored with ``parameters``, as comparison patterns, for estimating u.

    Splink's random sample counts true matches as non-matches; for a strong identifier
    in a small population they are most of the agreeing pairs (SSN agreement looked ten
    times likelier than it is on a sample of 1,000 FEBRL records), so u is counted from
    these pairs weighted by their chance of being non-matches (`pair_patterns.u_from_sample`).
    The pairs come in rounds of every pair among a small sample of records, so memory
    stays flat however many pairs are asked for.
    """
    available = count_rows(con, records_table)
    per_round = min(max_pairs, U_PAIRS_PER_ROUND)
    records = max(2, min(record_count_for_pairs(per_round), available))
    rounds = max(1, math.ceil(max_pairs / per_round)) if records < available else 1
    every_pair = replace(spec, prediction_rules=(block_on_sql("1 = 1"),))
    parts = []
    for round_number in range(rounds):
        con.execute(
            f"CREATE OR REPLACE TEMP TABLE {U_SAMPLE_TABLE} AS "
            + sample_of_records_sql(records_table, records, seed + round_number)
        )
        create_model_input_view(con, every_pair, records_table=U_SAMPLE_TABLE, view_name=U_SAMPLE_VIEW)
        settings = settings_creator(
            every_pair,
            parameters,
            additional_columns_to_retain=(),
            retain_intermediate_calculation_columns=True,
        )
        sample_linker = new_linker(
            register_input(make_db_api(con), U_SAMPLE_VIEW), settings, log_level=log_level
        )
        try:
            pairs = sample_linker.inference.predict()
            parts.append(read_patterns(con, sample_linker, pairs.physical_name, spec, parameters))
        finally:
            drop_splink_tables(sample_linker)
            con.execute(f"DROP VIEW IF EXISTS {U_SAMPLE_VIEW}")
            con.execute(f"DROP TABLE IF EXISTS {U_SAMPLE_TABLE}")
    return concatenate(parts)


def _put_u(linker: Linker, spec: ModelSpec, parameters: TrainedParameters, sample: PairPatterns) -> None:
    """Set u of ``parameters`` in the linker's free levels of every comparison the sample shows."""
    for column, (comparison, splink_comparison) in enumerate(
        zip(spec.comparisons, linker._settings_obj.comparisons, strict=True)
    ):
        if not (sample.gamma[:, column] >= 0).any():
            continue  # the comparison is null in every sampled pair: nothing to learn
        for index, level in enumerate(splink_comparison.comparison_levels):
            u = parameters.levels[comparison.name][index].u_probability
            if not level.is_null_level and not level._fix_u_probability and u is not None:
                level.u_probability = u


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
    sample = _sample_patterns(
        con,
        spec,
        parameters,
        records_table=records_table,
        max_pairs=max_pairs,
        seed=seed,
        log_level=log_level,
    )
    with_fitted_u = u_from_sample(sample, spec, parameters)
    with _refine_records(con, records_table, count_rows(con, records_table), seed=seed) as (table, count):
        candidates = _candidate_patterns(con, spec, with_fitted_u, records_table=table, log_level=log_level)
    fitted = em_m_and_rate(candidates, spec, with_fitted_u, record_count=count)
    return estimate_u_and_m(sample, candidates, spec, fitted, record_count=count)[0]


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
        # Levels with a fixed m are not training's to learn (relatives, fathers and sons, suffixes).
        evidence_levels = [
            i for i, level in enumerate(comparison.levels) if not level.is_null and level.fixed_m is None
        ]
        if evidence_levels and all((comparison.name, i) in neutral for i in evidence_levels):
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
    # ValueError: on a few dozen records EM can drive a level's m to 0, which Splink refuses to
    # store ("m_probability value 0.0 is below the minimum allowed value"): that session taught
    # nothing, the others (and the u and m rounds after them) still can.
    except (SplinkException, ValueError) as exc:
        settings.core_model_settings = before
        message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if isinstance(exc, ValueError):  # Splink's sentence, without its advice to pass a larger m
            message = f"EM failed on {pairs:,} pairs: {message.split('. ')[0]}"
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
