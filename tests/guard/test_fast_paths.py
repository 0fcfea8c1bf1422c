"""The fast paths of normalisation and hashing give exactly what the plain versions give.

Each shortcut (substring tests instead of regex scans on ASCII text, ASCII variants of the
patterns, whitespace collapsed without splitting, per-mark hints, a word mask by byte
translation, smaller hashing chunks) must leave every output as it was, or the shipped model
would read different features. Each test compares a shortcut with the straightforward
version it replaces, on hand-picked and generated text.
"""

from __future__ import annotations

import re
import sys

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pitchless.guard import _features as F
from pitchless.guard import _normalize as N

# Characters that steer the shortcuts: every kind of whitespace, digits of other scripts,
# leet characters, the spelled-out separators, emoji, surrogates and amount/phone syntax.
_TRICKY = [
    *" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u1680\u2000\u2028\u2029\u202f\u3000\u00a8",
    *"0123456789\u0663\u0967\uff15$@.-_*·•~+(),%[]{}<>&#;/:",
    *"abcdefiklmnoprstuvxyzé ü ß ñ",
    *("🔥", "\u200b", "\udcff", "usd", "eur", "sek", "kr", "k", "thousand", "dollars", "www."),
]
_ALPHABET = st.sampled_from([*_TRICKY, "f r e e", "d.e.m.o", "fr33", "4u", "+46 70 123 45 67"])
_TEXT = st.lists(_ALPHABET, max_size=60).map("".join)
_ASCII_TEXT = st.text(
    alphabet=st.sampled_from(list("abcdkmsu$@.,()+- \t\n0123456789")), max_size=80
)


def test_whitespace_other_than_space_is_unprintable() -> None:
    # _single_spaced relies on this for every code point of the running Python.
    offenders = [
        hex(cp)
        for cp in range(sys.maxunicode + 1)
        if chr(cp).isspace() and chr(cp) != " " and chr(cp).isprintable()
    ]
    assert offenders == []


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_single_spaced_is_split_and_join(text: str) -> None:
    assert N._single_spaced(text) == " ".join(text.split())


def test_single_spaced_examples() -> None:
    for text in ["", " ", "  a  ", "a" + " " * 1000 + "b", "a\u2028b", "x\u3000 y", " a b "]:
        assert N._single_spaced(text) == " ".join(text.split())


@settings(max_examples=400, deadline=None)
@given(_ASCII_TEXT)
def test_ascii_variants_match_the_unicode_patterns_on_ascii_text(text: str) -> None:
    # normalisation turns the controls \x1c-\x1f into spaces before these patterns run
    text = text.lower()
    for unicode_pattern, ascii_pattern in (
        (N._MONEY_CODE_HINT, N._MONEY_CODE_HINT_ASCII),
        (N._MONEY_NUMBER, N._MONEY_NUMBER_ASCII),
        (N._PHONE, N._PHONE_ASCII),
        (F._DIGIT_BY_LETTER, F._DIGIT_BY_LETTER_ASCII),
    ):
        assert [m.span() for m in unicode_pattern.finditer(text)] == [
            m.span() for m in ascii_pattern.finditer(text)
        ]


def test_ascii_variant_differs_only_in_flags() -> None:
    variant = N._ascii_variant(N._PHONE)
    assert variant.pattern == N._PHONE.pattern
    assert variant.flags & re.ASCII and not variant.flags & re.UNICODE


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_ascii_digit_count(text: str) -> None:
    assert N._ascii_digit_count(text) == sum(text.count(d) for d in "0123456789")


def test_clean_surrogates() -> None:
    assert N._clean_surrogates("ok \udcff x\ud800") == "ok \ufffd x\ufffd"
    clean = "no surrogate here: é 🔥"
    assert N._clean_surrogates(clean) is clean


def _first_spelled_hint_plain(text: str) -> int:
    """Where the spelled-out probe first fires, with the one character-class hint."""
    found = [
        m.start()
        for m in (N._SPELLED_HINT_SPACE.search(text), N._SPELLED_HINT_MARK.search(text))
        if m is not None
    ]
    return min(found) if found else -1


_SPELLED_EXAMPLES = [
    f"{pre}{a}{sep}x{sep2}{b}{post}"
    for a in ".-_*·•~"
    for b in ".-_*·•~"
    for sep, sep2 in (("", ""), (" ", ""), ("", " "), (" ", " "))
    for pre, post in (("", ""), ("ab ", " cd"), ("a.b c ", "~"), ("f r e ", ""))
] + ["f r e e", " x y z", "no marks at all", "a.b", "e.g. this", "d.e.m.o. and f-r-e-e"]


def test_per_mark_hints_find_what_the_class_hint_finds_examples() -> None:
    for text in _SPELLED_EXAMPLES:
        assert N._first_spelled_hint(text) == _first_spelled_hint_plain(text), text


@settings(max_examples=400, deadline=None)
@given(_TEXT)
def test_per_mark_hints_find_what_the_class_hint_finds(text: str) -> None:
    text = text.lower()
    assert N._first_spelled_hint(text) == _first_spelled_hint_plain(text)


def _model_text_plain(normalized: str) -> str:
    """``model_text`` without its shortcuts: every regex on every text."""
    text = normalized
    if F._EMOJI_HINT.search(text) is not None:
        text = " ".join(F._EMOJI.sub(" ", text).split())
    if "$" in text:
        text = F._DOLLAR_S.sub("s", text)
    hits = [m.start() for m in F._DIGIT_BY_LETTER.finditer(text)]
    if "@" in text:
        hits = sorted(hits + [m.start() for m in F._AT_IN_WORD.finditer(text)])
    if hits:
        text = F._unleet(text, hits)
    if text is not normalized and text != normalized:
        text = " ".join(N._PHONE.sub(N._phone_digits_ok, text).split())
    return text


_MODEL_TEXT_EXAMPLES = [
    f"{pre}{d}{post}"
    for d in "0123456789"
    for pre, post in (("ab", "cd"), ("", "x"), ("x", ""), ("call ", " now"), ("a", "@b"))
] + [
    "4u  2",
    " 4u",
    "4u ",
    "fr33\tnow",
    "0800 123 4567",
    "0800 12 34 56 7",
    "fr33 0800 1234567",
    "\u00a04u",
    "fr🔥ee 4u",
    "$ale",
    "m@rketing",
    "a@b@c",
    "٣٤٥ 4u 1234567",
]


def test_model_text_shortcuts_examples() -> None:
    for text in _MODEL_TEXT_EXAMPLES:
        assert F.model_text(text) == _model_text_plain(text), text


@settings(max_examples=500, deadline=None)
@given(_TEXT)
def test_model_text_shortcuts(text: str) -> None:
    assert F.model_text(text) == _model_text_plain(text)
    normalized = N.normalize(text).text
    assert F.model_text(normalized) == _model_text_plain(normalized)


@settings(max_examples=200, deadline=None)
@given(st.lists(_TEXT, min_size=1, max_size=6))
def test_layout_fast_ascii_path(texts: list[str]) -> None:
    cp, starts, lengths, mask = F._layout(texts)
    docs = [" " + t[: F.MAX_DOC_CHARS] + " " for t in texts]
    joined = "\x00".join(docs) + "\x00" * 9
    expected = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    assert np.array_equal(cp, expected)
    assert list(lengths) == [len(d) for d in docs]
    assert list(starts) == [sum(len(d) + 1 for d in docs[:i]) for i in range(len(docs))]
    if mask is not None:
        assert np.array_equal(mask, F._word_mask(cp))
    wstart, wend, wmask = F._word_spans_mask(cp, mask)
    assert np.array_equal(wmask, F._word_mask(cp))
    # spans from the unpadded transitions equal those of the padded mask
    padded = np.concatenate(([False], wmask, [False]))
    change = np.flatnonzero(padded[1:] != padded[:-1])
    assert np.array_equal(wstart, change[0::2]) and np.array_equal(wend, change[1::2])


def test_hashing_does_not_depend_on_the_chunk_size() -> None:
    texts = [N.normalize(t).text for t in _TRICKY * 3] + [
        "hi, we offer a free trial of our crm, book a demo at calendly.com/acme",
        "congrats on the new role!",
        "x" * 5000,
    ]
    spec = F.FeatureSpec(char_min=2, char_max=5, word_ngrams=2, cue_features=True, word_prefix=4)
    rng = np.random.default_rng(0)
    table = F.signed_table(rng.standard_normal((spec.n_buckets, 3)).astype(np.float32))

    def scores(max_chars: int) -> np.ndarray:
        return np.concatenate(
            [
                F.linear_scores(F.hash_batch(texts[lo:hi], spec), table)
                for lo, hi in F.iter_chunks(texts, max_chars)
            ]
        )

    reference = scores(10**9)  # one chunk
    for max_chars in (F.CHUNK_CHARS, 1000, 50, 1):
        assert np.array_equal(scores(max_chars), reference)
