"""Random streams, chance masks and masked updates that every stage of the generator shares."""

from __future__ import annotations

import random
import zlib
from collections.abc import Callable, Iterable
from typing import TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
_T = TypeVar("_T")


def _stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per stage, so changing one stage leaves the others' draws alone."""
    return np.random.default_rng([seed, zlib.crc32(name.encode())])


def _python_random(rng: np.random.Generator) -> random.Random:
    return random.Random(int(rng.integers(0, 2**62)))


def _chance(rng: np.random.Generator, n: int, rate: float) -> Bools:
    return rng.random(n) < rate


def _slip(rng: np.random.Generator, care: Floats, rate: float) -> Bools:
    """A keying error at `rate` on average, more likely in careless records (see SHARES.care_levels)."""
    return rng.random(care.size) < np.minimum(rate * care, 1.0)


def _unique_numbers(rng: np.random.Generator, n: int, low: int, high: int) -> Ints:
    """n distinct random integers in [low, high), in random order."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    drawn = rng.integers(low, high, size=int(n * 1.05) + 16)
    _, first_seen = np.unique(drawn, return_index=True)
    keep = np.sort(first_seen)
    if keep.size < n:  # too many collisions (a small range): draw again
        return _unique_numbers(rng, n, low, high)
    return drawn[keep[:n]].astype(np.int64)


def _pick(rng: np.random.Generator, options: Iterable[str], n: int) -> pl.Series:
    values = list(options)
    return pl.Series(values).gather(rng.integers(0, len(values), size=n))


def _perturb(
    values: pl.Series, mask: Bools, change: Callable[[_T, random.Random], _T], rnd: random.Random
) -> pl.Series:
    """Apply a per-value corruption to the masked, non-null values (a small subset: Python is fine)."""
    hit = np.flatnonzero(mask & values.is_not_null().to_numpy())
    if hit.size == 0:
        return values
    changed = [change(value, rnd) for value in values.gather(hit).to_list()]
    return values.clone().scatter(hit, pl.Series(changed, dtype=values.dtype))


def _where(mask: Bools, then: pl.Series | pl.Expr | None, otherwise: pl.Series) -> pl.Series:
    value = pl.lit(None, dtype=otherwise.dtype) if then is None else then
    return (
        pl.select(pl.when(pl.Series(mask)).then(value).otherwise(otherwise)).to_series().alias(otherwise.name)
    )
