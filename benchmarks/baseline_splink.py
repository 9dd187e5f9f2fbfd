"""A plain-Splink baseline: what a competent analyst would build in an afternoon, scored against truth.

It reads mpi.toml only for what an analyst would otherwise type by hand (file paths,
reader options, column mapping, date formats, sex codes), does simple cleaning, and
runs the Splink 5 tutorial recipe: lambda from deterministic rules, u by random
sampling, m by EM on two blocking rules, predict, connected components at a
threshold. None of mpi's standardisation or matching logic is used, so the gap
between this and mpi is what mpi adds.

Example:
    python benchmarks/baseline_splink.py --config /tmp/febrl/febrl4/mpi.toml \\
        --truth /tmp/febrl/febrl4/truth.csv --out /tmp/febrl/febrl4/baseline_clusters.csv
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
import tomllib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.blocking_rule_creator import BlockingRuleCreator
from splink.internals.comparison_creator import ComparisonCreator
from splink.internals.splink_dataframe import SplinkDataFrame

try:
    from mpi.quality.metrics import ClusteringEvaluation, evaluate_clustering
except ModuleNotFoundError:  # run from a checkout without installing mpi
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
    from mpi.quality.metrics import ClusteringEvaluation, evaluate_clustering

# Canonical fields the baseline compares on; everything else in the mapping is ignored.
TEXT_FIELDS = ("first_name", "last_name", "city", "sex", "ssn", "zip")
DELIMITER_BY_EXTENSION = {".tsv": "\t", ".psv": "|"}
DEFAULT_SEX_CODES = {"m": "M", "f": "F", "male": "M", "female": "F"}


@dataclass(frozen=True, kw_only=True)
class ColumnSpec:
    column: str
    date_formats: tuple[str, ...] = ()
    codes: Mapping[str, str] | None = None
    pad: int | None = None
    name_format: str | None = None


@dataclass(frozen=True, kw_only=True)
class SourceSpec:
    name: str
    path: Path
    format: str
    delimiter: str
    encoding: str
    header: bool
    record_id: str
    columns: Mapping[str, ColumnSpec]


# --- reading the config and the files -------------------------------------------------------------


def column_spec(value: str | Mapping[str, Any]) -> ColumnSpec:
    if isinstance(value, str):
        return ColumnSpec(column=value)
    formats = value.get("date_format", ())
    return ColumnSpec(
        column=value["column"],
        date_formats=(formats,) if isinstance(formats, str) else tuple(formats),
        codes=value.get("codes"),
        pad=value.get("pad"),
        name_format=value.get("format"),
    )


def load_project(config_path: Path) -> tuple[list[SourceSpec], list[str]]:
    """Sources and shared-id names from mpi.toml; no validation beyond what tomllib does."""
    raw = tomllib.loads(config_path.read_text(encoding="utf-8"))
    root = config_path.parent
    sources = []
    for name, src in raw["sources"].items():
        path = root / src["path"]
        sources.append(
            SourceSpec(
                name=name,
                path=path,
                format=src.get("format", "parquet" if path.suffix == ".parquet" else "csv"),
                delimiter=src.get("delimiter", DELIMITER_BY_EXTENSION.get(path.suffix.lower(), ",")),
                encoding=src.get("encoding", "utf-8"),
                header=src.get("header", True),
                record_id=src["record_id"],
                columns={field: column_spec(v) for field, v in src.get("columns", {}).items()},
            )
        )
    return sources, list(raw.get("project", {}).get("shared_ids", []))


def read_source(spec: SourceSpec) -> pl.DataFrame:
    """The agency file as all-text columns."""
    if spec.format == "parquet":
        df = pl.read_parquet(spec.path)
        return df.with_columns(pl.all().cast(pl.String))
    data = spec.path.read_bytes()
    if spec.encoding.lower().replace("-", "") not in ("utf8", "utf8sig"):
        # polars reads only UTF-8; re-encode the other encodings mpi.toml allows.
        data = data.decode(spec.encoding).encode("utf-8")
    return pl.read_csv(data, separator=spec.delimiter, has_header=spec.header, infer_schema=False)


# --- cleaning -------------------------------------------------------------------------------------


def text(col: str) -> pl.Expr:
    """Lower-case, trimmed, empty as NULL."""
    return pl.col(col).str.strip_chars().str.to_lowercase().replace("", None)


def digits(col: str, *, keep: int | None = None, pad: int | None = None) -> pl.Expr:
    # Empty is NULL before padding: a blank SSN padded to 000000000 would be one number shared by all.
    expr = pl.col(col).str.replace_all(r"\D", "").replace("", None)
    if keep is not None:
        expr = expr.str.slice(0, keep)
    if pad is not None:
        expr = expr.str.pad_start(pad, "0")
    return expr


def parse_date(col: str, formats: tuple[str, ...]) -> pl.Expr:
    # First format that parses wins, like the mpi.toml list of formats.
    attempts = [pl.col(col).str.strip_chars().str.to_date(f, strict=False) for f in formats or ("%Y-%m-%d",)]
    return pl.coalesce(attempts)


def sex_code(col: str, codes: Mapping[str, str] | None) -> pl.Expr:
    mapping = {k.lower(): v for k, v in (codes or DEFAULT_SEX_CODES).items()}
    return text(col).replace_strict(mapping, default=None, return_dtype=pl.String)


def split_full_name(col: str, name_format: str | None) -> tuple[pl.Expr, pl.Expr]:
    """Naive (first, last) from a full name: comma means LAST, FIRST; else FIRST ... LAST."""
    name = text(col)
    tokens = name.str.extract_all(r"[^\s,]+")
    before_comma = name.str.split(",").list.first().str.strip_chars()
    after_comma_tokens = name.str.split(",").list.get(1, null_on_oob=True).str.extract_all(r"\S+")
    comma_first, comma_last = after_comma_tokens.list.first(), before_comma
    plain_first, plain_last = tokens.list.first(), tokens.list.last()
    if name_format == "LAST, FIRST MIDDLE SUFFIX":
        return comma_first, comma_last
    if name_format == "FIRST MIDDLE LAST SUFFIX":
        return plain_first, plain_last
    has_comma = name.str.contains(",")
    return (
        pl.when(has_comma).then(comma_first).otherwise(plain_first),
        pl.when(has_comma).then(comma_last).otherwise(plain_last),
    )


def clean_source(raw: pl.DataFrame, spec: SourceSpec, shared_ids: list[str]) -> pl.DataFrame:
    """One row per record: unique_id plus the canonical fields the model compares."""
    missing = [c.column for c in spec.columns.values() if c.column not in raw.columns]
    if spec.record_id not in raw.columns:
        missing.append(spec.record_id)
    if missing:
        raise SystemExit(f"Source {spec.name!r} ({spec.path}) has no column(s) {missing}; fix mpi.toml.")
    cols = spec.columns
    exprs: dict[str, pl.Expr] = {"unique_id": pl.col(spec.record_id).str.strip_chars()}
    if "full_name" in cols:
        first, last = split_full_name(cols["full_name"].column, cols["full_name"].name_format)
        exprs.update(first_name=first, last_name=last)
    for field in ("first_name", "last_name", "city"):
        if field in cols:
            exprs[field] = text(cols[field].column)
    if "sex" in cols:
        exprs["sex"] = sex_code(cols["sex"].column, cols["sex"].codes)
    if "ssn" in cols:
        exprs["ssn"] = digits(cols["ssn"].column, pad=cols["ssn"].pad)
    if "zip" in cols:
        exprs["zip"] = digits(cols["zip"].column, keep=5, pad=cols["zip"].pad)
    if "dob" in cols:
        exprs["dob"] = parse_date(cols["dob"].column, cols["dob"].date_formats)
    for shared in shared_ids:
        if shared in cols:
            exprs[f"id_{shared}"] = digits_or_text(cols[shared])
    return raw.select(**exprs)


def digits_or_text(spec: ColumnSpec) -> pl.Expr:
    # Shared ids may be alphanumeric; only pad when asked, which implies digits.
    return digits(spec.column, pad=spec.pad) if spec.pad else text(spec.column)


def align_columns(frames: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    """Give every source the same columns in the same order: Splink requires it."""
    schema: dict[str, pl.DataType] = {}
    for df in frames.values():
        for name, dtype in df.schema.items():
            schema.setdefault(name, dtype)
    return {
        source: df.with_columns(
            pl.lit(None, dtype=dt).alias(c) for c, dt in schema.items() if c not in df.columns
        ).select(list(schema))
        for source, df in frames.items()
    }


def fields_with_data(frames: dict[str, pl.DataFrame]) -> set[str]:
    """Fields some source fills in: comparing on an all-NULL column would leave it untrained."""
    filled = {c for df in frames.values() for c in df.columns if df[c].null_count() < df.height}
    return filled - {"unique_id"}


# --- the Splink model -----------------------------------------------------------------------------


def comparisons(fields: set[str]) -> list[ComparisonCreator]:
    """Standard library comparisons for whichever fields the sources have."""
    chosen: list[ComparisonCreator] = []
    for name in ("first_name", "last_name"):
        if name in fields:
            chosen.append(cl.NameComparison(name).configure(term_frequency_adjustments=True))
    if "dob" in fields:
        chosen.append(cl.DateOfBirthComparison("dob", input_is_string=False))
    if "ssn" in fields:
        chosen.append(cl.ExactMatch("ssn"))
    chosen.extend(cl.ExactMatch(f) for f in sorted(fields) if f.startswith("id_"))
    if "zip" in fields:
        chosen.append(cl.LevenshteinAtThresholds("zip", 1))
    if "city" in fields:
        chosen.append(cl.LevenshteinAtThresholds("city", 2).configure(term_frequency_adjustments=True))
    if "sex" in fields:
        chosen.append(cl.ExactMatch("sex"))
    return chosen


Rule = tuple[tuple[str, ...], BlockingRuleCreator]  # (fields it needs, the rule)


def usable(candidates: list[Rule], fields: set[str]) -> list[BlockingRuleCreator]:
    return [rule for needs, rule in candidates if set(needs) <= fields]


def on(*cols: str) -> Rule:
    return cols, block_on(*cols)


def prediction_blocking(fields: set[str]) -> list[BlockingRuleCreator]:
    shared = [on(f) for f in sorted(fields) if f.startswith("id_")]
    names = ("first_name", "last_name")
    return usable(
        [
            on("first_name", "last_name"),
            on("last_name", "dob"),
            on("first_name", "dob"),
            on("ssn"),
            *shared,
            # Typos in both names: same 3-letter prefixes, or same ZIP and an initial.
            (names, block_on("substr(first_name, 1, 3)", "substr(last_name, 1, 3)")),
            (("zip", "first_name"), block_on("zip", "substr(first_name, 1, 1)")),
            (("zip", "last_name"), block_on("zip", "substr(last_name, 1, 1)")),
            # First and last name swapped, as in Splink's own FEBRL example.
            (names, CustomRule("l.first_name = r.last_name and l.last_name = r.first_name")),
        ],
        fields,
    )


def deterministic_rules(fields: set[str]) -> list[BlockingRuleCreator]:
    shared = [on(f) for f in sorted(fields) if f.startswith("id_")]
    return usable(
        [on("first_name", "last_name", "dob"), on("ssn"), *shared, on("first_name", "last_name", "zip")],
        fields,
    )


def em_blocking(fields: set[str]) -> list[BlockingRuleCreator]:
    # Two passes whose blocked columns differ, so every comparison gets an m estimate.
    second = next((f for f in ("dob", "zip", "city") if f in fields), None)
    return usable([on("first_name", "last_name")] + ([on(second)] if second else []), fields)


def train(linker: Linker, fields: set[str], *, max_pairs: float, seed: int) -> None:
    # recall=0.7: the tutorial's guess at how many true matches the exact rules catch.
    exact_rules: list[str | BlockingRuleCreator] = [*deterministic_rules(fields)]
    linker.training.estimate_probability_two_random_records_match(exact_rules, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    for rule in em_blocking(fields):
        linker.training.estimate_parameters_using_expectation_maximisation(rule)


# --- running and scoring --------------------------------------------------------------------------


@contextmanager
def stage(name: str, timings: dict[str, float]) -> Iterator[None]:
    start = time.perf_counter()
    print(f"{name} ...", flush=True)
    yield
    timings[name] = time.perf_counter() - start


def clusters_frame(df_clusters: SplinkDataFrame, sources: list[str]) -> pl.DataFrame:
    """(source, record_id, person_id) from Splink's clustering output."""
    out: pl.DataFrame = df_clusters.as_duckdbpyrelation().pl()
    # With one input table Splink adds no source_dataset column.
    source = pl.col("source_dataset") if "source_dataset" in out.columns else pl.lit(sources[0])
    return out.select(
        source.alias("source"),
        pl.col("unique_id").cast(pl.String).alias("record_id"),
        pl.col("cluster_id").cast(pl.String).alias("person_id"),
    ).sort("source", "record_id")


def score(con: duckdb.DuckDBPyConnection, clusters: pl.DataFrame, truth_path: Path) -> ClusteringEvaluation:
    truth = pl.read_csv(truth_path, infer_schema=False)
    con.register("baseline__predicted", clusters)
    con.register("baseline__truth", truth)
    return evaluate_clustering(con, "baseline__predicted", "baseline__truth")


def print_summary(result: ClusteringEvaluation, timings: dict[str, float], wall: float) -> None:
    pw, b3, cc = result.pairwise, result.bcubed, result.clusters
    print()
    print(f"records evaluated      {pw.coverage.records_evaluated:>10,}")
    print(f"  only in prediction   {pw.coverage.records_only_predicted:>10,}")
    print(f"  only in truth        {pw.coverage.records_only_truth:>10,}")
    print(f"pairwise  P / R / F1   {pw.precision:.4f} / {pw.recall:.4f} / {pw.f1:.4f}")
    print(f"  pairs TP/pred/true   {pw.true_positive_pairs:,} / {pw.predicted_pairs:,} / {pw.true_pairs:,}")
    print(f"B-cubed   P / R / F1   {b3.precision:.4f} / {b3.recall:.4f} / {b3.f1:.4f}")
    counts = f"{cc.predicted_clusters:,} / {cc.true_persons:,} / {cc.exact_match_clusters:,}"
    print(f"clusters  pred / true / exact  {counts}")
    print("timings  " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
    print(f"wall time {wall:.1f}s")


def run(args: argparse.Namespace) -> None:
    wall_start = time.perf_counter()
    timings: dict[str, float] = {}
    con = duckdb.connect()
    with stage("read and clean", timings):
        specs, shared_ids = load_project(args.config)
        frames = align_columns({s.name: clean_source(read_source(s), s, shared_ids) for s in specs})
        fields = fields_with_data(frames)
        print(
            f"  {sum(df.height for df in frames.values()):,} records in {len(frames)} source(s); "
            f"comparing on {sorted(fields)}"
        )
    db_api = DuckDBAPI(connection=con)
    inputs = [
        db_api.register(df, dataset_display_name=name, table_name=f"baseline__{name}")
        for name, df in frames.items()
    ]
    # SettingsCreator's fields are invariant lists of unions; annotate to match.
    settings_comparisons: list[ComparisonCreator | dict[str, Any]] = [*comparisons(fields)]
    settings_blocking: list[BlockingRuleCreator | dict[str, Any]] = [*prediction_blocking(fields)]
    settings = SettingsCreator(
        link_type="link_and_dedupe" if len(inputs) > 1 else "dedupe_only",
        comparisons=settings_comparisons,
        blocking_rules_to_generate_predictions=settings_blocking,
        retain_intermediate_calculation_columns=False,
    )
    linker = Linker(inputs, settings, log_level=logging.INFO if args.verbose else logging.WARNING)
    with stage("train", timings):
        train(linker, fields, max_pairs=args.max_pairs, seed=args.seed)
    with stage("predict", timings):
        predictions = linker.inference.predict(threshold_match_probability=min(0.2, args.threshold))
    with stage("cluster", timings):
        df_clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
            predictions, threshold_match_probability=args.threshold
        )
        clusters = clusters_frame(df_clusters, list(frames))
        args.out.parent.mkdir(parents=True, exist_ok=True)
        clusters.write_csv(args.out)
    if args.truth is None:
        # The benchmark harness scores the clusters CSV itself, outside the timed run.
        print(f"clusters -> {args.out}")
        print("timings  " + ", ".join(f"{k} {v:.1f}s" for k, v in timings.items()))
        return
    with stage("score", timings):
        result = score(con, clusters, args.truth)
    print_summary(result, timings, time.perf_counter() - wall_start)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--config", type=Path, required=True, help="the project's mpi.toml")
    parser.add_argument(
        "--truth", type=Path, default=None, help="CSV of source,record_id,person_id (omit to skip scoring)"
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the clusters CSV")
    parser.add_argument("--threshold", type=float, default=0.95, help="match probability to cluster at")
    parser.add_argument("--max-pairs", type=float, default=1e7, help="pairs sampled to estimate u")
    parser.add_argument("--seed", type=int, default=42, help="seed for u sampling (reproducible runs)")
    parser.add_argument("--verbose", action="store_true", help="show Splink's training log")
    run(parser.parse_args())


if __name__ == "__main__":
    main()
