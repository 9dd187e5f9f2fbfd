"""Record keys the store lacks: why one names no record (rejected at ingest, an unknown source or id), and
which overrides name records a reload removed."""

from __future__ import annotations

import duckdb


def why_no_record(con: duckdb.DuckDBPyConnection, source: str, record_id: str) -> str:
    """One sentence for a (source, record id) that `records` lacks, with the command that shows more.

    A user who takes an id from the agency's file meets the rejected rows too: telling them apart
    from a mistyped id saves a search through the store.
    """
    key = f"{source}:{record_id}"
    rejected = con.execute(
        "SELECT reason FROM rejects WHERE source = ? AND record_id = ? ORDER BY row_number LIMIT 1",
        [source, record_id],
    ).fetchall()
    if rejected:
        return (
            f"Record {key} was rejected at ingest ({rejected[0][0]}), so it is in no person id. "
            f'See "mpi rejects {source}", fix the row and ingest again.'
        )
    sources = [row[0] for row in con.execute("SELECT DISTINCT source FROM records ORDER BY 1").fetchall()]
    if not sources:
        return f'No record {key}: the store holds no records yet. Run "mpi ingest" to load the agency files.'
    if source not in sources:
        held = ", ".join(f'"{s}"' for s in sources)
        return f'No source "{source}" in the store (its sources: {held}). Write the key as SOURCE:RECORD_ID.'
    return f'No record {key} in the store: source "{source}" has no record id "{record_id}". Check the id in the agency\'s file.'


def overrides_on_missing_records(con: duckdb.DuckDBPyConnection) -> list[tuple[int, list[str]]]:
    """(override id, the keys SOURCE:RECORD_ID it names that `records` lacks) for each such override.

    Probes `records` by key for each override (few), never scans it: `mpi link` asks on every run.
    """
    rows = con.execute(
        """
        SELECT override_id, list(source || ':' || record_id ORDER BY side) AS missing
        FROM (
            SELECT override_id, 1 AS side, source_a AS source, record_id_a AS record_id FROM overrides
            UNION ALL
            SELECT override_id, 2 AS side, source_b, record_id_b FROM overrides
        ) AS o
        WHERE NOT EXISTS (SELECT 1 FROM records AS r WHERE r.source = o.source AND r.record_id = o.record_id)
        GROUP BY override_id
        ORDER BY override_id
        """
    ).fetchall()
    return [(int(override_id), list(missing)) for override_id, missing in rows]
