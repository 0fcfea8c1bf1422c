"""Where the network meets the Exchange, which comes later.

Two hooks, each with a safe answer until the Exchange app exists:
``answers_exchange_request`` lets someone who answers a member's Exchange request start a
conversation with them without being connected (and exempts the message from the guard);
``exchange_url`` is where senders of a pitch are pointed.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from pitchless.members.models import Member


def answers_exchange_request(*, sender: Member, recipient: Member, request_id: int | None) -> bool:
    """True when ``sender`` answers ``recipient``'s own Exchange request ``request_id``.

    Always ``False`` until the Exchange exists: it will look the request up and check that
    ``recipient`` owns it and that it is open.
    """
    return False


def exchange_url() -> str:
    """The Exchange's front page, or a page saying it is on its way."""
    if settings.PITCHLESS_EXCHANGE_URL:
        return settings.PITCHLESS_EXCHANGE_URL
    try:
        return reverse("exchange:home")
    except NoReverseMatch:
        return reverse("network:exchange_soon")
