"""Near-duplicate articles across portals: the same notice reposted by several portals.

A central-government notice, a decree summary or a provincial press release is often posted by
several portals with small edits: another header line, a trailing credit ("Theo ..."), a few
words changed. Each portal keeps its own item (its own guid and feed entry); the store clusters
the copies so each can link the others ("also published by", :meth:`Store.also_published`).

How: MinHash with a bottom-k sketch (Broder 1997; Cohen & Kaplan 2007), bucketed like LSH.

- The text is NFC-normalized and lower-cased, split into words (``\\w+``) and cut into word
  3-shingles ("a b c", "b c d", ...); each distinct shingle hashes to 64 bits.
- The shingle hash is built from word hashes, not from the shingle's bytes: each word hashes
  once (BLAKE2b, kept in a bounded cache by whitespace token: a portal's vocabulary is a few
  thousand syllables, so a text's words are nearly all cache hits, looked up in C)
  and a shingle ``(a, b, c)`` is ``a * K1 + b * K2 + c`` modulo 2**64, computed for all
  shingles of a text at once in numpy. With random 64-bit word hashes and odd constants each
  shingle's value is uniform and two different shingles collide with probability 2**-64, which
  is what the bottom-k estimate needs. One BLAKE2b per shingle (the first version) cost 1.4-2 ms
  per article on the Đà Nẵng corpus; this costs about 0.1 ms (``make bench`` prints it).
- An article's sketch is its :data:`SKETCH_SIZE` smallest shingle hashes. The resemblance
  (Jaccard index of the shingle sets) of two articles is estimated from their sketches alone:
  among the ``SKETCH_SIZE`` smallest hashes of the union, the share present in both.
- Two articles are near duplicates when that estimate is at least :data:`THRESHOLD`.
- Finding them is linear in the number of articles, never all pairs: the :data:`ANCHORS`
  smallest hashes of a sketch are bucket keys, and only articles sharing a bucket are
  compared, and only when they share at least :data:`MIN_SHARED_ANCHORS` buckets (two texts
  with resemblance J >= 0.5 share about half their anchors). A full bucket
  (:data:`BUCKET_LIMIT`) is a boilerplate shingle ("ủy ban nhân dân") and takes no more
  articles.
  The store keeps anchors in an indexed table, so adding an article costs a few indexed
  look-ups whatever the store's size.

Why not SimHash: tried first (64 bits, word 3-shingles). On the Đà Nẵng corpus an edited repost
(new header line, credit, five words changed) landed 0-21 bits from its original while the
closest unrelated pairs were 6-12 bits apart, so no Hamming threshold separated them; the
resemblance estimate does (tests/store/test_dedupe.py measures it).

Texts shorter than :data:`MIN_SHINGLES` shingles are not sketched: a two-line notice ("Lịch
tiếp công dân tuần ...") differs from the next one by a date, which is the whole news.
"""

from __future__ import annotations

import hashlib
import re
import struct
import unicodedata
from collections.abc import Hashable, Mapping, Sequence
from typing import TypeVar

import numpy as np

SHINGLE = 3
SKETCH_VERSION = "w3-mix64"
"""Names the shingle hash: sketches made by another version cannot be compared with these, so
the store re-sketches its articles when the version it holds differs."""
SKETCH_SIZE = 64
ANCHORS = 16
THRESHOLD = 0.5
"""Estimated resemblance from which two articles are near duplicates."""
MIN_SHINGLES = 20
"""Fewer distinct word 3-shingles than this (about 22 words): too short, never clustered."""
BUCKET_LIMIT = 20
"""A bucket this full is a boilerplate shingle of some portal ("thành phố đà nẵng"): no more
articles join it (they have other anchors)."""
MIN_SHARED_ANCHORS = 2
"""Only articles sharing this many anchors are compared: one shared shingle is chance."""

_WORD_RE = re.compile(r"\w+")
_BITS = 64
# Odd 64-bit constants (the golden-ratio and MurmurHash3 finalizer multipliers): multiplying by
# an odd number is a bijection modulo 2**64, so a uniform word hash stays uniform.
_K1 = np.uint64(0x9E3779B97F4A7C15)
_K2 = np.uint64(0xC2B2AE3D27D4EB4F)
_WORD_CACHE_LIMIT = 1 << 18
"""Tokens kept; the cache is emptied when full (numbers and names make it grow slowly)."""

Sketch = tuple[int, ...]
K = TypeVar("K", bound=Hashable)


def shingles(text: str, size: int = SHINGLE) -> list[str]:
    """Word ``size``-shingles of the NFC-normalized, lower-cased text."""
    words = _WORD_RE.findall(unicodedata.normalize("NFC", text).lower())
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode("utf-8"), digest_size=8).digest())


class _TokenHashes(dict[str, bytes]):
    """A whitespace-separated token ("nẵng,") -> the hashes of its words (``\\w+``) as packed
    uint64s, computed on the first look-up (``__missing__``). A word never spans whitespace,
    so a text's words are those of its tokens in order: ``str.split``, this cache and
    ``bytes.join``, all in C for known tokens, replace a regular expression over the text
    and a Python loop over its words."""

    def __missing__(self, token: str) -> bytes:
        if len(self) >= _WORD_CACHE_LIMIT:
            self.clear()
        words = _WORD_RE.findall(token)
        value = np.array([_word_hash(w) for w in words], dtype=np.uint64).tobytes()
        self[token] = value
        return value


_token_hashes = _TokenHashes()


def shingle_hashes(text: str) -> np.ndarray[tuple[int], np.dtype[np.uint64]]:
    """The distinct 64-bit hashes of the text's word 3-shingles, ascending."""
    tokens = unicodedata.normalize("NFC", text).lower().split()
    hashes = np.frombuffer(b"".join(map(_token_hashes.__getitem__, tokens)), dtype=np.uint64)
    if len(hashes) < SHINGLE:
        return np.empty(0, dtype=np.uint64)
    # uint64 arithmetic wraps modulo 2**64, which is the intent
    mixed = hashes[:-2] * _K1 + hashes[1:-1] * _K2 + hashes[2:]
    # sorted, then each value once: for a few thousand values a sort and a mask is several
    # times faster than np.unique (which hashes first)
    mixed.sort()
    keep = np.empty(len(mixed), dtype=bool)
    keep[0] = True
    np.not_equal(mixed[1:], mixed[:-1], out=keep[1:])
    return mixed[keep]


def sketch(text: str) -> Sketch | None:
    """The bottom-k MinHash sketch of ``text`` (ascending); None when the text is too short."""
    hashes = shingle_hashes(text)
    if len(hashes) < MIN_SHINGLES:
        return None
    return tuple(hashes[:SKETCH_SIZE].tolist())


def anchors(sketch: Sketch) -> Sketch:
    """The bucket keys of a sketch: its smallest hashes."""
    return sketch[:ANCHORS]


def resemblance(a: Sketch, b: Sketch) -> float:
    """Estimated Jaccard index of the two texts' shingle sets."""
    in_a, in_b = set(a), set(b)
    union = sorted(in_a | in_b)[:SKETCH_SIZE]  # at most 2 x SKETCH_SIZE: a sort beats a heap
    both = in_a & in_b
    return sum(1 for h in union if h in both) / len(union)


def is_near_duplicate(a: Sketch, b: Sketch) -> bool:
    return resemblance(a, b) >= THRESHOLD


def pack(sketch: Sketch) -> bytes:
    """The sketch as bytes (8 per hash, big-endian), for a BLOB column."""
    return struct.pack(f">{len(sketch)}Q", *sketch)


def unpack(data: bytes) -> Sketch:
    return struct.unpack(f">{len(data) // 8}Q", data)


def to_signed(value: int) -> int:
    """A 64-bit hash as a signed integer, the range an SQLite INTEGER holds."""
    return value - (1 << _BITS) if value >= 1 << (_BITS - 1) else value


def clusters(sketches: Mapping[K, Sketch | None]) -> dict[K, K]:
    """Cluster id (a member key) for every key, in one pass over anchor buckets.

    The batch form of what the store does incrementally; keys without a sketch are their own
    cluster. Linear in the number of keys (plus the pairs inside shared, bounded buckets).
    """
    parent: dict[K, K] = {key: key for key in sketches}

    def find(key: K) -> K:
        while parent[key] != key:
            parent[key] = parent[parent[key]]
            key = parent[key]
        return key

    buckets: dict[int, list[K]] = {}
    for key, own in sketches.items():
        if own is None:
            continue
        shared: dict[K, int] = {}
        for anchor in anchors(own):
            bucket = buckets.setdefault(anchor, [])
            if len(bucket) >= BUCKET_LIMIT:
                continue
            for other in bucket:
                shared[other] = shared.get(other, 0) + 1
            bucket.append(key)
        for other in candidates(shared):
            other_sketch = sketches[other]
            if other_sketch is not None and is_near_duplicate(own, other_sketch):
                parent[find(key)] = find(other)
    return {key: find(key) for key in sketches}


def candidates(shared_anchors: Mapping[K, int]) -> list[K]:
    """The keys worth comparing: those sharing at least :data:`MIN_SHARED_ANCHORS` anchors."""
    return [key for key, count in shared_anchors.items() if count >= MIN_SHARED_ANCHORS]


def pairs(cluster_of: Mapping[K, K]) -> set[frozenset[K]]:
    """Every unordered pair of keys sharing a cluster (to measure precision and recall)."""
    members: dict[K, list[K]] = {}
    for key, cluster in cluster_of.items():
        members.setdefault(cluster, []).append(key)
    return {frozenset(pair) for group in members.values() for pair in _pairs_of(group)}


def _pairs_of(group: Sequence[K]) -> list[tuple[K, K]]:
    return [(a, b) for i, a in enumerate(group) for b in group[i + 1 :]]


__all__ = [
    "ANCHORS",
    "MIN_SHINGLES",
    "SKETCH_SIZE",
    "SKETCH_VERSION",
    "THRESHOLD",
    "anchors",
    "candidates",
    "clusters",
    "is_near_duplicate",
    "pack",
    "pairs",
    "resemblance",
    "shingle_hashes",
    "shingles",
    "sketch",
    "to_signed",
    "unpack",
]
