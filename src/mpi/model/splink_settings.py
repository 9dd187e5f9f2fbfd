"""Compile a neutral model spec (and trained parameters) into Splink settings for one dialect.

Splink's own saved JSON embeds dialect-specific SQL, so we never store it: settings are
rebuilt from the spec for the backend at hand, and trained m/u and lambda are injected
level by level, so a loaded model scores exactly as the trained one did.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Literal

import splink.comparison_level_library as cll
from splink import ColumnExpression, Linker, SettingsCreator
from splink.blocking_rule_library import CustomRule
from splink.blocking_rule_library import block_on as splink_block_on
from splink.comparison_library import CustomComparison
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_level_creator import ComparisonLevelCreator

from mpi.model.errors import ModelError
from mpi.model.spec import (
    BlockingRuleSpec,
    ColumnRef,
    ComparisonSpec,
    LevelArg,
    LevelSpec,
    ModelSpec,
    strata,
)
from mpi.model.trained import LevelParameters, TrainedParameters

Dialect = Literal["duckdb", "spark"]
DIALECTS: tuple[Dialect, ...] = ("duckdb", "spark")

UNIQUE_ID_COLUMN = "unique_id"
SOURCE_DATASET_COLUMN = "source_dataset"
# Kept on every scored pair so downstream stages need not split unique_id apart.
RETAINED_COLUMNS: tuple[str, ...] = ("record_id",)

# An untrained model still needs a match rate; Splink's own default.
DEFAULT_PROBABILITY_TWO_RANDOM_RECORDS_MATCH = 0.0001


def column_expression(column: ColumnRef) -> ColumnExpression:
    """The Splink column expression for a column and its transforms, still dialect-free."""
    expression = ColumnExpression(column.name)
    for op, args in column.ops:
        expression = getattr(expression, op)(*args)
    return expression


def _creator_arg(value: LevelArg) -> Any:
    if isinstance(value, ColumnRef):
        return column_expression(value) if value.ops else value.name
    if isinstance(value, LevelSpec):
        return level_creator(value)
    if isinstance(value, tuple):
        return [level_creator(level) for level in value]
    return value


def level_creator(level: LevelSpec, parameters: LevelParameters | None = None) -> ComparisonLevelCreator:
    """A fresh Splink level creator (creators are mutated by rendering, so never share one)."""
    factory = getattr(cll, level.creator)
    if level.creator in ("And", "Or"):
        creator: ComparisonLevelCreator = factory(*_creator_arg(level.args["levels"]))
    else:
        creator = factory(**{key: _creator_arg(value) for key, value in level.args.items()})

    options: dict[str, Any] = {}
    if level.label is not None:
        options["label_for_charts"] = level.label
    if level.is_null_level:
        options["is_null_level"] = True
    if level.tf_column is not None:
        options["tf_adjustment_column"] = level.tf_column
        options["tf_adjustment_weight"] = level.tf_weight
        if level.tf_minimum_u is not None:
            options["tf_minimum_u_value"] = level.tf_minimum_u
    if not level.is_null:
        m = parameters.m_probability if parameters is not None else None
        u = parameters.u_probability if parameters is not None else None
        m = m if m is not None else level.fixed_m
        u = u if u is not None else level.fixed_u
        if m is not None:
            options["m_probability"] = m
        if u is not None:
            options["u_probability"] = u
        if level.fixed_m is not None:
            options["fix_m_probability"] = True
        if level.fixed_u is not None:
            options["fix_u_probability"] = True
    if options:
        creator.configure(**options)
    return creator


def comparison_creator(
    comparison: ComparisonSpec, parameters: tuple[LevelParameters, ...] | None = None
) -> CustomComparison:
    levels = [
        level_creator(level, None if parameters is None else parameters[index])
        for index, level in enumerate(comparison.levels)
    ]
    return CustomComparison(
        comparison_levels=list(levels),
        output_column_name=comparison.name,
        comparison_description=comparison.description or comparison.name,
    )


def blocking_rule_creator(rule: BlockingRuleSpec) -> BlockingRuleCreator:
    explode = list(rule.arrays_to_explode) or None
    if rule.sql is not None:
        return CustomRule(rule.sql, arrays_to_explode=explode)
    columns = [column_expression(c) if c.ops else c.name for c in rule.columns]
    return splink_block_on(*columns, arrays_to_explode=explode)


def settings_creator(
    spec: ModelSpec,
    parameters: TrainedParameters | None = None,
    *,
    retain_intermediate_calculation_columns: bool = False,
    additional_columns_to_retain: tuple[str, ...] = RETAINED_COLUMNS,
    retain_matching_columns: bool = True,
) -> SettingsCreator:
    """Dialect-free Splink settings; ``Linker`` renders them for its backend."""
    levels: Mapping[str, tuple[LevelParameters, ...]] = parameters.levels if parameters else {}
    lam = (
        parameters.probability_two_random_records_match
        if parameters is not None
        else DEFAULT_PROBABILITY_TWO_RANDOM_RECORDS_MATCH
    )
    return SettingsCreator(
        link_type=spec.link_type,
        unique_id_column_name=UNIQUE_ID_COLUMN,
        source_dataset_column_name=SOURCE_DATASET_COLUMN,
        comparisons=[comparison_creator(c, levels.get(c.name)) for c in spec.comparisons],
        blocking_rules_to_generate_predictions=[blocking_rule_creator(r) for r in spec.prediction_rules],
        probability_two_random_records_match=lam,
        retain_matching_columns=retain_matching_columns,
        retain_intermediate_calculation_columns=retain_intermediate_calculation_columns,
        additional_columns_to_retain=list(additional_columns_to_retain),
    )


def settings_dict(
    spec: ModelSpec,
    dialect: Dialect,
    parameters: TrainedParameters | None = None,
    **options: Any,
) -> dict[str, Any]:
    """Splink settings rendered for ``dialect``: the form ``Linker`` or a Splink JSON accepts."""
    rendered = settings_creator(spec, parameters, **options).create_settings_dict(dialect)
    rendered["sql_dialect"] = dialect
    return rendered


@functools.cache
def blocking_rule_sql(rule: BlockingRuleSpec, dialect: Dialect) -> str:
    """The rule's SQL as Splink will run it on ``dialect``.

    Cached (rules are frozen): Splink parses each column of a ``block_on`` with sqlglot, about
    0.1 s per rule, and a link asks for every rule's columns a dozen times.
    """
    return str(blocking_rule_creator(rule).create_blocking_rule_dict(dialect)["blocking_rule"])


def level_sql(level: LevelSpec, dialect: Dialect) -> str:
    """The level's condition as Splink will run it on ``dialect``."""
    return str(level_creator(level).create_level_dict(dialect)["sql_condition"])


def parameters_from_linker(linker: Linker, spec: ModelSpec) -> TrainedParameters:
    """Read the m, u and lambda a linker scores with, level by level in spec order.

    We read Splink's settings object rather than ``save_model_to_json``: the JSON omits
    any m or u that was not estimated, yet Splink scores with a value for it.
    """
    settings = linker._settings_obj  # no public accessor for effective per-level m/u
    splink_comparisons = settings.comparisons
    if [c.output_column_name for c in splink_comparisons] != [c.name for c in spec.comparisons]:
        raise ModelError(f'Model "{spec.name}": Splink comparisons do not line up with the spec.')
    levels: dict[str, tuple[LevelParameters, ...]] = {}
    for comparison, splink_comparison in zip(spec.comparisons, splink_comparisons, strict=True):
        splink_levels = splink_comparison.comparison_levels
        if len(splink_levels) != len(comparison.levels):
            raise ModelError(
                f'Model "{spec.name}": comparison "{comparison.name}" lost or gained levels in Splink.'
            )
        params: list[LevelParameters] = []
        for index, splink_level in enumerate(splink_levels):
            if splink_level.is_null_level:
                params.append(LevelParameters(m_probability=None, u_probability=None))
                continue
            m, u = splink_level.m_probability, splink_level.u_probability
            if m is None or u is None:
                raise ModelError(
                    f'Model "{spec.name}": Splink has no m or u for "{comparison.name}" level {index}.'
                )
            params.append(LevelParameters(m_probability=float(m), u_probability=float(u)))
        levels[comparison.name] = tuple(params)
    return TrainedParameters(
        probability_two_random_records_match=float(settings._probability_two_random_records_match),
        levels=levels,
    )


def neutralise_untrained_levels(linker: Linker, spec: ModelSpec) -> tuple[tuple[str, int, str], ...]:
    """Give every level training could not estimate m = u (weight 0), in the linker itself.

    Splink would score such a level with a default weight of up to +10 for a top level:
    a model trained where a column was empty would then trust it blindly on data where
    it is filled. A level the training data never showed carries no evidence instead.
    Returns the levels changed, as (comparison, level index, label).
    """
    changed: list[tuple[str, int, str]] = []
    for comparison, splink_comparison in zip(spec.comparisons, linker._settings_obj.comparisons, strict=True):
        for index, level in enumerate(splink_comparison.comparison_levels):
            if level.is_null_level or level._is_trained:
                continue
            if level._u_is_trained:
                value = level.u_probability
            elif level._m_is_trained:
                value = level.m_probability
            else:
                value = min(1.0, level.default_m_probability or 1.0)
            level.m_probability = value
            level.u_probability = value
            changed.append((comparison.name, index, str(level.label_for_charts)))
    return tuple(changed)


def normalise_strata(linker: Linker, spec: ModelSpec) -> None:
    """Turn trained m and u of stratified levels into conditional form, in the linker itself.

    Training estimates each level of a stratum jointly with the stratum's condition. Scoring
    needs u given the condition (u / the stratum's total u) and m of the level alone, which
    does not depend on the condition for a true match (m summed over the strata, then
    normalised). Levels training never saw are left for ``neutralise_untrained_levels``.
    """
    for comparison, splink_comparison in zip(spec.comparisons, linker._settings_obj.comparisons, strict=True):
        groups = strata(comparison)
        if not groups:
            continue
        levels = splink_comparison.comparison_levels
        width = len(next(iter(groups.values())))
        pooled_m = [0.0] * width
        for indexes in groups.values():
            for position, index in enumerate(indexes):
                if levels[index]._m_is_trained:
                    pooled_m[position] += _probability(levels[index].m_probability)
        m_total = sum(pooled_m)
        for indexes in groups.values():
            u_total = sum(_probability(levels[i].u_probability) for i in indexes if levels[i]._u_is_trained)
            for position, index in enumerate(indexes):
                level = levels[index]
                if level._u_is_trained and u_total > 0:
                    level.u_probability = _probability(level.u_probability) / u_total
                if level._m_is_trained and m_total > 0 and pooled_m[position] > 0:
                    level.m_probability = pooled_m[position] / m_total


def _probability(value: float | None) -> float:
    return 0.0 if value is None else float(value)


LevelState = tuple[Any, Any]


def snapshot_levels(linker: Linker) -> list[list[LevelState]]:
    """The raw m and u of every level (trained, untrained or not observed), to put back later."""
    return [
        [(level._m_probability, level._u_probability) for level in comparison.comparison_levels]
        for comparison in linker._settings_obj.comparisons
    ]


def restore_levels(linker: Linker, snapshot: list[list[LevelState]]) -> None:
    for comparison, states in zip(linker._settings_obj.comparisons, snapshot, strict=True):
        for level, (m, u) in zip(comparison.comparison_levels, states, strict=True):
            if not level.is_null_level:
                level._m_probability = m
                level._u_probability = u


def apply_parameters(linker: Linker, spec: ModelSpec, parameters: TrainedParameters) -> None:
    """Make the linker score with ``parameters`` (m, u of every level, and lambda)."""
    settings = linker._settings_obj
    for comparison, splink_comparison in zip(spec.comparisons, settings.comparisons, strict=True):
        for level, values in zip(
            splink_comparison.comparison_levels, parameters.levels[comparison.name], strict=True
        ):
            if level.is_null_level:
                continue
            level.m_probability = values.m_probability
            level.u_probability = values.u_probability
    settings._probability_two_random_records_match = parameters.probability_two_random_records_match
