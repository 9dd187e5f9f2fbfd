"""The agencies' shared hashing key: where it may come from, how long it must be, its fingerprint, its subkeys.

The key never comes from a command-line value (shell history, process lists), only from a file
or the MPI_HASH_KEY environment variable. A ``HashKey`` prints as its fingerprint, so a key that
reaches a log by accident shows nothing secret. Every use of the key goes through a subkey
derived for one purpose (HMAC of the key over a purpose label), so tokens of one field cannot
be compared with tokens or Bloom-filter positions of another.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from mpi.errors import MpiUserError

KEY_ENV_VAR = "MPI_HASH_KEY"
MIN_KEY_BYTES = 32
# Fewest different bytes a key may hold. 64 random hex digits hold all 16 but for odds below 1e-20;
# a key of few symbols (40 times "a", "abcabc...") is a placeholder, guessed as fast as it is typed.
MIN_DISTINCT_KEY_BYTES = 8
# The fingerprint is an HMAC of this fixed label: agencies and the hub compare fingerprints to
# know they hold the same key, and nothing about the key can be learnt from it.
FINGERPRINT_LABEL = b"mpi-pprl key fingerprint v1"
FINGERPRINT_HEX_CHARS = 32
SUBKEY_PREFIX = b"mpi-pprl/v1/"
GENERATE_HINT = "Generate one with: openssl rand -hex 32 > mpi_hash.key"


# Longest key checked for repetition (the check compares every shift): a longer key file is no typed password.
MAX_KEY_BYTES_CHECKED_FOR_REPEATS = 4096


def _repeats_a_shorter_part(secret: bytes) -> bool:
    """Whether the key is a part of at most half its length repeated ("Password1234Password1234...")."""
    n = len(secret)
    if n > MAX_KEY_BYTES_CHECKED_FOR_REPEATS:
        return False
    return any(secret[shift:] == secret[: n - shift] for shift in range(1, n // 2 + 1))


class HashKeyError(MpiUserError):
    """The hashing key is missing, unreadable or too short (the message never shows the key)."""


@dataclass(frozen=True)
class HashKey:
    """The shared secret. Its repr and str show the fingerprint only."""

    _secret: bytes = field(repr=False)
    origin: str = "a key"

    def __post_init__(self) -> None:
        if len(self._secret) < MIN_KEY_BYTES:
            raise HashKeyError(
                f"The hashing key from {self.origin} is {len(self._secret)} bytes long; at least "
                f"{MIN_KEY_BYTES} bytes are required. {GENERATE_HINT}"
            )
        if len(set(self._secret)) < MIN_DISTINCT_KEY_BYTES:
            raise HashKeyError(
                f"The hashing key from {self.origin} is made of {len(set(self._secret))} different characters: "
                f"a placeholder, not a random key (at least {MIN_DISTINCT_KEY_BYTES} are required). {GENERATE_HINT}"
            )

        if _repeats_a_shorter_part(self._secret):
            raise HashKeyError(
                f"The hashing key from {self.origin} is one short part written again and again: a placeholder "
                f"or a password, guessed far sooner than a random key. {GENERATE_HINT}"
            )

    def appears_in(self, text: str) -> bool:
        """Whether ``text`` (a command-line value) holds the key: such a value must never be echoed."""
        return self._secret in text.encode("utf-8", errors="replace")

    def __repr__(self) -> str:
        return f"HashKey(fingerprint={self.fingerprint})"

    __str__ = __repr__

    @property
    def fingerprint(self) -> str:
        """Hex HMAC of a fixed label: the same for every holder of the key, useless without it."""
        return hmac.digest(self._secret, FINGERPRINT_LABEL, "sha256").hex()[:FINGERPRINT_HEX_CHARS]

    def subkey(self, purpose: str) -> bytes:
        """A 32-byte key for one purpose, e.g. "token/name" or "bloom/first_name"."""
        return hmac.digest(self._secret, SUBKEY_PREFIX + purpose.encode("utf-8"), "sha256")


def key_from_bytes(secret: bytes, *, origin: str) -> HashKey:
    """The key from raw bytes; surrounding whitespace (a file's trailing newline) is not part of it."""
    return HashKey(secret.strip(), origin)


def load_key(key_file: Path | None = None, *, environ: Mapping[str, str] | None = None) -> HashKey:
    """The key from ``key_file`` if given, else from MPI_HASH_KEY; the bytes as stored, whitespace trimmed.

    A key written as hex (``openssl rand -hex 32``) is used as that text: every agency must simply
    use the same file or value. Errors never show the key, nor the key-file path (a key typed
    where the path belongs would otherwise be printed).
    """
    env = os.environ if environ is None else environ
    if key_file is not None:
        try:
            secret = Path(key_file).read_bytes()
        except FileNotFoundError:
            raise HashKeyError(
                "The key file given with --key-file does not exist (the path is not shown, in case a key "
                f"was typed there). Pass the path of the file that holds the shared key. {GENERATE_HINT}"
            ) from None
        except IsADirectoryError:
            raise HashKeyError("The path given with --key-file is a directory; pass the key file.") from None
        except OSError as exc:
            raise HashKeyError(
                f"The key file given with --key-file cannot be read ({exc.strerror or type(exc).__name__})."
            ) from None
        return key_from_bytes(secret, origin="the key file")
    value = env.get(KEY_ENV_VAR)
    if value is None or not value.strip():
        raise HashKeyError(
            f"No hashing key: pass --key-file PATH (a file holding the agencies' shared key) or set "
            f"{KEY_ENV_VAR}. A key is never accepted as a command-line value. {GENERATE_HINT}"
        )
    return key_from_bytes(value.encode("utf-8"), origin=f"the {KEY_ENV_VAR} environment variable")


def hmac_sha256(subkey: bytes, message: bytes) -> bytes:
    return hmac.digest(subkey, message, "sha256")


def hmac_pads(subkey: bytes) -> tuple[bytes, bytes]:
    """(key XOR ipad, key XOR opad), the two blocks of RFC 2104, for computing HMAC in SQL.

    HMAC(K, m) = SHA256((K' ^ opad) || SHA256((K' ^ ipad) || m)), K' the key zero-padded to 64 bytes.
    """
    if len(subkey) > 64:
        subkey = hashlib.sha256(subkey).digest()
    block = subkey.ljust(64, b"\0")
    return bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
