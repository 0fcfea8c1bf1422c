"""Graduated restrictions: a lower invitation cap, then held messages, each with its end date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from pitchless.members.models import Member
from pitchless.network import services
from pitchless.network.models import Message, Report
from pitchless.network.restrictions import restriction_for
from tests.members.factories import make_member
from tests.network.conftest import connect, login

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 4, 1, 12, 0, tzinfo=UTC)


def _reported(member: Member, times: int) -> None:
    for i in range(times):
        Report.objects.create(
            reporter=make_member(f"Reporter {i}"), reported=member, reason="pitch", created_at=NOW
        )


def test_good_standing_has_no_restriction(alice):
    assert restriction_for(alice) is None


def test_three_reports_lower_the_invitation_cap_until_they_decay(alice):
    with time_machine.travel(NOW, tick=False):
        _reported(alice, 3)  # reputation 3 / (3 + 6) = 0.33
        restriction = restriction_for(alice)
        assert restriction.level == "invitations"
        assert not restriction.hold_messages
        assert restriction.reasons == ("3 reports",)
        # Half the weight is gone after one half-life: 3 / (3 + 3) = 0.5, the threshold.
        assert abs((restriction.ends_at - NOW) - timedelta(days=30)) < timedelta(minutes=1)
        targets = [make_member(f"Target {i}") for i in range(11)]
        client = login(alice)
        for target in targets[:10]:
            assert client.post(f"/members/{target.pk}/invite/", {"note": ""}).status_code == 302
        refused = client.post(f"/members/{targets[10].pk}/invite/", {"note": ""})
        assert refused.status_code == 400
        html = refused.content.decode()
        assert "limited to 10 a week" in html and "3 reports" in html
        sent = client.get("/invitations/sent/").content.decode()
        assert "Your account is restricted until" in sent
        assert (NOW + timedelta(days=30)).strftime("%-d %B %Y") in sent
    with time_machine.travel(NOW + timedelta(days=30, hours=1), tick=False):
        assert restriction_for(alice) is None


def test_more_reports_hold_messages_to_people_who_never_wrote(alice, bob, carol):
    connect(alice, bob)
    connect(alice, carol)
    services.send_message(sender=carol, recipient=alice, text="Hi Alice, lunch on Friday?")
    with time_machine.travel(NOW, tick=False):
        _reported(alice, 4)  # 3 / (3 + 8) = 0.27
        assert restriction_for(alice).hold_messages
        held = services.send_message(sender=alice, recipient=bob, text="Hello Bob").message
        assert held.filed_as == Message.Filing.HELD
        assert not Message.objects.visible_to(bob).filter(pk=held.pk).exists()
        page = login(alice).get(f"/messages/{held.conversation_id}/").content.decode()
        assert "Held for review" in page
        # Carol wrote to Alice first, so Alice's answer is delivered.
        reply = services.send_message(sender=alice, recipient=carol, text="Friday works!")
        assert reply.message.filed_as == Message.Filing.INBOX
