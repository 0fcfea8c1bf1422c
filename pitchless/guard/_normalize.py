"""Turn a raw message (plain text or InMail HTML) into the text the model reads.

Everything here is a handful of linear-time regular expressions over an input that is cut to
``max_chars`` *before* any parsing, so a 5 MB paste or ``"<div>" * 100_000`` costs the same
as a long ordinary message. No HTML parser is used: a parser builds a tree (slow, and
recursion-prone on deeply nested markup) and the model only needs the words.

Normalisation also undoes the usual ways of hiding words from a filter: invisible characters
between letters, look-alike letters from other scripts, styled or full-width letters, letters
spelled out with spaces or dots, leetspeak digits and emoji inside words. Plain ASCII text,
most messages, takes a fast path: the Unicode steps are skipped and the spelled-out and leet
steps cost one cheap regex probe each unless the probe finds something.
"""

from __future__ import annotations

import html
import importlib.util
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["MAX_INPUT_CHARS", "PLACEHOLDERS", "Normalized", "normalize"]

# The confusables table is loaded on first use (see _lookalike_table); say at import, not on
# the first Cyrillic message, when the package that holds it is missing.
if importlib.util.find_spec("confusable_homoglyphs") is None:  # pragma: no cover
    raise ImportError(
        "pitchless.guard needs the confusable-homoglyphs package: pip install confusable-homoglyphs"
    )

#: Hard cap on characters read from subject + text; the rest is ignored and ``truncated`` is set.
MAX_INPUT_CHARS: int = 20_000

#: The placeholder tokens that stand in for identifiers and amounts in normalised text.
PLACEHOLDERS: tuple[str, ...] = ("[email]", "[phone]", "[money]", "[merge]")


@dataclass(frozen=True, slots=True)
class Normalized:
    """A message as the text model sees it, plus what normalisation noticed on the way."""

    #: lower-cased text with markup removed and identifiers replaced by placeholder tokens
    text: str
    #: the input was longer than the cap and only its beginning was read
    truncated: bool
    #: the input contained HTML markup (InMail "spinmail" and similar)
    is_html: bool
    #: ``%FIRSTNAME%``-style mail-merge leftovers were found
    has_merge_token: bool
    #: domains of the URLs found, in order of appearance, without repeats
    domains: tuple[str, ...]


_SURROGATES = re.compile("[\ud800-\udfff]")
# A tag is "<" + a name, a closing "/" name, "!" (comments, doctype) or "?" (processing
# instruction), and then anything up to ">" without crossing another "<". The bounded,
# negated class keeps matching linear on "<<<<<" style garbage.
_TAG = re.compile(r"<(?:/?[A-Za-z][A-Za-z0-9:-]{0,40}|!|\?)[^<>]{0,4000}>")
_HTML_HINT = re.compile(
    r"<(?:p|br|div|span|a|b|i|u|strong|em|ul|ol|li|table|tr|td|h[1-6]|img|font|html|body)\b[^<>]{0,4000}>",
    re.IGNORECASE,
)
_RAW_TEXT_OPEN = re.compile(r"<(script|style)\b", re.IGNORECASE)
_HREF = re.compile(r"\bhref\s{0,5}=\s{0,5}[\"']?([^\"'\s<>]{1,2000})", re.IGNORECASE)
_DATE = re.compile(r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}")

_MERGE = re.compile(
    r"%[A-Za-z][A-Za-z_ ]{1,30}%"  # %FIRSTNAME%
    r"|\{\{\s*[^{}]{1,40}?\s*\}\}"  # {{first_name}}
    r"|\{![^{}]{1,40}\}"  # {!Contact.FirstName}
    r"|\[\[\s*[A-Za-z_ ]{1,30}\s*\]\]"  # [[first name]]
    r"|\[(?:first|last|full|company)[ _]?name\]",  # [first name]
    re.IGNORECASE,
)
# Patterns below run on lower-cased text and most only when a cheap substring test says they
# can match: a leading character class lets the regex engine skip ahead quickly, whereas
# IGNORECASE alternations and optional prefixes make it try every position.
_TLDS = "com|net|org|io|co|ai|app|ly|me|link|info|biz|edu|gov|uk|de|se|es|in|ng|us"
_URL_SCHEME = re.compile(r"(?:https?://|ftp://|www\.)[^\s<>\"'()\[\]{}]{1,2000}")
# bare "calendly.com/x" style links: a dotted host with a well-known ending and a path
_URL_BARE_HINT = re.compile(rf"\.(?:{_TLDS})/")
_URL_BARE = re.compile(
    r"(?<![\w.-])[a-z0-9][a-z0-9-]{0,62}(?:\.[a-z0-9-]{1,63}){0,4}"
    rf"\.(?:{_TLDS})/[^\s<>\"'()\[\]{{}}]{{0,2000}}"
)
_EMAIL = re.compile(r"[\w.+-]{1,64}@[\w-]{1,63}(?:\.[\w-]{1,63}){1,8}")
_MULTIPLIER = r"(?:\s?(?:k|m|mm|bn|b|million|billion|thousand|mil|millones)\b)?"
# A "$" glued after a digit ("pr1$3$"), or an "amount" running into letters and more leet
# ("$4le5", "$74rt$"), is leetspeak inside a word, not money; "₹5lpa" and "cost£1" are money.
_MONEY_SYMBOL = re.compile(
    r"[$€£¥₹₦](?<![\d$]\$)\s?\d[\d,.]*+" + _MULTIPLIER + r"(?![a-z]{1,4}[\d$@])"
)
# A digit right after the last two characters of a code (or after them and a space) is a cheap
# test for whether the pattern above can match at all: it starts on digits, which are rare.
_MONEY_CODE_HINT = re.compile(
    r"\d(?:(?<=(?:s\$|sd|ur|bp|gn|nr|ek|ok|kk|hf|ad|ud)\d)|(?<=(?:s\$|sd|ur|bp|gn|nr|ek|ok|kk|hf|ad|ud)\s\d))"
)
_MONEY_CODE = re.compile(
    r"\b(?:us\$|usd|eur|gbp|ngn|inr|sek|nok|dkk|chf|cad|aud)\s?\d[\d,.]*" + _MULTIPLIER
)
# Both alternatives start with a digit; spelling that out front (rather than inside each
# branch) lets the regex engine skip straight to digits instead of trying every position.
# A match starts only where a number starts and its digit run is possessive: otherwise a long
# run of digits is rescanned from each of its positions, in quadratic time. Neither changes
# a result: no currency word starts with a digit, comma or dot, and a match starting inside
# a number is rejected by _money_if_standalone anyway.
_MONEY_NUMBER = re.compile(
    r"\d(?<![\d,.]\d)(?:[\d,.]*+\s?(?:k|m|mm|bn|million|billion|thousand)?\s?"
    r"(?:usd|eur|gbp|ngn|inr|sek|kr|nok|dollars|euros|pounds|naira|rupees|kronor|dólares)\b"
    r"|\d{0,3}(?:[.,]\d{1,2})?\s?k\b)"
)
# Seven or more digits (checked in the callback) with the usual separators, optionally
# starting with "+" or "("; dates are let through in the callback.
_PHONE = re.compile(r"[+(\d][\d\s().-]{5,20}\d(?![\w\]])")
_PHONE_PSEUDO = re.compile(r"\[(?:phone|tel|telephone|phone number)\]")
_DIGIT = re.compile(r"\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _ascii_variant(pattern: re.Pattern[str]) -> re.Pattern[str]:
    """``pattern`` with ASCII-only ``\\d``, ``\\s``, ``\\w`` and ``\\b``, for ASCII text only.

    On ASCII text without the controls \\x1c-\\x1f (which normalisation has turned into
    spaces by then) both versions match exactly the same; the ASCII one tests a character
    class instead of looking up a Unicode category at every position, which is faster.
    """
    return re.compile(pattern.pattern, (pattern.flags & ~re.UNICODE) | re.ASCII)


_MONEY_CODE_HINT_ASCII = _ascii_variant(_MONEY_CODE_HINT)
_MONEY_NUMBER_ASCII = _ascii_variant(_MONEY_NUMBER)
_PHONE_ASCII = _ascii_variant(_PHONE)

_ASCII_DIGITS = "0123456789"
_ASCII_DIGIT_BYTES = _ASCII_DIGITS.encode("ascii")


def _ascii_digit_count(text: str) -> int:
    """How many of the characters 0-9 ``text`` holds."""
    if text.isascii():
        # deleting them from the bytes is one C pass; ten str.count calls are ten
        data = text.encode("ascii")
        return len(data) - len(data.translate(None, _ASCII_DIGIT_BYTES))
    return sum(map(text.count, _ASCII_DIGITS))


# --- Against evasion -------------------------------------------------------------------------
Ranges = tuple[tuple[int, int], ...]


def _char_class(ranges: Ranges, suffix: str = "") -> re.Pattern[str]:
    """A regex character class for inclusive code point ranges."""
    body = "".join(
        re.escape(chr(lo)) if lo == hi else f"{re.escape(chr(lo))}-{re.escape(chr(hi))}"
        for lo, hi in ranges
    )
    return re.compile(f"[{body}]{suffix}")


# Invisible characters are removed outright (not turned into spaces), so "f\u200br\u200bee"
# reads "free". This is every character of Unicode category Cf (format: soft hyphen, zero-width
# space and joiners, bidi controls, word joiner, BOM, tags; listed from the Unicode 14 data,
# tests/guard/test_normalize.py checks the list against the running Python's tables) plus the
# invisible characters of other categories that evaders use: the combining grapheme joiner,
# Hangul fillers, Khmer inherent vowels, Mongolian and other variation selectors, and the
# braille blank (which becomes a space).
# fmt: off
_INVISIBLE_RANGES: Ranges = (
    (0x00AD, 0x00AD), (0x034F, 0x034F), (0x0600, 0x0605), (0x061C, 0x061C), (0x06DD, 0x06DD),
    (0x070F, 0x070F), (0x0890, 0x0891), (0x08E2, 0x08E2), (0x115F, 0x1160), (0x17B4, 0x17B5),
    (0x180B, 0x180F), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x206F), (0x2800, 0x2800),
    (0x3164, 0x3164), (0xFE00, 0xFE0F), (0xFEFF, 0xFEFF), (0xFFA0, 0xFFA0), (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD), (0x110CD, 0x110CD), (0x13430, 0x1343F), (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A), (0xE0000, 0xE0FFF),
)
# Combining marks still standing after NFKC are noise ("z̸a̸l̸g̸o̸" text): NFKC has already
# composed every accent that has a precomposed letter (é, ñ, å, й). Only the generic
# diacritic blocks are stripped; the vowel signs of Indic scripts live elsewhere and stay.
_MARK_RANGES: Ranges = (
    (0x0300, 0x036F), (0x1AB0, 0x1AFF), (0x1DC0, 0x1DFF), (0x20D0, 0x20FF), (0xFE20, 0xFE2F),
)
# Emoji and pictographic symbols; a run of them between two letters is removed ("fr🔥ee").
_EMOJI_RANGES: Ranges = (
    (0x2190, 0x21FF), (0x2300, 0x23FF), (0x25A0, 0x27BF), (0x2900, 0x297F), (0x2B00, 0x2BFF),
    (0x3030, 0x3030), (0x303D, 0x303D), (0x3297, 0x3297), (0x3299, 0x3299), (0x1F000, 0x1FAFF),
)
# Letters drawn as symbols that NFKC leaves alone: negative circled and negative squared
# capitals ("🅵🆁🅴🅴"). They are never real text, so they are always mapped.
_ENCLOSED_RANGES: Ranges = ((0x1F150, 0x1F169), (0x1F170, 0x1F189))
# fmt: on
_INVISIBLE = _char_class(_INVISIBLE_RANGES)
# A class with ranges beyond the BMP is slow to scan for, so the probes are split in two.
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
_INVISIBLE_BMP = _char_class(tuple(r for r in _INVISIBLE_RANGES if r[1] <= 0xFFFF))
_INVISIBLE_ASTRAL = _char_class(tuple(r for r in _INVISIBLE_RANGES if r[1] > 0xFFFF))
_NOISE_MARKS = _char_class(_MARK_RANGES)
_EMOJI_RUN = _char_class(_EMOJI_RANGES, "+")
_EMOJI_BMP = _char_class(tuple(r for r in _EMOJI_RANGES if r[1] <= 0xFFFF))
_ENCLOSED = _char_class(_ENCLOSED_RANGES)
_ENCLOSED_TABLE = {lo + i: chr(ord("a") + i) for lo, _ in _ENCLOSED_RANGES for i in range(26)}
# Characters that may need one of the Unicode steps: anything but letters up to Latin
# Extended-B, common punctuation (curly quotes, dashes, the ellipsis) and spaces, which need
# only NFKC. A message holding nothing else, most non-ASCII messages, skips the rest.
_ATTENTION = re.compile("[^\x00-\xac\xae-\u02ff\u2000-\u200a\u2010-\u2029\u202f-\u205f]")
# Scripts that hold look-alikes of Latin letters: IPA and phonetic letters (small capitals),
# Greek, Cyrillic, Armenian, Cherokee, Coptic, Lisu and Latin Extended-D. A cheap test on
# these ranges keeps the confusables table from loading for Spanish or Hindi text.
_LOOKALIKE_SCRIPTS = re.compile(
    "[\u0250-\u02af\u0370-\u058f\u13a0-\u13ff\u1d00-\u1dbf\u2c80-\u2cff\ua4d0-\ua4ff"
    "\ua720-\ua7ff\uab30-\uabbf]"
)
_LOOKALIKE_ALIASES = frozenset(
    {"LATIN", "GREEK", "CYRILLIC", "ARMENIAN", "CHEROKEE", "COPTIC", "LISU"}
)
_SMALL_CAPITAL = re.compile(r"LATIN LETTER SMALL CAPITAL ([A-Z])")
# Targets of the confusables data that are themselves Latin look-alikes, one step from ASCII.
_SECOND_STEP = {"ĸ": "k"}
_WORD = re.compile(r"\w+")
_LATIN_LETTER_ANY = re.compile("[A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f]")

# Letters spelled out: three or more single Latin letters, each pair joined by the same
# separator (one space, or up to three of . - _ * · • ~ with optional spaces around). A wider
# gap (two spaces) ends a word, so "f r e e  t r i a l" reads "free trial". Two letters are
# left alone ("u.s.", "a/b", "e.g."). The hints are cheap probes run before the full pattern.
_LATIN_LETTER = "a-z\u00df-\u00f6\u00f8-\u00ff\u0100-\u024f"
_SPELLED = re.compile(
    rf"(?<![^\W_])(?<!['’‘])[{_LATIN_LETTER}]( |[ ]?[.\-_*·•~]{{1,3}}[ ]?)[{_LATIN_LETTER}]"
    rf"(?:\1[{_LATIN_LETTER}])+(?![^\W_])(?!['’‘])"
)
# Letters that are words on their own in the languages the guard reads ("a", "i", "y", "o",
# "å", SMS "u"): a run made only of these is words, not a spelled-out word ("i u a").
_ONE_LETTER_WORDS = frozenset("aeiouyéèàåö")
_SPELLED_HINT_SPACE = re.compile(
    rf" [{_LATIN_LETTER}] [{_LATIN_LETTER}] [{_LATIN_LETTER}](?![^\W_])"
)
_SPELLED_MARKS = ".-_*·•~"
_SPELLED_HINT_MARK = re.compile(rf"[.\-_*·•~] ?[{_LATIN_LETTER}] ?[.\-_*·•~]")
# The same hint once per mark, each starting with that mark as a literal: the regex engine
# jumps from one "." to the next instead of testing a character class at every position,
# and marks absent from the text (most of them, usually) are skipped by a substring test.
# The first match of the hint is the first of these.
_SPELLED_HINT_MARK_AT = tuple(
    (mark, re.compile(rf"{re.escape(mark)} ?[{_LATIN_LETTER}] ?[.\-_*·•~]"))
    for mark in _SPELLED_MARKS
)
_SPELLED_SEPARATORS = re.compile(r"[ .\-_*·•~]")

# Leetspeak: a digit or symbol that stands for a letter inside a word ("fr33", "d3mo",
# "pr1c1ng", "$ales", "m@rketing"). The probe finds a leet character touching a letter; each
# token found is then judged by _unleet_token, which leaves numbers, units, versions and codes
# ("$99" is already [money], "10am", "3rd", "v3", "b2b", "mp3", "covid19", "top10") alone.
# ("!" and "|" are left out: "today!best" is a missing space, "ceo|founder" a separator.)
_LEET_MAP = {"4": "a", "@": "a", "3": "e", "1": "i", "0": "o", "5": "s", "$": "s", "7": "t"}
_LEET_TRANS = str.maketrans(_LEET_MAP)
_LEET_CHARS = frozenset(_LEET_MAP)
_VOWEL_LEET = frozenset("4@310")  # the ones that stand for vowels
_SYMBOL_LEET = frozenset("$@")  # never part of a number written after a word
# Well-known names with a digit at the end that the rules below would otherwise read as leet.
_CODE_WORDS = frozenset(
    {"web3", "gpt3", "gpt4", "css3", "html5", "ios7", "win7", "ipv4", "top3", "top5", "top7"}
    | {"mp3", "mp4", "ps3", "ps4", "ps5"}
)
_LEET_LETTERS = "a-z\u00df-\u00f6\u00f8-\u00ff"
_LEET_TOKEN_CHARS = frozenset(
    "abcdefghijklmnopqrstuvwxyz0123456789$@"
    + "".join(chr(cp) for cp in range(0xDF, 0x100) if cp != 0xF7)
)
_LEET_HINT = re.compile(rf"[0-9$@](?:(?<=[{_LEET_LETTERS}].)|(?=[{_LEET_LETTERS}]))")
_LEET_TOKEN_END = re.compile(rf"[{_LEET_LETTERS}0-9$@]*")
# digits that are not read as letters: a token holding one is a code or a number (b2b, x86)
_NON_LEET_DIGITS = frozenset("2689")
_NUMBER_WITH_UNIT = re.compile(
    r"\d+(?:st|nd|rd|th|am|pm|k|m|mm|bn|x|s|h|hr|hrs|d|g|p|v|w|y|yr|yrs|mo|min|mins|sec|secs"
    r"|day|days|week|weeks|month|months|year|years|gb|mb|tb|kb|px|ms|kg|km|ft|mph|kw|kwh|hz"
    r"|mhz|ghz|fps|ml|cm|million|billion|thousand|mil|lakh|lakhs|crore|crores|lpa|percent)"
)
# a currency code with an amount glued on ("us5k", "eur10m")
_CODE_AMOUNT = re.compile(r"(?:us|usd|eur|gbp|inr|sek|nok|dkk|chf|cad|aud|ngn)\d+(?:k|m|mm|bn)")
# Runs of four or more "!", "?" or "." are cut to three ("free!!!!!!!!" -> "free!!!").
_REPEATED = re.compile(r"([!?.])\1{3,}")


def _clean_surrogates(text: str) -> str:
    # Lone surrogates (from ``surrogateescape`` decoding) cannot be encoded or NFKC'd safely.
    # Strict UTF-8 encoding fails exactly when the text holds a surrogate code point, and is
    # a faster test than scanning for them with a character class.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return _SURROGATES.sub("\ufffd", text)
    return text


def _single_spaced(text: str) -> str:
    """``" ".join(text.split())``: whitespace runs to one space, none at either end."""
    # Every whitespace character but " " is unprintable (a test checks this for every code
    # point), so in printable text collapsing runs of " " and stripping the ends gives the
    # same as splitting and joining, without building a string per word. A run of n spaces
    # takes log2(n) passes.
    if text.isprintable():
        while "  " in text:
            text = text.replace("  ", " ")
        return text.strip(" ")
    return " ".join(text.split())


def _drop_raw_text_elements(text: str) -> str:
    """Remove ``<script>``/``<style>`` bodies with one forward scan (no backtracking regex)."""
    if _RAW_TEXT_OPEN.search(text) is None:
        return text
    lower = text.lower()
    out: list[str] = []
    pos = 0
    while True:
        m = _RAW_TEXT_OPEN.search(text, pos)
        if m is None:
            out.append(text[pos:])
            break
        out.append(text[pos : m.start()])
        end = lower.find("</" + m.group(1).lower(), m.end())
        if end < 0:
            break  # unterminated: the rest is script/style, drop it
        close = text.find(">", end)
        pos = len(text) if close < 0 else close + 1
    return " ".join(out)


def _preceded_by_word(match: re.Match[str]) -> bool:
    start = match.start()
    if start == 0:
        return False
    prev = match.string[start - 1]
    return prev.isalnum() or prev in "_[.,+("


def _money_if_standalone(match: re.Match[str]) -> str:
    # "abc5k" or "1.5k" seen from its middle are not amounts; a lookbehind in the pattern
    # would cost a check at every position, so it is done here for the few matches.
    return match.group(0) if _preceded_by_word(match) else " [money] "


def _phone_digits_ok(match: re.Match[str]) -> str:
    found = match.group(0)
    if _preceded_by_word(match):
        return found
    if _DATE.fullmatch(found.strip()) is not None:
        return found
    digits = sum(ch.isdigit() for ch in found)
    return " [phone] " if digits >= 7 else found


def _tag_to_text(match: re.Match[str]) -> str:
    # A link's target is often the only trace of where a pitch sends the reader, so keep it
    # (it becomes a domain token below) and drop the rest of the tag.
    href = _HREF.search(match.group(0))
    return f" {href.group(1)} " if href is not None else " "


@lru_cache(maxsize=1)
def _lookalike_table() -> tuple[dict[int, str], frozenset[int], re.Pattern[str], re.Pattern[str]]:
    """Build the look-alike -> ASCII letter table from the Unicode confusables data, once.

    Returns the table (code point -> lower-case ASCII letter), the code points among them
    that are Latin-script look-alikes (small capitals and the like, never genuine words), a
    regex that finds any of them, and one that finds a letter beyond Latin Extended-B that
    imitates nothing (a genuine Cyrillic, Greek, ... letter). The data comes from
    ``confusable_homoglyphs`` (Unicode's confusables.txt); loading it takes tens of
    milliseconds, so it is done on the first message that needs it, not at import.
    """
    from confusable_homoglyphs import categories, confusables

    data: dict[str, list[dict[str, str]]] = confusables.confusables_data
    small_caps: dict[str, str] = {}
    for start, end in ((0x0250, 0x02B0), (0x1D00, 0x1DC0), (0xA720, 0xA800), (0xAB30, 0xAB70)):
        for cp in range(start, end):
            match = _SMALL_CAPITAL.fullmatch(unicodedata.name(chr(cp), ""))
            if match is not None:
                small_caps[chr(cp)] = match.group(1).lower()
    second_step = small_caps | _SECOND_STEP

    table: dict[int, str] = {ord(ch): letter for ch, letter in small_caps.items()}
    for ch, entries in data.items():
        if len(ch) != 1 or ord(ch) < 0x0250 or not ch.isalpha():
            continue  # ASCII, Latin-1 and Latin Extended-A/B letters are genuine letters
        if str(categories.alias(ch)) not in _LOOKALIKE_ALIASES:
            continue
        target = ""
        glyphs = [str(entry.get("c", "")) for entry in entries]
        for glyph in glyphs:
            if len(glyph) == 1 and glyph.isascii() and glyph.isalpha():
                target = glyph
                break
        else:
            for glyph in glyphs:
                if glyph in second_step:
                    target = second_step[glyph]
                    break
        if not target:
            continue
        # A capital that looks like "l" (Greek Iota, Cyrillic I) is an "I" once lower-cased.
        if ch.isupper() and target in "lL":
            target = "i"
        table[ord(ch)] = target.lower()
    latin = frozenset(cp for cp in table if str(categories.alias(chr(cp))) == "LATIN")
    chars = "".join(re.escape(chr(cp)) for cp in sorted(table))
    probe = re.compile(f"[{chars}]")
    genuine = re.compile(f"[^\\W\\d_\x00-\u024f{chars}]")
    return table, latin, probe, genuine


def _fold_lookalikes(text: str) -> str:
    """Replace look-alike letters from other scripts by the Latin letter they imitate.

    Only inside words that are Latin once folded: a word mixing Latin letters with
    look-alikes ("frее" with Cyrillic е) is folded; a word made only of look-alikes is folded
    when the message as a whole is Latin; a genuine Cyrillic, Greek or Armenian word (one with
    letters that imitate nothing, like "привет" or "ευχαριστώ") is left as it is, and so is a
    short all-look-alike word in a Russian or Greek message ("сор").
    """
    if _LOOKALIKE_SCRIPTS.search(text) is None:
        return text
    table, latin_lookalikes, probe, genuine = _lookalike_table()
    if probe.search(text) is None:
        return text
    # Is the message Latin? At most one genuine letter of another script for four Latin
    # letters; the genuine letters are counted only up to that limit.
    n_latin = len(_LATIN_LETTER_ANY.findall(text))
    if genuine.search(text) is None:
        # Latin and look-alikes only: a disguised message. Without a Latin letter, only
        # small capitals and the like say it is Latin ("ꜰʀᴇᴇ"); "сор" alone is Russian.
        if n_latin > 0 or any(ord(ch) in latin_lookalikes for ch in probe.findall(text)):
            return text.translate(table)
        return text
    else:
        limit = n_latin // 4
        n_other = 0
        for _ in genuine.finditer(text):
            n_other += 1
            if n_other > limit:
                break
        latin_message = n_latin > 0 and n_other <= limit
        if not latin_message and n_latin == 0:
            return text  # no Latin letter, so no word mixing Latin with look-alikes
    out: list[str] = []
    pos = 0
    for match in _WORD.finditer(text):
        word = match.group()
        if word.isascii() or (not latin_message and _LATIN_LETTER_ANY.search(word) is None):
            continue  # nothing to fold, or a word of another script in a message of it
        w_latin = w_fold = w_other = w_latin_lookalike = 0
        for ch in word:
            cp = ord(ch)
            if cp in table:
                w_fold += 1
                if cp in latin_lookalikes:
                    w_latin_lookalike += 1
            elif ch.isalpha():
                if cp < 0x0250:
                    w_latin += 1
                else:
                    w_other += 1
        if w_fold == 0:
            continue
        if w_other == 0:
            # mixed with Latin, fancy-text small capitals, or all look-alikes in Latin text
            fold = w_latin > 0 or w_latin_lookalike == w_fold or latin_message
        else:
            fold = w_latin > w_other  # mostly Latin with a stray letter
        if fold:
            start, end = match.span()
            out.append(text[pos:start])
            out.append(word.translate(table))
            pos = end
    if not out:
        return text
    out.append(text[pos:])
    return "".join(out)


def _drop_emoji_in_words(match: re.Match[str]) -> str:
    # A run of emoji with a letter on both sides hides a word ("fr🔥ee"); between words,
    # emoji are kept (they say something, and the model has learned from them).
    start, end = match.span()
    text = match.string
    if start > 0 and end < len(text) and text[start - 1].isalpha() and text[end].isalpha():
        return ""
    return match.group(0)


def _undo_evasion_unicode(text: str) -> str:
    """The Unicode steps against evasion, for text that is not pure ASCII (see normalize).

    Each step runs only when a cheap scan finds one of its characters, so accented text with
    curly quotes costs one scan and NFKC.
    """
    text = _CONTROL.sub(" ", text)
    if _ATTENTION.search(text) is None:
        return unicodedata.normalize("NFKC", text)
    has_astral = _ASTRAL.search(text) is not None
    if _INVISIBLE_BMP.search(text) is not None or (
        has_astral and _INVISIBLE_ASTRAL.search(text) is not None
    ):
        text = _INVISIBLE.sub("", text.replace("\u2800", " "))  # braille blank: a space
    text = unicodedata.normalize("NFKC", text)
    if text.isascii():
        return text  # full-width or styled letters only
    text = _NOISE_MARKS.sub("", text)
    if has_astral:
        if _ENCLOSED.search(text) is not None:
            text = text.translate(_ENCLOSED_TABLE)
        text = _EMOJI_RUN.sub(_drop_emoji_in_words, text)
    elif _EMOJI_BMP.search(text) is not None:
        text = _EMOJI_RUN.sub(_drop_emoji_in_words, text)
    return _fold_lookalikes(text)


def _join_spelled(match: re.Match[str]) -> str:
    word = _SPELLED_SEPARATORS.sub("", match.group(0))
    return match.group(0) if _ONE_LETTER_WORDS.issuperset(word) else word


def _first_spelled_hint(text: str) -> int:
    """Where the first match of _SPELLED_HINT_SPACE or _SPELLED_HINT_MARK starts, or -1."""
    found = _SPELLED_HINT_SPACE.search(text)
    first = -1 if found is None else found.start()
    for mark, hint in _SPELLED_HINT_MARK_AT:
        if mark in text:
            # only a match before the best so far can matter, and a match is 5 long at most
            found = hint.search(text, 0, len(text) if first < 0 else first + 4)
            if found is not None and (first < 0 or found.start() < first):
                first = found.start()
    return first


def _join_spelled_out(text: str) -> str:
    """Join letters spelled out with spaces, dots or hyphens ("d e m o", "f.r.e.e", "F-R-E-E")."""
    # The full pattern starts with look-behinds, which the regex engine tries at every
    # position; the hints start with a plain character and skip ahead. Any run of three
    # spelled letters contains a hint match no more than four characters after its start,
    # so the full pattern only reads the text from just before the first hint on.
    if text[1:2] == " " and text[3:4] == " ":  # "f r e e ..." at the very start
        first = 0
    else:
        first = _first_spelled_hint(text)
        if first < 0:
            return text
    # cut just after a space, so that the look-behind sees what it would see in the whole text
    start = text.rfind(" ", 0, max(0, first - 6)) + 1
    return text[:start] + _SPELLED.sub(_join_spelled, text[start:])


def _unleet_token(token: str) -> str:
    """Read a token such as "fr33" or "pr1c1ng" as letters; leave numbers and codes alone."""
    if len(token) < 3 or not _NON_LEET_DIGITS.isdisjoint(token):
        return token
    first = last = -1
    letters = 0
    for i, ch in enumerate(token):
        if ch.isalpha():
            letters += 1
            if first < 0:
                first = i
            last = i
    if (
        letters < 2
        or token in _CODE_WORDS
        or _NUMBER_WITH_UNIT.fullmatch(token) is not None
        or _CODE_AMOUNT.fullmatch(token) is not None
    ):
        return token
    lead, body, tail = token[:first], token[first : last + 1], token[last + 1 :]
    in_body = _LEET_CHARS.intersection(body)
    if in_body == {"@"} and not lead and not tail and body.count("@") == 1:
        user, _, host = body.partition("@")
        if len(user) >= 3 and len(host) >= 3:
            return token  # an address the e-mail pattern did not take ("sales@acme")
    if not in_body and (lead.startswith("@") or (len(lead) > 1 and lead[-1] == "0")):
        return token  # a mention, or a round number before a word ("50off", "100percent")
    if in_body or (lead and tail and not lead == tail == "1"):
        # Leet between letters, or at both ends ("7im3"): a disguised word, unless it is a
        # short code like "h1b" or "p2p". "1on1" is a number, one and one.
        return token if len(token) < 4 else token.translate(_LEET_TRANS)
    if len(lead) > 1 or (lead in ("0", "3", "$") and letters >= 3):
        # "0ffer", "3asy", "$ales", "71me"; not "5star", "4you", "1password": a digit that
        # counts or reads as a word
        lead = lead.translate(_LEET_TRANS)
    if len(tail) == 1:
        # "dem0", "th3", "thi$", "prueb@", "your5"; not "v3", "analyst1", "team4" or a code
        # ("web3")
        if tail in "03$@" or (tail in "57" and letters >= 4) or (tail == "4" and letters >= 5):
            tail = tail.translate(_LEET_TRANS)
    elif (
        tail
        and tail[-1] != "0"
        and tail.strip("1")
        and (letters <= 2 or _VOWEL_LEET.issuperset(tail) or not _SYMBOL_LEET.isdisjoint(tail))
    ):
        tail = tail.translate(_LEET_TRANS)  # "fr33", "sl07", "minut3$", "vent@5"
        # (not "top10", "win11", "room45": a number after a word)
    return lead + body + tail


def _undo_leet(text: str) -> str:
    """Undo leetspeak inside words; one forward pass over the tokens the probe points at."""
    hit = _LEET_HINT.search(text)
    if hit is None:
        return text
    out: list[str] = []
    pos = 0
    while hit is not None:
        start = hit.start()
        while start > pos and text[start - 1] in _LEET_TOKEN_CHARS:
            start -= 1
        token_end = _LEET_TOKEN_END.match(text, hit.start())
        end = token_end.end() if token_end is not None else hit.end()
        out.append(text[pos:start])
        if text[end : end + 1] == "." and text[end + 1 : end + 2].isalnum():
            out.append(text[start:end])  # part of a dotted name ("3desk.com", "www1.site")
        elif start > 1 and text[start - 1] == "." and text[start - 2].isalnum():
            out.append(text[start:end])
        else:
            out.append(_unleet_token(text[start:end]))
        pos = end
        hit = _LEET_HINT.search(text, end)
    out.append(text[pos:])
    return "".join(out)


def _cut_repeats(text: str) -> str:
    if "!!!!" in text or "????" in text or "...." in text:
        return _REPEATED.sub(r"\1\1\1", text)
    return text


def normalize(text: str, subject: str = "", *, max_chars: int = MAX_INPUT_CHARS) -> Normalized:
    """Normalise one message (and its optional subject) for the text model.

    Reads at most ``max_chars`` characters of subject + text (subject first), strips HTML
    tags and unescapes entities, replaces URLs by their domain, e-mail addresses, phone
    numbers, money amounts and mail-merge tokens by placeholder tokens (see
    :data:`PLACEHOLDERS`), applies NFKC, lower-cases and collapses all whitespace (line
    and paragraph separators included) to single spaces. Never raises on a ``str``.

    Against evasion it also removes invisible characters (Unicode category Cf, variation
    selectors, leftover combining marks), maps look-alike letters of other scripts and
    symbol letters to Latin inside Latin words, drops emoji inside words, joins letters
    spelled out with spaces, dots or hyphens, reads leetspeak digits inside words as letters
    and cuts long runs of one punctuation mark to three.
    """
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    if not isinstance(subject, str):
        subject = "" if subject is None else str(subject)
    max_chars = max(0, int(max_chars))
    truncated = False
    if len(subject) > max_chars:
        subject, truncated = subject[:max_chars], True
    budget = max_chars - len(subject)
    if len(text) > budget:
        text, truncated = text[:budget], True
    raw = f"{subject}\n{text}" if subject else text
    if not raw.isascii():
        raw = _clean_surrogates(raw)

    is_html = _HTML_HINT.search(raw) is not None
    if "<" in raw:
        raw = _drop_raw_text_elements(raw)
        raw = _TAG.sub(_tag_to_text, raw)
    if "&" in raw:
        raw = html.unescape(raw)
        raw = _clean_surrogates(raw)  # "&#xd800;" unescapes to U+FFFD, but be sure

    # Merge tokens first: "{{first_name}}" must not be taken for anything else.
    has_merge = False
    if "%" in raw or "{" in raw or "[" in raw:
        raw, n_merge = _MERGE.subn(" [merge] ", raw)
        has_merge = n_merge > 0

    domains: list[str] = []

    def _url_to_domain(m: re.Match[str]) -> str:
        url = m.group(0)
        host = re.sub(r"^(?:https?|ftp)://", "", url, flags=re.IGNORECASE)
        host = re.split(r"[/?#:@]", host, maxsplit=1)[0].lower().strip(".")
        if host.startswith("www."):
            host = host[4:]
        if not host:
            return " "
        if host not in domains:
            domains.append(host)
        return f" {host} "

    # ASCII is NFKC already and holds no look-alikes: the fast path
    is_ascii = raw.isascii()
    if not is_ascii:
        raw = _undo_evasion_unicode(raw)
    elif not raw.isprintable():  # a control character, or only a newline or tab
        raw = _CONTROL.sub(" ", raw)
    raw = raw.lower()
    if "@" in raw:
        raw = _EMAIL.sub(" [email] ", raw)
    if "://" in raw or "www." in raw:
        raw = _URL_SCHEME.sub(_url_to_domain, raw)
    if "/" in raw and _URL_BARE_HINT.search(raw) is not None:
        raw = _URL_BARE.sub(_url_to_domain, raw)
    if "[" in raw:
        raw = _PHONE_PSEUDO.sub(" [phone] ", raw)
    if "$" in raw or "€" in raw or "£" in raw or "¥" in raw or "₹" in raw or "₦" in raw:
        raw = _MONEY_SYMBOL.sub(" [money] ", raw)
    # Still ASCII here if it was: every replacement so far is ASCII. On ASCII text the
    # substring tests and the ASCII variants of the patterns give the same results faster.
    if is_ascii:
        has_digit = any(map(raw.__contains__, _ASCII_DIGITS))
    else:
        has_digit = _DIGIT.search(raw) is not None
    if has_digit:
        if (_MONEY_CODE_HINT_ASCII if is_ascii else _MONEY_CODE_HINT).search(raw) is not None:
            raw = _MONEY_CODE.sub(" [money] ", raw)
        raw = (_MONEY_NUMBER_ASCII if is_ascii else _MONEY_NUMBER).sub(_money_if_standalone, raw)
        if _ascii_digit_count(raw) >= 7:  # a phone number has seven digits or more
            raw = (_PHONE_ASCII if is_ascii else _PHONE).sub(_phone_digits_ok, raw)
    # After amounts, links and addresses are placeholders, so "$99", "v3.1" or "a.b@c.de"
    # cannot be taken for a disguised word.
    raw = _join_spelled_out(raw)
    # Leetspeak needs a digit, "$" or "@" (the steps since the digit test add no digit).
    if has_digit or "$" in raw or "@" in raw:
        raw = _undo_leet(raw)
    raw = _cut_repeats(raw)
    # Every Unicode whitespace, U+2028/U+2029 included, becomes a single space.
    return Normalized(
        text=_single_spaced(raw),
        truncated=truncated,
        is_html=is_html,
        has_merge_token=has_merge,
        domains=tuple(domains),
    )
