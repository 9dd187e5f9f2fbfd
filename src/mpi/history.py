"""The story of a person id or of one record, from person_history."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.record_lookup import why_no_record
from mpi.sqlutil import load_sql
from mpi.store import open_store


@dataclass(frozen=True, kw_only=True)
class HistoryEvent:
    run_id: int
    at: datetime
    event: str
    person_id: str
    record: str | None
    from_person_id: str | None
    to_person_id: str | None
    detail: str | None


@dataclass(frozen=True, kw_only=True)
class PersonStory:
    subject: str
    current_person_id: str | None
    current_records: tuple[str, ...]
    events: tuple[HistoryEvent, ...]


def person_story(config: ProjectConfig, person_id: str) -> PersonStory:
    return _story(config, "history/person", {"person_id": person_id}, person_id, person_id)


def record_story(config: ProjectConfig, source: str, record_id: str) -> PersonStory:
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        current = store.con.execute(
            "SELECT person_id FROM person_index WHERE source = ? AND record_id = ?", [source, record_id]
        ).fetchall()
        # A record never indexed (rejected, or a mistyped key) has no story; one removed by a
        # reload still has its past.
        unknown = not store.con.execute(
            "SELECT 1 FROM records WHERE source = $source AND record_id = $record_id UNION ALL "
            "SELECT 1 FROM person_history WHERE source = $source AND record_id = $record_id LIMIT 1",
            {"source": source, "record_id": record_id},
        ).fetchall()
        if unknown:
            raise MpiUserError(why_no_record(store.con, source, record_id))
    finally:
        store.close()
    person_id = str(current[0][0]) if current else None
    return _story(
        config,
        "history/record",
        {"source": source, "record_id": record_id},
        f"{source}:{record_id}",
        person_id,
    )


def _story(
    config: ProjectConfig, sql: str, params: dict[str, str], subject: str, person_id: str | None
) -> PersonStory:
    store = open_store(config.store_path, read_only=True, memory_limit=config.memory_limit)
    try:
        rows = store.con.execute(load_sql(sql), params).fetchall()
        records = (
            store.con.execute(
                "SELECT source || ':' || record_id FROM person_index WHERE person_id = ? ORDER BY 1",
                [person_id],
            ).fetchall()
            if person_id
            else []
        )
    finally:
        store.close()
    if not rows and not records:
        raise MpiUserError(f'Nothing is known about {subject}. Check the id with "mpi export index".')
    events = tuple(
        HistoryEvent(
            run_id=r[0],
            at=r[1],
            event=r[2],
            person_id=r[3],
            record=r[4],
            from_person_id=r[5],
            to_person_id=r[6],
            detail=r[7],
        )
        for r in rows
    )
    return PersonStory(
        subject=subject,
        current_person_id=person_id if records else None,
        current_records=tuple(str(r[0]) for r in records),
        events=events,
    )
