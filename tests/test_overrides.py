"""Overrides that contradict each other through forced links are refused, naming the ones involved."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from store_queries import store_rows

from mpi.cli import main

REMOVE = 'Remove one of these overrides first with "mpi override remove ID --reason TEXT" (see "mpi override list").'


def five_record_project(directory: Path) -> list[str]:
    """A one-source project of records k12:1 to k12:5, ingested: the CLI's --config arguments."""
    rows = ["id,fn,ln", "1,Ann,Lee", "2,Bob,Kim", "3,Cy,Ng", "4,Di,Ox", "5,Ed,Po"]
    (directory / "k12.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (directory / "mpi.toml").write_text(
        '[project]\nname = "t"\n[sources.k12]\npath = "k12.csv"\nrecord_id = "id"\n'
        '[sources.k12.columns]\nfirst_name = "fn"\nlast_name = "ln"\n',
        encoding="utf-8",
    )
    config = ["--config", str(directory / "mpi.toml")]
    assert CliRunner().invoke(main, [*config, "ingest"]).exit_code == 0
    return config


def override(config: list[str], kind: str, a: str, b: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [*config, "override", kind, a, b, "--reason", "test"])
    return result.exit_code, " ".join(result.stderr.split())


def test_an_unlink_of_records_forced_links_join_is_refused(tmp_path: Path) -> None:
    config = five_record_project(tmp_path)
    assert override(config, "link", "k12:1", "k12:2")[0] == 0
    assert override(config, "link", "k12:3", "k12:2")[0] == 0
    exit_code, stderr = override(config, "unlink", "k12:3", "k12:1")
    assert exit_code == 2
    assert stderr == (
        "Error: Records k12:1 and k12:3 cannot be kept apart: forced links join them through "
        "override 1 (link k12:1 k12:2) and override 2 (link k12:2 k12:3), and a forced link always holds. "
        f"{REMOVE}"
    )
    assert store_rows(tmp_path, "SELECT override_id FROM overrides ORDER BY 1") == [(1,), (2,)]
    # Records the forced links do not join can still be kept apart.
    assert override(config, "unlink", "k12:1", "k12:4")[0] == 0


def test_a_link_that_would_join_records_an_unlink_keeps_apart_is_refused(tmp_path: Path) -> None:
    config = five_record_project(tmp_path)
    assert override(config, "link", "k12:1", "k12:2")[0] == 0
    assert override(config, "unlink", "k12:1", "k12:4")[0] == 0
    assert override(config, "link", "k12:4", "k12:5")[0] == 0
    exit_code, stderr = override(config, "link", "k12:5", "k12:2")
    assert exit_code == 2
    assert stderr == (
        "Error: Records k12:2 and k12:5 cannot be forced into one person: override 2 (unlink k12:1 k12:4) "
        "keeps apart two records that this link would join through override 1 (link k12:1 k12:2) and "
        f"override 3 (link k12:4 k12:5). {REMOVE}"
    )
    exit_code, stderr = override(config, "link", "k12:4", "k12:2")
    assert exit_code == 2
    assert stderr.startswith(
        "Error: Records k12:2 and k12:4 cannot be forced into one person: override 2 (unlink k12:1 k12:4) "
        "keeps apart two records that this link would join through override 1 (link k12:1 k12:2)."
    )
    assert store_rows(tmp_path, "SELECT override_id FROM overrides ORDER BY 1") == [(1,), (2,), (3,)]
    # Once the unlink is removed, the link is taken.
    assert CliRunner().invoke(main, [*config, "override", "remove", "2", "--reason", "test"]).exit_code == 0
    assert override(config, "link", "k12:5", "k12:2")[0] == 0
