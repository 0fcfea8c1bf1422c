"""Template context for the header: the moderation link, and a member's standing notice."""

from __future__ import annotations

from datetime import timedelta

from django.http import HttpRequest
from django.utils import timezone

from pitchless.moderation.access import is_moderator
from pitchless.moderation.models import ModerationAction
from pitchless.network.models import ModeratorRestriction

#: how long a warning stays flagged in the header
WARNING_DAYS = 14


def moderation(request: HttpRequest) -> dict[str, object]:
    """``is_moderator``, and ``standing_notice`` when a moderator restricted or recently
    warned the member."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    now = timezone.now()
    notice = (
        ModeratorRestriction.objects.filter(member=user).active(now).exists()
        or ModerationAction.objects.filter(
            member=user,
            kind=ModerationAction.Kind.WARN,
            created_at__gt=now - timedelta(days=WARNING_DAYS),
        ).exists()
    )
    return {"is_moderator": is_moderator(user), "standing_notice": notice}
