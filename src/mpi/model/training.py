"""Train a model on the records table: lambda, then u by sampling, then m by EM sessions."""

from __future__ import annotations

import time

import duckdb
from splink import Linker
from splink.internals.exceptions import SplinkException

from mpi.model.backend import drop_splink_tables, make_linker
from mpi.model.columns import comparison_columns, rule_columns
from mpi.model.errors import ModelError
from mpi.model.spec import BlockingRuleSpec, ModelSpec
from mpi.model.splink_settings import (
    blocking_rule_creator,
    neutralise_untrained_levels,
    parameters_from_linker,
)
from mpi.model.trained import EmSessionStats, TrainedModel, TrainingStats
from mpi.sqlutil import quote_identifier

# u sampling: pairs grow with the data, within Splink's advice (1e7 adequate, 1e9 best).
U_MAX_PAIRS_FLOOR = 1e6
U_MAX_PAIRS_CEILING = 1e8
U_PAIRS_PER_RECORD = 100


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
) -> TrainedModel:
    """Estimate every parameter of ``spec`` from ``records_table``.

    lambda comes from the spec's deterministic rules and recall; u from a seeded random
    sample of pairs (``u_max_pairs``, default scaled to the row count); m from one EM
    session per training rule (``em_max_pairs`` caps the pairs of each session).
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
) -> tuple[Linker, TrainedModel]:
    """``train_model``, also handing back the trained Splink linker (caller drops its tables)."""
    started = time.perf_counter()
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

    linker = make_linker(con, spec, records_table=records_table, log_level=log_level)
    try:
        _estimate_match_rate(linker, spec, records_table)
        linker.training.estimate_u_using_random_sampling(max_pairs=pairs_for_u, seed=seed)
        sessions = tuple(
            _run_em_session(
                linker,
                spec,
                rule,
                max_pairs=em_max_pairs,
                without_term_frequencies=em_without_term_frequencies,
            )
            for rule in spec.training_rules
        )
        untrained = neutralise_untrained_levels(linker, spec)
        parameters = parameters_from_linker(linker, spec)
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


def _estimate_match_rate(linker: Linker, spec: ModelSpec, records_table: str) -> None:
    try:
        linker.training.estimate_probability_two_random_records_match(
            [blocking_rule_creator(rule) for rule in spec.deterministic_rules],
            recall=spec.deterministic_recall,
        )
    except ValueError as exc:  # Splink: more matches than the stated recall allows
        raise ModelError(f'Model "{spec.name}": cannot estimate the match rate: {exc}') from exc
    if linker._settings_obj._probability_two_random_records_match <= 0:
        raise ModelError(
            f'Model "{spec.name}": the deterministic rules found no matching pairs in "{records_table}", '
            "so the match rate cannot be estimated. Check the data, or the model's deterministic rules."
        )


def _training_warnings(
    spec: ModelSpec, sessions: tuple[EmSessionStats, ...], untrained: tuple[tuple[str, int, str], ...]
) -> tuple[str, ...]:
    warnings = [f"EM session on {s.blocking_rule} did not run: {s.error}" for s in sessions if s.error]
    estimated = {name for s in sessions if s.error is None for name in s.comparisons_estimated}
    warnings += [
        f'comparison "{c.name}" has no trained m (no EM session estimated it): it carries no evidence'
        for c in spec.comparisons
        if c.name not in estimated
    ]
    neutral = {(name, index) for name, index, _ in untrained}
    for comparison in spec.comparisons:
        evidence_levels = [i for i, level in enumerate(comparison.levels) if not level.is_null]
        if all((comparison.name, i) in neutral for i in evidence_levels):
            warnings.append(
                f'comparison "{comparison.name}" learned nothing (are its columns empty?): '
                "it carries no evidence"
            )
    return tuple(warnings)


def _run_em_session(
    linker: Linker,
    spec: ModelSpec,
    rule: BlockingRuleSpec,
    *,
    max_pairs: float | None,
    without_term_frequencies: bool,
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
    history = getattr(session, "_core_model_settings_history", None)
    return EmSessionStats(
        blocking_rule=rule.description,
        comparisons_estimated=rule_frees(spec, rule),
        iterations=len(history) if history is not None else None,
        seconds=round(time.perf_counter() - started, 3),
        blocked_pairs=pairs,
    )
