"""Normalisation: markup, identifiers, caps and hostile input."""

from __future__ import annotations

import time

import pytest

from pitchless.guard._normalize import MAX_INPUT_CHARS, Normalized, normalize


def test_html_is_stripped_and_entities_unescaped() -> None:
    out = normalize('<p class="x">Fish &amp; chips</p><p><br></p><p>Caf&eacute; &#8364;</p>')
    assert out.is_html
    assert "<" not in out.text and "&amp;" not in out.text
    assert out.text.startswith("fish & chips")
    assert "café" in out.text


def test_plain_text_is_not_html() -> None:
    out = normalize("I think 3 < 4 and 5 > 2, right?")
    assert not out.is_html
    assert "3 < 4" in out.text


def test_urls_become_domains() -> None:
    out = normalize(
        'Book here: <a href="https://calendly.com/someone/30min">link</a> or '
        "https://www.example.org/path?q=1 and bit.ly/abc"
    )
    assert out.domains == ("calendly.com", "example.org", "bit.ly")
    assert "calendly.com" in out.text
    assert "https" not in out.text and "/30min" not in out.text


def test_identifiers_become_placeholders() -> None:
    out = normalize(
        "Mail me at jane.doe@corp.example or redacted@example.com, call +1 (555) 123-4567 "
        "or [phone]; it costs $5,000, USD 500, €40k or 5k. Hi %FIRSTNAME% and {{first_name}}!"
    )
    assert out.text.count("[email]") == 2
    assert out.text.count("[phone]") == 2
    assert out.text.count("[money]") == 4
    assert out.text.count("[merge]") == 2
    assert out.has_merge_token
    assert "555" not in out.text and "jane" not in out.text


def test_dates_and_small_numbers_are_not_phones() -> None:
    out = normalize("See you on 12.05.2023 at 10:30 with 3 friends")
    assert "[phone]" not in out.text
    assert "12.05.2023" in out.text


def test_lowercase_and_whitespace_collapsed() -> None:
    out = normalize("  Hello\t\tWORLD\n\nline\u2028two\u2029three\u00a0four  ")
    assert out.text == "hello world line two three four"


def test_subject_is_read_first() -> None:
    assert normalize("Body text", "Quick Question").text == "quick question body text"


def test_truncation_flag_at_the_cap() -> None:
    assert not normalize("a" * MAX_INPUT_CHARS).truncated
    out = normalize("a" * (MAX_INPUT_CHARS + 1))
    assert out.truncated and len(out.text) == MAX_INPUT_CHARS
    assert normalize("abcdef", "xyz", max_chars=5).truncated
    assert not normalize("ab", "xyz", max_chars=5).truncated


@pytest.mark.parametrize(
    "hostile",
    [
        "x" * 5_000_000,
        "<div>" * 100_000,
        "<" * 5_000_000,
        "<script>" * 100_000,
        "<a href='" * 500_000,
        "&amp;" * 1_000_000,
        ("www." + "a" * 60 + ".com/") * 50_000,
        "1-" * 2_000_000,
    ],
)
def test_hostile_inputs_run_in_bounded_time(hostile: str) -> None:
    start = time.perf_counter()
    out = normalize(hostile)
    assert time.perf_counter() - start < 0.5
    assert out.truncated
    assert len(out.text) <= MAX_INPUT_CHARS


@pytest.mark.parametrize(
    "text",
    ["", " ", "😀🎉🚀", "\udcff\udc80 lone surrogates \ud800", "\x00\x01\x1f", "\ufeff\u200b"],
)
def test_never_raises(text: str) -> None:
    out = normalize(text, text)
    assert isinstance(out, Normalized)
    out.text.encode("utf-8")  # always valid Unicode


def test_only_emoji_survives() -> None:
    assert normalize("😀 🎉").text == "😀 🎉"


def test_empty() -> None:
    out = normalize("")
    assert out == Normalized("", False, False, False, ())


def test_spanish_and_swedish_accents_preserved() -> None:
    assert normalize("¿Qué tal? Año de Peña").text == "¿qué tal? año de peña"
    assert normalize("Hej! Vi ses på mötet i Göteborg, Åsa").text == (
        "hej! vi ses på mötet i göteborg, åsa"
    )


def test_decomposed_accents_are_composed() -> None:
    assert normalize("Jose\u0301").text == "josé"
