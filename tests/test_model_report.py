"""`mpi models show`'s description of a model (mpi.model_report)."""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

from click.testing import CliRunner

from mpi.cli import main
from mpi.config import load_config
from mpi.model import save_model
from mpi.model.registry import load_model
from mpi.model_report import describe_model
from mpi.project import write_example_config
from mpi.project_models import project_models_dir
from mpi.sqlutil import models_root


def test_levels_no_training_pair_showed_are_marked(tmp_path: Path) -> None:
    config = load_config(write_example_config(tmp_path))
    shipped = load_model(models_root(), "default")
    assert shipped.stats is not None
    dob = next(c for c in shipped.spec.comparisons if c.name == "dob")
    unseen = f"dob[2] {dob.levels[2].label}"
    model = replace(shipped, stats=replace(shipped.stats, untrained_levels=(unseen,)))
    save_model(project_models_dir(config), model, name="partly_seen")

    rows = describe_model(config, "partly_seen").levels

    marked = [(row.comparison, row.label) for row in rows if not row.seen_in_training]
    assert marked == [("dob", dob.levels[2].label)]
    assert all(row.seen_in_training for row in describe_model(config, "default").levels)


def test_models_show_gives_the_prior_weight_and_says_a_shipped_model_is_fitted_when_linked(
    tmp_path: Path,
) -> None:
    config_path = write_example_config(tmp_path)
    result = CliRunner().invoke(main, ["--config", str(config_path), "models", "show", "default"])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    shipped = load_model(models_root(), "default")
    rate = shipped.parameters.probability_two_random_records_match
    assert f"(prior match weight {math.log2(rate / (1 - rate)):+.2f})" in text
    assert "A level's match weight is log2(m / u)" in text
    assert "mpi link fits m, u and the match rate to the store's records before scoring" in text
