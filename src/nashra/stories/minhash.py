"""Near-duplicate fingerprints: one-permutation MinHash over word 3-shingles, with LSH bands.

Why this scheme: a classic MinHash with 64 permutations costs 64 hash evaluations per shingle,
which in pure Python is several milliseconds per article. One-permutation hashing (Li, Owen and
Zhang, 2012) hashes each shingle once, sends it to one of ``BINS`` bins by its low bits and keeps
the minimum per bin; empty bins are filled from their right neighbour ("rotation densification",
Shrivastava and Li, 2014). The fraction of equal bins of two signatures estimates the Jaccard
similarity of their shingle sets, and banding (``BANDS`` bands of ``ROWS`` bins) finds the pairs
above about 0.5 without comparing every pair.

Stability: the signature is stored, so it must not change between runs. Terms are mapped to
64-bit ids with BLAKE2b; shingles are combined with Python's tuple hash over those ids, which is
deterministic for integers (unlike strings, it is not salted per process). ``SIGNATURE_VERSION``
names the scheme; ``nashra stories rebuild`` recomputes every stored signature after a change.
"""

from __future__ import annotations

import hashlib
from array import array

import numpy as np

from nashra.memo import Memo

SIGNATURE_VERSION = 1
BINS = 64
BANDS = 16
ROWS = BINS // BANDS
SHINGLE = 3
MAX_TERMS = 1500  # a very long article is fingerprinted by its first 1,500 terms
_EMPTY = 0xFFFFFFFF
_MASK64 = (1 << 64) - 1
_TERM_MEMO_SIZE = 400_000


def _term_id(term: str) -> int:
    return int.from_bytes(hashlib.blake2b(term.encode(), digest_size=8).digest(), "little")


_term_ids: Memo[str, int] = Memo(_term_id, _TERM_MEMO_SIZE)


def term_id(term: str) -> int:
    """A stable 64-bit id of an analysed term (memoised: news vocabulary repeats)."""
    return _term_ids[term]


# CPython's hash of a tuple of integers (xxHash-style, ``Objects/tupleobject.c``, unchanged
# since Python 3.8), computed for every shingle at once: an integer's hash is its value modulo
# the Mersenne prime 2**61 - 1, and the lanes are mixed in unsigned 64-bit arithmetic.
_INT_MODULUS = np.uint64((1 << 61) - 1)
_XXPRIME_1 = np.uint64(11400714785074694791)
_XXPRIME_2 = np.uint64(14029467366897019727)
_XXPRIME_5 = 2870177450012600261
_LENGTH_MIX = np.uint64(SHINGLE ^ (_XXPRIME_5 ^ 3527539))
_ALL_ONES = np.uint64(_MASK64)  # a tuple hash of -1 is reported as 1546275796


def _shingle_hashes(ids: np.ndarray) -> np.ndarray:
    """``hash((ids[i], ids[i + 1], ids[i + 2])) & _MASK64`` for every shingle, as uint64."""
    lanes = ids % _INT_MODULUS
    count = len(ids) - SHINGLE + 1
    acc = np.full(count, _XXPRIME_5, dtype=np.uint64)
    for k in range(SHINGLE):
        acc += lanes[k : k + count] * _XXPRIME_2
        acc = (acc << np.uint64(31)) | (acc >> np.uint64(33))
        acc *= _XXPRIME_1
    acc += _LENGTH_MIX
    acc[acc == _ALL_ONES] = 1546275796
    return acc


def signature(terms: list[str]) -> bytes:
    """The ``BINS`` x 32-bit signature of the terms' 3-shingles; b"" when there are fewer than
    ``SHINGLE`` terms (too short to call anything a copy of it)."""
    terms = terms[:MAX_TERMS]
    if len(terms) < SHINGLE:
        return b""
    ids = np.fromiter(map(_term_ids.__getitem__, terms), dtype=np.uint64, count=len(terms))
    hashes = _shingle_hashes(ids)
    mins = np.full(BINS, _EMPTY, dtype=np.uint64)
    np.minimum.at(mins, hashes & np.uint64(BINS - 1), hashes >> np.uint64(32))
    if (mins == _EMPTY).any():
        filled = mins.tolist()
        _densify(filled)
        return array("I", filled).tobytes()
    return mins.astype(np.uint32).tobytes()


def _densify(mins: list[int]) -> None:
    """Fill each empty bin from the next non-empty one to its right, offset by the distance so
    that two signatures agree on a filled bin only when they agree on its donor."""
    filled = {i for i, v in enumerate(mins) if v != _EMPTY}
    if not filled:
        return
    for i in range(BINS):
        if mins[i] != _EMPTY:
            continue
        for step in range(1, BINS):
            j = (i + step) % BINS
            if j in filled:
                mins[i] = (mins[j] + step * 0x9E3779B1) & 0xFFFFFFFE  # never _EMPTY
                break


def values(sig: bytes) -> array:
    out = array("I")
    out.frombytes(sig)
    return out


def similarity(a: bytes, b: bytes) -> float:
    """Estimated Jaccard similarity of the two shingle sets (0.0 when either is empty)."""
    if not a or not b or len(a) != len(b):
        return 0.0
    va, vb = values(a), values(b)
    return sum(1 for x, y in zip(va, vb, strict=True) if x == y) / len(va)


def band_keys(sig: bytes) -> list[int]:
    """One key per band; two signatures sharing a key are near-duplicate candidates."""
    if not sig:
        return []
    v = values(sig)
    return [hash((band, *v[band * ROWS : (band + 1) * ROWS])) for band in range(BANDS)]
