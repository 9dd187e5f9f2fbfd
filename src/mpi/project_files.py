"""The files a project reads and keeps, which no file mpi writes may replace."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError


def project_files(config: ProjectConfig) -> dict[Path, str]:
    """Each file of the project (config, store, every source's file), resolved, with what it is."""
    files = {config.config_path.resolve(): "the project's config", config.store_path.resolve(): "the store"}
    for source in config.sources.values():
        files[source.path.resolve()] = f'the file of source "{source.name}"'
    return files


def refuse_overwriting(option: str, target: Path, protected: Mapping[Path, str]) -> None:
    """Refuse to write ``target`` (given as ``option``) over one of the ``protected`` files."""
    what = protected.get(target.resolve())
    if what is not None:
        raise MpiUserError(
            f"{option} {target} would overwrite {what} ({target.resolve()}); write it elsewhere."
        )
