"""mpi train warns where its model may mislead: too little data, or a shipped model hidden by its name."""

from __future__ import annotations

import shutil
from pathlib import Path
from types import SimpleNamespace

from click.testing import CliRunner

from mpi.cli import main
from mpi.config import load_config
from mpi.project_models import list_all_models
from mpi.sqlutil import models_root
from mpi.train import TRAIN_MIN_RECORDS, _too_little_data

GOLDEN = Path(__file__).parent / "data" / "golden"


def test_training_on_a_tiny_store_warns_and_a_shadowed_shipped_model_is_shown(tmp_path: Path) -> None:
    shutil.copytree(GOLDEN, tmp_path / "golden")
    config = ["--config", str(tmp_path / "golden" / "mpi.toml")]
    runner = CliRunner()
    assert runner.invoke(main, [*config, "ingest"]).exit_code == 0
    trained = runner.invoke(main, [*config, "train"])
    assert trained.exit_code == 0, trained.output
    output = " ".join(trained.output.split())
    assert (
        f"warning: 18 records are too few to train a meaningful model (fewer than {TRAIN_MIN_RECORDS}): its m and "
        "u rest on a handful of pairs, and the precision and recall it expects mean nothing. Train on more "
        "records, or link with a shipped model."
    ) in output
    # Training the project's own default is the usual workflow, not a mistake: no warning, but mpi models
    # shows which of the two is used.
    assert "shadows" not in output
    listed = runner.invoke(main, [*config, "models"])
    assert listed.exit_code == 0, listed.output
    rows = [" ".join(line.split()) for line in listed.output.splitlines() if line.startswith("│ default")]
    assert len(rows) == 2  # the shipped one is no longer left out
    flat = " ".join(listed.output.replace("│", " ").split())
    assert "shadowed by the project's model: not used; name it shipped:default" in flat
    # The shadowed shipped model can still be shown, by that name.
    shown = runner.invoke(main, [*config, "models", "show", "shipped:default"])
    assert shown.exit_code == 0, shown.output
    assert str(models_root() / "default.json") in " ".join(shown.output.split())
    assert [(m.entry.name, m.shipped, m.shadowed) for m in list_all_models(load_config(config[1]))] == [
        ("default", False, True),
        ("default", True, True),
    ]


def test_a_model_expecting_no_matching_pair_is_called_useless() -> None:
    def model(rate: float) -> SimpleNamespace:
        return SimpleNamespace(parameters=SimpleNamespace(probability_two_random_records_match=rate))

    # 1,000 records make 499,500 pairs: at 1e-12 the model expects none; at 1e-4, about 50.
    (warning,) = _too_little_data(model(1e-12), 1_000)  # type: ignore[arg-type]
    assert warning.startswith("the model expects 5e-07 matching pairs among the 1,000 records: it learned")
    assert _too_little_data(model(1e-4), 1_000) == ()  # type: ignore[arg-type]
