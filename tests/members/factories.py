"""Plain factory helpers for members."""

from __future__ import annotations

import itertools
from datetime import datetime, timedelta

from django.utils import timezone

from pitchless.members.models import Member

PASSWORD = "correct horse battery staple"
_seq = itertools.count(1)


def make_member(
    name: str | None = None,
    *,
    email: str | None = None,
    joined: datetime | None = None,
    **fields: object,
) -> Member:
    """A member with a usable password; by default a year old, so new-account caps don't apply."""
    n = next(_seq)
    member = Member.objects.create_user(
        email or f"member{n}@example.org",
        PASSWORD,
        name=name or f"Member {n}",
        **fields,
    )
    member.date_joined = joined or timezone.now() - timedelta(days=365)
    member.save(update_fields=["date_joined"])
    return member
