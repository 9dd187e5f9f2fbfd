"""The hashing key: from a file or MPI_HASH_KEY only, at least 32 bytes, never shown; its fingerprint."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
from click.testing import CliRunner
from privacy_helpers import KEY, OTHER_KEY

from mpi.cli import main
from mpi.config import ProjectConfig
from mpi.privacy.keys import KEY_ENV_VAR, HashKeyError, key_from_bytes, load_key

SECRET = "s3cret-shared-by-the-agencies-0123456789"


def test_key_from_file_and_from_environment_are_the_same_key(tmp_path: Path) -> None:
    path = tmp_path / "mpi_hash.key"
    path.write_text(SECRET + "\n", encoding="utf-8")  # a file written by echo or openssl ends in a newline
    from_file = load_key(path, environ={})
    from_env = load_key(None, environ={KEY_ENV_VAR: SECRET})
    assert from_file.fingerprint == from_env.fingerprint
    assert len(from_file.fingerprint) == 32


def test_key_file_is_used_before_the_environment(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_text(SECRET, encoding="utf-8")
    chosen = load_key(path, environ={KEY_ENV_VAR: OTHER_KEY.decode()})
    assert chosen.fingerprint == load_key(None, environ={KEY_ENV_VAR: SECRET}).fingerprint


@pytest.mark.parametrize(
    ("length", "origin"),
    [(31, "the MPI_HASH_KEY environment variable"), (5, "the MPI_HASH_KEY environment variable")],
)
def test_short_key_is_refused_with_exact_message(length: int, origin: str) -> None:
    with pytest.raises(HashKeyError) as raised:
        load_key(None, environ={KEY_ENV_VAR: "k" * length})
    assert str(raised.value) == (
        f"The hashing key from {origin} is {length} bytes long; at least 32 bytes are required. "
        "Generate one with: openssl rand -hex 32 > mpi_hash.key"
    )


@pytest.mark.parametrize("placeholder", ["a" * 40, "abc" * 20, "0123456" * 6])
def test_a_key_of_few_different_characters_is_refused(placeholder: str) -> None:
    with pytest.raises(HashKeyError, match="different characters: a placeholder, not a random key"):
        load_key(None, environ={KEY_ENV_VAR: placeholder})


@pytest.mark.parametrize("password", ["Password1234" * 3, "abcdefgh" * 4, "Tr0ub4dor&3xyz" * 2 + "Tr0ub"])
def test_a_key_that_repeats_a_shorter_part_is_refused(password: str) -> None:
    with pytest.raises(HashKeyError, match="is one short part written again and again"):
        load_key(None, environ={KEY_ENV_VAR: password})


def test_short_key_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "k"
    path.write_bytes(b"short\n")
    with pytest.raises(HashKeyError, match="^The hashing key from the key file is 5 bytes long; at least 32"):
        load_key(path, environ={})


def test_missing_key_names_both_ways_to_give_one() -> None:
    with pytest.raises(HashKeyError) as raised:
        load_key(None, environ={})
    assert str(raised.value).startswith(
        "No hashing key: pass --key-file PATH (a file holding the agencies' shared key) or set MPI_HASH_KEY. "
        "A key is never accepted as a command-line value."
    )


def test_missing_key_file_does_not_echo_the_path(tmp_path: Path) -> None:
    with pytest.raises(HashKeyError) as raised:
        load_key(tmp_path / SECRET, environ={})
    assert SECRET not in str(raised.value)
    assert "does not exist" in str(raised.value)


def test_key_is_never_shown() -> None:
    key = key_from_bytes(SECRET.encode(), origin="test")
    for text in (repr(key), str(key), f"{key}", f"{key!r}"):
        assert SECRET not in text
        assert key.fingerprint in text
    assert SECRET not in key.fingerprint and SECRET.encode().hex() not in key.fingerprint


def test_fingerprint_differs_between_keys_and_subkeys_between_purposes() -> None:
    a = key_from_bytes(KEY, origin="test")
    b = key_from_bytes(OTHER_KEY, origin="test")
    assert a.fingerprint != b.fingerprint
    assert a.subkey("token/name") != a.subkey("token/ssn") != a.subkey("bloom/bf_first_name")
    assert a.subkey("token/name") != b.subkey("token/name")


def run_hash(config: ProjectConfig, *args: str, env: dict[str, str] | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main,
        ["--config", str(config.config_path), "hash", "--source", "licensing", *args],
        env=env or {},
    )
    return result.exit_code, result.output + (result.stderr if result.stderr_bytes is not None else "")


def test_cli_refuses_a_key_given_as_an_argument(agency: ProjectConfig) -> None:
    out = str(agency.root / "x.parquet")
    code, output = run_hash(agency, "--out", out, "--key", SECRET)
    assert code == 2
    assert output.strip().splitlines()[-1] == (
        "Error: --key is refused: a key typed on the command line stays in shell history and process lists. "
        "Put it in a file and pass --key-file PATH, or set MPI_HASH_KEY."
    )
    assert SECRET not in output
    assert not (agency.root / "x.parquet").exists()


def test_cli_does_not_echo_stray_arguments(agency: ProjectConfig) -> None:
    out = str(agency.root / "x.parquet")
    code, output = run_hash(agency, "--out", out, SECRET, f"--secret={SECRET}", env={KEY_ENV_VAR: SECRET})
    assert code == 2
    assert "got 2 unexpected argument(s) (not shown, in case one is a key)" in output
    assert SECRET not in output


@pytest.mark.parametrize("option", ["--out", "--id-map", "--salt"])
def test_cli_refuses_without_echo_a_key_given_as_another_options_value(
    agency: ProjectConfig, option: str
) -> None:
    value = str(agency.root / f"{SECRET}.parquet") if option != "--salt" else SECRET
    args = ["--out", str(agency.root / "x.parquet"), "--pseudonymize-ids", option, value]
    code, output = run_hash(agency, *args, env={KEY_ENV_VAR: SECRET})
    assert code == 2
    assert "holds the hashing key (not shown)" in " ".join(output.split())
    assert SECRET not in output
    assert not (agency.root / "x.parquet").exists() and not list(agency.root.glob(f"*{SECRET}*"))


def test_cli_refuses_a_short_key_from_the_environment(agency: ProjectConfig) -> None:
    code, output = run_hash(agency, "--out", str(agency.root / "x.parquet"), env={KEY_ENV_VAR: "tooshort"})
    assert code == 2
    assert output.strip().splitlines()[-1] == (
        "Error: The hashing key from the MPI_HASH_KEY environment variable is 8 bytes long; at least 32 bytes "
        "are required. Generate one with: openssl rand -hex 32 > mpi_hash.key"
    )
    assert "tooshort" not in output


def test_cli_hashes_with_the_environment_key_and_never_prints_it(agency: ProjectConfig) -> None:
    out = agency.root / "licensing.hashed.parquet"
    code, output = run_hash(agency, "--out", str(out), env={KEY_ENV_VAR: SECRET})
    assert code == 0, output
    assert out.is_file()
    key = key_from_bytes(SECRET.encode(), origin="test")
    assert key.fingerprint in output
    for form in (SECRET, SECRET.encode().hex(), base64.b64encode(SECRET.encode()).decode()):
        assert form not in output
    # Hashing happens at the agency on an in-memory database: no store is created.
    assert not agency.store_path.exists()


def test_cli_hashes_with_a_key_file(agency: ProjectConfig, tmp_path: Path) -> None:
    key_file = tmp_path / "mpi_hash.key"
    key_file.write_text(SECRET + "\n", encoding="utf-8")
    out = agency.root / "licensing.hashed.parquet"
    key_file.chmod(0o644)
    code, output = run_hash(agency, "--out", str(out), "--key-file", str(key_file))
    assert code == 0, output
    assert key_from_bytes(SECRET.encode(), origin="test").fingerprint in output
    assert "The key file can be read by other users of this machine (mode 644)" in " ".join(output.split())
    key_file.chmod(0o600)
    code, output = run_hash(agency, "--out", str(out), "--key-file", str(key_file))
    assert code == 0 and "other users" not in output


def test_cli_says_which_key_hashed_when_both_ways_are_given(agency: ProjectConfig) -> None:
    key_file = agency.root / "mpi_hash.key"
    key_file.write_text(SECRET, encoding="utf-8")
    out = agency.root / "licensing.hashed.parquet"
    code, output = run_hash(
        agency, "--out", str(out), "--key-file", str(key_file), env={KEY_ENV_VAR: OTHER_KEY.decode()}
    )
    assert code == 0, output
    assert "MPI_HASH_KEY is set too; the key file given with --key-file is the one used." in " ".join(
        output.split()
    )
    assert key_from_bytes(SECRET.encode(), origin="test").fingerprint in output
