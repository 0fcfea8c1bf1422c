"""Who is a moderator, and the guard on every moderation page."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse

#: the permission that makes a member a moderator (staff are moderators too)
PERMISSION = "moderation.moderate"
#: the group created with that permission; add members to it to make them moderators
GROUP = "moderators"


def is_moderator(member: object) -> bool:
    """Staff, superusers and members with the ``moderation.moderate`` permission."""
    if not getattr(member, "is_authenticated", False) or not getattr(member, "is_active", False):
        return False
    return bool(getattr(member, "is_staff", False) or member.has_perm(PERMISSION))  # type: ignore[attr-defined]


def moderator_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Answer 404 to anyone but a moderator, anonymous visitors included.

    A 404 rather than a 403 or a log-in redirect: the moderation pages do not exist for
    members, so probing them tells nothing.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not is_moderator(request.user):
            raise Http404("No such page.")
        return view(request, *args, **kwargs)

    return wrapper
