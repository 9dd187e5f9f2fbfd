"""A source's records: who is in it, what the agency saw on the day it saw them, and the errors it made."""

from __future__ import annotations

import numpy as np
import polars as pl

from mpi.synth.corruption import (
    _corrupt_address,
    _corrupt_contact,
    _corrupt_dob,
    _corrupt_names,
    _corrupt_sasid,
    _corrupt_sex,
    _corrupt_ssn,
)
from mpi.synth.draws import Floats, Ints, _chance
from mpi.synth.population import _Population
from mpi.synth.rates import (
    _AS_OF_DAYS,
    _YEAR_DAYS,
    HISTORIC_RECORD_YEARS,
    NOISE,
    REPEAT_RECORDS,
    SHARES,
    Noise,
)
from mpi.synth.tables import _Tables


def _years(rng: np.random.Generator, low: float, high: float | Floats, n: int) -> Ints:
    return np.floor(rng.uniform(low, high, n) * _YEAR_DAYS).astype(np.int64)


def _event_days(source: str, dob: Ints, age: Ints, rng: np.random.Generator) -> Ints:
    """The date an agency last saw the person: drives the era of surname, address and attributes."""
    n = dob.size
    if source == "ece":
        event = dob + _years(rng, 2.5, 4.8, n)
    elif source == "k12":
        left_early = rng.random(n)
        last_year = np.where(left_early < 0.06, rng.uniform(15, 17.5, n), rng.uniform(17.3, 18.3, n))
        last_year = np.where(left_early > 0.9, rng.uniform(6, 15, n), last_year)
        event = dob + np.floor(last_year * _YEAR_DAYS).astype(np.int64)
    elif source == "college":
        typical = dob + _years(rng, 18, 24, n)
        adult = dob + _years(rng, 18, np.maximum(age, 19) + 0.9, n)
        event = np.where(rng.random(n) < 0.7, typical, adult)
    elif source == "wages":
        recent = _AS_OF_DAYS - rng.integers(60, 60 + 550, n)
        older = dob + _years(rng, 16, np.maximum(age, 17) + 0.9, n)
        event = np.where(rng.random(n) < 0.85, recent, np.maximum(older, _AS_OF_DAYS - 14 * 365))
    elif source == "licensing":
        event = dob + _years(rng, 22, np.maximum(age, 23) + 0.9, n)
    else:
        # An application within the last eight years, drawn over the person's lifetime so far.
        lifetime = np.minimum(_AS_OF_DAYS - dob, 8 * _YEAR_DAYS)
        event = _AS_OF_DAYS - np.floor(rng.uniform(0, 1, n) * lifetime).astype(np.int64)
    clipped: Ints = np.clip(event, dob + 1, _AS_OF_DAYS - 1).astype(np.int64)
    return clipped


def _exact_age(dob: pl.Expr, on: pl.Expr) -> pl.Expr:
    birthday_passed = (on.dt.month() * 100 + on.dt.day()) >= (dob.dt.month() * 100 + dob.dt.day())
    return (on.dt.year() - dob.dt.year() - (~birthday_passed).cast(pl.Int32)).cast(pl.Int32)


_FIRST_RECORD, _REPEAT_RECORD, _DUPLICATE_RECORD = 0, 1, 2


def _source_records(
    source: str, population: _Population, tables: _Tables, rng: np.random.Generator
) -> pl.DataFrame:
    """Canonical values as this agency recorded them, one row per record, errors applied."""
    people = population.people
    noise = NOISE[source]
    member = np.flatnonzero(people[f"in_{source}"].to_numpy())
    repeated = member[_chance(rng, member.size, REPEAT_RECORDS[source])]
    duplicated = member[_chance(rng, member.size, noise.duplicate)]
    rows = np.concatenate([member, repeated, duplicated])
    kind = np.repeat(
        np.array([_FIRST_RECORD, _REPEAT_RECORD, _DUPLICATE_RECORD]),
        [member.size, repeated.size, duplicated.size],
    )
    order = rng.permutation(rows.size)
    rows, kind = rows[order], kind[order]
    person = people[rows]
    dob_days = person["dob"].cast(pl.Int32).to_numpy().astype(np.int64)
    event = _event_days(source, dob_days, person["age"].to_numpy().astype(np.int64), rng)
    records = _as_recorded(person, event, population.addresses, noise, rng)
    care = np.array(SHARES.care_levels)[
        rng.choice(len(SHARES.care_levels), size=rows.size, p=SHARES.care_shares)
    ]
    records = records.with_columns(
        duplicate=pl.Series(kind == _DUPLICATE_RECORD),
        second_record=pl.Series(kind != _FIRST_RECORD),
        care=pl.Series(care),
    )
    records = _corrupt_names(records, noise, rng)
    records = _corrupt_dob(records, noise, rng)
    records = _corrupt_sex(records, noise, rng)
    records = _corrupt_ssn(records, noise, rng, people["ssn"], always_borrow=source == "wages")
    records = _corrupt_sasid(records, noise, rng, reissue_duplicates=source == "k12")
    records = _corrupt_address(records, noise, rng)
    return _corrupt_contact(records, noise, rng)


def _as_recorded(
    person: pl.DataFrame, event_days: Ints, addresses: pl.DataFrame, noise: Noise, rng: np.random.Generator
) -> pl.DataFrame:
    """The person as the agency saw them on the event date: that era's surname, address and phone."""
    n = person.height
    event = pl.Series("event", event_days.astype(np.int32)).cast(pl.Date)
    age_at_event = person.select(_exact_age(pl.col("dob"), pl.lit(event))).to_series().to_numpy()
    change_age = person["name_change_age"].fill_nan(None).fill_null(1e9).to_numpy()
    use_current = (age_at_event >= change_age) & ~_chance(rng, n, noise.maiden_name)
    by_middle = person["goes_by_middle"].to_numpy() & _chance(rng, n, noise.goes_by_middle)
    nickname_rate = np.where(
        person["goes_by_nickname"].to_numpy(), min(1.0, 4 * noise.nickname), noise.nickname
    )
    use_nickname = person["nickname"].is_not_null().to_numpy() & (rng.random(n) < nickname_rate) & ~by_middle
    historic = (_AS_OF_DAYS - event_days) > HISTORIC_RECORD_YEARS * 365
    previous_rate = np.where(historic, SHARES.historic_address_previous, noise.address_previous)
    use_previous = rng.random(n) < previous_rate
    address_row = np.where(
        use_previous, person["address_previous"].to_numpy(), person["address_current"].to_numpy()
    )
    old_phone = _chance(rng, n, noise.phone_previous) & person["phone_previous"].is_not_null().to_numpy()
    records = person.select(
        "person_id",
        "household",
        "dob",
        "age",
        "family_ssn",
        "email",
        first=pl.when(pl.Series(by_middle))
        .then(pl.col("middle"))
        .when(pl.Series(use_nickname))
        .then(pl.col("nickname"))
        .otherwise(pl.col("first")),
        middle=pl.when(pl.Series(by_middle)).then(None).otherwise(pl.col("middle")),
        last=pl.when(pl.Series(use_current)).then(pl.col("last_current")).otherwise(pl.col("last_birth")),
        suffix=pl.col("suffix"),
        sex=pl.when(pl.col("male")).then(pl.lit("M")).otherwise(pl.lit("F")),
        ssn=pl.col("ssn").cast(pl.String).str.zfill(9),
        sasid=pl.col("sasid").cast(pl.String).str.zfill(10),
        phone=pl.when(pl.Series(old_phone)).then(pl.col("phone_previous")).otherwise(pl.col("phone")),
    )
    return pl.concat(
        [records.with_columns(event=event, age_at_event=pl.Series(age_at_event)), addresses[address_row]],
        how="horizontal",
    )
