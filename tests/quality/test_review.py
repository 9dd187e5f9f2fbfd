"""mpi review: the latest run's pairs scored near its threshold, closest first, without those an override decided."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from click.testing import CliRunner

from mpi.cli import main
from mpi.config import ProjectConfig
from mpi.errors import MpiUserError
from mpi.link import link_records
from mpi.overrides import RecordKey, add_override
from mpi.quality.review import uncertain_pairs


def keys(pair_left: dict[str, object], pair_right: dict[str, object]) -> tuple[str, str]:
    return (
        f"{pair_left['source']}:{pair_left['record_id']}",
        f"{pair_right['source']}:{pair_right['record_id']}",
    )


def test_unsure_pairs_closest_to_the_threshold_first(golden_project: ProjectConfig, tmp_path: Path) -> None:
    link_records(golden_project)
    out = tmp_path / "review.csv"
    review = uncertain_pairs(golden_project, low=0.01, high=0.98, limit=2, out_path=out)
    # The twins' four pairs (first and middle names apart) are the unsure ones; the rest are in the
    # file. Father and son score below the band: a generation apart at one address, their shared
    # names count for nothing, and JR against SR counts against.
    assert review.pairs_in_band == 4 and review.linked_in_band == 0 and len(review.pairs) == 2
    for pair in review.pairs:
        assert sorted(keys(pair.left, pair.right)) in (
            [a, b] for a in ("people:1", "people:2") for b in ("people:3", "people:4")
        )
    assert all(p.match_probability < review.threshold for p in review.pairs)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 4 and {r["last_name_l"] for r in rows} == {"OKAFOR"}
    assert all(r["ssn_l"].startswith("***-**-") for r in rows)
    # Up to 1, the band also holds linked pairs scored near 1, which are further from the threshold
    # in match weight (+30 bits against the twins' -5, the threshold's +1.2): they come after.
    wide = uncertain_pairs(golden_project, low=0.01, high=1.0)
    assert wide.pairs_in_band > 4
    assert [p.linked for p in wide.pairs] == sorted(p.linked for p in wide.pairs)


def test_a_decided_pair_leaves_the_list(golden_project: ProjectConfig) -> None:
    link_records(golden_project)
    add_override(
        golden_project,
        "unlink",
        RecordKey(source="people", record_id="3"),
        RecordKey(source="people", record_id="1"),
        decided_by="A. Clerk",
        reason="twins",
    )
    review = uncertain_pairs(golden_project, low=0.01)
    assert review.pairs_in_band == 3
    assert not {("people:1", "people:3"), ("people:3", "people:1")} & {
        keys(p.left, p.right) for p in review.pairs
    }


def test_refusals(golden_project: ProjectConfig) -> None:
    with pytest.raises(MpiUserError, match='No link run .* yet: run "mpi link" first'):
        uncertain_pairs(golden_project)
    link_records(golden_project)
    with pytest.raises(MpiUserError, match="--low < --high"):
        uncertain_pairs(golden_project, low=0.9, high=0.5)
    with pytest.raises(MpiUserError, match="would overwrite the store"):
        uncertain_pairs(golden_project, out_path=golden_project.store_path)
    result = CliRunner().invoke(
        main, ["--config", str(golden_project.config_path), "review", "--low", "0.01"]
    )
    assert result.exit_code == 0, result.output
    assert "4 pairs scored from 0.01 to below 0.98" in result.output
