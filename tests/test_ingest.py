"""Ingest: standardization results, rejects, reconciliation, attributes, loads, re-ingest."""

from __future__ import annotations

import codecs
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import pytest
from cli_runs import run_ingest, write_config
from click.testing import CliRunner
from level_sql import level_label
from store_queries import ingested_tables

from mpi.cli import main
from mpi.config import load_config
from mpi.errors import ConfigError, InputError
from mpi.ingest import ingest_sources
from mpi.mapping import year_regex
from mpi.privacy.leaks import clear_identifiers
from mpi.reader import has_mixed_line_endings
from mpi.standardize import install_macros


def records(config_path: Path) -> dict[str, dict[str, object]]:
    con = duckdb.connect(str(config_path.parent / "mpi.duckdb"), read_only=True)
    try:
        cursor = con.execute("SELECT * FROM records ORDER BY record_id")
        names = [d[0] for d in cursor.description]
        return {row[1]: dict(zip(names, row, strict=True)) for row in cursor.fetchall()}
    finally:
        con.close()


def test_ingest_reconciles_and_standardizes(basic_project: Path) -> None:
    result = ingest_sources(load_config(basic_project))
    (people,) = result.sources
    assert (people.rows_read, people.rows_indexed, people.rows_rejected) == (6, 4, 2)
    assert people.reject_reasons == {"missing record id": 1, "no identifying field": 1}
    rows = records(basic_project)
    bill = rows["1"]
    assert (bill["first_name"], bill["first_name_std"], bill["last_name"], bill["suffix"]) == (
        "BILL", "WILLIAM", "OBRIEN", "JR",
    )  # fmt: skip
    assert bill["first_name_raw"] == "Bill" and bill["last_name_raw"] == "O'Brien Jr."
    assert bill["sex"] == "M" and bill["zip"] == "06103" and bill["ssn"] == "123456788"
    margaret = rows["2"]
    assert margaret["last_name"] == "GARCIA LOPEZ"
    assert set(margaret["last_name_parts"]) == {"GARCIA LOPEZ", "GARCIALOPEZ", "GARCIA", "LOPEZ"}
    assert margaret["dob"] is None and margaret["dob_raw"] == "13/45/2001"
    # the mistyped date still gives its year
    assert (margaret["birth_year_min"], margaret["birth_year_max"]) == (2001, 2001)
    assert margaret["ssn"] is None  # the Woolworth wallet advertising number
    zoe = rows["3"]
    assert (zoe["first_name"], zoe["last_name"], zoe["dob"]) == ("ZOE", "DE LA CRUZ", None)
    assert "CRUZ" in zoe["last_name_parts"] and "DELACRUZ" in zoe["last_name_parts"]
    peggy = rows["6"]
    assert (peggy["first_name_std"], peggy["sex"], peggy["ssn"]) == ("MARGARET", "F", None)
    assert peggy["first_name_nysiis"] and peggy["last_name_metaphone"]
    issues = {(fi.field, fi.issue): fi.count for fi in people.field_issues}
    assert issues[("dob", "unparseable date")] == 1
    assert issues[("dob", "unparseable date, but its year read (kept as the birth year)")] == 1
    assert zoe["birth_year_min"] is None  # a placeholder date keeps no year
    assert issues[("ssn", "structurally invalid SSN")] == 2


def test_attributes_loads_and_rejects_are_stored(basic_project: Path) -> None:
    ingest_sources(load_config(basic_project))
    con = duckdb.connect(str(basic_project.parent / "mpi.duckdb"), read_only=True)
    try:
        attrs = con.execute("SELECT record_id, name, value FROM attributes ORDER BY record_id").fetchall()
        assert attrs == [("1", "GRADE", "5"), ("2", "GRADE", "6"), ("3", "GRADE", "7"), ("6", "GRADE", "10")]
        load = con.execute(
            "SELECT source, rows_read, rows_indexed, rows_rejected, length(sha256) FROM loads"
        ).fetchall()
        assert load == [("people", 6, 4, 2, 64)]
        rejects = con.execute(
            "SELECT row_number, record_id, reason FROM rejects ORDER BY row_number"
        ).fetchall()
        assert rejects == [(4, None, "missing record id"), (5, "5", "no identifying field")]
    finally:
        con.close()


def test_reingest_replaces_the_source(basic_project: Path) -> None:
    config = load_config(basic_project)
    ingest_sources(config)
    csv = basic_project.parent / "people.csv"
    lines = csv.read_text(encoding="utf-8").splitlines()
    csv.write_text("\n".join(lines[:3]) + "\n", encoding="utf-8")
    result = ingest_sources(config)
    assert result.sources[0].rows_read == 2
    assert sorted(records(basic_project)) == ["1", "2"]
    con = duckdb.connect(str(basic_project.parent / "mpi.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT count(*), count(DISTINCT load_id) FROM loads").fetchone()
        assert row == (2, 2)
        assert con.execute("SELECT count(*) FROM rejects").fetchone() == (0,)
    finally:
        con.close()


def people_rows(count: int, *, unnamed: int = 0) -> str:
    """``count`` data rows for the basic project's people.csv, the last ``unnamed`` of them with no
    identifying field (rejected)."""
    return "".join(
        f"{i},Ann,Lee{i},01/02/2003,2,,06103,1\n" if i <= count - unnamed else f"{i},,,,,,,1\n"
        for i in range(1, count + 1)
    )


def write_people(config_path: Path, rows: str) -> None:
    (config_path.parent / "people.csv").write_text(
        "ID,FNAME,LNAME,DOB,SEX,SSN,ZIP,GRADE\n" + rows, encoding="utf-8"
    )


def test_a_load_that_drops_most_of_a_source_is_refused_unless_allowed(basic_project: Path) -> None:
    """A cut-short extract would retire the ids of everyone it drops; loading it takes --allow-shrink."""
    runner = CliRunner()
    ingest = ["--config", str(basic_project), "ingest"]
    write_people(basic_project, people_rows(240))
    assert runner.invoke(main, ingest).exit_code == 0
    before = ingested_tables(basic_project.parent)
    write_people(basic_project, people_rows(119))  # fewer than half of 240, 121 fewer
    result = runner.invoke(main, ingest)
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()).endswith(
        'Error: Source "people": people.csv has 119 records to index, 121 (50%) fewer than the 240 the '
        "store holds from its last load; the persons whose records it drops would lose their ids at the next "
        '"mpi link". Check the extract (cut short, filtered, or another file?); if the source really has '
        'shrunk, run "mpi ingest people --allow-shrink" to load it anyway.'
    )
    assert ingested_tables(basic_project.parent) == before
    # Rows rejected count as dropped too, and the message says how many there were.
    write_people(basic_project, people_rows(240, unnamed=200))
    result = runner.invoke(main, ingest)
    assert result.exit_code == 2
    assert "people.csv has 40 records to index (240 rows read, 200 rejected), 200 (83%) fewer" in " ".join(
        result.stderr.split()
    )
    assert ingested_tables(basic_project.parent) == before
    write_people(basic_project, people_rows(119))
    assert runner.invoke(main, [*ingest, "--allow-shrink"]).exit_code == 0
    assert len(records(basic_project)) == 119
    # Half the records kept, or fewer than 100 dropped, is a source that changed: loaded.
    for count in (60, 19, 140):
        write_people(basic_project, people_rows(count))
        assert runner.invoke(main, ingest).exit_code == 0, count
        assert len(records(basic_project)) == count


def ingest_people(config_path: Path, rows: str) -> Any:
    """Ingest these data rows as the basic project's people.csv; the source's ingest result."""
    (config_path.parent / "people.csv").write_text(
        "ID,FNAME,LNAME,DOB,SEX,SSN,ZIP,GRADE\n" + rows, encoding="utf-8"
    )
    (people,) = ingest_sources(load_config(config_path)).sources
    return people


def test_placeholder_names_become_null_and_short_ssns_get_their_zeros(basic_project: Path) -> None:
    people = ingest_people(
        basic_project,
        "1,Baby Girl,Okafor,03/04/2024,2,1234567,06103,0\n"
        "2,FNU,Smith,01/02/2003,1,12345678,06103,1\n"
        "3,Junior,Pierre,01/02/2003,1,,06103,2\n"
        "4,Unknown,LNU,01/02/2003,1,,06103,3\n",
    )
    rows = records(basic_project)
    assert (rows["1"]["first_name"], rows["1"]["last_name"], rows["1"]["first_name_raw"]) == (
        None, "OKAFOR", "Baby Girl",
    )  # fmt: skip
    # 7 or 8 digits: an SSN stored as a number lost its leading zeros
    assert rows["1"]["ssn"] == "001234567" and rows["2"]["ssn"] == "012345678"
    assert rows["2"]["first_name"] is None
    # JUNIOR is a given name, not a suffix, when it is the whole first name
    assert (rows["3"]["first_name"], rows["3"]["suffix"]) == ("JUNIOR", None)
    assert (rows["4"]["first_name"], rows["4"]["last_name"]) == (None, None)
    issues = {(fi.field, fi.issue): fi.count for fi in people.field_issues}
    assert issues[("first_name", "placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)")] == 3
    assert issues[("last_name", "placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)")] == 1


def test_values_as_databases_and_spreadsheets_export_them_are_read_as_written(basic_project: Path) -> None:
    """A date with a time of day is its date; a ZIP or SSN written as a float loses only its ".0";
    a two-digit year is no year 85, an SSN short of a digit is no SSN, and a number is no name."""
    people = ingest_people(
        basic_project,
        "1,Ann,Lee,02/03/1985 12:00:00 AM,2,524771234.0,6103.0,0\n"
        "2,Bob,Ray,02/03/85,1,52477123.0,2134.0,1\n"
        "3,Cy,Fox,02/03/1985 13:45:10,1,123-45-678,06103,2\n"
        "4,50,Total,,,,,3\n"
        '5,Dee,"O""Neil",02/03/1985,2,,06103,4\n'  # a double quote typed for the apostrophe
        "6,Eve,Ray,02/03/1985,2,1.2345678e8,6.103E+03,5\n",  # scientific notation: digits lost
    )
    rows = records(basic_project)
    read = {rid: (r["dob"], r["ssn"], r["zip"], r["first_name"]) for rid, r in rows.items()}
    assert read == {
        "1": (date(1985, 2, 3), "524771234", "06103", "ANN"),
        "2": (None, "052477123", "02134", "BOB"),  # 8 digits as a number: it lost a leading zero
        "3": (date(1985, 2, 3), None, "06103", "CY"),
        "4": (None, None, None, None),
        "5": (date(1985, 2, 3), None, "06103", "DEE"),
        "6": (date(1985, 2, 3), None, None, "EVE"),
    }
    assert rows["5"]["last_name"] == "ONEIL"
    assert rows["2"]["birth_year_min"] is None
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert "1 has a two-digit year (as %m/%d/%y reads it), and mpi does not guess a century" in fix
    # with another format first, the hint names the one that reads the two-digit year
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(
        text.replace('date_format = "%m/%d/%Y"', 'date_format = ["%Y-%m-%d", "%m/%d/%Y"]'), encoding="utf-8"
    )
    people = ingest_people(basic_project, "1,Ann,Lee,11/2/75,2,,06103,0\n2,Bo,Ng,1980-01-02,1,,06103,1\n")
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert "(as %m/%d/%y reads it)" in fix and 'add "%m/%d/%y"' in fix
    # added after the four-digit format, %y reads them: a year in the future is a century earlier
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(
        text.replace('date_format = ["%Y-%m-%d", "%m/%d/%Y"]', 'date_format = ["%m/%d/%Y", "%m/%d/%y"]'),
        encoding="utf-8",
    )
    people = ingest_people(basic_project, "1,Ann,Lee,11/2/75,2,,06103,0\n2,Bo,Ng,12/5/49,1,,06103,1\n"
                                          "3,Cy,Oh,12/5/1949,1,,06103,1\n4,Di,Ray,1/4/21,2,,06103,1\n")  # fmt: skip
    read = {rid: r["dob"] for rid, r in records(basic_project).items()}
    assert read == {
        "1": date(1975, 11, 2),
        "2": date(1949, 12, 5),
        "3": date(1949, 12, 5),
        "4": date(2021, 1, 4),
    }
    assert not [fi for fi in people.field_issues if fi.field == "dob"]
    # two-digit years in another shape than the column's format: the hint names the format that reads
    # them, not "mistyped dates" nor a day and month the wrong way round
    people = ingest_people(basic_project, "1,Ann,Lee,05-APR-97,2,,06103,0\n2,Bo,Ng,12-DEC-03,1,,06103,1\n")
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert "2 have a two-digit year (as %d-%b-%y reads it)" in fix
    assert 'add "%d-%b-%y" to date_format' in fix and "mistyped" not in fix


def names_and_one_field(tmp_path: Path, field: str, rows: str) -> Path:
    """A project of one file, p.csv: id, first, last and ``field`` (mapped to the field of that name)."""
    (tmp_path / "p.csv").write_text(f"id,first,last,{field}\n{rows}", encoding="utf-8")
    config = tmp_path / "mpi.toml"
    config.write_text(
        '[project]\nname = "p"\n[store]\npath = "mpi.duckdb"\n[sources.p]\npath = "p.csv"\nrecord_id = "id"\n'
        f'[sources.p.columns]\nfirst_name = "first"\nlast_name = "last"\n{field} = "{field}"\n',
        encoding="utf-8",
    )
    return config


def test_a_phone_number_is_read_without_its_extension_or_a_floats_zero(tmp_path: Path) -> None:
    config = names_and_one_field(
        tmp_path,
        "phone",
        "1,Ann,Lee,860-555-1234 x12\n2,Bo,Ng,(860) 555-1234 ext. 7\n"
        "3,Cy,Oh,8605551234.0\n4,Di,Ray,1-860-555-1234\n5,Ed,Fox,860-555-12345\n",
    )
    ingest_sources(load_config(config))
    phones = {rid: r["phone"] for rid, r in records(config).items()}
    assert phones == {"1": "8605551234", "2": "8605551234", "3": "8605551234", "4": "8605551234", "5": None}


def test_a_placeholder_email_is_no_email(tmp_path: Path) -> None:
    """none@none.com or noemail@gmail.com is every client's who has no address: none, and counted."""
    config = names_and_one_field(
        tmp_path,
        "email",
        "1,Ann,Lee,NONE@NONE.COM\n2,Bo,Ng,no.email@gmail.com\n3,Cy,Oh,n/a@na.com\n"
        "4,Di,Ray,declined1@yahoo.com\n5,Ed,Fox,x@example.org\n6,Fay,Kim,nancy.lee@gmail.com\n"
        "7,Gus,Ito,nonewman@gmail.com\n8,Hal,Yu,not an email\n",
    )
    (source,) = ingest_sources(load_config(config)).sources
    emails = {rid: r["email"] for rid, r in records(config).items()}
    assert emails == {
        **dict.fromkeys("123458", None),
        "6": "nancy.lee@gmail.com",
        "7": "nonewman@gmail.com",
    }
    issues = {(fi.field, fi.issue): fi.count for fi in source.field_issues}
    assert issues[("email", "placeholder email address (none@none.com, noemail@..., declined@...)")] == 5
    assert issues[("email", "not an email address")] == 1


def test_survey_placeholders_become_null_but_real_names_that_look_like_them_stay(basic_project: Path) -> None:
    ingest_people(
        basic_project,
        "1,Lady of the House,Okafor,03/04/1980,2,,06103,0\n"
        "2,Mrs,Respondent,01/02/1970,2,,06103,1\n"
        "3,Son Of,Pierre,01/02/2003,1,,06103,2\n"
        "4,Son,Parent,01/02/2003,1,,06103,3\n"
        "5,Daughter,House,01/02/2003,2,,06103,4\n",
    )
    rows = records(basic_project)
    names = {rid: (row["first_name"], row["last_name"]) for rid, row in rows.items()}
    assert names == {
        "1": (None, "OKAFOR"),
        "2": (None, None),
        "3": (None, "PIERRE"),
        # SON is a Korean surname and a Vietnamese given name, PARENT and HOUSE are surnames
        "4": ("SON", "PARENT"),
        "5": (None, "HOUSE"),
    }


def test_digits_misread_into_names_are_read_as_the_load_spells_the_name(basic_project: Path) -> None:
    """A digit in a name is the letter that makes the name the load writes most often that way.

    9 is G in MAR9ARET but I in W9LLIAM: no fixed digit table reads both. A tie goes to the letter
    the digit looks like; a name part no load name fits stays as it is, and so do suffix words.
    """
    ingest_people(
        basic_project,
        "1,Margaret,Smith,01/02/2003,2,,06103,0\n"
        "2,Mar9aret,Sm1th,01/02/2003,2,,06103,1\n"
        "3,William,Garcia-Lopez,01/02/2003,1,,06103,2\n"
        "4,W9lliam,Garcia-L0pez 3rd,01/02/2003,1,,06103,3\n"
        "5,Margaret,Smyth,01/02/2003,2,,06103,4\n"
        "6,Marg4ret,Qu1nn,01/02/2003,2,,06103,5\n"
        "7,Anna,Kowalska,01/02/2003,2,,06103,6\n"
        "8,Jan,Kowalski,01/02/2003,1,,06103,7\n"
        "9,Jan,Kowalsk1,01/02/2003,1,,06103,8\n"
        "10,Jan,Smith2,01/02/2003,1,,06103,9\n",
    )
    rows = records(basic_project)
    names = {rid: (row["first_name"], row["last_name"], row["suffix"]) for rid, row in rows.items()}
    assert names == {
        "1": ("MARGARET", "SMITH", None),
        "2": ("MARGARET", "SMITH", None),  # SMITH twice against SMYTH once
        "3": ("WILLIAM", "GARCIA LOPEZ", None),
        "4": ("WILLIAM", "GARCIA LOPEZ", "III"),
        "5": ("MARGARET", "SMYTH", None),
        "6": ("MARGARET", "QU1NN", None),
        "7": ("ANNA", "KOWALSKA", None),
        "8": ("JAN", "KOWALSKI", None),
        "9": ("JAN", "KOWALSKI", None),  # a tie with KOWALSKA, to the letter a 1 looks like
        "10": ("JAN", "SMITH", None),  # a digit after the whole name, not in place of a letter
    }
    assert rows["2"]["first_name_raw"] == "Mar9aret"


def test_an_age_range_bounds_the_birth_years_of_everyone_in_the_source(basic_project: Path) -> None:
    config = basic_project.read_text(encoding="utf-8")

    def birth_years_with(age_range: str, rows: str) -> list[tuple[object, object]]:
        basic_project.write_text(
            config.replace('"ID"\n', f'"ID"\nage_range = {age_range}\n', 1), encoding="utf-8"
        )
        ingest_people(basic_project, rows)
        return [
            (r["source_birth_year_min"], r["source_birth_year_max"]) for r in records(basic_project).values()
        ]

    # Aged 14 to 64 on 2024-09-01: born 1959 to 2010 (a year looser below, only years are kept).
    on_a_date = '{ min = 14, max = 64, as_of = "2024-09-01" }'
    assert birth_years_with(on_a_date, "1,Ann,Lee,,2,,06103,0\n") == [(1959, 2010)]
    per_row = '{ min = 16, as_of_column = "GRADE", as_of_format = "%Y" }'
    assert birth_years_with(per_row, "1,Ann,Lee,,2,,06103,2019\n2,Bo,Lee,,1,,06103,2023\n") == [
        (None, 2003),
        (None, 2007),
    ]


def test_old_dates_and_foreign_postal_codes_are_kept_but_defaults_and_titles_are_not(
    basic_project: Path,
) -> None:
    people = ingest_people(
        basic_project,
        "1,Dr.,Lorimer,12/08/1856,1,,TQ13 8DF,0\n"  # a historical register, a British postcode
        "2,Jean,Lorimer,01/01/1800,2,,k1a 0b1,1\n"  # a system default date, a Canadian code
        "3,Sir,Crewe,01/01/1753,1,,CT 06103,2\n"  # SQL Server's earliest date; state and ZIP in one field
        "4,Sir John,Dame,02/03/1990,2,,N/A,3\n"  # an honorific opening a first name; DAME the surname
        "5,Wei,Li,02/03/1990,2,,100080,4\n6,Ana,Silva,02/03/1990,2,,1100-148,5\n",  # Beijing, Lisbon
    )
    rows = records(basic_project)
    assert [rows[r]["zip"] for r in "123456"] == ["TQ138DF", "K1A0B1", "06103", None, "100080", "1100148"]
    assert str(rows["1"]["dob"]) == "1856-12-08" and rows["1"]["birth_year_min"] == 1856
    assert rows["2"]["dob"] is None and rows["3"]["dob"] is None
    # a title alone is no first name, the British SIR as much as DR; DAME and HON are surnames too
    assert (rows["1"]["first_name"], rows["3"]["first_name"], rows["4"]["first_name"]) == (None, None, "JOHN")
    assert rows["4"]["last_name"] == "DAME"
    issues = {(fi.field, fi.issue): fi.count for fi in people.field_issues}
    assert (
        issues[
            ("dob", "placeholder or impossible date (a system default such as 1900-01-01, or in the future)")
        ]
        == 2
    )
    assert issues[("first_name", "placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)")] == 2
    assert issues[("zip", "not a ZIP or postal code")] == 1


def test_an_address_line_ending_with_its_place_gives_city_state_and_zip(tmp_path: Path) -> None:
    """A mailing address kept whole (street, city, state ZIP) fills the columns the source lacks."""
    write_config(
        tmp_path,
        '[sources.lines]\npath = "lines.csv"\nrecord_id = "ID"\n'
        '[sources.lines.columns]\nlast_name = "LNAME"\naddress = "ADDR"\n'
        '[sources.parts]\npath = "parts.csv"\nrecord_id = "ID"\n'
        '[sources.parts.columns]\nlast_name = "LNAME"\naddress = "ADDR"\ncity = "CITY"\n',
    )
    (tmp_path / "lines.csv").write_text(
        "ID,LNAME,ADDR\n"
        '1,Lee,"1837 Prospect St Apt 3B, New London, CT 06344"\n'
        '2,Lee,"23 Maple Ln, Bristol CT 06098-1234"\n'
        '3,Lee,"PO Box 5, Storrs Mansfield, Ct. 06268"\n'
        '4,Lee,"12 Main St, Apt 4B"\n'  # a unit after the comma, no place
        '5,Lee,"12 Main St, Hartford"\n',  # a city alone is not read as one
        encoding="utf-8",
    )
    (tmp_path / "parts.csv").write_text(
        'ID,LNAME,ADDR,CITY\n6,Lee,"9 Oak Ter, West Hartford, CT 06107",Hartford\n', encoding="utf-8"
    )
    ingest_sources(load_config(tmp_path / "mpi.toml"))
    rows = records(tmp_path / "mpi.toml")
    place = {r: (rows[r]["address"], rows[r]["city"], rows[r]["state"], rows[r]["zip"]) for r in rows}
    assert place["1"] == ("1837 PROSPECT ST UNIT 3B", "NEW LONDON", "CT", "06344")
    assert place["2"] == ("23 MAPLE LN", "BRISTOL", "CT", "06098")
    assert place["3"] == ("PO BOX 5", "STORRS MANSFIELD", "CT", "06268")
    assert place["4"] == ("12 MAIN ST UNIT 4B", None, None, None)
    assert place["5"][1:] == (None, None, None)
    # The source's own city column wins; the ZIP it lacks comes from the line.
    assert place["6"] == ("9 OAK TER", "HARTFORD", "CT", "06107")


def test_a_unit_is_split_from_the_street_however_it_is_written(tmp_path: Path) -> None:
    """APT 4B, #4B, APT4B, SUITE 4B and a unit column's APARTMENT # 4B are one unit, 4B.

    An address line and a street column both can end with it; a household at one street and number
    must read as one (the same-household levels compare street and number), and two units as two.
    """
    (tmp_path / "mpi.toml").write_text(
        '[project]\nname = "units"\n[store]\npath = "mpi.duckdb"\n'
        '[sources.lines]\npath = "lines.csv"\nrecord_id = "ID"\n'
        '[sources.lines.columns]\nlast_name = "LNAME"\naddress = "ADDR"\n'
        '[sources.parts]\npath = "parts.csv"\nrecord_id = "ID"\n'
        '[sources.parts.columns]\nlast_name = "LNAME"\nstreet_number = "NUM"\nstreet_name = "STREET"\n'
        'unit = "UNIT"\n',
        encoding="utf-8",
    )
    (tmp_path / "lines.csv").write_text(
        "ID,LNAME,ADDR\n"
        "1,Lee,123 Main Street Apt 4B\n"
        "2,Lee,123 MAIN ST #4B\n"
        "3,Lee,123 Main St. APT4B\n"
        "4,Lee,123 Main St Suite 4B\n"
        "5,Lee,2207 Church St # 2 floor\n"
        "6,Lee,12 Ste Genevieve Ave\n"  # a street name that starts with a unit word keeps it
        "7,Lee,PO Box 55\n"
        # USPS variants of one street type (Publication 28, C1) read as one
        "11,Lee,1200 Sunset Boul\n12,Lee,1200 Sunset Blvd\n13,Lee,9 Oak Terr\n14,Lee,9 Oak Terrace\n"
        "15,Lee,123 Main St Apt. 4-B\n16,Lee,4 Elm St 2nd Fl\n"
        "17,Lee,123 1/2 Main St\n18,Lee,123-1/2 Main St\n",  # a half-number is the building's number
        encoding="utf-8",
    )
    (tmp_path / "parts.csv").write_text(
        "ID,LNAME,NUM,STREET,UNIT\n"
        "8,Lee,123,Main Street,apartment # 4B\n"
        "9,Lee,123,Main St #4B,\n"  # the unit written into the street column
        "10,Lee,123,Main St,4C\n"
        "19,Lee,123 1/2,Main St,\n",
        encoding="utf-8",
    )
    ingest_sources(load_config(tmp_path / "mpi.toml"))
    rows = records(tmp_path / "mpi.toml")
    parts = {r: (rows[r]["street_number"], rows[r]["street_name"], rows[r]["unit"]) for r in rows}
    for record in ("1", "2", "3", "4", "8", "9"):
        assert parts[record] == ("123", "MAIN ST", "4B"), record
        assert rows[record]["address"] == "123 MAIN ST UNIT 4B"
    assert parts["10"] == ("123", "MAIN ST", "4C")
    assert parts["5"] == ("2207", "CHURCH ST", "2")
    assert parts["6"] == ("12", "STE GENEVIEVE AVE", None)
    assert parts["7"] == (None, "PO BOX 55", None) and rows["7"]["address"] == "PO BOX 55"
    assert rows["11"]["address"] == rows["12"]["address"] == "1200 SUNSET BLVD"
    assert rows["13"]["address"] == rows["14"]["address"] == "9 OAK TER"
    assert parts["15"] == ("123", "MAIN ST", "4B") and parts["16"] == ("4", "ELM ST", "2")
    for record in ("17", "18", "19"):
        assert parts[record] == ("123", "MAIN ST", None), record


def test_a_placeholder_address_is_no_address(basic_project: Path) -> None:
    """HOMELESS, UNKNOWN, GENERAL DELIVERY: shared by people of no one household, so not an address."""
    config = basic_project.parent / "mpi.toml"
    text = config.read_text(encoding="utf-8")
    config.write_text(text.replace('zip = "ZIP"', 'zip = "ZIP"\naddress = "ADDR"'), encoding="utf-8")
    header = (basic_project.parent / "people.csv").read_text(encoding="utf-8").splitlines()[0]
    (basic_project.parent / "people.csv").write_text(
        header + ",ADDR\n"
        "1,Ann,Lee,02/03/1990,2,,06103,0,HOMELESS\n"
        "2,Bo,Lee,02/03/1991,1,,06103,1,General Delivery\n"
        "3,Cy,Lee,02/03/1992,1,,06103,2,0 Unknown\n"
        "4,Di,Lee,02/03/1993,2,,06103,3,12 Unknown Address\n"
        "5,Ed,Lee,02/03/1994,1,,06103,4,12 Homeless Rd\n",
        encoding="utf-8",
    )
    (people,) = ingest_sources(load_config(config)).sources
    rows = records(config)
    assert [rows[r]["address"] for r in "12345"] == [None, None, None, None, None]
    issues = {(fi.field, fi.issue): fi.count for fi in people.field_issues}
    assert issues[("address", "placeholder address (HOMELESS, UNKNOWN, GENERAL DELIVERY ...)")] == 5


def test_year_regex_reads_the_year_of_a_date_that_does_not_parse() -> None:
    con = duckdb.connect()
    cases = [
        ("%Y-%m-%d", "1856-86-18", 1856),
        ("%m/%d/%Y", "02/30/1985", 1985),
        ("%Y%m%d", "19850000", 1985),
        ("%d %b %Y", "31 Foo 1970", 1970),
        ("%m/%d/%Y", "1985-02-03", None),  # another layout: nothing is guessed
        ("%Y-%m-%d", "1985-02-03x", None),
    ]
    for date_format, text, year in cases:
        pattern = year_regex(date_format)
        found = con.execute(
            "SELECT nullif(regexp_extract($t, $p, 1), '')", {"t": text, "p": pattern}
        ).fetchall()
        assert found == [(str(year) if year else None,)], (date_format, text)
    assert year_regex("%m/%d/%y") is None  # a two-digit year names no century


def test_the_hint_for_unread_dates_names_only_formats_that_read_them(basic_project: Path) -> None:
    rows = (
        "1,Ann,Lee,1980-02-03,2,,06103,1\n2,Bob,Ray,02/30/1985,1,,06103,2\n3,Cy,Fox,03/04/2001,1,,06103,3\n"
    )
    people = ingest_people(basic_project, rows)  # basic: date_format = "%m/%d/%Y"
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert fix == (
        'people: 2 dates in column "DOB" match none of the formats tried (%m/%d/%Y); %Y-%m-%d reads some of '
        'them. To read those too, list it in mpi.toml: [sources.people.columns] dob = { column = "DOB", '
        'date_format = ["%m/%d/%Y", "%Y-%m-%d"] }; any others are mistyped dates, most likely.'
    )
    # Both formats tried: the date left (02/30) is read by no format, and none is suggested.
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(
        text.replace('date_format = "%m/%d/%Y"', 'date_format = ["%m/%d/%Y", "%Y-%m-%d"]'), encoding="utf-8"
    )
    people = ingest_people(basic_project, rows)
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert fix == (
        'people: 1 date in column "DOB" matches none of the formats tried (%m/%d/%Y, %Y-%m-%d), nor any other '
        "format mpi knows: mistyped dates, most likely. If they are dates written another way, add that way to "
        "date_format under [sources.people.columns] dob in mpi.toml, in strftime codes (%d day, %m month, "
        "%Y year, %b month name)."
    )


def test_a_format_with_day_and_month_the_wrong_way_round_is_to_be_replaced_not_added_to(
    basic_project: Path,
) -> None:
    basic_project.write_text(
        basic_project.read_text(encoding="utf-8").replace('"%m/%d/%Y"', '"%d/%m/%Y"'), encoding="utf-8"
    )
    people = ingest_people(
        basic_project, "1,Ann,Lee,11/02/1975,2,,06103,1\n2,Bob,Ray,01/23/1985,1,,06103,2\n"
    )
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert "%m/%d/%Y reads every date of the column, so the day and month" in fix
    assert 'date_format = "%m/%d/%Y" }' in fix


def test_dates_saved_as_spreadsheet_day_numbers_are_named_so(basic_project: Path) -> None:
    people = ingest_people(basic_project, "1,Ann,Lee,27700,2,,06103,1\n2,Bob,Ray,02/03/1985,1,,06103,2\n")
    (fix,) = [fi.fix for fi in people.field_issues if fi.issue == "unparseable date"]
    assert "1 of them are whole numbers such as a spreadsheet writes for a date (27700 is 1975-11-02" in fix


def test_values_set_to_null_are_counted_in_indexed_rows_only(basic_project: Path) -> None:
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(
        text.replace('attributes = ["GRADE"]', 'on_duplicate_ids = "reject"'), encoding="utf-8"
    )
    people = ingest_people(
        basic_project,
        "1,Ann,Lee,13/45/2001,2,000-00-0000,06103,1\n"
        "1,Ann,Lee,2001-99-01,2,111-11-1111,06103,1\n"
        "2,Bob,Kim,13/13/2002,1,222-33-4444,06103,2\n",
    )
    assert (people.rows_indexed, people.reject_reasons) == (1, {"duplicate record id": 2})
    issues = {(fi.field, fi.issue): fi.count for fi in people.field_issues}
    assert issues[("dob", "unparseable date")] == 1
    assert ("ssn", "structurally invalid SSN") not in issues
    con = duckdb.connect(str(basic_project.parent / "mpi.duckdb"), read_only=True)
    try:
        stored = con.execute("SELECT field, issue, count FROM field_issues ORDER BY field, issue").fetchall()
    finally:
        con.close()
    assert stored == [(fi.field, fi.issue, fi.count) for fi in people.field_issues]


UTF16_PEOPLE = "id,fn,ln\r\n1,José,Núñez\r\n2,Zoë,Brontë\r\n"


def utf16_project(directory: Path, data: bytes, encoding: str, *, on_bad_rows: str = "error") -> Path:
    (directory / "people.csv").write_bytes(data)
    config = directory / "mpi.toml"
    config.write_text(
        '[project]\nname = "u16"\n[store]\npath = "mpi.duckdb"\n'
        f'[sources.people]\npath = "people.csv"\nencoding = "{encoding}"\nrecord_id = "id"\n'
        f'on_bad_rows = "{on_bad_rows}"\n[sources.people.columns]\nfirst_name = "fn"\nlast_name = "ln"\n',
        encoding="utf-8",
    )
    return config


LE, BE = UTF16_PEOPLE.encode("utf-16-le"), UTF16_PEOPLE.encode("utf-16-be")


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param(codecs.BOM_UTF16_LE + LE, "utf-16", id="Windows 'Unicode': marked little-endian"),
        pytest.param(codecs.BOM_UTF16_BE + BE, "utf-16", id="marked big-endian"),
        pytest.param(BE, "utf-16", id="unmarked big-endian, told by its NUL bytes"),
        pytest.param(LE, "utf-16le", id="unmarked little-endian"),
        pytest.param(codecs.BOM_UTF16_LE + LE, "utf-16-le", id="marked little-endian, named"),
        pytest.param(BE, "utf-16-be", id="unmarked big-endian, named"),
    ],
)
def test_a_utf_16_file_is_ingested_with_its_accents(tmp_path: Path, data: bytes, encoding: str) -> None:
    config = utf16_project(tmp_path, data, encoding)
    (people,) = ingest_sources(load_config(config)).sources
    assert (people.rows_read, people.rows_indexed) == (2, 2)
    rows = records(config)
    assert [(rows[r]["first_name"], rows[r]["last_name"]) for r in ("1", "2")] == [
        ("JOSE", "NUNEZ"),
        ("ZOE", "BRONTE"),
    ]


@pytest.mark.parametrize("encoding", ["utf-8", "latin-1", "cp1252"])
def test_a_file_with_mixed_line_endings_is_read_whole(tmp_path: Path, encoding: str) -> None:
    """Extracts appended to one another: CR LF lines, then LF lines (a quoted field keeps its newline)."""
    data = 'id,fn,ln\r\n1,José,Núñez\r\n2,Zoë,"Brontë\r\nHaworth"\n3,Ann,Lee\n4,Bob,Kim\r\n'
    config = utf16_project(tmp_path, data.encode(encoding), encoding)
    (people,) = ingest_sources(load_config(config)).sources
    assert (people.rows_read, people.rows_indexed) == (4, 4)
    rows = records(config)
    assert [rows[r]["first_name"] for r in ("1", "2", "3", "4")] == ["JOSE", "ZOE", "ANN", "BOB"]
    assert rows["2"]["last_name"].startswith("BRONTE")


def test_line_endings_are_mixed_only_when_both_kinds_occur(tmp_path: Path) -> None:
    path = tmp_path / "f.csv"
    for data, mixed in ((b"a\r\nb\r\n", False), (b"a\nb\n", False), (b"a\r\nb\n", True), (b"a\nb\r\n", True)):
        path.write_bytes(data)
        assert has_mixed_line_endings(path) is mixed, data


def test_a_utf_16_file_read_another_way_names_the_encoding_that_reads_it(tmp_path: Path) -> None:
    config = utf16_project(tmp_path, UTF16_PEOPLE.encode("utf-16"), "utf-8")
    with pytest.raises(InputError, match='is UTF-16 text, not utf-8. Set encoding = "utf-16" under'):
        ingest_sources(load_config(config))
    config = utf16_project(tmp_path, UTF16_PEOPLE.encode("utf-16-le"), "utf-8")
    with pytest.raises(InputError, match='is UTF-16 text, not utf-8. Set encoding = "utf-16-le" under'):
        ingest_sources(load_config(config))
    config = utf16_project(tmp_path, UTF16_PEOPLE.encode("utf-16-le"), "utf-16-be")
    with pytest.raises(
        InputError, match=r'is UTF-16-LE text, not utf-16-be. Set encoding = "utf-16" \(it reads'
    ):
        ingest_sources(load_config(config))


def test_an_undecodable_utf_16_line_is_rejected_as_undecodable(tmp_path: Path) -> None:
    lone_surrogate = "Zo".encode("utf-16-le").replace(b"Z\x00", b"\x00\xd8")
    data = UTF16_PEOPLE.encode("utf-16").replace("Zo".encode("utf-16-le"), lone_surrogate)
    config = utf16_project(tmp_path, data, "utf-16", on_bad_rows="reject")
    (people,) = ingest_sources(load_config(config)).sources
    assert (people.rows_read, people.rows_indexed, people.reject_reasons) == (2, 1, {"undecodable row": 1})


def test_a_date_kept_in_year_month_and_day_columns_is_joined(tmp_path: Path) -> None:
    """Inspect suggests the three columns as one dob; ingest joins them, and keeps the year of a day
    the calendar lacks or of a year without month and day, as it does for a date in one column."""
    (tmp_path / "p.csv").write_text(
        "id,first,last,BIRTH_YEAR,BIRTH_MONTH,BIRTH_DAY\n"
        "1,Ann,Lee,1985,3,4\n2,Bo,Ng,1990,,\n3,Cy,Oh,1970,13,40\n4,Di,Ray,,5,6\n"
        "5,Ed,Fox,1980.0,March,003\n6,Fa,Gu,1981,5.5,2\n7,Gi,Ho,85,1,7\n",
        encoding="utf-8",
    )
    inspected = CliRunner().invoke(main, ["inspect", str(tmp_path / "p.csv")])
    line = 'dob = { column = "BIRTH_YEAR", month_column = "BIRTH_MONTH", day_column = "BIRTH_DAY" }'
    assert line in inspected.output
    config = tmp_path / "mpi.toml"
    config.write_text(
        '[project]\nname = "p"\n[store]\npath = "mpi.duckdb"\n[sources.p]\npath = "p.csv"\nrecord_id = "id"\n'
        f'[sources.p.columns]\nfirst_name = "first"\nlast_name = "last"\n{line}\n',
        encoding="utf-8",
    )
    (people,) = ingest_sources(load_config(config)).sources
    rows = records(config)
    assert {rid: (r["dob"], r["birth_year_min"], r["birth_year_max"]) for rid, r in rows.items()} == {
        "1": (date(1985, 3, 4), 1985, 1985),
        "2": (None, 1990, 1990),
        "3": (None, 1970, 1970),
        "4": (None, None, None),
        "5": (date(1980, 3, 3), 1980, 1980),  # a spreadsheet's number, a month's name, a padded day
        "6": (None, 1981, 1981),  # a month that is no number: counted, its year kept
        "7": (None, None, None),  # a two-digit year is no year 85: counted, not kept
    }
    (issue,) = [fi for fi in people.field_issues if fi.issue == "unparseable date"]
    assert (issue.column, issue.count) == ("BIRTH_YEAR/BIRTH_MONTH/BIRTH_DAY", 3)
    assert "name no day of the calendar" in issue.fix
    with pytest.raises(ConfigError, match="a date in parts needs both month_column and day_column"):
        config.write_text(config.read_text().replace(', day_column = "BIRTH_DAY"', ""), encoding="utf-8")
        load_config(config)


def test_sex_unknown_on_purpose_is_no_field_issue(basic_project: Path) -> None:
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(text.replace('"2" = "F" }', '"2" = "F", "9" = "U" }'), encoding="utf-8")
    people = ingest_people(
        basic_project,
        "1,Ann,Lee,,2,,06103,0\n2,Bo,Lee,,9,,06103,1\n3,Cy,Lee,,Unknown,,06103,2\n4,Di,Lee,,7,,06103,3\n",
    )
    assert [records(basic_project)[r]["sex"] for r in "1234"] == ["F", None, None, None]
    issues = {(fi.field, fi.issue): fi.count for fi in people.field_issues}
    assert issues[("sex", "unknown code")] == 1  # the 7: a code the agency never explained


def test_notes_beside_a_name_and_a_no_zip_code_are_left_out(basic_project: Path) -> None:
    """A nickname in parentheses, a credential after the name, and 99999 for "no ZIP"."""
    ingest_people(
        basic_project,
        "1,John (Jack),Smith MD,,1,,99999,0\n2,Ann,Lee RN,,2,,06103,1\n3,Bo,(Robert) Ng,,1,,00000,2\n",
    )
    rows = records(basic_project)
    assert [(rows[r]["first_name"], rows[r]["last_name"], rows[r]["zip"]) for r in "123"] == [
        ("JOHN", "SMITH", None),
        ("ANN", "LEE", "06103"),
        ("BO", "NG", None),
    ]


def test_a_column_whose_values_nearly_all_became_null_is_warned_of(basic_project: Path) -> None:
    rows = "".join(
        f"{i},Ann,Lee,1980-02-{i:02d},2,,06103,0\n" for i in range(1, 13)
    )  # ISO, mapped as %m/%d/%Y
    (basic_project.parent / "people.csv").write_text(
        "ID,FNAME,LNAME,DOB,SEX,SSN,ZIP,GRADE\n" + rows, encoding="utf-8"
    )
    exit_code, output = run_ingest(basic_project)
    assert exit_code == 0
    assert 'warning: people: 12 of 12 indexed rows lost their dob (column "DOB": unparseable date)' in output


def test_an_itin_in_the_ssn_field_is_kept_and_a_number_never_issued_is_not() -> None:
    """Area 9xx is no SSN, but with an ITIN's group (50-65, 70-88, 90-99) it is one person's tax id."""
    con = duckdb.connect()
    install_macros(con)
    valid = dict(
        con.execute(
            "SELECT d, mpi_ssn_is_valid(d) FROM (SELECT unnest(?) AS d)",
            [["979736790", "912501234", "900401234", "666123456", "123456788", "999999999"]],
        ).fetchall()
    )
    assert valid == {
        "979736790": True,  # ITIN, group 73
        "912501234": True,  # ITIN, group 50
        "900401234": False,  # area 9xx, group 40: neither
        "666123456": False,
        "123456788": True,
        "999999999": False,
    }


def test_names_written_last_comma_first_under_a_first_name_first_format_are_a_field_issue(
    tmp_path: Path,
) -> None:
    """A wrong full-name format is otherwise silent: every name still gives a first and a last name."""
    write_config(
        tmp_path,
        '[sources.courts]\npath = "courts.csv"\nrecord_id = "ID"\n'
        '[sources.courts.columns]\nfull_name = { column = "NAME", format = "FIRST MIDDLE LAST SUFFIX" }\n',
    )
    (tmp_path / "courts.csv").write_text(
        'ID,NAME\n1,"MURPHY, ANTHONY"\n2,"ANN LEE"\n3,"MAI T BUI, MD"\n4,"JOHN SMITH, JR."\n5,"KIM, JO"\n',
        encoding="utf-8",
    )
    (courts,) = ingest_sources(load_config(tmp_path / "mpi.toml")).sources
    (issue,) = [fi for fi in courts.field_issues if fi.field == "full_name"]
    assert (issue.column, issue.count) == ("NAME", 2)
    assert issue.fix.startswith(
        'courts: 2 names are in column "NAME" written with a comma before given names, as in "LAST, FIRST", '
        'but format = "FIRST MIDDLE LAST SUFFIX" reads the first word as the first name.'
    )
    assert records(tmp_path / "mpi.toml")["1"]["first_name"] == "MURPHY"  # read as the format says


@pytest.mark.parametrize("name_format", ["FIRST MIDDLE LAST SUFFIX", "auto"])
def test_saint_opens_a_surname_as_st_does(tmp_path: Path, name_format: str) -> None:
    """LINDA SAINT PIERRE's surname is SAINT PIERRE, and it shares PIERRE (not SAINT) with ST. PIERRE."""
    write_config(
        tmp_path,
        '[sources.lic]\npath = "lic.csv"\nrecord_id = "ID"\n'
        f'[sources.lic.columns]\nfull_name = {{ column = "NAME", format = "{name_format}" }}\n'
        '[sources.ui]\npath = "ui.csv"\nrecord_id = "ID"\n'
        '[sources.ui.columns]\nfirst_name = "FN"\nlast_name = "LN"\n',
    )
    (tmp_path / "lic.csv").write_text("ID,NAME\n1,Linda Saint Pierre\n", encoding="utf-8")
    (tmp_path / "ui.csv").write_text("ID,FN,LN\n2,Linda,St. Pierre\n", encoding="utf-8")
    ingest_sources(load_config(tmp_path / "mpi.toml"))
    rows = records(tmp_path / "mpi.toml")
    assert (rows["1"]["first_name"], rows["1"]["middle_name"], rows["1"]["last_name"]) == (
        "LINDA", None, "SAINT PIERRE",
    )  # fmt: skip
    assert set(rows["1"]["last_name_parts"]) & set(rows["2"]["last_name_parts"]) == {"PIERRE"}


def test_a_maiden_or_alias_surname_is_a_part_of_the_surname(tmp_path: Path) -> None:
    """MARY SMITH born JONES shares a surname part with MARY JONES; the maiden name is kept as read."""
    write_config(
        tmp_path,
        '[sources.hhs]\npath = "hhs.csv"\nrecord_id = "ID"\n'
        '[sources.hhs.columns]\nfirst_name = "FN"\nlast_name = "LN"\nother_last_name = "MAIDEN_NAME"\n',
    )
    (tmp_path / "hhs.csv").write_text(
        "ID,FN,LN,MAIDEN_NAME\n1,Mary,Smith,Jones\n2,Mary,Jones,\n3,Ann,Lee,UNKNOWN\n4,Ann,Park,O'Brien-Diaz\n",
        encoding="utf-8",
    )
    (hhs,) = ingest_sources(load_config(tmp_path / "mpi.toml")).sources
    rows = records(tmp_path / "mpi.toml")
    assert (rows["1"]["last_name"], rows["1"]["other_last_name"], rows["1"]["other_last_name_raw"]) == (
        "SMITH", "JONES", "Jones",
    )  # fmt: skip
    assert set(rows["1"]["last_name_parts"]) & set(rows["2"]["last_name_parts"]) == {"JONES"}
    assert set(rows["4"]["last_name_parts"]) >= {"PARK", "OBRIEN", "DIAZ"}
    assert (rows["3"]["other_last_name"], rows["3"]["last_name_parts"]) == (None, ["LEE"])
    issues = {(fi.field, fi.issue): fi.count for fi in hhs.field_issues}
    assert issues == {("other_last_name", "placeholder name (FNU, UNKNOWN, BABY GIRL, a title alone ...)"): 1}
    assert level_label("last_name", rows["1"], rows["2"]) == "A name part in common; elsewhere"
    # a clear-text identifier the leak checks look for in hashed outputs
    assert clear_identifiers(load_config(tmp_path / "mpi.toml")).words.get("OBRIEN DIAZ") == "last name"


def test_an_ssns_last_four_digits_are_kept_from_a_column_of_them_or_a_masked_ssn(tmp_path: Path) -> None:
    """HMIS and court files keep XXX-XX-1234 or the last four alone: those are compared, not thrown away."""
    write_config(
        tmp_path,
        '[sources.hmis]\npath = "hmis.csv"\nrecord_id = "ID"\n'
        '[sources.hmis.columns]\nfirst_name = "FN"\nssn = "SSN"\nssn_last4 = "SSN_LAST4"\n',
    )
    (tmp_path / "hmis.csv").write_text(
        "ID,FN,SSN,SSN_LAST4\n1,Ann,501-07-4184,9999\n2,Ann,XXXXX4184,\n3,Bo,***-**-0123,\n4,Bo,,123\n"
        "5,Cy,123-45-6789,\n6,Cy,000-00-0000,\n7,Di,,12345\n8,Di,000-00-5555,\n",
        encoding="utf-8",
    )
    (hmis,) = ingest_sources(load_config(tmp_path / "mpi.toml")).sources
    rows = records(tmp_path / "mpi.toml")
    assert {rid: (r["ssn"], r["ssn_last4"]) for rid, r in rows.items()} == {
        "1": ("501074184", "4184"),  # the whole SSN's, before the column's
        "2": (None, "4184"),
        "3": (None, "0123"),
        "4": (None, "0123"),  # a number that lost its leading zero
        "5": (None, None),  # a placeholder SSN has no last four digits
        "6": (None, None),
        "7": (None, None),
        "8": (None, "5555"),
    }
    issues = {(fi.field, fi.issue): fi.count for fi in hmis.field_issues}
    assert issues == {
        ("ssn", "structurally invalid SSN"): 2,  # the masked ones are kept as their last four
        ("ssn_last4", "not the last four digits of an SSN"): 1,
    }
    assert level_label("ssn_last4", rows["1"], rows["2"]) == "Same last four digits"
    assert level_label("ssn_last4", rows["2"], rows["3"]) == "Different last four digits"
    assert level_label("ssn", rows["1"], rows["2"]) == "ssn is NULL"  # the last four digits say it
    assert level_label("ssn_last4", rows["1"], {**rows["2"], "ssn": "501074184"}).startswith("No last four")
