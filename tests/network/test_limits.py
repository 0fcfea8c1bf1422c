"""The invitation limits, each shown with the date it lifts, tested with a frozen clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pitchless.members.models import Member
from pitchless.network.models import Invitation
from tests.members.factories import make_member
from tests.network.conftest import login

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def _others(n: int) -> list[Member]:
    return Member.objects.bulk_create(
        [Member(email=f"other{i}@example.org", name=f"Other {i}") for i in range(n)]
    )


def _sent(
    sender: Member,
    recipients: list[Member],
    *,
    first: datetime,
    step: timedelta,
    status: str = Invitation.Status.ACCEPTED,
) -> None:
    Invitation.objects.bulk_create(
        [
            Invitation(
                sender=sender,
                recipient=r,
                created_at=first + i * step,
                status=status,
                decided_at=first + i * step,
            )
            for i, r in enumerate(recipients)
        ]
    )


def _try(sender: Member, recipient: Member):
    return login(sender).post(f"/members/{recipient.pk}/invite/", {"note": ""})


def test_100_per_rolling_week(alice, bob):
    with time_machine.travel(NOW, tick=False):
        # 100 invitations, one an hour, the first 99 hours ago.
        _sent(alice, _others(100), first=NOW - timedelta(hours=99), step=timedelta(hours=1))
        response = _try(alice, bob)
        assert response.status_code == 400
        html = response.content.decode()
        assert "sent 100 invitations in the last 7 days" in html
        # The oldest leaves the window 7 days after it was sent.
        lifts = NOW - timedelta(hours=99) + timedelta(days=7)
        assert lifts.strftime("%-d %B %Y, %H:%M") in html
        sent_page = login(alice).get("/invitations/sent/").content.decode()
        assert "You can invite again from" in sent_page
    with time_machine.travel(lifts + timedelta(seconds=1), tick=False):
        assert _try(alice, bob).status_code == 302


def test_20_per_week_for_new_accounts(bob):
    newcomer = make_member("Nina New", joined=NOW - timedelta(days=10))
    with time_machine.travel(NOW, tick=False):
        _sent(newcomer, _others(20), first=NOW - timedelta(days=2), step=timedelta(minutes=5))
        response = _try(newcomer, bob)
        assert response.status_code == 400
        html = response.content.decode()
        assert "younger than 30 days may send 20 invitations a week" in html
        assert (NOW - timedelta(days=2) + timedelta(days=7)).strftime("%-d %B %Y") in html
    with time_machine.travel(NOW + timedelta(days=5, minutes=1), tick=False):
        assert _try(newcomer, bob).status_code == 302


def test_new_account_cap_lifts_when_the_account_is_30_days_old(bob):
    newcomer = make_member("Omar Old-Enough", joined=NOW - timedelta(days=29))
    with time_machine.travel(NOW, tick=False):
        _sent(newcomer, _others(20), first=NOW - timedelta(hours=20), step=timedelta(minutes=1))
        response = _try(newcomer, bob)
        assert response.status_code == 400
        assert (NOW + timedelta(days=1)).strftime("%-d %B %Y") in response.content.decode()
    with time_machine.travel(NOW + timedelta(days=1, seconds=1), tick=False):
        assert _try(newcomer, bob).status_code == 302


def test_at_most_200_pending(alice, bob, settings):
    settings.PITCHLESS_INVITES_PER_WEEK = 1000
    with time_machine.travel(NOW, tick=False):
        _sent(
            alice,
            _others(200),
            first=NOW - timedelta(days=60),
            step=timedelta(hours=1),
            status=Invitation.Status.PENDING,
        )
        response = _try(alice, bob)
        assert response.status_code == 400
        html = response.content.decode()
        assert "200 invitations waiting for an answer" in html
        # Unanswered invitations expire after 90 days, which frees a place.
        assert (NOW - timedelta(days=60) + timedelta(days=90)).strftime("%-d %B %Y") in html
        # Withdrawing one frees a place at once.
        first = Invitation.objects.filter(sender=alice).order_by("created_at").first()
        login(alice).post(f"/invitations/{first.pk}/withdraw/")
        assert _try(alice, bob).status_code == 302


@pytest.mark.parametrize("answer", ["withdraw", "ignore"])
def test_no_reinvite_for_21_days_after_withdraw_or_ignore(alice, bob, answer):
    with time_machine.travel(NOW, tick=False):
        assert _try(alice, bob).status_code == 302
        inv = Invitation.objects.get()
        actor = alice if answer == "withdraw" else bob
        login(actor).post(f"/invitations/{inv.pk}/{answer}/")
    with time_machine.travel(NOW + timedelta(days=20), tick=False):
        if answer == "ignore":  # still shown as waiting: the sender is not told
            page = login(alice).get(f"/members/{bob.pk}/").content.decode()
            assert "Send invitation" not in page
        response = _try(alice, bob)
        assert response.status_code == 400
        html = response.content.decode()
        assert "less than 21 days ago" in html
        assert (NOW + timedelta(days=21)).strftime("%-d %B %Y, %H:%M") in html
    with time_machine.travel(NOW + timedelta(days=21, seconds=1), tick=False):
        # The profile offers the invitation form again (an ignore is not shown before that).
        page = login(alice).get(f"/members/{bob.pk}/").content.decode()
        assert "Send invitation" in page
        assert _try(alice, bob).status_code == 302


def test_limits_are_settings(alice, bob, carol, settings):
    settings.PITCHLESS_INVITES_PER_WEEK = 1
    assert _try(alice, bob).status_code == 302
    assert _try(alice, carol).status_code == 400
