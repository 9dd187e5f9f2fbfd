"""A trained model as data: the neutral spec, its parameters and how training went."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from mpi.model.errors import ModelError
from mpi.model.spec import ModelSpec

MODEL_FORMAT = "mpi-model"


@dataclass(frozen=True, kw_only=True)
class LevelParameters:
    """m and u of one level; both None for a null level (it carries no evidence)."""

    m_probability: float | None
    u_probability: float | None

    def to_dict(self) -> dict[str, float | None]:
        return {"m_probability": self.m_probability, "u_probability": self.u_probability}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> LevelParameters:
        m, u = data.get("m_probability"), data.get("u_probability")
        return cls(
            m_probability=None if m is None else float(m),
            u_probability=None if u is None else float(u),
        )


@dataclass(frozen=True, kw_only=True)
class TrainedParameters:
    """The numbers Splink needs to score pairs exactly as it did after training."""

    probability_two_random_records_match: float
    # comparison name -> one entry per level, in the spec's level order
    levels: Mapping[str, tuple[LevelParameters, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "comparisons": {
                name: [level.to_dict() for level in levels] for name, levels in self.levels.items()
            },
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainedParameters:
        return cls(
            probability_two_random_records_match=float(data["probability_two_random_records_match"]),
            levels={
                str(name): tuple(LevelParameters.from_dict(level) for level in levels)
                for name, levels in dict(data["comparisons"]).items()
            },
        )


@dataclass(frozen=True, kw_only=True)
class EmSessionStats:
    """One expectation-maximisation session: its blocking rule and what it estimated."""

    blocking_rule: str
    comparisons_estimated: tuple[str, ...]
    iterations: int | None
    seconds: float
    blocked_pairs: int | None = None
    error: str | None = None

    def summary(self) -> str:
        status = (
            f"skipped ({self.error})"
            if self.error
            else f"{self.blocked_pairs or 0:,} pairs, {self.seconds:.1f}s"
        )
        return f"EM session blocked on {self.blocking_rule}: {status}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "blocking_rule": self.blocking_rule,
            "comparisons_estimated": list(self.comparisons_estimated),
            "iterations": self.iterations,
            "seconds": self.seconds,
            "blocked_pairs": self.blocked_pairs,
            "error": self.error,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> EmSessionStats:
        return cls(
            blocking_rule=str(data["blocking_rule"]),
            comparisons_estimated=tuple(data.get("comparisons_estimated", [])),
            iterations=data.get("iterations"),
            seconds=float(data.get("seconds", 0.0)),
            blocked_pairs=data.get("blocked_pairs"),
            error=data.get("error"),
        )


@dataclass(frozen=True, kw_only=True)
class TrainingStats:
    """What training saw and did; ``untrained_levels`` saw no data and were given weight 0."""

    record_count: int
    seed: int
    u_max_pairs: float
    probability_two_random_records_match: float
    em_sessions: tuple[EmSessionStats, ...]
    untrained_levels: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()
    seconds: float = 0.0

    def untrained_positions(self) -> tuple[tuple[str, int], ...]:
        """(comparison, level index) of each untrained level, written "name[index] label"."""
        positions = []
        for entry in self.untrained_levels:
            name, _, rest = entry.partition("[")
            positions.append((name, int(rest.split("]", 1)[0])))
        return tuple(positions)

    def to_dict(self) -> dict[str, Any]:
        return {
            "record_count": self.record_count,
            "seed": self.seed,
            "u_max_pairs": self.u_max_pairs,
            "probability_two_random_records_match": self.probability_two_random_records_match,
            "em_sessions": [s.to_dict() for s in self.em_sessions],
            "untrained_levels": list(self.untrained_levels),
            "warnings": list(self.warnings),
            "seconds": self.seconds,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainingStats:
        return cls(
            record_count=int(data["record_count"]),
            seed=int(data["seed"]),
            u_max_pairs=float(data["u_max_pairs"]),
            probability_two_random_records_match=float(data["probability_two_random_records_match"]),
            em_sessions=tuple(EmSessionStats.from_dict(s) for s in data.get("em_sessions", [])),
            untrained_levels=tuple(data.get("untrained_levels", [])),
            warnings=tuple(data.get("warnings", [])),
            seconds=float(data.get("seconds", 0.0)),
        )


@dataclass(frozen=True, kw_only=True)
class TrainedModel:
    """What ``models/NAME.json`` holds: portable across Splink backends."""

    spec: ModelSpec
    parameters: TrainedParameters
    stats: TrainingStats | None = field(default=None)

    def __post_init__(self) -> None:
        check_parameters_fit_spec(self.spec, self.parameters)

    @property
    def name(self) -> str:
        return self.spec.name

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": MODEL_FORMAT,
            "spec": self.spec.to_dict(),
            "parameters": self.parameters.to_dict(),
            "training": None if self.stats is None else self.stats.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TrainedModel:
        if data.get("format") != MODEL_FORMAT:
            raise ModelError(
                f'Not an mpi model file: "format" is {data.get("format")!r}, expected "{MODEL_FORMAT}".'
            )
        spec = ModelSpec.from_dict(data["spec"])
        try:
            parameters = TrainedParameters.from_dict(data["parameters"])
            training = data.get("training")
            stats = None if training is None else TrainingStats.from_dict(training)
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(
                f'Model "{spec.name}": parameters are malformed: {type(exc).__name__}: {exc}'
            ) from exc
        return cls(spec=spec, parameters=parameters, stats=stats)


def check_parameters_fit_spec(spec: ModelSpec, parameters: TrainedParameters) -> None:
    """Refuse parameters that do not line up level for level with the spec."""
    problems: list[str] = []
    lam = parameters.probability_two_random_records_match
    if not 0 < lam < 1:
        problems.append(f"probability_two_random_records_match {lam} is not in (0, 1)")
    names = {c.name for c in spec.comparisons}
    for extra in sorted(set(parameters.levels) - names):
        problems.append(f'parameters for unknown comparison "{extra}"')
    for comparison in spec.comparisons:
        levels = parameters.levels.get(comparison.name)
        if levels is None:
            problems.append(f'no parameters for comparison "{comparison.name}"')
            continue
        if len(levels) != len(comparison.levels):
            problems.append(
                f'comparison "{comparison.name}" has {len(comparison.levels)} levels '
                f"but {len(levels)} sets of parameters"
            )
            continue
        for index, (level, params) in enumerate(zip(comparison.levels, levels, strict=True)):
            if level.is_null:
                continue
            for kind, value in (("m", params.m_probability), ("u", params.u_probability)):
                if value is None or not math.isfinite(value) or not 0 < value <= 1:
                    problems.append(f'comparison "{comparison.name}" level {index}: {kind} is {value!r}')
    if problems:
        lines = "\n".join(f"  - {p}" for p in problems)
        raise ModelError(f'Model "{spec.name}" has parameters that do not fit its spec:\n{lines}')
