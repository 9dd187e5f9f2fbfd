"""Saving, listing and loading models, and refusing a model the records table cannot feed."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from febrl_records import TrainingRun, load_febrl3_records

from mpi.model.columns import absent_shared_ids
from mpi.model.errors import ModelError
from mpi.model.person import build_person_model
from mpi.model.predict import linker_for_model
from mpi.model.registry import list_models, load_meta, load_model, load_model_for_table, save_model
from mpi.model.training import train_model


def test_save_writes_model_and_metadata(trained: TrainingRun, tmp_path: Path) -> None:
    meta = save_model(
        tmp_path,
        trained.model,
        row_counts={"a": 500, "b": 513},
        thresholds={"match": 0.9, "review": 0.5},
        extra={"load_sha256": {"a": "ab" * 32}},
        now=dt.datetime(2025, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
    )
    assert (tmp_path / "person.json").is_file() and (tmp_path / "person.meta.json").is_file()
    on_disk = json.loads((tmp_path / "person.meta.json").read_text())
    assert on_disk == meta.to_dict()
    assert meta.created_at == "2025-01-02T03:04:05+00:00"
    assert meta.splink_version == "5.0.0" and meta.mpi_version
    assert meta.seed == 42  # from training, as no seed was passed
    assert load_meta(tmp_path, "person") == meta
    assert load_model(tmp_path, "person") == trained.model


def test_list_models_and_save_under_another_name(trained: TrainingRun, tmp_path: Path) -> None:
    save_model(tmp_path, trained.model)
    save_model(tmp_path, trained.model, name="person-2025")
    (tmp_path / "notes.txt").write_text("not a model")
    entries = list_models(tmp_path)
    assert [e.name for e in entries] == ["person", "person-2025"]
    assert all(e.meta is not None for e in entries)
    assert load_model(tmp_path, "person-2025").spec.name == "person-2025"
    assert list_models(tmp_path / "missing") == []


def test_existing_model_is_not_overwritten_by_accident(trained: TrainingRun, tmp_path: Path) -> None:
    save_model(tmp_path, trained.model)
    with pytest.raises(ModelError, match='Model "person" already exists'):
        save_model(tmp_path, trained.model)
    save_model(tmp_path, trained.model, overwrite=True)


@pytest.mark.parametrize("name", ["../escape", "a/b", "", ".hidden", "x.meta"])
def test_model_names_must_be_plain_file_names(trained: TrainingRun, tmp_path: Path, name: str) -> None:
    with pytest.raises(ModelError, match="not a valid model name"):
        save_model(tmp_path, trained.model, name=name)


def test_loading_an_unknown_model_names_the_known_ones(trained: TrainingRun, tmp_path: Path) -> None:
    save_model(tmp_path, trained.model)
    with pytest.raises(ModelError, match=r'No model "nope" in .* \(models there: person\)'):
        load_model(tmp_path, "nope")


def test_model_reading_a_missing_column_is_refused(trained: TrainingRun, tmp_path: Path) -> None:
    # Plain FEBRL has no id_sasid: a shared id the project lacks is read as NULL, not refused.
    plain = load_febrl3_records(sample=20)
    save_model(tmp_path, trained.model)
    load_model_for_table(plain.con, tmp_path, "person")
    linker_for_model(plain.con, trained.model)
    assert absent_shared_ids(plain.con, trained.model.spec) == ("id_sasid",)  # mpi link says so
    # Any other missing column is refused, naming it and where the model uses it.
    plain.con.execute("ALTER TABLE records DROP COLUMN dob")
    with pytest.raises(ModelError) as caught:
        load_model_for_table(plain.con, tmp_path, "person")
    message = str(caught.value)
    assert 'column "dob"' in message and 'table "records"' in message
    assert 'comparison "dob"' in message
    with pytest.raises(ModelError, match='column "dob"'):
        linker_for_model(plain.con, trained.model)
    with pytest.raises(ModelError, match='column "dob"'):
        train_model(plain.con, build_person_model(["sasid"]), seed=1)
    plain.con.close()


def test_malformed_model_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "broken.json").write_text('{"format": "mpi-model", "spec": {"format_version": 1}}')
    with pytest.raises(ModelError, match="malformed"):
        load_model(tmp_path, "broken")
    (tmp_path / "other.json").write_text('{"link_type": "dedupe_only"}')
    with pytest.raises(ModelError, match="Not an mpi model file"):
        load_model(tmp_path, "other")
