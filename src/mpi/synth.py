"""Synthetic multi-agency population with ground truth, modelled on a state P-20W data system.

`generate_population` draws a population of households, then writes what six agencies
would hold about those people, each in its own layout, id scheme, date format and code
set, with the errors such files really carry; `truth.csv` says which person every record
belongs to and `mpi.toml` maps every file onto the canonical schema.

Sources
-------

| source | agency | file | layout |
|---|---|---|---|
| `ece` | early childhood programs | `ece_enrollment.csv` | latin-1 CSV, Title Case with accents (José, Peña), `M/D/YYYY` dates, Male/Female, one-line address, guardian phone, SASID for public pre-K only; no SSN |
| `k12` | K-12 education | `k12_students.txt` | pipe-delimited, UPPER CASE, `YYYYMMDD`, sex 1/2, suffix column, ZIP that lost its leading zero (pad 5), SASID; no SSN |
| `college` | public colleges | `college_enrollment.parquet` | Parquet, whole name `LAST, FIRST MIDDLE SUFFIX`, ISO dates, M/F/U, SSN `123-45-6789`, SASID as a number that lost its leading zeros (pad 10), email, phone `(860) 555-1234` |
| `wages` | UI wage records | `ui_wages.csv` | CSV, SSN as a number that lost its leading zeros (pad 9), names truncated to 15/12 characters, middle initial only, suffix (when kept) inside the last name; no date of birth, no sex, no address |
| `licensing` | professional licensing | `professional_licenses.tsv` | tab-delimited, `DD-MON-YYYY` dates, SSN without dashes, address in parts (number / street / unit), ZIP+4, email; no sex |
| `hhs` | human services eligibility | `hhs_clients.csv` | CSV, whole name `FIRST MIDDLE LAST SUFFIX`, AGE at an application date instead of a date of birth, SSN with and without dashes, record id with leading zeros |

Who appears where depends on age at the extract date (`AS_OF`): children in early
childhood and K-12, young adults in college, adults in wages and licensing, whole
households in human services; a person in no source is put in the one their age fits
best, so every person has at least one record. Records from long ago (K-12 files of
today's adults) carry the address and surname of that time.

Population
----------

Households (single adults, couples, families, single parents) share an address;
children share a surname (father's, hyphenated, mother's, or, in Hispanic families,
father's and mother's first surnames). Names are drawn with realistic skew from Census
1990 lists and origin-specific lists (`src/mpi/data/synth/`, see `SOURCES.md` there).

| population rate | meaning | value |
|---|---|---|
| `origin_shares` | household origin: general, hispanic, asian, african, haitian, arab (name pools) | 0.64, 0.2, 0.06, 0.04, 0.04, 0.02 |
| `partner_same_origin` | partner drawn from the same origin as the head | 0.85 |
| `adopted_first_name` | people of other origins born after 1985 with a first name from the general pool | 0.45 |
| `modern_first_name` | people born after 2000 with a first name from the modern (2000s) pool | 0.6 |
| `household_shares` | households: single adult, couple, couple with children, single parent | 0.3, 0.24, 0.32, 0.14 |
| `children_pmf` | children in a family: 1, 2, 3, 4, 5 | 0.35, 0.38, 0.18, 0.07, 0.02 |
| `single_parent_mother` | single parents who are mothers | 0.85 |
| `twin` | child after the first born the same day as the previous child (twins) | 0.03 |
| `twin_similar_name` | twins given similar first names (same first three letters) | 0.3 |
| `twin_consecutive_ssn` | twins whose SSNs are consecutive numbers | 0.6 |
| `junior` | families whose first son is named after his father (JR; father SR or none) | 0.12 |
| `father_uses_sr` | fathers of a JR who themselves use SR | 0.5 |
| `suffix_jr` | other men with suffix JR (namesake father not in the population) | 0.012 |
| `suffix_iii` | other men with suffix III | 0.004 |
| `middle_name` | people with a middle name | 0.75 |
| `goes_by_middle` | people with a middle name who go by it | 0.03 |
| `goes_by_nickname` | people whose first name has nicknames who go by one | 0.25 |
| `hispanic_double_surname` | Hispanic adults with two surnames (GARCIA LOPEZ) | 0.35 |
| `hispanic_child_double_surname` | Hispanic families whose children take father's + mother's surname | 0.45 |
| `wife_takes_name` | married women who take the husband's surname (otherwise keep or hyphenate) | 0.7 |
| `wife_hyphenates` | married women who hyphenate birth-husband surnames | 0.08 |
| `hispanic_wife_keeps_name` | Hispanic married women who keep their surname | 0.55 |
| `single_mother_ex_name` | single mothers still using an ex-husband's surname | 0.45 |
| `child_hyphenated_surname` | families whose children carry father-mother hyphenated surnames | 0.05 |
| `child_mother_surname` | two-parent families whose children carry the mother's surname | 0.07 |
| `no_ssn` | people with no SSN (their wage records use a borrowed number) | 0.035 |
| `household_moved` | households with a previous address | 0.35 |
| `adult_own_previous_address` | adults whose previous address is their own (not the household's) | 0.6 |
| `adult_child_moved_out_per_year` | adult children moved out, per year of age past 18 (max 0.9) | 0.12 |
| `apartment` | addresses with a unit | 0.28 |
| `landline` | households with a landline | 0.45 |
| `cell_phone` | people 14+ with a cell phone | 0.92 |
| `previous_phone` | people with a phone who also have an older number | 0.35 |
| `email` | people 14+ with an email address | 0.85 |
| `public_prek_sasid` | early-childhood children given a SASID (public pre-K) | 0.35 |

| source | who (age at AS_OF: probability) | second record |
|---|---|---|
| `ece` | 1-11: 0.45 | 0.15 |
| `k12` | 5-37: 0.85 | 0.12 |
| `college` | 18-30: 0.45; 31-70: 0.15 | 0.2 |
| `wages` | 16-22: 0.45; 23-64: 0.75; 65-75: 0.3 | 0.4 |
| `licensing` | 22-80: 0.09 | 0.1 |
| `hhs` | whole households: 0.14 of households, each member 0.9 | 0.25 |

Corruptions
-----------

Rates are per record, unless the row says otherwise; `-` means the source does not hold
the field or the corruption does not apply. Every rate is a field of `NOISE` below; how a
corruption splits into its forms is in `SHARES` (second table). Keying errors (typos,
digit errors, swaps, placeholders, odd case and spaces) cluster: each record draws a care
factor (`SHARES.care_levels`, mean 1) that multiplies them, so the table's rates are the
averages while a sloppy record tends to carry several errors at once.

| corruption | what happens | ece | k12 | college | wages | licensing | hhs |
|---|---|---|---|---|---|---|---|
| `duplicate` | person recorded twice under two record ids, each with its own errors | 0.01 | 0.02 | 0.015 | 0.03 | 0.04 | 0.015 |
| `nickname` | first name is the person's nickname (Bill for William; `nicknames` table); 4x for people who go by it | 0.03 | 0.04 | 0.08 | 0.12 | 0.03 | 0.08 |
| `goes_by_middle` | for people who go by their middle name: middle name recorded as first name | 0.3 | 0.5 | 0.6 | 0.7 | 0.2 | 0.5 |
| `maiden_name` | woman who changed surname still recorded under her birth surname (stale record) | - | - | 0.3 | 0.12 | 0.25 | 0.06 |
| `compound_name` | compound/hyphenated/double name (GARCIA-LOPEZ, DE LA CRUZ, O'BRIEN, JEAN-PIERRE) recorded as one part, squashed or re-punctuated | 0.3 | 0.25 | 0.35 | 0.5 | 0.2 | 0.4 |
| `first_typo` | keyboard typo in first name: neighbouring key, deletion, insertion, transposition | 0.015 | 0.01 | 0.015 | 0.03 | 0.01 | 0.025 |
| `last_typo` | keyboard typo in last name | 0.012 | 0.01 | 0.012 | 0.025 | 0.008 | 0.02 |
| `spelling_variant` | phonetic respelling (PH/F, Y/I, double letters, IE/EI...) or OCR confusion (RN/M, CL/D, O/0, I/1) in first or last name | 0.015 | 0.008 | 0.01 | 0.02 | 0.005 | 0.025 |
| `first_last_swap` | first and last names swapped | 0.003 | 0.002 | 0.004 | 0.01 | 0.002 | 0.008 |
| `first_name_placeholder` | first name unknown: FNU or UNKNOWN (infants: see SHARES) | - | - | - | 0.001 | - | 0.002 |
| `middle_missing` | middle name left out | 0.25 | 0.08 | 0.3 | 0.4 | 0.1 | 0.35 |
| `middle_initial` | middle name cut to its initial | 0.2 | 0.1 | 0.3 | - | 0.2 | 0.3 |
| `suffix_missing` | generational suffix (JR, SR, III) left out | 0.5 | 0.2 | 0.4 | 0.6 | 0.15 | 0.5 |
| `accent` | name written with its accents (José, Peña) when it has them | 0.75 | - | 0.2 | - | 0.1 | 0.15 |
| `mojibake` | accented name double-encoded (JOSÃ©) - share of accented names | - | - | - | - | - | 0.4 |
| `name_case` | name in an unusual case for the source (lower, Title, UPPER) | 0.03 | 0.01 | 0.02 | 0.005 | 0.01 | 0.02 |
| `whitespace` | leading, trailing or doubled spaces in names and address | 0.02 | 0.01 | 0.01 | 0.02 | 0.01 | 0.03 |
| `dob_missing` | date of birth blank | 0.01 | 0.002 | 0.03 | - | 0.02 | - |
| `dob_day_month_swap` | day and month swapped (when day <= 12) | 0.01 | 0.004 | 0.008 | - | 0.006 | - |
| `dob_digit` | one digit of the date of birth wrong | 0.008 | 0.004 | 0.01 | - | 0.006 | - |
| `dob_year_off` | birth year off by one | 0.004 | 0.002 | 0.004 | - | 0.003 | - |
| `dob_placeholder` | date of birth 1900-01-01 | 0.003 | 0.001 | 0.004 | - | 0.005 | - |
| `dob_other_format` | date of birth typed in another format than the column's usual one | 0.02 | - | - | - | 0.01 | - |
| `age_off_by_one` | age one year off (computed at another date) | - | - | - | - | - | 0.04 |
| `sex_missing` | sex blank or unknown | 0.01 | 0.001 | 0.03 | - | - | 0.02 |
| `sex_flip` | sex miscoded | 0.004 | 0.002 | 0.004 | - | - | 0.005 |
| `ssn_missing` | SSN blank | - | - | 0.25 | 0.005 | 0.08 | 0.1 |
| `ssn_digit` | one SSN digit wrong | - | - | 0.01 | 0.012 | 0.006 | 0.015 |
| `ssn_transpose` | two adjacent SSN digits transposed | - | - | 0.004 | 0.006 | 0.003 | 0.006 |
| `ssn_family` | a family member's SSN (parent uses child's, child's record has parent's) | - | - | 0.002 | 0.004 | 0.001 | 0.008 |
| `ssn_borrowed` | another unrelated person's SSN | - | - | 0.001 | 0.006 | 0.001 | 0.003 |
| `ssn_placeholder` | placeholder SSN 000000000 / 123456789 / 999999999 / 111111111 | - | - | 0.01 | 0.004 | 0.003 | 0.02 |
| `sasid_missing` | SASID blank though the person has one | 0.1 | 0.002 | 0.3 | - | - | - |
| `sasid_digit` | one SASID digit wrong | 0.002 | 0.001 | 0.004 | - | - | - |
| `address_previous` | a recent record carries the previous address (historic records: 0.8) | 0.2 | 0.25 | 0.3 | - | 0.3 | 0.15 |
| `address_missing` | whole address blank | 0.02 | 0.005 | 0.05 | - | 0.03 | 0.03 |
| `address_typo` | keyboard typo in street name | 0.02 | 0.01 | 0.02 | - | 0.01 | 0.03 |
| `address_style` | street type and direction spelled out (STREET, NORTH) and unit written #/UNIT | 0.25 | 0.1 | 0.3 | - | 0.2 | 0.3 |
| `unit_missing` | apartment/unit left out | 0.3 | 0.2 | 0.35 | - | 0.15 | 0.25 |
| `unit_in_street` | unit written into the street field (parts layout) | - | - | - | - | 0.15 | - |
| `zip_missing` | ZIP blank | 0.02 | 0.005 | 0.04 | - | 0.01 | 0.02 |
| `zip_digit` | one ZIP digit wrong | 0.005 | 0.003 | 0.006 | - | 0.004 | 0.008 |
| `phone_missing` | phone blank | 0.1 | - | 0.2 | - | - | 0.15 |
| `phone_previous` | an older phone number | 0.2 | - | 0.3 | - | - | 0.25 |
| `email_missing` | email blank | - | - | 0.2 | - | 0.15 | - |

| share | meaning | value |
|---|---|---|
| `care_levels` | each record's care factor, multiplying its keying-error rates (typos, digit errors, swaps, placeholders, case and space noise) so that errors cluster in sloppy records | 0.5, 1.4, 6 |
| `care_shares` | share of records at each care level (mean factor 1) | 0.7, 0.25, 0.05 |
| `historic_address_previous` | records older than 3 years that carry the previous address | 0.8 |
| `duplicate_new_sasid` | K-12 duplicates issued a second SASID | 0.35 |
| `suffix_in_last_name` | sources without a suffix column: suffixes typed into the last name (SMITH JR) | 0.4 |
| `typo_kinds` | keyboard typo: neighbouring key, deletion, insertion, transposition | 0.4, 0.25, 0.2, 0.15 |
| `typo_first_letter` | keyboard typos that hit the first letter | 0.1 |
| `ocr` | spelling variants that are OCR confusions rather than phonetic | 0.25 |
| `apostrophe_forms` | O'BRIEN written OBRIEN, O BRIEN, O`BRIEN | 0.6, 0.3, 0.1 |
| `particle_forms` | DE LA CRUZ written DELACRUZ, CRUZ, DELA CRUZ, DE-LA-CRUZ, other (SAINT for ST, one hyphen) | 0.4, 0.2, 0.2, 0.1, 0.1 |
| `double_forms` | GARCIA-LOPEZ / GARCIA LOPEZ written GARCIA, LOPEZ, other separator, GARCIALOPEZ | 0.55, 0.15, 0.2, 0.1 |
| `hhs_ssn_dashed` | human services SSNs written with dashes (the rest without) | 0.55 |
| `licensing_zip_plus4` | licensing ZIPs written as ZIP+4 | 0.7 |
| `licensing_bare_unit` | licensing units written without APT/#/UNIT | 0.7 |
| `newborn_placeholder` | human services records of babies under 60 days named BABY BOY / BABY GIRL | 0.5 |
"""

from __future__ import annotations

import dataclasses
import json
import random
import re
import zlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import numpy.typing as npt
import polars as pl
from nicknames import NickNamer

from mpi.errors import MpiUserError

Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]
Floats = npt.NDArray[np.float64]
_T = TypeVar("_T")

# The extract date: ages, "current" records and the age source are as of this day.
AS_OF = date(2024, 9, 1)
_EPOCH = date(1970, 1, 1)
_AS_OF_DAYS = (AS_OF - _EPOCH).days
_YEAR_DAYS = 365.2425

SOURCES: tuple[str, ...] = ("ece", "k12", "college", "wages", "licensing", "hhs")
ORIGINS: tuple[str, ...] = ("general", "hispanic", "asian", "african", "haitian", "arab")

DATA_DIR = Path(__file__).parent / "data" / "synth"


def _doc(text: str) -> Any:
    """A dataclass field whose description feeds the docstring tables."""
    return field(metadata={"doc": text})


# --------------------------------------------------------------------------------------
# Population rates (one place; rendered into the module docstring)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class PopulationRates:
    origin_shares: tuple[float, ...] = _doc(
        "household origin: general, hispanic, asian, african, haitian, arab (name pools)"
    )
    partner_same_origin: float = _doc("partner drawn from the same origin as the head")
    adopted_first_name: float = _doc(
        "people of other origins born after 1985 with a first name from the general pool"
    )
    modern_first_name: float = _doc("people born after 2000 with a first name from the modern (2000s) pool")
    household_shares: tuple[float, ...] = _doc(
        "households: single adult, couple, couple with children, single parent"
    )
    children_pmf: tuple[float, ...] = _doc("children in a family: 1, 2, 3, 4, 5")
    single_parent_mother: float = _doc("single parents who are mothers")
    twin: float = _doc("child after the first born the same day as the previous child (twins)")
    twin_similar_name: float = _doc("twins given similar first names (same first three letters)")
    twin_consecutive_ssn: float = _doc("twins whose SSNs are consecutive numbers")
    junior: float = _doc("families whose first son is named after his father (JR; father SR or none)")
    father_uses_sr: float = _doc("fathers of a JR who themselves use SR")
    suffix_jr: float = _doc("other men with suffix JR (namesake father not in the population)")
    suffix_iii: float = _doc("other men with suffix III")
    middle_name: float = _doc("people with a middle name")
    goes_by_middle: float = _doc("people with a middle name who go by it")
    goes_by_nickname: float = _doc("people whose first name has nicknames who go by one")
    hispanic_double_surname: float = _doc("Hispanic adults with two surnames (GARCIA LOPEZ)")
    hispanic_child_double_surname: float = _doc(
        "Hispanic families whose children take father's + mother's surname"
    )
    wife_takes_name: float = _doc(
        "married women who take the husband's surname (otherwise keep or hyphenate)"
    )
    wife_hyphenates: float = _doc("married women who hyphenate birth-husband surnames")
    hispanic_wife_keeps_name: float = _doc("Hispanic married women who keep their surname")
    single_mother_ex_name: float = _doc("single mothers still using an ex-husband's surname")
    child_hyphenated_surname: float = _doc("families whose children carry father-mother hyphenated surnames")
    child_mother_surname: float = _doc("two-parent families whose children carry the mother's surname")
    no_ssn: float = _doc("people with no SSN (their wage records use a borrowed number)")
    household_moved: float = _doc("households with a previous address")
    adult_own_previous_address: float = _doc(
        "adults whose previous address is their own (not the household's)"
    )
    adult_child_moved_out_per_year: float = _doc(
        "adult children moved out, per year of age past 18 (max 0.9)"
    )
    apartment: float = _doc("addresses with a unit")
    landline: float = _doc("households with a landline")
    cell_phone: float = _doc("people 14+ with a cell phone")
    previous_phone: float = _doc("people with a phone who also have an older number")
    email: float = _doc("people 14+ with an email address")
    public_prek_sasid: float = _doc("early-childhood children given a SASID (public pre-K)")


POPULATION = PopulationRates(
    origin_shares=(0.64, 0.20, 0.06, 0.04, 0.04, 0.02),
    partner_same_origin=0.85,
    adopted_first_name=0.45,
    modern_first_name=0.6,
    household_shares=(0.30, 0.24, 0.32, 0.14),
    children_pmf=(0.35, 0.38, 0.18, 0.07, 0.02),
    single_parent_mother=0.85,
    twin=0.03,
    twin_similar_name=0.3,
    twin_consecutive_ssn=0.6,
    junior=0.12,
    father_uses_sr=0.5,
    suffix_jr=0.012,
    suffix_iii=0.004,
    middle_name=0.75,
    goes_by_middle=0.03,
    goes_by_nickname=0.25,
    hispanic_double_surname=0.35,
    hispanic_child_double_surname=0.45,
    wife_takes_name=0.70,
    wife_hyphenates=0.08,
    hispanic_wife_keeps_name=0.55,
    single_mother_ex_name=0.45,
    child_hyphenated_surname=0.05,
    child_mother_surname=0.07,
    no_ssn=0.035,
    household_moved=0.35,
    adult_own_previous_address=0.6,
    adult_child_moved_out_per_year=0.12,
    apartment=0.28,
    landline=0.45,
    cell_phone=0.92,
    previous_phone=0.35,
    email=0.85,
    public_prek_sasid=0.35,
)

# Who is in which source: (min age, max age, probability) bands on age at AS_OF.
# Human services enrolls whole households: HHS_HOUSEHOLD of households, each member
# with HHS_MEMBER.
COVERAGE: dict[str, tuple[tuple[int, int, float], ...]] = {
    "ece": ((1, 11, 0.45),),
    "k12": ((5, 37, 0.85),),
    "college": ((18, 30, 0.45), (31, 70, 0.15)),
    "wages": ((16, 22, 0.45), (23, 64, 0.75), (65, 75, 0.30)),
    "licensing": ((22, 80, 0.09),),
}
HHS_HOUSEHOLD = 0.14
HHS_MEMBER = 0.9
# A second, legitimate record in the same source with its own date (another program year,
# district, institution, employer, license or application): not an error, but a within-source link.
REPEAT_RECORDS: dict[str, float] = {
    "ece": 0.15,
    "k12": 0.12,
    "college": 0.2,
    "wages": 0.4,
    "licensing": 0.1,
    "hhs": 0.25,
}

# Records older than this many years carry the address of that time more often than not.
HISTORIC_RECORD_YEARS = 3
# Benefit applications this soon after birth may come before the baby is named.
NEWBORN_DAYS = 60


@dataclass(frozen=True, kw_only=True)
class Shares:
    """How a corruption or a layout variant splits into its forms (rendered into the module docstring)."""

    care_levels: tuple[float, ...] = _doc(
        "each record's care factor, multiplying its keying-error rates (typos, digit errors, swaps, "
        "placeholders, case and space noise) so that errors cluster in sloppy records"
    )
    care_shares: tuple[float, ...] = _doc("share of records at each care level (mean factor 1)")
    historic_address_previous: float = _doc(
        f"records older than {HISTORIC_RECORD_YEARS} years that carry the previous address"
    )
    duplicate_new_sasid: float = _doc("K-12 duplicates issued a second SASID")
    suffix_in_last_name: float = _doc(
        "sources without a suffix column: suffixes typed into the last name (SMITH JR)"
    )
    typo_kinds: tuple[float, ...] = _doc(
        "keyboard typo: neighbouring key, deletion, insertion, transposition"
    )
    typo_first_letter: float = _doc("keyboard typos that hit the first letter")
    ocr: float = _doc("spelling variants that are OCR confusions rather than phonetic")
    apostrophe_forms: tuple[float, ...] = _doc("O'BRIEN written OBRIEN, O BRIEN, O`BRIEN")
    particle_forms: tuple[float, ...] = _doc(
        "DE LA CRUZ written DELACRUZ, CRUZ, DELA CRUZ, DE-LA-CRUZ, other (SAINT for ST, one hyphen)"
    )
    double_forms: tuple[float, ...] = _doc(
        "GARCIA-LOPEZ / GARCIA LOPEZ written GARCIA, LOPEZ, other separator, GARCIALOPEZ"
    )
    hhs_ssn_dashed: float = _doc("human services SSNs written with dashes (the rest without)")
    licensing_zip_plus4: float = _doc("licensing ZIPs written as ZIP+4")
    licensing_bare_unit: float = _doc("licensing units written without APT/#/UNIT")
    newborn_placeholder: float = _doc(
        f"human services records of babies under {NEWBORN_DAYS} days named BABY BOY / BABY GIRL"
    )


SHARES = Shares(
    care_levels=(0.5, 1.4, 6.0),
    care_shares=(0.7, 0.25, 0.05),
    historic_address_previous=0.8,
    duplicate_new_sasid=0.35,
    suffix_in_last_name=0.4,
    typo_kinds=(0.4, 0.25, 0.2, 0.15),
    typo_first_letter=0.1,
    ocr=0.25,
    apostrophe_forms=(0.6, 0.3, 0.1),
    particle_forms=(0.4, 0.2, 0.2, 0.1, 0.1),
    double_forms=(0.55, 0.15, 0.2, 0.1),
    hhs_ssn_dashed=0.55,
    licensing_zip_plus4=0.7,
    licensing_bare_unit=0.7,
    newborn_placeholder=0.5,
)


# --------------------------------------------------------------------------------------
# Corruption rates per source (one place; rendered into the module docstring)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Noise:
    duplicate: float = _doc("person recorded twice under two record ids, each with its own errors")
    nickname: float = _doc(
        "first name is the person's nickname (Bill for William; `nicknames` table); 4x for people who go by it"
    )
    goes_by_middle: float = _doc("for people who go by their middle name: middle name recorded as first name")
    maiden_name: float = _doc(
        "woman who changed surname still recorded under her birth surname (stale record)"
    )
    compound_name: float = _doc(
        "compound/hyphenated/double name (GARCIA-LOPEZ, DE LA CRUZ, O'BRIEN, JEAN-PIERRE) recorded as one part, squashed or re-punctuated"
    )
    first_typo: float = _doc(
        "keyboard typo in first name: neighbouring key, deletion, insertion, transposition"
    )
    last_typo: float = _doc("keyboard typo in last name")
    spelling_variant: float = _doc(
        "phonetic respelling (PH/F, Y/I, double letters, IE/EI...) or OCR confusion (RN/M, CL/D, O/0, I/1) in first or last name"
    )
    first_last_swap: float = _doc("first and last names swapped")
    first_name_placeholder: float = _doc("first name unknown: FNU or UNKNOWN (infants: see SHARES)")
    middle_missing: float = _doc("middle name left out")
    middle_initial: float = _doc("middle name cut to its initial")
    suffix_missing: float = _doc("generational suffix (JR, SR, III) left out")
    accent: float = _doc("name written with its accents (José, Peña) when it has them")
    mojibake: float = _doc("accented name double-encoded (JOSÃ©) - share of accented names")
    name_case: float = _doc("name in an unusual case for the source (lower, Title, UPPER)")
    whitespace: float = _doc("leading, trailing or doubled spaces in names and address")
    dob_missing: float = _doc("date of birth blank")
    dob_day_month_swap: float = _doc("day and month swapped (when day <= 12)")
    dob_digit: float = _doc("one digit of the date of birth wrong")
    dob_year_off: float = _doc("birth year off by one")
    dob_placeholder: float = _doc("date of birth 1900-01-01")
    dob_other_format: float = _doc("date of birth typed in another format than the column's usual one")
    age_off_by_one: float = _doc("age one year off (computed at another date)")
    sex_missing: float = _doc("sex blank or unknown")
    sex_flip: float = _doc("sex miscoded")
    ssn_missing: float = _doc("SSN blank")
    ssn_digit: float = _doc("one SSN digit wrong")
    ssn_transpose: float = _doc("two adjacent SSN digits transposed")
    ssn_family: float = _doc("a family member's SSN (parent uses child's, child's record has parent's)")
    ssn_borrowed: float = _doc("another unrelated person's SSN")
    ssn_placeholder: float = _doc("placeholder SSN 000000000 / 123456789 / 999999999 / 111111111")
    sasid_missing: float = _doc("SASID blank though the person has one")
    sasid_digit: float = _doc("one SASID digit wrong")
    address_previous: float = _doc("a recent record carries the previous address (historic records: 0.8)")
    address_missing: float = _doc("whole address blank")
    address_typo: float = _doc("keyboard typo in street name")
    address_style: float = _doc(
        "street type and direction spelled out (STREET, NORTH) and unit written #/UNIT"
    )
    unit_missing: float = _doc("apartment/unit left out")
    unit_in_street: float = _doc("unit written into the street field (parts layout)")
    zip_missing: float = _doc("ZIP blank")
    zip_digit: float = _doc("one ZIP digit wrong")
    phone_missing: float = _doc("phone blank")
    phone_previous: float = _doc("an older phone number")
    email_missing: float = _doc("email blank")


# `_NA`: the source does not hold the field, or the corruption does not apply to it.
_NA = 0.0
# One row per corruption, one column per source (in SOURCES order), as in the docstring table.
# fmt: off
_NOISE_RATES: dict[str, tuple[float, float, float, float, float, float]] = {
    #                      ece    k12    coll.  wages  lic.   hhs
    "duplicate":          (0.01 , 0.02 , 0.015, 0.03 , 0.04 , 0.015),
    "nickname":           (0.03 , 0.04 , 0.08 , 0.12 , 0.03 , 0.08),
    "goes_by_middle":     (0.3  , 0.5  , 0.6  , 0.7  , 0.2  , 0.5),
    "maiden_name":        (_NA  , _NA  , 0.3  , 0.12 , 0.25 , 0.06),
    "compound_name":      (0.3  , 0.25 , 0.35 , 0.5  , 0.2  , 0.4),
    "first_typo":         (0.015, 0.01 , 0.015, 0.03 , 0.01 , 0.025),
    "last_typo":          (0.012, 0.01 , 0.012, 0.025, 0.008, 0.02),
    "spelling_variant":   (0.015, 0.008, 0.01 , 0.02 , 0.005, 0.025),
    "first_last_swap":    (0.003, 0.002, 0.004, 0.01 , 0.002, 0.008),
    "first_name_placeholder": (_NA, _NA, _NA  , 0.001, _NA  , 0.002),
    "middle_missing":     (0.25 , 0.08 , 0.3  , 0.4  , 0.1  , 0.35),
    "middle_initial":     (0.2  , 0.1  , 0.3  , _NA  , 0.2  , 0.3),
    "suffix_missing":     (0.5  , 0.2  , 0.4  , 0.6  , 0.15 , 0.5),
    "accent":             (0.75 , _NA  , 0.2  , _NA  , 0.1  , 0.15),
    "mojibake":           (_NA  , _NA  , _NA  , _NA  , _NA  , 0.4),
    "name_case":          (0.03 , 0.01 , 0.02 , 0.005, 0.01 , 0.02),
    "whitespace":         (0.02 , 0.01 , 0.01 , 0.02 , 0.01 , 0.03),
    "dob_missing":        (0.01 , 0.002, 0.03 , _NA  , 0.02 , _NA),
    "dob_day_month_swap": (0.01 , 0.004, 0.008, _NA  , 0.006, _NA),
    "dob_digit":          (0.008, 0.004, 0.01 , _NA  , 0.006, _NA),
    "dob_year_off":       (0.004, 0.002, 0.004, _NA  , 0.003, _NA),
    "dob_placeholder":    (0.003, 0.001, 0.004, _NA  , 0.005, _NA),
    "dob_other_format":   (0.02 , _NA  , _NA  , _NA  , 0.01 , _NA),
    "age_off_by_one":     (_NA  , _NA  , _NA  , _NA  , _NA  , 0.04),
    "sex_missing":        (0.01 , 0.001, 0.03 , _NA  , _NA  , 0.02),
    "sex_flip":           (0.004, 0.002, 0.004, _NA  , _NA  , 0.005),
    "ssn_missing":        (_NA  , _NA  , 0.25 , 0.005, 0.08 , 0.1),
    "ssn_digit":          (_NA  , _NA  , 0.01 , 0.012, 0.006, 0.015),
    "ssn_transpose":      (_NA  , _NA  , 0.004, 0.006, 0.003, 0.006),
    "ssn_family":         (_NA  , _NA  , 0.002, 0.004, 0.001, 0.008),
    "ssn_borrowed":       (_NA  , _NA  , 0.001, 0.006, 0.001, 0.003),
    "ssn_placeholder":    (_NA  , _NA  , 0.01 , 0.004, 0.003, 0.02),
    "sasid_missing":      (0.1  , 0.002, 0.3  , _NA  , _NA  , _NA),
    "sasid_digit":        (0.002, 0.001, 0.004, _NA  , _NA  , _NA),
    "address_previous":   (0.2  , 0.25 , 0.3  , _NA  , 0.3  , 0.15),
    "address_missing":    (0.02 , 0.005, 0.05 , _NA  , 0.03 , 0.03),
    "address_typo":       (0.02 , 0.01 , 0.02 , _NA  , 0.01 , 0.03),
    "address_style":      (0.25 , 0.1  , 0.3  , _NA  , 0.2  , 0.3),
    "unit_missing":       (0.3  , 0.2  , 0.35 , _NA  , 0.15 , 0.25),
    "unit_in_street":     (_NA  , _NA  , _NA  , _NA  , 0.15 , _NA),
    "zip_missing":        (0.02 , 0.005, 0.04 , _NA  , 0.01 , 0.02),
    "zip_digit":          (0.005, 0.003, 0.006, _NA  , 0.004, 0.008),
    "phone_missing":      (0.1  , _NA  , 0.2  , _NA  , _NA  , 0.15),
    "phone_previous":     (0.2  , _NA  , 0.3  , _NA  , _NA  , 0.25),
    "email_missing":      (_NA  , _NA  , 0.2  , _NA  , 0.15 , _NA),
}
# fmt: on
NOISE: dict[str, Noise] = {
    source: Noise(**{name: rates[i] for name, rates in _NOISE_RATES.items()})
    for i, source in enumerate(SOURCES)
}

SSN_PLACEHOLDERS: tuple[str, ...] = ("000000000", "123456789", "999999999", "111111111")
DOB_PLACEHOLDER = date(1900, 1, 1)


def population_table_markdown() -> str:
    """The population rates as a markdown table (kept in the module docstring)."""
    lines = ["| population rate | meaning | value |", "|---|---|---|"]
    for f in dataclasses.fields(PopulationRates):
        value = getattr(POPULATION, f.name)
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}"
        lines.append(f"| `{f.name}` | {f.metadata['doc']} | {shown} |")
    return "\n".join(lines)


def shares_table_markdown() -> str:
    """The splits of corruptions and layout variants into their forms, as a markdown table."""
    lines = ["| share | meaning | value |", "|---|---|---|"]
    for f in dataclasses.fields(Shares):
        value = getattr(SHARES, f.name)
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}"
        lines.append(f"| `{f.name}` | {f.metadata['doc']} | {shown} |")
    return "\n".join(lines)


def coverage_table_markdown() -> str:
    """Who appears in which source, as a markdown table (kept in the module docstring)."""
    lines = ["| source | who (age at AS_OF: probability) | second record |", "|---|---|---|"]
    for source in SOURCES:
        if source == "hhs":
            who = f"whole households: {HHS_HOUSEHOLD:g} of households, each member {HHS_MEMBER:g}"
        else:
            who = "; ".join(f"{low}-{high}: {rate:g}" for low, high, rate in COVERAGE[source])
        lines.append(f"| `{source}` | {who} | {REPEAT_RECORDS[source]:g} |")
    return "\n".join(lines)


def noise_table_markdown() -> str:
    """The corruption rates per source as a markdown table (kept in the module docstring)."""
    lines = [
        "| corruption | what happens | " + " | ".join(SOURCES) + " |",
        "|---|---|" + "---|" * len(SOURCES),
    ]
    for f in dataclasses.fields(Noise):
        rates = [getattr(NOISE[s], f.name) for s in SOURCES]
        shown = " | ".join(f"{r:g}" if r else "-" for r in rates)
        lines.append(f"| `{f.name}` | {f.metadata['doc']} | {shown} |")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class SynthSummary:
    out_dir: Path
    persons: int
    seed: int
    files: dict[str, Path]
    rows: dict[str, int]
    truth_path: Path
    config_path: Path


def generate_population(
    *, persons: int, seed: int, out_dir: Path, progress: Callable[[str], None] | None = None
) -> SynthSummary:
    """Write agency files, `truth.csv` and `mpi.toml` for a synthetic population to `out_dir`.

    Example: generate_population(persons=10_000, seed=1, out_dir=Path("demo"))
    """
    if persons < 1:
        raise MpiUserError(f"--persons must be at least 1, got {persons}.")
    say = progress or (lambda _message: None)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tables = _load_tables()
    population = _build_population(persons=persons, seed=seed, tables=tables)
    say(f"population: {persons:,} persons in {population.households:,} households")
    files: dict[str, Path] = {}
    rows: dict[str, int] = {}
    truth_parts: list[pl.DataFrame] = []
    for source in SOURCES:
        rng = _stream(seed, f"records:{source}")
        records = _source_records(source, population, tables, rng)
        layout = _LAYOUTS[source](records, tables, rng)
        spec = SOURCE_FILES[source]
        path = out_dir / spec.file_name
        _write_source(layout, spec, path)
        files[source] = path
        rows[source] = layout.height
        truth_parts.append(_truth_rows(source, layout[spec.record_id], records["person_id"]))
        say(f"{source}: {layout.height:,} records -> {path.name}")
    truth_path = out_dir / "truth.csv"
    pl.concat(truth_parts).write_csv(truth_path)
    config_path = out_dir / "mpi.toml"
    config_path.write_text(config_toml(), encoding="utf-8")
    say(f"truth: {sum(rows.values()):,} records -> {truth_path.name}; config -> {config_path.name}")
    return SynthSummary(
        out_dir=out_dir,
        persons=persons,
        seed=seed,
        files=files,
        rows=rows,
        truth_path=truth_path,
        config_path=config_path,
    )


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


# --------------------------------------------------------------------------------------
# Reference tables (names, places)
# --------------------------------------------------------------------------------------


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
        pool=(
            pl.col("origin").replace_strict(origin_code, return_dtype=pl.Int64) * 4
            + (pl.col("sex") == "M").cast(pl.Int64) * 2
            + (pl.col("era") == "modern").cast(pl.Int64)
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


# --------------------------------------------------------------------------------------
# Population
# --------------------------------------------------------------------------------------

_HEAD, _PARTNER, _CHILD = 0, 1, 2
_SINGLE, _COUPLE, _FAMILY, _SINGLE_PARENT = 0, 1, 2, 3
_GENERAL, _HISPANIC = ORIGINS.index("general"), ORIGINS.index("hispanic")
_SUFFIX_CODES: tuple[str | None, ...] = (None, "JR", "SR", "III")
_NO_SUFFIX, _JR, _SR, _III = 0, 1, 2, 3


@dataclass(frozen=True, kw_only=True)
class _Population:
    people: pl.DataFrame
    addresses: pl.DataFrame
    households: int


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


def _draw_first_names(
    rng: np.random.Generator, tables: _Tables, origin: Ints, male: Bools, birth_year: Ints
) -> pl.Series:
    pool_origin = origin.copy()
    adopted = (
        (origin != _GENERAL) & (birth_year > 1985) & _chance(rng, origin.size, POPULATION.adopted_first_name)
    )
    pool_origin[adopted] = _GENERAL
    modern = (
        (pool_origin == _GENERAL)
        & (birth_year >= 2000)
        & _chance(rng, origin.size, POPULATION.modern_first_name)
    )
    picks = tables.first.draw(rng, _first_pool_key(pool_origin, male, modern))
    return tables.first.names.gather(picks)


def _draw_surnames(rng: np.random.Generator, tables: _Tables, origin: Ints, double_rate: float) -> pl.Series:
    """Surnames by origin; Hispanic people get two surnames (paternal maternal) at `double_rate`."""
    first = tables.last.names.gather(tables.last.draw(rng, origin))
    second = tables.last.names.gather(tables.last.draw(rng, origin))
    double = (origin == _HISPANIC) & _chance(rng, origin.size, double_rate) & (first != second).to_numpy()
    return pl.select(
        pl.when(pl.Series(double)).then(pl.concat_str([first, second], separator=" ")).otherwise(first)
    ).to_series()


def _first_part(names: pl.Expr) -> pl.Expr:
    """First word of a double surname (GARCIA LOPEZ -> GARCIA); particle surnames stay whole."""
    return pl.when(names.str.contains(_PARTICLE_RE)).then(names).otherwise(names.str.split(" ").list.first())


_PARTICLES = (
    "DE",
    "DEL",
    "LA",
    "LOS",
    "LAS",
    "VAN",
    "VON",
    "DER",
    "ST",
    "SAINT",
    "DI",
    "DA",
    "DOS",
    "DU",
    "DELA",
    "AL",
    "EL",
    "ABU",
    "MAC",
    "MC",
)
_PARTICLE_RE = r"^(?:" + "|".join(_PARTICLES) + r") "


def _draw_names(
    rng: np.random.Generator,
    people: pl.DataFrame,
    hh: _Households,
    tables: _Tables,
    birth_year: Ints,
    twin: Bools,
) -> pl.DataFrame:
    n = people.height
    origin = people["origin"].to_numpy().astype(np.int64)
    male = people["male"].to_numpy()
    first = _draw_first_names(rng, tables, origin, male, birth_year)
    first = _avoid_sibling_repeats(rng, first, hh, tables, origin, male, birth_year)
    first = _similar_twin_names(rng, first, twin, hh, male, tables)
    middle = _draw_first_names(rng, tables, origin, male, birth_year)
    has_middle = _chance(rng, n, POPULATION.middle_name) & (middle != first).to_numpy()
    middle = pl.select(pl.when(pl.Series(has_middle)).then(middle)).to_series()
    own = _draw_surnames(rng, tables, origin, POPULATION.hispanic_double_surname)
    last_birth, last_current, change_age = _family_surnames(
        rng, own, hh, origin, male, tables, people["age"].to_numpy()
    )
    suffix, first, middle, junior = _add_suffixes(rng, hh, male, first, middle, last_birth)
    return people.with_columns(
        first=first,
        middle=middle,
        last_birth=last_birth,
        last_current=last_current,
        name_change_age=pl.Series(change_age),
        suffix=suffix,
        junior=pl.Series(junior),
    )


def _avoid_sibling_repeats(
    rng: np.random.Generator,
    first: pl.Series,
    hh: _Households,
    tables: _Tables,
    origin: Ints,
    male: Bools,
    birth_year: Ints,
) -> pl.Series:
    """Parents do not give two children the same first name: redraw a repeat of the previous sibling."""
    values = first.to_numpy()
    rows = np.arange(1, values.size)
    repeat = rows[(hh.child_rank[rows] >= 1) & (values[rows] == values[rows - 1])]
    if repeat.size == 0:
        return first
    redraw = _draw_first_names(rng, tables, origin[repeat], male[repeat], birth_year[repeat])
    return first.clone().scatter(repeat, redraw)


def _similar_twin_names(
    rng: np.random.Generator, first: pl.Series, twin: Bools, hh: _Households, male: Bools, tables: _Tables
) -> pl.Series:
    """Some twins get similar names: the second twin's name shares the first twin's first letters."""
    second = np.flatnonzero(twin & (hh.child_rank >= 1) & np.roll(twin, 1))
    second = second[
        (hh.household[second] == hh.household[second - 1])
        & _chance(rng, second.size, POPULATION.twin_similar_name)
    ]
    if second.size == 0:
        return first
    rnd = _python_random(rng)
    values = first.to_list()
    changed: list[int] = []
    new_names: list[str] = []
    for row in second.tolist():
        sibling = values[row - 1]
        options = [
            name
            for name in tables.similar_first.get(("M" if male[row] else "F", sibling[:3]), [])
            if name != sibling
        ]
        if options:
            changed.append(row)
            new_names.append(rnd.choice(options))
    if not changed:
        return first
    return first.clone().scatter(changed, pl.Series(new_names, dtype=pl.String))


def _family_surnames(
    rng: np.random.Generator,
    own: pl.Series,
    hh: _Households,
    origin: Ints,
    male: Bools,
    tables: _Tables,
    age: Ints,
) -> tuple[pl.Series, pl.Series, Floats]:
    """Birth and current surnames: wives may take or hyphenate the husband's, children follow a family rule."""
    n = own.len()
    head_row = hh.starts[hh.household]
    kind = hh.kind[hh.household]
    role = hh.role
    hispanic = origin == _HISPANIC
    u = rng.random(n)
    keep_rate = np.where(
        hispanic,
        POPULATION.hispanic_wife_keeps_name,
        1 - POPULATION.wife_takes_name - POPULATION.wife_hyphenates,
    )
    wife = role == _PARTNER
    hyphenates = wife & (u >= keep_rate) & (u < keep_rate + POPULATION.wife_hyphenates)
    takes = wife & (u >= keep_rate + POPULATION.wife_hyphenates)
    # Single mothers: an absent father's surname that the children usually carry.
    absent_father = _draw_surnames(rng, tables, origin, 0.0).gather(head_row)
    single_mother_home = (kind == _SINGLE_PARENT) & ~male[head_row]
    # Children's surname rule is drawn per household so siblings agree.
    rule_u = rng.random(hh.count)[hh.household]
    hispanic_double = hispanic & (rule_u < POPULATION.hispanic_child_double_surname)
    hyphen_rule = ~hispanic_double & (rule_u >= 1 - POPULATION.child_hyphenated_surname)
    mother_rule = (
        ~hispanic_double
        & ~hyphen_rule
        & (rule_u >= 1 - POPULATION.child_hyphenated_surname - POPULATION.child_mother_surname)
    )
    ex_name = rng.random(hh.count)[hh.household] < POPULATION.single_mother_ex_name
    frame = pl.DataFrame(
        {
            "own": own,
            "head_last": own.gather(head_row),
            "mother_birth": own.gather(np.minimum(head_row + 1, n - 1)),
            "absent": absent_father,
            "is_child": role == _CHILD,
            "is_head": role == _HEAD,
            "family": kind == _FAMILY,
            "single_mother_home": single_mother_home,
            "single_father_home": (kind == _SINGLE_PARENT) & ~single_mother_home,
            "takes": takes,
            "hyphenates": hyphenates,
            "hispanic_double": hispanic_double,
            "hyphen_rule": hyphen_rule,
            "mother_rule": mother_rule,
            "ex_name": ex_name,
        }
    ).with_columns(
        head_first=_first_part(pl.col("head_last")),
        mother_first=_first_part(pl.col("mother_birth")),
        own_first=_first_part(pl.col("own")),
    )
    mother_current = pl.when(pl.col("ex_name")).then(pl.col("absent")).otherwise(pl.col("head_last"))
    # A single mother's children carry the absent father's surname unless the rule says hers.
    child_of_single_mother = (
        pl.when(pl.col("mother_rule") | pl.col("hyphen_rule"))
        .then(mother_current)
        .otherwise(pl.col("absent"))
    )
    child_of_family = (
        pl.when(pl.col("hispanic_double"))
        .then(pl.concat_str([pl.col("head_first"), pl.col("mother_first")], separator=" "))
        .when(pl.col("hyphen_rule"))
        .then(pl.concat_str([pl.col("head_first"), pl.col("mother_first")], separator="-"))
        .when(pl.col("mother_rule"))
        .then(pl.col("mother_birth"))
        .otherwise(pl.col("head_last"))
    )
    birth = (
        pl.when(pl.col("is_child") & pl.col("family"))
        .then(child_of_family)
        .when(pl.col("is_child") & pl.col("single_mother_home"))
        .then(child_of_single_mother)
        .when(pl.col("is_child") & pl.col("single_father_home"))
        .then(pl.col("head_last"))
        .otherwise(pl.col("own"))
    )
    current = (
        pl.when(pl.col("takes"))
        .then(pl.col("head_last"))
        .when(pl.col("hyphenates"))
        .then(pl.concat_str([pl.col("own_first"), pl.col("head_first")], separator="-"))
        .when(pl.col("is_head") & pl.col("single_mother_home") & pl.col("ex_name"))
        .then(pl.col("absent"))
        .otherwise(pl.col("birth"))
    )
    frame = frame.with_columns(birth=birth).with_columns(current=current)
    changed = (frame["birth"] != frame["current"]).to_numpy()
    change_age = np.full(n, np.nan)
    change_at = np.minimum(rng.uniform(20, 36, n), age.astype(np.float64))
    change_age[changed] = change_at[changed]
    return frame["birth"], frame["current"], change_age


def _add_suffixes(
    rng: np.random.Generator,
    hh: _Households,
    male: Bools,
    first: pl.Series,
    middle: pl.Series,
    last_birth: pl.Series,
) -> tuple[pl.Series, pl.Series, pl.Series, Bools]:
    """Generational suffixes: some first sons carry their father's whole name with JR (or III)."""
    n = first.len()
    adult_male = male & (hh.role != _CHILD)
    u = rng.random(n)
    suffix = np.zeros(n, dtype=np.int64)  # index into _SUFFIX_CODES
    suffix[adult_male & (u < POPULATION.suffix_jr)] = _JR
    suffix[adult_male & (u >= POPULATION.suffix_jr) & (u < POPULATION.suffix_jr + POPULATION.suffix_iii)] = (
        _III
    )
    son = np.flatnonzero((hh.child_rank == 0) & male & (hh.kind[hh.household] == _FAMILY))
    father = hh.starts[hh.household[son]]
    # Only where the children carry the father's surname can the son be his namesake.
    same_surname = (last_birth.gather(son) == last_birth.gather(father)).to_numpy()
    chosen = same_surname & _chance(rng, son.size, POPULATION.junior)
    son, father = son[chosen], father[chosen]
    junior = np.zeros(n, dtype=bool)
    junior[son] = True
    father_suffix = suffix[father]
    suffix[son] = np.where(father_suffix == _JR, _III, _JR)
    uses_sr = (father_suffix == _NO_SUFFIX) & _chance(rng, son.size, POPULATION.father_uses_sr)
    suffix[father[uses_sr]] = _SR
    first = first.clone().scatter(son, first.gather(father))
    middle = middle.clone().scatter(son, middle.gather(father))
    suffix_names = pl.Series(_SUFFIX_CODES, dtype=pl.String).gather(suffix)
    return suffix_names, first, middle, junior


def _add_nicknames(rng: np.random.Generator, people: pl.DataFrame, tables: _Tables) -> pl.DataFrame:
    """Each person whose name has nicknames gets one (uniformly among the table's); some go by it."""
    n = people.height
    choices = tables.nicknames.select("name", "choices").unique("name")
    with_count = people.select("first").join(
        choices, left_on="first", right_on="name", how="left", maintain_order="left"
    )
    count = with_count["choices"].fill_null(0).to_numpy()
    pick = np.floor(rng.random(n) * np.maximum(count, 1)).astype(np.int64)
    keyed = pl.DataFrame({"first": people["first"], "k": pick}).join(
        tables.nicknames.select("name", "k", "nickname"),
        left_on=["first", "k"],
        right_on=["name", "k"],
        how="left",
        maintain_order="left",
    )
    nickname = keyed["nickname"]
    goes_by = nickname.is_not_null().to_numpy() & _chance(rng, n, POPULATION.goes_by_nickname)
    by_middle = people["middle"].is_not_null().to_numpy() & _chance(rng, n, POPULATION.goes_by_middle)
    return people.with_columns(
        nickname=nickname, goes_by_nickname=pl.Series(goes_by), goes_by_middle=pl.Series(by_middle)
    )


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


# --------------------------------------------------------------------------------------
# Records: who is in a source, what the agency saw at the time, and its errors
# --------------------------------------------------------------------------------------


def _years(rng: np.random.Generator, low: float, high: float, n: int) -> Ints:
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
        adult = dob + np.floor(rng.uniform(18, np.maximum(age, 19) + 0.9, n) * _YEAR_DAYS).astype(np.int64)
        event = np.where(rng.random(n) < 0.7, typical, adult)
    elif source == "wages":
        recent = _AS_OF_DAYS - rng.integers(60, 60 + 550, n)
        older = dob + np.floor(rng.uniform(16, np.maximum(age, 17) + 0.9, n) * _YEAR_DAYS).astype(np.int64)
        event = np.where(rng.random(n) < 0.85, recent, np.maximum(older, _AS_OF_DAYS - 14 * 365))
    elif source == "licensing":
        event = dob + np.floor(rng.uniform(22, np.maximum(age, 23) + 0.9, n) * _YEAR_DAYS).astype(np.int64)
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


def _corrupt_names(records: pl.DataFrame, noise: Noise, rng: np.random.Generator) -> pl.DataFrame:
    n = records.height
    care = records["care"].to_numpy()
    rnd = _python_random(rng)
    first = _perturb(records["first"], _chance(rng, n, noise.compound_name), _compound_variant, rnd)
    last = _perturb(records["last"], _chance(rng, n, noise.compound_name), _compound_variant, rnd)
    middle = records["middle"]
    middle = _where(_chance(rng, n, noise.middle_missing), None, middle)
    middle = _where(_chance(rng, n, noise.middle_initial), middle.str.slice(0, 1), middle)
    suffix = _where(_chance(rng, n, noise.suffix_missing), None, records["suffix"])
    first = _perturb(first, _slip(rng, care, noise.first_typo), _keyboard_typo, rnd)
    last = _perturb(last, _slip(rng, care, noise.last_typo), _keyboard_typo, rnd)
    respell = _slip(rng, care, noise.spelling_variant)
    on_first = rng.random(n) < 0.5
    first = _perturb(first, respell & on_first, _spelling_variant, rnd)
    last = _perturb(last, respell & ~on_first, _spelling_variant, rnd)
    swap = _slip(rng, care, noise.first_last_swap)
    first, last = _where(swap, last, first), _where(swap, first, last)
    unknown = _slip(rng, care, noise.first_name_placeholder)
    first = _where(unknown, _pick(rng, ("FNU", "UNKNOWN"), n), first)
    # Newborns are enrolled for benefits before they are named.
    days_old = (records["event"] - records["dob"]).dt.total_days().fill_null(10**6).to_numpy()
    newborn = (days_old < NEWBORN_DAYS) & _chance(rng, n, SHARES.newborn_placeholder)
    newborn &= noise.first_name_placeholder > 0
    baby = _where((records["sex"] == "M").to_numpy(), pl.lit("BABY BOY"), pl.Series(["BABY GIRL"] * n))
    first = _where(newborn, baby, first)
    middle = _where(newborn, None, middle)
    return records.with_columns(first=first, middle=middle, last=last, suffix=suffix)


def _corrupt_dob(records: pl.DataFrame, noise: Noise, rng: np.random.Generator) -> pl.DataFrame:
    n = records.height
    care = records["care"].to_numpy()
    rnd = _python_random(rng)
    dob = records["dob"]
    dob = _perturb(dob, _slip(rng, care, noise.dob_digit), _date_digit_error, rnd)
    swapped = pl.select(
        # pl.date sees every row, so keep the unused (day > 12) rows' components valid too.
        pl.when(dob.dt.day() <= 12)
        .then(pl.date(pl.lit(dob.dt.year()), pl.min_horizontal(dob.dt.day(), 12), pl.lit(dob.dt.month())))
        .otherwise(dob)
    ).to_series()
    dob = _where(_slip(rng, care, noise.dob_day_month_swap), swapped, dob)
    year_shift = pl.Series(np.where(rng.random(n) < 0.5, -1, 1))
    shifted = pl.select(
        pl.date(
            pl.lit(dob.dt.year() + year_shift), pl.lit(dob.dt.month()), pl.min_horizontal(dob.dt.day(), 28)
        )
    ).to_series()
    dob = _where(_slip(rng, care, noise.dob_year_off), shifted, dob)
    dob = _where(_slip(rng, care, noise.dob_placeholder), pl.lit(DOB_PLACEHOLDER), dob)
    dob = _where(_chance(rng, n, noise.dob_missing), None, dob)
    off = np.where(rng.random(n) < 0.5, -1, 1) * _slip(rng, care, noise.age_off_by_one)
    age = (records["age_at_event"] + pl.Series(off.astype(np.int32))).clip(lower_bound=0)
    return records.with_columns(dob=dob, age_at_event=age)


def _corrupt_sex(records: pl.DataFrame, noise: Noise, rng: np.random.Generator) -> pl.DataFrame:
    n = records.height
    sex = records["sex"]
    flipped = pl.select(pl.when(sex == "M").then(pl.lit("F")).otherwise(pl.lit("M"))).to_series()
    sex = _where(_slip(rng, records["care"].to_numpy(), noise.sex_flip), flipped, sex)
    return records.with_columns(sex=_where(_chance(rng, n, noise.sex_missing), None, sex))


def _corrupt_ssn(
    records: pl.DataFrame,
    noise: Noise,
    rng: np.random.Generator,
    population_ssn: pl.Series,
    *,
    always_borrow: bool,
) -> pl.DataFrame:
    n = records.height
    rnd = _python_random(rng)
    ssn = records["ssn"]
    family = records["family_ssn"].cast(pl.String).str.zfill(9)
    use_family = _chance(rng, n, noise.ssn_family) & family.is_not_null().to_numpy()
    ssn = _where(use_family, family, ssn)
    borrowed = (
        population_ssn.gather(rng.integers(0, population_ssn.len(), size=n)).cast(pl.String).str.zfill(9)
    )
    borrow = _chance(rng, n, noise.ssn_borrowed)
    if always_borrow:
        # People with no SSN still show up in wage records: under somebody else's number.
        borrow |= ssn.is_null().to_numpy()
    ssn = _where(borrow, borrowed, ssn)
    care = records["care"].to_numpy()
    ssn = _perturb(ssn, _slip(rng, care, noise.ssn_digit), _digit_error, rnd)
    ssn = _perturb(ssn, _slip(rng, care, noise.ssn_transpose), _transpose_digits, rnd)
    placeholder = _pick(rng, SSN_PLACEHOLDERS, n)
    ssn = _where(_slip(rng, care, noise.ssn_placeholder), placeholder, ssn)
    return records.with_columns(ssn=_where(_chance(rng, n, noise.ssn_missing), None, ssn))


def _corrupt_sasid(
    records: pl.DataFrame, noise: Noise, rng: np.random.Generator, *, reissue_duplicates: bool
) -> pl.DataFrame:
    n = records.height
    rnd = _python_random(rng)
    sasid = records["sasid"]
    if reissue_duplicates:
        fresh = pl.Series(rng.integers(0, 10**10, size=n)).cast(pl.String).str.zfill(10)
        reissued = (
            records["duplicate"].to_numpy()
            & _chance(rng, n, SHARES.duplicate_new_sasid)
            & sasid.is_not_null().to_numpy()
        )
        sasid = _where(reissued, fresh, sasid)
    sasid = _perturb(sasid, _slip(rng, records["care"].to_numpy(), noise.sasid_digit), _digit_error, rnd)
    return records.with_columns(sasid=_where(_chance(rng, n, noise.sasid_missing), None, sasid))


def _corrupt_address(records: pl.DataFrame, noise: Noise, rng: np.random.Generator) -> pl.DataFrame:
    n = records.height
    rnd = _python_random(rng)
    care = records["care"].to_numpy()
    street = _perturb(records["street"], _slip(rng, care, noise.address_typo), _keyboard_typo, rnd)
    unit = _where(_chance(rng, n, noise.unit_missing), None, records["unit"])
    zip_code = _perturb(records["zip"], _slip(rng, care, noise.zip_digit), _digit_error, rnd)
    zip_code = _where(_chance(rng, n, noise.zip_missing), None, zip_code)
    missing = _chance(rng, n, noise.address_missing)
    parts = {
        name: _where(missing, None, column)
        for name, column in (
            ("house_number", records["house_number"]),
            ("direction", records["direction"]),
            ("street", street),
            ("street_type", records["street_type"]),
            ("unit", unit),
        )
    }
    return records.with_columns(**parts, zip=zip_code)


def _corrupt_contact(records: pl.DataFrame, noise: Noise, rng: np.random.Generator) -> pl.DataFrame:
    n = records.height
    return records.with_columns(
        phone=_where(_chance(rng, n, noise.phone_missing), None, records["phone"]),
        email=_where(_chance(rng, n, noise.email_missing), None, records["email"]),
    )


# --------------------------------------------------------------------------------------
# Per-value corruptions
# --------------------------------------------------------------------------------------

_KEYBOARD_ROWS = ("QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM")


def _keyboard_neighbours() -> dict[str, str]:
    """Letters whose keys touch on a QWERTY keyboard (rows are offset by half a key)."""
    position = {
        letter: (row, col + row * 0.5)
        for row, keys in enumerate(_KEYBOARD_ROWS)
        for col, letter in enumerate(keys)
    }
    return {
        letter: "".join(
            other
            for other, (r2, c2) in position.items()
            if other != letter and abs(r - r2) <= 1 and abs(c - c2) <= 1.0
        )
        for letter, (r, c) in position.items()
    }


_NEIGHBOURS = _keyboard_neighbours()


def _typo_position(letters: list[int], rnd: random.Random) -> int:
    if rnd.random() < SHARES.typo_first_letter or len(letters) == 1:
        return letters[0]
    return rnd.choice(letters[1:])


def _keyboard_typo(text: str, rnd: random.Random) -> str:
    """One slip of the finger: neighbouring key, dropped letter, extra letter or swapped pair."""
    letters = [i for i, ch in enumerate(text) if ch.isalpha()]
    if len(letters) < 3:
        return text
    i = _typo_position(letters, rnd)
    ch = text[i].upper()
    kind = rnd.choices(range(4), SHARES.typo_kinds)[0]
    if kind == 0:
        return text[:i] + rnd.choice(_NEIGHBOURS.get(ch, ch)) + text[i + 1 :]
    if kind == 1:
        return text[:i] + text[i + 1 :]
    if kind == 2:
        extra = rnd.choice(_NEIGHBOURS.get(ch, ch) + ch)
        return text[:i] + extra + text[i:]
    j = i + 1 if i + 1 < len(text) and text[i + 1].isalpha() else i - 1
    a, b = sorted((i, j))
    if text[a] == text[b]:
        return text[:i] + text[i + 1 :]
    return text[:a] + text[b] + text[a] + text[b + 1 :]


_PHONETIC_RULES: tuple[tuple[str, str], ...] = (
    ("PH", "F"),
    ("F", "PH"),
    ("CK", "K"),
    ("C", "K"),
    ("K", "C"),
    ("Y", "I"),
    ("I", "Y"),
    ("IE", "EI"),
    ("EI", "IE"),
    ("LL", "L"),
    ("L", "LL"),
    ("NN", "N"),
    ("N", "NN"),
    ("TT", "T"),
    ("SS", "S"),
    ("RR", "R"),
    ("Z", "S"),
    ("S", "Z"),
    ("SCH", "SH"),
    ("SH", "SCH"),
    ("TH", "T"),
    ("AE", "E"),
    ("OU", "U"),
    ("EY", "Y"),
    ("IE", "Y"),
    ("Y", "IE"),
    ("AI", "AY"),
    ("AY", "AI"),
    ("X", "KS"),
    ("KS", "X"),
    ("W", "V"),
    ("V", "W"),
    ("EE", "I"),
    ("OO", "U"),
    ("QU", "KW"),
    ("J", "G"),
    ("G", "J"),
    ("ER", "OR"),
    ("AN", "EN"),
    ("ON", "IN"),
)
_OCR_RULES: tuple[tuple[str, str], ...] = (
    ("RN", "M"),
    ("M", "RN"),
    ("CL", "D"),
    ("D", "CL"),
    ("O", "0"),
    ("I", "1"),
    ("I", "L"),
    ("L", "I"),
    ("B", "8"),
    ("S", "5"),
    ("E", "F"),
    ("H", "N"),
    ("U", "V"),
    ("VV", "W"),
    ("W", "VV"),
    ("Q", "O"),
)


def _spelling_variant(text: str, rnd: random.Random) -> str:
    """A phonetic respelling (JON/JOHN, STEPHEN/STEVEN style) or an OCR misread of one spot."""
    rules = _OCR_RULES if rnd.random() < SHARES.ocr else _PHONETIC_RULES
    upper = text.upper()
    applicable = [(old, new) for old, new in rules if old in upper[1:] or (old in upper and len(old) > 1)]
    if not applicable:
        return text
    old, new = rnd.choice(applicable)
    spots = [m.start() for m in re.finditer(re.escape(old), upper)]
    spot = rnd.choice([s for s in spots if s > 0] or spots)
    return text[:spot] + new + text[spot + len(old) :]


def _compound_variant(text: str, rnd: random.Random) -> str:
    """How clerks record names in several parts: one part only, squashed, or re-punctuated."""
    if "'" in text:
        return rnd.choices(
            [text.replace("'", ""), text.replace("'", " "), text.replace("'", "`")], SHARES.apostrophe_forms
        )[0]
    parts = [p for p in re.split(r"[\s\-]+", text) if p]
    if len(parts) < 2:
        return text
    if parts[0] in _PARTICLES:
        options = [
            "".join(parts),  # DELACRUZ
            parts[-1],  # CRUZ
            "".join(parts[:-1]) + " " + parts[-1],  # DELA CRUZ
            "-".join(parts),  # DE-LA-CRUZ
            text.replace("ST ", "SAINT ") if parts[0] == "ST" else text.replace(" ", "-", 1),
        ]
        return rnd.choices(options, SHARES.particle_forms)[0]
    separator_swapped = " ".join(parts) if "-" in text else "-".join(parts)
    options = [parts[0], parts[-1], separator_swapped, "".join(parts)]
    return rnd.choices(options, SHARES.double_forms)[0]


def _digit_error(digits: str, rnd: random.Random) -> str:
    positions = [i for i, ch in enumerate(digits) if ch.isdigit()]
    if not positions:
        return digits
    i = rnd.choice(positions)
    replacement = rnd.choice([d for d in "0123456789" if d != digits[i]])
    return digits[:i] + replacement + digits[i + 1 :]


def _transpose_digits(digits: str, rnd: random.Random) -> str:
    pairs = [i for i in range(len(digits) - 1) if digits[i] != digits[i + 1]]
    if not pairs:
        return digits
    i = rnd.choice(pairs)
    return digits[:i] + digits[i + 1] + digits[i] + digits[i + 2 :]


def _date_digit_error(value: date, rnd: random.Random) -> date:
    """One mistyped digit of YYYYMMDD that still makes a real, past date (else the form would refuse it)."""
    text = value.strftime("%Y%m%d")
    for _ in range(10):
        i = rnd.choice((2, 3, 3, 4, 5, 6, 7, 7))
        candidate = text[:i] + rnd.choice([d for d in "0123456789" if d != text[i]]) + text[i + 1 :]
        try:
            changed = date(int(candidate[:4]), int(candidate[4:6]), int(candidate[6:]))
        except ValueError:
            continue
        if changed < AS_OF:
            return changed
    return value + timedelta(days=rnd.choice((-1, 1)))


def _mojibake(text: str, _rnd: random.Random) -> str:
    """UTF-8 bytes read back as latin-1 somewhere along the way (JOSÉ -> JOSÃ\x89)."""
    return text.encode("utf-8").decode("latin-1")


def _whitespace_noise(text: str, rnd: random.Random) -> str:
    kind = rnd.random()
    if kind < 0.35:
        return " " + text
    if kind < 0.7 or " " not in text:
        return text + " "
    return text.replace(" ", "  ", 1)


# --------------------------------------------------------------------------------------
# Layouts: how each agency writes its file
# --------------------------------------------------------------------------------------

_STREET_TYPES_SPELLED: dict[str, str] = {
    "ST": "STREET",
    "AVE": "AVENUE",
    "RD": "ROAD",
    "DR": "DRIVE",
    "LN": "LANE",
    "CT": "COURT",
    "BLVD": "BOULEVARD",
    "HWY": "HIGHWAY",
    "TPKE": "TURNPIKE",
    "TER": "TERRACE",
    "PL": "PLACE",
    "VIEW": "VIEW",
    "WAY": "WAY",
}
_DIRECTIONS_SPELLED: dict[str, str] = {"N": "NORTH", "S": "SOUTH", "E": "EAST", "W": "WEST"}

ECE_PROGRAMS: tuple[str, ...] = (
    "Head Start",
    "School Readiness",
    "Pre-K",
    "Infant/Toddler",
    "Child Care Subsidy",
)
COLLEGE_INSTITUTIONS: tuple[str, ...] = (
    "UCONN",
    "CCSU",
    "SCSU",
    "ECSU",
    "WCSU",
    "CT STATE CC",
    "CHARTER OAK",
)
LICENSE_TYPES: tuple[tuple[str, str], ...] = (
    ("RN", "REGISTERED NURSE"),
    ("LPN", "LICENSED PRACTICAL NURSE"),
    ("ELC", "ELECTRICIAN"),
    ("PLM", "PLUMBER"),
    ("RES", "REAL ESTATE SALESPERSON"),
    ("COS", "COSMETOLOGIST"),
    ("PCY", "PHARMACIST"),
    ("HIC", "HOME IMPROVEMENT CONTRACTOR"),
    ("MD", "PHYSICIAN"),
    ("DH", "DENTAL HYGIENIST"),
    ("EMT", "EMERGENCY MEDICAL TECHNICIAN"),
    ("CNA", "NURSE AIDE"),
)
LICENSE_STATUSES: tuple[str, ...] = ("ACTIVE", "ACTIVE", "ACTIVE", "INACTIVE", "EXPIRED", "LAPSED")
HHS_PROGRAMS: tuple[str, ...] = ("SNAP", "HUSKY A", "HUSKY D", "TANF", "CHILD CARE", "LIHEAP")


def _pick(rng: np.random.Generator, options: Iterable[str], n: int) -> pl.Series:
    values = list(options)
    return pl.Series(values).gather(rng.integers(0, len(values), size=n))


def _styled_names(
    values: pl.Series,
    display: Mapping[str, str],
    noise: Noise,
    rng: np.random.Generator,
    care: Floats,
    *,
    title: bool,
) -> pl.Series:
    """Names in the source's case, with its accents, odd-case entries and stray spaces."""
    n = values.len()
    rnd = _python_random(rng)
    styled = values.str.to_titlecase() if title else values
    if noise.accent > 0:
        accented = values.replace_strict(dict(display), default=None, return_dtype=pl.String)
        if not title:
            accented = accented.str.to_uppercase()
        use = _chance(rng, n, noise.accent) & accented.is_not_null().to_numpy()
        styled = _where(use, accented, styled)
        if noise.mojibake > 0:
            styled = _perturb(styled, use & _chance(rng, n, noise.mojibake), _mojibake, rnd)
    upper_or_lower = rng.random(n) < 0.5
    odd_case = _where(
        upper_or_lower,
        styled.str.to_uppercase() if title else styled.str.to_titlecase(),
        styled.str.to_lowercase(),
    )
    styled = _where(_slip(rng, care, noise.name_case), odd_case, styled)
    return _perturb(styled, _slip(rng, care, noise.whitespace), _whitespace_noise, rnd)


def _last_with_suffix(records: pl.DataFrame, rng: np.random.Generator) -> pl.Series:
    """Sources with no suffix column: the suffix is sometimes typed into the last name (SMITH JR)."""
    inside = (
        _chance(rng, records.height, SHARES.suffix_in_last_name) & records["suffix"].is_not_null().to_numpy()
    )
    joined = pl.concat_str([records["last"], records["suffix"]], separator=" ")
    return _where(inside, joined, records["last"])


def _street_and_unit(
    records: pl.DataFrame, noise: Noise, rng: np.random.Generator
) -> tuple[pl.Series, pl.Series]:
    """Street (direction, name, type) and unit text, abbreviated or spelled out as clerks do."""
    n = records.height
    spelled = _chance(rng, n, noise.address_style)
    street_type = _where(
        spelled, records["street_type"].replace(_STREET_TYPES_SPELLED), records["street_type"]
    )
    direction = _where(spelled, records["direction"].replace(_DIRECTIONS_SPELLED), records["direction"])
    street = pl.select(
        pl.when(records["street"].is_not_null()).then(
            pl.concat_str([direction, records["street"], street_type], separator=" ", ignore_nulls=True)
        )
    ).to_series()
    prefix = _where(spelled, _pick(rng, ("#", "UNIT", "APT."), n), pl.Series(["APT"] * n))
    unit = records["unit"]
    unit_text = pl.select(
        pl.when(unit.is_null())
        .then(None)
        .when(prefix == "#")
        .then(pl.concat_str([prefix, unit]))
        .otherwise(pl.concat_str([prefix, unit], separator=" "))
    ).to_series()
    return street, unit_text


def _address_line(records: pl.DataFrame, noise: Noise, rng: np.random.Generator, *, title: bool) -> pl.Series:
    street, unit_text = _street_and_unit(records, noise, rng)
    line = pl.select(
        pl.when(records["house_number"].is_not_null()).then(
            pl.concat_str([records["house_number"], street, unit_text], separator=" ", ignore_nulls=True)
        )
    ).to_series()
    if title:
        line = line.str.to_titlecase()
    return _perturb(
        line, _slip(rng, records["care"].to_numpy(), noise.whitespace), _whitespace_noise, _python_random(rng)
    )


def _dates_mostly(
    dates: pl.Series, usual: str, other: str, noise: Noise, rng: np.random.Generator, care: Floats
) -> pl.Series:
    """Dates in the column's usual format, a few typed in another (mpi.toml lists both)."""
    return _where(
        _slip(rng, care, noise.dob_other_format), dates.dt.strftime(other), dates.dt.strftime(usual)
    )


def _record_ids(rng: np.random.Generator, n: int, digits: int) -> pl.Series:
    return pl.Series(_unique_numbers(rng, n, 0, 10**digits)).cast(pl.String).str.zfill(digits)


def _concat(parts: list[pl.Series | pl.Expr], separator: str = "") -> pl.Series:
    """Join string pieces row by row; a null piece makes the row null."""
    return pl.select(pl.concat_str(parts, separator=separator)).to_series()


def _phone_dashed(phone: pl.Series) -> pl.Series:
    return _concat([phone.str.slice(0, 3), phone.str.slice(3, 3), phone.str.slice(6)], "-")


def _ssn_dashed(ssn: pl.Series) -> pl.Series:
    return _concat([ssn.str.slice(0, 3), ssn.str.slice(3, 2), ssn.str.slice(5)], "-")


def _school_year_start(event: pl.Series) -> pl.Series:
    return (event.dt.year() - (event.dt.month() < 7).cast(pl.Int32)).alias("school_year")


def _layout_ece(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.DataFrame:
    noise = NOISE["ece"]
    n = records.height
    care = records["care"].to_numpy()
    start = _school_year_start(records["event"])
    return pl.DataFrame(
        {
            "ChildID": _concat([pl.lit("EC"), _record_ids(rng, n, 8)]),
            "ChildFirstName": _styled_names(
                records["first"], tables.first_display, noise, rng, care, title=True
            ),
            "ChildMiddleName": _styled_names(
                records["middle"], tables.first_display, noise, rng, care, title=True
            ),
            "ChildLastName": _styled_names(
                _last_with_suffix(records, rng), tables.last_display, noise, rng, care, title=True
            ),
            "Gender": records["sex"].replace_strict({"M": "Male", "F": "Female"}, default=None),
            "DateOfBirth": _dates_mostly(records["dob"], "%-m/%-d/%Y", "%Y-%m-%d", noise, rng, care),
            "SASID": records["sasid"],
            "HomeAddress": _address_line(records, noise, rng, title=True),
            "Town": records["city"].str.to_titlecase(),
            "ZipCode": records["zip"],
            "GuardianPhone": _phone_dashed(records["phone"]),
            "ProgramType": _pick(rng, ECE_PROGRAMS, n),
            "ProgramYear": _concat(
                [start.cast(pl.String), ((start + 1) % 100).cast(pl.String).str.zfill(2)], "-"
            ),
        }
    )


def _district_codes(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.Series:
    """District of the school: the town's, except a student's second enrollment (moved, or entered twice)."""
    towns = tables.towns["town"].unique(maintain_order=True).to_list()
    codes = {town: f"{100 + 7 * i:03d}" for i, town in enumerate(towns)}
    home = records["city"].replace_strict(codes, default="999")
    elsewhere = _pick(rng, codes.values(), records.height)
    return _where(records["second_record"].to_numpy(), elsewhere, home)


def _grade_levels(age_at_event: pl.Series) -> pl.Series:
    grade = (age_at_event - 5).clip(-1, 12)
    return pl.select(
        pl.when(grade == -1)
        .then(pl.lit("PK"))
        .when(grade == 0)
        .then(pl.lit("KG"))
        .otherwise(grade.cast(pl.String).str.zfill(2))
    ).to_series()


def _layout_k12(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.DataFrame:
    noise = NOISE["k12"]
    n = records.height
    care = records["care"].to_numpy()
    district = _district_codes(records, tables, rng)
    start = _school_year_start(records["event"])
    return pl.DataFrame(
        {
            "STUDENT_KEY": _concat([district, _record_ids(rng, n, 7)], "-"),
            "SASID": records["sasid"],
            "LAST_NM": _styled_names(records["last"], tables.last_display, noise, rng, care, title=False),
            "FIRST_NM": _styled_names(records["first"], tables.first_display, noise, rng, care, title=False),
            "MIDDLE_NM": _styled_names(
                records["middle"], tables.first_display, noise, rng, care, title=False
            ),
            "GEN_CD": records["suffix"],
            "BIRTH_DT": records["dob"].dt.strftime("%Y%m%d"),
            "GENDER_CD": records["sex"].replace_strict({"M": "1", "F": "2"}, default=None),
            "ADDR_LINE1": _address_line(records, noise, rng, title=False),
            "CITY": records["city"],
            # Opened in a spreadsheet once: the ZIP became a number and lost its leading zero.
            "ZIP": records["zip"].str.strip_chars_start("0"),
            "GRADE_LVL": _grade_levels(records["age_at_event"]),
            "SCHOOL_YR": _concat([start.cast(pl.String), (start + 1).cast(pl.String)], "-"),
            "DISTRICT_CD": district,
        }
    )


def _college_terms(event: pl.Series) -> pl.Series:
    month = event.dt.month()
    season = pl.select(
        pl.when(month <= 5).then(pl.lit("SP")).when(month <= 8).then(pl.lit("SU")).otherwise(pl.lit("FA"))
    ).to_series()
    return _concat([event.dt.year().cast(pl.String), season])


def _layout_college(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.DataFrame:
    noise = NOISE["college"]
    n = records.height
    care = records["care"].to_numpy()
    last = _styled_names(records["last"], tables.last_display, noise, rng, care, title=True)
    first = _styled_names(records["first"], tables.first_display, noise, rng, care, title=True)
    middle = _styled_names(records["middle"], tables.first_display, noise, rng, care, title=True)
    suffix = records["suffix"].str.to_titlecase()
    given = pl.select(pl.concat_str([first, middle, suffix], separator=" ", ignore_nulls=True)).to_series()
    graduate = (records["age_at_event"].to_numpy() >= 23) & _chance(rng, n, 0.35)
    phone = records["phone"]
    return pl.DataFrame(
        {
            "student_id": _concat([pl.lit("@"), _record_ids(rng, n, 8)]),
            "full_name": _concat([last, given], ", "),
            "birth_date": records["dob"].dt.strftime("%Y-%m-%d"),
            "sex": records["sex"].fill_null("U"),
            "ssn": _ssn_dashed(records["ssn"]),
            # Stored as a number by the student system: leading zeros are gone.
            "sasid": records["sasid"].cast(pl.Int64),
            "email": records["email"],
            "phone": _concat(
                [
                    pl.lit("("),
                    phone.str.slice(0, 3),
                    pl.lit(") "),
                    phone.str.slice(3, 3),
                    pl.lit("-"),
                    phone.str.slice(6),
                ]
            ),
            "perm_address": _address_line(records, noise, rng, title=False),
            "perm_city": records["city"],
            "perm_state": pl.Series(["CT"] * n),
            "perm_zip": records["zip"],
            "institution": _pick(rng, COLLEGE_INSTITUTIONS, n),
            "term": _college_terms(records["event"]),
            "degree_level": pl.Series(np.where(graduate, "GR", "UG")),
        }
    )


def _layout_wages(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.DataFrame:
    noise = NOISE["wages"]
    n = records.height
    care = records["care"].to_numpy()
    employers = _unique_numbers(rng, max(50, n // 25), 10**8, 10**9)
    employer_weight = 1.0 / (np.arange(employers.size) + 5.0)
    employer = employers[rng.choice(employers.size, size=n, p=employer_weight / employer_weight.sum())]
    event = records["event"]
    quarter = (event.dt.month() - 1) // 3 + 1
    wages = np.round(np.exp(rng.normal(8.9, 0.8, size=n)), 2)
    return pl.DataFrame(
        {
            "REC_ID": pl.Series(_unique_numbers(rng, n, 10**11, 10**12)),
            # A numeric column in the wage system: SSNs starting with 0 lost their zeros.
            "SSN": records["ssn"].cast(pl.Int64),
            # Fixed-width origins: long names are cut.
            "LAST_NAME": _styled_names(
                _last_with_suffix(records, rng), tables.last_display, noise, rng, care, title=False
            ).str.slice(0, 15),
            "FIRST_NAME": _styled_names(
                records["first"], tables.first_display, noise, rng, care, title=False
            ).str.slice(0, 12),
            "MIDDLE_INIT": records["middle"].str.slice(0, 1),
            "EMPLOYER_FEIN": pl.Series(employer).cast(pl.String).str.zfill(9),
            "YEAR_QTR": _concat([event.dt.year().cast(pl.String), pl.lit("Q"), quarter.cast(pl.String)]),
            "QTR_WAGES": pl.Series(wages),
        }
    )


def _layout_licensing(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.DataFrame:
    noise = NOISE["licensing"]
    n = records.height
    care = records["care"].to_numpy()
    kind = rng.integers(0, len(LICENSE_TYPES), size=n)
    street, unit_text = _street_and_unit(records, noise, rng)
    unit_in_street = _chance(rng, n, noise.unit_in_street) & unit_text.is_not_null().to_numpy()
    street = _where(unit_in_street, pl.concat_str([street, unit_text], separator=" "), street)
    bare_unit = _chance(rng, n, SHARES.licensing_bare_unit)
    unit = _where(unit_in_street, None, _where(bare_unit, records["unit"], unit_text))
    zip_plus4 = _where(
        _chance(rng, n, SHARES.licensing_zip_plus4),
        _concat([records["zip"], records["zip4"]], "-"),
        records["zip"],
    )
    issued = records["event"]
    expires = pl.select(issued.dt.offset_by("2y")).to_series()
    return pl.DataFrame(
        {
            "LICENSE_NO": _concat(
                [pl.Series([c for c, _ in LICENSE_TYPES]).gather(kind), _record_ids(rng, n, 7)], "."
            ),
            "LICENSE_TYPE": pl.Series([t for _, t in LICENSE_TYPES]).gather(kind),
            "LAST": _styled_names(records["last"], tables.last_display, noise, rng, care, title=False),
            "FIRST": _styled_names(records["first"], tables.first_display, noise, rng, care, title=False),
            "MIDDLE": _styled_names(records["middle"], tables.first_display, noise, rng, care, title=False),
            "SUFFIX": records["suffix"],
            "DOB": _dates_mostly(records["dob"], "%d-%b-%Y", "%m/%d/%Y", noise, rng, care).str.to_uppercase(),
            "SSN": records["ssn"],
            "ADDR_NUM": records["house_number"],
            "ADDR_STREET": street,
            "ADDR_UNIT": unit,
            "CITY": records["city"],
            "STATE": pl.Series(["CT"] * n),
            "ZIP": zip_plus4,
            "EMAIL": records["email"].str.to_uppercase(),
            "ISSUE_DATE": issued.dt.strftime("%m/%d/%Y"),
            "EXPIRATION_DATE": expires.dt.strftime("%m/%d/%Y"),
            "STATUS": _pick(rng, LICENSE_STATUSES, n),
        }
    )


def _layout_hhs(records: pl.DataFrame, tables: _Tables, rng: np.random.Generator) -> pl.DataFrame:
    noise = NOISE["hhs"]
    n = records.height
    care = records["care"].to_numpy()
    first = _styled_names(records["first"], tables.first_display, noise, rng, care, title=False)
    middle = _styled_names(records["middle"], tables.first_display, noise, rng, care, title=False)
    last = _styled_names(records["last"], tables.last_display, noise, rng, care, title=False)
    full_name = pl.select(
        pl.concat_str([first, middle, last, records["suffix"]], separator=" ", ignore_nulls=True)
    ).to_series()
    ssn = _where(_chance(rng, n, SHARES.hhs_ssn_dashed), _ssn_dashed(records["ssn"]), records["ssn"])
    # A case number per household (a bijective scramble of the household number).
    case = (records["household"].cast(pl.Int64) * 2_654_435_761) % 100_000_000
    return pl.DataFrame(
        {
            "CLIENT_ID": _record_ids(rng, n, 9),
            "CLIENT_NAME": full_name,
            "AGE": records["age_at_event"],
            "AGE_AS_OF": records["event"].dt.strftime("%m/%d/%Y"),
            "SEX": records["sex"].fill_null("U"),
            "SSN": ssn,
            "ADDRESS": _address_line(records, noise, rng, title=False),
            "CITY": records["city"],
            "ZIP": records["zip"],
            "PHONE": records["phone"],
            "CASE_NO": _concat([pl.lit("CS"), case.cast(pl.String).str.zfill(8)]),
            "PROGRAM": _pick(rng, HHS_PROGRAMS, n),
        }
    )


_Layout = Callable[[pl.DataFrame, _Tables, np.random.Generator], pl.DataFrame]
_LAYOUTS: dict[str, _Layout] = {
    "ece": _layout_ece,
    "k12": _layout_k12,
    "college": _layout_college,
    "wages": _layout_wages,
    "licensing": _layout_licensing,
    "hhs": _layout_hhs,
}


# --------------------------------------------------------------------------------------
# Files, truth and mpi.toml
# --------------------------------------------------------------------------------------

ColumnMapping = str | dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """How one agency file is written and how mpi.toml maps it."""

    file_name: str
    record_id: str
    attributes: tuple[str, ...]
    columns: dict[str, ColumnMapping]
    format: str = "csv"
    delimiter: str = ","
    encoding: str = "utf-8"
    age_range: dict[str, Any] | None = None


SOURCE_FILES: dict[str, SourceFile] = {
    "ece": SourceFile(
        file_name="ece_enrollment.csv",
        encoding="latin-1",
        record_id="ChildID",
        attributes=("ProgramType", "ProgramYear"),
        columns={
            "first_name": "ChildFirstName",
            "middle_name": "ChildMiddleName",
            "last_name": "ChildLastName",
            "dob": {"column": "DateOfBirth", "date_format": ["%m/%d/%Y", "%Y-%m-%d"]},
            "sex": {"column": "Gender", "codes": {"Male": "M", "Female": "F"}},
            "sasid": {"column": "SASID", "pad": 10},
            "address": "HomeAddress",
            "city": "Town",
            "zip": "ZipCode",
            "phone": "GuardianPhone",
        },
    ),
    "k12": SourceFile(
        file_name="k12_students.txt",
        delimiter="|",
        record_id="STUDENT_KEY",
        attributes=("GRADE_LVL", "SCHOOL_YR", "DISTRICT_CD"),
        columns={
            "first_name": "FIRST_NM",
            "middle_name": "MIDDLE_NM",
            "last_name": "LAST_NM",
            "suffix": "GEN_CD",
            "dob": {"column": "BIRTH_DT", "date_format": "%Y%m%d"},
            "sex": {"column": "GENDER_CD", "codes": {"1": "M", "2": "F"}},
            "sasid": {"column": "SASID", "pad": 10},
            "address": "ADDR_LINE1",
            "city": "CITY",
            "zip": {"column": "ZIP", "pad": 5},
        },
    ),
    "college": SourceFile(
        file_name="college_enrollment.parquet",
        format="parquet",
        record_id="student_id",
        attributes=("institution", "term", "degree_level"),
        columns={
            "full_name": {"column": "full_name", "format": "LAST, FIRST MIDDLE SUFFIX"},
            "dob": {"column": "birth_date", "date_format": "%Y-%m-%d"},
            "sex": {"column": "sex", "codes": {"M": "M", "F": "F"}},
            "ssn": "ssn",
            "sasid": {"column": "sasid", "pad": 10},
            "email": "email",
            "phone": "phone",
            "address": "perm_address",
            "city": "perm_city",
            "state": "perm_state",
            "zip": "perm_zip",
        },
    ),
    "wages": SourceFile(
        file_name="ui_wages.csv",
        record_id="REC_ID",
        attributes=("EMPLOYER_FEIN", "YEAR_QTR", "QTR_WAGES"),
        columns={
            "ssn": {"column": "SSN", "pad": 9},
            "first_name": "FIRST_NAME",
            "middle_name": "MIDDLE_INIT",
            "last_name": "LAST_NAME",
        },
        # What the labor agency knows of its file: covered workers are 14 or older (child labor
        # law); as of the extract date, as its quarters go back years.
        age_range={"min": 14, "as_of": AS_OF.isoformat()},
    ),
    "licensing": SourceFile(
        file_name="professional_licenses.tsv",
        delimiter="\t",
        record_id="LICENSE_NO",
        attributes=("LICENSE_TYPE", "ISSUE_DATE", "EXPIRATION_DATE", "STATUS"),
        columns={
            "first_name": "FIRST",
            "middle_name": "MIDDLE",
            "last_name": "LAST",
            "suffix": "SUFFIX",
            "dob": {"column": "DOB", "date_format": ["%d-%b-%Y", "%m/%d/%Y"]},
            "ssn": "SSN",
            "street_number": "ADDR_NUM",
            "street_name": "ADDR_STREET",
            "unit": "ADDR_UNIT",
            "city": "CITY",
            "state": "STATE",
            "zip": "ZIP",
            "email": "EMAIL",
        },
    ),
    "hhs": SourceFile(
        file_name="hhs_clients.csv",
        record_id="CLIENT_ID",
        attributes=("CASE_NO", "PROGRAM"),
        columns={
            "full_name": {"column": "CLIENT_NAME", "format": "FIRST MIDDLE LAST SUFFIX"},
            "age": {"column": "AGE", "as_of_column": "AGE_AS_OF", "as_of_format": "%m/%d/%Y"},
            "sex": {"column": "SEX", "codes": {"M": "M", "F": "F"}},
            "ssn": "SSN",
            "address": "ADDRESS",
            "city": "CITY",
            "zip": "ZIP",
            "phone": "PHONE",
        },
    ),
}

PROJECT_NAME = "synthetic-p20w"
SHARED_IDS: tuple[str, ...] = ("sasid",)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    raise TypeError(f"cannot write {value!r} to TOML")


def config_toml() -> str:
    """The mpi.toml that maps every file `generate_population` writes."""
    lines = [
        "# Written by mpi synth: maps the synthetic agency files onto the canonical schema.",
        "[project]",
        f"name = {_toml_value(PROJECT_NAME)}",
        f"shared_ids = {_toml_value(list(SHARED_IDS))}",
        "",
        "[store]",
        'path = "mpi.duckdb"',
    ]
    for source in SOURCES:
        spec = SOURCE_FILES[source]
        lines += [
            "",
            f"[sources.{source}]",
            f"path = {_toml_value(spec.file_name)}",
            f"format = {_toml_value(spec.format)}",
        ]
        if spec.format == "csv":
            lines += [
                f"delimiter = {_toml_value(spec.delimiter)}",
                f"encoding = {_toml_value(spec.encoding)}",
            ]
        lines += [
            f"record_id = {_toml_value(spec.record_id)}",
            f"attributes = {_toml_value(list(spec.attributes))}",
        ]
        if spec.age_range:
            lines.append(f"age_range = {_toml_value(spec.age_range)}")
        lines += ["", f"[sources.{source}.columns]"]
        lines += [f"{fieldname} = {_toml_value(mapping)}" for fieldname, mapping in spec.columns.items()]
    return "\n".join(lines) + "\n"


def _write_source(frame: pl.DataFrame, spec: SourceFile, path: Path) -> None:
    if spec.format == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    elif spec.encoding == "utf-8":
        frame.write_csv(path, separator=spec.delimiter, null_value="")
    else:
        path.write_bytes(frame.write_csv(separator=spec.delimiter, null_value="").encode(spec.encoding))


def _truth_rows(source: str, record_ids: pl.Series, person_ids: pl.Series) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": pl.Series([source] * record_ids.len(), dtype=pl.String),
            "record_id": record_ids.cast(pl.String),
            "person_id": person_ids,
        }
    )
