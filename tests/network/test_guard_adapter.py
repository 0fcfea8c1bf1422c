"""The guard's context comes from the database; the bulk index is shared through it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from pitchless.guard import BulkEntry, BulkIndex
from pitchless.network import guard_adapter, services
from pitchless.network.bulkstore import DatabaseBulkStore
from pitchless.network.models import BulkFingerprint, Invitation, Message, MessageFeedback, Report
from pitchless.network.reputation import compute_reputation
from tests.members.factories import make_member
from tests.network.conftest import connect

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
CAMPAIGN = (
    "Hi there, I help companies like yours cut cloud costs by 30%. Our agency offers a free "
    "audit and transparent pricing. Can we book a quick 15-minute call this week?"
)


def test_context_reads_timing_replies_and_starter(alice, bob):
    connect(alice, bob, minutes_ago=7)
    services.send_message(sender=bob, recipient=alice, text="Hello Alice!")
    services.send_message(sender=bob, recipient=alice, text="Are you at the meetup?")
    conv = Message.objects.first().conversation
    ctx = guard_adapter.build_context(
        sender=alice, recipient=bob, conversation=conv, text="Yes!", now=timezone.now()
    )
    assert 6.9 < ctx.minutes_since_connect < 8
    assert ctx.recipient_messages_to_sender == 2
    assert ctx.started_by_recipient is True
    assert ctx.bulk.recipients == 1


def test_context_knows_when_they_are_not_connected(alice, bob):
    ctx = guard_adapter.build_context(
        sender=alice, recipient=bob, conversation=None, text="Hi", now=timezone.now()
    )
    assert ctx.connected_at is None
    assert ctx.started_by_recipient is False


def test_sender_facts_count_invitations_complaints_and_reputation(alice, bob, carol):
    services.send_invitation(sender=alice, recipient=bob)
    inv = services.send_invitation(sender=alice, recipient=carol)
    services.dont_know_invitation(invitation=inv, by=carol)
    services.report_member(reporter=bob, reported=alice, reason="spam")
    facts = guard_adapter.sender_facts(alice, now=timezone.now())
    assert facts.invitations_sent_7d == 2
    assert facts.invitations_accepted_7d == 0
    assert facts.dont_know_count == 1
    assert facts.report_count == 1
    assert facts.reputation < 1.0
    assert facts.account_age_days > 300


def test_a_bulk_sender_is_seen_across_recipients(alice):
    recipients = [make_member(f"Target {i}") for i in range(6)]
    for r in recipients:
        connect(alice, r)
    for r in recipients:
        services.send_message(sender=alice, recipient=r, text=CAMPAIGN.replace("there", r.name))
    last = Message.objects.order_by("-id").first()
    codes = [reason["code"] for reason in last.guard_reasons]
    assert "bulk.recipients" in codes
    assert last.filed_as in (Message.Filing.PITCHES, Message.Filing.HELD)
    stored = BulkFingerprint.objects.filter(sender=str(alice.pk))
    assert stored.values("recipient").distinct().count() == 6


def test_many_recipients_hold_the_message_for_review(alice, settings, monkeypatch):
    from pitchless.guard import Guard, PolicySettings
    from tests.network.fakes import KeywordModel

    strict = Guard(model=KeywordModel(), policy=PolicySettings(hold_recipients=3))
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: strict)
    recipients = [make_member(f"Held {i}") for i in range(3)]
    for r in recipients:
        connect(alice, r, minutes_ago=2)
        services.send_message(sender=alice, recipient=r, text=CAMPAIGN)
    held = Message.objects.order_by("-id").first()
    assert held.filed_as == Message.Filing.HELD
    # Held messages are kept from the recipient until a moderator looks.
    assert not Message.objects.visible_to(recipients[-1]).filter(pk=held.pk).exists()
    assert Message.objects.visible_to(alice).filter(pk=held.pk).exists()


def test_database_bulk_store_satisfies_the_protocol():
    store = DatabaseBulkStore()
    index = BulkIndex(store)
    at = NOW
    index.observe(sender="1", recipient="2", text=CAMPAIGN, at=at)
    index.observe(sender="1", recipient="3", text=CAMPAIGN, at=at + timedelta(minutes=1))
    counts = index.observe(sender="4", recipient="5", text=CAMPAIGN, at=at + timedelta(minutes=2))
    assert (counts.recipients, counts.senders) == (1, 2)
    assert index.count(sender="1", text=CAMPAIGN, at=at + timedelta(minutes=3)).recipients == 2
    # Entries round-trip intact (64-bit signatures included).
    entry = BulkEntry("9", "8", at, (2**64 - 1, 0, 12345))
    store.add(["k1", "k2"], entry)
    assert store.candidates(["k1"], at - timedelta(days=1)) == [entry]
    # Outside the window they no longer count, and prune forgets them.
    later = at + timedelta(days=8)
    assert index.count(sender="1", text=CAMPAIGN, at=later).recipients == 0
    assert index.prune(later) > 0
    assert not BulkFingerprint.objects.exists()


def test_reputation_decays_with_a_30_day_half_life(alice, bob):
    with time_machine.travel(NOW, tick=False):
        for i in range(3):
            other = make_member(f"Stranger {i}")
            inv = services.send_invitation(sender=alice, recipient=other)
            services.dont_know_invitation(invitation=inv, by=other)
        fresh = compute_reputation(alice)
        assert fresh.bad == pytest.approx(3.0)
        assert fresh.score == pytest.approx(0.5)
    with time_machine.travel(NOW + timedelta(days=30), tick=False):
        month = compute_reputation(alice)
        assert month.bad == pytest.approx(1.5)
        assert month.score == pytest.approx(3 / 4.5)
    with time_machine.travel(NOW + timedelta(days=365), tick=False):
        assert compute_reputation(alice).score > 0.99


def test_reputation_pools_reports_confirmed_pitches_and_acceptances(alice, bob, carol, settings):
    settings.PITCHLESS_REPUTATION_HALF_LIFE_DAYS = 10
    connect(alice, bob)
    msg = services.send_message(sender=alice, recipient=bob, text="Hello").message
    MessageFeedback.objects.create(message=msg, member=bob, label="pitch", guard_pitch=False)
    Report.objects.create(reporter=bob, reported=alice)
    rep = compute_reputation(alice)
    assert rep.bad == pytest.approx(3.0, rel=1e-3)
    inv = services.send_invitation(sender=alice, recipient=carol)
    services.accept_invitation(invitation=inv, by=carol)
    better = compute_reputation(alice)
    assert better.good == pytest.approx(1.0, rel=1e-3)
    assert better.score > rep.score
    # Twenty days at a 10-day half-life leaves a quarter of the weight.
    with time_machine.travel(timezone.now() + timedelta(days=20)):
        assert compute_reputation(alice).bad == pytest.approx(0.75, rel=1e-2)


PITCH_NOTE = (
    "Hi Bob! Our agency gets your product in front of 10,000 decision makers. Let's "
    "connect so I can send you our pricing and book a 15-minute demo call this week."
)


def test_invitation_notes_are_scored_and_pitches_shown_with_reasons(alice, bob, monkeypatch):
    """The note goes through the guard and its verdict reaches the page.

    This checks the plumbing with the keyword guard, as the page tests do; whether the bundled
    model files this note is the next test.
    """
    from pitchless.guard import Guard
    from tests.network.conftest import login
    from tests.network.fakes import KeywordModel

    keyword_guard = Guard(model=KeywordModel())
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: keyword_guard)
    note = PITCH_NOTE
    inv = services.send_invitation(sender=alice, recipient=bob, note=note)
    assert inv.note_is_pitch
    assert inv.note_reasons
    page = login(bob).get("/invitations/").content.decode()
    assert "This note reads like a sales pitch" in page
    plain = services.send_invitation(
        sender=alice, recipient=make_member("Dee"), note="We met at the Lyon meetup."
    )
    assert not plain.note_is_pitch


@pytest.mark.xfail(
    strict=True,
    reason=(
        "the bundled model's operating point (threshold 0.951, chosen for FPR <= 2 % over all "
        "non-pitch messages) leaves this note at p 0.885: not flagged"
    ),
)
def test_the_bundled_model_flags_a_blatant_pitch_in_an_invitation_note(alice, bob):
    inv = services.send_invitation(sender=alice, recipient=bob, note=PITCH_NOTE)
    assert inv.note_is_pitch
    assert inv.note_reasons


def test_expired_invitations_stop_counting_and_are_marked(alice, bob):
    with time_machine.travel(NOW, tick=False):
        services.send_invitation(sender=alice, recipient=bob)
    with time_machine.travel(NOW + timedelta(days=91), tick=False):
        assert not Invitation.objects.pending().exists()
        assert services.expire_invitations() == 1
        assert Invitation.objects.get().status == Invitation.Status.EXPIRED


def test_a_label_stored_directly_still_counts_against_its_sender(alice, bob):
    connect(alice, bob)
    message = services.send_message(sender=alice, recipient=bob, text="Buy now").message
    before = compute_reputation(alice).score
    MessageFeedback.objects.create(
        message=Message.objects.get(pk=message.pk), member=bob, label="pitch", guard_pitch=False
    )
    assert MessageFeedback.objects.get().sender_id == alice.pk
    assert compute_reputation(alice).score < before


def test_the_database_store_adds_and_finds_in_one_call():
    store = DatabaseBulkStore()
    first = BulkEntry("1", "2", NOW, (5, 6, 7))
    store.add(["a", "b"], first)
    second = BulkEntry("1", "3", NOW + timedelta(minutes=1), (5, 6, 8))
    found = store.add_and_candidates(["b", "c"], second, NOW - timedelta(days=1))
    # The entries stored before; this one may or may not be among them (the index counts it).
    assert first in found and set(found) <= {first, second}
    assert store.candidates(["c"], NOW - timedelta(days=1)) == [second]
    assert store.candidates(["a"], NOW + timedelta(seconds=1)) == []
