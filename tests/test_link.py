"""Linking end to end on a small synthetic population with the shipped model: ids, history, overrides, undo."""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace

import duckdb
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from mpi.cli import main
from mpi.config import ProjectConfig, load_config
from mpi.errors import MpiUserError
from mpi.ingest import ingest_sources
from mpi.link import _match_rate_for, link_records
from mpi.merging import KEEP_PAIRS_FROM_PROBABILITY
from mpi.model.trained import TrainedModel
from mpi.overrides import RecordKey, add_override, list_removed_overrides
from mpi.quality.metrics import evaluate_clustering
from mpi.runs import list_runs, undo_run
from mpi.synth import SOURCES, generate_population


def make_population(directory: Path, *, persons: int = 300, seed: int = 11) -> ProjectConfig:
    summary = generate_population(persons=persons, seed=seed, out_dir=directory)
    return load_config(summary.config_path)


def read(config: ProjectConfig, sql: str) -> list[tuple[object, ...]]:
    con = duckdb.connect(str(config.store_path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def index_of(config: ProjectConfig) -> dict[tuple[str, str], str]:
    return {(s, r): p for s, r, p in read(config, "SELECT source, record_id, person_id FROM person_index")}  # type: ignore[misc]


@pytest.fixture(scope="module")
def population(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("population")
    make_population(directory)
    return directory


def fresh_copy(population: Path, tmp_path: Path) -> ProjectConfig:
    import shutil

    target = tmp_path / "project"
    shutil.copytree(population, target, ignore=shutil.ignore_patterns("*.duckdb*", "models"))
    return load_config(target / "mpi.toml")


def history_matches_changes(
    config: ProjectConfig, run_id: int, before: dict[tuple[str, str], str], after: dict[tuple[str, str], str]
) -> None:
    events = read(
        config,
        f"SELECT event, source, record_id, from_person_id, to_person_id FROM person_history WHERE run_id = {run_id} AND source IS NOT NULL",
    )
    recorded = {(s, r): (f, t) for _, s, r, f, t in events}  # type: ignore[misc]
    changed = {
        k: (before.get(k), after.get(k))
        for k in before.keys() | after.keys()
        if before.get(k) != after.get(k)
    }
    assert recorded == changed


def test_agencies_one_at_a_time_end_like_one_shot(population: Path, tmp_path: Path) -> None:
    growing = fresh_copy(population, tmp_path / "growing")
    previous: dict[tuple[str, str], str] = {}
    for source in SOURCES:
        ingest_sources(growing, [source])
        result = link_records(growing)
        current = index_of(growing)
        history_matches_changes(growing, result.run_id, previous, current)
        previous = current
    one_shot = fresh_copy(population, tmp_path / "one_shot")
    ingest_sources(one_shot)
    link_records(one_shot)
    con = duckdb.connect()
    try:
        con.execute(f"ATTACH '{growing.store_path}' AS g (READ_ONLY)")
        con.execute(f"ATTACH '{one_shot.store_path}' AS o (READ_ONLY)")
        con.execute("CREATE TABLE grown AS SELECT * FROM g.person_index")
        con.execute("CREATE TABLE shot AS SELECT * FROM o.person_index")
        agreement = evaluate_clustering(con, "grown", "shot").pairwise
    finally:
        con.close()
    assert agreement.f1 == 1.0, agreement


def kept_pairs_of(config: ProjectConfig) -> dict[tuple[str, str], float]:
    rows = read(
        config,
        "SELECT source_l || ':' || record_id_l, source_r || ':' || record_id_r, match_probability FROM pairs",
    )
    return {(min(a, b), max(a, b)): float(p) for a, b, p in rows}  # type: ignore[type-var,arg-type]


def test_incremental_loads_weigh_the_pairs_a_full_relink_weighs(tmp_path: Path) -> None:
    """Agency by agency, each link incremental, the store holds every weak pair a full relink keeps.

    A pair under the keep floor is kept only inside a connected component, where clustering weighs
    it. When a load joins two earlier persons into one component, the weak pairs between them had
    not been kept; the link scores them (on this population, 4 of them at 1,000 persons would be
    missing without that step). The model is not fitted per run, so scores compare exactly.
    """
    config = make_population(tmp_path, persons=1000)
    messages: list[str] = []
    for source in SOURCES:
        ingest_sources(config, [source])
        link_records(config, progress=messages.append, fit_shipped=False)
    incremental = kept_pairs_of(config)
    before = index_of(config)
    full = link_records(config, full=True, fit_shipped=False)
    relinked = kept_pairs_of(config)
    assert any("components that join earlier persons" in message for message in messages)
    weak = {pair for pair, probability in relinked.items() if probability < KEEP_PAIRS_FROM_PROBABILITY}
    assert weak and weak <= incremental.keys()
    shared = incremental.keys() & relinked.keys()
    assert all(incremental[pair] == pytest.approx(relinked[pair], rel=1e-9, abs=1e-12) for pair in shared)
    assert full.ids.records_changed == 0 and index_of(config) == before


def test_incremental_link_with_no_kept_pairs_to_rescore(population: Path, tmp_path: Path) -> None:
    config = fresh_copy(population, tmp_path)
    ingest_sources(config, ["ece"])
    link_records(config)
    con = duckdb.connect(str(config.store_path))
    con.execute("DELETE FROM pairs")  # as if the first load had no pair worth keeping
    con.close()
    ingest_sources(config, ["k12"])
    result = link_records(config)
    assert result.kind == "incremental"
    assert read(config, "SELECT count(*) FROM person_index") == read(config, "SELECT count(*) FROM records")


def test_failure_after_scoring_leaves_store_unchanged(population: Path, tmp_path: Path) -> None:
    config = fresh_copy(population, tmp_path)
    ingest_sources(config, ["k12", "ece"])
    link_records(config)
    ingest_sources(config, ["college"])
    snapshot_sql = [
        f"SELECT * FROM {t} ORDER BY ALL"
        for t in ("person_index", "person_history", "runs", "pairs", "mpi_counters")
    ]
    before = [read(config, sql) for sql in snapshot_sql]

    def fail() -> None:
        raise RuntimeError("injected failure after prediction")

    with pytest.raises(RuntimeError, match="injected failure"):
        link_records(config, after_scoring=fail)
    assert [read(config, sql) for sql in snapshot_sql] == before


def two_records_of_one_person(config: ProjectConfig) -> tuple[RecordKey, RecordKey]:
    rows = read(config, "SELECT a.source, a.record_id, b.source, b.record_id FROM person_index a JOIN person_index b USING (person_id) "
                        "WHERE a.source || a.record_id < b.source || b.record_id ORDER BY ALL LIMIT 1")  # fmt: skip
    sa, ra, sb, rb = rows[0]
    return RecordKey(source=str(sa), record_id=str(ra)), RecordKey(source=str(sb), record_id=str(rb))


def test_overrides_outrank_the_model_and_undo_restores(population: Path, tmp_path: Path) -> None:
    config = fresh_copy(population, tmp_path)
    ingest_sources(config)
    link_records(config)
    a, b = two_records_of_one_person(config)
    add_override(config, "unlink", a, b, decided_by="test", reason="twins")
    before = index_of(config)
    run = link_records(config)
    after = index_of(config)
    assert after[(a.source, a.record_id)] != after[(b.source, b.record_id)]
    assert run.clustering.clusters_split_by_unlinks == 1
    # no record came or went: every record counted as changed moved to another id
    moved = sum(before[key] != person for key, person in after.items())
    assert run.ids.records_moved == run.ids.records_changed == moved > 0
    # and their history says which override moved them
    why = read(
        config,
        f"SELECT DISTINCT detail FROM person_history WHERE run_id = {run.run_id} AND event = 'record_moved'",
    )
    text = f"override 1 (unlink {a.source}:{a.record_id} {b.source}:{b.record_id})"
    assert why == [(text,)]
    # The split itself says why, as its records' moves do.
    split = f"SELECT DISTINCT detail FROM person_history WHERE run_id = {run.run_id} AND event = 'split'"
    assert read(config, split) == [(text,)]
    # A forced link joins two persons the model keeps apart.
    people = defaultdict(list)
    for key, person in after.items():
        people[person].append(key)
    singles = sorted(k for keys in people.values() if len(keys) == 1 for k in keys)[:2]
    c, d = (RecordKey(source=s, record_id=r) for s, r in singles)
    add_override(config, "link", c, d, decided_by="test", reason="same person, verified")
    linked = link_records(config)
    joined = index_of(config)
    assert joined[singles[0]] == joined[singles[1]]
    assert read(config, "SELECT count(*) FROM overrides WHERE first_applied_run IS NOT NULL")[0][0] == 2
    assert (run.run_id, linked.run_id) == (2, 3)
    with pytest.raises(MpiUserError) as raised:
        undo_run(config, 1)
    assert str(raised.value) == "Run 1 is not the latest run. Only the latest run, 3, can be undone."
    undo_run(config, 3)
    assert index_of(config) == after
    assert before != after
    # Undoing run 3 consumed the one before-image kept, which run 3 had taken in place of run 2's.
    gone = "mpi keeps one level of undo, and run 2's before-image was replaced when run 3 ran (run 3 was undone since)"
    refusals = {
        3: f"Run 3 was already undone. No run can be undone now: {gone}.",
        2: f"Run 2 can no longer be undone: {gone}.",
        1: f"Run 1 is not the latest run. No run can be undone now: {gone}.",
        99: f"There is no run 99: the runs are 1 to 3 (see mpi runs). No run can be undone now: {gone}.",
    }
    for run_id, message in refusals.items():
        with pytest.raises(MpiUserError) as raised:
            undo_run(config, run_id)
        assert str(raised.value) == message
    result = CliRunner().invoke(main, ["--config", str(config.config_path), "runs", "undo", "99"])
    assert result.exit_code == 2
    assert " ".join(result.stderr.split()) == f"Error: {refusals[99]}"
    # A removed override stays on record, and the moves of the next run are put down to its removal.
    cli = ["--config", str(config.config_path), "override"]
    refused = CliRunner().invoke(main, [*cli, "remove", "1"])
    assert refused.exit_code == 2 and "--reason" in refused.stderr
    removed = CliRunner().invoke(main, [*cli, "remove", "1", "--by", "B. Clerk", "--reason", "not twins"])
    assert removed.exit_code == 0, removed.output
    assert read(config, "SELECT override_id FROM overrides") == [(2,)]
    listed = CliRunner().invoke(main, [*cli, "list", "--removed"])
    assert listed.exit_code == 0 and "Removed overrides" in listed.output
    (gone,) = list_removed_overrides(config)
    assert (gone.override.reason, gone.removed_by, gone.removal_reason) == ("twins", "B. Clerk", "not twins")
    assert (gone.override.first_applied_run, gone.removal_applied_run) == (run.run_id, None)
    again = CliRunner().invoke(main, [*cli, "remove", "1", "--reason", "again"])
    assert again.exit_code == 2
    assert "Override 1 was already removed, by B. Clerk on " in " ".join(again.stderr.split())
    rejoined = link_records(config)
    together = index_of(config)
    assert together[(a.source, a.record_id)] == together[(b.source, b.record_id)]
    moves = f"SELECT DISTINCT detail FROM person_history WHERE run_id = {rejoined.run_id} AND event = 'record_moved'"
    assert read(config, moves) == [(f"removal of {text}",)]
    assert read(config, "SELECT removal_applied_run FROM overrides_removed") == [(rejoined.run_id,)]
    # Undoing that run puts the removal back to apply at the next one.
    undo_run(config, rejoined.run_id)
    assert read(config, "SELECT removal_applied_run FROM overrides_removed") == [(None,)]


# Two orders and populations per run, each linked four times (about 12 s each on 2 cores): five
# took the suite to 298 s of its 5-minute budget on the session 15 machine, three to 312 s in session 44.
@settings(max_examples=2, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(order=st.permutations(SOURCES), seed=st.integers(min_value=1, max_value=10_000))
def test_batches_in_any_order_keep_ids_of_untouched_persons(
    tmp_path_factory: pytest.TempPathFactory, order: list[str], seed: int
) -> None:
    directory = tmp_path_factory.mktemp("batches")
    summary = generate_population(persons=120, seed=seed, out_dir=directory)
    # 120 persons can leave a small agency (licensing, ece) with no rows at all, and an empty file
    # is rightly refused by ingest; this property is about batch order, not empty files.
    assume(all(summary.rows[source] > 0 for source in SOURCES))
    config = load_config(summary.config_path)
    previous: dict[tuple[str, str], str] = {}
    for batch in (order[:2], order[2:4], order[4:]):
        ingest_sources(config, list(batch))
        # As shipped: this property is about the id rule, and a fit per batch (test_agencies_one_at_a_time_...
        # links with one) adds a third to the test's time.
        result = link_records(config, fit_shipped=False)
        current = index_of(config)
        history_matches_changes(config, result.run_id, previous, current)
        # Persons whose records neither moved nor gained records keep their ids.
        moved_ids = {previous[k] for k in previous if current.get(k) != previous[k]}
        for key, person in previous.items():
            if person not in moved_ids:
                assert current[key] == person
        indexed = read(config, "SELECT sum(rows_indexed) FROM loads")[0][0]
        assert len(current) == indexed
        previous = current
    # Once, not per batch (a third of the test's time): a link with nothing new changes nothing.
    rerun = link_records(config, fit_shipped=False)
    assert rerun.ids.records_changed == 0 and index_of(config) == previous


def run_model(config: ProjectConfig, run_id: int) -> tuple[TrainedModel, int | None]:
    """The parameters run ``run_id`` scored with, and the run that fitted them."""
    ((model_json, fitted_by),) = read(
        config, f"SELECT model_json, fitted_by_run FROM run_models WHERE run_id = {run_id}"
    )
    return TrainedModel.from_dict(json.loads(str(model_json))), fitted_by  # type: ignore[return-value]


def test_an_incremental_link_keeps_the_fit_until_a_tenth_of_the_records_changed(
    population: Path, tmp_path: Path
) -> None:
    config = fresh_copy(population, tmp_path)
    ingest_sources(config, ["ece", "k12", "college", "wages"])  # 497 records
    messages: list[str] = []
    assert link_records(config, progress=messages.append).model_fitted
    assert any(m.startswith("model fitted to these records") for m in messages), messages
    ingest_sources(config, ["licensing"])  # 22 records: 4% of those run 1 was fitted to
    messages.clear()
    kept = link_records(config, progress=messages.append)
    assert kept.kind == "incremental" and not kept.model_fitted
    assert kept.fit_kept is not None and (kept.fit_kept.run_id, kept.fit_kept.changed_since) == (1, 22)
    assert "model as run 1 fitted it to 497 records: 22 new, changed or removed since, under 10%" in " ".join(
        messages
    )
    (fitted, fitted_by), (scored_with, kept_from) = run_model(config, 1), run_model(config, 2)
    assert (fitted_by, kept_from) == (1, 1)
    # The same m and u; the prior follows the population (519 records now, 497 then).
    same_prior = fitted.parameters.probability_two_random_records_match
    assert (
        replace(scored_with.parameters, probability_two_random_records_match=same_prior) == fitted.parameters
    )
    assert scored_with.parameters.probability_two_random_records_match == pytest.approx(
        _match_rate_for(fitted, 519)
    )
    # 52 more: 74 changed since run 1's fit, over a tenth of its 497 records.
    ingest_sources(config, ["hhs"])
    messages.clear()
    refitted = link_records(config, progress=messages.append)
    assert refitted.model_fitted and refitted.fit_kept is None
    assert any(
        m.startswith("fitting the model again: 74 records new, changed or removed since run 1")
        for m in messages
    )
    assert run_model(config, 3)[1] == 3
    before = index_of(config)
    # Nothing new: --refit fits again all the same and rescores the kept pairs (seeded: the same fit).
    refit = CliRunner().invoke(main, ["--config", str(config.config_path), "link", "--refit"])
    assert refit.exit_code == 0, refit.output
    output = " ".join(refit.output.split())
    assert "fitting the model again: --refit was given" in output
    assert "model parameters │ fitted to these records" in output
    # The fit is seeded: the same records give the same parameters, and the same persons.
    (refitted_model, refitted_by), (fitted_model, _) = run_model(config, 4), run_model(config, 3)
    assert refitted_by == 4 and refitted_model.parameters == fitted_model.parameters
    assert index_of(config) == before
    assert [run.parameters for run in list_runs(config)] == ["fitted", "run 1's fit", "fitted", "fitted"]
    # Relinking unchanged data changes no id: incrementally (nothing to score), or in full (fitted again).
    again, full = link_records(config), link_records(config, full=True)
    assert (again.kind, full.kind) == ("incremental", "full") and full.model_fitted
    assert index_of(config) == before
    assert read(config, "SELECT count(*) FROM person_history WHERE run_id > 4") == [(0,)]
    indexed = read(config, "SELECT sum(rows_indexed) FROM loads")[0][0]
    assert len(before) == indexed == read(config, "SELECT count(*) FROM records")[0][0]
    messages.clear()
    as_shipped = link_records(config, full=True, fit_shipped=False, progress=messages.append)
    assert not as_shipped.model_fitted and not any(m.startswith("model fitted") for m in messages)
    refused = CliRunner().invoke(
        main, ["--config", str(config.config_path), "link", "--refit", "--as-shipped"]
    )
    assert refused.exit_code == 2 and "--refit fits a shipped model and --as-shipped" in refused.output


def _prior_after_fit(trained_rate: float, trained_on: int, records: int) -> float:
    # The linker scores with it: run_models keeps it, and mpi explain's tests score kept pairs with it.
    model = SimpleNamespace(
        parameters=SimpleNamespace(probability_two_random_records_match=trained_rate),
        stats=SimpleNamespace(record_count=trained_on),
    )
    return _match_rate_for(model, records)  # type: ignore[arg-type]


def test_prior_follows_the_population_within_bounds() -> None:
    assert _prior_after_fit(1e-4, 40_001, 400_001) == pytest.approx(1e-5)  # ten times the records
    assert _prior_after_fit(1e-4, 40_001, 8_001) == pytest.approx(5e-4)  # five times fewer
    assert _prior_after_fit(1e-4, 40_001, 17) == pytest.approx(1e-3)  # at most ten times up
    assert _prior_after_fit(0.2, 1_001, 11) == 0.5  # never above even odds
    assert _prior_after_fit(1e-4, 40_001, 40_001) == 1e-4


def test_a_source_with_one_record_per_person_never_puts_two_of_its_records_in_one_person(
    tmp_path: Path,
) -> None:
    # Two certificates alike in every field the model reads (twins named alike, or a clerk's copy): the
    # model links them; declared one record per person, the file keeps them apart and link says so.
    config = tmp_path / "mpi.toml"
    project = (
        '[project]\nname = "twins"\n[store]\npath = "mpi.duckdb"\n'
        '[sources.births]\npath = "births.csv"\nrecord_id = "ID"\nFLAG\n'
        '[sources.births.columns]\nfirst_name = "FN"\nlast_name = "LN"\ndob = "DOB"\naddress = "ADDR"\n'
        '[sources.school]\npath = "school.csv"\nrecord_id = "ID"\n'
        '[sources.school.columns]\nfirst_name = "FN"\nlast_name = "LN"\ndob = "DOB"\naddress = "ADDR"\n'
    )
    twin = "Jayden,Okafor,2015-03-02,12 Elm St\n"
    (tmp_path / "births.csv").write_text(f"ID,FN,LN,DOB,ADDR\nB1,{twin}B2,{twin}", encoding="utf-8")
    (tmp_path / "school.csv").write_text(f"ID,FN,LN,DOB,ADDR\nS1,{twin}", encoding="utf-8")
    runner = CliRunner()
    for flag, full in (("", []), ("one_record_per_person = true", ["--full"])):
        config.write_text(project.replace("FLAG", flag), encoding="utf-8")
        assert runner.invoke(main, ["--config", str(config), "ingest"]).exit_code == 0
        result = runner.invoke(main, ["--config", str(config), "link", *full])
        assert result.exit_code == 0, result.output
        ids = index_of(load_config(config))
        if not flag:
            assert ids[("births", "B1")] == ids[("births", "B2")] == ids[("school", "S1")]
            assert "one-record-per-person" not in result.output
    assert ids[("births", "B1")] != ids[("births", "B2")]
    assert ids[("school", "S1")] in {ids[("births", "B1")], ids[("births", "B2")]}
    assert "clusters split by one-record-per-person sources │ 1 │" in " ".join(result.output.split())


def test_an_interrupt_after_the_run_is_committed_says_the_run_was_saved(
    population: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import mpi.link

    config = fresh_copy(population, tmp_path)
    ingest_sources(config)

    def interrupted(_con: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(mpi.link, "_drop_work_tables", interrupted)
    result = CliRunner().invoke(main, ["--config", str(config.config_path), "link"])
    assert result.exit_code == 130
    assert (
        "Error: Interrupted after run 1 was saved: the person index is run 1's (mpi runs lists it; mpi runs undo 1 "
        "takes it back)." in " ".join(result.stderr.split())
    )
    assert read(config, "SELECT count(*) FROM runs") == [(1,)]
    assert len(index_of(config)) == read(config, "SELECT count(*) FROM records")[0][0]
