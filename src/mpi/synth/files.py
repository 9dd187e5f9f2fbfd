"""The agency files on disk: how each is written, how mpi.toml maps it, and its truth rows."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from mpi.config import DEFAULT_STORE_PATH
from mpi.synth.rates import SOURCES
from mpi.toml_values import toml_value

ColumnMapping = str | dict[str, Any]


@dataclass(frozen=True, kw_only=True)
class SourceFile:
    """How one agency file is written and how mpi.toml maps it."""

    file_name: str
    record_id: str
    attributes: tuple[str, ...]
    columns: dict[str, ColumnMapping]
    format: str = "csv"
    delimiter: str = ","
    encoding: str = "utf-8"
    age_range: dict[str, Any] | None = None


SOURCE_FILES: dict[str, SourceFile] = {
    "ece": SourceFile(
        file_name="ece_enrollment.csv",
        encoding="latin-1",
        record_id="ChildID",
        attributes=("ProgramType", "ProgramYear"),
        columns={
            "first_name": "ChildFirstName",
            "middle_name": "ChildMiddleName",
            "last_name": "ChildLastName",
            "dob": {"column": "DateOfBirth", "date_format": ["%m/%d/%Y", "%Y-%m-%d"]},
            "sex": {"column": "Gender", "codes": {"Male": "M", "Female": "F"}},
            "sasid": {"column": "SASID", "pad": 10},
            "address": "HomeAddress",
            "city": "Town",
            "zip": "ZipCode",
            "phone": "GuardianPhone",
        },
    ),
    "k12": SourceFile(
        file_name="k12_students.txt",
        delimiter="|",
        record_id="STUDENT_KEY",
        attributes=("GRADE_LVL", "SCHOOL_YR", "DISTRICT_CD"),
        columns={
            "first_name": "FIRST_NM",
            "middle_name": "MIDDLE_NM",
            "last_name": "LAST_NM",
            "suffix": "GEN_CD",
            "dob": {"column": "BIRTH_DT", "date_format": "%Y%m%d"},
            "sex": {"column": "GENDER_CD", "codes": {"1": "M", "2": "F"}},
            "sasid": {"column": "SASID", "pad": 10},
            "address": "ADDR_LINE1",
            "city": "CITY",
            "zip": {"column": "ZIP", "pad": 5},
        },
    ),
    "college": SourceFile(
        file_name="college_enrollment.parquet",
        format="parquet",
        record_id="student_id",
        attributes=("institution", "term", "degree_level"),
        columns={
            "full_name": {"column": "full_name", "format": "LAST, FIRST MIDDLE SUFFIX"},
            "dob": {"column": "birth_date", "date_format": "%Y-%m-%d"},
            "sex": {"column": "sex", "codes": {"M": "M", "F": "F"}},
            "ssn": "ssn",
            "sasid": {"column": "sasid", "pad": 10},
            "email": "email",
            "phone": "phone",
            "address": "perm_address",
            "city": "perm_city",
            "state": "perm_state",
            "zip": "perm_zip",
        },
    ),
    "wages": SourceFile(
        file_name="ui_wages.csv",
        record_id="REC_ID",
        attributes=("EMPLOYER_FEIN", "YEAR_QTR", "QTR_WAGES"),
        columns={
            "ssn": {"column": "SSN", "pad": 9},
            "first_name": "FIRST_NAME",
            "middle_name": "MIDDLE_INIT",
            "last_name": "LAST_NAME",
        },
        # What the labor agency knows of its file: covered workers are 14 or older (child labor
        # law) in the quarter of each row. "2019Q3" parses as March 2019 (the quarter's number
        # read as a month); only the year is used.
        age_range={"min": 14, "as_of_column": "YEAR_QTR", "as_of_format": "%YQ%m"},
    ),
    "licensing": SourceFile(
        file_name="professional_licenses.tsv",
        delimiter="\t",
        record_id="LICENSE_NO",
        attributes=("LICENSE_TYPE", "ISSUE_DATE", "EXPIRATION_DATE", "STATUS"),
        columns={
            "first_name": "FIRST",
            "middle_name": "MIDDLE",
            "last_name": "LAST",
            "suffix": "SUFFIX",
            "dob": {"column": "DOB", "date_format": ["%d-%b-%Y", "%m/%d/%Y"]},
            "ssn": "SSN",
            "street_number": "ADDR_NUM",
            "street_name": "ADDR_STREET",
            "unit": "ADDR_UNIT",
            "city": "CITY",
            "state": "STATE",
            "zip": "ZIP",
            "email": "EMAIL",
        },
    ),
    "hhs": SourceFile(
        file_name="hhs_clients.csv",
        record_id="CLIENT_ID",
        # Not CASE_NO: a case number points to one household at the agency, so it is no attribute
        # to send in clear (hashed files) or to researchers.
        attributes=("PROGRAM",),
        columns={
            "full_name": {"column": "CLIENT_NAME", "format": "FIRST MIDDLE LAST SUFFIX"},
            "age": {"column": "AGE", "as_of_column": "AGE_AS_OF", "as_of_format": "%m/%d/%Y"},
            "sex": {"column": "SEX", "codes": {"M": "M", "F": "F"}},
            "ssn": "SSN",
            "address": "ADDRESS",
            "city": "CITY",
            "zip": "ZIP",
            "phone": "PHONE",
        },
    ),
}

PROJECT_NAME = "synthetic-p20w"
SHARED_IDS: tuple[str, ...] = ("sasid",)


CONFIG_MARKER = "# Written by mpi synth: maps the synthetic agency files onto the canonical schema."


def config_toml() -> str:
    """The mpi.toml that maps every file `generate_population` writes."""
    lines = [
        CONFIG_MARKER,
        "[project]",
        f"name = {toml_value(PROJECT_NAME)}",
        f"shared_ids = {toml_value(list(SHARED_IDS))}",
        "",
        "[store]",
        f"path = {toml_value(DEFAULT_STORE_PATH)}",
    ]
    for source in SOURCES:
        spec = SOURCE_FILES[source]
        lines += [
            "",
            f"[sources.{source}]",
            f"path = {toml_value(spec.file_name)}",
            f"format = {toml_value(spec.format)}",
        ]
        if spec.format == "csv":
            lines += [
                f"delimiter = {toml_value(spec.delimiter)}",
                f"encoding = {toml_value(spec.encoding)}",
            ]
        lines += [
            f"record_id = {toml_value(spec.record_id)}",
            f"attributes = {toml_value(list(spec.attributes))}",
        ]
        if spec.age_range:
            lines.append(f"age_range = {toml_value(spec.age_range)}")
        lines += ["", f"[sources.{source}.columns]"]
        lines += [f"{fieldname} = {toml_value(mapping)}" for fieldname, mapping in spec.columns.items()]
    return "\n".join(lines) + "\n"


def _write_source(frame: pl.DataFrame, spec: SourceFile, path: Path) -> None:
    if spec.format == "parquet":
        frame.write_parquet(path, compression="zstd", statistics=True)
    elif spec.encoding == "utf-8":
        frame.write_csv(path, separator=spec.delimiter, null_value="")
    else:
        path.write_bytes(frame.write_csv(separator=spec.delimiter, null_value="").encode(spec.encoding))


def _truth_rows(source: str, record_ids: pl.Series, person_ids: pl.Series) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "source": pl.Series([source] * record_ids.len(), dtype=pl.String),
            "record_id": record_ids.cast(pl.String),
            "person_id": person_ids,
        }
    )
