"""Where a project's models live, and which model a name means: the project's own, else the shipped one."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from mpi.config import ProjectConfig
from mpi.model import ModelEntry, list_models
from mpi.model.errors import ModelError
from mpi.model.registry import load_meta, model_paths
from mpi.sqlutil import models_root

DEFAULT_MODEL = "default"
# The match probability a model links at when its meta names none.
FALLBACK_MATCH_PROBABILITY = 0.9


@dataclass(frozen=True, kw_only=True)
class ModelLocation:
    name: str
    directory: Path
    path: Path
    shipped: bool

    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()

    def threshold(self) -> float:
        """The match probability the model links at: its training's choice (meta), else the fallback."""
        meta = load_meta(self.directory, self.name)
        return float((meta.thresholds if meta else {}).get("match_probability", FALLBACK_MATCH_PROBABILITY))


def project_models_dir(config: ProjectConfig) -> Path:
    return config.root / "models"


# "shipped:NAME" names the model shipped with mpi even where a project model of that name hides it.
SHIPPED_PREFIX = "shipped:"


def locate_model(config: ProjectConfig, name: str = DEFAULT_MODEL) -> ModelLocation:
    """The project's models/NAME.json if it exists, else the model of that name shipped with mpi."""
    places: tuple[tuple[Path, bool], ...] = ((project_models_dir(config), False), (models_root(), True))
    if name.startswith(SHIPPED_PREFIX):
        name, places = name.removeprefix(SHIPPED_PREFIX), places[1:]
    for directory, shipped in places:
        path, _ = model_paths(directory, name)
        if path.is_file():
            return ModelLocation(name=name, directory=directory, path=path, shipped=shipped)
    known = ", ".join(sorted({m.entry.name for m in list_all_models(config)})) or "none"
    raise ModelError(f'No model "{name}" (models: {known}). Train one with "mpi train --name {name}".')


@dataclass(frozen=True, kw_only=True)
class ListedModel:
    entry: ModelEntry
    shipped: bool
    shadowed: bool  # a shipped model hidden by a project model of its name, or the project model hiding it


def list_all_models(config: ProjectConfig) -> list[ListedModel]:
    """The project's models, then every shipped one, each marked where a project model hides a shipped one."""
    own = list_models(project_models_dir(config))
    shipped = list_models(models_root())
    both = {e.name for e in own} & {e.name for e in shipped}
    return [ListedModel(entry=e, shipped=False, shadowed=e.name in both) for e in own] + [
        ListedModel(entry=e, shipped=True, shadowed=e.name in both) for e in shipped
    ]
