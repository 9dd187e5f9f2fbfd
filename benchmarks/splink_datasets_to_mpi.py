"""Turn Splink's public example data sets into mpi projects with known truth.

The Splink team publishes the data sets its tutorials use at
https://github.com/moj-analytical-services/splink_datasets (MIT licence; `splink.datasets`
downloads them from there). This machine has no internet, so point --data-dir at the `data/`
folder of a checkout of that repository. Two are person data:

- `historical_50k` (`historical_figures_with_errors_50k.parquet`): 50,578 records of 5,156
  British historical figures from Wikidata, each copied 3 to 21 times with typos, nicknames,
  missing fields, a shifted date of birth or a different postcode near the same place. Names
  are lower case; dates of birth reach back to antiquity; postcodes are British. A generator
  mpi was not developed on.
- `fake_1000` (`fake_1000.csv`): 1,000 records of 250 people: first name, surname, date of
  birth, city and email, with typos and missing values.

Writes, into --out: the records as CSV, truth.csv (source, record_id, person_id: the data set's
`cluster`) and an mpi.toml. `unique_id` names the person (Q2296770-1), so it is replaced by a
row number; `cluster` goes to the truth only.

Example:
    python benchmarks/splink_datasets_to_mpi.py --dataset historical_50k \\
        --data-dir /path/to/splink_datasets/data --out /tmp/h50k
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import polars as pl
from febrl_to_mpi import split_answer_from_records, write_project

from mpi.toml_values import toml_value

SOURCE = "people"


@dataclass(frozen=True, kw_only=True)
class SplinkDataset:
    file: str
    # mpi canonical field -> the data set's column (dob and sex are written apart)
    columns: dict[str, str]
    dob_column: str
    sex_column: str | None = None


DATASETS: dict[str, SplinkDataset] = {
    "historical_50k": SplinkDataset(
        file="historical_figures_with_errors_50k.parquet",
        columns={
            "first_name": "first_name",
            "last_name": "surname",
            "city": "birth_place",
            "zip": "postcode_fake",
        },
        dob_column="dob",
        sex_column="gender",
    ),
    "fake_1000": SplinkDataset(
        file="fake_1000.csv",
        columns={"first_name": "first_name", "last_name": "surname", "city": "city", "email": "email"},
        dob_column="dob",
    ),
}
DOB_FORMAT = "%Y-%m-%d"
# Other values in historical_50k's gender ("female | male", Wikidata ids) are left unmapped.
SEX_CODES = {"male": "M", "female": "F"}


def read_dataset(path: Path) -> pl.DataFrame:
    frame = pl.read_parquet(path) if path.suffix == ".parquet" else pl.read_csv(path, infer_schema=False)
    return frame.with_columns(pl.all().cast(pl.String))


def source_toml(dataset: SplinkDataset, csv_name: str) -> str:
    lines = [f"[sources.{SOURCE}]", f"path = {toml_value(csv_name)}", 'record_id = "record_id"', ""]
    lines.append(f"[sources.{SOURCE}.columns]")
    lines.extend(f"{field} = {toml_value(column)}" for field, column in dataset.columns.items())
    lines.append(f"dob = {toml_value({'column': dataset.dob_column, 'date_format': DOB_FORMAT})}")
    if dataset.sex_column:
        lines.append(f"sex = {toml_value({'column': dataset.sex_column, 'codes': SEX_CODES})}")
    return "\n".join(lines) + "\n"


def convert(name: str, *, data_dir: Path, out: Path) -> None:
    dataset = DATASETS[name]
    path = data_dir / dataset.file
    if not path.is_file():
        raise SystemExit(
            f"{path} not found: --data-dir must be the data/ folder of a checkout of "
            "https://github.com/moj-analytical-services/splink_datasets"
        )
    out.mkdir(parents=True, exist_ok=True)
    raw = read_dataset(path)
    records, truth = split_answer_from_records(
        raw.drop("unique_id"), SOURCE, answer="cluster", person_id=pl.col("cluster")
    )
    csv_name = f"{SOURCE}.csv"
    records.write_csv(out / csv_name)
    print(f"{SOURCE}: {records.height} records -> {out / csv_name}")
    generated_by = (
        f"benchmarks/splink_datasets_to_mpi.py from {dataset.file} (moj-analytical-services/splink_datasets)"
    )
    write_project(out, name, [source_toml(dataset, csv_name)], truth, generated_by=generated_by)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--dataset", choices=sorted(DATASETS), required=True)
    parser.add_argument(
        "--data-dir", type=Path, required=True, help="the data/ folder of a splink_datasets checkout"
    )
    parser.add_argument("--out", type=Path, required=True, help="directory to write into")
    args = parser.parse_args()
    convert(args.dataset, data_dir=args.data_dir, out=args.out)


if __name__ == "__main__":
    main()
