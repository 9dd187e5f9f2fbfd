"""Config validation reports every problem at once, each naming the source, the key and the fix."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from mpi.cli import main
from mpi.config import load_config
from mpi.errors import EXIT_USAGE, ConfigError
from mpi.privacy.keys import KEY_ENV_VAR
from mpi.project import write_example_config
from mpi.store import open_store

BROKEN = """
[project]
name = "broken"
shared_ids = ["sasid", "ssn"]

[store]
path = "mpi.duckdb"
paht = "x"

[sources.k12]
path = "k12.csv"
delimeter = ","
on_bad_rows = "skip"

[sources.k12.columns]
first_nme = "FNAME"
dob = { column = "DOB", date_format = 5 }
sex = { column = "SEX", codes = "1=M" }
sasid = { column = "SASID", pad = 0 }
age = { column = "AGE" }

[sources.wages]
path = "wages.xml"
record_id = "ID"

[sources.wages.columns]
full_name = { column = "NAME", format = "LAST FIRST" }
first_name = "FIRST"
sex = { column = "G", codes = { "1" = "M", "2" = "W", "9" = "U" } }
"""


def test_all_problems_are_reported_at_once(tmp_path: Path) -> None:
    config = tmp_path / "mpi.toml"
    config.write_text(BROKEN, encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config)
    assert caught.value.problems == [
        '[project] shared id "ssn" clashes with the canonical field of that name; rename it.',
        '[store]: unknown key "paht". Did you mean "path"?',
        '[sources.k12]: unknown key "delimeter". Did you mean "delimiter"?',
        '[sources.k12]: "record_id" is required: the column holding the agency\'s own record id.',
        '[sources.k12]: on_bad_rows must be "error" or "reject", not "skip".',
        '[sources.k12.columns]: "first_nme" is not a canonical field. Did you mean "first_name"? '
        "Declare shared identifiers in [project] shared_ids; keep other columns as attributes.",
        '[sources.k12.columns] dob: date_format must be a format or a list, e.g. "%m/%d/%Y".',
        '[sources.k12.columns] sex: codes must be a table of code = value, e.g. { "1" = "M", "2" = "F" }.',
        "[sources.k12.columns] sasid: pad must be a number of digits between 1 and 30.",
        '[sources.k12.columns] age: an age needs the date it was recorded: as_of = "2024-09-01" '
        'or as_of_column = "COL".',
        '[sources.wages]: cannot tell the format of "wages.xml"; set format = "csv", "parquet" or "excel".',
        "[sources.wages.columns] full_name: format (the order of the name's parts) must be one of "
        "'LAST, FIRST MIDDLE SUFFIX', 'FIRST MIDDLE LAST SUFFIX', 'auto', "
        'e.g. { column = "NAME", format = "FIRST MIDDLE LAST SUFFIX" }.',
        '[sources.wages.columns] sex: codes for sex must map to M or F (or U for unknown), not "W"; '
        'e.g. { "1" = "M", "2" = "F", "9" = "U" }.',
    ]
    assert str(caught.value).startswith(f"{config}: 13 problem(s) in the config:\n  - ")


def test_missing_config_says_how_to_make_one(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(tmp_path / "mpi.toml")
    assert caught.value.problems == [
        f'no config file at {tmp_path / "mpi.toml"}. Run "mpi init" to write an example, or pass --config.'
    ]


def test_a_config_saved_with_a_byte_order_mark_is_read(tmp_path: Path) -> None:
    path = write_example_config(tmp_path)
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert set(load_config(path).sources) == {"k12", "wages"}


@pytest.mark.parametrize(
    ("encode", "told"),
    [
        (lambda text: text.encode("latin-1"), "line 3 is not UTF-8:"),
        (lambda text: text.encode("utf-16"), "line 1 is not UTF-8 (it is UTF-16 text):"),
    ],
)
def test_a_config_not_in_utf_8_names_the_line_and_how_to_save_it(
    tmp_path: Path, encode: Callable[[str], bytes], told: str
) -> None:
    path = tmp_path / "mpi.toml"
    path.write_bytes(encode('[project]\nname = "x"\n# Prénom is the first name\n'))
    result = CliRunner().invoke(main, ["--config", str(path), "ingest"])
    assert result.exit_code == EXIT_USAGE and "Traceback" not in result.output
    message = " ".join(result.stderr.split())
    assert told in message and "Save the file as UTF-8" in message and str(path) in message


def test_example_config_is_valid(tmp_path: Path) -> None:
    path = write_example_config(tmp_path)
    config = load_config(path)
    assert set(config.sources) == {"k12", "wages"}
    assert config.shared_ids == ("sasid",)
    k12 = config.sources["k12"]
    dob = k12.mapping("dob")
    assert dob is not None and dob.date_formats == ("%m/%d/%Y", "%Y-%m-%d")
    sex = k12.mapping("sex")
    assert sex is not None and sex.codes == {"1": "M", "2": "F"}
    assert config.sources["wages"].delimiter == "|"


def test_memory_limit_is_validated_and_reaches_duckdb(tmp_path: Path) -> None:
    config_path = tmp_path / "mpi.toml"
    config_path.write_text('[store]\npath = "s.duckdb"\nmemory_limit = "lots"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r'memory_limit must be a size such as "6GB"'):
        load_config(config_path)
    config_path.write_text('[store]\npath = "s.duckdb"\nmemory_limit = "512MB"\n', encoding="utf-8")
    config = load_config(config_path)
    store = open_store(config.store_path, create=True, memory_limit=config.memory_limit)
    try:
        limit = store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        spill = store.con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0]
    finally:
        store.close()
    assert limit in {"488.2 MiB", "512.0 MB"}
    assert spill == str(tmp_path / "s.duckdb.tmp")


def test_age_range_is_validated(tmp_path: Path) -> None:
    config_path = tmp_path / "mpi.toml"
    source = '[sources.wages]\npath = "w.csv"\nrecord_id = "ID"\n[sources.wages.columns]\nssn = "SSN"\n'
    config_path.write_text(
        source.replace('"ID"\n', '"ID"\nage_range = { min = 65, max = 14, as_of = "last year", size = 3 }\n'),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    assert caught.value.problems == [
        '[sources.wages] age_range: unknown key "size". Allowed: min, max, as_of, as_of_column, as_of_format.',
        "[sources.wages] age_range: min (65) is above max (14).",
        '[sources.wages] age_range: as_of must be a date like "2024-09-01".',
    ]
    config_path.write_text(source.replace('"ID"\n', '"ID"\nage_range = { min = 14 }\n'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"age_range: an age range needs the date the ages held on"):
        load_config(config_path)
    config_path.write_text(
        source.replace('"ID"\n', '"ID"\nage_range = { min = 14, as_of_column = "QTR_END" }\n'),
        encoding="utf-8",
    )
    wages = load_config(config_path).sources["wages"]
    assert wages.age_range is not None and (wages.age_range.min_age, wages.age_range.max_age) == (14, None)
    assert "QTR_END" in wages.agency_columns()  # checked against the file's header like any mapped column


def test_an_attribute_cannot_be_an_identifying_column(basic_project: Path) -> None:
    # Attributes travel in clear (extracts, hashed files): an identifying column listed as one
    # would leak past the hashing, and the record id past --pseudonymize-ids.
    text = basic_project.read_text(encoding="utf-8")
    text = text.replace('attributes = ["GRADE"]', 'attributes = ["GRADE", "fname", "ID", "DOB", "SASID"]')
    text = text.replace('[project]\nname = "basic"', '[project]\nname = "basic"\nshared_ids = ["sasid"]')
    basic_project.write_text(text + 'sasid = { column = "SASID", pad = 10 }\n', encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(basic_project)
    fix = (
        "Attributes are kept in clear (research extracts, hashed files), so an identifying column cannot "
        "be one: remove"
    )
    assert caught.value.problems == [
        f'[sources.people]: attribute "fname" is the column mapped to first_name. {fix} "fname" from attributes.',
        f'[sources.people]: attribute "ID" is the record_id column. {fix} "ID" from attributes.',
        f'[sources.people]: attribute "DOB" is the column mapped to dob. {fix} "DOB" from attributes.',
        f'[sources.people]: attribute "SASID" is the column mapped to sasid. {fix} "SASID" from attributes.',
    ]
    assert str(caught.value).startswith(f"{basic_project}: 4 problem(s) in the config:")


def test_whole_names_and_ages_are_identifying_but_their_as_of_date_is_not(tmp_path: Path) -> None:
    config_path = tmp_path / "mpi.toml"
    source = (
        '[sources.hhs]\npath = "h.csv"\nrecord_id = "ID"\nattributes = [{attributes}]\n[sources.hhs.columns]\n'
        'full_name = {{ column = "NAME", format = "auto" }}\n'
        'age = {{ column = "AGE", as_of_column = "SEEN", as_of_format = "%m/%d/%Y" }}\n'
    )
    config_path.write_text(source.format(attributes='"NAME", "AGE"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    assert [p.split(". ")[0] for p in caught.value.problems] == [
        '[sources.hhs]: attribute "NAME" is the column mapped to full_name',
        '[sources.hhs]: attribute "AGE" is the column mapped to age',
    ]
    config_path.write_text(source.format(attributes='"SEEN"'), encoding="utf-8")
    assert load_config(config_path).sources["hhs"].attributes == ("SEEN",)


def test_hash_refuses_an_identifying_attribute_and_writes_nothing(
    basic_project: Path, tmp_path: Path
) -> None:
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(text.replace('["GRADE"]', '["GRADE", "FNAME"]'), encoding="utf-8")
    out = tmp_path / "people.hashed.parquet"
    result = CliRunner().invoke(
        main,
        ["--config", str(basic_project), "hash", "--source", "people", "--out", str(out)],
        env={KEY_ENV_VAR: "a test key of forty bytes, varied enough"},
    )
    assert result.exit_code == EXIT_USAGE
    assert 'attribute "FNAME" is the column mapped to first_name' in result.output
    assert not out.exists()


def test_date_formats_are_checked_when_the_config_is_read(tmp_path: Path) -> None:
    # DuckDB refuses an unknown code only when it parses a row, deep inside ingest or hash.
    config_path = tmp_path / "mpi.toml"
    config_path.write_text(
        '[sources.hhs]\npath = "h.csv"\nrecord_id = "ID"\n'
        'age_range = { min = 3, as_of_column = "SEEN", as_of_format = "%Y-%Q" }\n'
        "[sources.hhs.columns]\n"
        'dob = { column = "DOB", date_format = ["%m/%d/%Y", "%Q", "MM/DD/YYYY", "born on"] }\n'
        'age = { column = "AGE", as_of_column = "AGE_AS_OF", as_of_format = "YYYYMMDD" }\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    codes = "(%d day, %m month, %Y year, %b month name)"
    unknown = "Unrecognized format for strftime/strptime: %Q"
    assert caught.value.problems == [
        f'[sources.hhs.columns] dob: date_format (column "DOB"): "%Q" is not a format DuckDB can read ({unknown}). '
        f'Use strftime codes {codes}, e.g. "%m/%d/%Y".',
        '[sources.hhs.columns] dob: date_format (column "DOB"): "MM/DD/YYYY" has no strftime code, so it reads '
        f'no date. Write it with codes {codes}, e.g. "%m/%d/%Y".',
        '[sources.hhs.columns] dob: date_format (column "DOB"): "born on" has no strftime code, so it reads '
        f'no date. Write it with codes {codes}, e.g. "%m/%d/%Y".',
        '[sources.hhs.columns] age: as_of_format (column "AGE_AS_OF"): "YYYYMMDD" has no strftime code, so it '
        f'reads no date. Write it with codes {codes}, e.g. "%Y%m%d".',
        '[sources.hhs] age_range: as_of_format (column "SEEN"): "%Y-%Q" is not a format DuckDB can read '
        f'({unknown}). Use strftime codes {codes}, e.g. "%m/%d/%Y".',
    ]


def test_ingest_with_an_unknown_date_code_is_a_config_error_not_a_crash(basic_project: Path) -> None:
    text = basic_project.read_text(encoding="utf-8")
    basic_project.write_text(text.replace('date_format = "%m/%d/%Y"', 'date_format = "%Q"'), encoding="utf-8")
    result = CliRunner().invoke(main, ["--config", str(basic_project), "ingest"])
    assert result.exit_code == EXIT_USAGE
    assert result.output.startswith(f"Error: {basic_project}: 1 problem(s) in the config:\n")
    assert (
        '  - [sources.people.columns] dob: date_format (column "DOB"): "%Q" is not a format' in result.output
    )


def test_one_record_per_person_is_a_flag_of_the_source(tmp_path: Path) -> None:
    config_path = tmp_path / "mpi.toml"
    source = (
        '[sources.births]\npath = "b.csv"\nrecord_id = "ID"\nFLAG\n[sources.births.columns]\nlast_name = "LN"\n'
        '[sources.k12]\npath = "k.csv"\nrecord_id = "ID"\n[sources.k12.columns]\nlast_name = "LN"\n'
    )
    config_path.write_text(source.replace("FLAG", "one_record_per_person = true"), encoding="utf-8")
    config = load_config(config_path)
    assert config.one_record_per_person_sources == ("births",)
    assert not config.sources["k12"].one_record_per_person
    config_path.write_text(source.replace("FLAG", 'one_record_per_person = "yes"'), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(config_path)
    assert caught.value.problems == [
        "[sources.births]: one_record_per_person must be true (no two records of the file are one person, "
        "e.g. birth certificates) or false (the default)."
    ]
    # At a hub the flag is the hub's knowledge of the file, beside its path.
    config_path.write_text(
        '[sources.births]\nkind = "hashed"\npath = "b.parquet"\none_record_per_person = true\n'
        '[sources.k12]\nkind = "hashed"\npath = "k.parquet"\n',
        encoding="utf-8",
    )
    assert load_config(config_path).one_record_per_person_sources == ("births",)


@pytest.mark.parametrize(
    ("setting", "told"),
    [
        (
            "record_id = 5",
            'record_id must name one column, as a string in quotes, e.g. record_id = "CLIENT_ID" (not 5).',
        ),
        (
            'record_id = ["ID"]',
            'record_id must name one column, as a string in quotes, e.g. record_id = "CLIENT_ID" (not ["ID"]).',
        ),
        (
            'record_id = "ID"\nformat = "xls"',
            'format = "xls" is not one mpi reads; set format = "csv", "parquet" or "excel" (a .xls, .xlsx or .ods workbook is "excel").',
        ),
    ],
)
def test_a_setting_of_the_wrong_type_is_told_what_it_must_be(tmp_path: Path, setting: str, told: str) -> None:
    path = tmp_path / "mpi.toml"
    path.write_text(
        f'[project]\nname = "x"\n[sources.a]\npath = "a.csv"\n{setting}\n[sources.a.columns]\nfirst_name = "N"\n',
        encoding="utf-8",
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert caught.value.problems == [f"[sources.a]: {told}"]
