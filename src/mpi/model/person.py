"""The default clear-text person model: comparisons, blocking and training rules over `records`."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from mpi.model.spec import (
    BlockingRuleSpec,
    ColumnRef,
    ComparisonSpec,
    LevelSpec,
    ModelSpec,
    all_of,
    any_of,
    array_intersect,
    block_on,
    block_on_sql,
    custom,
    damerau_levenshtein,
    else_level,
    exact,
    jaro_winkler,
    not_,
    null_level,
    stratified,
)
from mpi.schema import shared_id_column

DEFAULT_MODEL_NAME = "person"


def first_name_comparison() -> ComparisonSpec:
    # Stratified by surname: given names cluster with surnames (by origin, and in families),
    # so among people who share a surname a shared first name is less rare than its own
    # frequency says. Given the surname the level's u is estimated as such, and the name's
    # frequency still adjusts it, at half weight (tf_inside): FLINDERS PETRIE twice says more
    # than JOHN SMITH twice, but a name rare overall can be common among one surname's bearers
    # (FADUMO among the WARSAMEs). At full weight fake_1000 lost 0.008, where four copies of
    # every person make each name look frequent; at half weight synth 100k, historical50k and
    # pseudopeople gain and fake_1000 loses 0.002 (benchmarks/RESULTS.md, session 22).
    return ComparisonSpec(
        name="first_name",
        description="Given name: exact, nickname-canonical, middle name used, phonetic, close spelling, initial",
        levels=(
            names_missing_or_swapped("first_name"),
            # A typo in either one's name (CHRITSOPHER) leaves them the same name: otherwise that
            # record, scored as the other's own, bridges father and son into one person.
            named_alike_a_generation_apart(
                any_of(
                    exact("first_name"),
                    exact("first_name_std"),
                    same_sound("first_name"),
                    jaro_winkler("first_name", 0.92),
                ),
                "Same first name (or a typo of it), but born a generation apart at one household (father and son?)",
            ),
            *stratified(
                (
                    exact("first_name", tf=True, label="Same first name"),
                    any_of(
                        exact("first_name_std"),
                        array_intersect("first_name_formals", 1),
                        label="Nickname, or the same formal name",
                    ),
                    # People who go by their middle name are recorded under either name.
                    custom(
                        "(first_name_l = middle_name_r AND length(middle_name_r) > 1) "
                        "OR (middle_name_l = first_name_r AND length(middle_name_l) > 1)",
                        label="First name is the other's middle name",
                    ),
                    same_sound("first_name"),
                    jaro_winkler("first_name", 0.92, label="Jaro-Winkler >= 0.92"),
                    jaro_winkler("first_name", 0.80, label="Jaro-Winkler >= 0.80"),
                    # An initial on one side agrees with any name starting with it; two different
                    # full names that merely share a first letter fall to the else level.
                    custom(
                        "(length(first_name_l) = 1 OR length(first_name_r) = 1) "
                        "AND substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)",
                        label="Initial agrees",
                    ),
                ),
                condition=surname_in_common(),
                stratum="same surname",
                otherwise="other surnames",
                else_label="Different first names",
                tf_inside=0.5,
            ),
        ),
    )


def middle_name_comparison() -> ComparisonSpec:
    # Siblings, twins and father and son often share everything but the first and middle
    # names, so a middle name that differs is evidence against; an initial agrees with
    # any name starting with it (many files keep only the initial).
    return ComparisonSpec(
        name="middle_name",
        description="Middle name: exact, initial agrees, close spelling, different",
        levels=(
            null_level("middle_name"),
            named_alike_a_generation_apart(
                exact("middle_name"),
                "Same middle name, but born a generation apart at one household (father and son?)",
            ),
            custom(
                "middle_name_l = middle_name_r AND length(middle_name_l) > 1",
                label="Same middle name",
            ),
            custom(
                "substr(middle_name_l, 1, 1) = substr(middle_name_r, 1, 1) "
                "AND (length(middle_name_l) = 1 OR length(middle_name_r) = 1)",
                label="Middle initial agrees",
            ),
            jaro_winkler("middle_name", 0.88),
            else_level(label="Different middle names"),
        ),
    )


def same_sound(name: str) -> LevelSpec:
    """The same NYSIIS or Metaphone code of a name column (first_name, last_name)."""
    return any_of(
        exact(f"{name}_nysiis"), exact(f"{name}_metaphone"), label="Same sound (NYSIIS or Metaphone)"
    )


SAME_STREET_AND_NUMBER = "street_number_l = street_number_r AND street_name_l = street_name_r"


def same_address() -> LevelSpec:
    """Same street address (the unit may differ or be missing, the street name mistyped): one household's."""
    return any_of(
        exact("address"),
        custom(
            SAME_STREET_AND_NUMBER,
            label="Same street and number",
        ),
        street_name_mistyped(),
        label="Same address",
    )


def street_name_mistyped() -> LevelSpec:
    """The same house number in one ZIP or town, on street names a typo apart (CLARK KEY / CLARK KEV).

    A father and a son of one name, or twins, whose address is mistyped on one record are still one
    household, and their shared names and dates weigh as at one household. The location comparison
    has it as a level of its own, after the same street: the surname, stratified by address, counts
    less here, and "Similar address" (Jaro-Winkler on the whole line, which a shared house number
    inflates: 12 MAIN ST / 12 MAPLE ST is 0.905) would give the place less than the address is worth.
    Pairwise F1 trained / shipped (benchmarks/RESULTS.md, session 38): FEBRL3 without dob and SSN
    +0.0022 / +0.0024, FEBRL4 without them +0.0021 / +0.0017, the HHS review x3 +0.0028 / +0.0030,
    pseudopeople x3 +0.0005 / +0.0002, FEBRL4 shipped -0.0001, the other six within 0.0001. Without the
    location level, FEBRL without dob and SSN lost up to 0.0027: the surname counted less, the place no
    more. No Bloom filter is sent for the street name, so a hashed model leaves this out (and is
    unchanged by it).
    """
    return all_of(
        custom(
            "street_number_l = street_number_r AND (zip_l = zip_r OR city_l = city_r)",
            label="Same house number, in one ZIP or town",
        ),
        jaro_winkler("street_name", 0.90),
        label="Same house number, street names a typo apart",
    )


def surname_in_common() -> LevelSpec:
    """The same surname, or a part of a compound one."""
    return any_of(exact("last_name"), array_intersect("last_name_parts", 1), label="Surname in common")


def same_household(surnames: LevelSpec | None = None) -> LevelSpec:
    """Same address and a surname (or a part of one) in common, or ``surnames`` (a looser condition)."""
    return all_of(same_address(), surnames or surname_in_common(), label="Same household")


def surname_alike() -> LevelSpec:
    """A surname in common, or one mistyped or spelt by ear (ARROYO / ARROIO), or the names swapped on one record."""
    return any_of(
        surname_in_common(),
        same_sound("last_name"),
        jaro_winkler("last_name", 0.88),
        custom(ONE_NAME_CROSSWISE, label="A name in the other record's other field"),
        label="Surname alike",
    )


def last_name_comparison() -> ComparisonSpec:
    # Stratified by address: people at one address mostly share a surname, so given the
    # address (counted by the location comparison) a shared surname is weak evidence, and
    # its rarity says nothing more. Elsewhere the surname counts in full, rarer names more.
    return ComparisonSpec(
        name="last_name",
        description="Family name: exact, a shared part of a compound name, phonetic, close spelling",
        levels=(
            names_missing_or_swapped("last_name"),
            *stratified(
                (
                    exact("last_name", tf=True, label="Same last name"),
                    # parts include the whole name, so GARCIA matches GARCIA-LOPEZ here
                    array_intersect("last_name_parts", 1, label="A name part in common"),
                    same_sound("last_name"),
                    jaro_winkler("last_name", 0.92, label="Jaro-Winkler >= 0.92"),
                    jaro_winkler("last_name", 0.80, label="Jaro-Winkler >= 0.80"),
                ),
                condition=same_address(),
                stratum="same address",
                otherwise="elsewhere",
                else_label="Different last names",
            ),
        ),
    )


# First and last names entered the other way round: exactly, or sounding alike (a typo, or
# a compound name squashed: ST FLEUR / STFLEUR). Sound codes ignore spaces on both sides.
SWAPPED_EXACTLY = "first_name_l = last_name_r AND last_name_l = first_name_r AND first_name_l <> first_name_r"
SWAPPED_BY_SOUND = (
    "first_name_nysiis_l = last_name_nysiis_r AND last_name_nysiis_l = first_name_nysiis_r "
    "AND first_name_nysiis_l <> first_name_nysiis_r"
)


# Swapped, and one of the two names mistyped as well (JESSICA FAULL / FAULL JESSIA, MORRION ROBIN /
# ROBIN MORRISON): one name equals the other's crosswise, the other is an edit or two away (two
# only when both are six letters or more). Levenshtein, not Jaro-Winkler: DuckDB and Spark both
# have it under this name, and Splink's Jaro-Winkler level cannot compare two columns.
SWAPPED_WITH_A_TYPO = (
    "((first_name_l = last_name_r AND levenshtein(last_name_l, first_name_r) "
    "<= CASE WHEN length(last_name_l) >= 6 AND length(first_name_r) >= 6 THEN 2 ELSE 1 END) "
    "OR (last_name_l = first_name_r AND levenshtein(first_name_l, last_name_r) "
    "<= CASE WHEN length(first_name_l) >= 6 AND length(last_name_r) >= 6 THEN 2 ELSE 1 END)) "
    "AND first_name_l <> first_name_r AND last_name_l <> last_name_r"
)


# One record holds a single name, in the first name field, and it is the other's surname
# (FROHAWK / FREDERICK FROHAWK): registers and forms that keep only a surname, or a mononym.
SURNAME_AS_ONLY_NAME = (
    "(last_name_l IS NULL AND first_name_l = last_name_r AND first_name_l <> first_name_r) "
    "OR (last_name_r IS NULL AND first_name_r = last_name_l AND first_name_l <> first_name_r)"
)


# One name in the other record's other field, the other name different: the names swapped and one
# of them replaced or changed past a typo (JOSHUA BALCHIN / BALCHIN REEVE, JOHN SMITH / SMITH JOHNNY).
ONE_NAME_CROSSWISE = (
    "(first_name_l = last_name_r OR last_name_l = first_name_r) "
    "AND first_name_l <> first_name_r AND last_name_l <> last_name_r"
)


def swap_levels() -> tuple[LevelSpec, ...]:
    """The ways names can sit in the wrong field, each a level of name_swap."""
    return (
        custom(SWAPPED_EXACTLY, label="First and last names swapped"),
        custom(SWAPPED_BY_SOUND, label="Names swapped, spelt differently (same sounds)"),
        custom(SWAPPED_WITH_A_TYPO, label="Names swapped, one of them mistyped"),
        custom(SURNAME_AS_ONLY_NAME, label="A single name, the other's surname"),
        custom(ONE_NAME_CROSSWISE, label="One name in the other field, the other different"),
    )


def names_missing_or_swapped(column: str) -> LevelSpec:
    # A pair whose names name_swap scores is scored there alone: the first and last name comparisons
    # would otherwise both count "different" against it, taking back most of what the swap earns. Each
    # swap is a member of its own, so a hashed model drops only those it has no counterpart for.
    level = any_of(
        custom(f"{column}_l IS NULL OR {column}_r IS NULL", label="A name missing"),
        *swap_levels(),
        label=f"{column.replace('_', ' ').capitalize()} missing, or names swapped (scored by name_swap)",
    )
    return replace(level, is_null_level=True)


def name_swap_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="name_swap",
        description="First and last names entered the other way round",
        levels=(
            custom(
                "first_name_l IS NULL OR first_name_r IS NULL OR (last_name_l IS NULL AND last_name_r IS NULL) "
                f"OR ((last_name_l IS NULL OR last_name_r IS NULL) AND NOT ({SURNAME_AS_ONLY_NAME}))",
                label="A name is missing (and no single name is the other's surname)",
                is_null_level=True,
            ),
            *swap_levels(),
            else_level(label="Not swapped"),
        ),
    )


# The middle names' initials differ; the given names are not the other's the other way round
# (people who go by their middle name: ROBERT MARK / MARK R swaps both initials, JEAN CLAUDE /
# CLAUDE WILLIE has a whole name crosswise); and the first names' sounds differ (JORGE and GEORGE
# share a Metaphone code). One initial agreeing crosswise is not enough to call them one person:
# relatives' names meet that way by chance (DAVID R / ERNEST D, JENNIFER MONICA / PAUL J). Among
# pseudopeople's same-SSN pairs with one such initial, 41 of 41 linked (noise x1) and 36 of 41 (x3)
# were two people: a spouse's number on a tax return.
GIVEN_NAMES_DIFFER = (
    "substr(middle_name_l, 1, 1) <> substr(middle_name_r, 1, 1) "
    "AND (substr(first_name_l, 1, 1) <> substr(middle_name_r, 1, 1) "
    "OR substr(middle_name_l, 1, 1) <> substr(first_name_r, 1, 1)) "
    "AND NOT (first_name_l = middle_name_r AND length(middle_name_r) > 1) "
    "AND NOT (middle_name_l = first_name_r AND length(middle_name_l) > 1) "
    "AND first_name_nysiis_l <> first_name_nysiis_r "
    "AND first_name_metaphone_l <> first_name_metaphone_r"
)
FIRST_INITIALS_DIFFER = "substr(first_name_l, 1, 1) <> substr(first_name_r, 1, 1)"
FIRST_NAMES_WHOLE = "length(first_name_l) > 1 AND length(first_name_r) > 1"


def first_names_differ() -> LevelSpec:
    """Initials apart, or two whole names of one initial that are not close (JAMES / JANICE, STEPHEN / SARAH).

    Relatives share a first initial by chance as often as strangers do: among pseudopeople's
    same-SSN pairs whose whole first names shared an initial and nothing else (no sound, formal name
    or Jaro-Winkler 0.80) and whose middle initials differed, 33 of 33 linked (noise x1) and 40 of
    40 (x3) were two people.
    """
    return any_of(
        custom(FIRST_INITIALS_DIFFER, label="First initials differ"),
        all_of(
            custom(FIRST_NAMES_WHOLE, label="Whole first names"),
            not_(jaro_winkler("first_name", 0.80)),
            label="First names of one initial, not alike",
        ),
        label="First names differ",
    )


# m = u: what a level holding agreement that relatives share should weigh. The value itself is the
# share of a match's m the level keeps from the comparison's trained levels.
NO_EVIDENCE = 0.01


def carrying_no_evidence(level: LevelSpec) -> LevelSpec:
    """``level`` with m and u fixed equal (weight 0): agreement relatives share, which training would overcount."""
    return replace(level, fixed_m=NO_EVIDENCE, fixed_u=NO_EVIDENCE)


def shared_by_relatives(column: str, label: str) -> LevelSpec:
    """``column`` agrees but both given names differ (all four present): fixed to carry no evidence.

    Relatives share what identifies a person: twins a date of birth, a family an SSN (a
    parent's number on a child's record, one used by a spouse). Among pairs that agree on such
    a field, those whose first and middle names both differ are mostly relatives: among the
    scored pairs of pseudopeople's records (benchmarks/pseudopeople_to_mpi.py, noise x1 and x3)
    807 of 813 such same-SSN pairs and 497 of 502 same-date pairs are two people. Training cannot learn this: u comes from
    random pairs, which are almost never relatives, so it would give the agreement its full
    weight. Fixed like the suffix levels; the two name comparisons still count their
    disagreement. A middle name missing on either side is not enough: same-SSN pairs with the first
    names apart and a middle name missing are one person in 1,157 of 4,300 on synth 100k, same-date
    ones in 151 of 162 on fake_1000; at one household too it cost FEBRL4 0.0003 (session 30).
    """
    level = all_of(
        exact(column),
        first_names_differ(),
        custom(GIVEN_NAMES_DIFFER, label="Middle names differ, and the names are not swapped"),
        not_(array_intersect("first_name_formals", 1)),  # WILLIAM and BILL share a formal name
        label=label,
    )
    return carrying_no_evidence(level)


# Where only the year of birth is known, registers write 1 January (refugee and immigration
# records, registers built from other sources), so that date is shared far more often than another.
SAME_DOB_1_JANUARY = "dob_l = dob_r AND month(dob_l) = 1 AND dayofmonth(dob_l) = 1"

# YYYY-MM of the date of birth, as text in every backend.
DOB_YEAR_MONTH = ColumnRef("dob").cast_to_string().substr(1, 7)
# The day and month of birth (MM-DD): what a mistyped or guessed year leaves.
DOB_MONTH_DAY = ColumnRef("dob").cast_to_string().substr(6, 5)

# The part of an email address before the @ (standardized addresses hold exactly one @); the SQL
# macro mpi_email_user is the same for hashing and leak checks, which run in DuckDB only.
EMAIL_USER_NAME = ColumnRef("email").then("regex_extract", "^[^@]+")
# The user name and its @ when it holds at most three letters or digits (initials: f.s, jd), else
# null (Splink's regex_extract gives NULL for no match). So few of them exist that two people share
# one across providers nearly as often as one person does: in fake_1000, 22 of the 88 pairs sharing
# a user name of two letters with another domain were two people; none of a longer one.
SHORT_EMAIL_USER_NAME = ColumnRef("email").then("regex_extract", "^[^a-z0-9@]*([a-z0-9][^a-z0-9@]*){0,3}@")

# The first three characters of the ZIP: a US ZIP's sectional centre (a region of neighbouring
# towns), a UK postcode's area and the start of its district. A move to a nearby town keeps it, and so
# does a keying error in a ZIP's last digits.
ZIP_PREFIX3 = ColumnRef("zip").substr(1, 3)
STREET_NAME_PREFIX3 = ColumnRef("street_name").substr(1, 3)


# Years of birth 15 or more apart: from two dates of birth, or from an age (a range of two years) on
# either side, so a child's record and an adult's of one name at one address are told apart when one
# of them holds an age only (birth_year_min/max are the year itself for a date of birth).
BORN_A_GENERATION_APART = (
    "greatest(birth_year_min_l - birth_year_max_r, birth_year_min_r - birth_year_max_l) >= 15"
)
# How often one person's two records at one household give dates of birth 15 or more years apart
# (other than one digit off), and how often two people of one household do: what EM and random pairs
# gave the level inside the household stratum on the synthetic population (0.00395 and 0.155), fixed.
GENERATION_APART_M = 0.004
GENERATION_APART_AT_HOME_U = 0.155


def a_generation_apart_at_home() -> LevelSpec:
    """One household (address, a surname alike), years of birth 15 or more apart and not one digit off.

    A date mistyped moves a day, a month or a digit (1965 and 1985 stay "one digit off"), seldom
    a generation: such a pair is a parent and a child far more often than one person. The surname
    need only be alike: a father's and a son's records at one address with the surname mistyped on
    one (JUAREZ / JUARES) or the names swapped on one (REYNALDO CASTELLANOS / CASTELLANOS REYNALDO)
    are a household too. Among the kept pairs of such records (benchmarks/RESULTS.md, session 44),
    linked pairs of two people against one: the blind probe 124 / 2 and 27 / 0, the HHS review x3
    47 / 0, synth 100k 14 / 1; FEBRL3 and FEBRL4 (whole dates replaced) 0 / 24 and 0 / 16. Pairwise
    F1 trained / shipped: the HHS review x3 +0.0017 / +0.0015, the probe +0.0017 / +0.0022 (corruption
    x2.5) and +0.0003 / +0.0008, FEBRL4 and pseudopeople x3 -0.0001 / -0.0001, the rest within 0.0001.
    """
    return all_of(
        same_household(surname_alike()),
        custom(BORN_A_GENERATION_APART, label="Years of birth 15 or more apart"),
        any_of(
            custom("dob_l IS NULL OR dob_r IS NULL", label="An age on one side (no date to mistype)"),
            not_(damerau_levenshtein(ColumnRef("dob").cast_to_string(), 1)),
            label="Not one digit off",
        ),
        label="Born 15 or more years apart, at one household",
    )


def born_a_generation_apart_at_home() -> LevelSpec:
    """A father and a son (a mother and a daughter) of one name at one address: fixed to weigh against.

    Its m and u are fixed at what training gave dates a generation apart within a household on
    the synthetic population (weight -5.3): fitted to a store, or trained, where fathers and sons of
    one name share an address, EM takes those very pairs for one person and learns m five times
    higher (a black-box review's data: -2.5, and such pairs linked); and u from random pairs, which
    are seldom of one household, would be no household's. Away from home the level inside the
    strata keeps a trained m: on historical50k and fake_1000, where a mistyped year is common, one
    fixed for every pair cost 0.005-0.015 of pairwise F1. A level of its own, before the strata,
    which hold no fixed level.
    """
    return replace(
        a_generation_apart_at_home(), fixed_m=GENERATION_APART_M, fixed_u=GENERATION_APART_AT_HOME_U
    )


def named_alike_a_generation_apart(names_agree: LevelSpec, label: str) -> LevelSpec:
    """A name shared by a parent and a child of one household (JR and SR): fixed to carry no evidence.

    A son named for his father shares his first and middle names, his surname and his address;
    only the dates of birth (and a suffix, often left out) tell them apart. The name comparisons
    count such agreement as if it were a coincidence between strangers (+7 and +8 bits), so the
    date's -5.3 left the two linked (a black-box review: DESHAWN DESHAWN CARTER born 1983 and
    2008, p 0.9996). As for twins' shared dates (shared_by_relatives), the agreement is fixed to
    weigh nothing here; the dates still count against.
    """
    return carrying_no_evidence(all_of(names_agree, a_generation_apart_at_home(), label=label))


def date_of_birth_comparison() -> ComparisonSpec:
    dob_text = ColumnRef("dob").cast_to_string()
    # Stratified by household: two different people at one address with one surname and
    # the same date of birth are twins, which a random pair of records says nothing about.
    return ComparisonSpec(
        name="dob",
        description="Date of birth, or the birth-year range implied by an age",
        levels=(
            # birth_year_min is set from dob or from age, so this is "no birth information".
            null_level("birth_year_min", label="No date of birth or age"),
            shared_by_relatives("dob", "Same date of birth, but first and middle names differ (twins?)"),
            # Its own level, its own u; outside the household strata, which would split its few
            # pairs further.
            custom(SAME_DOB_1_JANUARY, label="Same date of birth, 1 January"),
            born_a_generation_apart_at_home(),
            *stratified(
                (
                    exact("dob", label="Same date of birth"),
                    custom(
                        "year(dob_l) = year(dob_r) AND month(dob_l) = dayofmonth(dob_r) "
                        "AND dayofmonth(dob_l) = month(dob_r)",
                        label="Day and month swapped",
                    ),
                    damerau_levenshtein(dob_text, 1, label="One digit off"),
                    custom(
                        "month(dob_l) = month(dob_r) AND dayofmonth(dob_l) = dayofmonth(dob_r) "
                        "AND abs(year(dob_l) - year(dob_r)) = 1",
                        label="Birth year off by one",
                    ),
                    # A day or a month mistyped beyond one digit, or a different date altogether.
                    custom(
                        "year(dob_l) = year(dob_r) AND month(dob_l) = month(dob_r)",
                        label="Same year and month",
                    ),
                    custom("abs(year(dob_l) - year(dob_r)) <= 1", label="Birth years within one"),
                    custom(
                        "(dob_l IS NULL OR dob_r IS NULL) "
                        "AND birth_year_min_l <= birth_year_max_r AND birth_year_min_r <= birth_year_max_l",
                        label="Age-only: birth-year ranges overlap",
                    ),
                    # A parent and a child of one name: a date mistyped moves a day, a month or a digit,
                    # seldom a generation. Its own level, so such pairs weigh more against than dates a few
                    # years off (siblings, spouses). At one household the level before the strata holds them.
                    custom(BORN_A_GENERATION_APART, label="Born 15 or more years apart"),
                ),
                condition=same_household(),
                stratum="same household",
                otherwise="other pairs",
                # Both full dates known and far apart, or ages that cannot be the same person's.
                else_label="Different dates of birth",
            ),
        ),
    )


NO_SOURCE_AGES = (
    "coalesce(source_birth_year_min_l, source_birth_year_max_l, "
    "source_birth_year_min_r, source_birth_year_max_r) IS NULL"
)
# One side has no date of birth or age, only its source's age range (a wage file holds people of
# working age); the other side's birth year is outside that range.
BORN_OUTSIDE_SOURCE_AGES = (
    "(birth_year_min_r IS NULL AND (birth_year_min_l > source_birth_year_max_r "
    "OR birth_year_max_l < source_birth_year_min_r)) "
    "OR (birth_year_min_l IS NULL AND (birth_year_min_r > source_birth_year_max_l "
    "OR birth_year_max_r < source_birth_year_min_l))"
)


def source_age_range_comparison() -> ComparisonSpec:
    """A birth year the other record's source cannot hold: a child against a wage record.

    The date-of-birth comparison sees nothing when one side has no date or age; the source's
    age_range (mpi.toml) still rules people out. A true match lands here only through a
    mistyped birth year or a range set too tight, so m is fixed small; u is estimated as usual.
    Both sides with a birth year are left to the date-of-birth comparison, so nothing counts twice.
    """
    return ComparisonSpec(
        name="source_ages",
        description="Birth year against the age range of the other record's source (age_range in mpi.toml)",
        levels=(
            custom(
                NO_SOURCE_AGES,
                label="No age range on either side",
                is_null_level=True,
            ),
            custom(
                BORN_OUTSIDE_SOURCE_AGES,
                label="Born outside the ages the other record's source holds",
                fixed_m=0.001,
            ),
            # No evidence either way: no birth year to check, or one within the range.
            LevelSpec(
                creator="ElseLevel", label="Within range, or no birth year to check", fixed_m=0.5, fixed_u=0.5
            ),
        ),
    )


def ssn_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="ssn",
        description="Social security number",
        levels=(
            null_level("ssn"),
            shared_by_relatives("ssn", "Same SSN, but first and middle names differ (a relative's number?)"),
            exact("ssn", label="Same SSN"),
            # Numbers issued one after the other go to twins and siblings as often as a
            # keying error produces them, so this level is fixed to carry no evidence.
            custom(
                "abs(CAST(ssn_l AS BIGINT) - CAST(ssn_r AS BIGINT)) = 1",
                label="Consecutive numbers",
                fixed_m=0.001,
                fixed_u=0.001,
            ),
            # SSNs are 9 digits on both sides: one digit replaced, or adjacent digits swapped.
            damerau_levenshtein("ssn", 1, label="One digit off or two swapped"),
            else_level(label="Different SSNs"),
        ),
    )


# Where a source keeps only the SSN's last four digits (SSN_LAST4, XXX-XX-1234), they are compared
# with the other's, in a comparison of their own: pairs with whole SSNs on both sides are the SSN
# comparison's. Fixed, not trained: the shipped model's synthetic data has no such source, and a
# store may hold few such pairs. The same person's two records give the same last four digits
# unless one was mistyped (m 0.97, about what training gives a whole SSN); two people's agree one
# time in 10,000 (u: serial numbers are near uniform). Agreeing +13.2 bits, disagreeing -5.
LAST4_AGREE_M = 0.97
LAST4_AGREE_U = 0.0001


def ssn_last4_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="ssn_last4",
        description="The SSN's last four digits, where one side has only those",
        levels=(
            custom(
                "ssn_last4_l IS NULL OR ssn_last4_r IS NULL OR (ssn_l IS NOT NULL AND ssn_r IS NOT NULL)",
                label="No last four digits on one side, or whole SSNs on both (the SSN comparison's)",
                is_null_level=True,
            ),
            replace(
                exact("ssn_last4", label="Same last four digits"),
                fixed_m=LAST4_AGREE_M,
                fixed_u=LAST4_AGREE_U,
            ),
            LevelSpec(
                creator="ElseLevel",
                label="Different last four digits",
                fixed_m=1 - LAST4_AGREE_M,
                fixed_u=1 - LAST4_AGREE_U,
            ),
        ),
    )


def shared_id_comparison(shared_id: str) -> ComparisonSpec:
    column = shared_id_column(shared_id)
    return ComparisonSpec(
        name=column,
        description=f'Shared identifier "{shared_id}"',
        levels=(null_level(column), exact(column), else_level(label=f"Different {shared_id}")),
    )


def location_comparison() -> ComparisonSpec:
    # Street address, ZIP and city in one comparison: a household shares all three, and
    # counting them apart would triple the evidence that two relatives are one person.
    return ComparisonSpec(
        name="location",
        description="Street address, else ZIP code, else city, else the ZIP's first three characters",
        levels=(
            all_of(
                null_level("address"), null_level("zip"), null_level("city"), label="No address, ZIP or city"
            ),
            exact("address", label="Same address line"),
            custom(
                SAME_STREET_AND_NUMBER,
                label="Same street and number (unit differs or missing)",
            ),
            street_name_mistyped(),
            jaro_winkler("address", 0.90, label="Similar address"),
            custom(
                "zip_l = zip_r AND address_l IS NOT NULL AND address_r IS NOT NULL",
                label="Same ZIP, different address",
            ),
            exact("zip", tf=True, label="Same ZIP, an address missing"),
            exact("city", label="Same city"),
            # A free-text city field carries typos (SOTHAMPTON, LABEROUCHE) that exact misses.
            jaro_winkler("city", 0.92, label="Similar city"),
            # A ZIP mistyped in one place (04308 / 04380, SE78UQ / SEU8UQ). Neighbouring ZIPs also
            # differ by one character; u, sampled from random pairs, says how often.
            damerau_levenshtein("zip", 1, label="ZIP one edit apart"),
            exact(ZIP_PREFIX3, label="ZIP starts alike (first three characters)"),
            else_level(label="Different places"),
        ),
    )


def email_comparison() -> ComparisonSpec:
    # A person keeps a user name across providers and mistypes a domain (COMBS.NET / COMSB.NET);
    # one or two edits anywhere are a typo more often than another person's address. A family
    # shares one address as it shares an SSN: a parent's email on a child's school record.
    return ComparisonSpec(
        name="email",
        description="Email address: exact, same user name, one or two edits",
        levels=(
            null_level("email", label="Email missing on either side, or one many people give (an office's?)"),
            shared_by_relatives(
                "email", "Same email address, but first and middle names differ (a family's?)"
            ),
            exact("email", label="Same email address"),
            # Neither for nor against: such a pair is not a different address either.
            replace(
                exact(
                    SHORT_EMAIL_USER_NAME,
                    label="Same short user name (three letters or digits), says nothing",
                ),
                is_null_level=True,
            ),
            exact(EMAIL_USER_NAME, label="Same user name (before the @)"),
            damerau_levenshtein("email", 2, label="One or two edits"),
            else_level(label="Different email addresses"),
        ),
    )


def phone_comparison() -> ComparisonSpec:
    # A phone is a household's as often as a person's: a landline, a parent's cell on a child's
    # record (a guardian phone). At one address it repeats what the address says, the household, not
    # the person: counted again there, it scored a family's records as one person (synth 10k pairwise
    # F1 0.9533 -> 0.9206 in session 3; 0.9681 -> 0.9665 in session 39, guarded for first names only).
    # It weighs nothing there, nor when two first names or births a generation apart share it (a
    # parent's number on a child's record, a father's and a son's of one name), as a family's email.
    # Elsewhere it follows a person who moved: a cell keeps its number. The variants measured are in
    # benchmarks/RESULTS.md (session 39).
    return ComparisonSpec(
        name="phone",
        description="Phone number away from a shared address: exact, one digit off or two swapped",
        levels=(
            # the model input view gives a number on many people's records as none (mpi.model.crowded)
            null_level("phone", label="Phone missing on either side, or one many people give (an office's?)"),
            carrying_no_evidence(
                all_of(
                    phone_alike(),
                    same_address(),
                    label="Same phone (or a typo of it) at one address (the household's?)",
                )
            ),
            carrying_no_evidence(
                all_of(
                    phone_alike(),
                    first_names_differ(),
                    not_(array_intersect("first_name_formals", 1)),  # WILLIAM and BILL share a formal name
                    label="Same phone (or a typo of it), but first names differ (a household's?)",
                )
            ),
            carrying_no_evidence(
                all_of(
                    phone_alike(),
                    custom(BORN_A_GENERATION_APART, label="Years of birth 15 or more apart"),
                    label="Same phone (or a typo of it), but born a generation apart (a parent's?)",
                )
            ),
            exact("phone", label="Same phone"),
            ONE_DIGIT_OFF_PHONE,
            else_level(label="Different phones"),
        ),
    )


# Ten digits on both sides: one digit mistyped, or two adjacent swapped.
ONE_DIGIT_OFF_PHONE = damerau_levenshtein("phone", 1, label="One digit off or two swapped")


def phone_alike() -> LevelSpec:
    """The same phone, or one a typo apart: a household's number mistyped on one record is still the household's."""
    return any_of(exact("phone"), ONE_DIGIT_OFF_PHONE, label="Same phone, or one digit off")


def sex_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="sex",
        description="Sex",
        levels=(null_level("sex"), exact("sex"), else_level(label="Different sex")),
    )


def suffix_comparison() -> ComparisonSpec:
    # Father and son share name and address; differing suffixes are the evidence that
    # tells them apart, and suffixes are too rare for training to learn that reliably.
    # The two "differ" levels therefore carry fixed priors that count against a match.
    return ComparisonSpec(
        name="suffix",
        description="Generational suffix (JR, SR, II, III, IV)",
        levels=(
            null_level("suffix", label="Suffix missing on either side"),
            exact("suffix"),
            custom(
                "(suffix_l = 'JR' AND suffix_r = 'SR') OR (suffix_l = 'SR' AND suffix_r = 'JR')",
                label="JR vs SR (father and son)",
                fixed_m=0.0001,
                fixed_u=0.01,
            ),
            # Both present (the null level took the rest) and not equal.
            LevelSpec(creator="ElseLevel", label="Different suffixes", fixed_m=0.001, fixed_u=0.01),
        ),
    )


def prediction_rules(shared_ids: Sequence[str]) -> tuple[BlockingRuleSpec, ...]:
    """Rules whose union keeps a true pair when any single field is corrupted or missing.

    The later rules catch pairs with several fields wrong at once (measured on FEBRL3:
    they lift blocking recall from 99.4% to 99.8% for 0.6% more pairs).

    The two address rules without a ZIP (same number, street and city; same address line and
    surname sound) catch a person whose ZIP is missing or mistyped and whose name or dob is too.
    Measured with them (session 14, benchmarks/run_accuracy.py; pairwise F1 trained / shipped):
    FEBRL3 without dob and SSN 0.9355 -> 0.9429 / 0.9225 -> 0.9354, FEBRL4 without them
    0.9531 -> 0.9592 / 0.9463 -> 0.9516, pseudopeople x3 0.9592 -> 0.9619 / 0.9598 -> 0.9603,
    pseudopeople at 6x noise 0.9053 -> 0.9107 / 0.9029 -> 0.9105 (blocking recall 0.812 -> 0.851),
    pseudopeople x1 -0.0003 / -0.0006, the rest unchanged. At synth 1M the candidate pairs went
    from 170.7 to 171.0 million (the rules' own 2.6 million are mostly made by other rules too).
    An earlier, unfitted shipped model lost up to 0.014 with them on pseudopeople, whose households
    share addresses: `mpi link` now fits it to each store (fit_to_records), and the loss is gone.
    """
    return (
        block_on("ssn"),
        block_on("dob"),
        *(block_on(shared_id_column(name)) for name in shared_ids),
        block_on("first_name", "last_name"),
        block_on("first_name_std", "last_name_nysiis"),
        block_on("last_name", "zip"),
        # the surname's sound and first initial in one city, when the ZIP differs or is missing.
        # Measured, trained pairwise F1 without it and the single-name rules below -> with them:
        # historical50k 0.8207 -> 0.8353 (blocking recall 0.705 -> 0.758). Without the
        # initial, historical50k rose to 0.8455 and FEBRL without dob/SSN by +0.008, but the rule
        # compared a one-town population's relatives (pseudopeople x3: 0.9607 -> 0.9504, precision
        # 0.960 -> 0.933); the initial keeps most of the gain and leaves them out (0.9593).
        block_on("city", "last_name_nysiis", ColumnRef("first_name").substr(1, 1)),
        block_on("address", "first_name_nysiis"),
        # Without a ZIP on one side the town is the only place to meet: first name (nicknames read as
        # the formal name) and city. Pairwise F1 trained / shipped: historical50k 0.8420 -> 0.8466 /
        # 0.8475 -> 0.8518, fake_1000 0.9028 -> 0.9078 (both), pseudopeople x3 +0.0013 / -0.0008,
        # pseudopeople x1 -0.0004 / -0.0006, at 6x noise +0.0003 / +0.0007. On every town, ZIP or
        # not, it gained a little more on historical50k but cost a third more pairs at synth 1M,
        # where ZIPs are nearly always there.
        block_on_sql(
            "l.city = r.city AND l.first_name_std = r.first_name_std AND (l.zip IS NULL OR r.zip IS NULL)"
        ),
        block_on("address", "zip"),
        block_on_sql("l.first_name = r.last_name AND l.last_name = r.first_name"),
        # a single name against the other's surname, each way round (one equality each: an OR
        # of the two would not be a hash join)
        block_on_sql("l.first_name = r.last_name AND l.last_name IS NULL"),
        block_on_sql("r.first_name = l.last_name AND r.last_name IS NULL"),
        # SSN typo in the last four digits; ZIP keeps the area-and-group blocks small
        block_on(ColumnRef("ssn").substr(1, 5), "zip"),
        # name change + dob typo + no SSN: still same first name sound, year and place
        block_on("birth_year_min", "first_name_nysiis", "zip"),
        block_on("birth_year_min", "first_name_std", "last_name_metaphone"),
        # Without dob and SSN (FEBRL with both dropped: blocking recall 64% -> 91%): typos
        # after the third letter of both names, a misspelt first name at one ZIP, a house.
        block_on(ColumnRef("first_name").substr(1, 3), ColumnRef("last_name").substr(1, 3)),
        block_on("zip", "first_name_nysiis"),
        block_on("zip", ColumnRef("first_name").substr(1, 1), ColumnRef("last_name").substr(1, 1)),
        block_on("street_number", "zip"),
        block_on("street_number", "street_name", "city"),
        block_on("address", "last_name_nysiis"),
        # An email address identifies a person as an SSN does, and some files have little else
        # (Splink's fake_1000: blocking recall 0.610 -> 0.743, for 682 more pairs on its 1,000 records;
        # 54 thousand on synth 1M, where no true pair needs it). On the user name alone, so that a
        # mistyped domain still meets: fake_1000 0.774 -> 0.828.
        block_on(EMAIL_USER_NAME),
        # A name misspelt, the other missing and a day mistyped: one name's sound and the birth month
        # (historical50k: the two rules add 2,636 true pairs, 0.9% of them; synth 1M: 6 million pairs, 4% more).
        block_on("first_name_nysiis", DOB_YEAR_MONTH),
        block_on("last_name_nysiis", DOB_YEAR_MONTH),
        # The year of birth mistyped or guessed (1844 / 1845) and the place differing: the surname's
        # sound and the day and month. Pairwise F1 of the trained model (session 24,
        # benchmarks/RESULTS.md): historical50k 0.8979 -> 0.9009 on its own, 0.9041 with the two
        # rules below, which together added 67,500 pairs to its 1.86 million and 19,000 to synth
        # 100k's 1.92 million.
        block_on("last_name_nysiis", DOB_MONTH_DAY),
        # One name missing: the other name and the town, as the ZIP-less rule above does for a
        # missing ZIP (historical50k 0.8979 -> 0.9022 with both; fake_1000 -0.003, one false merge
        # through an email user name; a few thousand pairs at synth 100k, whose names are rarely missing).
        *(
            block_on_sql(
                f"l.{kept} = r.{kept} AND l.city = r.city AND (l.{gone} IS NULL OR r.{gone} IS NULL)"
            )
            for kept, gone in (("last_name", "first_name"), ("first_name", "last_name"))
        ),
        # One name in the other record's other field (ONE_NAME_CROSSWISE), in one ZIP or town. With
        # the level, trained pairwise F1 (session 25, benchmarks/RESULTS.md): FEBRL3 without dob and SSN
        # 0.9560 -> 0.9602 (level) -> 0.9628 (rules), FEBRL4 without them 0.9671 -> 0.9709 -> 0.9728,
        # historical50k 0.9041 -> 0.9043 -> 0.9060; the town rules gave a third of the gain. The four
        # add 54,000 candidate pairs (2.8%) at synth 100k, where towns are few and large, 4,000 on historical50k.
        *(
            block_on_sql(f"{a}.first_name = {b}.last_name AND {a}.{place} = {b}.{place}")
            for place in ("zip", "city")
            for a, b in (("l", "r"), ("r", "l"))
        ),
        # The house number, the street's first three letters and the ZIP's: a street name split or
        # misspelt (WAKELINC IRCUIT, BURKITTS TREET) with a ZIP typo and both names changed or
        # misspelt. Trained pairwise F1 (session 26, benchmarks/RESULTS.md): FEBRL3 without dob and
        # SSN 0.9628 -> 0.9669 (blocking recall 0.930 -> 0.948), FEBRL4 without them 0.9728 -> 0.9755;
        # synth and pseudopeople unchanged. 17,000 more candidate pairs at synth 100k (0.9%).
        block_on("street_number", STREET_NAME_PREFIX3, ZIP_PREFIX3),
        # The year of birth and the surname's sound, nothing else: a first name changed past its
        # initial (a nickname, the middle name used, a misreading) on a record whose day, month and
        # place disagree or are missing, as in a file giving only the year of birth. Shipped model
        # (session 28, benchmarks/RESULTS.md), pairwise F1: historical50k 0.9123 -> 0.9154, fake_1000
        # 0.9622 -> 0.9651, pseudopeople x3 0.9752 -> 0.9762, an independent generator 0.8416 ->
        # 0.8483, synth 100k 0.9485 -> 0.9487. With the first initial added too it cost almost
        # nothing but kept only the last gain. About 21 million more candidate pairs at synth 1M
        # (11%), 190,000 at synth 100k (9%).
        block_on("birth_year_min", "last_name_nysiis"),
    )


def training_rules(shared_ids: Sequence[str]) -> tuple[BlockingRuleSpec, ...]:
    """EM sessions: every comparison is left free (not blocked on) by at least one.

    The primary sessions block on two identifiers at once, so their pairs are nearly all
    true matches and relatives seldom get in: a session on one shared trait (an address, a
    surname, even a date of birth: twins) teaches EM what a family looks like, and the m
    of "different first names" or "different dates of birth" would count siblings as one
    person. The fallbacks run only for comparisons the primaries left unestimated.
    """
    del shared_ids  # shared ids are free in every session below
    return (
        block_on("ssn", "dob"),  # frees names, location, sex, email
        # first_name_std, not first_name: the SSN and dob comparisons read first_name (see
        # shared_by_relatives), and a session frees only comparisons reading none of its columns.
        block_on("first_name_std", "last_name", "dob"),  # frees ssn, middle name, location, sex, email
        block_on("ssn", "first_name_std"),  # frees dob, last name
        block_on("dob", fallback=True),
        block_on("first_name", "last_name", fallback=True),
        block_on("ssn", fallback=True),
        block_on("first_name", "zip", fallback=True),  # frees last_name and dob without SSN
        block_on("last_name", "zip", fallback=True),  # frees first_name without dob or SSN
    )


def deterministic_rules(shared_ids: Sequence[str]) -> tuple[BlockingRuleSpec, ...]:
    """Near-certain matches, used only to estimate how often two records match.

    The fallbacks serve files with no SSN, date of birth, street address or shared id (names
    and a place only), where the others find nothing and training could not start.
    """
    return (
        block_on("ssn", "dob"),
        block_on("first_name", "last_name", "dob"),
        block_on("first_name", "last_name", "address"),
        *(block_on(shared_id_column(name), "first_name_std") for name in shared_ids),
        block_on("first_name", "last_name", "zip", fallback=True),
        block_on("first_name", "last_name", "city", fallback=True),
    )


def build_person_model(
    shared_ids: Sequence[str] = (),
    *,
    name: str = DEFAULT_MODEL_NAME,
    deterministic_recall: float = 0.8,
) -> ModelSpec:
    """The default person model; one exact comparison per shared id named in mpi.toml."""
    comparisons = (
        first_name_comparison(),
        middle_name_comparison(),
        last_name_comparison(),
        name_swap_comparison(),
        date_of_birth_comparison(),
        source_age_range_comparison(),
        ssn_comparison(),
        ssn_last4_comparison(),
        *(shared_id_comparison(shared_id) for shared_id in shared_ids),
        location_comparison(),
        email_comparison(),
        phone_comparison(),
        sex_comparison(),
        suffix_comparison(),
    )
    return ModelSpec(
        name=name,
        description="Default clear-text person model",
        comparisons=comparisons,
        prediction_rules=prediction_rules(shared_ids),
        training_rules=training_rules(shared_ids),
        deterministic_rules=deterministic_rules(shared_ids),
        deterministic_recall=deterministic_recall,
    )
