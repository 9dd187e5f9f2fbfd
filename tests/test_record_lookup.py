"""A record key that names no record: rejected at ingest, an unknown source, or an unknown id."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from mpi.cli import main


def k12_project(directory: Path, *, options: str = "", columns: str = "") -> list[str]:
    """A one-source project over directory/k12.csv (id, fn, ln): the CLI's --config arguments."""
    (directory / "mpi.toml").write_text(
        f'[project]\nname = "t"\n[sources.k12]\npath = "k12.csv"\nrecord_id = "id"\n{options}'
        f'[sources.k12.columns]\nfirst_name = "fn"\nlast_name = "ln"\n{columns}',
        encoding="utf-8",
    )
    return ["--config", str(directory / "mpi.toml")]


def test_overrides_and_history_tell_a_rejected_record_from_a_mistyped_key(tmp_path: Path) -> None:
    (tmp_path / "k12.csv").write_text("id,fn,ln\n1,Ann,Lee\n2,Bob,Kim\n2,Bo,Kim\n", encoding="utf-8")
    config = k12_project(tmp_path, options='on_duplicate_ids = "reject"\n')
    runner = CliRunner()
    assert runner.invoke(main, [*config, "ingest"]).exit_code == 0
    expected = {
        "k12:2": 'Record k12:2 was rejected at ingest (duplicate record id), so it is in no person id. See "mpi '
        'rejects k12", fix the row and ingest again.',
        "k12:9": 'No record k12:9 in the store: source "k12" has no record id "9". Check the id in the agency\'s file.',
        "wages:1": 'No source "wages" in the store (its sources: "k12"). Write the key as SOURCE:RECORD_ID.',
    }
    for key, message in expected.items():
        override = runner.invoke(
            main, [*config, "override", "link", "k12:1", key, "--by", "me", "--reason", "x"]
        )
        history = runner.invoke(main, [*config, "history", "--record", key])
        for result in (override, history):
            assert result.exit_code == 2
            assert " ".join(result.stderr.split()) == f"Error: {message}"


def test_a_key_on_a_store_without_records_is_answered_with_ingest(tmp_path: Path) -> None:
    (tmp_path / "k12.csv").write_text("id,fn,ln\n", encoding="utf-8")
    config = k12_project(tmp_path)
    runner = CliRunner()
    assert runner.invoke(main, [*config, "ingest"]).exit_code == 2  # no data rows: the store stays empty
    message = (
        'Error: No record k12:1: the store holds no records yet. Run "mpi ingest" to load the agency files.'
    )
    for args in (["history", "--record", "k12:1"], ["override", "link", "k12:1", "k12:2", "--reason", "x"]):
        result = runner.invoke(main, [*config, *args])
        assert result.exit_code == 2
        assert " ".join(result.stderr.split()) == message


def test_an_override_on_a_record_a_reload_removed_is_named_by_link_and_override_list(tmp_path: Path) -> None:
    rows = ["id,fn,ln,dob", "1,Ann,Lee,1990-02-03", "2,Anne,Lee,1990-02-03", "3,Bob,Kim,1985-07-01"]
    data = tmp_path / "k12.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = k12_project(tmp_path, columns='dob = "dob"\n')
    runner = CliRunner()

    def run(*args: str) -> str:
        result = runner.invoke(main, [*config, *args])
        assert result.exit_code == 0, result.output
        return " ".join(result.output.split())

    run("ingest")
    run("override", "unlink", "k12:1", "k12:2", "--by", "me", "--reason", "twins")
    warning = "1 override(s) name a record the store no longer holds"
    assert warning not in run("link")
    data.write_text("\n".join(rows[:2] + rows[3:]) + "\n", encoding="utf-8")  # the reload drops record 2
    run("ingest")
    assert warning in run("link")
    assert "k12:2" in run("override", "list")
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    run("ingest")
    assert warning not in run("link")


def test_the_history_of_a_record_gone_from_the_store_says_why(tmp_path: Path) -> None:
    rows = ["id,fn,ln", "1,Ann,Lee", "2,Bob,Kim", "3,Cy,Ng", "4,Di,Ox", "5,Ed,Po"]
    data = tmp_path / "k12.csv"
    data.write_text("\n".join(rows) + "\n", encoding="utf-8")
    config = k12_project(tmp_path, options='on_duplicate_ids = "reject"\n')
    runner = CliRunner()
    for args in (["ingest"], ["link"]):
        assert runner.invoke(main, [*config, *args]).exit_code == 0
    # The reload repeats record 2's id (both rows rejected) and leaves record 3 out.
    data.write_text("\n".join([*rows[:3], "2,Bo,Kim", *rows[4:]]) + "\n", encoding="utf-8")
    for args in (["ingest"], ["link"]):
        assert runner.invoke(main, [*config, *args]).exit_code == 0
    told = {}
    for key in ("k12:2", "k12:3"):
        history = runner.invoke(main, [*config, "history", "--record", key])
        assert history.exit_code == 0, history.output
        told[key] = " ".join(history.output.replace("│", " ").split())
    assert "rejected when its source was loaded again: duplicate record id" in told["k12:2"]
    assert "not in its source's latest load" in told["k12:3"]


def test_linking_a_store_of_one_record_says_two_are_needed(tmp_path: Path) -> None:
    (tmp_path / "k12.csv").write_text("id,fn,ln\n1,Ann,Lee\n", encoding="utf-8")
    config = k12_project(tmp_path)
    assert CliRunner().invoke(main, [*config, "ingest"]).exit_code == 0
    linked = CliRunner().invoke(main, [*config, "link"])
    assert linked.exit_code == 2
    assert "holds one record: linking needs two or more" in " ".join(linked.stderr.split())
