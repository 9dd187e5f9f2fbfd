"""Households and who lives in them: kinds, roles, ages (with twins), sexes and origins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mpi.synth.draws import Bools, Floats, Ints, _chance
from mpi.synth.rates import _AS_OF_DAYS, _YEAR_DAYS, ORIGINS, POPULATION

_HEAD, _PARTNER, _CHILD = 0, 1, 2
_SINGLE, _COUPLE, _FAMILY, _SINGLE_PARENT = 0, 1, 2, 3


@dataclass(frozen=True, kw_only=True)
class _Households:
    household: Ints  # per person
    role: Ints  # per person: head, partner, child
    child_rank: Ints  # per person, -1 for adults
    kind: Ints  # per household
    starts: Ints  # per household: row of its head
    adults: Ints  # per household
    kids: Ints  # per household

    @property
    def count(self) -> int:
        return int(self.kind.size)


def _draw_households(rng: np.random.Generator, persons: int) -> _Households:
    # At most `persons` households are needed (every household has a member); cut at the total.
    kind = rng.choice(4, size=persons, p=POPULATION.household_shares).astype(np.int64)
    kids = np.zeros(persons, dtype=np.int64)
    with_kids = kind >= _FAMILY
    kids[with_kids] = rng.choice(np.arange(1, 6), size=int(with_kids.sum()), p=POPULATION.children_pmf)
    adults = np.where((kind == _COUPLE) | (kind == _FAMILY), 2, 1).astype(np.int64)
    size = adults + kids
    ends = np.cumsum(size)
    used = int(np.searchsorted(ends, persons)) + 1
    kind, kids, adults, size, ends = kind[:used], kids[:used], adults[:used], size[:used], ends[:used]
    household = np.repeat(np.arange(used, dtype=np.int64), size)[:persons]
    starts = ends - size
    pos = np.arange(persons, dtype=np.int64) - starts[household]
    role = np.where(pos < adults[household], pos, _CHILD).astype(np.int64)
    child_rank = np.where(role == _CHILD, pos - adults[household], -1).astype(np.int64)
    return _Households(
        household=household,
        role=role,
        child_rank=child_rank,
        kind=kind,
        starts=starts,
        adults=adults,
        kids=kids,
    )


def _adult_age_pmf() -> tuple[Ints, Floats]:
    ages = np.arange(18, 96, dtype=np.int64)
    # Flat through working age, then thinning out: a rough state age pyramid.
    weight = np.where(ages <= 62, 1.0, np.maximum(0.05, 1.0 - (ages - 62) / 36.0))
    return ages, weight / weight.sum()


def _draw_ages(rng: np.random.Generator, hh: _Households) -> tuple[Ints, Ints, Bools]:
    n = hh.household.size
    kind = hh.kind[hh.household]
    age = np.zeros(n, dtype=np.int64)
    ages, pmf = _adult_age_pmf()
    head = hh.role == _HEAD
    lone = head & (kind <= _COUPLE)
    age[lone] = rng.choice(ages, size=int(lone.sum()), p=pmf)
    parent = head & (kind >= _FAMILY)
    age[parent] = rng.integers(24, 61, size=int(parent.sum()))
    head_age = age[hh.starts][hh.household]
    partner = hh.role == _PARTNER
    age[partner] = np.clip(head_age[partner] + np.round(rng.normal(-2, 3.5, int(partner.sum()))), 18, 99)
    # Children are 1-5 years apart; the eldest was born when the parent was 20 or older and is
    # at most 30 (older children have left the household). Gaps shrink when they do not fit.
    child = np.flatnonzero(hh.role == _CHILD)
    rank = hh.child_rank[child]
    gap = rng.integers(1, 6, size=child.size).astype(np.float64)
    gap[rank == 0] = 0
    cumulative = np.cumsum(gap)
    group_start = np.flatnonzero(rank == 0)[np.cumsum(rank == 0) - 1]
    within = cumulative - cumulative[group_start]
    spread = np.zeros(hh.count)
    np.maximum.at(spread, hh.household[child], within)
    eldest_max = np.clip(age[hh.starts] - 20, 0, 30).astype(np.float64)
    squeeze = np.where(spread > eldest_max, eldest_max / np.maximum(spread, 1), 1.0)
    eldest = spread * squeeze + np.sqrt(rng.random(hh.count)) * np.maximum(eldest_max - spread * squeeze, 0)
    family = hh.household[child]
    age[child] = np.floor(eldest[family] - within * squeeze[family]).astype(np.int64)
    dob_days = (_AS_OF_DAYS - np.floor(age * _YEAR_DAYS + rng.uniform(1, 365, n))).astype(np.int64)
    twin = np.zeros(n, dtype=bool)
    candidate = child[(rank >= 1) & _chance(rng, child.size, POPULATION.twin)]
    candidate = candidate[~np.isin(candidate - 1, candidate)]  # no chained triplets
    twin[candidate] = True
    dob_days[candidate] = dob_days[candidate - 1]
    age[candidate] = age[candidate - 1]
    twin[candidate - 1] = True
    return age, dob_days, twin


def _draw_sex(rng: np.random.Generator, hh: _Households) -> Bools:
    n = hh.household.size
    kind = hh.kind[hh.household]
    u = rng.random(n)
    # Couples are a man (head) and a woman (partner); single parents are mostly mothers.
    male = np.where(
        hh.role == _CHILD,
        u < 0.512,
        np.where(
            hh.role == _PARTNER,
            False,
            np.where(
                (kind == _COUPLE) | (kind == _FAMILY),
                True,
                np.where(kind == _SINGLE_PARENT, u >= POPULATION.single_parent_mother, u < 0.48),
            ),
        ),
    )
    return male.astype(bool)


def _draw_origins(rng: np.random.Generator, hh: _Households) -> Ints:
    household_origin = rng.choice(len(ORIGINS), size=hh.count, p=POPULATION.origin_shares)
    origin = household_origin[hh.household].astype(np.int64)
    mixed = (hh.role == _PARTNER) & ~_chance(rng, origin.size, POPULATION.partner_same_origin)
    origin[mixed] = rng.choice(len(ORIGINS), size=int(mixed.sum()), p=POPULATION.origin_shares)
    return origin
