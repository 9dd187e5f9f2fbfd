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
  must work cohort by cohort. The year is that of the date of birth, or the one year a
  record's birth-year range holds (a birth year alone, a mistyped date's year); records
  with neither (no date, or an age) share the unsalted cohort, and a true match whose
  years differ loses its fuzzy name evidence (exact tokens still agree); see README
  "Privacy-preserving linkage" for the measured cost.

Balanced filters (a filter and its complement, permuted) were not used: they double the size
and turn Dice into one minus the Hamming distance, squeezing every pair into a narrow band.
"""

from __future__ import annotations

import hmac
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from mpi.privacy.keys import HashKey, hmac_sha256
from mpi.sqlutil import quote_identifier, quote_literal, run_sql_file

BLOOM_FIELDS: tuple[str, ...] = ("bf_first_name", "bf_last_name", "bf_address")
SALTS: tuple[str, ...] = ("none", "birth_year")
BLOOM_INPUTS_TABLE = "mpi__bloom_inputs"
BLOOMS_TABLE = "mpi__blooms"
_WORD_BITS = 64
# Values whose filters numpy ORs at once: bounds the gathered masks to about 100 MB.
_VALUES_PER_SLICE = 50_000


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
    return _positions(key.subkey(f"bloom/{field_name}"), salt, gram, k, length)


def _positions(subkey: bytes, salt: str, gram: str, k: int, length: int) -> list[int]:
    digest = hmac_sha256(subkey, f"{salt}\x1f{gram}".encode())
    h1 = int.from_bytes(digest[:8], "big") % length
    # An odd step visits k distinct positions of a power-of-two array.
    h2 = (int.from_bytes(digest[8:16], "big") % length) | 1
    return [(h1 + i * h2) % length for i in range(k)]


def _positions_of(subkey: bytes, salted: list[tuple[str, ...]], k: int, length: int) -> np.ndarray:
    """``_positions`` of many (salt, bigram) pairs at once: one HMAC each, the arithmetic in numpy."""
    inner = hmac.new(subkey, digestmod="sha256")

    def digest(salt: str, gram: str) -> bytes:
        h = inner.copy()  # the key's pad is hashed once, not once per bigram
        h.update(f"{salt}\x1f{gram}".encode())
        return h.digest()[:16]

    halves = np.frombuffer(b"".join(digest(salt, gram) for salt, gram in salted), dtype=">u8")
    halves = halves.astype(np.uint64).reshape(len(salted), 2)
    h1 = halves[:, 0] % np.uint64(length)
    h2 = (halves[:, 1] % np.uint64(length)) | np.uint64(1)
    steps = np.arange(k, dtype=np.uint64)
    return ((h1[:, None] + steps[None, :] * h2[:, None]) % np.uint64(length)).astype(np.int64)


def bigram_masks(key: HashKey, params: BloomParameters, grams: list[tuple[str, str, str]]) -> np.ndarray:
    """(field, salt, bigram) rows -> their bit masks, as length/64 uint64 words (bit 0 = MSB of word 0)."""
    words = params.length // _WORD_BITS
    masks = np.zeros((len(grams), words), dtype=np.uint64)
    by_field: dict[str, list[int]] = {}
    for i, g in enumerate(grams):
        by_field.setdefault(g[0], []).append(i)
    for field_name, rows in sorted(by_field.items()):
        k = params.hashes[field_name]
        permutation = keyed_permutation(key, field_name, params.length)
        raw = _positions_of(key.subkey(f"bloom/{field_name}"), [grams[i][1:] for i in rows], k, params.length)
        bits = np.zeros((len(rows), params.length), dtype=bool)
        bits[np.arange(len(rows))[:, None], permutation[raw]] = True
        # packbits puts position 0 in the top bit of byte 0; big-endian words keep that order.
        packed = np.packbits(bits, axis=1).view(">u8").astype(np.uint64)
        masks[rows] = packed.reshape(len(rows), words)
    return masks


def _fold(words: np.ndarray, params: BloomParameters) -> np.ndarray:
    """OR-ed masks (rows of length/64 words) -> the stored words: XOR-folded in half, or as they are."""
    if not params.xor_fold:
        return words
    half = params.stored_bits // _WORD_BITS
    folded: np.ndarray = np.bitwise_xor(words[:, :half], words[:, half:])
    return folded


def _filters_of_values(
    gram_masks: np.ndarray, value_ids: np.ndarray, gram_ids: np.ndarray, values: int, params: BloomParameters
) -> pa.Array:
    """Each value's filter: the OR of its bigrams' masks, folded, as ``stored_bits / 8`` bytes per value.

    ``value_ids`` (sorted, every id in range(values) present) and ``gram_ids`` list each value's
    bigrams; the ORs are one numpy reduceat per slice of values, never a loop over records.
    """
    stored_bytes = params.stored_bits // 8
    out = np.empty((values, params.stored_bits // _WORD_BITS), dtype=">u8")
    starts = (
        np.flatnonzero(np.r_[True, value_ids[1:] != value_ids[:-1]]) if len(value_ids) else np.empty(0, int)
    )
    if len(starts) != values:
        raise AssertionError("every distinct value has at least one bigram")
    for first in range(0, values, _VALUES_PER_SLICE):
        last = min(first + _VALUES_PER_SLICE, values)
        begin = starts[first]
        end = starts[last] if last < values else len(gram_ids)
        ored = np.bitwise_or.reduceat(gram_masks[gram_ids[begin:end]], starts[first:last] - begin, axis=0)
        out[first:last] = _fold(ored, params)
    buffer = pa.py_buffer(out.tobytes())
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(stored_bytes), values, [None, buffer])
    return fixed.cast(pa.binary())


def _int64s(column: pa.ChunkedArray) -> np.ndarray:
    """A BIGINT column without NULLs as a numpy array, read from its buffers (pyarrow's to_numpy imports pandas)."""
    if column.null_count:
        raise AssertionError("value and bigram ids are never NULL")
    parts = [
        np.frombuffer(chunk.buffers()[1], dtype=np.int64, count=len(chunk), offset=chunk.offset * 8)
        for chunk in column.chunks
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.int64)


def compute_blooms(con: duckdb.DuckDBPyConnection, key: HashKey, params: BloomParameters) -> None:
    """mpi__enriched -> mpi__blooms (mpi__row, bf_first_name, bf_last_name, bf_address as BLOBs).

    Each distinct (field, salt, value) is encoded once, and each distinct (field, salt, bigram)
    hashed once: DuckDB lists every value's bigrams by number, numpy ORs their masks
    (``_filters_of_values``), and one join per field puts the filters on the records.
    """
    run_sql_file(con, "privacy/bloom_inputs", {"salt": params.salt})
    distinct = " UNION ALL ".join(
        f"SELECT DISTINCT {quote_literal(f)} AS field, salt, {quote_identifier(f)} AS value "
        f"FROM {BLOOM_INPUTS_TABLE} WHERE {quote_identifier(f)} IS NOT NULL"
        for f in BLOOM_FIELDS
    )
    # Value ids run 0..n-1, so a value's id is its row in the numpy result.
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_distinct AS "
        f"SELECT (row_number() OVER () - 1)::BIGINT AS vid, field, salt, value FROM ({distinct})"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_value_grams AS "
        "SELECT vid, field, salt, unnest(mpi_bigrams(value)) AS gram FROM mpi__bloom_distinct"
    )
    con.execute(
        "CREATE OR REPLACE TEMP TABLE mpi__bloom_grams AS "
        "SELECT (row_number() OVER (ORDER BY field, salt, gram) - 1)::BIGINT AS gid, field, salt, gram "
        "FROM (SELECT DISTINCT field, salt, gram FROM mpi__bloom_value_grams)"
    )
    grams = [
        (str(f), str(s), str(g))
        for f, s, g in con.execute("SELECT field, salt, gram FROM mpi__bloom_grams ORDER BY gid").fetchall()
    ]
    gram_masks = bigram_masks(key, params, grams)
    pairs = con.sql(
        "SELECT v.vid, g.gid FROM mpi__bloom_value_grams AS v JOIN mpi__bloom_grams AS g "
        "USING (field, salt, gram) ORDER BY v.vid"
    ).to_arrow_table()
    values = int(con.execute("SELECT count(*) FROM mpi__bloom_distinct").fetchall()[0][0])
    ids = np.arange(values, dtype=np.int64)
    filters = pa.table(
        {
            "vid": pa.Array.from_buffers(pa.int64(), values, [None, pa.py_buffer(ids.tobytes())]),
            "bloom": _filters_of_values(
                gram_masks, _int64s(pairs.column("vid")), _int64s(pairs.column("gid")), values, params
            ),
        }
    )
    # Through a private temporary Parquet file: con.register (like fetchnumpy, to_numpy and
    # pa.array) imports pandas, about a second of every agency run. The file holds filters only.
    with tempfile.TemporaryDirectory(prefix="mpi-bloom-") as directory:
        path = Path(directory) / "filters.parquet"
        pq.write_table(filters, path, compression="none")
        con.execute(
            "CREATE OR REPLACE TEMP TABLE mpi__bloom_values AS "
            "SELECT d.field, d.salt, d.value, f.bloom FROM mpi__bloom_distinct AS d "
            "JOIN read_parquet($path) AS f USING (vid)",
            {"path": str(path)},
        )
    picks, joins = [], []
    for index, name in enumerate(BLOOM_FIELDS):
        picks.append(f"b{index}.bloom AS {quote_identifier(name)}")
        joins.append(
            f"LEFT JOIN mpi__bloom_values AS b{index} ON b{index}.field = {quote_literal(name)} "
            f"AND b{index}.salt = i.salt AND b{index}.value = i.{quote_identifier(name)}"
        )
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {BLOOMS_TABLE} AS "
        f"SELECT i.mpi__row, {', '.join(picks)} FROM {BLOOM_INPUTS_TABLE} AS i {' '.join(joins)}"
    )
    for table in (
        "mpi__bloom_distinct",
        "mpi__bloom_value_grams",
        "mpi__bloom_grams",
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
