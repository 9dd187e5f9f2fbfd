"""mpi review: the latest run's pairs scored near its threshold, closest first, without those an override decided."""

from __future__ import annotations

import csv
from pathlib import Path

import duckdb
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


def test_unsure_pairs_closest_to_the_threshold_first(
    unsure_golden_project: ProjectConfig, tmp_path: Path
) -> None:
    project = unsure_golden_project
    link_records(project)
    out = tmp_path / "review.csv"
    review = uncertain_pairs(project, low=0.01, high=0.98, limit=2, out_path=out)
    # The added records' three pairs are the unsure ones: the twin's two (p 0.12) come before the
    # woman's (0.04); all three are in the file. The golden twins and the father and son score below
    # the band: their shared date, or names a generation apart at one address, count for nothing.
    assert review.pairs_in_band == 3 and review.linked_in_band == 0 and len(review.pairs) == 2
    for pair in review.pairs:
        assert sorted(keys(pair.left, pair.right)) in (["people:19", "people:3"], ["people:19", "people:4"])
    assert all(p.match_probability < review.threshold for p in review.pairs)
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert len(rows) == 3 and {r["last_name_l"] for r in rows} == {"OKAFOR", "VASQUEZ"}
    # A review list is written again over an earlier one; any other file is left as it is.
    assert uncertain_pairs(project, low=0.01, high=0.98, out_path=out).pairs_in_band == 3
    truth = tmp_path / "truth.csv"
    truth.write_text("source,record_id,person_id\npeople,1,A\n", encoding="utf-8")
    with pytest.raises(
        MpiUserError, match="exists and is not an earlier review list .a truth file.."
    ) as refused:
        uncertain_pairs(project, out_path=truth)
    assert str(refused.value).endswith("Write it elsewhere, or remove it first.")
    assert truth.read_text(encoding="utf-8") == "source,record_id,person_id\npeople,1,A\n"
    shown_ssns = [r[side] for r in rows for side in ("ssn_l", "ssn_r") if r[side]]
    assert shown_ssns and all(ssn.startswith("***-**-") for ssn in shown_ssns)
    # Up to 1, the band also holds linked pairs scored near 1, which are further from the threshold
    # in match weight (+30 bits against the unsure pairs' -3 to -5, the threshold's +1.2): they come after.
    wide = uncertain_pairs(project, low=0.01, high=1.0)
    assert wide.pairs_in_band > 3
    # Up to 1 takes the pairs scored exactly 1 too: 0 to 1 is every kept pair.
    con = duckdb.connect(str(project.store_path))
    con.execute(
        "UPDATE pairs SET match_probability = 1.0 WHERE match_probability = (SELECT max(match_probability) FROM pairs)"
    )
    kept = con.execute("SELECT count(*) FROM pairs").fetchall()[0][0]
    con.close()
    assert uncertain_pairs(project, low=0.0, high=1.0).pairs_in_band == kept
    assert [p.linked for p in wide.pairs] == sorted(p.linked for p in wide.pairs)


def test_a_decided_pair_leaves_the_list(unsure_golden_project: ProjectConfig) -> None:
    link_records(unsure_golden_project)
    add_override(
        unsure_golden_project,
        "unlink",
        RecordKey(source="people", record_id="3"),
        RecordKey(source="people", record_id="19"),
        decided_by="A. Clerk",
        reason="not the same child",
    )
    review = uncertain_pairs(unsure_golden_project, low=0.01)
    assert review.pairs_in_band == 2
    assert not {("people:19", "people:3"), ("people:3", "people:19")} & {
        keys(p.left, p.right) for p in review.pairs
    }


def test_refusals(unsure_golden_project: ProjectConfig) -> None:
    project = unsure_golden_project
    with pytest.raises(MpiUserError, match='No link run .* yet: run "mpi link" first'):
        uncertain_pairs(project)
    link_records(project)
    with pytest.raises(MpiUserError, match="--low < --high"):
        uncertain_pairs(project, low=0.9, high=0.5)
    with pytest.raises(MpiUserError, match="would overwrite the store"):
        uncertain_pairs(project, out_path=project.store_path)
    result = CliRunner().invoke(main, ["--config", str(project.config_path), "review", "--low", "0.01"])
    assert result.exit_code == 0, result.output
    assert "3 pairs scored from 0.01 to below 0.98" in result.output
