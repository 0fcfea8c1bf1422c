"""A listing's description: simple formatting in, only allow-listed HTML out."""

from __future__ import annotations

import re

from django.utils.safestring import SafeString
from hypothesis import given, settings
from hypothesis import strategies as st

from pitchless.exchange.formatting import ALLOWED_TAGS, render_description

_TAG = re.compile(r"<\s*(/?)\s*([a-zA-Z][a-zA-Z0-9]*)([^>]*)>")
_ATTR = re.compile(r"([a-zA-Z_:-]+)\s*=")


def _tags(html: str) -> list[tuple[str, str]]:
    """(tag name, attribute text) of every tag in ``html``."""
    return [(m.group(2).lower(), m.group(3)) for m in _TAG.finditer(html)]


def _assert_only_allowed(html: str) -> None:
    for name, attrs in _tags(html):
        assert name in ALLOWED_TAGS, html
        for attr in _ATTR.findall(attrs):
            assert (name, attr.lower()) in {("a", "href"), ("a", "rel"), ("ol", "start")}, html
    for m in re.finditer(r'href="([^"]*)"', html):
        assert m.group(1).lower().startswith(("http://", "https://", "mailto:")), html


def test_the_simple_formatting():
    html = render_description(
        "First paragraph with **bold** and *italic*.\nA second line.\n\n"
        "- one\n- two\n\n1. first\n2. second\n\n"
        "See [our site](https://example.org/work) or write to [me](mailto:me@example.org)."
    )
    assert isinstance(html, SafeString)
    assert "<p>First paragraph with <strong>bold</strong> and <em>italic</em>.<br>" in html
    assert "<ul>\n<li>one</li>\n<li>two</li>\n</ul>" in html
    assert "<ol>\n<li>first</li>\n<li>second</li>\n</ol>" in html
    assert '<a href="https://example.org/work" rel="nofollow noopener ugc">our site</a>' in html
    assert '<a href="mailto:me@example.org" rel="nofollow noopener ugc">me</a>' in html
    assert html.count("<p>") == 2  # the lists sit between the two paragraphs
    _assert_only_allowed(html)


def test_scripts_and_raw_html_never_come_out():
    html = render_description(
        "<script>alert('x')</script>\n\n"
        '<img src="x" onerror="alert(1)">\n\n'
        '<a href="https://example.org" onclick="steal()">raw link</a>\n\n'
        "<b>raw bold</b> <iframe src=https://evil.example></iframe>\n\n"
        "<!-- a comment --> <style>body{}</style>"
    )
    assert "<script" not in html and "<img" not in html and "<iframe" not in html
    assert "<style" not in html and "<b>" not in html and "<!--" not in html
    assert not re.search(r"<[^>]*\bon[a-z]+\s*=", html)  # no event handler in any tag
    assert "&lt;script&gt;" in html  # shown as text, harmlessly
    _assert_only_allowed(html)


def test_only_http_https_and_mailto_links():
    html = render_description(
        "[a](javascript:alert(1)) [b](JAVASCRIPT:alert(1)) [c](data:text/html,<script>x</script>) "
        "[d](vbscript:msgbox) [e](/admin/) [f](//evil.example/) <javascript:alert(1)> "
        "[g](https://ok.example/)"
    )
    # Refused links stay visible as text, never as a link.
    assert "[b](javascript:alert(1))" in html.lower()
    assert not re.search(r"<a[^>]*(javascript|data:|vbscript)", html, re.IGNORECASE)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs == ["https://ok.example/"]
    _assert_only_allowed(html)


def test_headings_images_and_code_stay_plain_text():
    html = render_description("# Title\n\n![pic](https://example.org/p.png)\n\n    code\n\n`x`")
    assert "<h1" not in html and "<img" not in html and "<pre" not in html
    assert "<code" not in html
    _assert_only_allowed(html)


def test_empty_text():
    assert render_description("") == ""


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "<script>",
                "</script>",
                "<img src=x onerror=alert(1)>",
                "javascript:",
                "[x](",
                ")",
                "](javascript:alert(1))",
                "**",
                "*",
                "\n",
                "\n\n",
                "- ",
                "1. ",
                "<a href='",
                "'>",
                '"',
                "&",
                "<",
                ">",
                "https://e.org",
                "mailto:a@b.c",
                "word ",
            ]
        )
        | st.text(max_size=5),
        max_size=40,
    ).map("".join)
)
def test_any_text_gives_only_allowed_html(text):
    _assert_only_allowed(render_description(text))
