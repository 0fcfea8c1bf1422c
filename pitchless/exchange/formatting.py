"""A listing's description as safe HTML: simple formatting, nothing else.

Members write plain text with a little Markdown: paragraphs, line breaks, bullet and numbered
lists, ``**bold**``, ``*italic*`` and links. markdown-it-py renders it with raw HTML turned
off; nh3 then keeps only an allow-list of tags and attributes, so whatever slips through the
first (a parser quirk, a future option) cannot reach the page.
"""

from __future__ import annotations

from functools import lru_cache

import nh3
from django.utils.safestring import SafeString, mark_safe
from markdown_it import MarkdownIt

#: the only tags a description may produce
ALLOWED_TAGS = frozenset({"p", "br", "ul", "ol", "li", "strong", "em", "a"})
ALLOWED_ATTRIBUTES = {"a": {"href"}, "ol": {"start"}}
URL_SCHEMES = frozenset({"http", "https", "mailto"})
LINK_REL = "nofollow noopener ugc"
_LINK_PREFIXES = ("http://", "https://", "mailto:")


def _valid_link(url: str) -> bool:
    # Absolute http(s) and mailto links only: no javascript:, data:, or relative paths
    # that would point into the site itself.
    return url.strip().lower().startswith(_LINK_PREFIXES)


def _keep_attribute(element: str, attribute: str, value: str) -> str | None:
    # Second line of defence, and the only one for an empty target ("[x]()").
    if element == "a" and attribute == "href":
        return value if _valid_link(value) else None
    return value


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    md = MarkdownIt("zero", {"html": False, "breaks": True, "linkify": False})
    md.enable(["list", "emphasis", "link", "newline", "escape", "autolink", "entity"])
    md.validateLink = _valid_link  # type: ignore[method-assign]
    return md


def render_description(text: str) -> SafeString:
    """``text`` (a listing's description) rendered to sanitised HTML.

    Links get ``rel="nofollow noopener ugc"``; anything else than the allowed formatting
    comes out as escaped text or not at all.
    """
    html = _parser().render(text or "")
    clean = nh3.clean(
        html,
        tags=set(ALLOWED_TAGS),
        attributes={tag: set(attrs) for tag, attrs in ALLOWED_ATTRIBUTES.items()},
        url_schemes=set(URL_SCHEMES),
        link_rel=LINK_REL,
        strip_comments=True,
        attribute_filter=_keep_attribute,
    )
    # Safe: nh3 has just removed every tag and attribute outside the allow-list.
    return mark_safe(clean)
