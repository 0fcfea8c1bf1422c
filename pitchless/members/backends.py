"""The authentication backend: Django's, refusing members whose account is suspended."""

from __future__ import annotations

from django.contrib.auth.backends import ModelBackend


class MemberBackend(ModelBackend):
    """Log-in by e-mail and password; a suspended member can neither log in nor stay logged in.

    Django asks ``user_can_authenticate`` both when a member logs in and when a session is
    read back on each request, so a suspension also ends the sessions already open.
    """

    def user_can_authenticate(self, user: object) -> bool:
        """Open accounts that are not suspended."""
        if not super().user_can_authenticate(user):
            return False
        is_suspended = getattr(user, "is_suspended", None)
        return not (callable(is_suspended) and is_suspended())
