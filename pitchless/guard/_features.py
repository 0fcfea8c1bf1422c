"""Hashed character and word n-gram features, computed for a whole batch with numpy.

The same function feeds training (as a scipy CSR matrix) and inference (as a weighted sum),
so the two can never drift apart. No vocabulary is kept anywhere: a feature is only a bucket
number, derived from a 64-bit polynomial hash of the n-gram's code points.

How it is vectorised: the batch is laid out as one code-point array, each document as
``" " + text + " "`` followed by a NUL separator. With ``G[i] = sum_{j<i} c[j] * Q**j`` (mod
2**64, ``Q`` the inverse of an odd ``P``), the hash of any span ``[a, b)`` is
``(G[b] - G[a]) * P**a``, i.e. ``sum c[a+k] * Q**k``: one subtraction and one multiply per
n-gram for every n, and the same formula gives whole-word hashes. n-grams that touch a
separator are masked out; word bigrams combine two word hashes. Everything wraps modulo
2**64, which numpy's unsigned arithmetic does for free.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from pitchless.guard._normalize import (
    _ASCII_DIGITS,
    _PHONE,
    _ascii_digit_count,
    _ascii_variant,
    _phone_digits_ok,
    _single_spaced,
)

__all__ = [
    "FEATURE_VERSION",
    "MAX_DOC_CHARS",
    "FeatureSpec",
    "HashedBatch",
    "cue_matrix",
    "hash_batch",
    "iter_chunks",
    "linear_scores",
    "model_text",
    "signed_table",
    "to_csr",
    "word_spans",
]

#: Bumped whenever the hashing changes; a model records the version it was trained with.
FEATURE_VERSION = 3
#: Characters of one document that are hashed (normalised text is already capped upstream).
MAX_DOC_CHARS = 20_000
#: Characters per internal chunk: bounds peak memory whatever the batch size. Small enough
#: that a chunk's 64-bit hash arrays (8 bytes a character) stay in a core's L2 cache while
#: the n-gram passes go over them again and again, large enough that numpy's per-call
#: overhead is spread over a few hundred messages. Results do not depend on it.
CHUNK_CHARS = 80_000

# Pictographs and dingbats, with their joiners and presentation selectors: a disguise sprinkles
# them between words, so the model reads the words without them.
_EMOJI = re.compile("[\U0001f000-\U0001faff\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d]+")
_EMOJI_HINT = re.compile("[\u2600-\u2bff\U0001f000-\U0001faff]")
# Cheap tests first: a digit touching a letter (the regex engine jumps from digit to digit),
# or an "@" between letters (e-mail addresses are already "[email]").
_DIGIT_BY_LETTER = re.compile(r"\d(?:(?<=[a-z@]\d)|(?=[a-z@]))")
_DIGIT_BY_LETTER_ASCII = _ascii_variant(_DIGIT_BY_LETTER)
_AT_IN_WORD = re.compile(r"[a-z]@[a-z]")
_LEET = str.maketrans("0134578@", "oieastba")
# "$" for "s" inside a word ("$ale", "bu$iness"); amounts are already "[money]".
_DOLLAR_S = re.compile(r"(?<![^\W\d_])\$(?=[a-z])|(?<=[a-z])\$")


def _unleet(text: str, hits: list[int]) -> str:
    """Read digits and "@" as letters in the space-separated words holding ``hits``."""
    out: list[str] = []
    last = 0
    for pos in hits:
        if pos < last:
            continue  # inside a word already rewritten
        start = text.rfind(" ", 0, pos) + 1
        end = text.find(" ", pos)
        end = len(text) if end < 0 else end
        out.append(text[last:start])
        out.append(text[start:end].translate(_LEET))
        last = end
    out.append(text[last:])
    return "".join(out)


def model_text(normalized: str) -> str:
    """The normalised text as the text model reads it: emoji dropped, leftover leet undone.

    Both steps make a disguised pitch hash to the same features as its plain wording. They
    run only when a cheap search says they can change something.
    """
    text = normalized
    # ASCII text (most messages) holds no emoji and no digit but 0-9, which lets the cheap
    # substring tests below stand in for regex scans; the result is the same either way.
    is_ascii = text.isascii()
    if not is_ascii and _EMOJI_HINT.search(text) is not None:
        text = _single_spaced(_EMOJI.sub(" ", text))
    if "$" in text:
        text = _DOLLAR_S.sub("s", text)
    if is_ascii and not any(map(text.__contains__, _ASCII_DIGITS)):
        hits = []
    else:
        by_letter = _DIGIT_BY_LETTER_ASCII if is_ascii else _DIGIT_BY_LETTER
        hits = [m.start() for m in by_letter.finditer(text)]
    if "@" in text:
        hits = sorted(hits + [m.start() for m in _AT_IN_WORD.finditer(text)])
    if hits:
        text = _unleet(text, hits)
    if text is not normalized and text != normalized:
        # Digits that emoji or leet had split up can form a phone number again; read them
        # with the normaliser's own rule so both spellings give "[phone]". That rule needs
        # seven digits, so ASCII text with fewer cannot hold one and is not scanned.
        if not is_ascii or _ascii_digit_count(text) >= 7:
            text = _PHONE.sub(_phone_digits_ok, text)
        text = _single_spaced(text)
    return text


U64 = np.uint64
_P = U64(0x100000001B3)  # odd, so it has an inverse modulo 2**64
_Q = U64(pow(0x100000001B3, -1, 2**64))
_MIX1 = U64(0xBF58476D1CE4E5B9)
_WORD_SALT = U64(0x57)
_BIGRAM_MULT = U64(0x9E3779B97F4A7C15)
_LENGTH_SALT = U64(0x4C454E)
_CUE_SALT = U64(0x435545)
_PREFIX_SALT = U64(0x505245)

U64Array = npt.NDArray[np.uint64]
I64Array = npt.NDArray[np.int64]
F32Array = npt.NDArray[np.float32]


@dataclass(frozen=True, slots=True)
class FeatureSpec:
    """Which hashed features to compute; stored with a model so inference matches training."""

    n_buckets: int = 2**18
    char_min: int = 2
    char_max: int = 5
    word_ngrams: int = 2  # 0 = none, 1 = unigrams, 2 = unigrams + bigrams
    alternate_sign: bool = True
    length_bins: bool = True
    #: cue-class and structure features (see ``_cues.py``), each with weight ``cue_weight``
    cue_features: bool = False
    cue_weight: float = 1.0
    #: hashed first ``word_prefix`` characters of longer words (0 = none): a crude stem
    word_prefix: int = 0

    def __post_init__(self) -> None:
        if self.n_buckets < 2 or self.n_buckets & (self.n_buckets - 1):
            raise ValueError(f"n_buckets must be a power of two, got {self.n_buckets}")
        if not 1 <= self.char_min <= self.char_max <= 8:
            raise ValueError("need 1 <= char_min <= char_max <= 8")
        if self.word_ngrams not in (0, 1, 2):
            raise ValueError("word_ngrams must be 0, 1 or 2")
        if not 0 <= self.word_prefix <= 12:
            raise ValueError("word_prefix must be between 0 and 12")

    @property
    def bits(self) -> int:
        """log2 of the number of buckets."""
        return self.n_buckets.bit_length() - 1

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready parameters."""
        return {
            "n_buckets": self.n_buckets,
            "char_min": self.char_min,
            "char_max": self.char_max,
            "word_ngrams": self.word_ngrams,
            "alternate_sign": self.alternate_sign,
            "length_bins": self.length_bins,
            "cue_features": self.cue_features,
            "cue_weight": self.cue_weight,
            "word_prefix": self.word_prefix,
            "cue_version": _cue_version(),
            "feature_version": FEATURE_VERSION,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FeatureSpec:
        """Inverse of :meth:`to_dict`; refuses features hashed by another version."""
        version = int(data.get("feature_version", FEATURE_VERSION))
        if version != FEATURE_VERSION:
            raise ValueError(
                f"model features are version {version}, this code computes {FEATURE_VERSION}"
            )
        if bool(data.get("cue_features")) and int(data.get("cue_version", -1)) != _cue_version():
            raise ValueError(
                f"model cues are version {data.get('cue_version')}, this code has {_cue_version()}"
            )
        return cls(
            n_buckets=int(data["n_buckets"]),
            char_min=int(data["char_min"]),
            char_max=int(data["char_max"]),
            word_ngrams=int(data["word_ngrams"]),
            alternate_sign=bool(data["alternate_sign"]),
            length_bins=bool(data["length_bins"]),
            cue_features=bool(data.get("cue_features", False)),
            cue_weight=float(data.get("cue_weight", 1.0)),
            word_prefix=int(data.get("word_prefix", 0)),
        )


@dataclass(slots=True)
class HashedBatch:
    """Feature occurrences of a batch, grouped in parts (one per n-gram kind).

    Within a part, keys are ordered by document and ``counts[d]`` of them belong to document
    ``d``. A key is ``bucket * 2 + negative`` (the sign hash folded in), so a linear model can
    look up a table with ``+w`` in even rows and ``-w`` in odd rows and never multiply.
    A document's feature vector is ``scale[d] * sum(signed one-hot of its part keys)`` plus
    its single ``length_keys[d]`` feature with weight 1.
    """

    n_docs: int
    parts: list[tuple[I64Array, I64Array]]  # (keys, counts per document)
    scale: F32Array
    length_keys: I64Array | None
    #: cue and structure features: keys, counts per document, and their common weight
    extra: tuple[I64Array, I64Array, float] | None = None
    #: ``(n_docs, n_classes)`` cue-class counts, when cue features were computed
    cues: npt.NDArray[np.int64] | None = None

    def csr_parts(self) -> tuple[I64Array, I64Array, npt.NDArray[np.float64]]:
        """``(rows, buckets, values)`` of every occurrence, for building a sparse matrix."""
        rows: list[I64Array] = []
        cols: list[I64Array] = []
        vals: list[npt.NDArray[np.float64]] = []
        doc_ids = np.arange(self.n_docs, dtype=np.int64)
        scale = self.scale.astype(np.float64)
        for keys, counts in self.parts:
            r = np.repeat(doc_ids, counts)
            rows.append(r)
            cols.append(keys >> 1)
            vals.append(scale[r] * (1.0 - 2.0 * (keys & 1)))
        if self.length_keys is not None:
            rows.append(doc_ids)
            cols.append(self.length_keys >> 1)
            vals.append(1.0 - 2.0 * (self.length_keys & 1).astype(np.float64))
        if self.extra is not None:
            keys, counts, weight = self.extra
            rows.append(np.repeat(doc_ids, counts))
            cols.append(keys >> 1)
            vals.append(weight * (1.0 - 2.0 * (keys & 1)).astype(np.float64))
        if not rows:
            none = np.zeros(0, dtype=np.int64)
            return none, none.copy(), np.zeros(0, dtype=np.float64)
        return np.concatenate(rows), np.concatenate(cols), np.concatenate(vals)


class _Powers:
    """Grow-only tables of P**i, Q**i and P**i * _MIX1 (mod 2**64), shared by all calls."""

    def __init__(self) -> None:
        self.p: U64Array = np.ones(1, dtype=U64)
        self.q: U64Array = np.ones(1, dtype=U64)
        self.pk: U64Array = np.full(1, _MIX1, dtype=U64)

    def ensure(self, n: int) -> None:
        if len(self.p) >= n:
            return
        size = max(n, 2 * len(self.p), 4096)
        with np.errstate(over="ignore"):
            ones = np.ones(1, dtype=U64)
            self.p = np.cumprod(np.concatenate((ones, np.full(size - 1, _P, dtype=U64))), dtype=U64)
            self.q = np.cumprod(np.concatenate((ones, np.full(size - 1, _Q, dtype=U64))), dtype=U64)
            self.pk = self.p * _MIX1


_POWERS = _Powers()

# Code points that belong to a word: ASCII letters/digits, "[", "]" and "_" (so placeholders
# like "[phone]" stay whole), and everything from Latin-1 letters upwards except the general
# punctuation, CJK punctuation and symbol blocks.
_ASCII_WORD = np.zeros(256, dtype=bool)
for _ch in "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789[]_":
    _ASCII_WORD[ord(_ch)] = True
for _cp in range(0xC0, 0x100):
    _ASCII_WORD[_cp] = _cp not in (0xD7, 0xF7)
# the same for ASCII as a bytes.translate table (0 or 1 per byte)
_ASCII_WORD_BYTES = bytes(_ASCII_WORD[:128].astype(np.uint8)) + bytes(128)


def _word_mask(cp: npt.NDArray[np.uint32]) -> npt.NDArray[np.bool_]:
    high = cp > 255
    if not high.any():
        return _ASCII_WORD[cp]  # the usual case: one lookup, no clipping pass
    mask = _ASCII_WORD[np.minimum(cp, 255)]
    h = cp[high]
    mask[high] = ~(
        ((h >= 0x2000) & (h < 0x2070))  # general punctuation
        | ((h >= 0x2190) & (h < 0x2C00))  # arrows, maths, boxes, dingbats
        | ((h >= 0x3000) & (h < 0x3040))  # CJK punctuation
        | ((h >= 0xFE00) & (h < 0xFE10))  # variation selectors
        | (h == 0xFFFD)
    )
    return mask


def _mix(h: U64Array, salt: np.uint64) -> U64Array:
    """Multiplicative (Fibonacci) hashing: the top bits of ``(h + salt) * K`` depend on
    every bit of ``h``, and only the top bits are used (see :func:`_keys`). Half the passes
    of a full splitmix finaliser, which matters at tens of thousands of messages a second."""
    with np.errstate(over="ignore"):
        out = h + salt
        out *= _MIX1
    return out


def _layout(
    texts: Sequence[str],
) -> tuple[npt.NDArray[np.uint32], I64Array, I64Array, npt.NDArray[np.bool_] | None]:
    """Code points of the padded, NUL-separated batch, each document's start and length, and
    for an all-ASCII batch its word-character mask (``None`` otherwise)."""
    docs = [t[:MAX_DOC_CHARS] for t in texts]
    # " " + doc + " " for each document, NUL between them and nine NULs at the end, built
    # by one join rather than a new string per document
    joined = " " + " \x00 ".join(docs) + " " + "\x00" * 9
    mask = None
    if joined.isascii():
        # One byte per character: a copy and a widening cast, cheaper than UTF-32 encoding;
        # and the word mask is one byte translation, cheaper than a gather.
        data = joined.encode("ascii")
        cp = np.frombuffer(data, dtype=np.uint8).astype(np.uint32)
        mask = np.frombuffer(data.translate(_ASCII_WORD_BYTES), dtype=np.bool_)
    else:
        cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, docs), dtype=np.int64, count=len(docs))
    lengths += 2
    starts = np.zeros(len(docs), dtype=np.int64)
    if len(docs) > 1:
        np.cumsum(lengths[:-1] + 1, out=starts[1:])
    return cp, starts, lengths, mask


def _keys(spec: FeatureSpec, mixed: U64Array) -> I64Array:
    """Keys ``bucket * 2 + negative`` of mixed hashes; shifts ``mixed`` in place."""
    # The top ``bits`` bits are the bucket and the next bit the sign: one shift gives
    # ``bucket * 2 + negative`` directly. The result is below 2**63, so the unsigned array
    # is reinterpreted as signed instead of converted.
    if spec.alternate_sign:
        mixed >>= U64(63 - spec.bits)
    else:
        mixed >>= U64(64 - spec.bits)
        mixed <<= U64(1)
    return mixed.view(np.int64)


def _prefix_sums(cp: npt.NDArray[np.uint32]) -> U64Array:
    """``G`` of the module docstring: ``G[i] = sum_{j<i} cp[j] * Q**j`` (mod 2**64)."""
    total = len(cp)
    _POWERS.ensure(total + 1)
    g = np.empty(total + 1, dtype=U64)
    g[0] = 0
    terms = cp.astype(U64)
    with np.errstate(over="ignore"):
        terms *= _POWERS.q[:total]
        np.cumsum(terms, out=g[1:])
    return g


def hash_batch(texts: Sequence[str], spec: FeatureSpec) -> HashedBatch:
    """Hashed feature occurrences of ``texts`` (already normalised) under ``spec``."""
    n_docs = len(texts)
    if n_docs == 0:
        return HashedBatch(0, [], np.zeros(0, dtype=np.float32), None)
    cp, starts, lengths, ascii_mask = _layout(texts)
    total = len(cp)
    g = _prefix_sums(cp)
    pw = _POWERS.p
    pk = _POWERS.pk

    parts: list[tuple[I64Array, I64Array]] = []
    n_occ = np.zeros(n_docs, dtype=np.int64)
    # keep[i]: the n characters from i hold no separator. Growing n by one ANDs in one more
    # shifted copy; the n-grams that reach a separator are the first n-1 positions before it.
    not_sep = cp != 0
    keep = not_sep
    for n in range(1, spec.char_max + 1):
        m = total - n + 1
        if n > 1:
            keep = keep[:m] & not_sep[n - 1 : n - 1 + m]
        if n < spec.char_min:
            continue
        # _mix(h, n) is (h + n) * _MIX1 = (G[i+n] - G[i]) * (P**i * _MIX1) + n * _MIX1: with
        # the premultiplied powers, one multiply and one add per n-gram, in place
        with np.errstate(over="ignore"):
            h = g[n : n + m] - g[:m]
            h *= pk[:m]
            h = h[keep]
            h += U64(n) * _MIX1
        keys = _keys(spec, h)
        counts = np.maximum(lengths - n + 1, 0)
        parts.append((keys, counts))
        n_occ += counts

    need_words = spec.word_ngrams or spec.cue_features or spec.word_prefix
    if need_words:
        wstart, wend, wmask = _word_spans_mask(cp, ascii_mask)
    else:
        wstart = wend = np.zeros(0, np.int64)
        wmask = np.zeros(0, dtype=bool)
    wh: U64Array = np.zeros(0, dtype=U64)
    wdoc: I64Array = np.zeros(0, dtype=np.int64)
    if len(wstart):
        with np.errstate(over="ignore"):
            wh = (g[wend] - g[wstart]) * pw[wstart]
        wdoc = np.searchsorted(starts, wstart, side="right") - 1
    if spec.word_ngrams and len(wstart):
        counts = np.bincount(wdoc, minlength=n_docs).astype(np.int64)
        parts.append((_keys(spec, _mix(wh, _WORD_SALT)), counts))
        n_occ += counts
        if spec.word_ngrams >= 2 and len(wstart) > 1:
            same = wdoc[1:] == wdoc[:-1]
            with np.errstate(over="ignore"):
                bh = wh[:-1][same] * _BIGRAM_MULT + wh[1:][same]
            counts = np.bincount(wdoc[:-1][same], minlength=n_docs).astype(np.int64)
            parts.append((_keys(spec, _mix(bh, _WORD_SALT + U64(1))), counts))
            n_occ += counts
    if spec.word_prefix and len(wstart):
        # The first k characters of every longer word: "subscribe", "subscribed" and
        # "subscription" share one feature, which survives inflections the data lacks.
        k = spec.word_prefix
        long_ = (wend - wstart) > k
        ps = wstart[long_]
        with np.errstate(over="ignore"):
            ph = (g[ps + k] - g[ps]) * pw[ps]
        counts = np.bincount(wdoc[long_], minlength=n_docs).astype(np.int64)
        parts.append((_keys(spec, _mix(ph, _PREFIX_SALT)), counts))
        n_occ += counts

    scale = (1.0 / np.sqrt(np.maximum(n_occ, 1))).astype(np.float32)
    length_keys = None
    if spec.length_bins:
        # Message length (log2 bins of normalised characters) is a real pitch signal; it has
        # weight 1 so that it is not diluted in long messages.
        bins = np.floor(np.log2(lengths.astype(np.float64))).astype(np.uint64)
        length_keys = _keys(spec, _mix(bins, _LENGTH_SALT))
    extra = None
    if spec.cue_features:
        cues = _cue_counts(n_docs, cp, g, pw, wstart, wend, wh, wdoc, wmask)
        tokens = _structure_tokens(cues, cp, starts, lengths)
        extra = (*_token_keys(spec, tokens), float(spec.cue_weight))
        return HashedBatch(
            n_docs, parts, scale, length_keys, extra, cues[:, : _lexicon().n_classes]
        )
    return HashedBatch(n_docs, parts, scale, length_keys, extra)


# -- cue classes and structure ------------------------------------------------------------------


def _py_hash(word: str) -> int:
    """The unmixed word hash of ``word``, computed as :func:`hash_batch` does."""
    q = int(_Q)
    h, power = 0, 1
    for ch in word:
        h = (h + ord(ch) * power) % 2**64
        power = (power * q) % 2**64
    return h


def _py_words(phrase: str) -> list[str]:
    cp = np.frombuffer(phrase.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    s, e = word_spans(cp)
    return [phrase[int(a) : int(b)] for a, b in zip(s, e, strict=True)]


_TLDS = [
    "com",
    "net",
    "org",
    "io",
    "co",
    "ai",
    "app",
    "ly",
    "me",
    "link",
    "info",
    "biz",
    "edu",
    "gov",
    "uk",
    "de",
    "se",
    "es",
    "in",
    "ng",
    "us",
    "fr",
    "nl",
    "it",
    "pt",
    "br",
    "ca",
    "au",
    "eu",
    "xyz",
    "site",
    "online",
    "shop",
    "store",
    "tech",
    "dev",
    "page",
    "gle",
    "be",
    "ee",
    "gl",
    "gd",
    "at",
    "ch",
    "dk",
    "no",
    "fi",
    "pl",
]


@dataclass(frozen=True, slots=True)
class _Lexicon:
    #: sorted hashes and their class, per n (1..4 words) and per stem length
    ngrams: dict[int, tuple[U64Array, I64Array]]
    stems: dict[int, tuple[U64Array, I64Array]]
    tlds: U64Array
    n_classes: int
    version: int
    #: one bit per ``2**_FILTER_BITS`` hash range holding a lexicon entry: nearly every
    #: word fails this one gather, and only the rest pay for a binary search
    filter: npt.NDArray[np.bool_]


def _sorted_table(pairs: list[tuple[int, int]]) -> tuple[U64Array, I64Array]:
    pairs = sorted(dict(pairs).items())
    return (
        np.asarray([h for h, _ in pairs], dtype=U64),
        np.asarray([k for _, k in pairs], dtype=np.int64),
    )


@functools.lru_cache(maxsize=1)
def _lexicon() -> _Lexicon:
    from pitchless.guard._cues import CUE_CLASSES, CUE_VERSION, lexicon_entries

    mult = int(_BIGRAM_MULT)
    ngrams: dict[int, list[tuple[int, int]]] = {}
    stems: dict[int, list[tuple[int, int]]] = {}
    for k, phrase in lexicon_entries():
        if phrase.endswith("*"):
            stem = phrase[:-1]
            if len(_py_words(stem)) != 1:
                raise ValueError(f"cue stem {phrase!r} must be one word")
            stems.setdefault(len(stem), []).append((_py_hash(stem), k))
            continue
        words = _py_words(phrase)
        if not 1 <= len(words) <= 4:
            raise ValueError(f"cue phrase {phrase!r} must have one to four words")
        h = 0
        for i, w in enumerate(words):
            h = _py_hash(w) if i == 0 else (h * mult + _py_hash(w)) % 2**64
        ngrams.setdefault(len(words), []).append((h, k))
    tables = {n: _sorted_table(v) for n, v in ngrams.items()}
    stem_tables = {n: _sorted_table(v) for n, v in stems.items()}
    tlds = np.unique(np.asarray([_py_hash(t) for t in _TLDS], dtype=U64))
    bloom = np.zeros(2**_FILTER_BITS, dtype=bool)
    for keys, _ in (*tables.values(), *stem_tables.values(), (tlds, None)):
        bloom[(keys >> U64(64 - _FILTER_BITS)).astype(np.int64)] = True
    return _Lexicon(
        ngrams=tables,
        stems=stem_tables,
        tlds=tlds,
        n_classes=len(CUE_CLASSES),
        version=CUE_VERSION,
        filter=bloom,
    )


_FILTER_BITS = 20


def _cue_version() -> int:
    from pitchless.guard._cues import CUE_VERSION

    return CUE_VERSION


def _lookup(
    table: tuple[U64Array, I64Array], h: U64Array, ok: npt.NDArray[np.bool_] | None = None
) -> tuple[npt.NDArray[np.bool_], I64Array]:
    """Which hashes are in ``table`` (and ``ok``), and the class of each one found."""
    keys, classes = table
    hit = _lexicon().filter[(h >> U64(64 - _FILTER_BITS)).view(np.int64)]
    if ok is not None:
        hit &= ok
    cand = np.flatnonzero(hit)
    if len(cand):
        idx = np.minimum(np.searchsorted(keys, h[cand]), len(keys) - 1)
        found = keys[idx] == h[cand]
        hit[cand[~found]] = False
        return hit, classes[idx[found]]
    return hit, np.zeros(0, dtype=np.int64)


def _cue_counts(
    n_docs: int,
    cp: npt.NDArray[np.uint32],
    g: U64Array,
    pw: U64Array,
    wstart: I64Array,
    wend: I64Array,
    wh: U64Array,
    wdoc: I64Array,
    wmask: npt.NDArray[np.bool_],
) -> npt.NDArray[np.int64]:
    """``(n_docs, n_classes + 1)`` counts of cue-class hits; the last column counts links.

    ``wmask`` is the word-character mask of ``cp`` (see :func:`_word_spans_mask`).
    """
    lex = _lexicon()
    n_cls = lex.n_classes + 1
    flat = np.zeros(n_docs * n_cls, dtype=np.int64)
    if not len(wstart):
        return flat.reshape(n_docs, n_cls)
    hits: list[I64Array] = []
    combined = wh
    doc_ok = np.ones(len(wh), dtype=bool)
    for n in range(1, 5):
        if n > 1:
            m = len(combined) - 1
            if m <= 0:
                break
            with np.errstate(over="ignore"):
                combined = combined[:-1] * _BIGRAM_MULT + wh[n - 1 :]
            doc_ok = doc_ok[:-1] & (wdoc[n - 1 :] == wdoc[: len(wdoc) - n + 1])
        table = lex.ngrams.get(n)
        if table is None:
            continue
        hit, classes = _lookup(table, combined, doc_ok)
        if len(classes):
            hits.append(wdoc[: len(combined)][hit] * n_cls + classes)
    lengths = wend - wstart
    for k, table in lex.stems.items():
        ok = lengths >= k
        if not ok.any():
            continue
        ps = wstart[ok]
        with np.errstate(over="ignore"):
            ph = (g[ps + k] - g[ps]) * pw[ps]
        hit, classes = _lookup(table, ph)
        if hit.any():
            hits.append(wdoc[ok][hit] * n_cls + classes)
    # A link: a top-level-domain word right after "." that follows a word character.
    before = np.maximum(wstart - 1, 0)
    dotted = (wstart >= 2) & (cp[before] == 46) & wmask[np.maximum(wstart - 2, 0)]
    if dotted.any():
        idx = np.minimum(np.searchsorted(lex.tlds, wh[dotted]), len(lex.tlds) - 1)
        tld = lex.tlds[idx] == wh[dotted]
        hits.append(wdoc[dotted][tld] * n_cls + lex.n_classes)
    if hits:
        flat += np.bincount(np.concatenate(hits), minlength=n_docs * n_cls)
    return flat.reshape(n_docs, n_cls)


def cue_matrix(texts: Sequence[str]) -> npt.NDArray[np.int64]:
    """``(len(texts), n_classes)`` counts of each cue class in each normalised text."""
    n_docs = len(texts)
    lex = _lexicon()
    if n_docs == 0:
        return np.zeros((0, lex.n_classes), dtype=np.int64)
    cp, starts, _, ascii_mask = _layout([model_text(t) for t in texts])
    g = _prefix_sums(cp)
    pw = _POWERS.p
    wstart, wend, wmask = _word_spans_mask(cp, ascii_mask)
    with np.errstate(over="ignore"):
        wh = (g[wend] - g[wstart]) * pw[wstart]
    wdoc = np.searchsorted(starts, wstart, side="right") - 1
    return _cue_counts(n_docs, cp, g, pw, wstart, wend, wh, wdoc, wmask)[:, : lex.n_classes]


# Structure tokens after the 2 * n_classes cue tokens (present, repeated) and the link token.
_N_PITCH_BUCKETS = 6  # distinct pitch-side classes: at least 1, 2, 3, 4, 5
_N_NEG_BUCKETS = 3  # distinct other classes: at least 1, 2
_N_QUESTION_BUCKETS = 4  # question marks: at least 1, 2, 3
_N_MIX = 4  # pitch cues with / without a link, with / without a solicited cue


def _pitch_pairs() -> tuple[I64Array, I64Array]:
    from pitchless.guard._cues import PITCH_CUES

    a, b = np.triu_indices(len(PITCH_CUES), k=1)
    return a.astype(np.int64), b.astype(np.int64)


_PAIRS_A, _PAIRS_B = _pitch_pairs()


def _at_least(counts: npt.NDArray[np.int64], n_buckets: int) -> npt.NDArray[np.bool_]:
    """``(n_docs, n_buckets - 1)`` flags ``count >= 1``, ..., ``count >= n_buckets - 1``."""
    return counts[:, None] >= np.arange(1, n_buckets)[None, :]


def _structure_tokens(
    cues: npt.NDArray[np.int64],
    cp: npt.NDArray[np.uint32],
    starts: I64Array,
    lengths: I64Array,
) -> npt.NDArray[np.bool_]:
    """A boolean ``(n_docs, n_tokens)`` matrix of the cue and structure tokens present."""
    from pitchless.guard._cues import PITCH_CUES

    lex = _lexicon()
    n_docs = cues.shape[0]
    n_pitch = len(PITCH_CUES)
    cls = cues[:, : lex.n_classes]
    link = cues[:, lex.n_classes] > 0
    present = cls > 0
    repeated = cls > 1
    pitch_kinds = present[:, :n_pitch].sum(axis=1)
    neg_kinds = present[:, n_pitch:].sum(axis=1)
    # Question marks and percent signs per document: both are rare, so their positions are
    # found first and only those are mapped to documents (never inside a separator).
    questions = np.bincount(
        np.searchsorted(starts, np.flatnonzero(cp == 63), side="right") - 1, minlength=n_docs
    )
    percent = (
        np.bincount(
            np.searchsorted(starts, np.flatnonzero(cp == 37), side="right") - 1,
            minlength=n_docs,
        )
        > 0
    )
    blocks = [
        present,
        repeated,
        link[:, None],
        percent[:, None],
        # Counts are "at least k" flags, not one bucket per count: a message with five kinds
        # of pitch cue also has the flags of one to four, so its score cannot fall below a
        # message with fewer kinds only because five kinds were rare in training (a one-hot
        # bucket per count gave the rare high counts small, even smaller, weights).
        _at_least(pitch_kinds, _N_PITCH_BUCKETS),
        _at_least(neg_kinds, _N_NEG_BUCKETS),
        _at_least(questions, _N_QUESTION_BUCKETS),
        # pairs of pitch-side classes ("offers a service" and "asks for a call"): what a
        # reader weighs is the combination, which a linear head cannot make of single flags
        present[:, _PAIRS_A] & present[:, _PAIRS_B],
        np.column_stack(
            (
                (pitch_kinds >= 2) & link,
                (pitch_kinds >= 2) & (neg_kinds == 0),
                (pitch_kinds >= 1) & (neg_kinds >= 1),
                (pitch_kinds == 0) & (neg_kinds >= 1),
            )
        ),
    ]
    return np.concatenate(blocks, axis=1)


def _token_keys(spec: FeatureSpec, tokens: npt.NDArray[np.bool_]) -> tuple[I64Array, I64Array]:
    ids = np.arange(tokens.shape[1], dtype=np.uint64)
    table = _keys(spec, _mix(ids, _CUE_SALT))
    rows, cols = np.nonzero(tokens)
    counts = np.bincount(rows, minlength=tokens.shape[0]).astype(np.int64)
    return table[cols], counts


def signed_table(weights: npt.NDArray[np.floating[Any]]) -> F32Array:
    """Interleave ``+w`` and ``-w`` rows so that a :class:`HashedBatch` key indexes it directly."""
    w = np.asarray(weights, dtype=np.float32)
    if w.ndim == 1:
        w = w[:, None]
    table = np.empty((2 * w.shape[0], w.shape[1]), dtype=np.float32)
    table[0::2] = w
    table[1::2] = -w
    return table


def linear_scores(hb: HashedBatch, table: F32Array) -> npt.NDArray[np.float32]:
    """``X @ W`` for the batch without building ``X``: shape ``(n_docs, table.shape[1])``."""
    n_out = table.shape[1]
    out = np.zeros((hb.n_docs, n_out), dtype=np.float32)
    # Gathering whole rows as one opaque item is markedly faster than a 2-D fancy index.
    row_view = np.ascontiguousarray(table).view(np.dtype((np.void, 4 * n_out))).ravel()
    for keys, counts in hb.parts:
        if len(keys) == 0:
            continue
        rows = np.take(row_view, keys).view(np.float32).reshape(-1, n_out)
        nonempty = counts > 0
        offsets = np.zeros(hb.n_docs, dtype=np.int64)
        np.cumsum(counts[:-1], out=offsets[1:])
        out[nonempty] += np.add.reduceat(rows, offsets[nonempty], axis=0)
    out *= hb.scale[:, None]
    if hb.length_keys is not None:
        out += table[hb.length_keys]
    if hb.extra is not None:
        keys, counts, weight = hb.extra
        if len(keys):
            rows = np.take(row_view, keys).view(np.float32).reshape(-1, n_out)
            nonempty = counts > 0
            offsets = np.zeros(hb.n_docs, dtype=np.int64)
            np.cumsum(counts[:-1], out=offsets[1:])
            out[nonempty] += weight * np.add.reduceat(rows, offsets[nonempty], axis=0)
    return out


def word_spans(cp: npt.NDArray[np.uint32]) -> tuple[I64Array, I64Array]:
    """Start and end (exclusive) positions of the words in a code-point array."""
    wstart, wend, _ = _word_spans_mask(cp)
    return wstart, wend


def _word_spans_mask(
    cp: npt.NDArray[np.uint32], mask: npt.NDArray[np.bool_] | None = None
) -> tuple[I64Array, I64Array, npt.NDArray[np.bool_]]:
    """:func:`word_spans` plus the word-character mask it was computed from (or ``mask``,
    when the caller has it already)."""
    w = _word_mask(cp) if mask is None else mask
    if not w.any():
        empty: I64Array = np.zeros(0, dtype=np.int64)
        return empty, empty.copy(), w
    if w[0] or w[-1]:
        padded = np.concatenate(([False], w, [False]))
        change = np.flatnonzero(padded[1:] != padded[:-1]).astype(np.int64, copy=False)
    else:
        # a batch layout starts with a space and ends with NULs: no padding copy needed
        change = np.flatnonzero(w[1:] != w[:-1]).astype(np.int64, copy=False)
        change += 1
    return change[0::2], change[1::2], w


def iter_chunks(texts: Sequence[str], max_chars: int = CHUNK_CHARS) -> Iterator[tuple[int, int]]:
    """``(start, stop)`` index ranges over ``texts`` holding about ``max_chars`` characters each."""
    start = 0
    size = 0
    for i, t in enumerate(texts):
        size += min(len(t), MAX_DOC_CHARS) + 3
        if size >= max_chars:
            yield start, i + 1
            start, size = i + 1, 0
    if start < len(texts):
        yield start, len(texts)


def to_csr(texts: Sequence[str], spec: FeatureSpec, *, only: str | None = None) -> Any:
    """The feature matrix of ``texts`` as ``scipy.sparse.csr_matrix`` (training only).

    ``only="text"`` keeps the n-gram and length features, ``only="cues"`` the cue and
    structure features; the full matrix is their sum.
    """
    from scipy import sparse  # scipy stays out of the inference import path

    if only not in (None, "text", "cues"):
        raise ValueError(f"only must be None, 'text' or 'cues', got {only!r}")
    blocks = []
    for lo, hi in iter_chunks(texts):
        hb = hash_batch(texts[lo:hi], spec)
        if only == "text":
            hb.extra = None
        elif only == "cues":
            hb.parts, hb.length_keys = [], None
        rows, cols, vals = hb.csr_parts()
        m = sparse.csr_matrix((vals, (rows, cols)), shape=(hb.n_docs, spec.n_buckets))
        m.sum_duplicates()
        blocks.append(m)
    if not blocks:
        return sparse.csr_matrix((0, spec.n_buckets))
    return sparse.vstack(blocks, format="csr")
