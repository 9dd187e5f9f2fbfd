"""Bloom-filter encodings of the fuzzy fields (first name, last name, address), hardened.

Each value's set of padded character bigrams (q = 2: JOHN -> _J JO OH HN N_) is hashed into a
1,024-bit array: a bigram sets k bits chosen by keyed double hashing, positions
h1 + i*h2 (mod 1024) with h1, h2 from HMAC-SHA256 under the field's own key, then passed
through a secret permutation of the 1,024 positions derived from the key. The array is then
XOR-folded in half (bit i of the stored 512 = bit i XOR bit i + 512). Two values with many
bigrams in common have filters with many 1-bits in common: the hub compares them with the
Dice coefficient 2|A & B| / (|A| + |B|) in SQL, never seeing a bigram.

Parameters (``BloomParameters``), and why:

- q = 2 with padding: the standard for names (Schnell, Bachteler and Reiher 2009); a typo
  changes at most two bigrams, and padding weighs the first and last letters.
- 1,024 bits before folding, k = 20 for names (about 7 bigrams -> some 140 bits, 13% full)
  and k = 10 for addresses (about 20 bigrams -> some 200 bits, 18% full): few collisions, so
  the filters' Dice stays close to the bigram sets' Dice (measured: see tests/privacy), while
  each bigram still sets enough bits to survive folding.
- Keyed hashing with a key per field: nobody without the key can compute a filter for a
  guessed name (dictionary attack), and filters of different fields share no positions.
- Secret permutation: plain double hashing puts a bigram's bits on an arithmetic progression,
  which lets an attacker group bits by bigram without knowing the key (Kroll and Steinmetzer
  2015); after a keyed permutation the positions carry no such structure.
- XOR-folding (Schnell, Borgs and Encarnacao 2016): each stored bit mixes two positions, so
  a stored bit pattern no longer identifies a bigram; pattern-mining frequency attacks
  (Christen et al. 2018) need far more data, for a small loss of Dice precision.
- Optional salt (``salt = "birth_year"``): the year of birth joins every bigram before hashing,
  so the same name gets unrelated filters in different birth cohorts and frequency analysis
  must work cohort by cohort. Records without a full date of birth share the unsalted
  cohort, and a true match whose years differ loses its fuzzy name evidence (exact tokens
  still agree); see README "Privacy-preserving linkage" for the measured cost.

Balanced filters (a filter and its complement, permuted) were not used: they double the size
and turn Dice into one minus the Hamming distance, squeezing every pair into a narrow band.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import duckdb
import numpy as np
import polars as pl

from mpi.privacy.keys import HashKey, hmac_sha256
from mpi.sqlutil import quote_identifier, quote_literal, run_sql_file

BLOOM_FIELDS: tuple[str, ...] = ("bf_first_name", "bf_last_name", "bf_address")
SALTS: tuple[str, ...] = ("none", "birth_year")
BLOOM_INPUTS_TABLE = "mpi__bloom_inputs"
BLOOMS_TABLE = "mpi__blooms"
_WORD_BITS = 64


@dataclass(frozen=True, kw_only=True)
class BloomParameters:
    """How the fuzzy fields are encoded; recorded in every hashed file and compared at the hub."""

    q: int = 2
    length: int = 1024
    xor_fold: bool = True
    hashes: dict[str, int] = field(
        default_factory=lambda: {"bf_first_name": 20, "bf_last_name": 20, "bf_address": 10}
    )
    salt: str = "birth_year"

    def __post_init__(self) -> None:
        if self.length % (2 * _WORD_BITS) or self.length <= 0:
            raise ValueError("Bloom filter length must be a positive multiple of 128 bits.")
        if self.salt not in SALTS:
            raise ValueError(f"salt must be one of {', '.join(SALTS)}, not {self.salt!r}.")
        if self.q != 2:
            raise ValueError("Only bigrams (q = 2) are implemented.")

    @property
    def stored_bits(self) -> int:
        return self.length // 2 if self.xor_fold else self.length

    def to_dict(self) -> dict[str, Any]:
        return {
            "q": self.q,
            "padding": "_",
            "length": self.length,
            "stored_bits": self.stored_bits,
            "xor_fold": self.xor_fold,
            "hashes": dict(sorted(self.hashes.items())),
            "hashing": "HMAC-SHA256 double hashing, keyed permutation",
            "salt": self.salt,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> BloomParameters:
        return cls(
            q=int(data["q"]),
            length=int(data["length"]),
            xor_fold=bool(data["xor_fold"]),
            hashes={str(k): int(v) for k, v in dict(data["hashes"]).items()},
            salt=str(data["salt"]),
        )


def keyed_permutation(key: HashKey, field_name: str, length: int) -> np.ndarray:
    """A permutation of range(length) drawn from the key (Fisher-Yates on an HMAC stream).

    Written out rather than taken from numpy's generators, whose streams may change between
    versions: every agency must derive the same permutation from the same key.
    """
    subkey = key.subkey(f"bloom-permutation/{field_name}")
    order = np.arange(length, dtype=np.int64)
    for i in range(length - 1, 0, -1):
        draw = int.from_bytes(hmac_sha256(subkey, i.to_bytes(4, "big"))[:8], "big")
        j = draw % (i + 1)
        order[i], order[j] = order[j], order[i]
    return order


def bigram_positions(key: HashKey, field_name: str, salt: str, gram: str, k: int, length: int) -> list[int]:
    """The k positions (before permutation) a salted bigram sets: double hashing h1 + i*h2 mod length."""
    digest = hmac_sha256(key.subkey(f"bloom/{field_name}"), f"{salt}\x1f{gram}".encode())
    h1 = int.from_bytes(digest[:8], "big") % length
    # An odd step visits k distinct positions of a power-of-two array.
    h2 = (int.from_bytes(digest[8:16], "big") % length) | 1
    return [(h1 + i * h2) % length for i in range(k)]


def bigram_masks(key: HashKey, params: BloomParameters, grams: list[tuple[str, str, str]]) -> np.ndarray:
    """(field, salt, bigram) rows -> their bit masks, as length/64 uint64 words (bit 0 = MSB of word 0)."""
    words = params.length // _WORD_BITS
    masks = np.zeros((len(grams), words), dtype=np.uint64)
    for field_name in sorted({g[0] for g in grams}):
        rows = [i for i, g in enumerate(grams) if g[0] == field_name]
        k = params.hashes[field_name]
        permutation = keyed_permutation(key, field_name, params.length)
        raw = np.array(
            [bigram_positions(key, field_name, grams[i][1], grams[i][2], k, params.length) for i in rows],
            dtype=np.int64,
        ).reshape(len(rows), k)
        bits = np.zeros((len(rows), params.length), dtype=bool)
        bits[np.arange(len(rows))[:, None], permutation[raw]] = True
        # packbits puts position 0 in the top bit of byte 0; big-endian words keep that order.
        packed = np.packbits(bits, axis=1).view(">u8").astype(np.uint64)
        masks[rows] = packed.reshape(len(rows), words)
    return masks


def compute_blooms(con: duckdb.DuckDBPyConnection, key: HashKey, params: BloomParameters) -> None:
    """mpi__enriched -> mpi__blooms (mpi__row, bf_first_name, bf_last_name, bf_address as BLOBs).

    Each distinct (field, salt, value) is encoded once: its bigrams' masks are OR-ed in SQL.
    """
    run_sql_file(con, "privacy/bloom_inputs", {"salt": params.salt})
    fields = ", ".join(quote_identifier(f) for f in BLOOM_FIELDS)
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_long AS "
        f"SELECT mpi__row, salt, field, value FROM (UNPIVOT (SELECT mpi__row, salt, {fields} FROM {BLOOM_INPUTS_TABLE}) "
        f"ON {fields} INTO NAME field VALUE value)"
    )
    # Each distinct (field, salt, value) is numbered: grouping by a number is twice as fast as by text.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_distinct AS SELECT row_number() OVER () AS vid, field, salt, value "
        "FROM (SELECT DISTINCT field, salt, value FROM mpi__bloom_long)"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_grams AS "
        "SELECT vid, field, salt, unnest(mpi_bigrams(value)) AS gram FROM mpi__bloom_distinct"
    )
    grams = [
        (str(f), str(s), str(g))
        for f, s, g in con.execute(
            "SELECT DISTINCT field, salt, gram FROM mpi__bloom_grams ORDER BY ALL"
        ).fetchall()
    ]
    masks = bigram_masks(key, params, grams)
    words = params.length // _WORD_BITS
    frame = pl.DataFrame(
        {
            "field": [g[0] for g in grams],
            "salt": [g[1] for g in grams],
            "gram": [g[2] for g in grams],
            **{f"w{i}": pl.Series(masks[:, i], dtype=pl.UInt64) for i in range(words)},
        }
    )
    con.register("mpi__bloom_masks_frame", frame)
    con.execute("CREATE OR REPLACE TEMP TABLE mpi__bloom_masks AS SELECT * FROM mpi__bloom_masks_frame")
    con.unregister("mpi__bloom_masks_frame")
    stored_words = params.stored_bits // _WORD_BITS
    if params.xor_fold:
        folded = [f"xor(bit_or(m.w{i}), bit_or(m.w{i + stored_words})) AS f{i}" for i in range(stored_words)]
    else:
        folded = [f"bit_or(m.w{i}) AS f{i}" for i in range(stored_words)]
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_words AS "
        f"SELECT g.vid, {', '.join(folded)} FROM mpi__bloom_grams AS g "
        "JOIN mpi__bloom_masks AS m USING (field, salt, gram) GROUP BY g.vid"
    )
    hex_format = quote_literal("{:016x}" * stored_words)
    word_list = ", ".join(f"w.f{i}" for i in range(stored_words))
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_values AS "
        f"SELECT d.field, d.salt, d.value, unhex(format({hex_format}, {word_list})) AS bloom "
        "FROM mpi__bloom_words AS w JOIN mpi__bloom_distinct AS d USING (vid)"
    )
    pivots = ", ".join(
        f"max(lv.bloom) FILTER (WHERE lv.field = {quote_literal(f)}) AS {quote_identifier(f)}"
        for f in BLOOM_FIELDS
    )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BLOOMS_TABLE} AS "
        f"SELECT i.mpi__row, {pivots} FROM {BLOOM_INPUTS_TABLE} AS i "
        "LEFT JOIN (SELECT l.mpi__row, l.field, v.bloom FROM mpi__bloom_long AS l JOIN mpi__bloom_values AS v "
        "ON v.field = l.field AND v.salt = l.salt AND v.value = l.value) AS lv ON lv.mpi__row = i.mpi__row "
        "GROUP BY i.mpi__row"
    )
    for table in (
        "mpi__bloom_long",
        "mpi__bloom_distinct",
        "mpi__bloom_grams",
        "mpi__bloom_masks",
        "mpi__bloom_words",
        "mpi__bloom_values",
        BLOOM_INPUTS_TABLE,
    ):
        con.execute(f"DROP TABLE IF EXISTS {table}")


def python_bloom(key: HashKey, params: BloomParameters, field_name: str, value: str, salt: str = "") -> bytes:
    """The stored filter of one value, computed in Python: the reference the SQL path is tested against."""
    padded = f"_{value}_"
    grams = sorted({padded[i : i + 2] for i in range(len(padded) - 1)})
    masks = bigram_masks(key, params, [(field_name, salt, g) for g in grams])
    combined = np.bitwise_or.reduce(masks, axis=0)
    half = params.stored_bits // _WORD_BITS
    if params.xor_fold:
        combined = combined[:half] ^ combined[half:]
    return b"".join(int(w).to_bytes(8, "big") for w in combined)


def dice(a: bytes, b: bytes) -> float:
    """Dice coefficient of two filters: 2 |A & B| / (|A| + |B|)."""
    ones_a = sum(bin(x).count("1") for x in a)
    ones_b = sum(bin(x).count("1") for x in b)
    both = sum(bin(x & y).count("1") for x, y in zip(a, b, strict=True))
    return 2 * both / (ones_a + ones_b) if ones_a + ones_b else 0.0
