"""A backend-neutral description of a linkage model: comparisons, levels and blocking rules.

Nothing here imports Splink. A level names a creator from
``splink.comparison_level_library`` and its arguments; ``splink_settings`` turns the
description into Splink settings for one SQL dialect. Raw SQL (custom levels and
custom blocking rules) must be written to run unchanged on DuckDB and Spark.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, Union, cast

from mpi.model.errors import ModelError

FORMAT_VERSION = 1

JsonScalar = str | int | float | bool | None
LinkType = Literal["link_and_dedupe", "dedupe_only", "link_only"]
LINK_TYPES: tuple[str, ...] = ("link_and_dedupe", "dedupe_only", "link_only")

# Creators of splink.comparison_level_library that a spec may name. Kept as a literal
# list so a model file cannot make us call an arbitrary attribute of the library.
LEVEL_CREATORS: frozenset[str] = frozenset(
    {
        "NullLevel",
        "ElseLevel",
        "CustomLevel",
        "ExactMatchLevel",
        "LiteralMatchLevel",
        "ColumnsReversedLevel",
        "LevenshteinLevel",
        "DamerauLevenshteinLevel",
        "JaroWinklerLevel",
        "JaroLevel",
        "JaccardLevel",
        "AbsoluteTimeDifferenceLevel",
        "AbsoluteDateDifferenceLevel",
        "AbsoluteDifferenceLevel",
        "PercentageDifferenceLevel",
        "ArrayIntersectLevel",
        "ArraySubsetLevel",
        "And",
        "Or",
        "Not",
    }
)
COMPOSITE_CREATORS: frozenset[str] = frozenset({"And", "Or", "Not"})

# Column transforms of splink.ColumnExpression, each rendered per dialect by Splink.
COLUMN_OPS: frozenset[str] = frozenset(
    {
        "lower",
        "substr",
        "cast_to_string",
        "regex_extract",
        "nullif",
        "try_parse_date",
        "access_extreme_array_element",
    }
)

MODEL_NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class ColumnRef:
    """An input column, optionally transformed (``cast_to_string``, ``substr`` ...)."""

    name: str
    ops: tuple[tuple[str, tuple[JsonScalar, ...]], ...] = ()

    def __post_init__(self) -> None:
        for op, _ in self.ops:
            if op not in COLUMN_OPS:
                raise ModelError(f'Column "{self.name}": unknown transform "{op}".')

    def then(self, op: str, *args: JsonScalar) -> ColumnRef:
        return ColumnRef(self.name, (*self.ops, (op, tuple(args))))

    def cast_to_string(self) -> ColumnRef:
        return self.then("cast_to_string")

    def substr(self, start: int, length: int) -> ColumnRef:
        return self.then("substr", start, length)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"column": self.name}
        if self.ops:
            out["ops"] = [[op, *args] for op, args in self.ops]
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnRef:
        ops = tuple((str(op[0]), tuple(op[1:])) for op in data.get("ops", []))
        return cls(str(data["column"]), ops)


def as_column(column: str | ColumnRef) -> ColumnRef:
    return column if isinstance(column, ColumnRef) else ColumnRef(column)


LevelArg = Union[JsonScalar, ColumnRef, "LevelSpec", tuple["LevelSpec", ...]]


@dataclass(frozen=True, kw_only=True)
class LevelSpec:
    """One comparison level: a Splink level creator, its arguments and options.

    ``fixed_m`` / ``fixed_u`` are priors that training must not move (Splink's
    ``fix_m_probability``): used where the data cannot be trusted to teach the
    direction of the evidence, e.g. differing generational suffixes.

    ``stratum`` names a group of levels that share a condition (e.g. "same address").
    A comparison's strata hold the same levels in the same order, each AND its
    condition; after training, u becomes the probability of the level *given* the
    stratum's condition and m the level's probability pooled over strata. This is how a
    comparison counts evidence that another comparison already counted: two people at one
    address sharing a surname is common, so given the address the surname says little.
    """

    creator: str
    args: Mapping[str, LevelArg] = field(default_factory=dict)
    label: str | None = None
    is_null_level: bool = False
    tf_column: str | None = None
    tf_weight: float = 1.0
    tf_minimum_u: float | None = None
    fixed_m: float | None = None
    fixed_u: float | None = None
    stratum: str | None = None

    def __post_init__(self) -> None:
        if self.creator not in LEVEL_CREATORS:
            raise ModelError(f'Unknown comparison level creator "{self.creator}".')

    @property
    def is_null(self) -> bool:
        """True if Splink will treat this level as a null level (no m or u)."""
        if self.creator == "NullLevel" or self.is_null_level:
            return True
        if self.creator in ("And", "Or"):
            children = cast(tuple[LevelSpec, ...], self.args["levels"])
            return all(child.is_null for child in children)
        return False

    @property
    def display_label(self) -> str:
        """The label, else one made from the creator and its column: what users read, not Splink's class name."""
        if self.label:
            return self.label
        column = self.args.get("col_name")
        name = _column_label(column) if isinstance(column, ColumnRef) else None
        if self.creator == "ElseLevel":
            return "None of the above"
        if name is None:
            return self.creator
        if self.creator == "NullLevel":
            return f"{name} missing"
        if self.creator == "ExactMatchLevel":
            return f"Same {name}"
        if self.creator in ("JaroWinklerLevel", "JaroLevel", "JaccardLevel"):
            similarity = self.creator.removesuffix("Level").replace("JaroWinkler", "Jaro-Winkler")
            return f"{name} {similarity} >= {self.args.get('distance_threshold')}"
        if self.creator in ("LevenshteinLevel", "DamerauLevenshteinLevel"):
            return f"{name} within {self.args.get('distance_threshold')} edit(s)"
        return f"{self.creator} on {name}"

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"creator": self.creator}
        if self.args:
            out["args"] = {key: _encode_arg(value) for key, value in self.args.items()}
        optional: dict[str, Any] = {
            "label": self.label,
            "is_null_level": self.is_null_level or None,
            "tf_column": self.tf_column,
            "tf_weight": self.tf_weight if self.tf_column else None,
            "tf_minimum_u": self.tf_minimum_u,
            "fixed_m": self.fixed_m,
            "fixed_u": self.fixed_u,
            "stratum": self.stratum,
        }
        out.update({key: value for key, value in optional.items() if value is not None})
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelSpec:
        return cls(
            creator=str(data["creator"]),
            args={str(k): _decode_arg(v) for k, v in dict(data.get("args", {})).items()},
            label=data.get("label"),
            is_null_level=bool(data.get("is_null_level", False)),
            tf_column=data.get("tf_column"),
            tf_weight=float(data.get("tf_weight", 1.0)),
            tf_minimum_u=data.get("tf_minimum_u"),
            fixed_m=data.get("fixed_m"),
            fixed_u=data.get("fixed_u"),
            stratum=data.get("stratum"),
        )


def _encode_arg(value: LevelArg) -> Any:
    if isinstance(value, (ColumnRef, LevelSpec)):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_encode_arg(v) for v in value]
    return value


def _decode_arg(value: Any) -> LevelArg:
    if isinstance(value, dict):
        if "column" in value:
            return ColumnRef.from_dict(value)
        if "creator" in value:
            return LevelSpec.from_dict(value)
        raise ModelError(f"Level argument {value!r} is neither a column nor a level.")
    if isinstance(value, list):
        return tuple(cast(LevelSpec, _decode_arg(v)) for v in value)
    return cast(JsonScalar, value)


@dataclass(frozen=True, kw_only=True)
class ComparisonSpec:
    """One comparison: ordered levels, most specific first, ``ElseLevel`` last."""

    name: str
    levels: tuple[LevelSpec, ...]
    description: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "description": self.description,
            "levels": [level.to_dict() for level in self.levels],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ComparisonSpec:
        return cls(
            name=str(data["name"]),
            description=str(data.get("description", "")),
            levels=tuple(LevelSpec.from_dict(level) for level in data["levels"]),
        )


@dataclass(frozen=True, kw_only=True)
class BlockingRuleSpec:
    """Pairs to generate: equality on ``columns`` (Splink's ``block_on``) or portable ``sql``.

    SQL refers to the two records as ``l`` and ``r``: ``l.zip = r.zip``.

    ``fallback``: for a training rule, the session's m estimates are kept only for
    comparisons no other session could estimate (for rules whose blocks are dominated by
    related people: one address holds a household, and EM would learn "same household").
    For a deterministic rule, it is used only when the others find no pair at all.
    """

    columns: tuple[ColumnRef, ...] = ()
    sql: str | None = None
    arrays_to_explode: tuple[str, ...] = ()
    fallback: bool = False

    def __post_init__(self) -> None:
        if bool(self.columns) == (self.sql is not None):
            raise ModelError("A blocking rule needs either columns or sql, not both.")

    @property
    def description(self) -> str:
        """A short human label, e.g. ``first_name_std + last_name_nysiis``."""
        if self.sql is not None:
            return self.sql
        return " + ".join(_column_label(c) for c in self.columns)

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.sql is not None:
            out["sql"] = self.sql
        else:
            out["columns"] = [c.to_dict() for c in self.columns]
        if self.arrays_to_explode:
            out["arrays_to_explode"] = list(self.arrays_to_explode)
        if self.fallback:
            out["fallback"] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> BlockingRuleSpec:
        return cls(
            columns=tuple(ColumnRef.from_dict(c) for c in data.get("columns", [])),
            sql=data.get("sql"),
            arrays_to_explode=tuple(data.get("arrays_to_explode", [])),
            fallback=bool(data.get("fallback", False)),
        )


def _column_label(column: ColumnRef) -> str:
    if not column.ops:
        return column.name
    ops = ".".join(f"{op}({', '.join(map(str, args))})" for op, args in column.ops)
    return f"{column.name}.{ops}"


@dataclass(frozen=True, kw_only=True)
class ModelSpec:
    """Everything that defines a model except its trained parameters."""

    name: str
    comparisons: tuple[ComparisonSpec, ...]
    prediction_rules: tuple[BlockingRuleSpec, ...]
    training_rules: tuple[BlockingRuleSpec, ...]
    deterministic_rules: tuple[BlockingRuleSpec, ...]
    deterministic_recall: float = 0.8
    link_type: LinkType = "link_and_dedupe"
    description: str = ""

    def __post_init__(self) -> None:
        problems = spec_problems(self)
        if problems:
            lines = "\n".join(f"  - {p}" for p in problems)
            raise ModelError(f'Model "{self.name}" is not valid:\n{lines}')

    def comparison(self, name: str) -> ComparisonSpec:
        for comparison in self.comparisons:
            if comparison.name == name:
                return comparison
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        return {
            "format_version": FORMAT_VERSION,
            "name": self.name,
            "description": self.description,
            "link_type": self.link_type,
            "comparisons": [c.to_dict() for c in self.comparisons],
            "prediction_rules": [r.to_dict() for r in self.prediction_rules],
            "training_rules": [r.to_dict() for r in self.training_rules],
            "deterministic_rules": [r.to_dict() for r in self.deterministic_rules],
            "deterministic_recall": self.deterministic_recall,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelSpec:
        version = data.get("format_version")
        if version != FORMAT_VERSION:
            raise ModelError(
                f"Model spec has format_version {version!r}; this mpi reads version "
                f"{FORMAT_VERSION}. Retrain the model with this version of mpi."
            )
        try:
            return cls(
                name=str(data["name"]),
                description=str(data.get("description", "")),
                link_type=cast(LinkType, data.get("link_type", "link_and_dedupe")),
                comparisons=tuple(ComparisonSpec.from_dict(c) for c in data["comparisons"]),
                prediction_rules=_rules(data["prediction_rules"]),
                training_rules=_rules(data["training_rules"]),
                deterministic_rules=_rules(data["deterministic_rules"]),
                deterministic_recall=float(data.get("deterministic_recall", 0.8)),
            )
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ModelError(f"Model spec is malformed: {type(exc).__name__}: {exc}") from exc


def _rules(data: Sequence[Mapping[str, Any]]) -> tuple[BlockingRuleSpec, ...]:
    return tuple(BlockingRuleSpec.from_dict(rule) for rule in data)


def spec_problems(spec: ModelSpec) -> list[str]:
    """Every structural problem in a spec, so they can be reported at once."""
    problems: list[str] = []
    if not MODEL_NAME_PATTERN.match(spec.name):
        problems.append(
            f'name "{spec.name}" must start with a letter or digit and hold only '
            "letters, digits, '_', '.' or '-'"
        )
    if spec.link_type not in LINK_TYPES:
        problems.append(f'link_type "{spec.link_type}" is not one of {", ".join(LINK_TYPES)}')
    if not 0 < spec.deterministic_recall <= 1:
        problems.append(f"deterministic_recall {spec.deterministic_recall} is not in (0, 1]")
    if not spec.comparisons:
        problems.append("it has no comparisons")
    if not spec.prediction_rules:
        problems.append("it has no prediction blocking rules")
    if not spec.training_rules:
        problems.append("it has no training blocking rules")
    if not spec.deterministic_rules:
        problems.append("it has no deterministic rules (needed to estimate the match rate)")
    seen: set[str] = set()
    for comparison in spec.comparisons:
        if comparison.name in seen:
            problems.append(f'comparison "{comparison.name}" appears twice')
        seen.add(comparison.name)
        if len(comparison.levels) < 2:
            problems.append(f'comparison "{comparison.name}" needs at least two levels')
        elif comparison.levels[-1].creator != "ElseLevel":
            problems.append(f'comparison "{comparison.name}" must end with an ElseLevel')
        for index, level in enumerate(comparison.levels):
            if level.fixed_m is not None and not 0 < level.fixed_m <= 1:
                problems.append(f'comparison "{comparison.name}" level {index}: fixed_m not in (0, 1]')
            if level.fixed_u is not None and not 0 < level.fixed_u <= 1:
                problems.append(f'comparison "{comparison.name}" level {index}: fixed_u not in (0, 1]')
            if level.is_null and (level.fixed_m is not None or level.fixed_u is not None):
                problems.append(f'comparison "{comparison.name}" level {index}: a null level has no m or u')
            if level.stratum is not None and (
                level.is_null or level.fixed_m is not None or level.fixed_u is not None
            ):
                problems.append(
                    f'comparison "{comparison.name}" level {index}: a level in a stratum must be trained, not null or fixed'
                )
        sizes = {len(levels) for levels in strata(comparison).values()}
        if len(sizes) > 1:
            problems.append(f'comparison "{comparison.name}": its strata hold different numbers of levels')
    return problems


def strata(comparison: ComparisonSpec) -> dict[str, tuple[int, ...]]:
    """Stratum name -> indexes of its levels, in level order."""
    out: dict[str, list[int]] = {}
    for index, level in enumerate(comparison.levels):
        if level.stratum is not None:
            out.setdefault(level.stratum, []).append(index)
    return {name: tuple(indexes) for name, indexes in out.items()}


# --- Level constructors: short names for the levels a model is written with. ---


def null_level(column: str | ColumnRef, *, label: str | None = None) -> LevelSpec:
    return LevelSpec(creator="NullLevel", args={"col_name": as_column(column)}, label=label)


def exact(column: str | ColumnRef, *, tf: bool = False, label: str | None = None) -> LevelSpec:
    """Exact match; ``tf`` turns on term-frequency adjustment on that same column."""
    ref = as_column(column)
    if tf and ref.ops:
        raise ModelError(f'Term-frequency adjustment needs a plain column, not "{_column_label(ref)}".')
    return LevelSpec(
        creator="ExactMatchLevel",
        args={"col_name": ref},
        label=label,
        tf_column=ref.name if tf else None,
    )


def jaro_winkler(column: str | ColumnRef, threshold: float, *, label: str | None = None) -> LevelSpec:
    return LevelSpec(
        creator="JaroWinklerLevel",
        args={"col_name": as_column(column), "distance_threshold": threshold},
        label=label,
    )


def levenshtein(column: str | ColumnRef, distance: int, *, label: str | None = None) -> LevelSpec:
    return LevelSpec(
        creator="LevenshteinLevel",
        args={"col_name": as_column(column), "distance_threshold": distance},
        label=label,
    )


def damerau_levenshtein(column: str | ColumnRef, distance: int, *, label: str | None = None) -> LevelSpec:
    return LevelSpec(
        creator="DamerauLevenshteinLevel",
        args={"col_name": as_column(column), "distance_threshold": distance},
        label=label,
    )


def array_intersect(
    column: str | ColumnRef, min_intersection: int = 1, *, label: str | None = None
) -> LevelSpec:
    return LevelSpec(
        creator="ArrayIntersectLevel",
        args={"col_name": as_column(column), "min_intersection": min_intersection},
        label=label,
    )


def custom(
    sql: str,
    *,
    label: str,
    is_null_level: bool = False,
    fixed_m: float | None = None,
    fixed_u: float | None = None,
) -> LevelSpec:
    """A level in raw SQL over ``<column>_l`` / ``<column>_r``; must be DuckDB- and Spark-valid."""
    return LevelSpec(
        creator="CustomLevel",
        args={"sql_condition": sql},
        label=label,
        is_null_level=is_null_level,
        fixed_m=fixed_m,
        fixed_u=fixed_u,
    )


def any_of(*levels: LevelSpec, label: str | None = None) -> LevelSpec:
    return LevelSpec(creator="Or", args={"levels": tuple(levels)}, label=label)


def all_of(*levels: LevelSpec, label: str | None = None) -> LevelSpec:
    return LevelSpec(creator="And", args={"levels": tuple(levels)}, label=label)


def not_(level: LevelSpec, *, label: str | None = None) -> LevelSpec:
    return LevelSpec(creator="Not", args={"comparison_level": level}, label=label)


def else_level(*, label: str | None = None) -> LevelSpec:
    return LevelSpec(creator="ElseLevel", label=label)


def block_on(*columns: str | ColumnRef, fallback: bool = False) -> BlockingRuleSpec:
    return BlockingRuleSpec(columns=tuple(as_column(c) for c in columns), fallback=fallback)


def block_on_sql(sql: str) -> BlockingRuleSpec:
    return BlockingRuleSpec(sql=sql)


def stratified(
    levels: Sequence[LevelSpec],
    *,
    condition: LevelSpec,
    stratum: str,
    otherwise: str,
    else_label: str = "All other comparisons",
    tf_inside: float = 0.0,
) -> tuple[LevelSpec, ...]:
    """``levels`` (no null level, no else) in two strata: first each AND ``condition``, then as given.

    Each stratum ends with its own else level, so the two line up level for level (see
    ``LevelSpec.stratum``). Term-frequency adjustment is kept outside the condition, where the
    level's u is the usual one, and inside it at weight ``tf_inside`` (0: not at all). Splink
    measures a term's adjustment against the u of the plain exact level on its column (the one
    outside), so inside the weight becomes the stratum's own weight plus the term's rarity
    against the average: how much more often non-matches agree given the condition is kept, and
    a rare value still counts for more than a common one.
    """

    def named(level: LevelSpec) -> str:
        return level.label or level.creator

    def frequency_inside(level: LevelSpec) -> dict[str, Any]:
        if level.tf_column is None or not tf_inside:
            return {}
        return {
            "tf_column": level.tf_column,
            "tf_weight": level.tf_weight * tf_inside,
            "tf_minimum_u": level.tf_minimum_u,
        }

    inside = tuple(
        LevelSpec(
            creator="And",
            args={"levels": (replace(level, tf_column=None), condition)},
            label=f"{named(level)}; {stratum}",
            stratum=stratum,
            **frequency_inside(level),
        )
        for level in levels
    )
    return (
        *inside,
        replace(condition, label=f"{else_label}; {stratum}", stratum=stratum),
        *(replace(level, label=f"{named(level)}; {otherwise}", stratum=otherwise) for level in levels),
        LevelSpec(creator="ElseLevel", label=f"{else_label}; {otherwise}", stratum=otherwise),
    )
