"""Disguise a message the way people do who want a pitch past a filter.

Each function takes a text and a seed and returns the disguised text; the same text and seed
always give the same result (``random.Random(seed)``, never the global generator). Only words
are disguised: links, e-mail addresses, amounts and other chunks holding a digit, "/", "@" or
a dotted name are left working, as a sender needs them to. The transforms follow what is seen
in the wild, and ``ALL_DISGUISES`` maps each name to its function so that a test can apply
every one of them.

A disguise changes the text the model would read; ``pitchless.guard._normalize.normalize`` is
expected to undo it (``tests/guard/test_normalize.py`` measures how well).
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable

__all__ = [
    "ALL_DISGUISES",
    "dotted",
    "emoji",
    "fullwidth",
    "homoglyph",
    "leet",
    "spaced",
    "zero_width",
]

Disguise = Callable[[str, int], str]

#: zero-width space, zero-width non-joiner, zero-width joiner, word joiner, BOM
ZERO_WIDTH_CHARS: tuple[str, ...] = ("\u200b", "\u200c", "\u200d", "\u2060", "\ufeff")

#: Cyrillic and Greek letters that look like a Latin letter, as homoglyph tools offer them
HOMOGLYPHS: dict[str, tuple[str, ...]] = {
    "a": ("а", "α"),  # Cyrillic a, Greek alpha
    "c": ("с",),
    "d": ("ԁ",),
    "e": ("е",),
    "h": ("һ",),
    "i": ("і", "ι"),
    "j": ("ј",),
    "o": ("о", "ο"),
    "p": ("р", "ρ"),
    "q": ("ԛ",),
    "s": ("ѕ",),
    "v": ("ν",),
    "w": ("ԝ",),
    "x": ("х",),
    "y": ("у",),
    "A": ("А", "Α"),
    "B": ("В", "Β"),
    "C": ("С",),
    "E": ("Е", "Ε"),
    "H": ("Н", "Η"),
    "I": ("І", "Ι"),
    "J": ("Ј",),
    "K": ("К", "Κ"),
    "M": ("М", "Μ"),
    "N": ("Ν",),
    "O": ("О", "Ο"),
    "P": ("Р", "Ρ"),
    "S": ("Ѕ",),
    "T": ("Т", "Τ"),
    "X": ("Х", "Χ"),
    "Y": ("Υ",),
    "Z": ("Ζ",),
}

#: leetspeak substitutes, lower-case letter -> choices
LEET: dict[str, tuple[str, ...]] = {
    "a": ("4", "@"),
    "e": ("3",),
    "i": ("1",),
    "o": ("0",),
    "s": ("5", "$"),
    "t": ("7",),
}

#: emoji that decorate pitches
EMOJI: tuple[str, ...] = ("🚀", "🔥", "💰", "✅", "👉", "⭐", "💡", "📈", "🎯", "✨")

# A chunk (run of non-spaces) that must keep working: a link, an address, a number or amount.
_KEEP_CHUNK = re.compile(r"[\d/@]|://|www\.|[A-Za-z]\.[A-Za-z]")
_LATIN_WORD = re.compile(r"[A-Za-zÀ-ÖØ-öø-ÿ]+")
_SPACE_SPLIT = re.compile(r"(\s+)")


def _map_words(text: str, change: Callable[[str], str]) -> str:
    """Apply ``change`` to every Latin word outside links, addresses and numbers."""
    parts = _SPACE_SPLIT.split(text)
    for i, part in enumerate(parts):
        if i % 2 == 1 or not part or _KEEP_CHUNK.search(part) is not None:
            continue
        parts[i] = _LATIN_WORD.sub(lambda m: change(m.group(0)), part)
    return "".join(parts)


def zero_width(text: str, seed: int = 0, share: float = 0.6) -> str:
    """Insert zero-width characters between the letters of words (``share`` of the gaps)."""
    rng = random.Random(seed)

    def change(word: str) -> str:
        out = [word[0]]
        for ch in word[1:]:
            if rng.random() < share:
                out.append(rng.choice(ZERO_WIDTH_CHARS))
            out.append(ch)
        return "".join(out)

    return _map_words(text, change)


def homoglyph(text: str, seed: int = 0, share: float = 0.5) -> str:
    """Replace ``share`` of the letters that have a look-alike by a Cyrillic or Greek one."""
    rng = random.Random(seed)

    def change(word: str) -> str:
        return "".join(
            rng.choice(HOMOGLYPHS[ch]) if ch in HOMOGLYPHS and rng.random() < share else ch
            for ch in word
        )

    return _map_words(text, change)


def _key_word(word: str, rng: random.Random, share: float, min_len: int) -> bool:
    return len(word) >= min_len and rng.random() < share


def spaced(text: str, seed: int = 0, share: float = 0.5, min_len: int = 4) -> str:
    """Spell out ``share`` of the words of ``min_len`` letters or more, one space per letter.

    The gaps around a spelled-out word are widened to two spaces, as people do so that the
    words stay readable ("get a  F R E E  trial"); with single gaps a spelled-out word runs into
    a neighbouring one-letter word, and no reader (or normaliser) can tell where it starts.
    """
    rng = random.Random(seed)
    parts = _SPACE_SPLIT.split(text)
    out: list[str] = []
    for i, part in enumerate(parts):
        if i % 2 == 1 or not part:
            out.append(part)
            continue
        word = part.strip(",.!?;:")
        if (
            _KEEP_CHUNK.search(part) is None
            and _LATIN_WORD.fullmatch(word) is not None
            and _key_word(word, rng, share, min_len)
        ):
            lead, _, trail = part.partition(word)
            out.append(f" {lead}{' '.join(word)}{trail} ")
        else:
            out.append(part)
    return "".join(out)


def dotted(text: str, seed: int = 0, share: float = 0.5, min_len: int = 4) -> str:
    """Separate the letters of ``share`` of the longer words by dots or hyphens ("d.e.m.o")."""
    rng = random.Random(seed)

    def change(word: str) -> str:
        if not _key_word(word, rng, share, min_len):
            return word
        return rng.choice((".", "-")).join(word)

    return _map_words(text, change)


def leet(text: str, seed: int = 0, share: float = 0.6, min_len: int = 4) -> str:
    """Write ``share`` of the leet-able letters of longer words as digits or symbols ("fr33")."""
    rng = random.Random(seed)

    def change(word: str) -> str:
        if len(word) < min_len:
            return word
        return "".join(
            rng.choice(LEET[ch.lower()]) if ch.lower() in LEET and rng.random() < share else ch
            for ch in word
        )

    return _map_words(text, change)


def emoji(text: str, seed: int = 0, between: float = 0.3, inside: float = 0.3) -> str:
    """Add emoji between words (``between`` of the gaps) and inside longer words."""
    rng = random.Random(seed)

    def change(word: str) -> str:
        if len(word) >= 4 and rng.random() < inside:
            cut = rng.randrange(1, len(word))
            word = word[:cut] + rng.choice(EMOJI) + word[cut:]
        return word

    text = _map_words(text, change)
    parts = _SPACE_SPLIT.split(text)
    for i in range(1, len(parts), 2):
        if rng.random() < between:
            parts[i] = f" {rng.choice(EMOJI)}{parts[i]}"
    return "".join(parts)


def fullwidth(text: str, seed: int = 0) -> str:
    """Write every printable ASCII character in full width (U+FF01..U+FF5E), spaces as U+3000.

    The seed is accepted for a uniform signature; the transform is the same for every seed.
    """
    del seed
    out = []
    for ch in text:
        if "!" <= ch <= "~":
            out.append(chr(ord(ch) - 0x21 + 0xFF01))
        elif ch == " ":
            out.append("\u3000")
        else:
            out.append(ch)
    return "".join(out)


#: every disguise by name; each is ``f(text, seed) -> text``
ALL_DISGUISES: dict[str, Disguise] = {
    "zero_width": zero_width,
    "homoglyph": homoglyph,
    "spaced": spaced,
    "dotted": dotted,
    "leet": leet,
    "emoji": emoji,
    "fullwidth": fullwidth,
}
