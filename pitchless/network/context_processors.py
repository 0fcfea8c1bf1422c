"""Template context every page needs: the member's unread and pending counts."""

from __future__ import annotations

from django.db.models import Sum
from django.http import HttpRequest

from pitchless.network import hooks
from pitchless.network.models import Folder, Invitation, Participant


def network(request: HttpRequest) -> dict[str, object]:
    """``unread_count`` (Inbox), ``pending_invitations`` and ``exchange_url``."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "unread_count": Participant.objects.filter(member=user, folder=Folder.INBOX).aggregate(
            n=Sum("unread")
        )["n"]
        or 0,
        "pending_invitations": Invitation.objects.filter(recipient=user).pending().count(),
        "exchange_url": hooks.exchange_url,
    }
