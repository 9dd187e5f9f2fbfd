"""Recall by evidence: each true pair falls in the strongest group both its records carry."""

from __future__ import annotations

import duckdb
import pytest

from mpi.quality.evidence import NAMES_ONLY, recall_by_evidence

CLEAR = "ssn VARCHAR, dob DATE, zip VARCHAR, id_sasid VARCHAR"
# A hub's store: the clear columns are there and empty, the values' keyed tokens beside them.
HASHED = f"{CLEAR}, tok_ssn VARCHAR, tok_dob VARCHAR, tok_zip VARCHAR, tok_id_sasid VARCHAR"


@pytest.mark.parametrize("columns", [CLEAR, HASHED], ids=["clear", "hashed"])
def test_true_pairs_fall_in_the_strongest_group_both_records_carry(columns: str) -> None:
    con = duckdb.connect()
    con.execute(f"CREATE TABLE records (source VARCHAR, record_id VARCHAR, first_name VARCHAR, {columns})")
    con.execute("CREATE TABLE person_index (source VARCHAR, record_id VARCHAR, person_id VARCHAR)")
    con.execute("CREATE TABLE mpi__truth (source VARCHAR, record_id VARCHAR, person_id VARCHAR)")
    # (record, ssn, dob, zip, sasid, true person, person id)
    rows = [
        ("a1", "111223333", None, "06101", None, "A", "P1"),  # A: SSN on both, linked
        ("a2", "111223333", "2001-01-01", None, None, "A", "P1"),
        ("b1", "222334444", "1990-05-05", None, None, "B", "P2"),  # B: SSN on one side only
        ("b2", None, "1990-05-05", "06101", None, "B", "P3"),  # -> date of birth, missed
        ("c1", None, None, None, None, "C", "P4"),  # C: three records, names only
        ("c2", None, None, "06101", None, "C", "P4"),  # c1-c2 linked
        ("c3", None, None, None, "S9", "C", "P5"),  # c1-c3, c2-c3 missed (sasid on one side)
        ("d1", None, None, "06101", "S1", "D", "P6"),  # D: shared id beats the ZIP, linked
        ("d2", None, None, "06102", "S1", "D", "P6"),
    ]
    for record, ssn, dob, zip_code, sasid, person, person_id in rows:
        values = [ssn, dob, zip_code, sasid]
        if columns == HASHED:
            values = [None, None, None, None, *(None if v is None else f"token of {v}" for v in values)]
        con.execute(
            f"INSERT INTO records VALUES ('s', ?, 'X', {', '.join('?' * len(values))})", [record, *values]
        )
        con.execute("INSERT INTO person_index VALUES ('s', ?, ?)", [record, person_id])
        con.execute("INSERT INTO mpi__truth VALUES ('s', ?, ?)", [record, person])

    result = recall_by_evidence(con)

    assert [(g.evidence, g.true_pairs, g.linked) for g in result.groups] == [
        ("SSN", 1, 1),
        ("shared id", 1, 1),
        ("date of birth", 1, 0),
        (NAMES_ONLY, 3, 1),
    ]
    assert result.true_pairs == 6
    # every miss but the two names-only ones linked: 4 of 6
    assert result.recall_if_all_but_names_only_linked == 4 / 6
