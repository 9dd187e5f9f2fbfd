"""`mpi inspect` reads other people's column names: the mapping it suggests for files mpi did not write."""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_runs import ingest_output, suggested_mapping, write_config
from click.testing import CliRunner
from store_queries import store_rows

from mpi.cli import main
from mpi.column_names import date_part_columns, names_a_record_id, one_column_per_field, suggest_field
from mpi.config import load_config

# pseudopeople's W-2 and 1099 file (its column names, in its order): the employer's address comes
# first and is shorter, the person's own is under mailing_address_.
W2_COLUMNS = [
    "employer_id", "ssn", "wages", "employer_name", "employer_street_number", "employer_street_name",
    "employer_unit_number", "employer_city", "employer_state", "employer_zipcode", "first_name",
    "middle_initial", "last_name", "mailing_address_street_number", "mailing_address_street_name",
    "mailing_address_unit_number", "mailing_address_po_box", "mailing_address_city",
    "mailing_address_state", "mailing_address_zipcode", "tax_form", "tax_year",
]  # fmt: skip


def test_the_persons_own_address_is_mapped_not_the_employers() -> None:
    assert one_column_per_field(W2_COLUMNS) == {
        "ssn": "ssn",
        "first_name": "first_name",
        "middle_initial": "middle_name",
        "last_name": "last_name",
        "mailing_address_street_number": "street_number",
        "mailing_address_street_name": "street_name",
        "mailing_address_unit_number": "unit",
        "mailing_address_city": "city",
        "mailing_address_state": "state",
        "mailing_address_zipcode": "zip",
    }


@pytest.mark.parametrize(
    ("columns", "mapping"),
    [
        # an alias's name is shorter, not the person's own
        (
            ["Student ID", "Student Last Name", "Student First Name", "Alias Last Name", "Alias First Name"],
            {
                "Student Last Name": "last_name",
                "Student First Name": "first_name",
                "Alias Last Name": "other_last_name",
            },
        ),
        (
            ["AKA_LastName", "ClientLastName"],
            {"ClientLastName": "last_name", "AKA_LastName": "other_last_name"},
        ),
        (
            ["Last Name", "maiden_last_name"],
            {"Last Name": "last_name", "maiden_last_name": "other_last_name"},
        ),
        # a mother's maiden name is no name of the person's
        (["Last Name", "MOTHER_MAIDEN_NAME"], {"Last Name": "last_name"}),
        (["PrefFirstName", "ClientFirstName"], {"ClientFirstName": "first_name"}),
        # the person's own whole name, not an alias's first name; an alias's surname is another surname
        (
            ["Client Name", "Alias First Name", "Alias Last Name"],
            {"Client Name": "full_name", "Alias Last Name": "other_last_name"},
        ),
        # an alias is mapped when it is all the file holds
        (
            ["Alias Last Name", "Alias First Name"],
            {"Alias Last Name": "last_name", "Alias First Name": "first_name"},
        ),
        # the person's own current contact details before another's or a former one
        (["GuardianPhone", "HomePhoneNumber"], {"HomePhoneNumber": "phone"}),
        (["Emergency Contact Phone"], {"Emergency Contact Phone": "phone"}),
        (["prev_zip", "zip_code"], {"zip_code": "zip"}),
    ],
)
def test_the_persons_own_current_value_is_mapped_before_an_alias_or_anothers(
    columns: list[str], mapping: dict[str, str]
) -> None:
    assert one_column_per_field(columns) == mapping


@pytest.mark.parametrize(
    ("column", "field"),
    [
        # qualifiers before the part of the address a column holds
        ("perm_state", "state"),
        ("MailingCity", "city"),
        ("res_addr_zip", "zip"),
        ("home_phone", "phone"),
        ("email_address", "email"),
        # the address line itself, however it is numbered
        ("HomeAddress", "address"),
        ("address_1", "address"),
        ("ADDR_LINE1", "address"),
        ("ResidentialAddressLine2", "unit"),
        ("ADDR_NUM", "street_number"),
        ("ADDR_STREET", "street_name"),
        # camel case and abbreviations
        ("ChildFirstName", "first_name"),
        ("DateOfBirth", "dob"),
        ("birth_year", "dob"),
        ("YearOfBirth", "dob"),
        ("YOB", "dob"),
        ("MI", "middle_name"),
        ("soc_sec_id", "ssn"),
        ("suburb", "city"),
        # public files: North Carolina's voter file, FEBRL, census extracts (IPUMS), FHIR, registers
        ("midl_name", "middle_name"),
        ("name_sufx_cd", "suffix"),
        ("res_street_address", "address"),
        ("birth_age", "age"),
        ("namefrst", "first_name"),
        ("namelast", "last_name"),
        ("name_given", "first_name"),
        ("name_family", "last_name"),
        ("pat_fname", "first_name"),
        ("pat_mi", "middle_name"),
        ("patient_sex", "sex"),
        ("Post_Code", "zip"),
        ("cell_phone", "phone"),
        ("Phone #", "phone"),
        ("House #", "street_number"),
        # a date in parts: the year is the birth year, the month and day are not the date
        ("dob_yyyy", "dob"),
        ("dob_mm", None),
        ("BirthMonth", None),
        # a household member's contact details are the household's, so still suggested
        ("GuardianPhone", "phone"),
        # not the person's own fields, or not a field at all
        ("race_ethnicity", None),
        ("hotel_name", None),
        ("mailing_address_po_box", None),
        ("spouse_first_name", None),
        ("dependent_1_ssn", None),
        ("mother_maiden_name", None),
        ("contact_first_name", None),
        ("employer_city", None),
        ("full_name", "full_name"),
        # the person, by whatever role the agency gives them, and a name: the whole name
        ("Patient Name", "full_name"),
        ("PARTICIPANT_NAME", "full_name"),
        ("ResidentFullName", "full_name"),
        ("beneficiaryname", "full_name"),
        ("Applicant_FName", "first_name"),
        # WIC's participant (PART_), as its files abbreviate it
        ("PART_FNAME", "first_name"),
        ("PART_LNAME", "last_name"),
        ("PART_SEX", "sex"),
        ("PART_TYPE", None),
        # another surname of the person's own: maiden, former or alias
        ("MAIDEN_NAME", "other_last_name"),
        ("Alias Last Name", "other_last_name"),
        ("PREV_LAST_NM", "other_last_name"),
        ("LAST_NAME_AT_BIRTH", "other_last_name"),
        ("AKA_NAME", None),
        ("licensee", "full_name"),
        ("guardian_name", None),
        ("company_name", None),
        ("item_name", None),
        ("staff_name", None),
        ("home_email_address", "email"),
        ("mortgage", None),
        ("cell_id", None),
        ("hx_mi", None),
        ("src_fname", None),
        ("gestational_age", None),
        ("race_sex", None),
        ("BirthDay", None),
        ("stu_gender", "sex"),
        ("current_age", "age"),
        # a number's last digits are not the number: an SSN's are its last four, compared as those
        ("phone_last4", None),
        ("SSN_Last4", "ssn_last4"),
        ("SSN4", "ssn_last4"),
        ("Last4SSN", "ssn_last4"),
        ("ssn_last_4", "ssn_last4"),
        ("ssn_last_four", "ssn_last4"),
        ("SSNLast4", "ssn_last4"),
        ("ssn_9", "ssn"),
        ("SSN Number", "ssn"),
    ],
)
def test_a_column_name_suggests_the_field_it_holds(column: str, field: str | None) -> None:
    assert suggest_field(column) == field


@pytest.mark.parametrize(
    ("column", "is_id"),
    [
        ("STUDENT_KEY", True),
        ("ClientID", True),
        ("rec_id", True),
        # one word, as the Leipzig benchmark's voter files and many exports write them
        ("recid", True),
        ("personid", True),
        ("voterno", True),
        ("residentid", True),
        ("acctno", True),
        # an id's usual abbreviations, and # for number
        ("MRN", True),
        ("Patient MRN", True),
        ("medical_record_number", True),
        ("PID", True),
        ("UID", True),
        ("Case #", True),
        ("Client#", True),
        # another's id or a former one is not the row's own
        ("employer_id", False),
        ("ParentID", False),
        ("OLD_CLIENT_ID", False),
        ("prev_mrn", False),
        ("Agency Client ID", True),
        # identifiers shared across agencies are not the agency's own record id
        ("SSN", False),
        ("SASID", False),
        ("paid", False),
        ("void", False),
        ("phone_no", False),  # a field, not an id
        ("employer_phone_no", False),  # another's field
        ("ssn_last4_no", False),  # part of a field
    ],
)
def test_a_column_name_says_it_holds_a_record_id(column: str, is_id: bool) -> None:
    assert names_a_record_id(column) is is_id


def test_a_patient_file_is_mapped_by_its_whole_name_and_its_medical_record_number(tmp_path: Path) -> None:
    (tmp_path / "clinic.csv").write_text(
        'Patient Name,Patient DOB,MRN\n"Brown, Ahmed",1963-01-03,M00001\n"Nguyen, Anh",1953-10-04,M00002\n',
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "clinic.csv")
    assert 'record_id = "MRN"' in mapping
    assert 'full_name = { column = "Patient Name", format = "LAST, FIRST MIDDLE SUFFIX" }' in mapping


def test_a_file_without_a_record_id_or_readable_dates_says_what_to_add(tmp_path: Path) -> None:
    # pseudopeople's WIC file: no id column, and dates written MMDDYYYY
    (tmp_path / "wic.csv").write_text(
        "first_name,last_name,date_of_birth,sex\nLayla,Legler,12042018,Female\nAnne,Miles,02172018,Female\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "wic.csv")
    assert "# No column holds a unique id for each row." in mapping
    assert 'dob = { column = "date_of_birth", date_format = ["%m%d%Y"] }' in mapping
    (tmp_path / "odd.csv").write_text("id,first,dob\n1,Ann,1980-12-31x\n2,Bo,1975-01-02x\n", encoding="utf-8")
    mapping = suggested_mapping(tmp_path / "odd.csv")
    assert "# None of the date formats mpi tries reads dob (e.g. " in mapping
    assert 'record_id = "id"' in mapping


def test_the_suggested_mapping_of_a_tax_file_is_one_mpi_accepts(tmp_path: Path) -> None:
    values = {c: "x" for c in W2_COLUMNS} | {"ssn": "584-16-0130", "tax_year": "2020", "wages": "100"}
    (tmp_path / "w2.csv").write_text(",".join(W2_COLUMNS) + "\n" + ",".join(values.values()) + "\n")
    mapping = suggested_mapping(tmp_path / "w2.csv", "--name", "w2")
    config = write_config(tmp_path, mapping.replace('# record_id = "..."', 'record_id = "ssn"'))
    columns = {m.field: m.column for m in load_config(config).sources["w2"].columns}
    assert columns["city"] == "mailing_address_city" and columns["zip"] == "mailing_address_zipcode"


def test_a_pipe_delimited_latin_1_file_gets_a_mapping_that_reads_it(tmp_path: Path) -> None:
    (tmp_path / "k12.txt").write_bytes(
        "STUDENT_KEY|FIRST_NM|LAST_NM\n1|José|Peña\n2|Zoë|Brontë\n".encode("latin-1")
    )
    mapping = suggested_mapping(tmp_path / "k12.txt")  # Latin-1 found without --encoding
    assert 'delimiter = "|"\nencoding = "latin-1"\nrecord_id = "STUDENT_KEY"' in mapping
    assert "2 rows read = 2 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))


def test_whole_names_ages_and_sex_codes_get_the_options_they_need(tmp_path: Path) -> None:
    (tmp_path / "hhs.csv").write_text(
        "CLIENT_ID,CLIENT_NAME,AGE,AGE_AS_OF,SEX\n"
        "1,Ann B Lee,34,03/01/2024,2\n2,John Smith Jr,51,03/01/2024,1\n3,Mary Jones,8,04/15/2024,2\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "hhs.csv")
    assert 'full_name = { column = "CLIENT_NAME", format = "FIRST MIDDLE LAST SUFFIX" }' in mapping
    assert 'age = { column = "AGE", as_of_column = "AGE_AS_OF", as_of_format = ["%m/%d/%Y"] }' in mapping
    assert 'sex = { column = "SEX", codes = { 1 = "M", 2 = "F" } }' in mapping
    assert '# SEX holds codes "1", "2": read as 1 = M, 2 = F, the federal coding' in mapping
    assert "3 rows read = 3 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))
    (tmp_path / "college.csv").write_text(
        'student_id,full_name,age\n1,"Lee, Ann B",20\n2,"Smith, John",19\n', encoding="utf-8"
    )
    mapping = suggested_mapping(tmp_path / "college.csv")
    assert 'full_name = { column = "full_name", format = "LAST, FIRST MIDDLE SUFFIX" }' in mapping
    assert 'age = { column = "age", as_of = "YYYY-MM-DD" }' in mapping
    assert "# Replace YYYY-MM-DD with the date the ages in age were recorded" in mapping


def test_an_interview_date_is_the_date_ages_were_recorded(tmp_path: Path) -> None:
    (tmp_path / "survey.csv").write_text(
        "Resp ID,Name,Age,Interview Date,ZIP\n1,Ann Lee,34,03/01/2024,06103\n2,Bo Ng,51,03/02/2024,06105\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "survey.csv")
    assert 'age = { column = "Age", as_of_column = "Interview Date", as_of_format = ["%m/%d/%Y"] }' in mapping
    assert "2 rows read = 2 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))
    # without its format, ingest says which one reads the dates
    config = write_config(tmp_path, mapping.replace(', as_of_format = ["%m/%d/%Y"]', ""))
    assert (
        'the as_of_column "Interview Date" holds dates none of its formats read (%Y-%m-%d); set as_of_format = "%m/%d/%Y"'
        in ingest_output(config)
    )


def test_a_typo_read_another_way_is_no_second_date_format(tmp_path: Path) -> None:
    # FEBRL's 19027803 reads as 19-02-7803 day first, pseudopeople's swapped 20011402 as 20-01-1402
    rows = ["19560409", "19080419", "19940807", "19850312", "19027803", "20011402"]
    (tmp_path / "people.csv").write_text(
        "id,dob\n" + "".join(f"{i},{d}\n" for i, d in enumerate(rows)), encoding="utf-8"
    )
    assert 'dob = { column = "dob", date_format = ["%Y%m%d"] }' in suggested_mapping(tmp_path / "people.csv")
    # swapped day and month with the same shape and in the same years are read (the dob
    # comparison's swapped level then matches them)
    rows = ["05/06/1994", "12/01/1980", "02/28/1975", "25/05/1994"]
    (tmp_path / "people.csv").write_text(
        "id,dob\n" + "".join(f"{i},{d}\n" for i, d in enumerate(rows)), encoding="utf-8"
    )
    mapping = suggested_mapping(tmp_path / "people.csv")
    assert 'dob = { column = "dob", date_format = ["%m/%d/%Y", "%d/%m/%Y"] }' in mapping


def test_init_from_files_writes_a_config_that_ingests_them(tmp_path: Path) -> None:
    data = tmp_path / "extracts"
    data.mkdir()
    (data / "k12 students.txt").write_bytes(
        "STUDENT_KEY|FIRST_NM|LAST_NM|BIRTH_DT\n1|José|Peña|20100304\n2|Zoë|Brontë|20111230\n".encode(
            "latin-1"
        )
    )
    (data / "wages.csv").write_text(
        "REC_ID,SSN,FIRST_NAME,LAST_NAME\n7,123-45-6789,Jose,Pena\n", encoding="utf-8"
    )
    (data / "survey.csv").write_text("first_name,last_name,age\nAnn,Lee,34\n", encoding="utf-8")
    project = tmp_path / "project"
    result = CliRunner().invoke(
        main,
        ["init", str(project)]
        + [a for f in ("k12 students.txt", "wages.csv") for a in ("--from", str(data / f))],
    )
    assert result.exit_code == 0, result.output
    config_text = (project / "mpi.toml").read_text(encoding="utf-8")
    assert (
        '[sources.k12_students]\npath = "../extracts/k12 students.txt"\ndelimiter = "|"\nencoding = "latin-1"'
        in config_text
    )
    assert "3 rows read = 3 indexed + 0 rejected" in ingest_output(project / "mpi.toml")
    said = " ".join(result.output.split())
    assert (
        "wages: 1 comment(s) to act on: age_range (no date of birth or age: the ages everyone in the file has, if known)"
        in said
    )
    # what the mapping leaves open is listed, and a config is never overwritten unasked
    again = CliRunner().invoke(main, ["init", str(project), "--from", str(data / "survey.csv")])
    assert again.exit_code == 2 and "already exists" in again.stderr
    forced = CliRunner().invoke(main, ["init", str(project), "--from", str(data / "survey.csv"), "--force"])
    assert forced.exit_code == 0, forced.output
    assert "survey: 2 comment(s) to act on: record_id; age (age)" in forced.output
    # a warning written above a source's mapping (here a ragged line, which stops ingest) is listed too
    (data / "wages.csv").write_text(
        "REC_ID,SSN,FIRST_NAME,LAST_NAME,DOB\n7,123-45-6789,Jose,Pena,1990-01-02\n8,1,Ann,Lee,1991-02-03,x\n",
        encoding="utf-8",
    )
    ragged = CliRunner().invoke(main, ["init", str(project), "--from", str(data / "wages.csv"), "--force"])
    assert ragged.exit_code == 0, ragged.output
    assert (
        "wages: 1 comment(s) to act on: warning: Line 3 of wages.csv has another number of fields than the "
        'header (5): left out of this profile; ingest stops at it unless on_bad_rows = "reject"'
    ) in " ".join(ragged.output.split())


def test_inspect_suggests_a_mapping(basic_project: Path) -> None:
    mapping = suggested_mapping(basic_project.parent / "people.csv")
    assert 'record_id = "ID"' in mapping
    assert 'first_name = "FNAME"' in mapping
    assert 'dob = { column = "DOB", date_format = ["%m/%d/%Y"] }' in mapping
    assert 'ssn = "SSN"' in mapping
    assert "age_range" not in mapping  # it has a date of birth
    (basic_project.parent / "wages.csv").write_text(
        "ID,FNAME,LNAME,SSN\n1,Ann,Lee,123456789\n", encoding="utf-8"
    )
    mapping = suggested_mapping(basic_project.parent / "wages.csv")
    assert '# age_range = { min = 14, as_of = "YYYY-MM-DD" }' in mapping


def test_inspect_suggests_each_field_once_and_a_mapping_mpi_accepts(tmp_path: Path) -> None:
    # Splink's historical figures: two columns look like a last name, one like a whole name.
    (tmp_path / "people.csv").write_text(
        "unique_id,full_name,first_and_surname,first_name,surname,dob,postcode_fake,gender\n"
        "1,thomas clifford,thomas chudleigh,thomas,chudleigh,1630-08-01,tq13 8df,male\n"
        "2,tom clifford,tom chudleigh,tom,chudleigh,1630-08-01,tq13 8df,male\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "people.csv")
    assert 'last_name = "surname"' in mapping and "first_and_surname" not in mapping
    assert "full_name" not in mapping  # first and last names are mapped; a source maps one or the other
    config = load_config(write_config(tmp_path, mapping))
    assert {m.field for m in config.sources["people"].columns} >= {
        "first_name",
        "last_name",
        "dob",
        "zip",
        "sex",
    }


@pytest.mark.parametrize(
    ("dates", "expected"),
    [
        # month first, a few keyed the ISO way: both formats, the commoner first
        (("01/02/1980", "1/2/1980", "12/31/1975", "1990-05-13"), 'date_format = ["%m/%d/%Y", "%Y-%m-%d"]'),
        # a day past 12 rules month-first out (DuckDB's sniffer reads these as DATE; ingest reads text)
        (("31/12/1980", "01/02/1975", "13/05/1990"), 'date_format = ["%d/%m/%Y"]'),
        (("12-DEC-1980", "01-FEB-1975"), 'date_format = ["%d-%b-%Y"]'),
        # a hospital's "Oct 22, 1966", and the month's whole name
        (("Oct 22, 1966", "Jan 5, 1980"), 'date_format = ["%b %d, %Y"]'),
        (("October 22, 1966", "January 5, 1980"), 'date_format = ["%B %d, %Y"]'),
        (("1980-12-31", "1975-02-01"), 'dob = "dob"'),  # ISO is the default: nothing to add
    ],
)
def test_inspect_suggests_the_date_formats_that_read_the_dates(
    tmp_path: Path, dates: tuple[str, ...], expected: str
) -> None:
    rows = "".join(f'{i},Ann,"{d}"\n' for i, d in enumerate(dates, start=1))
    (tmp_path / "people.csv").write_text("id,first,dob\n" + rows, encoding="utf-8")
    mapping = suggested_mapping(tmp_path / "people.csv")
    assert expected in mapping
    assert "unparseable date" not in ingest_output(write_config(tmp_path, mapping))  # every date read


def test_init_from_files_of_one_name_gives_each_its_own_source(tmp_path: Path) -> None:
    for agency in ("dol", "dss", "ctdol"):
        (tmp_path / agency).mkdir()
        (tmp_path / agency / "wages.csv").write_text("REC_ID,SSN\n1,123-45-6789\n", encoding="utf-8")
    files = [
        a for agency in ("dol", "dss", "ctdol") for a in ("--from", str(tmp_path / agency / "wages.csv"))
    ]
    result = CliRunner().invoke(main, ["init", str(tmp_path), *files])
    assert result.exit_code == 0, result.output
    config = load_config(tmp_path / "mpi.toml")
    assert {name: str(s.path.parent.name) for name, s in config.sources.items()} == {
        "wages": "dol",
        "wages_2": "dss",
        "wages_3": "ctdol",
    }
    # one file twice would be two agencies holding the same records
    twice = [
        "--from",
        str(tmp_path / "dol" / "wages.csv"),
        "--from",
        str(tmp_path / "dol" / ".." / "dol" / "wages.csv"),
    ]
    result = CliRunner().invoke(main, ["init", str(tmp_path / "again"), *twice])
    assert result.exit_code != 0 and "is given twice to --from" in " ".join(result.output.split())
    assert not (tmp_path / "again" / "mpi.toml").exists()


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        pytest.param("\ufeff".encode("utf-16-le"), "utf-16", id="marked"),
        pytest.param(b"", "utf-16-le", id="unmarked, told by its NUL bytes"),
    ],
)
def test_a_utf_16_file_is_read_as_utf_16_and_its_mapping_says_so(
    tmp_path: Path, data: bytes, encoding: str
) -> None:
    (tmp_path / "u16.csv").write_bytes(
        data + "CLIENT_ID,FIRST_NAME,LAST_NAME\r\n1,José,Núñez\r\n2,Zoë,Brontë\r\n".encode("utf-16-le")
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "u16.csv")])
    assert result.exit_code == 0, result.output
    assert "José | Zoë" in result.output or "Zoë | José" in result.output
    mapping = result.output[result.output.index("[sources.") :]
    assert f'path = "u16.csv"\nencoding = "{encoding}"\nrecord_id = "CLIENT_ID"' in mapping
    assert "2 rows read = 2 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))


def test_a_file_with_mixed_line_endings_is_profiled_and_its_mapping_ingests_it(tmp_path: Path) -> None:
    (tmp_path / "mixed.csv").write_bytes(
        b"CLIENT_ID,FIRST_NAME,LAST_NAME\r\n1,Ann,Lee\r\n2,Bob,Kim\n3,Cy,Ray\n"
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "mixed.csv")])
    assert result.exit_code == 0, result.output
    mapping = result.output[result.output.index("[sources.") :]
    assert 'record_id = "CLIENT_ID"' in mapping
    assert "3 rows read = 3 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))


def test_a_file_read_in_the_wrong_encoding_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "u16.csv").write_text("id,fn\n1,José\n", encoding="utf-16")
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "u16.csv"), "--encoding", "latin-1"])
    assert result.exit_code == 2
    assert result.stderr == (
        f"Error: File {tmp_path / 'u16.csv'} has NUL bytes in its first line: it is not latin-1 text. "
        "Try --encoding with the file's encoding (utf-16, cp1252, ...).\n"
    )


def test_a_ragged_file_is_profiled_by_its_header_and_its_ragged_lines_named(tmp_path: Path) -> None:
    (tmp_path / "ragged.csv").write_text(
        "ID,FIRST,LAST,DOB\n1,Ann,Lee,2001-01-01\n2,Bob,Kim\n3,Cy,Ray,2002-02-02,extra\n4,Di,Fox,2003-03-03\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "ragged.csv")])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert "(2 rows sampled)" in output
    assert (
        "warning: Lines 3, 4 of ragged.csv have another number of fields than the header (4): left out of "
        'this profile; ingest stops at them unless on_bad_rows = "reject".'
    ) in output
    mapping = result.output[result.output.index("[sources.") :]
    assert "[sources.ragged]\n# Lines 3, 4 of ragged.csv have another number of fields" in mapping
    assert 'record_id = "ID"' in mapping and 'first_name = "FIRST"' in mapping and 'dob = "DOB"' in mapping


def test_a_file_without_a_header_gets_the_column_names_ingest_gives_it_and_header_false(
    tmp_path: Path,
) -> None:
    (tmp_path / "nh.csv").write_text("1,Ann,Lee,2001-01-01\n2,Bob,Kim,2002-02-02\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "nh.csv")])
    assert result.exit_code == 0, result.output
    assert "column0" not in result.output and "column4" in result.output
    mapping = result.output[result.output.index("[sources.") :]
    assert '[sources.nh]\npath = "nh.csv"\nheader = false\n' in mapping
    config = write_config(
        tmp_path,
        mapping.replace('# record_id = "..."', 'record_id = "column1"')
        + '\nfirst_name = "column2"\nlast_name = "column3"\ndob = "column4"\n',
    )
    assert "2 rows read = 2 indexed + 0 rejected" in ingest_output(config)


def test_a_delimiter_that_splits_nothing_is_warned_of_and_maps_nothing(tmp_path: Path) -> None:
    (tmp_path / "k12.csv").write_text(
        "STUDENT_KEY,FIRST_NM,LAST_NM,BIRTH_DT\nS001,José,García,03/14/2008\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "k12.csv"), "--delimiter", ";"])
    assert result.exit_code == 0, result.output
    assert (
        'warning: --delimiter ";" splits no line of k12.csv: it reads as one column. It looks ","-delimited '
        '(4 columns): run without --delimiter, or with --delimiter ",".'
    ) in " ".join(result.output.split())
    mapping = result.output[result.output.index("[sources.") :]
    assert mapping.endswith("[sources.k12.columns]\n")  # no field read from the whole header
    # Below a report's title too: by ";" the title and the header are one column each
    (tmp_path / "k12.csv").write_text(
        "County Report of Students\n\nSTUDENT_KEY,FIRST_NM,LAST_NM,BIRTH_DT\nS001,José,García,03/14/2008\n"
        "S002,Ann,Lee,04/15/2009\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "k12.csv"), "--delimiter", ";"])
    assert 'warning: --delimiter ";" splits no line of k12.csv' in " ".join(result.output.split())


def test_a_street_column_of_whole_address_lines_is_mapped_as_the_address(tmp_path: Path) -> None:
    (tmp_path / "k12.csv").write_text(
        "STUDENT_KEY,LAST_NM,STREET\nS1,Lee,12 Main St Apt 4B\nS2,Kim,45 Elm Street\nS3,Ray,9 Oak Ave\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "k12.csv")
    assert 'address = "STREET"' in mapping and "street_name" not in mapping
    ingest_output(write_config(tmp_path, mapping))
    parts = store_rows(
        tmp_path, "SELECT street_number, street_name, unit FROM records WHERE record_id = 'S1'"
    )
    assert parts == [("12", "MAIN ST", "4B")]
    # a street column without house numbers (numbered streets too) stays the street name
    (tmp_path / "k12.csv").write_text(
        "STUDENT_KEY,LAST_NM,STREET\nS1,Lee,Main St\nS2,Kim,5th Avenue\nS3,Ray,Oak Ave\n", encoding="utf-8"
    )
    assert 'street_name = "STREET"' in suggested_mapping(tmp_path / "k12.csv")


def test_a_birth_year_column_is_kept_as_the_birth_year_not_as_a_date(tmp_path: Path) -> None:
    """A year alone (wage files, registers) is no 1 January: its year is the birth year, as an age's is.

    A year in the future is an impossible date, and a value that is no year an unparseable one; the
    years of a column mixing them with full dates are read the same way.
    """
    wages = tmp_path / "wages.csv"
    wages.write_text("emp_id,fname,lname,birth_year\n1,Ann,Lee,1990\n2,Bob,Kim,2099\n3,Cy,Ray,19xx\n")
    mapping = suggested_mapping(wages)
    assert 'dob = { column = "birth_year", date_format = ["%Y"] }' in mapping
    output = ingest_output(write_config(tmp_path, mapping))
    assert (
        "placeholder or impossible date (a system default such as 1900-01-01, or in the future) │ 1" in output
    )
    assert "│ unparseable date │ 1" in output and "year read" not in output
    wages.write_text(
        "emp_id,fname,lname,dob\n1,Ann,Lee,02/03/1990\n2,Bob,Kim,1985\n3,Cy,Ray,\n4,Di,Fox,01/05/1971\n"
    )
    mixed = suggested_mapping(wages)
    assert 'dob = { column = "dob", date_format = ["%m/%d/%Y", "%Y"] }' in mixed
    assert "unparseable" not in ingest_output(write_config(tmp_path, mixed))
    rows = store_rows(
        tmp_path, "SELECT record_id, dob, birth_year_min, birth_year_max FROM records ORDER BY record_id"
    )
    assert [(r[0], str(r[1]) if r[1] else None, r[2], r[3]) for r in rows] == [
        ("1", "1990-02-03", 1990, 1990),
        ("2", None, 1985, 1985),
        ("3", None, None, None),
        ("4", "1971-01-05", 1971, 1971),
    ]


def test_an_unknown_encoding_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "people.csv").write_text("id,fn\n1,Ann\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "people.csv"), "--encoding", "utf-61"])
    assert result.exit_code == 2
    assert result.stderr == (
        'Error: Unknown encoding "utf-61". Give --encoding a Python codec name, e.g. utf-8, latin-1, cp1252, utf-16.\n'
    )


def test_an_id_column_with_repeats_is_named_with_its_repeats_rejected(tmp_path: Path) -> None:
    (tmp_path / "wages.csv").write_text(
        "EMP_ID,FIRST,LAST\nW1,Ann,Lee\nW2,Bob,Kim\nW1,Ann,Lee\nW3,Cy,Ray\n", encoding="utf-8"
    )
    mapping = suggested_mapping(tmp_path / "wages.csv")
    assert (
        "# EMP_ID is named as the record id, but 1 row(s) of the sample repeat an id another row has."
        in mapping
    )
    assert 'record_id = "EMP_ID"\non_duplicate_ids = "reject"' in mapping
    assert "4 rows read = 2 indexed + 2 rejected" in ingest_output(write_config(tmp_path, mapping))


def test_samples_are_shown_as_the_file_writes_them(tmp_path: Path) -> None:
    """The sniffer types 02/21/2006 as a DATE and may read 06103 as a number; a user maps and sets
    date formats by what the file holds."""
    (tmp_path / "k12.csv").write_text(
        "id,dob,zip\n1,02/21/2006,06103\n2,03/04/2001,06105\n", encoding="utf-8"
    )
    result = CliRunner().invoke(main, ["inspect", str(tmp_path / "k12.csv")])
    assert result.exit_code == 0, result.output
    assert "02/21/2006" in result.output and "2006-02-21" not in result.output
    assert "06103" in result.output


@pytest.mark.parametrize(
    ("year", "parts"),
    [
        ("BIRTH_YEAR", ("BIRTH_MONTH", "BIRTH_DAY")),
        ("dob_yyyy", ("dob_mm", "dob_dd")),
        ("Year_Of_Birth", ("Month_Of_Birth", "Day_Of_Birth")),
        ("DOB_YY", None),  # two digits leave the century to guess
        ("HIRE_YEAR", None),  # no month and day beside it
    ],
)
def test_a_year_column_beside_month_and_day_columns_is_a_date_in_parts(year: str, parts: object) -> None:
    columns = [year, "BIRTH_MONTH", "BIRTH_DAY", "dob_mm", "dob_dd", "DOB_MM", "DOB_DD"]
    columns += ["Month_Of_Birth", "Day_Of_Birth", "HIRE_MONTH"]
    assert date_part_columns(year, columns) == parts


def test_a_file_of_another_extension_is_read_as_csv_in_the_encoding_that_reads_it(tmp_path: Path) -> None:
    """An extract named .dat is a CSV to inspect too, with the same encoding fallbacks."""
    (tmp_path / "clients.dat").write_bytes("ID,FNAME,LNAME\n1,José,Muñoz\n2,Zoë,Brontë\n".encode("latin-1"))
    mapping = suggested_mapping(tmp_path / "clients.dat")
    assert 'encoding = "latin-1"' in mapping and 'first_name = "FNAME"' in mapping


REPORT_CSV = (
    "Department of Health - client extract,,,\n"
    "Run date: 2026-11-01,,,\n"
    ",,,\n"
    "ID,FIRST,LAST,DOB\n"
    "1,Ann,Lee,2001-01-01\n"
    "2,Bob\n"
    "3,Cy,Ray,2002-02-02\n"
    "Total: 3 clients\n"
)


def test_a_report_title_above_a_csv_header_is_found_by_inspect_and_skipped_by_ingest(tmp_path: Path) -> None:
    (tmp_path / "report.csv").write_text(REPORT_CSV, encoding="utf-8")
    mapping = suggested_mapping(tmp_path / "report.csv")
    assert "header_row = 4" in mapping
    assert 'record_id = "ID"' in mapping and 'first_name = "FIRST"' in mapping and 'dob = "DOB"' in mapping
    config = write_config(
        tmp_path, mapping.replace('path = "report.csv"', 'path = "report.csv"\non_bad_rows = "reject"')
    )
    assert "4 rows read = 2 indexed + 2 rejected" in ingest_output(config)
    # rows are counted from the header, as for a file without a title: the ragged row and the footer
    assert store_rows(tmp_path, "SELECT row_number, reason FROM rejects ORDER BY 1") == [
        (2, "ragged row"),
        (4, "ragged row"),
    ]
    assert store_rows(tmp_path, "SELECT record_id, first_name FROM records ORDER BY 1") == [
        ("1", "ANN"),
        ("3", "CY"),
    ]


def test_a_csv_header_below_a_title_unnamed_in_the_mapping_is_an_error_naming_header_row(
    tmp_path: Path,
) -> None:
    (tmp_path / "report.csv").write_text(REPORT_CSV, encoding="utf-8")
    mapping = suggested_mapping(tmp_path / "report.csv").replace("header_row = 4", "")
    result = CliRunner().invoke(main, ["--config", str(write_config(tmp_path, mapping)), "ingest"])
    assert result.exit_code != 0
    assert (
        "The header looks to be line 4, below a title: set header_row = 4 under [sources.report]"
        in " ".join(result.output.split())
    )


@pytest.mark.parametrize(
    "text",
    [
        "ID,FIRST,LAST\n1,Ann\n2,Bo,Ng\n",  # a ragged first row is data, not a title
        "ID,FIRST,LAST,DOB\n1,Ann,Lee,,\n2,Bo,Ng,2001-01-01,x\n",  # wider rows below the header
        "ID,NAME,,,\n1,Ann,Lee,2001,x\n2,Bo,Ng,2002,y\n",  # a header with blank names
        "NAME\nAnn\nLee, Bo\n",  # one column, a comma in a row
    ],
)
def test_a_csv_header_on_its_first_line_is_kept_there(tmp_path: Path, text: str) -> None:
    (tmp_path / "plain.csv").write_text(text, encoding="utf-8")
    assert "header_row" not in suggested_mapping(tmp_path / "plain.csv")


def test_a_title_cell_with_a_line_break_counts_as_its_lines(tmp_path: Path) -> None:
    """header_row counts lines; DuckDB's skip counts rows, which a quoted title cell makes fewer."""
    (tmp_path / "report.csv").write_text(
        '"Client report\nprepared 2024-01-05",,,\nID,FIRST,LAST,DOB\n1,Ann,Lee,2001-01-01\n'
        "2,Bob,Ray,2002-02-02\n3,Cy,Fox,2003-03-03\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "report.csv")
    assert "header_row = 3" in mapping and 'record_id = "ID"' in mapping
    assert "3 rows read = 3 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))
    assert store_rows(tmp_path, "SELECT record_id FROM records ORDER BY 1") == [("1",), ("2",), ("3",)]


def test_a_ragged_row_below_a_title_leaves_the_title_found(tmp_path: Path) -> None:
    (tmp_path / "report.csv").write_text(
        "Client report,,,,\n\nID,FIRST,LAST,DOB,SSN\n1,Ann,Lee,1/2/1980,123456789\n"
        "2,Bo,Ng,2/3/1981,223456789,EXTRA\n3,Cy,Oh,3/4/1982,323456789\n",
        encoding="utf-8",
    )
    assert "header_row = 3" in suggested_mapping(tmp_path / "report.csv")


def test_a_patient_extract_maps_the_patients_own_home_and_phone() -> None:
    columns = ["ENCOUNTER_ID", "PT_LNAME", "PT_FNAME", "GUARANTOR_SSN", "PT_SSN", "EMERG_CONTACT_PHONE",
               "MAIL_ADDR1", "HOME_ADDR_LINE1", "HOME_ADDR_LINE2", "CELL_PH", "WORK_PH"]  # fmt: skip
    chosen = one_column_per_field(columns)
    assert chosen["HOME_ADDR_LINE1"] == "address" and chosen["HOME_ADDR_LINE2"] == "unit"
    assert chosen["PT_SSN"] == "ssn" and chosen["CELL_PH"] == "phone"
    assert "EMERG_CONTACT_PHONE" not in chosen and "MAIL_ADDR1" not in chosen
    assert suggest_field("ADDR2") == "unit" and suggest_field("address_2") == "unit"
    assert suggest_field("WORK_PH") == "phone"


def test_a_file_with_no_column_read_as_a_name_is_commented_on(tmp_path: Path) -> None:
    (tmp_path / "wic.csv").write_text("WIC_ID,PRT_F,PRT_L,ZIP\nW1,ANA,RUIZ,06519\n", encoding="utf-8")
    mapping = suggested_mapping(tmp_path / "wic.csv")
    assert "# No column was read as the person's name. Map the name columns by hand" in mapping
    (tmp_path / "k12.csv").write_text("ID,FIRST_NAME,LAST_NAME\n1,ANA,RUIZ\n", encoding="utf-8")
    assert "No column was read as the person's name" not in suggested_mapping(tmp_path / "k12.csv")


def test_dates_with_two_digit_years_get_a_format_and_a_comment_on_the_century(tmp_path: Path) -> None:
    """DD-MON-YY, as Oracle exports write dates: read by %d-%b-%y, with the century guess said."""
    (tmp_path / "wic.csv").write_text(
        "WIC_ID,PART_FNAME,PART_LNAME,PART_DOB\nW1,ANA,RUIZ,05-APR-97\nW2,LUZ,DIAZ,12-DEC-03\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "wic.csv")
    assert 'dob = { column = "PART_DOB", date_format = ["%d-%b-%y"] }' in mapping
    assert (
        "# PART_DOB has two-digit years, which %d-%b-%y reads: each is read as the latest year not in the future"
        in mapping
    )
    ingest_output(write_config(tmp_path, mapping))
    assert store_rows(tmp_path, "SELECT record_id, dob::VARCHAR FROM records ORDER BY 1") == [
        ("W1", "1997-04-05"),
        ("W2", "2003-12-12"),
    ]


@pytest.mark.parametrize(
    ("codes", "example"),
    [
        (["0", "1", "99"], 'codes = { 0 = "F", 1 = "M", 8 = "U", 9 = "U", 99 = "U" } as HUD\'s HMIS codes'),
        (["A", "B", "A"], 'codes = { A = "M", B = "F" } if the code book says so'),
    ],
)
def test_the_example_for_sex_codes_maps_the_columns_own_codes(
    tmp_path: Path, codes: list[str], example: str
) -> None:
    rows = "".join(f"{i},ANA,RUIZ,{code}\n" for i, code in enumerate(codes))
    (tmp_path / "hmis.csv").write_text("ID,FIRST_NAME,LAST_NAME,GENDER\n" + rows, encoding="utf-8")
    assert example in suggested_mapping(tmp_path / "hmis.csv")


def test_ssns_and_zips_that_lost_their_leading_zeros_get_pad(tmp_path: Path) -> None:
    # Written as numbers: the SSNs 041-22-3333 and 012-34-5678 and Connecticut's ZIPs lost their zeros.
    (tmp_path / "wages.csv").write_text(
        "ID,FIRST,LAST,SSN,ZIP\n1,Ann,Lee,41223333,6103\n2,Bo,Ng,12345678,6511\n3,Cy,Ox,512345678,6105\n",
        encoding="utf-8",
    )
    mapping = suggested_mapping(tmp_path / "wages.csv")
    assert 'ssn = { column = "SSN", pad = 9 }' in mapping
    assert 'zip = { column = "ZIP", pad = 5 }' in mapping
    assert "SSN holds 2 value(s) of 7 or 8 digits and none of 9 starting with 0" in " ".join(mapping.split())
    assert "3 rows read = 3 indexed + 0 rejected" in ingest_output(write_config(tmp_path, mapping))
    # A file that kept its zeros (041223333) has its few short values for typos: no pad.
    full = [f"{i},Ann,Lee,{512345000 + i}" for i in range(4, 200)]
    (tmp_path / "kept.csv").write_text(
        "\n".join(["ID,FIRST,LAST,SSN", "1,Ann,Lee,041223333", "2,Bo,Ng,12345678", "3,Cy,Ox,51234567", *full])
        + "\n",
        encoding="utf-8",
    )
    assert "pad" not in suggested_mapping(tmp_path / "kept.csv")
    # One that kept some zeros and lost others (systems merged) has too many short values to be typos.
    (tmp_path / "mixed.csv").write_text(
        "\n".join(
            ["ID,FIRST,LAST,SSN", "1,Ann,Lee,041223333", "2,Bo,Ng,12345678", "3,Cy,Ox,41234567", *full[:40]]
        )
        + "\n",
        encoding="utf-8",
    )
    mixed = suggested_mapping(tmp_path / "mixed.csv")
    assert 'ssn = { column = "SSN", pad = 9 }' in mixed
    assert "and 5% of the values short" in " ".join(mixed.split())
