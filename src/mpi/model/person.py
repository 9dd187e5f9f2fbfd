"""The default clear-text person model: comparisons, blocking and training rules over `records`."""

from __future__ import annotations

from collections.abc import Sequence

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
    levenshtein,
    null_level,
)
from mpi.schema import shared_id_column

DEFAULT_MODEL_NAME = "person"


def first_name_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="first_name",
        description="Given name: exact, nickname-canonical, phonetic, close spelling, initial",
        levels=(
            null_level("first_name"),
            exact("first_name", tf=True),
            exact("first_name_std", label="Same formal name (nickname resolved)"),
            any_of(
                exact("first_name_nysiis"),
                exact("first_name_metaphone"),
                label="Same sound (NYSIIS or Metaphone)",
            ),
            jaro_winkler("first_name", 0.92),
            jaro_winkler("first_name", 0.80),
            # An initial on one side agrees with any name starting with it.
            exact(ColumnRef("first_name").substr(1, 1), label="Same first initial"),
            else_level(),
        ),
    )


def last_name_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="last_name",
        description="Family name: exact, a shared part of a compound name, phonetic, close spelling",
        levels=(
            null_level("last_name"),
            exact("last_name", tf=True),
            # parts include the whole name, so GARCIA matches GARCIA-LOPEZ here
            array_intersect("last_name_parts", 1, label="A name part in common"),
            any_of(
                exact("last_name_nysiis"),
                exact("last_name_metaphone"),
                label="Same sound (NYSIIS or Metaphone)",
            ),
            jaro_winkler("last_name", 0.92),
            jaro_winkler("last_name", 0.80),
            else_level(),
        ),
    )


def name_swap_comparison() -> ComparisonSpec:
    # Its own comparison, so a swapped pair earns this evidence on top of the two
    # name comparisons, which both see disagreement.
    return ComparisonSpec(
        name="name_swap",
        description="First and last names entered the other way round",
        levels=(
            custom(
                "first_name_l IS NULL OR first_name_r IS NULL OR last_name_l IS NULL OR last_name_r IS NULL",
                label="A name is missing",
                is_null_level=True,
            ),
            custom(
                "first_name_l = last_name_r AND last_name_l = first_name_r AND first_name_l <> first_name_r",
                label="First and last names swapped",
            ),
            else_level(),
        ),
    )


def date_of_birth_comparison() -> ComparisonSpec:
    dob_text = ColumnRef("dob").cast_to_string()
    return ComparisonSpec(
        name="dob",
        description="Date of birth, or the birth-year range implied by an age",
        levels=(
            # birth_year_min is set from dob or from age, so this is "no birth information".
            null_level("birth_year_min", label="No date of birth or age"),
            exact("dob"),
            custom(
                "year(dob_l) = year(dob_r) AND month(dob_l) = dayofmonth(dob_r) "
                "AND dayofmonth(dob_l) = month(dob_r)",
                label="Day and month swapped",
            ),
            damerau_levenshtein(dob_text, 1, label="One digit off"),
            exact(dob_text.substr(1, 7), label="Same year and month"),
            custom("abs(year(dob_l) - year(dob_r)) <= 1", label="Birth years within 1"),
            custom(
                "(dob_l IS NULL OR dob_r IS NULL) "
                "AND birth_year_min_l <= birth_year_max_r AND birth_year_min_r <= birth_year_max_l",
                label="Age-only: birth-year ranges overlap",
            ),
            else_level(),
        ),
    )


def ssn_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="ssn",
        description="Social security number",
        levels=(
            null_level("ssn"),
            exact("ssn"),
            # SSNs are 9 digits on both sides, so Levenshtein 1 is one digit replaced...
            levenshtein("ssn", 1, label="One digit off"),
            # ...and what Damerau-Levenshtein 1 adds on top is a swap of adjacent digits.
            damerau_levenshtein("ssn", 1, label="Adjacent digits transposed"),
            else_level(),
        ),
    )


def shared_id_comparison(shared_id: str) -> ComparisonSpec:
    column = shared_id_column(shared_id)
    return ComparisonSpec(
        name=column,
        description=f'Shared identifier "{shared_id}"',
        levels=(null_level(column), exact(column), else_level()),
    )


def address_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="address",
        description="Street address line",
        levels=(
            null_level("address"),
            exact("address"),
            jaro_winkler("address", 0.90),
            else_level(),
        ),
    )


def location_comparison() -> ComparisonSpec:
    # ZIP and city in one comparison: they agree or disagree together, and
    # counting both would double the evidence of one move.
    return ComparisonSpec(
        name="zip_city",
        description="ZIP code, else city",
        levels=(
            all_of(null_level("zip"), null_level("city"), label="No ZIP and no city"),
            exact("zip", tf=True),
            exact("city", label="Same city"),
            exact(ColumnRef("zip").substr(1, 3), label="Same 3-digit ZIP prefix"),
            else_level(),
        ),
    )


def sex_comparison() -> ComparisonSpec:
    return ComparisonSpec(
        name="sex",
        description="Sex",
        levels=(null_level("sex"), exact("sex"), else_level()),
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
    """
    return (
        block_on("ssn"),
        block_on("dob"),
        *(block_on(shared_id_column(name)) for name in shared_ids),
        block_on("first_name", "last_name"),
        block_on("first_name_std", "last_name_nysiis"),
        block_on("last_name", "zip"),
        block_on("address", "first_name_nysiis"),
        block_on("address", "zip"),
        block_on_sql("l.first_name = r.last_name AND l.last_name = r.first_name"),
        # SSN typo in the last four digits; ZIP keeps the area-and-group blocks small
        block_on(ColumnRef("ssn").substr(1, 5), "zip"),
        # name change + dob typo + no SSN: still same first name sound, year and place
        block_on("birth_year_min", "first_name_nysiis", "zip"),
        block_on("birth_year_min", "first_name_std", "last_name_metaphone"),
    )


def training_rules(shared_ids: Sequence[str]) -> tuple[BlockingRuleSpec, ...]:
    """EM sessions: every comparison is left free (not blocked on) by at least one."""
    del shared_ids  # shared ids are free in every session below
    return (
        block_on("dob"),  # frees names, swap, ssn, address, zip, sex, suffix
        block_on("first_name", "last_name"),  # frees dob, ssn, address, zip, ...
        block_on("ssn"),  # frees names and dob together
        block_on("address"),  # frees names where the data has no dob and no SSN
    )


def deterministic_rules(shared_ids: Sequence[str]) -> tuple[BlockingRuleSpec, ...]:
    """Near-certain matches, used only to estimate how often two records match."""
    return (
        block_on("ssn", "dob"),
        block_on("first_name", "last_name", "dob"),
        block_on("first_name", "last_name", "address"),
        *(block_on(shared_id_column(name), "first_name_std") for name in shared_ids),
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
        last_name_comparison(),
        name_swap_comparison(),
        date_of_birth_comparison(),
        ssn_comparison(),
        *(shared_id_comparison(shared_id) for shared_id in shared_ids),
        address_comparison(),
        location_comparison(),
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
