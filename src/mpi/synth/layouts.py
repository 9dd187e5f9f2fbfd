"""How each agency writes its file: columns, case, date formats, code sets and address styles of the six layouts."""

from __future__ import annotations

from collections.abc import Callable, Mapping

import numpy as np
import polars as pl

from mpi.synth.corruption import _mojibake, _whitespace_noise
from mpi.synth.draws import Floats, _chance, _perturb, _pick, _python_random, _slip, _unique_numbers, _where
from mpi.synth.rates import NOISE, SHARES, Noise
from mpi.synth.tables import _Tables

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
