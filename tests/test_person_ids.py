"""The person-id rule, checked on random clusterings (hypothesis) straight against the SQL that applies it."""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import duckdb
from hypothesis import given, settings
from hypothesis import strategies as st

from mpi.index import assign_person_ids, next_counter
from mpi.sqlutil import run_sql_file
from mpi.store import open_store

RECORDS = [f"r{i:02d}" for i in range(12)]


def clusterings() -> st.SearchStrategy[dict[str, int]]:
    """A random partition of a random subset of RECORDS: record -> cluster number."""
    return st.dictionaries(st.sampled_from(RECORDS), st.integers(min_value=0, max_value=5), min_size=1)


def apply(con: duckdb.DuckDBPyConnection, clustering: dict[str, int]) -> dict[str, str]:
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__clusters (source VARCHAR, record_id VARCHAR, cluster_id VARCHAR)"
    )
    con.executemany(
        "INSERT INTO mpi__clusters VALUES ('s', ?, ?)", [(r, f"c{c}") for r, c in clustering.items()]
    )
    with_transaction(con, clustering)
    return dict(con.execute("SELECT record_id, person_id FROM person_index").fetchall())


def with_transaction(con: duckdb.DuckDBPyConnection, clustering: dict[str, int]) -> None:
    con.execute("BEGIN TRANSACTION")
    run_id = next_counter(con, "run_id")
    assign_person_ids(con, run_id=run_id)
    # As an incremental link with no record new or changed: moves come from the clustering alone.
    con.execute("CREATE OR REPLACE TEMP TABLE mpi__new_records (source VARCHAR, record_id VARCHAR)")
    run_sql_file(con, "index/record_history", {"run_id": run_id, "full": False})
    con.execute("COMMIT")


def groups(index: dict[str, str]) -> dict[str, frozenset[str]]:
    members: dict[str, set[str]] = defaultdict(set)
    for record, person in index.items():
        members[person].add(record)
    return {person: frozenset(records) for person, records in members.items()}


@settings(max_examples=60, deadline=None)
@given(first=clusterings(), second=clusterings())
def test_id_rule_on_random_clusterings(
    tmp_path_factory: object, first: dict[str, int], second: dict[str, int]
) -> None:
    path = Path(str(tmp_path_factory.mktemp("ids"))) / "s.duckdb"  # type: ignore[attr-defined]
    store = open_store(path, create=True)
    try:
        con = store.con
        before = apply(con, first)
        again = apply(con, first)
        assert again == before, "the same clustering again changes no id"
        after = apply(con, second)
        old_groups, new_groups = groups(before), groups(after)
        # A person whose cluster did not change keeps its id.
        for person, records in old_groups.items():
            if records in new_groups.values():
                assert new_groups.get(person) == records
        # An id is kept by at most one cluster, and the cluster holding most of its records keeps it
        # unless that cluster kept a bigger (or older) id.
        assert len(set(after.values())) == len(new_groups)
        for person in new_groups.keys() & old_groups.keys():
            carried = Counter(after[r] for r in old_groups[person] if r in after)
            assert carried[person] == max(carried.values())
        # An id torn evenly between clusters stays in one of them where it is first (most of the
        # cluster's records, then the oldest), if there is one.
        votes = Counter(
            (after[r], person) for person, records in old_groups.items() for r in records if r in after
        )
        first_of = {
            cluster: min((-n, p) for (c, p), n in votes.items() if c == cluster)[1] for cluster, _ in votes
        }
        for person in old_groups:
            carried = {cluster: n for (cluster, p), n in votes.items() if p == person}
            most = max(carried.values(), default=0)
            if any(n == most and first_of[cluster] == person for cluster, n in carried.items()):
                assert person in new_groups, (person, carried)
        # Every change of a record's id is in person_history.
        moved = {r for r in after if r in before and after[r] != before[r]}
        added = set(after) - set(before)
        removed = set(before) - set(after)
        history = con.execute("SELECT event, record_id FROM person_history WHERE run_id = 3").fetchall()
        assert {r for e, r in history if e == "record_moved"} == moved
        # each move says why: here no override and no record changed, so the clustering
        why = con.execute(
            "SELECT DISTINCT detail FROM person_history WHERE run_id = 3 AND event = 'record_moved'"
        )
        assert set(why.fetchall()) <= {("scored again with the records new or changed since the last run",)}
        assert {r for e, r in history if e == "record_added"} == added
        assert {r for e, r in history if e == "record_removed"} == removed
        # Ids that vanished are recorded as merged or retired; new ids as created.
        vanished = set(before.values()) - set(after.values())
        ended = {
            p
            for e, p in con.execute(
                "SELECT event, person_id FROM person_history WHERE run_id = 3 AND event IN ('merged', 'retired')"
            ).fetchall()
        }
        assert ended == vanished
        created = {
            p
            for (p,) in con.execute(
                "SELECT person_id FROM person_history WHERE run_id = 3 AND event = 'created'"
            ).fetchall()
        }
        assert created == set(after.values()) - set(before.values())
        # Ids are never reissued.
        assert not created & set(before.values())
    finally:
        store.close()


def test_first_run_numbers_ids_by_first_record(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.duckdb", create=True)
    try:
        index = apply(store.con, {"r05": 1, "r01": 2, "r02": 2, "r09": 3})
    finally:
        store.close()
    assert index == {"r01": "P000000001", "r02": "P000000001", "r05": "P000000002", "r09": "P000000003"}


def test_a_record_back_from_a_split_leaves_the_untouched_records_their_id(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s.duckdb", create=True)
    try:
        con = store.con
        first = apply(con, {"r00": 0, "r01": 0, "r02": 0, "r03": 1})
        # r02 leaves its person for r03's (an unlink of r02 from r00), then comes back (the unlink removed).
        apply(con, {"r00": 0, "r01": 0, "r02": 1, "r03": 1})
        back = apply(con, {"r00": 0, "r01": 0, "r02": 0, "r03": 1})
    finally:
        store.close()
    assert first == {"r00": "P000000001", "r01": "P000000001", "r02": "P000000001", "r03": "P000000002"}
    assert back == first
