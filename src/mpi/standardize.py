"""Run sql/standardize/*.sql over mapped rows; build the nickname and phonetic lookup tables they join."""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from importlib import resources

import duckdb
import jellyfish
import nicknames
import polars as pl

from mpi.sqlutil import load_sql, run_sql_file

# Tables of distinct values and their standard forms, used while one source is standardized.
LOOKUP_TABLES = (
    "mpi__name_digit_repairs",
    "mpi__name_values",
    "mpi__name_lookup",
    "mpi__text_values",
    "mpi__unit_values",
    "mpi__street_values",
    "mpi__address_values",
    "mpi__nickname_map",
    "mpi__phonetic",
)


def install_macros(con: duckdb.DuckDBPyConnection) -> None:
    """Create the temporary SQL macros (text cleaning, SSN and date rules) on this connection."""
    con.execute(load_sql("standardize/macros"))


# The `nicknames` package's table is English only: it has no PEPE for JOSE, PACO for FRANCISCO or
# LUPE for GUADALUPE (its Spanish additions, carltonnorthern/nicknames#71, were not merged), and no
# other maintained package has them. This hand table, in the package's format, adds the common
# Spanish hypocoristics; a name shared by several (BETO: ALBERTO, ROBERTO) stands for each.
SPANISH_NICKNAMES = resources.files("mpi").joinpath("data/nicknames_es.csv")


@cache
def _nicknames_of(with_spanish: bool = True) -> dict[str, frozenset[str]]:
    """Name -> the names the curated tables (`nicknames` package, Spanish) list as its nicknames (upper case)."""
    nicknames_of: dict[str, set[str]] = defaultdict(set)
    with nicknames.with_names_csv_path() as english, resources.as_file(SPANISH_NICKNAMES) as spanish:
        for path in (english, spanish) if with_spanish else (english,):
            with open(path, encoding="utf-8") as handle:
                for row in csv.DictReader(handle):
                    if row["relationship"] == "has_nickname":
                        nicknames_of[row["name1"].upper()].add(row["name2"].upper())
    return {name: frozenset(nicks) for name, nicks in nicknames_of.items()}


@cache
def nickname_formals() -> dict[str, tuple[str, ...]]:
    """Name -> the name and every formal name it can stand for, following chains (sorted).

    Two first names sharing one of these are a nickname and its formal name (DANNY, DANIEL) or two
    nicknames of one name (BILL, BILLY); two formal names that merely share a nickname (WILLIAM
    and ROBERT share BILLY) are not. Unlike the single formal name of `nickname_to_formal`, this
    keeps every reading of an ambiguous nickname: TESS is TERESA or THERESA. "Formal" is decided
    as there: a name the table relates to this one, with a larger nickname family; then
    `_add_pairs_listed_one_way` adds the pairs that order reverses (GERALD has JERRY).
    """
    formals: dict[str, tuple[str, ...]] = {}

    def formals_of(name: str) -> tuple[str, ...]:
        if name not in formals:
            found = {name}
            for candidate in _formal_candidates().get(name, ()):
                found.update(formals_of(candidate))  # families only grow along a chain, so it ends
            formals[name] = tuple(sorted(found))
        return formals[name]

    chained = {name: formals_of(name) for name in _formal_candidates()}
    return {name: tuple(sorted(found)) for name, found in _add_pairs_listed_one_way(chained).items()}


def _add_pairs_listed_one_way(chained: dict[str, tuple[str, ...]]) -> dict[str, set[str]]:
    """Add the formal name of a pair the family ranking leaves unrelated (listed one way, against it).

    GERALD has JERRY, BRADLEY has BRAD, JESSICA has JESSIE, yet the nickname's own family is the
    larger, so ranking alone calls the nickname formal and the two would share nothing. The
    ranking itself stays, since it must be a strict order (chains end; `nickname_to_formal` must
    not make WILLIAM a WILHELMINA). Adding JERRY's formal GERALD also relates JERRY to every name
    that stands for GERALD, so an addition is kept only when each pair it newly relates is one the
    table lists: CHICK has CAROLINE and CHARLOTTE would relate them to each other, and is left out.
    """
    formals = {name: set(found) for name, found in chained.items()}
    nicknames_of = _nicknames_of()
    listed = {frozenset((name, nick)) for name, nicks in nicknames_of.items() for nick in nicks}

    def formals_of(name: str) -> set[str]:
        return formals.get(name, {name})

    for formal, nicks in sorted(nicknames_of.items()):
        for nick in sorted(nicks):
            if formals_of(nick) & formals_of(formal):
                continue  # related already: every pair listed both ways is, by the ranking
            standing_for_formal = {formal} | {name for name, found in formals.items() if formal in found}
            newly_related = {name for name in standing_for_formal if not formals_of(nick) & formals_of(name)}
            if all(frozenset((nick, name)) in listed for name in newly_related):
                formals[nick] = formals_of(nick) | {formal}
    return formals


@cache
def _ranking_families() -> dict[str, frozenset[str]]:
    """Name -> the nickname family that ranks it: the English table's for a name that table knows.

    The Spanish nicknames enlarge some English families (MANUEL gains MANOLO, SALVADOR gains CHAVA
    and CHAVO); counted, they would re-rank English pairs (MANUEL over EMANUEL, SALLY a SALVADOR
    rather than a SARAH). A name only the Spanish table knows (JOSE, PEPE) is ranked by it.
    """
    english = _nicknames_of(with_spanish=False)
    everything = _nicknames_of()
    english_names = _names_in(english)
    return {
        name: (english if name in english_names else everything).get(name, frozenset())
        for name in _names_in(everything)
    }


def _names_in(table: dict[str, frozenset[str]]) -> set[str]:
    """Every name of a nickname table, formal or nickname."""
    return {*table, *(nick for nicks in table.values() for nick in nicks)}


@cache
def _formal_candidates() -> dict[str, tuple[str, ...]]:
    """Name -> the names that list it as a nickname and rank above it as formal.

    A larger nickname family (`_ranking_families`) ranks higher; between families of the same size
    (TERENCE and TERRY, HAROLD and HARRY, RAY and RAYMOND: 61 of the English table's 1,345 pairs,
    related no other way) the longer name, then the alphabetically first. A strict order, so
    chains of candidates always end.
    """
    families = _ranking_families()

    def rank(name: str) -> tuple[int, int]:
        return (len(families[name]), len(name))

    candidates: dict[str, set[str]] = defaultdict(set)
    for formal, nicks in _nicknames_of().items():
        for nick in nicks:
            if (rank(formal), nick) > (rank(nick), formal):
                candidates[nick].add(formal)
    return {name: tuple(sorted(found)) for name, found in candidates.items()}


@cache
def nickname_to_formal() -> dict[str, str]:
    """Name -> formal first name, upper case, from the curated tables.

    The tables list some pairs both ways (BILL has WILLIAM, WILLIAM has BILL) and name some
    oddly (CHICK has CAROLINE), so "formal" is decided by shape: of a name and the names it is a
    nickname of, the formal one is a name with a larger nickname family (WILLIAM over BILL;
    MARGARET over PEGGY); among several, the one sharing most of the name's own family, then the
    larger family, then the longer name, then the alphabetically first. Both records of a pair go
    through the same map, so any fixed choice among true alternatives is fine, and comparisons use
    `nickname_formals`, which keeps every alternative. Names that map to themselves are left out.
    """
    families = _ranking_families()
    mapping = {}
    for name, candidates in _formal_candidates().items():
        own = families[name]

        # The candidate sharing more of this name's family wins (BILL: WILLIAM shares BILLY and
        # WILLIE, ROBERT fewer); then the one with more nicknames; then the longer; then A-Z.
        def formality(candidate: str, own: frozenset[str] = own) -> tuple[int, int, int, str]:
            family = families[candidate]
            return (-len(family & own), -len(family), -len(candidate), candidate)

        mapping[name] = min(candidates, key=formality)
    return {name: _follow(mapping, name) for name in mapping}


def _follow(mapping: dict[str, str], name: str) -> str:
    """BILLY -> BILL -> WILLIAM: follow the chain to its end (families only grow, so it ends)."""
    seen = {name}
    while mapping.get(name) is not None and mapping[name] not in seen:
        name = mapping[name]
        seen.add(name)
    return name


def phonetic_codes(names: list[str]) -> pl.DataFrame:
    """NYSIIS and Metaphone codes (jellyfish) for each name; spaces are ignored (DE LA CRUZ = DELACRUZ)."""
    squeezed = [name.replace(" ", "") for name in names]
    return pl.DataFrame(
        {
            "name": names,
            "nysiis": [jellyfish.nysiis(s) if s else None for s in squeezed],
            "metaphone": [jellyfish.metaphone(s) if s else None for s in squeezed],
        },
        schema={"name": pl.String, "nysiis": pl.String, "metaphone": pl.String},
    )


def _create_lookup(con: duckdb.DuckDBPyConnection, table: str, frame: pl.DataFrame) -> None:
    view = f"{table}__frame"
    con.register(view, frame)
    try:
        con.execute(f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM {view}")
    finally:
        con.unregister(view)


def nickname_frame() -> pl.DataFrame:
    """One row per name of the nickname table: name, formal_name, formals (every formal name)."""
    formal = nickname_to_formal()
    formals = nickname_formals()
    names = sorted(set(formal) | set(formals))
    return pl.DataFrame(
        {
            "name": names,
            "formal_name": [formal.get(name, name) for name in names],
            "formals": [formals.get(name, (name,)) for name in names],
        },
        schema={"name": pl.String, "formal_name": pl.String, "formals": pl.List(pl.String)},
    )


def build_name_lookups(con: duckdb.DuckDBPyConnection) -> None:
    """mpi__nickname_map (formal name, every formal name) and mpi__phonetic over the names in mpi__name_values."""
    _create_lookup(con, "mpi__nickname_map", nickname_frame())
    rows = con.execute(
        "SELECT DISTINCT name FROM (SELECT first_name_text AS name FROM mpi__name_values "
        "UNION ALL SELECT name_text FROM mpi__name_values) WHERE name IS NOT NULL"
    ).fetchall()
    _create_lookup(con, "mpi__phonetic", phonetic_codes([r[0] for r in rows]))


def standardize_mapped(con: duckdb.DuckDBPyConnection) -> None:
    """mpi__mapped -> mpi__enriched; the lookup tables stay for ``count_field_issues``, which drops them."""
    run_sql_file(con, "standardize/values")
    build_name_lookups(con)
    run_sql_file(con, "standardize/enrich_names")
    run_sql_file(con, "standardize/records")


def count_field_issues(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, int]]:
    """(field, issue, count) for values that became NULL, in the rows kept (not in mpi__row_rejects).

    Counted once the rejects are known: a rejected row is not indexed, so its values were not
    "set to null, row still indexed". Drops the lookup tables ``standardize_mapped`` left.
    """
    issues = con.execute(load_sql("standardize/field_issues")).fetchall()
    for table in LOOKUP_TABLES:
        con.execute(f"DROP TABLE {table}")
    return [(str(f), str(i), int(n)) for f, i, n in issues]
