"""Small template filters for the network pages."""

from __future__ import annotations

from django import template

register = template.Library()


@register.filter
def get_item(mapping: dict[object, object], key: object) -> object:
    """``mapping[key]``, or ``None`` when absent."""
    return mapping.get(key)
