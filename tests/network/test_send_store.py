"""A send stores its message without a savepoint, and still answers the races a savepoint
used to catch: a retry stored meanwhile, and a first message that crosses another one.

The races are staged deterministically: the send's first read is made to answer as it would
have just before the other send committed (no conversation yet, nothing under the key)."""

from __future__ import annotations

import dataclasses

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from pitchless.network import services
from pitchless.network.models import Conversation, Folder, Message, Participant
from tests.network.conftest import connect

pytestmark = pytest.mark.django_db


@pytest.fixture
def stale_read(monkeypatch):
    """Make the next sends read the pair as it was before the other send committed."""
    real = services._read_send

    def read(*args, **kwargs):
        found = real(*args, **kwargs)
        if found is None:
            return None
        return dataclasses.replace(found, conversation=None, stored_id=None)

    monkeypatch.setattr(services, "_read_send", read)


def _side(member, other) -> Participant:
    return Participant.objects.get(member=member, other=other)


def test_a_first_message_that_crossed_another_joins_its_conversation(alice, bob, stale_read):
    connect(alice, bob)
    first = services.send_message(sender=bob, recipient=alice, text="Hi Alice!").message
    crossing = services.send_message(sender=alice, recipient=bob, text="Hi Bob!").message
    assert Conversation.objects.count() == 1
    assert crossing.conversation_id == first.conversation_id
    assert Participant.objects.count() == 2
    mine, theirs = _side(alice, bob), _side(bob, alice)
    assert mine.last_message_id == theirs.last_message_id == crossing.pk
    assert theirs.unread == 1 and mine.unread == 1
    assert mine.folder == theirs.folder == Folder.INBOX


def test_a_retry_that_crossed_the_first_send_answers_with_the_stored_message(
    alice, bob, stale_read
):
    connect(alice, bob)
    first = services.send_message(sender=alice, recipient=bob, text="Hi", idempotency_key="k")
    again = services.send_message(sender=alice, recipient=bob, text="Hi", idempotency_key="k")
    assert first.created and not again.created
    assert again.message.pk == first.message.pk
    assert Message.objects.count() == 1
    # nothing of the retry is left behind: no second conversation, no second count
    assert Conversation.objects.count() == 1
    assert _side(bob, alice).unread == 1


def test_a_retry_into_an_existing_conversation_changes_nothing(alice, bob, monkeypatch):
    connect(alice, bob)
    services.send_message(sender=bob, recipient=alice, text="Hello!")
    first = services.send_message(sender=alice, recipient=bob, text="Hi", idempotency_key="k")
    before = Participant.objects.order_by("pk").values_list(
        "folder", "unread", "last_message_id", "last_message_at"
    )
    before = list(before)
    real = services._read_send
    monkeypatch.setattr(
        services,
        "_read_send",
        lambda *a, **k: dataclasses.replace(real(*a, **k), stored_id=None),
    )
    again = services.send_message(sender=alice, recipient=bob, text="Hi", idempotency_key="k")
    assert not again.created and again.message.pk == first.message.pk
    assert Message.objects.count() == 2
    after = Participant.objects.order_by("pk").values_list(
        "folder", "unread", "last_message_id", "last_message_at"
    )
    assert list(after) == before


@pytest.mark.django_db(transaction=True)
def test_a_keyed_send_takes_only_the_guards_savepoint(alice, bob):
    # Outside a test's transaction, so that the send's own transaction is the outer one.
    connect(alice, bob)
    with CaptureQueriesContext(connection) as first:
        services.send_message(sender=alice, recipient=bob, text="Hi", idempotency_key="a")
    with CaptureQueriesContext(connection) as second:
        services.send_message(sender=alice, recipient=bob, text="Again", idempotency_key="b")
    for captured in (first, second):
        statements = [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries]
        assert statements.count("SAVEPOINT") == 1, statements
        assert "RELEASE" not in statements, statements


def test_the_send_reads_the_senders_history_with_the_pair(alice, bob, carol):
    from django.utils import timezone

    from pitchless.network.models import Invitation
    from pitchless.network.reputation import sender_history

    connect(alice, bob)
    services.send_invitation(sender=alice, recipient=carol)
    answered = services.send_invitation(sender=bob, recipient=carol)
    services.transition(invitation=answered, to=Invitation.Status.DONT_KNOW, by=carol)
    services.report_member(reporter=carol, reported=alice, reason="spam")
    now = timezone.now()
    for sender, recipient in ((alice, bob), (bob, alice)):
        read = services._read_send(
            sender, recipient_id=recipient.pk, conversation_id=None, now=now, idempotency_key=None
        )
        assert read.history == sender_history(sender, now=now)
    alices = services._read_send(
        alice, recipient_id=bob.pk, conversation_id=None, now=now, idempotency_key=None
    ).history
    assert alices.recent_invitations and alices.count("report", now.replace(year=2000)) == 1
    bobs = services._read_send(
        bob, recipient_id=alice.pk, conversation_id=None, now=now, idempotency_key=None
    ).history
    assert bobs.count("dont_know", now.replace(year=2000)) == 1


def test_the_first_read_is_prepared_once_per_session_and_survives_a_rollback(alice, bob, carol):
    from django.db import transaction

    from pitchless.network import _sql

    connect(alice, bob)
    connect(alice, carol)
    if connection.vendor == "postgresql":
        # Start this session with nothing prepared, so that the rollback below is the one
        # that prepared the read.
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")
        _sql._prepared.pop(connection.connection, None)
    with transaction.atomic():
        services.send_message(sender=alice, recipient_id=bob.pk, text="Hi Bob")
        transaction.set_rollback(True)  # the PREPARE is not undone with it
    with CaptureQueriesContext(connection) as captured:
        for text in ("Hi Carol", "How are you?", "Lunch on Friday?"):
            services.send_message(sender=alice, recipient_id=carol.pk, text=text)
    words = [q["sql"].split(None, 1)[0].upper() for q in captured.captured_queries]
    if connection.vendor == "postgresql":
        assert "PREPARE" not in words and words.count("EXECUTE") == 3, words
    else:
        assert "PREPARE" not in words and "EXECUTE" not in words, words
    assert Message.objects.filter(recipient=carol).count() == 3
