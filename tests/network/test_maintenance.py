"""The periodic chores: invitation expiry, pruning the bulk index, the weekly digest."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from pitchless.network import services
from pitchless.network.models import BulkFingerprint, Invitation
from tests.network.conftest import connect, login

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 5, 4, 8, 0, tzinfo=UTC)
PITCH = (
    "Thanks for connecting! Our agency offers lead generation services. Pricing starts at "
    "$499 per month. Can we book a quick 15-minute call this week for a demo?"
)


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_maintenance_expires_invitations_and_prunes_the_index(alice, bob, carol, capsys):
    with time_machine.travel(NOW, tick=False):
        services.send_invitation(sender=alice, recipient=bob)
        connect(alice, carol)
        services.send_message(sender=alice, recipient=carol, text="See you at the meetup!")
        assert BulkFingerprint.objects.exists()
    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        call_command("network_maintenance")
    assert "expired 1 invitations" in capsys.readouterr().out
    assert Invitation.objects.get().status == Invitation.Status.EXPIRED
    assert not BulkFingerprint.objects.exists()


def test_weekly_digest_counts_pitches_and_respects_the_preference(alice, bob, carol, capsys):
    carol.notify_messages = False
    carol.save()
    for member in (bob, carol):
        connect(alice, member, minutes_ago=2)
        services.send_message(sender=alice, recipient=member, text=PITCH)
    mail.outbox.clear()
    call_command("network_maintenance", "--digest")
    assert "sent 1 weekly digests" in capsys.readouterr().out
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    assert "1 pitch was filed for you this week" in mail.outbox[0].subject
    page = login(bob).get("/messages/pitches/").content.decode()
    assert "1 pitch was filed for you in the last 7 days" in page


def test_maintenance_still_expires_invitations_while_the_bulk_index_is_away(
    alice, bob, capsys, monkeypatch
):
    from pitchless.network import guard_adapter
    from pitchless.network.bulkstore import BulkStoreUnavailable

    def unavailable(before):
        raise BulkStoreUnavailable("ConnectionError: connection refused")

    monkeypatch.setattr(guard_adapter.bulk_index, "prune", unavailable)
    with time_machine.travel(NOW, tick=False):
        services.send_invitation(sender=alice, recipient=bob)
    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        call_command("network_maintenance")
    out = capsys.readouterr().out
    assert "expired 1 invitations; bulk index not pruned (ConnectionError" in out
    assert Invitation.objects.get().status == Invitation.Status.EXPIRED
