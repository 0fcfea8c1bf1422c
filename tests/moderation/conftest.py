"""Fixtures for the moderation tests: members, a moderator, held messages and reports."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.utils import timezone

from pitchless.network import guard_adapter
from pitchless.network.models import Conversation, Message, Participant, Report
from tests.members.factories import make_member
from tests.network.fakes import keyword_guard


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Real hashing costs ~0.3 s per log-in; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def guard(monkeypatch):
    """The keyword guard: moderation does not depend on the model."""
    cache.clear()
    instance = keyword_guard()
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: instance)
    return instance


@pytest.fixture
def alice(db):
    return make_member("Alice Archer", email="alice@example.org")


@pytest.fixture
def bob(db):
    return make_member("Bob Baker", email="bob@example.org")


@pytest.fixture
def mod(db):
    """A moderator through the "moderators" group (not staff)."""
    member = make_member("Mo Moderator", email="mod@example.org")
    member.groups.add(Group.objects.get(name="moderators"))
    return member


def held_message(sender, recipient, text="Buy our growth package today, 50% off") -> Message:
    """A message from ``sender`` held for review, in the pair's conversation."""
    conversation = Conversation.objects.create(started_by=sender)
    Participant.objects.create(conversation=conversation, member=sender, other=recipient)
    Participant.objects.create(conversation=conversation, member=recipient, other=sender)
    return Message.objects.create(
        conversation=conversation,
        sender=sender,
        recipient=recipient,
        text=text,
        filed_as=Message.Filing.HELD,
        guard_pitch=True,
        guard_score=0.91,
        guard_reasons=[{"code": "bulk", "text": "Sent to 30 people this week"}],
        created_at=timezone.now(),
    )


def make_report(reporter, reported, reason="Spam in my inbox") -> Report:
    """An open report."""
    return Report.objects.create(reporter=reporter, reported=reported, reason=reason)
