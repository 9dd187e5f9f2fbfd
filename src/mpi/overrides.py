"""Manual overrides: forced links and unlinks that every later run honours, with who decided and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import duckdb

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError, and_list
from mpi.paths import shortest_path
from mpi.record_lookup import overrides_on_missing_records, why_no_record
from mpi.store import open_store

OVERRIDE_KINDS = ("link", "unlink")


@dataclass(frozen=True, kw_only=True)
class RecordKey:
    source: str
    record_id: str

    @classmethod
    def parse(cls, text: str) -> RecordKey:
        source, sep, record_id = text.partition(":")
        if not sep or not source or not record_id:
            raise MpiUserError(f'"{text}" is not a record key. Write SOURCE:RECORD_ID, e.g. k12:000123.')
        return cls(source=source, record_id=record_id)

    def __str__(self) -> str:
        return f"{self.source}:{self.record_id}"


@dataclass(frozen=True, kw_only=True)
class Override:
    override_id: int
    kind: str
    a: RecordKey
    b: RecordKey
    decided_by: str
    reason: str
    created_at: datetime
    first_applied_run: int | None
    # Keys (SOURCE:RECORD_ID) of its records that a reload removed from the store: until they
    # return, the override does nothing.
    missing_records: tuple[str, ...] = ()


def add_override(
    config: ProjectConfig, kind: str, a: RecordKey, b: RecordKey, *, decided_by: str, reason: str
) -> Override:
    """Record a decision; it takes effect at the next `mpi link`."""
    if kind not in OVERRIDE_KINDS:
        raise MpiUserError(f'Override kind must be "link" or "unlink", not "{kind}".')
    if a == b:
        raise MpiUserError(f"Cannot {kind} record {a} with itself.")
    if not reason.strip():
        raise MpiUserError("Say why: --reason is required for an override.")
    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        con = store.con
        for key in (a, b):
            found = con.execute(
                "SELECT count(*) FROM records WHERE source = ? AND record_id = ?", [key.source, key.record_id]
            ).fetchall()[0][0]
            if not found:
                raise MpiUserError(why_no_record(con, key.source, key.record_id))
        first, second = sorted((a, b), key=str)
        clash = con.execute(
            "SELECT override_id, kind FROM overrides WHERE source_a = ? AND record_id_a = ? AND source_b = ? AND record_id_b = ?",
            [first.source, first.record_id, second.source, second.record_id],
        ).fetchall()
        if clash:
            raise MpiUserError(
                f"Records {first} and {second} already have override {clash[0][0]} ({clash[0][1]}). "
                f'Remove it first with "mpi override remove {clash[0][0]} --reason TEXT".'
            )
        stored = [
            _StoredOverride(
                override_id=int(r[0]),
                kind=str(r[1]),
                a=RecordKey(source=r[2], record_id=r[3]),
                b=RecordKey(source=r[4], record_id=r[5]),
            )
            for r in con.execute(
                "SELECT override_id, kind, source_a, record_id_a, source_b, record_id_b FROM overrides "
                "ORDER BY override_id"
            ).fetchall()
        ]
        _refuse_contradiction(kind, first, second, stored)
        with store.transaction():
            override_id = int(con.execute("SELECT nextval('mpi__override_id_seq')").fetchall()[0][0])
            now = datetime.now()
            con.execute(
                "INSERT INTO overrides VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                [
                    override_id,
                    kind,
                    first.source,
                    first.record_id,
                    second.source,
                    second.record_id,
                    decided_by,
                    reason,
                    now,
                ],
            )
    finally:
        store.close()
    return Override(
        override_id=override_id, kind=kind, a=first, b=second, decided_by=decided_by, reason=reason,
        created_at=now, first_applied_run=None,
    )  # fmt: skip


@dataclass(frozen=True, kw_only=True)
class _StoredOverride:
    override_id: int
    kind: str
    a: RecordKey
    b: RecordKey

    def __str__(self) -> str:
        return f"override {self.override_id} ({self.kind} {self.a} {self.b})"


def _refuse_contradiction(kind: str, a: RecordKey, b: RecordKey, stored: list[_StoredOverride]) -> None:
    """Refuse an override that contradicts the stored ones through a chain of forced links.

    Clustering honours an unlink over a forced link (mpi.merging), so an unlink of two records that
    forced links join, or a link that joins two records an unlink keeps apart, would silently break
    one of the forced links the user was told always hold. Every forced link counts, also one whose
    record a reload removed: it applies again when the record returns.
    """
    links = [o for o in stored if o.kind == "link"]
    remove = 'Remove one of these overrides first with "mpi override remove ID --reason TEXT" (see "mpi override list").'
    if kind == "unlink":
        chain = _forced_chain(links, a, b)
        if chain is not None:
            raise MpiUserError(
                f"Records {a} and {b} cannot be kept apart: forced links join them through "
                f"{and_list([str(o) for o in chain])}, and a forced link always holds. {remove}"
            )
        return
    for unlink in (o for o in stored if o.kind == "unlink"):
        for near_a, near_b in ((unlink.a, unlink.b), (unlink.b, unlink.a)):
            to_a, to_b = _forced_chain(links, a, near_a), _forced_chain(links, b, near_b)
            if to_a is not None and to_b is not None:
                raise MpiUserError(
                    f"Records {a} and {b} cannot be forced into one person: {unlink} keeps apart two records "
                    f"that this link would join through {and_list([str(o) for o in (*to_a, *to_b)])}. {remove}"
                )


def _forced_chain(
    links: list[_StoredOverride], start: RecordKey, goal: RecordKey
) -> list[_StoredOverride] | None:
    """The forced links of the shortest chain from start to goal ([] when they are one record), or None."""
    path = shortest_path(((link.a, link.b, link) for link in links), start, goal)
    return None if path is None else [link for _, _, link in path]


def list_overrides(config: ProjectConfig) -> list[Override]:
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        rows = store.con.execute("SELECT * FROM overrides ORDER BY override_id").fetchall()
        missing = dict(overrides_on_missing_records(store.con))
    finally:
        store.close()
    return [_override_of_row(r, missing_records=tuple(missing.get(r[0], ()))) for r in rows]


def _override_of_row(row: tuple[Any, ...], *, missing_records: tuple[str, ...] = ()) -> Override:
    """An Override from the first ten columns of a row of overrides (or of overrides_removed)."""
    return Override(
        override_id=row[0],
        kind=row[1],
        a=RecordKey(source=row[2], record_id=row[3]),
        b=RecordKey(source=row[4], record_id=row[5]),
        decided_by=row[6],
        reason=row[7],
        created_at=row[8],
        first_applied_run=row[9],
        missing_records=missing_records,
    )


def remove_override(config: ProjectConfig, override_id: int, *, removed_by: str, reason: str) -> None:
    """Stop applying a decision from the next `mpi link`, keeping it on record with who removed it and why."""
    if not reason.strip():
        raise MpiUserError("Say why: --reason is required to remove an override.")
    store = open_store(config.store_path, memory_limit=config.memory_limit)
    try:
        with store.transaction() as con:
            # The row moves to overrides_removed: an audit trail keeps every decision that once
            # outranked the model, and the next run's moves are put down to its removal.
            moved = con.execute(
                "INSERT INTO overrides_removed SELECT *, ?, ?, ?, NULL FROM overrides WHERE override_id = ? "
                "RETURNING override_id",
                [removed_by, reason, datetime.now(), override_id],
            ).fetchall()
            if not moved:
                raise MpiUserError(_no_override(con, override_id))
            con.execute("DELETE FROM overrides WHERE override_id = ?", [override_id])
    finally:
        store.close()


def _no_override(con: duckdb.DuckDBPyConnection, override_id: int) -> str:
    removed = con.execute(
        "SELECT removed_by, removed_at FROM overrides_removed WHERE override_id = ?", [override_id]
    ).fetchall()
    if removed:
        by, at = removed[0]
        return f'Override {override_id} was already removed, by {by} on {at:%Y-%m-%d %H:%M} (see "mpi override list --removed").'
    return f'No override {override_id}. List them with "mpi override list".'


@dataclass(frozen=True, kw_only=True)
class RemovedOverride:
    override: Override
    removed_by: str
    removal_reason: str
    removed_at: datetime
    # The first run that clustered without it; None until the next mpi link.
    removal_applied_run: int | None


def list_removed_overrides(config: ProjectConfig) -> list[RemovedOverride]:
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        rows = store.con.execute("SELECT * FROM overrides_removed ORDER BY override_id").fetchall()
    finally:
        store.close()
    return [
        RemovedOverride(
            override=_override_of_row(r),
            removed_by=r[10],
            removal_reason=r[11],
            removed_at=r[12],
            removal_applied_run=r[13],
        )
        for r in rows
    ]
