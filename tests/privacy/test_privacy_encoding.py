"""Tokens and Bloom filters: the SQL path equals the Python reference, encodings are deterministic per key."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from privacy_helpers import OTHER_KEY

from mpi.config import ProjectConfig, load_config
from mpi.errors import InputError, MpiUserError
from mpi.privacy.agency import hash_source
from mpi.privacy.bloom import BloomParameters, compute_blooms, dice, python_bloom
from mpi.privacy.hashed_file import METADATA_KEY, read_hashed_file_info
from mpi.privacy.keys import HashKey, hmac_pads, key_from_bytes
from mpi.privacy.tokens import (
    TOKEN_LIST_COLUMNS,
    compute_tokens,
    install_privacy_macros,
    pseudonym,
    token,
    token_columns,
)
from mpi.sqlutil import run_sql_file
from mpi.standardize import install_macros

VALUES = ["JOHN", "O'BRIEN", "José", "GARCIA LOPEZ", "123456789", "2001-02-03", "x" * 200, ""]


def sql_connection() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install_privacy_macros(con)
    return con


def test_sql_hmac_equals_python_hmac(key: HashKey) -> None:
    con = sql_connection()
    ipad, opad = hmac_pads(key.subkey("token/name"))
    for value in VALUES:
        sql = con.execute("SELECT mpi_hmac64($i, $o, $v)", {"i": ipad, "o": opad, "v": value}).fetchall()[0][
            0
        ]
        assert sql == token(key, "name", value), value


def test_tokens_are_separated_by_domain_and_key(key: HashKey) -> None:
    other = key_from_bytes(OTHER_KEY, origin="test")
    assert token(key, "name", "JOHN") == token(key, "name", "JOHN")
    assert token(key, "name", "JOHN") != token(key, "city", "JOHN")
    assert token(key, "name", "JOHN") != token(other, "name", "JOHN")
    assert 0 <= token(key, "ssn", "123456789") < 2**64


def test_one_edit_variants_find_one_substitution_or_swap_only() -> None:
    con = sql_connection()

    def share(a: str, b: str) -> bool:
        rows = con.execute(
            "SELECT len(list_intersect(mpi_one_edit_variants($a), mpi_one_edit_variants($b)))",
            {"a": a, "b": b},
        ).fetchall()
        return bool(rows[0][0])

    assert share("20100514", "20100515")  # one digit
    assert share("20100514", "20100541")  # adjacent swap
    assert not share("20100514", "20100529")  # two digits: siblings born the same month
    assert not share("20100514", "20111514")


def test_adjacent_masks_find_a_wrong_digit() -> None:
    con = sql_connection()
    rows = con.execute(
        "SELECT len(list_intersect(mpi_adjacent_masks('123456789'), mpi_adjacent_masks('123456780'))), "
        "len(list_intersect(mpi_adjacent_masks('123456789'), mpi_adjacent_masks('923456781')))"
    ).fetchall()
    assert rows == [(1, 0)]


ENRICHED_FOR_TOKENS = """
CREATE TEMP TABLE mpi__enriched AS SELECT * FROM (VALUES
    (1, 'JOHN', 'JOHN', ['JOHN'], 'J', 'SMITH', ['SMITH'], 'JN', 'JAN', 'SNAT', 'SM0', 'JR', DATE '1980-05-01',
     1980, 1980, 'M', '123456789', '12 MAIN ST', '12', 'MAIN ST', '02134', 'BOSTON', '6175550100', 'j@x.org',
     '0000012345', NULL, NULL, '6789'),
    (2, 'MARY ANN', 'MARY', ['MARY ANN'], NULL, 'GARCIA LOPEZ', ['GARCIA', 'LOPEZ', 'GARCIA'], 'MARY', 'MR', 'GARC',
     'KRS', NULL, NULL, 1979, 1980, 'F', '12', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, 2010, '0012'),
    (3, 'TESS', 'THERESA', ['TERESA', 'TESS', 'THERESA'], 'ANN', 'SMITH', [], 'T', 'TS', 'SNAT', 'SM0', 'SR',
     DATE '1980-01-05', 1980, 1980, NULL, NULL, '7 ELM AVE', '7', 'ELM AVE', '02134', 'BOSTON', NULL, NULL,
     '0000012345', 1959, NULL, NULL))
AS t(mpi__row, first_name, first_name_std, first_name_formals, middle_name, last_name, last_name_parts,
     first_name_nysiis, first_name_metaphone, last_name_nysiis, last_name_metaphone, suffix, dob, birth_year_min,
     birth_year_max, sex, ssn, address, street_number, street_name, zip, city, phone, email, id_sasid,
     source_birth_year_min, source_birth_year_max, ssn_last4)
"""


def test_sql_tokens_equal_the_python_reference(key: HashKey) -> None:
    """Every token column, sets included, equals ``token`` applied to the clear value behind it."""
    con = sql_connection()
    install_macros(con)  # as at the agency: token inputs run after standardization, with its macros
    con.execute(ENRICHED_FOR_TOKENS)
    con.execute("CREATE TEMP TABLE mpi__row_rejects (mpi__row BIGINT)")
    run_sql_file(con, "privacy/token_inputs")
    cursor = con.execute("SELECT * FROM mpi__token_inputs ORDER BY mpi__row")
    names = [d[0] for d in cursor.description]
    inputs = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    sets = {}
    for column in TOKEN_LIST_COLUMNS:
        rows = con.execute(
            f"SELECT mpi__row, mpi_token_set_{column}({column}) FROM mpi__token_inputs"
        ).fetchall()
        sets[column] = dict(rows)
    compute_tokens(con, key, ("sasid",))
    cursor = con.execute("SELECT * FROM mpi__tokens ORDER BY mpi__row")
    names = [d[0] for d in cursor.description]
    hashed = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
    assert len(hashed) == len(inputs) == 3
    for clear, tokens in zip(inputs, hashed, strict=True):
        for column, domain in token_columns(("sasid",)).items():
            if column in TOKEN_LIST_COLUMNS:
                values = [v for v in sets[column][clear["mpi__row"]] or [] if v is not None]
                expected = sorted({token(key, domain, v) for v in values}) or None
            else:
                source = "id_sasid" if column == "tok_id_sasid" else column
                value = clear[source]
                expected = None if value is None else token(key, domain, value)
            assert tokens[column] == expected, (clear["mpi__row"], column)
    # Edge cases the fixture is there for: a set of one, a repeated part, an empty set, a too-short SSN.
    assert len(hashed[0]["tok_birth_years"]) == 1 and len(hashed[1]["tok_birth_years"]) == 2
    assert len(hashed[1]["tok_last_name_parts"]) == 2 and hashed[2]["tok_last_name_parts"] is None
    assert hashed[1]["tok_ssn_near"] is None and len(hashed[0]["tok_ssn_near"]) == 8
    assert len(hashed[2]["tok_first_name_formals"]) == 3
    assert [row["tok_email_user"] for row in inputs] == ["j", None, None]  # the part before the @
    # An age range rules out the years after its latest birth year (to this year), or from 1900 to
    # before its earliest; no range, no set.
    assert len(hashed[1]["tok_birth_years_outside"]) == date.today().year - 2010
    assert (
        len(hashed[2]["tok_birth_years_outside"]) == 1959 - 1900
        and hashed[0]["tok_birth_years_outside"] is None
    )


def test_sql_bloom_filters_equal_the_python_reference(key: HashKey) -> None:
    params = BloomParameters()
    con = sql_connection()
    con.execute(
        "CREATE TEMP TABLE mpi__enriched AS SELECT * FROM (VALUES "
        "(1, 'JOHN', 'SMITH', '12 MAIN ST', DATE '1980-05-01', 1980, 1980), "
        "(2, 'MARY ANN', 'GARCIA LOPEZ', NULL, NULL, NULL, NULL), "
        "(3, NULL, 'LEE', '7 ELM AVE UNIT 2', DATE '2001-12-31', 2001, 2001), "
        # a birth year alone salts as a full date's year does; an age's range of two years does not
        "(4, 'ANN', NULL, NULL, NULL, 1975, 1975), "
        "(5, 'ANN', NULL, NULL, NULL, 1990, 1991)) "
        "AS t(mpi__row, first_name, last_name, address, dob, birth_year_min, birth_year_max)"
    )
    con.execute("CREATE TEMP TABLE mpi__row_rejects (mpi__row BIGINT)")
    compute_blooms(con, key, params)
    rows = con.execute("SELECT * FROM mpi__blooms ORDER BY mpi__row").fetchall()
    assert rows[0][1] == python_bloom(key, params, "bf_first_name", "JOHN", salt="1980")
    assert rows[0][3] == python_bloom(key, params, "bf_address", "12 MAIN ST", salt="1980")
    assert rows[1][1] == python_bloom(key, params, "bf_first_name", "MARYANN", salt="")
    assert rows[1][2] == python_bloom(key, params, "bf_last_name", "GARCIALOPEZ", salt="")
    assert rows[2][1] is None and rows[1][3] is None
    assert rows[3][1] == python_bloom(key, params, "bf_first_name", "ANN", salt="1975")
    assert rows[4][1] == python_bloom(key, params, "bf_first_name", "ANN", salt="")
    assert all(
        len(value) == params.stored_bits // 8 for row in rows for value in row[1:] if value is not None
    )


@pytest.mark.parametrize(
    ("a", "b"),
    [("JONATHAN", "JONATHON"), ("ELIZABETH", "ELISABETH"), ("KATHERINE", "CATHERINE"), ("SMITH", "SMYTH")],
)
def test_one_typo_keeps_a_high_dice(key: HashKey, a: str, b: str) -> None:
    params = BloomParameters()
    similarity = dice(
        python_bloom(key, params, "bf_last_name", a), python_bloom(key, params, "bf_last_name", b)
    )
    assert similarity >= 0.6


@pytest.mark.parametrize(("a", "b"), [("JOHN", "MARY"), ("WILLIAMS", "NGUYEN"), ("ROBERT", "ALICIA")])
def test_unrelated_names_have_a_low_dice(key: HashKey, a: str, b: str) -> None:
    params = BloomParameters()
    similarity = dice(
        python_bloom(key, params, "bf_last_name", a), python_bloom(key, params, "bf_last_name", b)
    )
    assert similarity < 0.35


def test_salt_and_key_change_the_filter(key: HashKey) -> None:
    params = BloomParameters()
    base = python_bloom(key, params, "bf_first_name", "JOHN", salt="1980")
    assert python_bloom(key, params, "bf_first_name", "JOHN", salt="1980") == base
    assert dice(base, python_bloom(key, params, "bf_first_name", "JOHN", salt="1981")) < 0.5
    other = key_from_bytes(OTHER_KEY, origin="test")
    assert dice(base, python_bloom(other, params, "bf_first_name", "JOHN", salt="1980")) < 0.5
    # Fields have their own keys: the same value in another field shares few bits.
    assert dice(base, python_bloom(key, params, "bf_last_name", "JOHN", salt="1980")) < 0.5


def encodings(path: str) -> list[dict[str, object]]:
    return pq.read_table(path).to_pylist()


def test_same_record_hashed_twice_gives_the_same_encoding(agency: ProjectConfig, key: HashKey) -> None:
    first, second, other = (agency.root / f"{n}.parquet" for n in ("first", "second", "other"))
    hash_source(agency, "hhs", first, key)
    hash_source(agency, "hhs", second, key)
    hash_source(agency, "hhs", other, key_from_bytes(OTHER_KEY, origin="test"))
    a, b, c = encodings(str(first)), encodings(str(second)), encodings(str(other))
    assert a == b
    assert len(a) == len(c) > 0
    for left, right in zip(a, c, strict=True):
        assert left["record_id"] == right["record_id"]
        for column, value in left.items():
            if column.startswith(("tok_", "bf_")) and value is not None:
                assert value != right[column], column


def test_pseudonymized_ids_are_stable_and_mapped_at_the_agency(agency: ProjectConfig, key: HashKey) -> None:
    out, id_map = agency.root / "hhs.parquet", agency.root / "hhs_ids.csv"
    result = hash_source(agency, "hhs", out, key, pseudonymize_ids=True, id_map_path=id_map)
    rows = encodings(str(out))
    mapping = dict(line.split(",") for line in id_map.read_text(encoding="utf-8").splitlines()[1:])
    assert result.pseudonymized_ids and len(mapping) == len(rows)
    assert {r["record_id"] for r in rows} == set(mapping.values())
    some_id = next(iter(mapping))
    assert mapping[some_id] == pseudonym(key, "hhs", some_id)
    assert not any(r["record_id"] in mapping for r in rows)
    assert b'"pseudonymized_ids": true' in pq.ParquetFile(out).schema_arrow.metadata[METADATA_KEY]
    assert id_map.stat().st_mode & 0o777 == 0o600  # the clear ids: for the agency's eyes only


def test_a_record_id_that_is_a_mapped_identifier_is_only_hashed_pseudonymized(
    agency: ProjectConfig, key: HashKey
) -> None:
    """A file keyed by SSN sent every SSN to the hub in clear, as its record ids."""
    text = agency.config_path.read_text(encoding="utf-8")
    keyed = text.replace('record_id = "CLIENT_ID"', 'record_id = "SSN"\non_duplicate_ids = "reject"')
    assert keyed != text
    agency.config_path.write_text(keyed, encoding="utf-8")
    config = load_config(agency.config_path)
    out = agency.root / "hhs.parquet"
    with pytest.raises(MpiUserError) as refused:
        hash_source(config, "hhs", out, key)
    assert str(refused.value).startswith(
        'Source "hhs": its record_id column "SSN" is also mapped to ssn, so the hashed file would carry it in '
        "clear. Pass --pseudonymize-ids"
    )
    assert not out.exists()
    hash_source(config, "hhs", out, key, pseudonymize_ids=True)
    ssns = {str(r["record_id"]) for r in encodings(str(out))}
    assert all(len(pseudonymous) == 32 for pseudonymous in ssns)


def test_no_hashed_file_nor_id_map_replaces_a_file_of_the_project_or_the_key(
    agency: ProjectConfig, key: HashKey
) -> None:
    source_file = agency.sources["hhs"].path
    kept = source_file.read_bytes()
    key_file = agency.root / "mpi_hash.key"
    key_file.write_text("not read here", encoding="utf-8")
    out = agency.root / "hhs.parquet"
    cases = [
        ("--out", source_file, None),
        ("--out", agency.config_path, None),
        ("--id-map", source_file, source_file),
        ("--id-map", key_file, key_file),
        ("--id-map", out, out),  # the clear ids, sent to the hub as the hashed file
    ]
    for option, target, id_map in cases:
        with pytest.raises(MpiUserError, match=f"{option} .* would overwrite"):
            hash_source(
                agency,
                "hhs",
                target if option == "--out" else out,
                key,
                pseudonymize_ids=id_map is not None,
                id_map_path=id_map,
                protect={key_file: "the key file"},
            )
    assert source_file.read_bytes() == kept and key_file.read_text(encoding="utf-8") == "not read here"


def test_rejected_rows_are_counted_not_shown(basic_project: Path, key: HashKey) -> None:
    people = basic_project.parent / "people.csv"
    with people.open("a", encoding="utf-8") as handle:
        handle.write(
            "9,Quentin,Zabriskie,13/45/2002,1,000-00-0000,,3\n9,Quentin,Zabriskie,13/45/2002,1,000-00-0000,,3\n"
            "10,,,,,,,4\n"
        )
    config = load_config(basic_project)
    config = replace(
        config,
        sources={"people": replace(config.sources["people"], on_duplicate_ids="reject")},
    )
    out = basic_project.parent / "people.hashed.parquet"
    result = hash_source(config, "people", out, key)
    assert result.reject_reasons == {
        "duplicate record id": 2,
        "missing record id": 1,
        "no identifying field": 2,  # with row 5 of the fixture
    }
    assert result.rows_read == result.rows_written + result.rows_rejected
    # Values set to null are counted in the rows written only (the fixture's own: one date, two SSNs).
    issues = {(f, i): n for f, _, i, n in read_hashed_file_info(out, source="people").field_issues}
    assert (issues[("dob", "unparseable date")], issues[("ssn", "structurally invalid SSN")]) == (1, 2)
    rows = encodings(str(out))
    assert len(rows) == result.rows_written and "9" not in {r["record_id"] for r in rows}
    meta = pq.ParquetFile(out).schema_arrow.metadata[METADATA_KEY]
    assert (
        b'"duplicate record id": 2' in meta
        and b"Zabriskie" not in meta
        and b"Quentin" not in out.read_bytes()
    )


def test_a_duplicated_id_is_refused_without_showing_it(basic_project: Path, key: HashKey) -> None:
    people = basic_project.parent / "people.csv"
    with people.open("a", encoding="utf-8") as handle:
        handle.write("ZX-991,Quentin,Zabriskie,02/02/2002,1,,,3\nZX-991,Quentin,Zabriskie,02/02/2002,1,,,3\n")
    with pytest.raises(InputError) as raised:
        hash_source(load_config(basic_project), "people", basic_project.parent / "x.parquet", key)
    assert "1 duplicated record id(s) (e.g. on data rows 7, 8)" in str(raised.value)
    assert "ZX-991" not in str(raised.value)
