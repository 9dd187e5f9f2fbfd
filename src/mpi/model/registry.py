"""Models on disk: ``models/NAME.json`` (the model) beside ``models/NAME.meta.json`` (its story)."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from importlib import metadata
from pathlib import Path
from typing import Any

import duckdb

from mpi.model.columns import check_model_fits_table
from mpi.model.errors import ModelError
from mpi.model.spec import MODEL_NAME_PATTERN
from mpi.model.trained import TrainedModel

MODEL_SUFFIX = ".json"
META_SUFFIX = ".meta.json"


def mpi_version() -> str:
    try:
        return metadata.version("mpi")
    except metadata.PackageNotFoundError:
        return "dev"


def splink_version() -> str:
    import splink

    return str(splink.__version__)


@dataclass(frozen=True, kw_only=True)
class ModelMeta:
    """When and from what a model was trained; thresholds chosen for it; caller's extras."""

    name: str
    created_at: str
    splink_version: str
    mpi_version: str
    seed: int | None
    row_counts: Mapping[str, int] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "created_at": self.created_at,
            "splink_version": self.splink_version,
            "mpi_version": self.mpi_version,
            "seed": self.seed,
            "row_counts": dict(self.row_counts),
            "thresholds": dict(self.thresholds),
            "extra": dict(self.extra),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ModelMeta:
        return cls(
            name=str(data["name"]),
            created_at=str(data["created_at"]),
            splink_version=str(data.get("splink_version", "")),
            mpi_version=str(data.get("mpi_version", "")),
            seed=data.get("seed"),
            row_counts={str(k): int(v) for k, v in dict(data.get("row_counts", {})).items()},
            thresholds={str(k): float(v) for k, v in dict(data.get("thresholds", {})).items()},
            extra=dict(data.get("extra", {})),
        )


@dataclass(frozen=True, kw_only=True)
class ModelEntry:
    name: str
    path: Path
    meta: ModelMeta | None


def model_paths(models_dir: Path, name: str) -> tuple[Path, Path]:
    """The model file and its metadata sidecar; refuses names that are not plain file names."""
    if not MODEL_NAME_PATTERN.match(name) or name.endswith(META_SUFFIX.removesuffix(MODEL_SUFFIX)):
        raise ModelError(
            f'"{name}" is not a valid model name: use letters, digits, "_", "." or "-", '
            'starting with a letter or digit (e.g. "person").'
        )
    return models_dir / f"{name}{MODEL_SUFFIX}", models_dir / f"{name}{META_SUFFIX}"


def _write_json_atomically(path: Path, data: Mapping[str, Any]) -> None:
    # Write beside the target and rename, so a crash never leaves half a model.
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2, sort_keys=False)
            out.write("\n")
        os.chmod(temp, 0o644)  # mkstemp makes it private; a model is meant to be shared
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def save_model(
    models_dir: Path,
    model: TrainedModel,
    *,
    name: str | None = None,
    seed: int | None = None,
    row_counts: Mapping[str, int] | None = None,
    thresholds: Mapping[str, float] | None = None,
    extra: Mapping[str, Any] | None = None,
    overwrite: bool = False,
    now: dt.datetime | None = None,
) -> ModelMeta:
    """Write the model and its sidecar; ``name`` (default: the spec's) names both files.

    ``seed`` defaults to the one training used; ``extra`` holds anything else worth
    keeping, such as the sha256 of each load the model was trained on.
    """
    name = model.spec.name if name is None else name
    model_path, meta_path = model_paths(models_dir, name)
    if model_path.exists() and not overwrite:
        raise ModelError(
            f'Model "{name}" already exists at {model_path}. Choose another name or overwrite it.'
        )
    if model.spec.name != name:
        model = replace(model, spec=replace(model.spec, name=name))
    meta = ModelMeta(
        name=name,
        created_at=(now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds"),
        splink_version=splink_version(),
        mpi_version=mpi_version(),
        seed=seed if seed is not None else (model.stats.seed if model.stats else None),
        row_counts=dict(row_counts or {}),
        thresholds=dict(thresholds or {}),
        extra=dict(extra or {}),
    )
    _write_json_atomically(model_path, model.to_dict())
    _write_json_atomically(meta_path, meta.to_dict())
    return meta


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise
    except (OSError, json.JSONDecodeError) as exc:
        raise ModelError(f"Cannot read {path}: {exc}") from exc


def load_model_file(path: Path) -> TrainedModel:
    try:
        data = _read_json(path)
    except FileNotFoundError as exc:
        raise ModelError(f"No model file at {path}.") from exc
    return TrainedModel.from_dict(data)


def load_model(models_dir: Path, name: str) -> TrainedModel:
    model_path, _ = model_paths(models_dir, name)
    if not model_path.exists():
        known = ", ".join(entry.name for entry in list_models(models_dir)) or "none"
        raise ModelError(
            f'No model "{name}" in {models_dir} (models there: {known}). Train one with "mpi train".'
        )
    return load_model_file(model_path)


def load_model_for_table(
    con: duckdb.DuckDBPyConnection, models_dir: Path, name: str, *, records_table: str = "records"
) -> TrainedModel:
    """Load a model and refuse it, naming the columns, if ``records_table`` cannot feed it."""
    model = load_model(models_dir, name)
    check_model_fits_table(con, model.spec, records_table)
    return model


def load_meta(models_dir: Path, name: str) -> ModelMeta | None:
    _, meta_path = model_paths(models_dir, name)
    try:
        return ModelMeta.from_dict(_read_json(meta_path))
    except FileNotFoundError:
        return None
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"Model metadata {meta_path} is malformed: {exc}") from exc


def list_models(models_dir: Path) -> list[ModelEntry]:
    """Models in a directory, by name; a model without a sidecar is listed with meta None."""
    if not models_dir.is_dir():
        return []
    names = sorted(
        path.name.removesuffix(MODEL_SUFFIX)
        for path in models_dir.glob(f"*{MODEL_SUFFIX}")
        if not path.name.endswith(META_SUFFIX) and not path.name.startswith(".")
    )
    return [
        ModelEntry(name=name, path=models_dir / f"{name}{MODEL_SUFFIX}", meta=load_meta(models_dir, name))
        for name in names
    ]
