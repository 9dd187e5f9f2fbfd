"""What a record shows beside another (explain, review, evaluate's examples): the SSN masked to its last four."""

from __future__ import annotations

from mpi.config import ProjectConfig
from mpi.pair_display import displayed_record, masked_ssn_sql
from mpi.store import open_store


def test_a_record_with_only_the_last_four_digits_shows_them(golden_project: ProjectConfig) -> None:
    store = open_store(golden_project.store_path)
    try:
        con = store.con
        # as a source keeping only SSN_LAST4 (or XXX-XX-1021) stores it
        con.execute("UPDATE records SET ssn = NULL, ssn_last4 = '1021' WHERE record_id = '2'")
        assert displayed_record(con, "people", "1")["ssn"] == "***-**-1021"  # type: ignore[index]
        assert displayed_record(con, "people", "2")["ssn"] == "***-**-1021"  # type: ignore[index]
        assert displayed_record(con, "people", "4")["ssn"] is None  # type: ignore[index]
        shown = con.execute(
            f"SELECT record_id, {masked_ssn_sql('r')} FROM records AS r WHERE record_id IN ('1', '2', '4') "
            "ORDER BY record_id"
        ).fetchall()
        assert shown == [("1", "***-**-1021"), ("2", "***-**-1021"), ("4", None)]
    finally:
        store.close()
