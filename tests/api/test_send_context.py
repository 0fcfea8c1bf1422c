"""A send through the API tells the guard what makes a message solicited: that it answers
the recipient's latest message, and that the recipient sent the invitation that connected the
two. Both come from the send's one pair read, so the send's statements stay as they were."""

from __future__ import annotations

import dataclasses

import pytest

from pitchless.guard import Action, MessageContext
from pitchless.network import guard_adapter
from pitchless.network.models import Message
from tests.api.conftest import FRIENDLY, api_for
from tests.network.fakes import keyword_guard

pytestmark = pytest.mark.django_db


class RecordingGuard:
    """The keyword guard, keeping every context it is asked to score."""

    def __init__(self) -> None:
        self.inner = keyword_guard()
        self.seen: list[MessageContext] = []
        #: a text containing this is held for the moderators
        self.hold: str | None = None

    def score(self, ctx: MessageContext):
        self.seen.append(ctx)
        verdict = self.inner.score(ctx)
        if self.hold and self.hold in ctx.text:
            return dataclasses.replace(verdict, action=Action.HOLD)
        return verdict


@pytest.fixture
def recording(monkeypatch) -> RecordingGuard:
    instance = RecordingGuard()
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: instance)
    return instance


def _connect(inviter, invited) -> None:
    """``inviter`` invites ``invited``, who accepts, both through the API."""
    sent = api_for(inviter).post("/invitations", {"to": invited.pk})
    assert sent.status_code == 201, sent.content
    accepted = api_for(invited).post(f"/invitations/{sent.json()['id']}/accept")
    assert accepted.status_code == 200, accepted.content


def _send(member, to, text: str) -> None:
    response = api_for(member).post("/messages", {"to": to.pk, "text": text})
    assert response.status_code == 201, response.content


def test_the_recipients_invitation_reaches_the_guard(alice, bob, recording):
    _connect(bob, alice)  # bob invited alice
    _send(alice, bob, FRIENDLY)
    _send(bob, alice, "Thanks Alice, all good here.")
    to_inviter, to_invited = recording.seen
    assert to_inviter.recipient_invited_sender is True
    assert to_invited.recipient_invited_sender is False
    assert to_inviter.connected_at is not None


def test_a_connection_without_an_invitation_on_record_leaves_it_unknown(alice, bob, recording):
    from tests.network.conftest import connect

    connect(alice, bob)  # rows made directly, as an import would
    _send(alice, bob, FRIENDLY)
    assert recording.seen[0].recipient_invited_sender is None


def test_a_reply_to_the_recipients_latest_message_reaches_the_guard(alice, bob, recording):
    _connect(alice, bob)
    _send(alice, bob, "Hello Bob, good to meet you at the meetup.")
    _send(bob, alice, "Likewise! Are you going to the next one?")
    _send(alice, bob, "Yes, see you there.")
    _send(alice, bob, "And bring the slides, please.")
    first, answer, reply, again = recording.seen
    assert first.is_reply_to_recipient is False  # nothing to answer yet
    assert answer.is_reply_to_recipient is True  # bob answers alice's first message
    assert reply.is_reply_to_recipient is True
    assert reply.recipient_messages_to_sender == 1
    assert again.is_reply_to_recipient is False  # alice wrote last herself


def test_a_message_the_sender_never_saw_is_not_answered(alice, bob, recording):
    _connect(alice, bob)
    recording.hold = "HOLD ME"
    _send(bob, alice, "HOLD ME for review, please")  # held: alice never sees it
    _send(alice, bob, "Hello Bob, good to meet you at the meetup.")
    held = Message.objects.get(sender=bob)
    assert held.filed_as == Message.Filing.HELD
    assert recording.seen[-1].recipient_messages_to_sender == 1
    assert recording.seen[-1].is_reply_to_recipient is False
