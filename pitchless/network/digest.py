"""The weekly digest line: "N pitches were filed for you", since pitches never notify."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.mail import send_mail
from django.db.models import Count
from django.utils import timezone

from pitchless.members.models import Member
from pitchless.network.models import Message

logger = logging.getLogger(__name__)
WEEK = timedelta(days=7)


def pitches_filed(member: Member, *, since: datetime) -> int:
    """How many messages to ``member`` were filed in Pitches since ``since``."""
    return Message.objects.filter(
        recipient=member, filed_as=Message.Filing.PITCHES, created_at__gte=since
    ).count()


def digest_line(count: int) -> str:
    """The sentence for ``count`` pitches."""
    return "1 pitch was filed for you" if count == 1 else f"{count} pitches were filed for you"


def send_weekly_digests(*, now: datetime | None = None) -> int:
    """E-mail the week's pitch count to every member who wants mail and got any; returns how
    many mails went out. Safe to re-run: it only reads."""
    now = now or timezone.now()
    since = now - WEEK
    counts = dict(
        Message.objects.filter(filed_as=Message.Filing.PITCHES, created_at__gte=since)
        .values_list("recipient")
        .annotate(n=Count("id"))
        .values_list("recipient", "n")
    )
    sent = 0
    for member in Member.objects.active().filter(notify_messages=True, pk__in=list(counts)):
        line = digest_line(counts[member.pk])
        try:
            send_mail(
                f"Pitchless: {line} this week",
                f"Hello {member.get_short_name()},\n\n{line} this week. They are in your "
                "Pitches folder, with the reasons each was kept out of your inbox.\n",
                None,
                [member.email],
            )
        except Exception:
            logger.exception("could not send the weekly digest to member %s", member.pk)
            continue
        sent += 1
    return sent
