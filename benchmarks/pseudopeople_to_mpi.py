"""Turn pseudopeople's simulated US records into an mpi project with known truth.

pseudopeople (IHME, `pip install pseudopeople`, or `pip install -e ".[bench]"`) ships a small
simulated population (about 10,000 people in one town) and the records government files would
hold about them: the 2020 census, Social Security, W-2/1099 tax forms, WIC, and two surveys.
It adds its own noise (nicknames, fake names, phonetic and OCR errors, typos, swapped day and
month, a household member's date of birth, guardians' addresses, wrong digits). It is a
generator we did not write, with households (shared last names and addresses, twins, parents
and children), so it tests mpi on data its development never saw.

Writes, into --out: one CSV per source, truth.csv (source, record_id, person_id: pseudopeople's
simulant_id) and an mpi.toml mapping pseudopeople's columns onto mpi's canonical fields.
simulant_id and household_id are not written to the source files.

    --noise-scale K   multiplies every cell and row noise probability by K (capped at 0.5);
                      1 is pseudopeople's default

Example:
    python benchmarks/pseudopeople_to_mpi.py --out /tmp/pp/project --noise-scale 3
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl
from febrl_to_mpi import split_answer_from_records, write_project

from mpi.toml_values import toml_value

MAX_NOISE_PROBABILITY = 0.5
SEED = 1


@dataclass(frozen=True, kw_only=True)
class PseudopeopleSource:
    name: str  # source name in mpi.toml
    generator: str  # pseudopeople.generate_<generator>, and the data set's key in its noise configuration
    # mpi canonical field -> pseudopeople column (dob is handled apart: it needs a format)
    columns: dict[str, str]
    dob_format: str | None = None
    # What the agency knows of everyone in its file: mpi.toml's age_range, key by key.
    age_range: dict[str, str | int] | None = None


ADDRESS = {
    "street_number": "street_number",
    "street_name": "street_name",
    "unit": "unit_number",
    "city": "city",
    "state": "state",
    "zip": "zipcode",
}
NAMES = {"first_name": "first_name", "middle_name": "middle_initial", "last_name": "last_name"}


def person_at_an_address(name: str, generator: str, dob_format: str) -> PseudopeopleSource:
    """The census, WIC and the surveys: names, date of birth, sex and the home address."""
    return PseudopeopleSource(
        name=name, generator=generator, columns={**NAMES, **ADDRESS, "sex": "sex"}, dob_format=dob_format
    )


SOURCES: tuple[PseudopeopleSource, ...] = (
    person_at_an_address("census", "decennial_census", "%m/%d/%Y"),
    PseudopeopleSource(
        name="ssa",
        generator="social_security",
        columns={
            "first_name": "first_name",
            "middle_name": "middle_name",
            "last_name": "last_name",
            "ssn": "ssn",
            "sex": "sex",
        },
        dob_format="%Y%m%d",
    ),
    PseudopeopleSource(
        name="taxes",
        generator="taxes_w2_and_1099",
        columns={
            **NAMES,
            "ssn": "ssn",
            **{field: f"mailing_address_{column}" for field, column in ADDRESS.items()},
        },
        # No dates of birth on tax forms; wage earners are 14 or older in the tax year.
        age_range={"min": 14, "as_of_column": "tax_year", "as_of_format": "%Y"},
    ),
    person_at_an_address("wic", "women_infants_and_children", "%m%d%Y"),
    person_at_an_address("acs", "american_community_survey", "%m/%d/%Y"),
    person_at_an_address("cps", "current_population_survey", "%m/%d/%Y"),
)
DOB_COLUMN = "date_of_birth"
SEX_CODES = {"Male": "M", "Female": "F"}


def scaled_noise(config: Any, scale: float) -> Any:
    """pseudopeople's noise configuration with every cell and row probability times `scale`.

    Token probabilities (how many characters a typo touches) stay as they are; only how often
    a field or row is noised changes.
    """
    if isinstance(config, dict):
        return {
            key: (
                min(MAX_NOISE_PROBABILITY, value * scale)
                if isinstance(value, int | float)
                and str(key).endswith("probability")
                and key != "token_probability"
                else scaled_noise(value, scale)
            )
            for key, value in config.items()
        }
    return config


def generate(source: PseudopeopleSource, noise: dict[str, Any]) -> pl.DataFrame:
    import pseudopeople  # only this script needs it, and it is a large install

    make: Callable[..., Any] = getattr(pseudopeople, f"generate_{source.generator}")
    frame = make(seed=SEED, config={source.generator: noise[source.generator]})
    wanted = ["simulant_id", *source.columns.values(), *([DOB_COLUMN] if source.dob_format else [])]
    as_of_column = (source.age_range or {}).get("as_of_column")
    wanted += [str(as_of_column)] if as_of_column else []
    # Categoricals (sex, state) become plain text; everything is text, as an agency extract is.
    return pl.from_pandas(frame[wanted].astype("string"))


def source_toml(source: PseudopeopleSource, csv_name: str) -> str:
    lines = [f"[sources.{source.name}]", f"path = {toml_value(csv_name)}", 'record_id = "record_id"']
    if source.age_range:
        lines.append(f"age_range = {toml_value(source.age_range)}")
    lines.append("")
    lines.append(f"[sources.{source.name}.columns]")
    for field, column in source.columns.items():
        if field == "sex":
            lines.append(f"sex = {toml_value({'column': column, 'codes': SEX_CODES})}")
        elif field == "zip":
            lines.append(f"zip = {toml_value({'column': column, 'pad': 5})}")
        else:
            lines.append(f"{field} = {toml_value(column)}")
    if source.dob_format:
        lines.append(f"dob = {toml_value({'column': DOB_COLUMN, 'date_format': source.dob_format})}")
    return "\n".join(lines) + "\n"


def convert(out: Path, *, noise_scale: float) -> None:
    import pseudopeople

    out.mkdir(parents=True, exist_ok=True)
    noise = scaled_noise(pseudopeople.get_config(), noise_scale)
    truths: list[pl.DataFrame] = []
    tables: list[str] = []
    for source in SOURCES:
        records, truth = split_answer_from_records(
            generate(source, noise), source.name, answer="simulant_id", person_id=pl.col("simulant_id")
        )
        csv_name = f"{source.name}.csv"
        records.write_csv(out / csv_name)
        truths.append(truth)
        tables.append(source_toml(source, csv_name))
        print(f"{source.name}: {records.height} records -> {out / csv_name}")
    generated_by = (
        f"benchmarks/pseudopeople_to_mpi.py (pseudopeople {pseudopeople.__version__}, seed {SEED},"
        f" noise x{noise_scale:g})"
    )
    write_project(out, f"pseudopeople_x{noise_scale:g}", tables, pl.concat(truths), generated_by=generated_by)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    parser.add_argument(
        "--noise-scale", type=float, default=1.0, help="multiply noise probabilities (default 1)"
    )
    args = parser.parse_args()
    if args.noise_scale <= 0:
        parser.error("--noise-scale must be positive")
    convert(args.out, noise_scale=args.noise_scale)


if __name__ == "__main__":
    main()
