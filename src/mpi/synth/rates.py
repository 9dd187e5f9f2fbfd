"""The documented rates: population, coverage, shares of forms and noise per source, and their markdown tables."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import date
from typing import Any

# The extract date: ages, "current" records and the age source are as of this day.
AS_OF = date(2024, 9, 1)
_EPOCH = date(1970, 1, 1)
_AS_OF_DAYS = (AS_OF - _EPOCH).days
_YEAR_DAYS = 365.2425

SOURCES: tuple[str, ...] = ("ece", "k12", "college", "wages", "licensing", "hhs")
ORIGINS: tuple[str, ...] = ("general", "hispanic", "asian", "african", "haitian", "arab")


def _doc(text: str) -> Any:
    """A dataclass field whose description feeds the docstring tables."""
    return field(metadata={"doc": text})


# --------------------------------------------------------------------------------------
# Population rates (one place; rendered into the package docstring)
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
    """How a corruption or a layout variant splits into its forms (rendered into the package docstring)."""

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
# Corruption rates per source (one place; rendered into the package docstring)
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


def _fields_table(rates: PopulationRates | Shares, header: str) -> str:
    """One row per documented field of ``rates``: name, meaning, value."""
    lines = [f"| {header} | meaning | value |", "|---|---|---|"]
    for f in dataclasses.fields(rates):
        value = getattr(rates, f.name)
        shown = ", ".join(f"{v:g}" for v in value) if isinstance(value, tuple) else f"{value:g}"
        lines.append(f"| `{f.name}` | {f.metadata['doc']} | {shown} |")
    return "\n".join(lines)


def population_table_markdown() -> str:
    """The population rates as a markdown table (kept in the package docstring)."""
    return _fields_table(POPULATION, "population rate")


def shares_table_markdown() -> str:
    """The splits of corruptions and layout variants into their forms, as a markdown table."""
    return _fields_table(SHARES, "share")


def coverage_table_markdown() -> str:
    """Who appears in which source, as a markdown table (kept in the package docstring)."""
    lines = ["| source | who (age at AS_OF: probability) | second record |", "|---|---|---|"]
    for source in SOURCES:
        if source == "hhs":
            who = f"whole households: {HHS_HOUSEHOLD:g} of households, each member {HHS_MEMBER:g}"
        else:
            who = "; ".join(f"{low}-{high}: {rate:g}" for low, high, rate in COVERAGE[source])
        lines.append(f"| `{source}` | {who} | {REPEAT_RECORDS[source]:g} |")
    return "\n".join(lines)


def noise_table_markdown() -> str:
    """The corruption rates per source as a markdown table (kept in the package docstring)."""
    lines = [
        "| corruption | what happens | " + " | ".join(SOURCES) + " |",
        "|---|---|" + "---|" * len(SOURCES),
    ]
    for f in dataclasses.fields(Noise):
        rates = [getattr(NOISE[s], f.name) for s in SOURCES]
        shown = " | ".join(f"{r:g}" if r else "-" for r in rates)
        lines.append(f"| `{f.name}` | {f.metadata['doc']} | {shown} |")
    return "\n".join(lines)
