"""A phone or email on the records of many people of many names is no one's: the model reads none."""

from __future__ import annotations

from pathlib import Path

import duckdb
from click.testing import CliRunner

from mpi.cli import main
from mpi.config import load_config
from mpi.ingest import ingest_sources
from mpi.model.backend import create_model_input_view
from mpi.model.crowded import CROWD_NAMES, find_crowded_values
from mpi.model.person import build_person_model
from mpi.store import open_store

OFFICE = "8605550100"
OFFICE_EMAIL = "intake@dcf.ct.gov"
LANDLINE = "2035557788"
FIRSTS = ["ANA", "BRUNO", "CHLOE", "DMITRI", "ELENA", "FARID", "GRETA", "HUGO"]
LASTS = ["ABBOTT", "BOYLE", "CORTEZ", "DUNN", "EVANS", "FINCH", "GARZA", "HOLM"]


def project(tmp_path: Path, rows: list[str]) -> Path:
    (tmp_path / "p.csv").write_text(
        "id,first,last,dob,phone,email\n" + "\n".join(rows) + "\n", encoding="utf-8"
    )
    config = tmp_path / "mpi.toml"
    config.write_text(
        '[project]\nname = "p"\n[store]\npath = "mpi.duckdb"\n[sources.p]\npath = "p.csv"\nrecord_id = "id"\n'
        '[sources.p.columns]\nfirst_name = "first"\nlast_name = "last"\ndob = "dob"\nphone = "phone"\nemail = "email"\n',
        encoding="utf-8",
    )
    ingest_sources(load_config(config))
    return config


def model_input(config: Path) -> dict[str, tuple[object, object]]:
    store = open_store(config.parent / "mpi.duckdb")
    try:
        view = create_model_input_view(store.con, build_person_model())
        rows = store.con.execute(f"SELECT unique_id, phone, email FROM {view}").fetchall()
    finally:
        store.con.close()
    return {str(uid).split(":")[1]: (phone, email) for uid, phone, email in rows}


def test_an_offices_number_on_many_peoples_records_is_none_a_households_stays(tmp_path: Path) -> None:
    office = [
        f"o{i},{first},{last},2012-0{i % 9 + 1}-1{i},{OFFICE},{OFFICE_EMAIL}"
        for i, (first, last) in enumerate(zip(FIRSTS, LASTS, strict=True))
    ]
    # three generations and a married daughter on one landline: few names, however many records
    household = [
        f"h{i},{first},{last},19{50 + 10 * i}-02-03,{LANDLINE},"
        for i, (first, last) in enumerate(
            [("ROSA", "VEGA"), ("LUIS", "VEGA"), ("MARIA", "VEGA"), ("SOFIA", "REYES")]
        )
    ]
    seen = model_input(project(tmp_path, office + household))
    assert all(seen[f"o{i}"] == (None, None) for i in range(len(FIRSTS)))
    assert all(seen[f"h{i}"] == (LANDLINE, None) for i in range(4))


def test_a_number_shared_by_fewer_names_than_the_crowd_is_kept(tmp_path: Path) -> None:
    # CROWD_NAMES - 1 people of different names: a large family's landline, or a small group home.
    few = [
        f"o{i},{first},{last},2012-01-1{i},{OFFICE},"
        for i, (first, last) in enumerate(list(zip(FIRSTS, LASTS, strict=True))[: CROWD_NAMES - 1])
    ]
    seen = model_input(project(tmp_path, few))
    assert all(seen[f"o{i}"] == (OFFICE, None) for i in range(CROWD_NAMES - 1))


def test_a_hashed_sources_phone_token_is_counted_by_its_name_tokens() -> None:
    con = duckdb.connect()
    con.execute(
        "CREATE TABLE records AS SELECT 7::UBIGINT AS tok_phone, i::UBIGINT AS tok_first_name_nysiis, "
        f"(100 + i)::UBIGINT AS tok_last_name_nysiis FROM range({CROWD_NAMES}) AS t(i) "
        "UNION ALL SELECT 9, 1, 101 UNION ALL SELECT 9, 2, 101"
    )
    tables = find_crowded_values(con, ("tok_phone", "tok_ssn"), "records")
    assert list(tables) == ["tok_phone"]
    assert con.execute(f"SELECT value FROM {tables['tok_phone']}").fetchall() == [(7,)]


def test_the_link_says_how_many_values_it_read_as_missing_but_not_which(tmp_path: Path) -> None:
    office = [
        f"o{i},{first},{last},2012-0{i % 9 + 1}-1{i},{OFFICE},"
        for i, (first, last) in enumerate(zip(FIRSTS, LASTS, strict=True))
    ]
    config = project(tmp_path, office)
    result = CliRunner().invoke(main, ["--config", str(config), "link", "--model", "default"])
    assert result.exit_code == 0, result.output
    assert (
        f"phone: 1 value(s) on {len(FIRSTS)} records of {CROWD_NAMES}+ first names and surnames"
        in result.output
    )
    assert OFFICE not in result.output
