"""The solicited-context facts build_context fills: who sent the invitation, who spoke last."""

from __future__ import annotations

import pytest
from django.utils import timezone

from pitchless.network import guard_adapter, services
from pitchless.network.models import Message

pytestmark = pytest.mark.django_db


def test_the_recipients_invitation_is_read_with_the_connection(alice, bob):
    invitation = services.send_invitation(sender=bob, recipient=alice)
    services.accept_invitation(invitation=invitation, by=alice)
    mine = guard_adapter.build_context(
        sender=alice, recipient=bob, conversation=None, text="Hi", now=timezone.now()
    )
    theirs = guard_adapter.build_context(
        sender=bob, recipient=alice, conversation=None, text="Hi", now=timezone.now()
    )
    assert mine.recipient_invited_sender is True  # bob invited alice; alice writes to bob
    assert theirs.recipient_invited_sender is False
    # A caller that passes the connection time keeps the fact unknown (no extra query).
    passed = guard_adapter.build_context(
        sender=alice,
        recipient=bob,
        conversation=None,
        text="Hi",
        now=timezone.now(),
        connected_at=timezone.now(),
    )
    assert passed.recipient_invited_sender is None


def test_a_reply_to_the_recipients_latest_message_is_known(alice, bob):
    invitation = services.send_invitation(sender=alice, recipient=bob)
    services.accept_invitation(invitation=invitation, by=bob)
    services.send_message(sender=alice, recipient=bob, text="Hello Bob!")
    services.send_message(sender=bob, recipient=alice, text="Hi Alice, what's up?")
    conversation = Message.objects.first().conversation
    reply = guard_adapter.build_context(
        sender=alice, recipient=bob, conversation=conversation, text="All good", now=timezone.now()
    )
    assert reply.is_reply_to_recipient is True
    again = guard_adapter.build_context(
        sender=bob, recipient=alice, conversation=conversation, text="?", now=timezone.now()
    )
    assert again.is_reply_to_recipient is False  # bob spoke last himself
    never = guard_adapter.build_context(
        sender=alice, recipient=bob, conversation=None, text="Hi", now=timezone.now()
    )
    assert never.is_reply_to_recipient is False
