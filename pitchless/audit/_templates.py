"""Finding templated openers: exact normalised keys first, then MinHash near-duplicates.

Only the few messages per person that the audit scores are compared, and near-duplicate
search runs over *distinct* normalised texts, so a 100,000-message export costs well under a
second: a campaign sent to many people collapses to one key before any hashing.
"""

from __future__ import annotations

import re
import zlib
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

_URL = re.compile(r"https?://\S+|www\.\S+", re.IGNORECASE)
_NON_WORD = re.compile(r"[^\w%]+")
_DIGITS = re.compile(r"\d+")

_PERMUTATIONS = 64
_BANDS = 16
_ROWS = _PERMUTATIONS // _BANDS
_MERSENNE_ISH = np.uint64(4294967311)  # the first prime above 2**32
_rng = np.random.default_rng(20240501)
# 32-bit coefficients keep a*h + b (h is a 32-bit CRC) inside uint64 without overflow.
_A = _rng.integers(1, 2**32 - 1, size=_PERMUTATIONS, dtype=np.uint64)[:, None]
_B = _rng.integers(0, 2**31, size=_PERMUTATIONS, dtype=np.uint64)[:, None]


def template_key(text: str, sender_name: str = "", max_chars: int = 600) -> str:
    """A text reduced to what a template keeps: lower case, no names, digits, links or punctuation.

    The sender's own name is removed so that "I'm Drew from CRMio" and "I'm Jesse from CRMio"
    meet on one key.
    """
    t = text[: max_chars * 2].lower()
    t = _URL.sub(" link ", t)
    for part in sender_name.lower().split():
        if len(part) > 1:
            t = t.replace(part, " ")
    t = _DIGITS.sub("0", t)
    t = _NON_WORD.sub(" ", t)
    return " ".join(t.split())[:max_chars]


def _shingles(key: str) -> npt.NDArray[np.uint64]:
    words = key.split()
    if len(words) >= 3:
        grams = {" ".join(words[i : i + 3]) for i in range(len(words) - 2)}
    else:
        grams = {key[i : i + 5] for i in range(max(1, len(key) - 4))}
    return np.fromiter((zlib.crc32(g.encode()) for g in grams), dtype=np.uint64, count=len(grams))


def _signature(key: str) -> npt.NDArray[np.uint64]:
    h = _shingles(key)
    vals = (_A * h[None, :] + _B) % _MERSENNE_ISH
    sig: npt.NDArray[np.uint64] = vals.min(axis=1)
    return sig


class _UnionFind:
    def __init__(self, n: int) -> None:
        self.parent = list(range(n))

    def find(self, i: int) -> int:
        while self.parent[i] != i:
            self.parent[i] = self.parent[self.parent[i]]
            i = self.parent[i]
        return i

    def union(self, i: int, j: int) -> None:
        ri, rj = self.find(i), self.find(j)
        if ri != rj:
            self.parent[max(ri, rj)] = min(ri, rj)


def cluster_keys(
    keys: Sequence[str], *, min_words: int = 6, similarity: float = 0.7
) -> list[int | None]:
    """A cluster id for each key (``None`` for keys too short to be a template).

    Identical keys share a cluster; distinct keys join when their estimated Jaccard
    similarity of word 3-shingles (MinHash, 64 permutations, LSH in 16 bands) reaches
    ``similarity``.
    """
    distinct: dict[str, int] = {}
    for k in keys:
        if k not in distinct and len(k.split()) >= min_words:
            distinct[k] = len(distinct)
    uniq = list(distinct)
    uf = _UnionFind(len(uniq))
    if len(uniq) > 1:
        sigs = np.stack([_signature(k) for k in uniq])
        buckets: dict[tuple[int, bytes], list[int]] = defaultdict(list)
        for i in range(len(uniq)):
            row = sigs[i]
            for band in range(_BANDS):
                buckets[(band, row[band * _ROWS : (band + 1) * _ROWS].tobytes())].append(i)
        checked: set[tuple[int, int]] = set()
        for members in buckets.values():
            if len(members) < 2:
                continue
            first = members[0]
            for other in members[1:]:
                pair = (first, other)
                if pair in checked:
                    continue
                checked.add(pair)
                if float(np.mean(sigs[first] == sigs[other])) >= similarity:
                    uf.union(first, other)
    return [uf.find(distinct[k]) if k in distinct else None for k in keys]
