"""Reference tables the generator draws from (src/mpi/data/synth): name pools, display spellings, nicknames, towns, streets."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import polars as pl
from nicknames import NickNamer

from mpi.synth.draws import Bools, Floats, Ints
from mpi.synth.rates import ORIGINS

# The lists are package data of mpi (src/mpi/data/synth), one level above this package.
DATA_DIR = Path(__file__).parent.parent / "data" / "synth"


@dataclass(frozen=True, kw_only=True)
class _Pools:
    """Weighted name pools laid out one after another in `names`; pool k starts at starts[k]."""

    names: pl.Series
    starts: Ints
    cdfs: list[Floats]

    def draw(self, rng: np.random.Generator, pool: Ints) -> Ints:
        out = np.zeros(pool.size, dtype=np.int64)
        for k, cdf in enumerate(self.cdfs):
            hit = np.flatnonzero(pool == k)
            if hit.size == 0:
                continue
            local = np.searchsorted(cdf, rng.random(hit.size) * cdf[-1], side="right")
            out[hit] = self.starts[k] + np.minimum(local, cdf.size - 1)
        return out


@dataclass(frozen=True, kw_only=True)
class _Tables:
    first: _Pools  # pool = origin * 4 + male * 2 + modern
    last: _Pools  # pool = origin
    first_display: dict[str, str]
    last_display: dict[str, str]
    nicknames: pl.DataFrame  # name, k, nickname, choices
    similar_first: dict[tuple[str, str], list[str]]  # (sex, first 3 letters) -> names
    towns: pl.DataFrame  # town, zip, weight (one row per zip)
    streets: pl.DataFrame  # street, street_type


def _first_pool_key(origin: Ints, male: Bools, modern: Bools) -> Ints:
    return (origin * 4 + male.astype(np.int64) * 2 + modern.astype(np.int64)).astype(np.int64)


def _pools(frame: pl.DataFrame, count: int) -> _Pools:
    names: list[pl.Series] = []
    starts: list[int] = []
    cdfs: list[Floats] = []
    offset = 0
    for key in range(count):
        part = frame.filter(pl.col("pool") == key)
        starts.append(offset)
        if part.height == 0:
            # An empty pool is never drawn from (see _first_pool_key callers); keep slots aligned.
            cdfs.append(np.array([1.0]))
            names.append(pl.Series(["UNKNOWN"]))
            offset += 1
            continue
        weights = part["weight"].to_numpy().astype(np.float64)
        cdfs.append(np.cumsum(weights))
        names.append(part["name"])
        offset += part.height
    return _Pools(names=pl.concat(names), starts=np.array(starts, dtype=np.int64), cdfs=cdfs)


@lru_cache(maxsize=1)
def _load_tables() -> _Tables:
    origin_code = {o: i for i, o in enumerate(ORIGINS)}
    first = pl.read_csv(DATA_DIR / "first_names.csv", schema_overrides={"display": pl.String})
    first = first.with_columns(
        pool=pl.Series(
            _first_pool_key(
                first["origin"].replace_strict(origin_code, return_dtype=pl.Int64).to_numpy(),
                (first["sex"] == "M").to_numpy(),
                (first["era"] == "modern").to_numpy(),
            )
        )
    )
    last = pl.read_csv(DATA_DIR / "surnames.csv", schema_overrides={"display": pl.String})
    last = last.with_columns(pool=pl.col("origin").replace_strict(origin_code, return_dtype=pl.Int64))
    towns = pl.read_csv(DATA_DIR / "towns.csv", schema_overrides={"zips": pl.String})
    towns = towns.with_columns(zip=pl.col("zips").str.split(" ")).explode("zip")
    towns = towns.with_columns(weight=pl.col("weight") / pl.len().over("town")).select(
        "town", "zip", "weight"
    )
    streets = pl.read_csv(
        DATA_DIR / "streets.txt", separator="|", has_header=False, new_columns=["street", "street_type"]
    )
    return _Tables(
        first=_pools(first, len(ORIGINS) * 4),
        last=_pools(last, len(ORIGINS)),
        first_display=_display_map(first),
        last_display=_display_map(last),
        nicknames=_nickname_table(first["name"].unique().sort()),
        similar_first=_similar_names(first),
        towns=towns,
        streets=streets,
    )


def _display_map(frame: pl.DataFrame) -> dict[str, str]:
    shown = frame.filter(pl.col("display").is_not_null()).unique("name", keep="first", maintain_order=True)
    return dict(zip(shown["name"].to_list(), shown["display"].to_list(), strict=True))


def _nickname_table(names: pl.Series) -> pl.DataFrame:
    """Every (name, nickname) pair of the `nicknames` package for the names we draw."""
    namer = NickNamer()
    pairs_name: list[str] = []
    pairs_nick: list[str] = []
    for name in names.to_list():
        for nick in sorted(namer.nicknames_of(name.lower())):
            nick_upper = nick.upper()
            if len(nick_upper) >= 2 and nick_upper != name and nick_upper.isalpha():
                pairs_name.append(name)
                pairs_nick.append(nick_upper)
    table = pl.DataFrame({"name": pairs_name, "nickname": pairs_nick})
    return table.with_columns(
        k=pl.int_range(pl.len()).over("name").cast(pl.Int64),
        choices=pl.len().over("name").cast(pl.Int64),
    )


def _similar_names(first: pl.DataFrame) -> dict[tuple[str, str], list[str]]:
    """Names sharing their first three letters, for twins with similar names (JAYDEN / JAYLEN)."""
    common = (
        first.filter(pl.col("weight") > first["weight"].median()).unique(["name", "sex"]).sort("name", "sex")
    )
    groups: dict[tuple[str, str], list[str]] = {}
    for name, sex in zip(common["name"].to_list(), common["sex"].to_list(), strict=True):
        if len(name) >= 4 and name.isalpha():
            groups.setdefault((sex, name[:3]), []).append(name)
    return {key: names for key, names in groups.items() if len(names) > 1}
