"""Why two records are, or are not, one person: each comparison's level and match weight under the
parameters the latest link run scored with, the rules that compare the pair, and the chain of
linked pairs that joins them when they were not linked directly."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.model import load_model_file
from mpi.model.backend import MODEL_INPUT_VIEW, register_input
from mpi.model.predict import drop_splink_tables, linker_for_model
from mpi.model.trained import TrainedModel
from mpi.overrides import RecordKey
from mpi.pair_display import displayed_record, level_labels, scored_pair_masked
from mpi.paths import shortest_path
from mpi.project_files import project_files, refuse_overwriting, refuse_replacing_another_kind
from mpi.project_models import DEFAULT_MODEL, locate_model
from mpi.quality.blocking import prediction_rule_conditions
from mpi.record_lookup import why_no_record
from mpi.runs import latest_run
from mpi.store import Store, open_store, table_in_store

_LEFT_TABLE = "mpi__explain_left"
_RIGHT_TABLE = "mpi__explain_right"


@dataclass(frozen=True, kw_only=True)
class ComparisonWeight:
    comparison: str
    level: str
    match_weight: float  # the level's log2(m/u), with the term-frequency adjustment
    term_frequency_weight: float | None  # the part of it the values' frequency adds (None: no adjustment)


@dataclass(frozen=True, kw_only=True)
class LinkStep:
    left: str  # SOURCE:RECORD_ID
    right: str
    match_probability: float | None  # None: a manual link (override)


@dataclass(frozen=True, kw_only=True)
class PairExplanation:
    left: dict[str, Any]
    right: dict[str, Any]
    scored_by: str  # whose parameters weigh the pair, in words
    run_id: int | None  # the run whose parameters they are (None: a model file's)
    prior_weight: float
    comparisons: tuple[ComparisonWeight, ...]  # those with a value on both sides
    match_weight: float
    match_probability: float
    threshold: float
    compared_by: tuple[str, ...] | None  # prediction rules that generate the pair (None: not known)
    stored_probability: float | None  # the pair's score in the latest run's kept pairs
    person_ids: tuple[str | None, str | None]
    chain: tuple[LinkStep, ...]  # how the two are joined in their person id (empty: not joined)
    overrides: tuple[str, ...]  # manual decisions on this pair
    # Why clustering keeps two persons apart that the pair's score would join, where the store can
    # tell: a manual unlink between their records, a source with one record per person. Empty: the
    # scored pairs between their records weigh against one person.
    kept_apart_by: tuple[str, ...] = ()

    @property
    def same_person(self) -> bool:
        return self.person_ids[0] is not None and self.person_ids[0] == self.person_ids[1]


@dataclass(frozen=True, kw_only=True)
class _Scorer:
    model: TrainedModel
    threshold: float
    run_id: int | None
    described: str


def explain_pair(
    config: ProjectConfig,
    left: RecordKey,
    right: RecordKey,
    *,
    model_name: str | None = None,
    chart_path: Path | None = None,
) -> PairExplanation:
    """Weigh the pair as the latest link run did (or with ``model_name``'s file) and say how it was decided.

    ``chart_path``: also write Splink's waterfall chart of the weights there, as offline HTML.
    """
    if (left.source, left.record_id) == (right.source, right.record_id):
        raise MpiUserError(f"Give two different records, not {left} twice.")
    if chart_path is not None:
        refuse_overwriting("--chart", chart_path, project_files(config))
        refuse_replacing_another_kind("--chart", chart_path, "an HTML page", is_an_html_page)
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        con = store.con
        sides = []
        for key in (left, right):
            record = displayed_record(con, key.source, key.record_id)
            if record is None:
                raise MpiUserError(why_no_record(con, key.source, key.record_id))
            sides.append(record)
        scorer = _scorer(config, con, model_name)
        scored, compared_by = _score(store, scorer.model, left, right, chart_path)
        stored = _stored_probability(con, left, right)
        person_ids = (_person_id(con, left), _person_id(con, right))
        chain = _chain(con, left, right, person_ids, scorer.threshold)
        overrides = _overrides(con, left, right)
        kept_apart_by = _kept_apart_by(config, con, left, right, person_ids)
    finally:
        store.close()
    labels = level_labels(scorer.model.spec)
    comparisons = []
    for comparison in scorer.model.spec.comparisons:
        gamma = scored.get(f"gamma_{comparison.name}")
        if gamma is None or int(gamma) == -1:
            continue
        tf_weight = scored.get(f"mw_tf_adj_{comparison.name}")
        comparisons.append(
            ComparisonWeight(
                comparison=comparison.name,
                level=labels[comparison.name].get(int(gamma), str(gamma)),
                match_weight=float(scored[f"mw_{comparison.name}"]) + float(tf_weight or 0.0),
                term_frequency_weight=None if tf_weight is None else float(tf_weight),
            )
        )
    rate = scorer.model.parameters.probability_two_random_records_match
    return PairExplanation(
        left=sides[0],
        right=sides[1],
        scored_by=scorer.described,
        run_id=scorer.run_id,
        prior_weight=math.log2(rate / (1 - rate)),
        comparisons=tuple(comparisons),
        match_weight=float(scored["match_weight"]),
        match_probability=float(scored["match_probability"]),
        threshold=scorer.threshold,
        compared_by=compared_by,
        stored_probability=stored,
        person_ids=person_ids,
        chain=chain,
        overrides=overrides,
        kept_apart_by=kept_apart_by,
    )


def _scorer(config: ProjectConfig, con: duckdb.DuckDBPyConnection, model_name: str | None) -> _Scorer:
    """The parameters to weigh with: those the latest run that scored used, or a model file's."""
    latest = latest_run(con)
    # A store last opened for writing by an earlier mpi has no run_models (opened read-only, it is not migrated).
    kept = (
        con.execute(
            "SELECT m.run_id, r.model, m.model_json FROM run_models AS m JOIN runs AS r USING (run_id) "
            "WHERE r.undone_at IS NULL ORDER BY m.run_id DESC LIMIT 1"
        ).fetchall()
        if table_in_store(con, "run_models")
        else []
    )
    if model_name is None and latest is not None and kept:
        run_id, name, model_json = kept[0]
        return _Scorer(
            model=TrainedModel.from_dict(json.loads(model_json)),
            threshold=latest.threshold,
            run_id=int(run_id),
            described=f'the parameters run {run_id} scored its pairs with (model "{name}")',
        )
    name = model_name or (latest.model if latest is not None else DEFAULT_MODEL)
    location = locate_model(config, name)
    if latest is not None and model_name is None:
        threshold = latest.threshold
        why = f"run {latest.run_id} was linked by an mpi that kept no parameters"
    else:
        threshold = location.threshold()
        why = "as --model asks" if model_name else "no link run yet"
    kind = (
        "shipped with mpi, as shipped: mpi link fits it to the records first"
        if location.shipped
        else str(location.path)
    )
    return _Scorer(
        model=load_model_file(location.path),
        threshold=threshold,
        run_id=None,
        described=f'model "{name}" ({kind}; {why})',
    )


def _score(
    store: Store, model: TrainedModel, left: RecordKey, right: RecordKey, chart_path: Path | None
) -> tuple[dict[str, Any], tuple[str, ...] | None]:
    """Splink's score of the pair (levels, weights, probability) and the prediction rules that make it.

    Term frequencies come from every record in the store, as a link computes them.
    """
    with store.splink_workspace() as con:
        linker = linker_for_model(con, model, retain_intermediate_calculation_columns=True)
        try:
            view = MODEL_INPUT_VIEW
            for table, key in ((_LEFT_TABLE, left), (_RIGHT_TABLE, right)):
                con.execute(
                    f"CREATE OR REPLACE TEMPORARY TABLE {table} AS SELECT * FROM {view} WHERE unique_id = ?",
                    [str(key)],
                )
            frames = [register_input(linker._db_api, t, display_name=t) for t in (_LEFT_TABLE, _RIGHT_TABLE)]
            records = linker.inference.score_pair(frames[0], frames[1]).as_record_list()
            if chart_path is not None:
                # The chart shows each comparison's values: the SSNs masked, as on the terminal.
                shown = [scored_pair_masked(record) for record in records]
                chart = linker.visualisations.waterfall_chart(shown, filter_nulls=True)
                chart_path.write_text(chart.to_html(inline=True), encoding="utf-8")
            compared_by = _rules_comparing(con, model, left, right)
        finally:
            drop_splink_tables(linker)
    return records[0], compared_by


def _rules_comparing(
    con: duckdb.DuckDBPyConnection, model: TrainedModel, left: RecordKey, right: RecordKey
) -> tuple[str, ...] | None:
    rules = model.spec.prediction_rules
    if any(rule.arrays_to_explode for rule in rules):
        return None
    conditions = prediction_rule_conditions(model.spec)
    hits = ", ".join(conditions) or "true"
    # Splink compares each pair once, in one order; a rule holds for it in either.
    row = con.execute(
        f"SELECT {hits} FROM {_LEFT_TABLE} AS l, {_RIGHT_TABLE} AS r UNION ALL "
        f"SELECT {hits} FROM {_RIGHT_TABLE} AS l, {_LEFT_TABLE} AS r"
    ).fetchall()
    return tuple(rule.description for i, rule in enumerate(rules) if row[0][i] or row[1][i])


def _stored_probability(con: duckdb.DuckDBPyConnection, left: RecordKey, right: RecordKey) -> float | None:
    if not table_in_store(con, "pairs"):
        return None
    rows = con.execute(
        "SELECT match_probability FROM pairs WHERE (source_l, record_id_l, source_r, record_id_r) IN "
        "((?, ?, ?, ?), (?, ?, ?, ?))",
        _either_way(left, right),
    ).fetchall()
    return float(rows[0][0]) if rows else None


def _either_way(left: RecordKey, right: RecordKey) -> list[str]:
    """Parameters for ``(source, id, source, id) IN ((?, ?, ?, ?), (?, ?, ?, ?))``: a pair in either order."""
    return [left.source, left.record_id, right.source, right.record_id] + [
        right.source,
        right.record_id,
        left.source,
        left.record_id,
    ]


def _person_id(con: duckdb.DuckDBPyConnection, key: RecordKey) -> str | None:
    rows = con.execute(
        "SELECT person_id FROM person_index WHERE source = ? AND record_id = ?", [key.source, key.record_id]
    ).fetchall()
    return str(rows[0][0]) if rows else None


def _chain(
    con: duckdb.DuckDBPyConnection,
    left: RecordKey,
    right: RecordKey,
    person_ids: tuple[str | None, str | None],
    threshold: float,
) -> tuple[LinkStep, ...]:
    """The shortest path of links (pairs at the threshold, manual links) between the two within their
    person, through the strongest pairs where paths are as short."""
    if person_ids[0] is None or person_ids[0] != person_ids[1] or not table_in_store(con, "pairs"):
        return ()
    edges = con.execute(
        """
        WITH members AS (SELECT source, record_id FROM person_index WHERE person_id = $person)
        SELECT p.source_l || ':' || p.record_id_l, p.source_r || ':' || p.record_id_r, p.match_probability
        FROM pairs AS p
        JOIN members AS a ON a.source = p.source_l AND a.record_id = p.record_id_l
        JOIN members AS b ON b.source = p.source_r AND b.record_id = p.record_id_r
        WHERE p.match_probability >= $threshold
        UNION ALL
        SELECT o.source_a || ':' || o.record_id_a, o.source_b || ':' || o.record_id_b, NULL
        FROM overrides AS o
        JOIN members AS a ON a.source = o.source_a AND a.record_id = o.record_id_a
        JOIN members AS b ON b.source = o.source_b AND b.record_id = o.record_id_b
        WHERE o.kind = 'link'
        ORDER BY 3 DESC NULLS FIRST, 1, 2
        """,
        {"person": person_ids[0], "threshold": threshold},
    ).fetchall()
    path = shortest_path(((str(a), str(b), p) for a, b, p in edges), str(left), str(right))
    return tuple(LinkStep(left=a, right=b, match_probability=p) for a, b, p in path or ())


def _kept_apart_by(
    config: ProjectConfig,
    con: duckdb.DuckDBPyConnection,
    left: RecordKey,
    right: RecordKey,
    person_ids: tuple[str | None, str | None],
) -> tuple[str, ...]:
    """What the store knows keeps the two records' persons apart: unlinks between them, one-record sources."""
    reasons = []
    if None not in person_ids and person_ids[0] != person_ids[1]:
        unlinks = con.execute(
            """
            SELECT o.override_id FROM overrides AS o
            JOIN person_index AS a ON a.source = o.source_a AND a.record_id = o.record_id_a
            JOIN person_index AS b ON b.source = o.source_b AND b.record_id = o.record_id_b
            WHERE o.kind = 'unlink' AND ((a.person_id = $1 AND b.person_id = $2) OR (a.person_id = $2 AND b.person_id = $1))
            ORDER BY 1
            """,
            list(person_ids),
        ).fetchall()
        reasons += [f"manual unlink, override {override_id}" for (override_id,) in unlinks]
    source = config.sources.get(left.source)
    if left.source == right.source and source is not None and source.one_record_per_person:
        reasons.append(f'both records are of "{left.source}", a source with one record per person')
    return tuple(reasons)


def is_an_html_page(path: Path) -> bool:
    """An earlier chart, or another HTML page: what --chart may write over."""
    with path.open("rb") as page:
        start = page.read(512).decode("utf-8", errors="replace").lstrip().lower()
    return start.startswith(("<!doctype html", "<html"))


def _overrides(con: duckdb.DuckDBPyConnection, left: RecordKey, right: RecordKey) -> tuple[str, ...]:
    """The pair's overrides, removed ones too (a decision that once outranked the model is part of its story)."""
    pair = "(source_a, record_id_a, source_b, record_id_b) IN (($1, $2, $3, $4), ($3, $4, $1, $2))"
    rows = con.execute(
        f"SELECT override_id, kind, decided_by, reason, NULL, NULL, NULL FROM overrides WHERE {pair} "
        "UNION ALL SELECT override_id, kind, decided_by, reason, removed_by, removed_at, removal_reason "
        f"FROM overrides_removed WHERE {pair} ORDER BY override_id",
        [left.source, left.record_id, right.source, right.record_id],
    ).fetchall()
    return tuple(
        f"override {i}: {kind} by {by} ({reason})"
        + ("" if removed_by is None else f", removed by {removed_by} on {at:%Y-%m-%d %H:%M} ({why})")
        for i, kind, by, reason, removed_by, at, why in rows
    )
