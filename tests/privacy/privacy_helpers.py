"""Helpers for the privacy tests: keys, a hub config for hashed files, hashing into a hub directory."""

from __future__ import annotations

from pathlib import Path

from mpi.config import ProjectConfig, load_config
from mpi.privacy.agency import hash_source
from mpi.privacy.keys import HashKey

KEY = b"test key for mpi hashing, 40 bytes long!"
OTHER_KEY = b"another agency's key, also long enough!!"


def hashed_hub_toml(sources: dict[str, str], *, shared_ids: tuple[str, ...] = ("sasid",)) -> str:
    """An mpi.toml for a hub whose sources are the given hashed files (name -> file name)."""
    lines = ["[project]", 'name = "hub"', f"shared_ids = {list(shared_ids)!r}".replace("'", '"'), ""]
    lines += ["[store]", 'path = "hub.duckdb"', ""]
    for name, file_name in sources.items():
        lines += [f"[sources.{name}]", 'kind = "hashed"', f'path = "{file_name}"', ""]
    return "\n".join(lines)


def hash_into(
    config: ProjectConfig, hub: Path, key: HashKey, names: tuple[str, ...], **options: object
) -> ProjectConfig:
    """Hash the named sources into hub/ and write a hub mpi.toml declaring them hashed."""
    hub.mkdir(parents=True, exist_ok=True)
    files = {}
    for name in names:
        hash_source(config, name, hub / f"{name}.hashed.parquet", key, **options)  # type: ignore[arg-type]
        files[name] = f"{name}.hashed.parquet"
    (hub / "mpi.toml").write_text(hashed_hub_toml(files, shared_ids=config.shared_ids), encoding="utf-8")
    return load_config(hub / "mpi.toml")
