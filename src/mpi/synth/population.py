"""The population: named people in households, with the sources that know them, identifiers, phones, emails and addresses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import polars as pl

from mpi.synth.draws import Bools, Floats, Ints, _chance, _stream, _unique_numbers
from mpi.synth.households import (
    _CHILD,
    _PARTNER,
    _draw_ages,
    _draw_households,
    _draw_origins,
    _draw_sex,
    _Households,
)
from mpi.synth.names import _add_nicknames, _draw_names
from mpi.synth.rates import AS_OF, COVERAGE, HHS_HOUSEHOLD, HHS_MEMBER, POPULATION, SOURCES
from mpi.synth.tables import _Tables


@dataclass(frozen=True, kw_only=True)
class _Population:
    people: pl.DataFrame
    addresses: pl.DataFrame
    households: int


def _build_population(*, persons: int, seed: int, tables: _Tables) -> _Population:
    rng = _stream(seed, "population")
    hh = _draw_households(rng, persons)
    age, dob_days, twin = _draw_ages(rng, hh)
    male = _draw_sex(rng, hh)
    origin = _draw_origins(rng, hh)
    birth_year = AS_OF.year - age
    people = pl.DataFrame(
        {
            "household": hh.household,
            "role": hh.role,
            "origin": origin,
            "male": male,
            "age": age,
            "dob": pl.Series(dob_days.astype(np.int32)).cast(pl.Date),
            "twin": twin,
        }
    )
    people = _draw_names(rng, people, hh, tables, birth_year, twin)
    people = _add_nicknames(rng, people, tables)
    people = _add_membership(rng, people, hh)
    people = _add_identifiers(rng, people, hh)
    people, addresses = _add_addresses(rng, people, hh, tables)
    person_ids = rng.permutation(persons) + 1
    people = people.with_columns(
        person_id=pl.Series(person_ids).cast(pl.String).str.zfill(8).str.pad_start(9, "P")
    )
    return _Population(people=people, addresses=addresses, households=hh.count)


def _coverage_probability(source: str, age: Ints) -> Floats:
    probability = np.zeros(age.size)
    for low, high, rate in COVERAGE[source]:
        probability[(age >= low) & (age <= high)] = rate
    return probability


def _add_membership(rng: np.random.Generator, people: pl.DataFrame, hh: _Households) -> pl.DataFrame:
    n = people.height
    age = people["age"].to_numpy().astype(np.int64)
    member: dict[str, Bools] = {}
    for source in COVERAGE:
        member[source] = rng.random(n) < _coverage_probability(source, age)
    member["hhs"] = (rng.random(hh.count) < HHS_HOUSEHOLD)[hh.household] & _chance(rng, n, HHS_MEMBER)
    # Everyone the population holds is known to at least one agency: the one their age fits best.
    nowhere = ~np.logical_or.reduce([member[s] for s in SOURCES])
    fallback = np.where(
        (age >= 1) & (age <= 4),
        "ece",
        np.where((age >= 5) & (age <= 17), "k12", np.where((age >= 18) & (age <= 75), "wages", "hhs")),
    )
    for source in SOURCES:
        member[source] |= nowhere & (fallback == source)
    return people.with_columns(**{f"in_{s}": pl.Series(member[s]) for s in SOURCES})


def _draw_ssns(rng: np.random.Generator, n: int) -> Ints:
    """Valid-looking SSNs: area 001-899 except 666, group 01-99, serial 0001-9999."""
    raw = _unique_numbers(rng, n, 0, 898 * 99 * 9999)
    area = raw // (99 * 9999) + 1
    area = np.where(area >= 666, area + 1, area)
    group = (raw // 9999) % 99 + 1
    serial = raw % 9999 + 1
    return (area * 1_000_000 + group * 10_000 + serial).astype(np.int64)


def _add_identifiers(rng: np.random.Generator, people: pl.DataFrame, hh: _Households) -> pl.DataFrame:
    n = people.height
    ssn = _draw_ssns(rng, n)
    twin_second = np.flatnonzero(people["twin"].to_numpy() & (hh.child_rank >= 1))
    twin_second = twin_second[np.isin(twin_second - 1, np.flatnonzero(people["twin"].to_numpy()))]
    consecutive = twin_second[_chance(rng, twin_second.size, POPULATION.twin_consecutive_ssn)]
    ssn[consecutive] = ssn[consecutive - 1] + 1
    has_ssn = ~_chance(rng, n, POPULATION.no_ssn)
    head = hh.starts[hh.household]
    has_partner = hh.adults[hh.household] == 2
    first_child = head + hh.adults[hh.household]
    has_child = hh.kids[hh.household] > 0
    # The family member whose number a person might use: a parent's for children, a child's or partner's for adults.
    family = np.where(
        hh.role == _CHILD,
        head,
        np.where(
            hh.role == _PARTNER,
            head,
            np.where(has_child & (rng.random(n) < 0.5), first_child, np.where(has_partner, head + 1, -1)),
        ),
    )
    family = np.minimum(family, n - 1)
    ssn_series = pl.Series(ssn).set(pl.Series(~has_ssn), None)
    family_ssn = ssn_series.gather(np.maximum(family, 0)).set(pl.Series(family < 0), None)
    in_k12 = people["in_k12"].to_numpy()
    in_ece = people["in_ece"].to_numpy()
    has_sasid = in_k12 | (in_ece & _chance(rng, n, POPULATION.public_prek_sasid))
    sasid = np.full(n, -1, dtype=np.int64)
    sasid[has_sasid] = _unique_numbers(rng, int(has_sasid.sum()), 0, 10**10)
    sasid_series = pl.Series(sasid).set(pl.Series(~has_sasid), None)
    return (
        people.with_columns(ssn=ssn_series, family_ssn=family_ssn, sasid=sasid_series)
        .with_columns(_draw_phones(rng, people, hh))
        .pipe(_add_emails, rng)
    )


def _phone_numbers(rng: np.random.Generator, n: int) -> pl.Series:
    area = np.array([860, 203, 475, 959])[rng.choice(4, size=n, p=[0.45, 0.4, 0.1, 0.05])]
    exchange = rng.integers(201, 1000, size=n)
    line = rng.integers(0, 10000, size=n)
    return pl.Series(area * 10_000_000 + exchange * 10_000 + line).cast(pl.String)


def _draw_phones(rng: np.random.Generator, people: pl.DataFrame, hh: _Households) -> list[pl.Series]:
    """Contact phone: own cell, else the household landline, else the head's cell (children)."""
    n = people.height
    age = people["age"].to_numpy()
    landline = _phone_numbers(rng, hh.count).set(
        pl.Series(~_chance(rng, hh.count, POPULATION.landline)), None
    )
    cell = _phone_numbers(rng, n).set(
        pl.Series(~((age >= 14) & _chance(rng, n, POPULATION.cell_phone))), None
    )
    head_cell = cell.gather(hh.starts[hh.household])
    contact = pl.select(pl.coalesce(cell, landline.gather(hh.household), head_cell)).to_series()
    previous = _phone_numbers(rng, n).set(
        pl.Series(~(contact.is_not_null().to_numpy() & _chance(rng, n, POPULATION.previous_phone))), None
    )
    return [contact.alias("phone"), previous.alias("phone_previous")]


_EMAIL_DOMAINS: tuple[tuple[str, float], ...] = (
    ("gmail.com", 0.5),
    ("yahoo.com", 0.18),
    ("hotmail.com", 0.1),
    ("outlook.com", 0.08),
    ("aol.com", 0.05),
    ("comcast.net", 0.06),
    ("icloud.com", 0.03),
)


def _add_emails(people: pl.DataFrame, rng: np.random.Generator) -> pl.DataFrame:
    n = people.height
    domains = pl.Series([d for d, _ in _EMAIL_DOMAINS])
    domain = domains.gather(rng.choice(len(_EMAIL_DOMAINS), size=n, p=[w for _, w in _EMAIL_DOMAINS]))
    has = (people["age"].to_numpy() >= 14) & _chance(rng, n, POPULATION.email)
    first = pl.col("first").str.to_lowercase().str.replace_all("[^a-z]", "")
    last = pl.col("last_current").str.to_lowercase().str.replace_all("[^a-z]", "")
    digits = pl.Series(rng.integers(1, 100, size=n)).cast(pl.String)
    year = (pl.col("dob").dt.year() % 100).cast(pl.String).str.zfill(2)
    pattern = pl.Series(rng.integers(0, 5, size=n))
    local = (
        pl.when(pattern == 0)
        .then(pl.concat_str([first, pl.lit("."), last]))
        .when(pattern == 1)
        .then(pl.concat_str([first, last, digits]))
        .when(pattern == 2)
        .then(pl.concat_str([first.str.slice(0, 1), last, digits]))
        .when(pattern == 3)
        .then(pl.concat_str([first, year]))
        .otherwise(pl.concat_str([first, pl.lit("_"), last]))
    )
    email = pl.when(pl.Series(has)).then(pl.concat_str([local, pl.lit("@"), domain]))
    return people.with_columns(email=email)


def _add_addresses(
    rng: np.random.Generator, people: pl.DataFrame, hh: _Households, tables: _Tables
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Current and previous address per person; household members share them unless they moved apart."""
    n = people.height
    next_id = hh.count
    household_current = np.arange(hh.count, dtype=np.int64)
    moved = _chance(rng, hh.count, POPULATION.household_moved)
    household_previous = household_current.copy()
    household_previous[moved] = next_id + np.arange(int(moved.sum()))
    next_id += int(moved.sum())
    current = household_current[hh.household]
    previous = household_previous[hh.household]
    own_previous = (hh.role != _CHILD) & _chance(rng, n, POPULATION.adult_own_previous_address)
    previous[own_previous] = next_id + np.arange(int(own_previous.sum()))
    next_id += int(own_previous.sum())
    age = people["age"].to_numpy()
    moved_out_rate = np.clip((age - 18) * POPULATION.adult_child_moved_out_per_year, 0, 0.9)
    moved_out = (hh.role == _CHILD) & (rng.random(n) < moved_out_rate)
    previous[moved_out] = current[moved_out]
    current[moved_out] = next_id + np.arange(int(moved_out.sum()))
    next_id += int(moved_out.sum())
    addresses = _draw_address_table(rng, next_id, tables)
    return people.with_columns(address_current=current, address_previous=previous), addresses


def _draw_address_table(rng: np.random.Generator, count: int, tables: _Tables) -> pl.DataFrame:
    weights = tables.towns["weight"].to_numpy().astype(np.float64)
    town = rng.choice(tables.towns.height, size=count, p=weights / weights.sum())
    street = rng.integers(0, tables.streets.height, size=count)
    number = np.clip(np.exp(rng.normal(4.6, 1.2, size=count)), 1, 9999).astype(np.int64)
    direction = pl.Series(["N", "S", "E", "W"]).gather(rng.integers(0, 4, size=count))
    has_direction = _chance(rng, count, 0.08)
    unit_kind = rng.choice(3, size=count, p=[0.6, 0.25, 0.15])
    unit_number = pl.Series(rng.integers(1, 41, size=count)).cast(pl.String)
    unit_letter = pl.Series(list("ABCDEF")).gather(rng.integers(0, 6, size=count))
    unit = pl.select(
        pl.when(pl.Series(unit_kind == 0))
        .then(unit_number)
        .when(pl.Series(unit_kind == 1))
        .then(pl.concat_str([pl.Series(rng.integers(1, 5, size=count)).cast(pl.String), unit_letter]))
        .otherwise(unit_letter)
    ).to_series()
    unit = unit.set(pl.Series(~_chance(rng, count, POPULATION.apartment)), None)
    return pl.DataFrame(
        {
            "house_number": pl.Series(number).cast(pl.String),
            "direction": direction.set(pl.Series(~has_direction), None),
            "street": tables.streets["street"].gather(street),
            "street_type": tables.streets["street_type"].gather(street),
            "unit": unit,
            "city": tables.towns["town"].gather(town),
            "zip": tables.towns["zip"].gather(town),
            "zip4": pl.Series(rng.integers(1, 10000, size=count)).cast(pl.String).str.zfill(4),
        }
    )
