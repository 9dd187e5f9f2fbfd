"""The hashed person model: the clear person model, translated level by level onto keyed tokens and Bloom filters.

``build_hashed_model`` takes ``mpi.model.person.build_person_model`` and rewrites it, so every
improvement to the clear model reaches hashed linkage without a second copy to keep in step:

- equality of a clear column becomes equality of its token (same domain, same key), with the
  same term-frequency adjustment on the token;
- set intersection (parts of a compound surname) becomes intersection of token lists;
- Jaro-Winkler on a name or the address becomes a band of the Dice coefficient of the two
  Bloom filters, computed with bit operations in SQL (``dice_sql``);
- one-digit-off (Damerau-Levenshtein 1) on the date of birth or SSN becomes intersection of
  the one-edit variants the agency hashed (``tok_dob_near``, ``tok_ssn_near``); edit distance on
  any other field (the email address) is left out;
- custom SQL made only of equalities and NULL tests is renamed column by column; any other
  custom SQL must have an entry in ``CUSTOM_LEVELS`` (matched on its whitespace-normalized text);
- blocking rules are renamed the same way (the SSN's first five digits are their own token).

A clear level with no hashed counterpart (Jaro-Winkler on the middle name: no filter is sent;
edits to an email address) is left out, as is one that would need a token saying more than
equality (the same date of birth on 1 January, a short email user name); such a member of an Or (a swap with a typo, in the
name null levels) is dropped from it. Anything else untranslatable is an error naming
the level, so a new kind of level in the clear model cannot silently vanish from the hashed one.
The result is a plain, backend-neutral ``ModelSpec``: a trained hashed model holds no key
material, only m and u.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import cast

import sqlglot
from sqlglot import exp

from mpi.model.columns import columns_by_use
from mpi.model.errors import ModelError
from mpi.model.person import (
    BORN_A_GENERATION_APART,
    BORN_OUTSIDE_SOURCE_AGES,
    DOB_MONTH_DAY,
    DOB_YEAR_MONTH,
    EMAIL_USER_NAME,
    FIRST_INITIALS_DIFFER,
    FIRST_NAMES_WHOLE,
    GIVEN_NAMES_DIFFER,
    NO_SOURCE_AGES,
    SAME_DOB_1_JANUARY,
    SHORT_EMAIL_USER_NAME,
    STREET_NAME_PREFIX3,
    SWAPPED_WITH_A_TYPO,
    ZIP_PREFIX3,
    build_person_model,
)
from mpi.model.spec import (
    BlockingRuleSpec,
    ColumnRef,
    ComparisonSpec,
    LevelSpec,
    ModelSpec,
    custom,
)
from mpi.schema import SHARED_ID_PREFIX, shared_id_token_column

HASHED_MODEL_NAME = "person-hashed"
HASHED_COLUMN_PREFIXES = ("tok_", "bf_")

# Clear column -> the token column holding its keyed HMAC (shared ids id_<name> -> tok_id_<name>).
TOKEN_FOR_COLUMN: dict[str, str] = {
    "first_name": "tok_first_name",
    "first_name_std": "tok_first_name_std",
    "first_name_formals": "tok_first_name_formals",
    "first_name_nysiis": "tok_first_name_nysiis",
    "first_name_metaphone": "tok_first_name_metaphone",
    "first_last_name": "tok_first_last_name",
    "middle_name": "tok_middle_name",
    "last_name": "tok_last_name",
    "last_name_parts": "tok_last_name_parts",
    "last_name_nysiis": "tok_last_name_nysiis",
    "last_name_metaphone": "tok_last_name_metaphone",
    "suffix": "tok_suffix",
    "dob": "tok_dob",
    "birth_year_min": "tok_birth_year",
    "sex": "tok_sex",
    "ssn": "tok_ssn",
    "ssn_last4": "tok_ssn_last4",
    "address": "tok_address",
    "street_number": "tok_street_number",
    "zip": "tok_zip",
    "city": "tok_city",
    "phone": "tok_phone",
    "email": "tok_email",
}
# A transformed clear column (a prefix) -> the token the agency hashed from it as a blocking key.
TOKEN_FOR_KEY: dict[ColumnRef, str] = {
    ColumnRef("first_name").substr(1, 1): "tok_first_initial",
    ColumnRef("first_name").substr(1, 3): "tok_first_name_prefix3",
    ColumnRef("last_name").substr(1, 1): "tok_last_initial",
    ColumnRef("last_name").substr(1, 3): "tok_last_name_prefix3",
    ColumnRef("ssn").substr(1, 5): "tok_ssn_prefix",
    DOB_YEAR_MONTH: "tok_dob_year_month",
    DOB_MONTH_DAY: "tok_dob_month_day",
    EMAIL_USER_NAME: "tok_email_user",
    ZIP_PREFIX3: "tok_zip_prefix3",
    STREET_NAME_PREFIX3: "tok_street_name_prefix3",
}
# Transformed clear columns no token stands for, whose levels are left out on purpose: a token of
# the short user names alone would tell the hub which user names are initials.
CLEAR_ONLY_KEYS: frozenset[ColumnRef] = frozenset({SHORT_EMAIL_USER_NAME})
# Clear columns the agency hashed into one token: a rule blocking on all of them blocks on it.
TOKEN_FOR_COLUMNS: dict[tuple[str, ...], str] = {("street_number", "street_name"): "tok_street"}
# Clear column -> its Bloom filter, for string similarity.
BLOOM_FOR_COLUMN: dict[str, str] = {
    "first_name": "bf_first_name",
    "last_name": "bf_last_name",
    "address": "bf_address",
}
# One-edit (Damerau-Levenshtein 1) variants the agency hashed, by clear column.
NEAR_FOR_COLUMN: dict[str, str] = {"dob": "tok_dob_near", "ssn": "tok_ssn_near"}
# Jaro-Winkler threshold -> Dice threshold on Bloom filters. Measured on name pairs with one
# keyboard typo (tests/privacy): such pairs keep a Dice of 0.6-0.85, unrelated names 0.1-0.3,
# and Dice falls about 2.5 times as fast as Jaro-Winkler with each edit.
DICE_FOR_JARO_WINKLER: dict[float, float] = {0.92: 0.8, 0.90: 0.75, 0.88: 0.7, 0.80: 0.6}


def dice_threshold(jaro_winkler: float) -> float:
    return DICE_FOR_JARO_WINKLER.get(round(jaro_winkler, 2), round(max(0.3, 1 - 2.5 * (1 - jaro_winkler)), 2))


def dice_sql(column: str, threshold: float) -> str:
    """Dice(A, B) >= t over two Bloom filters, as 2 |A & B| >= t (|A| + |B|), without division."""
    left, right = f"{column}_l", f"{column}_r"
    return f"2 * bit_count({left} & {right}) >= {threshold} * (bit_count({left}) + bit_count({right}))"


def overlap_sql(column: str) -> str:
    """The two records' token sets share an element.

    DuckDB's list_has_any stops at the first common token; Splink's ArrayIntersectLevel renders
    array_length(list_intersect(l, r)) >= 1, which builds the whole intersection first: 3.5 times
    the cost on the fifteen one-edit variants of a date, evaluated for nearly every candidate pair
    (measured on synth 100k: the date comparison fell from 4.3 to 1.2 CPU seconds). Hashed models
    are DuckDB-only anyway (Dice on BIT strings).
    """
    return f"list_has_any({column}_l, {column}_r)"


def _overlap_level(level: LevelSpec, column: str) -> LevelSpec:
    return replace(level, creator="CustomLevel", args={"sql_condition": overlap_sql(column)})


def _middle_first(level: LevelSpec) -> LevelSpec:
    # A middle name equal to its own initial is one letter long: not a name to go by.
    return replace(
        level,
        args={
            "sql_condition": "(tok_first_name_l = tok_middle_name_r AND tok_middle_name_r <> tok_middle_initial_r) "
            "OR (tok_middle_name_l = tok_first_name_r AND tok_middle_name_l <> tok_middle_initial_l)"
        },
    )


def _sql(sql: str) -> Callable[[LevelSpec], LevelSpec]:
    return lambda level: replace(level, args={"sql_condition": sql})


def _age_overlap(level: LevelSpec) -> LevelSpec:
    # A composite of two custom conditions: no date of birth on one side, and the years overlap.
    both = (
        custom("tok_dob_l IS NULL OR tok_dob_r IS NULL", label="An age on one side"),
        custom(overlap_sql("tok_birth_years"), label="Years of birth overlap"),
    )
    return replace(level, creator="And", args={"levels": both})


def _normalize_sql(sql: str) -> str:
    return " ".join(sql.split())


def _left_out(_level: LevelSpec) -> None:
    return None


# Custom levels of the clear model that need more than renaming, by their SQL (whitespace-normalized).
# A translation to None leaves the level out: its pairs fall to the next level that holds them.
CUSTOM_LEVELS: dict[str, Callable[[LevelSpec], LevelSpec | None]] = {
    _normalize_sql(sql): translate
    for sql, translate in (
        # A token says nothing of the date it stands for, and sending one that marks 1 January
        # would tell the hub which dates are 1 January: those pairs count as any same date.
        (SAME_DOB_1_JANUARY, _left_out),
        # Equal tokens say nothing of how far apart two years are: those pairs count as different dates.
        (BORN_A_GENERATION_APART, _left_out),
        # Bloom filters of first and last names are keyed apart, so no edit distance crosses
        # them: a swap with a typo counts as different names, as before the clear level existed.
        (SWAPPED_WITH_A_TYPO, _left_out),
        (
            "(first_name_l = middle_name_r AND length(middle_name_r) > 1) "
            "OR (middle_name_l = first_name_r AND length(middle_name_l) > 1)",
            _middle_first,
        ),
        # Names and initials share a token domain: a one-letter name equals the other's initial.
        (
            "(length(first_name_l) = 1 OR length(first_name_r) = 1) "
            "AND substr(first_name_l, 1, 1) = substr(first_name_r, 1, 1)",
            _sql("tok_first_name_l = tok_first_initial_r OR tok_first_initial_l = tok_first_name_r"),
        ),
        (
            "middle_name_l = middle_name_r AND length(middle_name_l) > 1",
            _sql("tok_middle_name_l = tok_middle_name_r AND tok_middle_name_l <> tok_middle_initial_l"),
        ),
        (
            "substr(middle_name_l, 1, 1) = substr(middle_name_r, 1, 1) "
            "AND (length(middle_name_l) = 1 OR length(middle_name_r) = 1)",
            _sql("tok_middle_name_l = tok_middle_initial_r OR tok_middle_initial_l = tok_middle_name_r"),
        ),
        # All name tokens share one key domain, so a first initial compares with a middle one.
        (
            GIVEN_NAMES_DIFFER,
            _sql(
                "tok_middle_initial_l <> tok_middle_initial_r "
                "AND (tok_first_initial_l <> tok_middle_initial_r OR tok_middle_initial_l <> tok_first_initial_r) "
                "AND NOT (tok_first_name_l = tok_middle_name_r AND tok_middle_name_r <> tok_middle_initial_r) "
                "AND NOT (tok_middle_name_l = tok_first_name_r AND tok_middle_name_l <> tok_middle_initial_l) "
                "AND tok_first_name_nysiis_l <> tok_first_name_nysiis_r "
                "AND tok_first_name_metaphone_l <> tok_first_name_metaphone_r"
            ),
        ),
        (FIRST_INITIALS_DIFFER, _sql("tok_first_initial_l <> tok_first_initial_r")),
        # A one-letter name equals its own initial.
        (
            FIRST_NAMES_WHOLE,
            _sql("tok_first_name_l <> tok_first_initial_l AND tok_first_name_r <> tok_first_initial_r"),
        ),
        # Number and street name were hashed together.
        (
            "street_number_l = street_number_r AND street_name_l = street_name_r",
            _sql("tok_street_l = tok_street_r"),
        ),
        # The agency hashed the date read day-for-month, and the same day a year later.
        (
            "year(dob_l) = year(dob_r) AND month(dob_l) = dayofmonth(dob_r) AND dayofmonth(dob_l) = month(dob_r)",
            _sql("tok_dob_l = tok_dob_swapped_r OR tok_dob_swapped_l = tok_dob_r"),
        ),
        (
            "month(dob_l) = month(dob_r) AND dayofmonth(dob_l) = dayofmonth(dob_r) "
            "AND abs(year(dob_l) - year(dob_r)) = 1",
            _sql("tok_dob_l = tok_dob_next_year_r OR tok_dob_next_year_l = tok_dob_r"),
        ),
        (
            "year(dob_l) = year(dob_r) AND month(dob_l) = month(dob_r)",
            _sql("tok_dob_year_month_l = tok_dob_year_month_r"),
        ),
        # A date's year and the years either side, against the other's year.
        (
            "abs(year(dob_l) - year(dob_r)) <= 1",
            _sql(
                "tok_dob_l IS NOT NULL AND tok_dob_r IS NOT NULL "
                "AND list_contains(tok_birth_year_near_l, tok_birth_year_r)"
            ),
        ),
        (
            "(dob_l IS NULL OR dob_r IS NULL) "
            "AND birth_year_min_l <= birth_year_max_r AND birth_year_min_r <= birth_year_max_l",
            _age_overlap,
        ),
        # ... and the SSN plus one, and JR's counterpart SR (SR's JR).
        (
            "abs(CAST(ssn_l AS BIGINT) - CAST(ssn_r AS BIGINT)) = 1",
            _sql("tok_ssn_l = tok_ssn_next_r OR tok_ssn_next_l = tok_ssn_r"),
        ),
        (
            "(suffix_l = 'JR' AND suffix_r = 'SR') OR (suffix_l = 'SR' AND suffix_r = 'JR')",
            _sql("tok_suffix_l = tok_suffix_counterpart_r"),
        ),
        # The agency hashed the birth years its age range rules out; the other record's years
        # (one from a date, two from an age) must all be among them.
        (NO_SOURCE_AGES, _sql("tok_birth_years_outside_l IS NULL AND tok_birth_years_outside_r IS NULL")),
        (
            BORN_OUTSIDE_SOURCE_AGES,
            _sql(
                "(tok_birth_year_r IS NULL AND list_has_all(tok_birth_years_outside_r, tok_birth_years_l)) "
                "OR (tok_birth_year_l IS NULL AND list_has_all(tok_birth_years_outside_l, tok_birth_years_r))"
            ),
        ),
    )
}

# SQL node types a custom level or blocking rule may hold to be translated by renaming columns.
_RENAMABLE = (
    exp.Column,
    exp.Identifier,
    exp.EQ,
    exp.NEQ,
    exp.And,
    exp.Or,
    exp.Not,
    exp.Is,
    exp.Null,
    exp.Paren,
    exp.Boolean,
    exp.TableAlias,
)


def token_column(column: str) -> str | None:
    if column.startswith(SHARED_ID_PREFIX):
        return shared_id_token_column(column[len(SHARED_ID_PREFIX) :])
    return TOKEN_FOR_COLUMN.get(column)


class _Untranslatable(ModelError):
    pass


def _rename_sql(sql: str, *, sides: bool) -> str:
    """Rename every clear column of equality/NULL-test SQL to its token column, or raise."""
    tree = sqlglot.parse_one(sql, read="duckdb")
    for node in tree.walk():
        if not isinstance(node, _RENAMABLE):
            raise _Untranslatable(f"{type(node).__name__} in SQL")
    for column in list(tree.find_all(exp.Column)):
        name = column.name
        base, suffix = (name[:-2], name[-2:]) if sides and name.endswith(("_l", "_r")) else (name, "")
        renamed = token_column(base)
        if renamed is None:
            raise _Untranslatable(f'column "{base}" has no token')
        column.set("this", exp.to_identifier(renamed + suffix))
    return tree.sql(dialect="duckdb")


def _column(ref: ColumnRef) -> str:
    key = TOKEN_FOR_KEY.get(ref)
    if key is not None:
        return key  # a blocking key the agency hashed on its own
    if ref.ops:
        raise _Untranslatable(f'column "{ref.name}" with transforms {ref.ops}')
    renamed = token_column(ref.name)
    if renamed is None:
        raise _Untranslatable(f'column "{ref.name}" has no token')
    return renamed


def _relabel(label: str | None) -> str | None:
    if label is None:
        return None
    return re.sub(
        r"Jaro-Winkler >= ([0-9.]+)",
        lambda m: f"Bloom filters: Dice >= {dice_threshold(float(m.group(1)))}",
        label,
    )


def hashed_level(level: LevelSpec) -> LevelSpec | None:
    """The hashed counterpart of one clear level; None if it has none and may be left out."""
    creator = level.creator
    # A level labelled from its column keeps the clear column's label ("Same sex", not "Same tok_sex"):
    # analysts read the field, the token is how the hub compares it.
    named_by_column = level.label is None and creator in (
        "NullLevel",
        "ExactMatchLevel",
        "ArrayIntersectLevel",
    )
    base = replace(
        level,
        label=level.display_label if named_by_column else _relabel(level.label),
        tf_column=token_column(level.tf_column) if level.tf_column else None,
    )
    if creator in ("And", "Or"):
        members = cast(tuple[LevelSpec, ...], level.args["levels"])
        children = [hashed_level(child) for child in members]
        kept = tuple(child for child in children if child is not None)
        # An And without a member would hold more pairs than the clear level: left out whole. An
        # Or without one holds fewer, as a level left out does: the rest fall to the next level.
        if not kept or (creator == "And" and len(kept) < len(children)):
            return None
        if len(kept) == 1:
            return replace(base, creator=kept[0].creator, args=kept[0].args)
        return replace(base, args={"levels": kept})
    if creator == "Not":
        child = hashed_level(cast(LevelSpec, level.args["comparison_level"]))
        return None if child is None else replace(base, args={"comparison_level": child})
    if creator == "ElseLevel":
        return base
    if creator == "ArrayIntersectLevel" and level.args.get("min_intersection", 1) == 1:
        ref = level.args["col_name"]
        assert isinstance(ref, ColumnRef)
        return _overlap_level(base, _column(ref))
    if creator in ("NullLevel", "ExactMatchLevel", "ArrayIntersectLevel"):
        ref = level.args["col_name"]
        assert isinstance(ref, ColumnRef)
        if ref in CLEAR_ONLY_KEYS:
            return None
        return replace(base, args={**level.args, "col_name": ColumnRef(_column(ref))})
    if creator == "JaroWinklerLevel":
        ref = level.args["col_name"]
        assert isinstance(ref, ColumnRef)
        bloom = BLOOM_FOR_COLUMN.get(ref.name)
        if bloom is None or ref.ops:
            return None  # no filter is sent for this field
        threshold = dice_threshold(float(level.args["distance_threshold"]))  # type: ignore[arg-type]
        label = base.label or f"Bloom filters: Dice >= {threshold}"
        return replace(
            base, creator="CustomLevel", args={"sql_condition": dice_sql(bloom, threshold)}, label=label
        )
    if creator == "DamerauLevenshteinLevel":
        ref = level.args["col_name"]
        assert isinstance(ref, ColumnRef)
        near = NEAR_FOR_COLUMN.get(ref.name)
        if near is None and not ref.ops:
            return None  # no edit variants are sent for this field
        if (
            near is None
            or level.args.get("distance_threshold") != 1
            or ref.ops not in ((), (("cast_to_string", ()),))
        ):
            raise _Untranslatable(f"Damerau-Levenshtein on {ref.name}")
        return _overlap_level(base, near)
    if creator == "CustomLevel":
        sql = str(level.args["sql_condition"])
        translate = CUSTOM_LEVELS.get(_normalize_sql(sql))
        if translate is not None:
            return translate(base)
        return replace(base, args={**level.args, "sql_condition": _rename_sql(sql, sides=True)})
    raise _Untranslatable(f"level creator {creator}")


def hashed_comparison(comparison: ComparisonSpec) -> ComparisonSpec:
    levels = []
    for index, level in enumerate(comparison.levels):
        try:
            translated = hashed_level(level)
        except _Untranslatable as exc:
            raise ModelError(
                f'The clear model\'s comparison "{comparison.name}" level {index} ({level.label or level.creator}) '
                f"has no hashed counterpart ({exc}). Teach mpi.model.hashed to translate it (CUSTOM_LEVELS for "
                "custom SQL), or hash what it needs at the agency."
            ) from None
        if translated is not None:
            levels.append(translated)
    name = comparison.name
    if name.startswith(SHARED_ID_PREFIX):
        name = shared_id_token_column(name[len(SHARED_ID_PREFIX) :])
    return replace(
        comparison, name=name, levels=tuple(levels), description=f"{comparison.description} (hashed)"
    )


def hashed_rule(rule: BlockingRuleSpec) -> BlockingRuleSpec:
    try:
        if rule.sql is not None:
            return replace(rule, sql=_rename_sql(rule.sql, sides=False))
        return replace(rule, columns=_rule_columns(rule.columns))
    except _Untranslatable as exc:
        raise ModelError(
            f'The clear model\'s blocking rule "{rule.description}" has no hashed counterpart ({exc}).'
        ) from None


def _rule_columns(columns: tuple[ColumnRef, ...]) -> tuple[ColumnRef, ...]:
    for together, token in TOKEN_FOR_COLUMNS.items():
        hashed_together = {ColumnRef(name) for name in together}
        if hashed_together <= set(columns):
            rest = tuple(c for c in columns if c not in hashed_together)
            return (ColumnRef(token), *_rule_columns(rest))
    return tuple(ColumnRef(_column(c)) for c in columns)


def translate_model(spec: ModelSpec, *, name: str = HASHED_MODEL_NAME) -> ModelSpec:
    """A clear model spec rewritten over tokens and Bloom filters (see the module docstring).

    A prediction rule with no hashed counterpart is left out (it only adds candidate pairs) and
    named in the description; untranslatable levels, training and deterministic rules are errors.
    """
    prediction_rules, left_out = [], []
    for rule in spec.prediction_rules:
        try:
            prediction_rules.append(hashed_rule(rule))
        except ModelError:
            left_out.append(rule.description)
    note = f" Left out (no hashed counterpart): blocking rule(s) {'; '.join(left_out)}." if left_out else ""
    return replace(
        spec,
        name=name,
        description=f"{spec.description}, translated onto keyed tokens and Bloom filters.{note}",
        comparisons=tuple(hashed_comparison(c) for c in spec.comparisons),
        prediction_rules=tuple(prediction_rules),
        training_rules=tuple(hashed_rule(r) for r in spec.training_rules),
        deterministic_rules=tuple(hashed_rule(r) for r in spec.deterministic_rules),
    )


def build_hashed_model(
    shared_ids: Sequence[str] = (),
    *,
    name: str = HASHED_MODEL_NAME,
    deterministic_recall: float = 0.8,
) -> ModelSpec:
    """The default person model, over hashed records; one exact token comparison per shared id."""
    return translate_model(
        build_person_model(shared_ids, deterministic_recall=deterministic_recall), name=name
    )


def is_hashed_spec(spec: ModelSpec) -> bool:
    """True if the model reads hashed columns (tokens, Bloom filters) rather than clear ones."""
    return any(column.startswith(HASHED_COLUMN_PREFIXES) for column in columns_by_use(spec))


__all__ = [
    "CUSTOM_LEVELS",
    "HASHED_MODEL_NAME",
    "build_hashed_model",
    "dice_sql",
    "is_hashed_spec",
    "translate_model",
]
