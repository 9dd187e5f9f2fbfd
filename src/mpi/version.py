"""The installed mpi version, for loads, runs and model metadata."""

from __future__ import annotations

from importlib import metadata


def mpi_version() -> str:
    try:
        return metadata.version("mpi")
    except metadata.PackageNotFoundError:
        return "dev"
