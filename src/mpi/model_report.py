"""Describe a trained model for people: each comparison level with its m, u and match weight."""

from __future__ import annotations

import math
from dataclasses import dataclass

from mpi.config import ProjectConfig
from mpi.model import load_meta, load_model_file
from mpi.project_models import locate_model


@dataclass(frozen=True, kw_only=True)
class LevelRow:
    comparison: str
    label: str
    m: float | None
    u: float | None
    weight: float | None  # log2(m / u): evidence for (+) or against (-) a match
    seen_in_training: bool = True  # False: no pair showed the level, so it was set to weight 0


@dataclass(frozen=True, kw_only=True)
class ModelDescription:
    name: str
    path: str
    created_at: str
    lambda_: float
    levels: tuple[LevelRow, ...]
    shipped: bool = False  # shipped with mpi: linking fits its m, u and match rate to the store first

    @property
    def prior_weight(self) -> float:
        """log2 of the prior odds of a match: where a pair's weight starts, as a level's weight is log2(m / u)."""
        return math.log2(self.lambda_ / (1 - self.lambda_))


def describe_model(config: ProjectConfig, name: str) -> ModelDescription:
    location = locate_model(config, name)
    model = load_model_file(location.path)
    meta = load_meta(location.directory, location.name)
    unseen = set(model.stats.untrained_positions()) if model.stats else set()
    rows = []
    for comparison in model.spec.comparisons:
        parameters = model.parameters.levels.get(comparison.name, ())
        for index, (level, values) in enumerate(zip(comparison.levels, parameters, strict=False)):
            m, u = values.m_probability, values.u_probability
            weight = math.log2(m / u) if m and u else None
            label = level.display_label
            seen = (comparison.name, index) not in unseen
            rows.append(
                LevelRow(
                    comparison=comparison.name, label=label, m=m, u=u, weight=weight, seen_in_training=seen
                )
            )
    return ModelDescription(
        name=name,
        path=str(location.path),
        created_at=meta.created_at if meta else "?",
        lambda_=model.parameters.probability_two_random_records_match,
        levels=tuple(rows),
        shipped=location.shipped,
    )
