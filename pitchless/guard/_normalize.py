"""Turn a raw message (plain text or InMail HTML) into the text the model reads.

Everything here is a handful of linear-time regular expressions over an input that is cut to
``max_chars`` *before* any parsing, so a 5 MB paste or ``"<div>" * 100_000`` costs the same
as a long ordinary message. No HTML parser is used: a parser builds a tree (slow, and
recursion-prone on deeply nested markup) and the model only needs the words.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass

__all__ = ["MAX_INPUT_CHARS", "PLACEHOLDERS", "Normalized", "normalize"]

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
_MONEY_SYMBOL = re.compile(r"[$€£¥₹₦]\s?\d[\d,.]*" + _MULTIPLIER)
_MONEY_CODE = re.compile(
    r"\b(?:us\$|usd|eur|gbp|ngn|inr|sek|nok|dkk|chf|cad|aud)\s?\d[\d,.]*" + _MULTIPLIER
)
_MONEY_NUMBER = re.compile(
    r"\d[\d,.]*\s?(?:k|m|mm|bn|million|billion|thousand)?\s?"
    r"(?:usd|eur|gbp|ngn|inr|sek|kr|nok|dollars|euros|pounds|naira|rupees|kronor|dólares)\b"
    r"|\d{1,4}(?:[.,]\d{1,2})?\s?k\b"
)
_CURRENCY_SYMBOLS = "$€£¥₹₦"
# Seven or more digits (checked in the callback) with the usual separators, optionally
# starting with "+" or "("; dates are let through in the callback.
_PHONE = re.compile(r"[+(\d][\d\s().-]{5,20}\d(?![\w\]])")
_PHONE_PSEUDO = re.compile(r"\[(?:phone|tel|telephone|phone number)\]")
_DIGIT = re.compile(r"\d")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u200b-\u200d\u2060\ufeff]")


def _clean_surrogates(text: str) -> str:
    # Lone surrogates (from ``surrogateescape`` decoding) cannot be encoded or NFKC'd safely.
    if _SURROGATES.search(text) is None:
        return text
    return _SURROGATES.sub("\ufffd", text)


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


def normalize(text: str, subject: str = "", *, max_chars: int = MAX_INPUT_CHARS) -> Normalized:
    """Normalise one message (and its optional subject) for the text model.

    Reads at most ``max_chars`` characters of subject + text (subject first), strips HTML
    tags and unescapes entities, replaces URLs by their domain, e-mail addresses, phone
    numbers, money amounts and mail-merge tokens by placeholder tokens (see
    :data:`PLACEHOLDERS`), applies NFKC, lower-cases and collapses all whitespace (line
    and paragraph separators included) to single spaces. Never raises on a ``str``.
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

    raw = _CONTROL.sub(" ", raw)
    raw = unicodedata.normalize("NFKC", raw).lower()
    if "@" in raw:
        raw = _EMAIL.sub(" [email] ", raw)
    if "://" in raw or "www." in raw:
        raw = _URL_SCHEME.sub(_url_to_domain, raw)
    if "/" in raw and _URL_BARE_HINT.search(raw) is not None:
        raw = _URL_BARE.sub(_url_to_domain, raw)
    if "[" in raw:
        raw = _PHONE_PSEUDO.sub(" [phone] ", raw)
    if any(ch in raw for ch in _CURRENCY_SYMBOLS):
        raw = _MONEY_SYMBOL.sub(" [money] ", raw)
    if _DIGIT.search(raw) is not None:
        raw = _MONEY_CODE.sub(" [money] ", raw)
        raw = _MONEY_NUMBER.sub(_money_if_standalone, raw)
        raw = _PHONE.sub(_phone_digits_ok, raw)
    # str.split() with no argument splits on every Unicode whitespace, U+2028/U+2029 included.
    out = " ".join(raw.split())
    return Normalized(
        text=out,
        truncated=truncated,
        is_html=is_html,
        has_merge_token=has_merge,
        domains=tuple(domains),
    )
