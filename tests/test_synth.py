"""Tests for the synthetic population: layouts, truth, config, determinism and the hard cases it promises."""

from __future__ import annotations

import random
import tomllib
from datetime import date
from pathlib import Path

import jellyfish
import polars as pl
import pytest
from click.testing import CliRunner

import mpi.synth as synth
from mpi.cli import main
from mpi.demo import DEMO_MIN_PERSONS, run_demo
from mpi.errors import MpiUserError
from mpi.synth import SOURCE_FILES, SynthSummary, generate_population
from mpi.synth.corruption import _compound_variant, _date_digit_error, _keyboard_typo
from mpi.synth.population import _build_population
from mpi.synth.tables import _load_tables

PERSONS = 1500
SEED = 11


@pytest.fixture(scope="module")
def summary(tmp_path_factory: pytest.TempPathFactory) -> SynthSummary:
    return generate_population(persons=PERSONS, seed=SEED, out_dir=tmp_path_factory.mktemp("synth"))


@pytest.fixture(scope="module")
def frames(summary: SynthSummary) -> dict[str, pl.DataFrame]:
    return {source: read_agency_file(source, path) for source, path in summary.files.items()}


@pytest.fixture(scope="module")
def truth(summary: SynthSummary) -> pl.DataFrame:
    return pl.read_csv(summary.truth_path, infer_schema=False)


def read_agency_file(source: str, path: Path) -> pl.DataFrame:
    """Read a file as its mpi.toml entry says, every column as text."""
    spec = SOURCE_FILES[source]
    if spec.format == "parquet":
        frame = pl.read_parquet(path)
        return frame.with_columns(pl.all().cast(pl.String))
    text = path.read_bytes().decode(spec.encoding)
    return pl.read_csv(text.encode(), separator=spec.delimiter, infer_schema=False)


def file_bytes(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(directory.iterdir())}


def test_same_seed_gives_byte_identical_files(summary: SynthSummary, tmp_path: Path) -> None:
    again = generate_population(persons=PERSONS, seed=SEED, out_dir=tmp_path / "again")
    assert file_bytes(again.out_dir) == file_bytes(summary.out_dir)


def test_another_seed_gives_another_population(summary: SynthSummary, tmp_path: Path) -> None:
    other = generate_population(persons=PERSONS, seed=SEED + 1, out_dir=tmp_path / "other")
    assert other.truth_path.read_bytes() != summary.truth_path.read_bytes()


def test_truth_covers_every_row_of_every_file_exactly_once(
    summary: SynthSummary, frames: dict[str, pl.DataFrame], truth: pl.DataFrame
) -> None:
    assert truth.columns == ["source", "record_id", "person_id"]
    assert truth.select("source", "record_id").is_duplicated().sum() == 0
    for source, frame in frames.items():
        ids = frame[SOURCE_FILES[source].record_id]
        assert ids.null_count() == 0
        assert ids.n_unique() == frame.height == summary.rows[source]
        in_truth = truth.filter(pl.col("source") == source)["record_id"]
        assert sorted(in_truth.to_list()) == sorted(ids.to_list())
    assert set(truth["source"].unique()) == set(frames)


def test_every_person_has_a_record(truth: pl.DataFrame) -> None:
    assert truth["person_id"].n_unique() == PERSONS


def test_sources_differ_in_layout(summary: SynthSummary) -> None:
    assert len(summary.files) >= 4
    specs = [SOURCE_FILES[s] for s in summary.files]
    assert {s.format for s in specs} == {"csv", "parquet"}
    assert {s.delimiter for s in specs if s.format == "csv"} >= {",", "|", "\t"}
    assert "latin-1" in {s.encoding for s in specs}
    assert len({s.record_id for s in specs}) == len(specs)


def test_config_parses_and_names_existing_columns(
    summary: SynthSummary, frames: dict[str, pl.DataFrame]
) -> None:
    config = tomllib.loads(summary.config_path.read_text(encoding="utf-8"))
    assert config["project"]["shared_ids"] == ["sasid"]
    assert config["store"]["path"] == "mpi.duckdb"
    assert set(config["sources"]) == set(summary.files)
    for name, source in config["sources"].items():
        assert (summary.out_dir / source["path"]).exists()
        header = set(frames[name].columns)
        assert source["record_id"] in header
        assert set(source["attributes"]) <= header
        for mapping in source["columns"].values():
            spec = {"column": mapping} if isinstance(mapping, str) else mapping
            assert spec["column"] in header, (name, spec)
            if "as_of_column" in spec:
                assert spec["as_of_column"] in header


def test_config_loads_with_the_project_loader(summary: SynthSummary) -> None:
    config_module = pytest.importorskip("mpi.config")
    config = config_module.load_config(summary.config_path)
    assert set(config.sources) == set(summary.files)


def test_people_appear_in_several_sources(truth: pl.DataFrame) -> None:
    per_person = truth.group_by("person_id").agg(sources=pl.col("source").n_unique(), records=pl.len())
    assert per_person["sources"].to_numpy().max() >= 3
    assert (per_person["sources"] >= 2).sum() > PERSONS // 5
    assert per_person["records"].to_numpy().max() >= 4
    # Some people are in one source twice (a duplicate or a second legitimate record).
    assert truth.group_by("source", "person_id").len()["len"].to_numpy().max() >= 2


def test_layouts_use_their_documented_formats(frames: dict[str, pl.DataFrame]) -> None:
    k12, ece, college, wages = frames["k12"], frames["ece"], frames["college"], frames["wages"]
    licensing, hhs = frames["licensing"], frames["hhs"]
    assert k12["BIRTH_DT"].drop_nulls().str.contains(r"^\d{8}$").all()
    assert set(k12["GENDER_CD"].drop_nulls()) <= {"1", "2"}
    assert k12["SASID"].drop_nulls().str.len_chars().eq(10).all()
    # A few dates are typed in another format; mpi.toml lists both.
    assert ece["DateOfBirth"].drop_nulls().str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$|^\d{4}-\d{2}-\d{2}$").all()
    assert ece["DateOfBirth"].drop_nulls().str.contains(r"^\d{1,2}/\d{1,2}/\d{4}$").to_numpy().mean() > 0.9
    assert set(ece["Gender"].drop_nulls()) <= {"Male", "Female"}
    assert college["full_name"].str.contains(", ").all()
    assert college["ssn"].drop_nulls().str.contains(r"^\d{3}-\d{2}-\d{4}$").all()
    assert (college["sasid"].drop_nulls().str.len_chars() < 10).any()  # lost leading zeros
    assert (wages["SSN"].drop_nulls().str.len_chars() < 9).any()  # lost leading zeros
    assert licensing["DOB"].drop_nulls().str.contains(r"^\d{2}-[A-Z]{3}-\d{4}$|^\d{2}/\d{2}/\d{4}$").all()
    assert licensing["DOB"].drop_nulls().str.contains(r"^\d{2}-[A-Z]{3}-\d{4}$").to_numpy().mean() > 0.9
    assert licensing["ZIP"].drop_nulls().str.contains(r"^\d{5}-\d{4}$").any()
    assert hhs["SSN"].drop_nulls().str.contains("-").any()
    assert hhs["SSN"].drop_nulls().str.contains(r"^\d{9}$").any()
    assert hhs["AGE"].cast(pl.Int64).is_between(0, 110).all()
    assert "dob" not in {c.lower() for c in wages.columns + hhs.columns}


def test_latin1_file_carries_accented_names(summary: SynthSummary) -> None:
    raw = summary.files["ece"].read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    assert any(ch in raw.decode("latin-1") for ch in "áéíóúñÁÉÍÓÚÑëü")


def test_placeholders_and_shared_ssns_occur(frames: dict[str, pl.DataFrame], truth: pl.DataFrame) -> None:
    ssns = pl.concat(
        [
            frames[s]
            .select(record_id=SOURCE_FILES[s].record_id, ssn=pl.col(col).str.replace_all("-", ""))
            .with_columns(source=pl.lit(s))
            for s, col in (("college", "ssn"), ("wages", "SSN"), ("licensing", "SSN"), ("hhs", "SSN"))
        ]
    ).with_columns(pl.col("ssn").str.zfill(9))
    assert ssns["ssn"].is_in(list(synth.SSN_PLACEHOLDERS)).any()
    owners = ssns.join(truth, on=["source", "record_id"]).filter(
        ~pl.col("ssn").is_in(list(synth.SSN_PLACEHOLDERS))
    )
    # Some numbers are used by more than one person (family members, borrowed numbers).
    assert owners.group_by("ssn").agg(pl.col("person_id").n_unique())["person_id"].to_numpy().max() >= 2


@pytest.fixture(scope="module")
def people() -> pl.DataFrame:
    return _build_population(persons=4000, seed=3, tables=_load_tables()).people


def test_population_has_twins_with_different_first_names(people: pl.DataFrame) -> None:
    twins = people.filter(pl.col("twin")).group_by("household", "dob").agg(pl.col("first"), pl.len())
    assert twins.height >= 10
    pairs = twins.filter(pl.col("len") == 2)
    assert pairs["first"].map_elements(lambda names: names[0] != names[1], return_dtype=pl.Boolean).all()


def test_population_has_juniors_named_after_fathers(people: pl.DataFrame) -> None:
    juniors = people.filter(pl.col("junior"))
    assert juniors.height >= 5
    heads = people.filter(pl.col("role") == 0).select(
        "household", father_first="first", father_last="last_birth"
    )
    joined = juniors.join(heads, on="household")
    assert (joined["first"] == joined["father_first"]).all()
    assert (joined["last_birth"] == joined["father_last"]).all()
    assert set(juniors["suffix"]) <= {"JR", "III"}
    assert (people["suffix"] == "SR").any()


def test_population_has_name_changes_compound_names_and_nicknames(people: pl.DataFrame) -> None:
    changed = people.filter(pl.col("last_birth") != pl.col("last_current"))
    assert changed.height > 100
    assert changed["male"].not_().all()
    assert changed["last_current"].str.contains("-").any()  # hyphenated old-new
    assert people["last_birth"].str.contains(" ").any()  # DE LA CRUZ, GARCIA LOPEZ
    assert people["last_birth"].str.contains("'").any()  # O'BRIEN
    assert people["nickname"].is_not_null().sum() > 500
    assert people["ssn"].is_null().any()


def test_population_names_are_skewed(people: pl.DataFrame) -> None:
    top = people["last_current"].value_counts(sort=True)
    assert top["count"][0] >= 20  # many SMITHs and JOHNSONs
    assert top.height > 1000


def test_docstring_tables_match_the_constants() -> None:
    doc = synth.__doc__ or ""
    for table in (
        synth.noise_table_markdown(),
        synth.population_table_markdown(),
        synth.shares_table_markdown(),
        synth.coverage_table_markdown(),
    ):
        assert table in doc


def test_rates_are_probabilities() -> None:
    for noise in synth.NOISE.values():
        for name, rate in vars(noise).items():
            assert 0.0 <= rate <= 1.0, name
    shares = synth.SHARES
    for name, value in vars(shares).items():
        if isinstance(value, tuple) and name != "care_levels":
            assert sum(value) == pytest.approx(1.0), name
    # The care factor reshapes where errors fall but keeps the documented average rates.
    mean_care = sum(
        level * share for level, share in zip(shares.care_levels, shares.care_shares, strict=True)
    )
    assert mean_care == pytest.approx(1.0)
    assert sum(synth.POPULATION.origin_shares) == pytest.approx(1.0)
    assert sum(synth.POPULATION.household_shares) == pytest.approx(1.0)


def test_keyboard_typo_is_one_edit() -> None:
    rnd = random.Random(1)
    for name in ("MARGARET", "JOHNSON", "GARCIA-LOPEZ", "LEE"):
        for _ in range(50):
            assert jellyfish.damerau_levenshtein_distance(name, _keyboard_typo(name, rnd)) <= 1


def test_compound_names_keep_a_part() -> None:
    rnd = random.Random(2)
    for name, parts in (
        ("DE LA CRUZ", {"CRUZ"}),
        ("GARCIA-LOPEZ", {"GARCIA", "LOPEZ"}),
        ("O'BRIEN", {"BRIEN"}),
    ):
        for _ in range(30):
            variant = _compound_variant(name, rnd)
            assert any(part in variant for part in parts)


def test_date_digit_error_gives_another_real_date() -> None:
    rnd = random.Random(3)
    for _ in range(100):
        changed = _date_digit_error(date(1987, 4, 23), rnd)
        assert changed != date(1987, 4, 23)
        assert changed < synth.AS_OF


def test_progress_is_reported(tmp_path: Path) -> None:
    messages: list[str] = []
    generate_population(persons=50, seed=1, out_dir=tmp_path, progress=messages.append)
    assert any("population" in m for m in messages)
    assert any(m.startswith("truth") for m in messages)


def test_rejects_an_empty_population(tmp_path: Path) -> None:
    with pytest.raises(MpiUserError, match="persons"):
        generate_population(persons=0, seed=1, out_dir=tmp_path)


@pytest.mark.parametrize("seed", [1, 2, 3, 42])
def test_the_demo_population_writes_no_empty_agency_file(seed: int, tmp_path: Path) -> None:
    # At 10 persons some agency files were empty and the demo's own ingest refused them.
    summary = generate_population(persons=DEMO_MIN_PERSONS, seed=seed, out_dir=tmp_path)
    assert min(summary.rows.values()) > 0, summary.rows


def test_the_demo_refuses_too_few_persons_saying_why(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["demo", "--persons", "10", "--out", str(tmp_path / "demo")])
    assert result.exit_code == 2
    assert f"Invalid value for '--persons': 10 is not in the range x>={DEMO_MIN_PERSONS}." in result.stderr
    assert not (tmp_path / "demo").exists()
    help_text = " ".join(CliRunner().invoke(main, ["demo", "--help"]).output.split())
    assert (
        f"(at least {DEMO_MIN_PERSONS}: fewer leave some agency files empty, which ingest refuses)"
        in help_text
    )
    with pytest.raises(MpiUserError, match=f"The demo needs at least {DEMO_MIN_PERSONS} persons"):
        run_demo(out_dir=tmp_path / "demo", persons=10, seed=1)


def test_synth_and_the_demo_refuse_a_directory_holding_a_project_they_did_not_write(tmp_path: Path) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "mpi.toml").write_text("[project]\nname = 'ours'\n", encoding="utf-8")
    (project / "mpi.duckdb").write_bytes(b"a team's store")
    for command in (["synth", "--persons", "50"], ["demo", "--persons", str(DEMO_MIN_PERSONS)]):
        result = CliRunner().invoke(main, [*command, "--out", str(project)])
        assert result.exit_code == 2, result.output
        message = " ".join(result.stderr.split())
        assert "already holds mpi.toml" in message and "not written by mpi synth" in message
        assert "--force" in message
    assert (project / "mpi.toml").read_text(encoding="utf-8") == "[project]\nname = 'ours'\n"
    assert (project / "mpi.duckdb").read_bytes() == b"a team's store"
    # The demo's store alone (no mpi.toml) is a team's too: the demo would delete it.
    (project / "mpi.toml").unlink()
    result = CliRunner().invoke(main, ["demo", "--out", str(project)])
    assert result.exit_code == 2 and "mpi.duckdb" in result.stderr
    # With --force synth writes there.
    result = CliRunner().invoke(main, ["synth", "--persons", "50", "--out", str(project), "--force"])
    assert result.exit_code == 0, result.output


def test_synth_writes_again_where_an_earlier_synth_wrote(tmp_path: Path) -> None:
    generate_population(persons=50, seed=1, out_dir=tmp_path, overwrite=False)
    again = generate_population(persons=50, seed=2, out_dir=tmp_path, overwrite=False)
    assert again.seed == 2 and again.config_path.is_file()
