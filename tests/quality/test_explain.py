"""mpi explain: a pair weighed with the parameters the latest run scored with, and how the index joined it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner, Result

from mpi.cli import main
from mpi.config import ProjectConfig, load_config
from mpi.errors import MpiUserError
from mpi.ingest import ingest_sources
from mpi.link import _match_rate_for, link_records
from mpi.model import load_model_file
from mpi.overrides import RecordKey, add_override, remove_override
from mpi.project_models import locate_model
from mpi.quality.explain import explain_pair
from mpi.synth import generate_population


def people(record_id: int) -> RecordKey:
    return RecordKey(source="people", record_id=str(record_id))


def test_before_any_link_the_model_file_weighs_the_pair(golden_project: ProjectConfig) -> None:
    explanation = explain_pair(golden_project, people(9), people(10))
    assert explanation.run_id is None and "no link run yet" in explanation.scored_by
    assert explanation.person_ids == (None, None) and explanation.stored_probability is None
    levels = {c.comparison: c.level for c in explanation.comparisons}
    assert levels["first_name"].startswith("Nickname")


def test_twins_weighed_as_the_run_scored_them(golden_project: ProjectConfig) -> None:
    link_records(golden_project)
    twins = explain_pair(golden_project, people(1), people(3))
    assert twins.run_id == 1 and not twins.same_person
    # Scored below 0.01, so the run kept no pair of them: their shared date counts for nothing.
    assert twins.stored_probability is None and twins.match_probability < 0.01
    levels = {c.comparison: c.level for c in twins.comparisons}
    assert levels["first_name"].startswith("Different first names")
    assert levels["dob"].endswith("(twins?)")
    # The prior, plus one weight per comparison with values on both sides, is the pair's weight.
    # The prior is the one the run set for these 18 records (scaled up from the model's), kept in run_models.
    shipped = load_model_file(locate_model(golden_project, "default").path)
    kept_rate = 2**twins.prior_weight / (1 + 2**twins.prior_weight)
    assert kept_rate == pytest.approx(_match_rate_for(shipped, 18))
    assert kept_rate > shipped.parameters.probability_two_random_records_match
    total = twins.prior_weight + sum(c.match_weight for c in twins.comparisons)
    assert total == pytest.approx(twins.match_weight, abs=1e-6)
    assert twins.compared_by is not None and "dob" in twins.compared_by


def test_a_kept_pair_is_weighed_as_the_run_scored_it(unsure_golden_project: ProjectConfig) -> None:
    link_records(unsure_golden_project)
    pair = explain_pair(unsure_golden_project, people(3), people(19))  # a twin, and a record of him
    assert not pair.same_person and pair.stored_probability is not None
    assert pair.stored_probability == pytest.approx(pair.match_probability, abs=1e-9)
    assert 0.01 <= pair.match_probability < pair.threshold


def test_a_manual_link_is_shown_in_the_chain(golden_project: ProjectConfig) -> None:
    add_override(
        golden_project, "link", people(16), people(17), decided_by="A. Clerk", reason="same man, by phone"
    )
    link_records(golden_project)
    explanation = explain_pair(golden_project, people(17), people(18))
    assert explanation.same_person
    assert [step.match_probability is None for step in explanation.chain] == [True, False]
    assert explanation.overrides == ()
    assert (
        explain_pair(golden_project, people(16), people(17))
        .overrides[0]
        .startswith("override 1: link by A. Clerk")
    )
    remove_override(golden_project, 1, removed_by="B. Clerk", reason="phone number was wrong")
    (line,) = explain_pair(golden_project, people(17), people(16)).overrides
    assert line.startswith("override 1: link by A. Clerk (same man, by phone), removed by B. Clerk on ")
    assert line.endswith(" (phone number was wrong)")


def test_a_pair_kept_apart_by_an_unlink_says_so(golden_project: ProjectConfig) -> None:
    link_records(golden_project)
    con = duckdb.connect(str(golden_project.store_path), read_only=True)
    (left, right), *_ = con.execute(
        "SELECT record_id_l, record_id_r FROM pairs ORDER BY match_probability DESC, record_id_l, record_id_r"
    ).fetchall()
    con.close()
    a, b = RecordKey(source="people", record_id=left), RecordKey(source="people", record_id=right)
    assert explain_pair(golden_project, a, b).same_person
    add_override(golden_project, "unlink", a, b, decided_by="A. Clerk", reason="two men")
    link_records(golden_project)
    pair = explain_pair(golden_project, b, a)
    assert not pair.same_person
    assert pair.stored_probability is not None and pair.stored_probability >= pair.threshold
    assert pair.kept_apart_by == ("manual unlink, override 1",)
    # a pair of two persons the scored pairs keep apart names no override
    assert explain_pair(golden_project, people(1), people(2)).kept_apart_by == ()


def test_fitted_shipped_model_explains_the_runs_own_scores(tmp_path: Path) -> None:
    summary = generate_population(persons=150, seed=5, out_dir=tmp_path)
    config = load_config(summary.config_path)
    ingest_sources(config)
    assert link_records(config).model_fitted
    con = duckdb.connect(str(config.store_path), read_only=True)
    try:
        pairs = con.execute(
            "SELECT source_l, record_id_l, source_r, record_id_r, match_probability FROM pairs "
            "WHERE match_probability BETWEEN 0.05 AND 0.95 ORDER BY match_probability LIMIT 3"
        ).fetchall()
    finally:
        con.close()
    assert pairs
    for source_l, id_l, source_r, id_r, stored in pairs:
        explanation = explain_pair(
            config, RecordKey(source=source_l, record_id=id_l), RecordKey(source=source_r, record_id=id_r)
        )
        assert explanation.match_probability == pytest.approx(stored, abs=1e-9)
        assert "run 1 scored" in explanation.scored_by


def test_refusals_name_the_record(golden_project: ProjectConfig) -> None:
    with pytest.raises(MpiUserError, match="Give two different records"):
        explain_pair(golden_project, people(1), people(1))
    with pytest.raises(MpiUserError, match='source "people" has no record id "99"'):
        explain_pair(golden_project, people(1), people(99))
    with pytest.raises(MpiUserError, match="would overwrite the store"):
        explain_pair(golden_project, people(1), people(2), chart_path=golden_project.store_path)


def test_cli_prints_the_verdict_and_writes_the_chart(golden_project: ProjectConfig, tmp_path: Path) -> None:
    link_records(golden_project)
    chart = tmp_path / "why.html"

    def explain_with_chart(target: Path) -> Result:
        return CliRunner().invoke(
            main,
            [
                "--config",
                str(golden_project.config_path),
                "explain",
                "people:5",
                "people:7",
                "--chart",
                str(target),
            ],
        )

    result = explain_with_chart(chart)
    assert result.exit_code == 0, result.output
    assert "people:5 and people:7: different persons" in result.output
    assert "JR vs SR (father and son)" in result.output
    page = chart.read_text(encoding="utf-8")
    assert "<html" in page.lower()
    # The chart shows each comparison's values, SSNs masked as on the terminal (401-22-7788, 401-90-3346).
    assert "401227788" not in page and "401903346" not in page
    assert "***-**-7788" in page and "***-**-3346" in page
    # A chart is written again over an earlier one (an HTML page), never over another file.
    again = explain_with_chart(chart)
    assert again.exit_code == 0, again.output
    truth = tmp_path / "truth.csv"
    truth.write_text("source,record_id,person_id\n", encoding="utf-8")
    refused = explain_with_chart(truth)
    assert refused.exit_code == 2 and "exists and is not an HTML page" in " ".join(refused.stderr.split())
    assert truth.read_text(encoding="utf-8") == "source,record_id,person_id\n"
    bad = CliRunner().invoke(
        main, ["--config", str(golden_project.config_path), "explain", "people5", "people:7"]
    )
    assert bad.exit_code == 2 and '"people5" is not a record key' in bad.output
