"""Quiet withdrawals, reports about held messages, and the folder read shared by pages and API."""

from __future__ import annotations

import pytest

from pitchless.network import services
from pitchless.network.models import Folder, Invitation, Message, Participant
from tests.network.conftest import connect

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "answer", ["dont_know_invitation", "report_invitation", "ignore_invitation"]
)
def test_withdrawing_a_declined_invitation_passes_quietly(alice, bob, answer):
    invitation = services.send_invitation(sender=alice, recipient=bob)
    getattr(services, answer)(invitation=invitation, by=bob)
    status = Invitation.objects.get().status
    services.withdraw_invitation(invitation=Invitation.objects.get(), by=alice)
    # Nothing changed, and no error told Alice how Bob answered.
    assert Invitation.objects.get().status == status


def test_a_held_message_cannot_be_reported(alice, bob):
    connect(alice, bob)
    sent = services.send_message(sender=alice, recipient=bob, text="Hello Bob")
    Message.objects.filter(pk=sent.message.pk).update(filed_as=Message.Filing.HELD)
    message = Message.objects.get()
    with pytest.raises(services.NotFound):
        services.report_member(reporter=bob, reported=alice, message=message)


def test_folder_with_last_message_skips_what_the_viewer_may_not_see(alice, bob):
    connect(alice, bob)
    services.send_message(sender=alice, recipient=bob, text="First, delivered")
    held = services.send_message(sender=alice, recipient=bob, text="Second, held").message
    Message.objects.filter(pk=held.pk).update(filed_as=Message.Filing.HELD)
    rows = list(Participant.objects.folder_with_last_message(bob, Folder.INBOX))
    last = Participant.objects.last_messages(rows)
    assert [m.text for m in last.values()] == ["First, delivered"]
    mine = list(Participant.objects.folder_with_last_message(alice, Folder.INBOX))
    assert [m.text for m in Participant.objects.last_messages(mine).values()] == ["Second, held"]


def test_refusals_have_kinds(alice, bob):
    invitation = services.send_invitation(sender=alice, recipient=bob)
    with pytest.raises(services.Conflict):
        services.send_invitation(sender=alice, recipient=bob)
    with pytest.raises(services.Forbidden):
        services.accept_invitation(invitation=invitation, by=alice)
    with pytest.raises(services.Forbidden):
        services.send_message(sender=alice, recipient=bob, text="hi")
