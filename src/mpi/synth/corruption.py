"""The errors agencies make: corruptions of a record's names, dates, sex, ids, address and contact, and the per-value slips they use."""

from __future__ import annotations

import random
import re
from datetime import date, timedelta

import numpy as np
import polars as pl

from mpi.synth.draws import _chance, _perturb, _pick, _python_random, _slip, _where
from mpi.synth.names import _PARTICLES
from mpi.synth.rates import AS_OF, DOB_PLACEHOLDER, NEWBORN_DAYS, SHARES, SSN_PLACEHOLDERS, Noise


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
