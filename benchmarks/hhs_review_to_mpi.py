"""A state's health and human services records, generated apart from `mpi synth`, as an mpi project.

A second synthetic generator for reviewing mpi on data it was not developed on. It shares no code and
no name list with `mpi synth`: names are Faker's (en_US and es_MX, drawn by Faker's own frequency
weights, so common names have namesakes), keyboard and OCR errors and nicknames are pseudopeople's
tables. What it holds that makes person matching hard:

- households: couples, children, three generations at one address, so relatives share a surname, an
  address and a phone; twins share a date of birth; a son named for his father (JR, the father SR on
  some records) shares his whole name;
- married names: a wife takes her husband's surname, hyphenates it, or keeps her own, and the DMV may
  still hold the name she had; Hispanic households write two surnames and records drop or hyphenate
  the second;
- moves (the DMV and a re-enrolment hold a newer address), re-enrolments under a new member id
  (duplicates within a source), a parent's SSN on a child's record, SSNs missing or mistyped, dates
  with day and month swapped, a digit wrong or the year off by one, nicknames, typos, first and last
  names swapped, sex missing or wrong.

Sources, each in its own layout: Medicaid (CSV, MM/DD/YYYY, SSN with dashes, phone "(860) 555-1234"),
SNAP (pipe-delimited, "LAST, FIRST MIDDLE" names, YYYYMMDD, phone as ten digits), child welfare (children
and their mothers, "FIRST MIDDLE LAST SUFFIX" names, no SSN, a contact phone: a child's is the
household's line or a parent's cell), birth certificates (one record per child born here, no SSN) and
the DMV (16 and older, the SSN's last four digits only, no phone).

Phones: a cell for most persons 16 and older, a landline for some households, else a parent's cell;
some changed number (more often those who moved), so older records hold the old one; missing or
mistyped on some records. Three in ten children's child welfare records give the caseworker's area
office instead (six numbers, each on the records of many unrelated children). They are drawn from
random streams of their own, so every other field is the same as before phones were added (the
plain-Splink baseline, which reads no phone, is unchanged).

Writes, into --out: one file per source, truth.csv (source, record_id, person_id) and mpi.toml.

Example:
    python benchmarks/hhs_review_to_mpi.py --persons 20000 --seed 1 --out /tmp/hhs_review
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import importlib.resources
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl
import yaml
from faker import Faker
from febrl_to_mpi import write_project

from mpi.toml_values import toml_value

AS_OF = dt.date(2025, 6, 30)
MAX_NOISE_PROBABILITY = 0.5
HISPANIC_SHARE = 0.25
TWIN_SHARE = 0.03  # of births
NAMESAKE_SON_SHARE = 0.10  # of first sons: the father's first and middle names, and JR


@dataclass(kw_only=True)
class Person:
    person_id: str
    first: str
    middle: str
    surnames: list[str]  # one, or a Hispanic paternal and maternal pair
    maiden: list[str] | None  # a married woman's own surnames, where she took another
    sex: str
    dob: dt.date
    ssn: str | None
    suffix: str = ""
    address: Address
    new_address: Address | None = None  # moved: only newer records hold it
    phone: str | None = None  # the number to reach them on: own cell, the household's line, a parent's cell
    old_phone: str | None = None  # changed number: only older records hold this one
    household: list[Person] = field(default_factory=list, repr=False)


@dataclass(frozen=True, kw_only=True)
class Address:
    number: int
    street: str
    unit: str
    town: str
    zip: str


class PopulationMaker:
    """Households of persons, with the names and numbers records are made from."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.fakers = {"en": Faker("en_US"), "es": Faker("es_MX")}
        for i, faker in enumerate(self.fakers.values()):
            faker.seed_instance(seed * 10 + i)
        towns = [self.fakers["en"].unique.city().upper() for _ in range(60)]
        weights = 1.0 / np.arange(1, len(towns) + 1)  # a few large towns, many small ones
        self.towns = [(t, f"06{i * 7 % 1000:03d}") for i, t in enumerate(towns)]
        self.town_weights = weights / weights.sum()
        self.streets = [self.fakers["en"].street_name().upper() for _ in range(1500)]
        self.used_ssns: set[str] = set()
        self.persons: list[Person] = []

    def make(self, target: int) -> list[Person]:
        while len(self.persons) < target:
            self.household()
        return self.persons

    def address(self) -> Address:
        town, zip_code = self.towns[self.rng.choice(len(self.towns), p=self.town_weights)]
        unit = (
            f"APT {self.rng.integers(1, 40)}{'ABCD'[self.rng.integers(4)]}" if self.rng.random() < 0.3 else ""
        )
        street = self.streets[self.rng.integers(len(self.streets))]
        return Address(
            number=int(self.rng.integers(1, 2500)), street=street, unit=unit, town=town, zip=zip_code
        )

    def ssn(self) -> str:
        while True:
            area, group, serial = (
                self.rng.integers(1, 900),
                self.rng.integers(1, 100),
                self.rng.integers(1, 10000),
            )
            number = f"{area:03d}{group:02d}{serial:04d}"
            if area != 666 and number not in self.used_ssns:
                self.used_ssns.add(number)
                return number

    def given(self, culture: str, sex: str) -> str:
        faker = self.fakers[culture]
        name = faker.first_name_male() if sex == "M" else faker.first_name_female()
        return strip_accents(name).upper()

    def surname(self, culture: str) -> str:
        return strip_accents(self.fakers[culture].last_name()).upper()

    def person(
        self, *, culture: str, sex: str, dob: dt.date, surnames: list[str], address: Address
    ) -> Person:
        pid = f"H{len(self.persons) + 1:07d}"
        middle = self.given(culture, sex) if self.rng.random() < 0.85 else ""
        person = Person(
            person_id=pid,
            first=self.given(culture, sex),
            middle=middle,
            surnames=surnames,
            maiden=None,
            sex=sex,
            dob=dob,
            ssn=None if years_old(dob) < 1 and self.rng.random() < 0.4 else self.ssn(),
            address=address,
        )
        if self.rng.random() < 0.15:
            person.new_address = self.address()
        self.persons.append(person)
        return person

    def birth_date(self, oldest: int, youngest: int) -> dt.date:
        days = int(self.rng.integers(youngest * 365, oldest * 365 + 1))
        return AS_OF - dt.timedelta(days=days)

    def household(self) -> None:
        rng = self.rng
        culture = "es" if rng.random() < HISPANIC_SHARE else "en"
        home = self.address()
        kind = rng.choice(["single", "couple", "family", "single_parent", "three_generations"],
                          p=[0.25, 0.18, 0.37, 0.15, 0.05])  # fmt: skip
        father_surnames = [self.surname(culture)] + ([self.surname(culture)] if culture == "es" else [])
        mother_own = [self.surname(culture)] + ([self.surname(culture)] if culture == "es" else [])
        members: list[Person] = []
        if kind == "single":
            sex = "M" if rng.random() < 0.5 else "F"
            own = father_surnames if sex == "M" else mother_own
            members.append(
                self.person(culture=culture, sex=sex, dob=self.birth_date(85, 19), surnames=own, address=home)
            )
        else:
            self.parents_and_children(members, kind, culture, father_surnames, mother_own, home)
        self.link(members)

    def parents_and_children(
        self, members: list[Person], kind: str, culture: str, father_surnames: list[str],
        mother_own: list[str], home: Address,
    ) -> None:  # fmt: skip
        rng = self.rng
        father = None
        if kind != "single_parent" or rng.random() < 0.2:
            father = self.person(culture=culture, sex="M", dob=self.birth_date(75, 21), surnames=father_surnames, address=home)  # fmt: skip
            members.append(father)
        mother_dob = self.birth_date(70, 19) if father is None else clamp_age(father.dob, rng, 8)
        mother = self.person(culture=culture, sex="F", dob=mother_dob, surnames=mother_own, address=home)
        members.append(mother)
        if father is not None and culture == "en":
            choice = rng.random()
            if choice < 0.65:
                mother.maiden, mother.surnames = mother.surnames, list(father_surnames)
            elif choice < 0.75:
                mother.maiden, mother.surnames = mother.surnames, [f"{mother_own[0]}-{father_surnames[0]}"]
        if kind in ("family", "single_parent", "three_generations"):
            child_surnames = (
                [father_surnames[0], mother_own[0]] if culture == "es"
                else list(father_surnames if father is not None else mother.surnames)
            )  # fmt: skip
            self.children(members, father, mother, culture, child_surnames, home)
        if kind == "three_generations":
            grandmother = self.person(culture=culture, sex="F", dob=clamp_age(mother.dob, rng, 5, -27),
                                      surnames=[self.surname(culture)], address=home)  # fmt: skip
            members.append(grandmother)

    def children(
        self, members: list[Person], father: Person | None, mother: Person, culture: str,
        surnames: list[str], home: Address,
    ) -> None:  # fmt: skip
        rng = self.rng
        first_son = True
        for _ in range(int(rng.choice([1, 2, 3, 4], p=[0.35, 0.4, 0.18, 0.07]))):
            age = int(rng.integers(0, max(1, min(20, years_old(mother.dob) - 17))))
            dob = AS_OF - dt.timedelta(days=age * 365 + int(rng.integers(0, 365)))
            births = 2 if rng.random() < TWIN_SHARE else 1
            for _twin in range(births):
                sex = "M" if rng.random() < 0.51 else "F"
                child = self.person(culture=culture, sex=sex, dob=dob, surnames=list(surnames), address=home)
                child.new_address = None
                if sex == "M" and first_son and father is not None and rng.random() < NAMESAKE_SON_SHARE:
                    child.first, child.middle, child.suffix = father.first, father.middle, "JR"
                    father.suffix = "SR"
                if sex == "M":
                    first_son = False
                members.append(child)

    def link(self, members: list[Person]) -> None:
        for member in members:
            member.household = members


AREA_CODES = ("860", "203", "475", "959")
CELL_SHARE = 0.85  # of persons 16 and older
LANDLINE_SHARE = 0.3  # of households
CHANGED_NUMBER = 0.1  # a new number since the older records
CHANGED_NUMBER_MOVED = 0.4  # the same, for persons who moved (a landline stays behind)
# A child's child welfare record gives the caseworker's area office as its contact number this often:
# one number on many unrelated children's records.
OFFICE_PHONE_SHARE = 0.3
AREA_OFFICES = 6


def phone_number(rng: np.random.Generator) -> str:
    return f"{AREA_CODES[rng.integers(len(AREA_CODES))]}{rng.integers(2, 10)}{rng.integers(0, 1_000_000):06d}"


def assign_phones(persons: list[Person], rng: np.random.Generator) -> None:
    """Each person's contact number: own cell (16 and older), else the household's landline, else a parent's cell.

    A random stream of its own, so that every other field is drawn as before phones were added.
    """
    households = {id(p.household): p.household for p in persons}
    for household in households.values():
        landline = phone_number(rng) if rng.random() < LANDLINE_SHARE else None
        cells = {
            id(m): phone_number(rng)
            for m in household
            if years_old(m.dob) >= 16 and rng.random() < CELL_SHARE
        }
        parents = sorted((m for m in household if years_old(m.dob) >= 18), key=lambda m: m.sex != "F")
        parent_cell = next((cells[id(m)] for m in parents if id(m) in cells), None)
        for member in household:
            member.phone = cells.get(id(member)) or landline or parent_cell
            changed = CHANGED_NUMBER_MOVED if member.new_address is not None else CHANGED_NUMBER
            if member.phone is not None and rng.random() < changed:
                member.old_phone = phone_number(rng)


def clamp_age(partner: dt.date, rng: np.random.Generator, spread: int, offset: int = 0) -> dt.date:
    """A birth date ``offset`` years (plus or minus ``spread``; negative: before) after ``partner``'s, not after 19 years ago."""
    shift = offset * 365 + int(rng.integers(-spread * 365, spread * 365 + 1))
    return min(partner + dt.timedelta(days=shift), AS_OF - dt.timedelta(days=19 * 365))


def strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


class Noise:
    """Errors records are written with, from pseudopeople's tables (keyboard, OCR, nicknames)."""

    def __init__(
        self,
        rng: np.random.Generator,
        scale: float,
        *,
        phone_rng: np.random.Generator,
        office_rng: np.random.Generator,
    ) -> None:
        self.rng = rng
        # Phones' errors from a stream of their own: every other field is written as before phones were added.
        self.phone_rng = phone_rng
        # Area offices' numbers and which child records give one, from a stream of their own too.
        self.office_rng = office_rng
        self.office_phones = [phone_number(self.office_rng) for _ in range(AREA_OFFICES)]
        self.scale = scale
        data = importlib.resources.files("pseudopeople") / "data"
        self.keyboard: dict[str, list[str]] = yaml.safe_load((data / "qwerty_errors.yaml").read_text())
        self.ocr: dict[str, list[str]] = {}
        for line in (data / "ocr_errors.csv").read_text().splitlines():
            if line and not line.startswith("#"):
                real, misread = line.split(",", 1)
                self.ocr.setdefault(real.upper(), []).append(misread.upper())
        self.nicknames: dict[str, list[str]] = {}
        with (data / "nicknames.csv").open() as f:
            for row in csv.reader(f):
                if row[0] != "name":
                    self.nicknames[row[0].upper()] = [n.strip().upper() for n in row[1:] if n.strip()]

    def chance(self, p: float) -> bool:
        """True with probability ``p`` times the noise scale (at most one half)."""
        return bool(self.rng.random() < min(MAX_NOISE_PROBABILITY, p * self.scale))

    def typo(self, text: str) -> str:
        if len(text) < 3:
            return text
        i = int(self.rng.integers(1, len(text)))
        kind = self.rng.random()
        if kind < 0.4 and text[i].lower() in self.keyboard:
            options = self.keyboard[text[i].lower()]
            return text[:i] + options[self.rng.integers(len(options))].upper() + text[i + 1 :]
        if kind < 0.6 and i < len(text) - 1:
            return text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        if kind < 0.8:
            return text[:i] + text[i + 1 :]
        if text[i] in self.ocr:
            options = self.ocr[text[i]]
            return text[:i] + options[self.rng.integers(len(options))] + text[i + 1 :]
        return text[:i] + text[i] + text[i:]

    def first_name(self, name: str) -> str:
        if name in self.nicknames and self.chance(0.07):
            options = self.nicknames[name]
            return options[self.rng.integers(len(options))]
        return self.typo(name) if self.chance(0.04) else name

    def date(self, d: dt.date) -> dt.date | None:
        if self.chance(0.02):
            return None
        if self.chance(0.015) and d.day <= 12:
            return d.replace(month=d.day, day=d.month)
        if self.chance(0.015):
            return d.replace(day=(d.day + int(self.rng.integers(1, 9))) % 28 + 1)
        if self.chance(0.01):
            return d.replace(year=d.year + int(self.rng.choice([-1, 1])), day=min(d.day, 28))
        return d

    def ssn(self, person: Person) -> str | None:
        if person.ssn is None or self.chance(0.08):
            return None
        if self.chance(0.02):
            i = int(self.rng.integers(9))
            return person.ssn[:i] + str(self.rng.integers(10)) + person.ssn[i + 1 :]
        if self.chance(0.01):
            i = int(self.rng.integers(8))
            return person.ssn[:i] + person.ssn[i + 1] + person.ssn[i] + person.ssn[i + 2 :]
        adults = [m for m in person.household if m is not person and m.ssn and (m.dob < person.dob)]
        if adults and years_old(person.dob) < 18 and self.chance(0.01):
            return adults[0].ssn  # a parent's number on the child's record
        return person.ssn

    def phone(self, person: Person, *, newer: bool) -> str:
        """The number a record gives, as ten digits: missing, mistyped, or an older one on older records."""
        number = person.old_phone if person.old_phone and not newer else person.phone
        rng = self.phone_rng
        if number is None or rng.random() < min(MAX_NOISE_PROBABILITY, 0.1 * self.scale):
            return ""
        if rng.random() < min(MAX_NOISE_PROBABILITY, 0.01 * self.scale):
            i = int(rng.integers(10))
            return number[:i] + str(rng.integers(10)) + number[i + 1 :]
        if rng.random() < min(MAX_NOISE_PROBABILITY, 0.005 * self.scale):
            i = int(rng.integers(9))
            return number[:i] + number[i + 1] + number[i] + number[i + 2 :]
        return number

    def sex(self, sex: str) -> str:
        if self.chance(0.03):
            return "U"
        return {"M": "F", "F": "M"}[sex] if self.chance(0.01) else sex

    def surname(self, person: Person, *, old_name_chance: float = 0.0) -> str:
        surnames = person.maiden if person.maiden and self.chance(old_name_chance) else person.surnames
        if len(surnames) == 2:
            kind = self.rng.random()
            text = (
                surnames[0]
                if kind < 0.4
                else (f"{surnames[0]}-{surnames[1]}" if kind < 0.55 else " ".join(surnames))
            )
        else:
            text = surnames[0]
        return self.typo(text) if self.chance(0.04) else text

    def town(self, address: Address) -> str:
        return self.typo(address.town) if self.chance(0.02) else address.town

    def street(self, address: Address) -> str:
        words = {"STREET": "ST", "AVENUE": "AVE", "ROAD": "RD", "DRIVE": "DR", "LANE": "LN", "COURT": "CT"}
        street = address.street
        if self.chance(0.5):
            street = " ".join(words.get(w, w) for w in street.split())
        if self.chance(0.03):
            street = self.typo(street)
        unit = f" {address.unit}" if address.unit and self.chance(0.8) else ""
        return f"{address.number} {street}{unit}"


@dataclass(frozen=True, kw_only=True)
class Written:
    """The name parts a record writes, after noise."""

    first: str
    middle: str
    last: str
    suffix: str


def written_name(person: Person, noise: Noise, *, old_name_chance: float = 0.0) -> Written:
    first, last = noise.first_name(person.first), noise.surname(person, old_name_chance=old_name_chance)
    if noise.chance(0.01):
        first, last = last, first
    middle = person.middle
    kind = noise.rng.random()
    middle = "" if kind < 0.3 else (middle[:1] if kind < 0.6 else middle)
    suffix = person.suffix if noise.chance(0.6) else ""
    return Written(first=first, middle=middle, last=last, suffix=suffix)


def address_of(person: Person, newer: bool) -> Address:
    return person.new_address if newer and person.new_address is not None else person.address


def phone_text(digits: str, layout: str) -> str:
    """Ten digits laid out as ``layout`` places area code, exchange and line ("({}) {}-{}": "(860) 555-1234")."""
    return layout.format(digits[:3], digits[3:6], digits[6:]) if len(digits) == 10 else digits


def date_text(d: dt.date | None, fmt: str) -> str:
    return "" if d is None else d.strftime(fmt)


Row = dict[str, str]
RecordMaker = Callable[[Person, Noise, int], Row]


def medicaid_row(person: Person, noise: Noise, copy: int) -> Row:
    name = written_name(person, noise)
    home = address_of(person, newer=copy > 0)
    ssn = noise.ssn(person)
    return {
        "LAST_NAME": name.last, "FIRST_NAME": name.first, "MI": name.middle[:1],
        "DOB": date_text(noise.date(person.dob), "%m/%d/%Y"), "GENDER": noise.sex(person.sex),
        "SSN": "" if ssn is None else f"{ssn[:3]}-{ssn[3:5]}-{ssn[5:]}",
        "ADDR1": noise.street(home), "CITY": noise.town(home), "ZIP": home.zip,
        "PHONE": phone_text(noise.phone(person, newer=copy > 0), "({}) {}-{}"),
    }  # fmt: skip


def snap_row(person: Person, noise: Noise, copy: int) -> Row:
    name = written_name(person, noise)
    home = address_of(person, newer=copy > 0)
    ssn = noise.ssn(person)
    full = f"{name.last}, {name.first} {name.middle} {name.suffix}"
    return {
        "CLIENT_NAME": " ".join(full.split()), "BIRTH_DT": date_text(noise.date(person.dob), "%Y%m%d"),
        "SSN": ssn or "", "STREET": noise.street(home), "TOWN": noise.town(home), "ZIP5": home.zip,
        "PHONE_NO": noise.phone(person, newer=copy > 0),
    }  # fmt: skip


def dcf_row(person: Person, noise: Noise, copy: int) -> Row:
    name = written_name(person, noise)
    home = person.address
    full = f"{name.first} {name.middle} {name.last} {name.suffix}"
    phone = noise.phone(person, newer=False)
    if years_old(person.dob) < 18 and noise.office_rng.random() < OFFICE_PHONE_SHARE:
        phone = noise.office_phones[sum(map(ord, home.town)) % len(noise.office_phones)]
    return {
        "NAME": " ".join(full.split()), "DOB": date_text(noise.date(person.dob), "%Y-%m-%d"),
        "SEX": noise.sex(person.sex), "ADDRESS": noise.street(home), "TOWN": noise.town(home),
        "CONTACT_PHONE": phone_text(phone, "{}-{}-{}"),
    }  # fmt: skip


def birth_row(person: Person, noise: Noise, copy: int) -> Row:
    # Written at birth: the right date, the family's address then, no SSN yet.
    home = person.household[0].address
    return {
        "CHILD_FIRST": person.first, "CHILD_MIDDLE": person.middle, "CHILD_LAST": " ".join(person.surnames),
        "SUFFIX": person.suffix, "BIRTH_DATE": person.dob.strftime("%Y-%m-%d"), "SEX": person.sex,
        "RESIDENCE_TOWN": home.town, "RESIDENCE_ZIP": home.zip,
    }  # fmt: skip


def dmv_row(person: Person, noise: Noise, copy: int) -> Row:
    name = written_name(person, noise, old_name_chance=0.3)
    home = address_of(person, newer=True)
    ssn = noise.ssn(person)
    return {
        "LAST": name.last, "FIRST": name.first, "MIDDLE": name.middle, "SFX": name.suffix,
        "DOB": date_text(noise.date(person.dob), "%m/%d/%Y"), "SEX": noise.sex(person.sex),
        "SSN4": "" if ssn is None else ssn[-4:], "STREET_ADDRESS": noise.street(home), "CITY": noise.town(home), "ZIP": home.zip,
    }  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class Source:
    name: str
    file: str
    delimiter: str
    id_prefix: str
    make_row: RecordMaker
    household_share: float  # households with any member here
    takes: Callable[[Person], bool]
    reenrol: float  # chance of a second record of a person (a new id)
    columns_toml: str
    extra_toml: str = ""


def years_old(dob: dt.date) -> int:
    return (AS_OF - dob).days // 365


SOURCES = (
    Source(
        name="medicaid", file="medicaid_members.csv", delimiter=",", id_prefix="MA", make_row=medicaid_row,
        household_share=0.45, takes=lambda p: True, reenrol=0.2,
        columns_toml=(
            'first_name = "FIRST_NAME"\nmiddle_name = "MI"\nlast_name = "LAST_NAME"\n'
            'dob = { column = "DOB", date_format = "%m/%d/%Y" }\n'
            'sex = { column = "GENDER", codes = { M = "M", F = "F", U = "U" } }\n'
            'ssn = "SSN"\naddress = "ADDR1"\ncity = "CITY"\nzip = { column = "ZIP", pad = 5 }\nphone = "PHONE"\n'
        ),
    ),
    Source(
        name="snap", file="snap_clients.txt", delimiter="|", id_prefix="SN", make_row=snap_row,
        household_share=0.3, takes=lambda p: True, reenrol=0.1,
        columns_toml=(
            'full_name = { column = "CLIENT_NAME", format = "LAST, FIRST MIDDLE SUFFIX" }\n'
            'dob = { column = "BIRTH_DT", date_format = "%Y%m%d" }\n'
            'ssn = { column = "SSN", pad = 9 }\naddress = "STREET"\ncity = "TOWN"\nzip = { column = "ZIP5", pad = 5 }\n'
            'phone = "PHONE_NO"\n'
        ),
    ),
    Source(
        name="dcf", file="dcf_persons.csv", delimiter=",", id_prefix="CW", make_row=dcf_row,
        household_share=0.08, takes=lambda p: years_old(p.dob) < 18 or (p.sex == "F" and any(years_old(m.dob) < 18 for m in p.household)),
        reenrol=0.05,
        columns_toml=(
            'full_name = { column = "NAME", format = "FIRST MIDDLE LAST SUFFIX" }\n'
            'dob = { column = "DOB", date_format = "%Y-%m-%d" }\n'
            'sex = { column = "SEX", codes = { M = "M", F = "F", U = "U" } }\naddress = "ADDRESS"\ncity = "TOWN"\n'
            'phone = "CONTACT_PHONE"\n'
        ),
    ),
    Source(
        name="births", file="birth_certificates.csv", delimiter=",", id_prefix="BC", make_row=birth_row,
        household_share=0.7, takes=lambda p: years_old(p.dob) < 30 and p.household[0] is not p, reenrol=0.0,
        columns_toml=(
            'first_name = "CHILD_FIRST"\nmiddle_name = "CHILD_MIDDLE"\nlast_name = "CHILD_LAST"\nsuffix = "SUFFIX"\n'
            'dob = "BIRTH_DATE"\nsex = { column = "SEX", codes = { M = "M", F = "F" } }\n'
            'city = "RESIDENCE_TOWN"\nzip = { column = "RESIDENCE_ZIP", pad = 5 }\n'
        ),
        extra_toml="one_record_per_person = true\n",
    ),
    Source(
        name="dmv", file="dmv_licenses.csv", delimiter=",", id_prefix="DL", make_row=dmv_row,
        household_share=0.6, takes=lambda p: years_old(p.dob) >= 16, reenrol=0.0,
        columns_toml=(
            'first_name = "FIRST"\nmiddle_name = "MIDDLE"\nlast_name = "LAST"\nsuffix = "SFX"\n'
            'dob = { column = "DOB", date_format = "%m/%d/%Y" }\n'
            'sex = { column = "SEX", codes = { M = "M", F = "F", U = "U" } }\n'
            'ssn_last4 = "SSN4"\naddress = "STREET_ADDRESS"\ncity = "CITY"\nzip = { column = "ZIP", pad = 5 }\n'
        ),
    ),
)  # fmt: skip


def write_source(source: Source, persons: list[Person], noise: Noise, out: Path) -> pl.DataFrame:
    """The source's file in ``out``; returns its truth rows."""
    rng = noise.rng
    households = {id(p.household): p.household for p in persons}
    chosen = [h for h in households.values() if rng.random() < source.household_share]
    rows: list[Row] = []
    truth: list[tuple[str, str, str]] = []
    ids = rng.permutation(len(persons) * 3)[: len(persons) * 2]
    for household in chosen:
        for person in household:
            if not source.takes(person):
                continue
            for copy in range(2 if rng.random() < source.reenrol else 1):
                record_id = f"{source.id_prefix}{ids[len(rows)]:07d}"
                rows.append({"RECORD_ID": record_id, **source.make_row(person, noise, copy)})
                truth.append((source.name, record_id, person.person_id))
    order = rng.permutation(len(rows))
    frame = pl.DataFrame([rows[i] for i in order])
    frame.write_csv(out / source.file, separator=source.delimiter)
    print(f"{source.name}: {frame.height} records -> {out / source.file}")
    return pl.DataFrame(truth, schema=["source", "record_id", "person_id"], orient="row")


def source_table(source: Source) -> str:
    return (
        f"[sources.{source.name}]\npath = {toml_value(source.file)}\ndelimiter = {toml_value(source.delimiter)}\n"
        f'record_id = "RECORD_ID"\n{source.extra_toml}\n[sources.{source.name}.columns]\n{source.columns_toml}'
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--persons", type=int, default=20_000, help="population size (default 20,000)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--noise-scale", type=float, default=1.0, help="multiplies every error rate (default 1)"
    )
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    maker = PopulationMaker(args.seed)
    persons = maker.make(args.persons)
    assign_phones(persons, np.random.default_rng(args.seed + 2))
    noise = Noise(
        np.random.default_rng(args.seed + 1),
        args.noise_scale,
        phone_rng=np.random.default_rng(args.seed + 3),
        office_rng=np.random.default_rng(args.seed + 4),
    )
    truth = pl.concat([write_source(s, persons, noise, args.out) for s in SOURCES])
    write_project(
        args.out,
        "hhs-review",
        [source_table(s) for s in SOURCES],
        truth,
        generated_by="benchmarks/hhs_review_to_mpi.py",
    )


if __name__ == "__main__":
    main()
