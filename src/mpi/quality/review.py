"""Where the model is unsure: the latest run's kept pairs scored in a band around its threshold,
closest to the decision first, for a person to look at and settle with an override."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.export import export_options
from mpi.pair_display import DISPLAY_FIELDS, KEY_FIELDS, displayed_record, masked_ssn_sql
from mpi.project_files import refuse_replacing_another_kind, tabular_columns
from mpi.runs import latest_run
from mpi.sqlutil import quote_identifier, quote_literal
from mpi.store import open_store

# The band a pair counts as unsure in: below it the pair is far from a link, above it the evidence
# is overwhelming (a shared SSN or full date of birth with the same name scores 0.999 and more).
DEFAULT_LOW = 0.2
DEFAULT_HIGH = 0.98


@dataclass(frozen=True, kw_only=True)
class UncertainPair:
    left: dict[str, Any]
    right: dict[str, Any]
    match_probability: float
    linked: bool  # the two records share a person id now


@dataclass(frozen=True, kw_only=True)
class ReviewList:
    run_id: int
    threshold: float
    low: float
    high: float
    pairs_in_band: int  # unsure pairs no override has decided yet
    linked_in_band: int  # of them, in one person id now
    pairs: tuple[UncertainPair, ...]  # the closest to the threshold, at most the limit asked for
    written_to: Path | None


# Pairs of the band that no override has decided, with both records' person ids; the parameters
# are the band and the threshold's match weight.
_UNSURE_PAIRS_SQL = """
SELECT p.source_l, p.record_id_l, p.source_r, p.record_id_r, p.match_probability,
       a.person_id = b.person_id AS linked,
       abs(p.match_weight - $threshold_weight) AS distance
FROM pairs AS p
JOIN person_index AS a ON a.source = p.source_l AND a.record_id = p.record_id_l
JOIN person_index AS b ON b.source = p.source_r AND b.record_id = p.record_id_r
WHERE p.match_probability >= $low AND (p.match_probability < $high OR $high = 1)
  AND NOT EXISTS (
      SELECT 1 FROM overrides AS o
      WHERE (o.source_a = p.source_l AND o.record_id_a = p.record_id_l
             AND o.source_b = p.source_r AND o.record_id_b = p.record_id_r)
         OR (o.source_a = p.source_r AND o.record_id_a = p.record_id_r
             AND o.source_b = p.source_l AND o.record_id_b = p.record_id_l)
  )
"""


def uncertain_pairs(
    config: ProjectConfig,
    *,
    low: float = DEFAULT_LOW,
    high: float = DEFAULT_HIGH,
    limit: int = 20,
    out_path: Path | None = None,
) -> ReviewList:
    """The latest run's unsure pairs, closest to its threshold first; ``out_path`` (CSV or Parquet) gets them all."""
    if not 0 <= low < high <= 1:
        raise MpiUserError(f"The band must be 0 <= --low < --high <= 1, not {low} .. {high}.")
    options = None if out_path is None else export_options(config, out_path)
    if out_path is not None:
        refuse_replacing_another_kind("--out", out_path, "an earlier review list", is_a_review_list)
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        con = store.con
        latest = latest_run(con)
        if latest is None:
            raise MpiUserError(f'No link run in {config.store_path} yet: run "mpi link" first.')
        run_id, threshold = latest.run_id, latest.threshold
        params = {"low": low, "high": high, "threshold_weight": math.log2(threshold / (1 - threshold))}
        in_band, linked = con.execute(
            f"SELECT count(*), count(*) FILTER (WHERE linked) FROM ({_UNSURE_PAIRS_SQL})", params
        ).fetchall()[0]
        rows = con.execute(
            f"{_UNSURE_PAIRS_SQL} ORDER BY distance, p.source_l, p.record_id_l, p.source_r, p.record_id_r LIMIT $limit",
            {**params, "limit": limit},
        ).fetchall()
        pairs = tuple(
            UncertainPair(
                left=displayed_record(con, source_l, id_l) or {},
                right=displayed_record(con, source_r, id_r) or {},
                match_probability=float(probability),
                linked=bool(same),
            )
            for source_l, id_l, source_r, id_r, probability, same, _ in rows
        )
        if out_path is not None and options is not None:
            _write_pairs(con, out_path, options, params)
    finally:
        store.close()
    return ReviewList(
        run_id=run_id,
        threshold=threshold,
        low=low,
        high=high,
        pairs_in_band=int(in_band),
        linked_in_band=int(linked),
        pairs=pairs,
        written_to=out_path,
    )


# The columns a review list opens with (then each display field of the two records).
REVIEW_KEY_COLUMNS = ("source_l", "record_id_l", "source_r", "record_id_r", "match_probability", "linked")


def is_a_review_list(path: Path) -> bool:
    return tabular_columns(path)[: len(REVIEW_KEY_COLUMNS)] == REVIEW_KEY_COLUMNS


def _write_pairs(
    con: duckdb.DuckDBPyConnection, out_path: Path, options: str, params: dict[str, float]
) -> None:
    """Every unsure pair, closest first, each record's display fields beside the other's (SSN to its last four)."""
    # Fields no record holds (all of them at a hub, whose records hold tokens) would be empty columns.
    fields = [f for f in DISPLAY_FIELDS if f not in KEY_FIELDS]
    held = con.execute(
        f"SELECT {', '.join(f'count({quote_identifier(f)}) > 0' for f in fields)} FROM records"
    ).fetchall()[0]
    shown = [f for f, has_values in zip(fields, held, strict=True) if has_values]
    sides = ", ".join(
        f"{masked_ssn_sql(side) if f == 'ssn' else f'{side}.{quote_identifier(f)}'} "
        f"AS {quote_identifier(f'{f}_{side}')}"
        for f in shown
        for side in ("l", "r")
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    # COPY takes no parameter for its target; the path is quoted as a literal.
    con.execute(
        f"COPY (SELECT u.{', u.'.join(REVIEW_KEY_COLUMNS[:4])}, round(u.match_probability, 4) "
        f"AS match_probability, u.linked, {sides} FROM ({_UNSURE_PAIRS_SQL}) AS u "
        "JOIN records AS l ON l.source = u.source_l AND l.record_id = u.record_id_l "
        "JOIN records AS r ON r.source = u.source_r AND r.record_id = u.record_id_r "
        f"ORDER BY u.distance, u.source_l, u.record_id_l, u.source_r, u.record_id_r) TO {quote_literal(str(out_path))} ({options})",
        params,
    )
