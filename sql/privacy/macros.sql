-- HMAC-SHA256 (RFC 2104) in SQL, so tokens are computed by DuckDB's vectorized, parallel sha256.
-- ipad / opad are the key XOR 0x36 / 0x5c blocks (mpi.privacy.keys.hmac_pads), passed as
-- parameters or read from a temporary table; they never appear in SQL text.
CREATE OR REPLACE TEMP MACRO mpi_hmac_hex(ipad, opad, msg) AS
    sha256(opad || unhex(sha256(ipad || encode(msg))));

-- The first 64 bits of the HMAC, as an unsigned integer: the token stored for a value.
CREATE OR REPLACE TEMP MACRO mpi_hmac64(ipad, opad, msg) AS
    ('0x' || left(mpi_hmac_hex(ipad, opad, msg), 16))::UBIGINT;

-- Every way to blank two adjacent characters of s, each tagged with its position: two strings of
-- equal length that differ only within two adjacent places (one wrong digit, two swapped digits)
-- share one of these, so equality of their tokens finds near matches without the clear value.
CREATE OR REPLACE TEMP MACRO mpi_adjacent_masks(s) AS
    CASE WHEN s IS NOT NULL AND length(s) >= 3 THEN
        list_transform(range(length(s) - 1), lambda i: i::VARCHAR || ':' || substr(s, 1, i) || substr(s, i + 3))
    END;

-- Character bigrams of a value padded with '_' at both ends (q = 2): the set a Bloom filter encodes.
CREATE OR REPLACE TEMP MACRO mpi_bigrams(s) AS
    list_distinct(list_transform(range(length('_' || s || '_') - 1), lambda i: substr('_' || s || '_', i + 1, 2)));

-- Tokens for Damerau-Levenshtein distance 1 between strings of one fixed length (dates as YYYYMMDD):
-- each position blanked (one character wrong), and each adjacent pair in sorted order (two
-- characters swapped). Two different strings share one of these exactly when one substitution or
-- one swap of neighbours turns one into the other.
CREATE OR REPLACE TEMP MACRO mpi_one_edit_variants(s) AS
    CASE WHEN s IS NOT NULL AND length(s) >= 2 THEN list_concat(
        list_transform(range(length(s)), lambda i: 's' || i::VARCHAR || ':' || substr(s, 1, i) || '?' || substr(s, i + 2)),
        list_transform(range(length(s) - 1), lambda i: 't' || i::VARCHAR || ':' || substr(s, 1, i)
            || least(substr(s, i + 1, 1), substr(s, i + 2, 1)) || greatest(substr(s, i + 1, 1), substr(s, i + 2, 1))
            || substr(s, i + 3))
    ) END;
