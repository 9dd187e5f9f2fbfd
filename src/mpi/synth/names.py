"""Names: first and middle names, surnames by family rule (married names, children's), suffixes and nicknames."""

from __future__ import annotations

import numpy as np
import polars as pl

from mpi.synth.draws import Bools, Floats, Ints, _chance, _python_random
from mpi.synth.households import _CHILD, _FAMILY, _HEAD, _PARTNER, _SINGLE_PARENT, _Households
from mpi.synth.rates import ORIGINS, POPULATION
from mpi.synth.tables import _first_pool_key, _Tables

_GENERAL, _HISPANIC = ORIGINS.index("general"), ORIGINS.index("hispanic")
_SUFFIX_CODES: tuple[str | None, ...] = (None, "JR", "SR", "III")
_NO_SUFFIX, _JR, _SR, _III = 0, 1, 2, 3


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
