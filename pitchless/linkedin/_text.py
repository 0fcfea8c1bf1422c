"""Turning a CONTENT cell into the text a person reads."""

from __future__ import annotations

import html
import re

# InMail, Recruiter and sponsored messages arrive as "spinmail" HTML; plain messages may still
# hold a stray "<" (e.g. "<3"), so demand a real tag name followed by ">" or attributes.
_TAG = re.compile(r"<\s*/?\s*[a-zA-Z][a-zA-Z0-9]*(?:[\s/][^<>]*)?>")
_BLOCK = re.compile(r"<\s*(?:br|/p|/div|/li|/h[1-6]|/tr)\b[^<>]*>", re.IGNORECASE)
# Script and style bodies are code, not text a person was meant to read.
_RAW_BLOCKS = re.compile(
    r"<\s*(script|style)\b[^<>]*>.*?(?:<\s*/\s*\1\s*>|$)", re.IGNORECASE | re.DOTALL
)
_SPACES = re.compile(r"[ \t\f\v\u00a0]+")
_BLANK_LINES = re.compile(r"\s*\n\s*")


def looks_like_html(content: str) -> bool:
    """True when the cell carries HTML markup rather than plain text."""
    return "<" in content and _TAG.search(content) is not None


def html_to_text(content: str) -> str:
    """Strip tags, keep paragraph breaks as newlines, unescape entities, tidy whitespace."""
    text = _RAW_BLOCKS.sub(" ", content)
    text = _BLOCK.sub("\n", text)
    text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _SPACES.sub(" ", text)
    text = _BLANK_LINES.sub("\n", text)
    return text.strip()


def content_to_text(content: str) -> tuple[str, bool]:
    """The readable text of a CONTENT cell and whether it was HTML."""
    if looks_like_html(content):
        return html_to_text(content), True
    return content, False
