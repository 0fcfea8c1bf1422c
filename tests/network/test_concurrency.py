"""Many sends at once store every message exactly once (real threads, PostgreSQL only)."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from pitchless.network import services
from pitchless.network.models import Conversation, Message
from tests.members.factories import make_member
from tests.network.conftest import connect

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="SQLite serialises writers: no real race"
    ),
]

THREADS = 20


def _run_at_once(work) -> list[BaseException]:
    barrier = threading.Barrier(THREADS)
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            work(i)
        except BaseException as exc:  # collected and asserted on in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    return errors


def test_twenty_threads_each_sending_with_a_retry_store_twenty_messages():
    alice, bob = make_member("Alice"), make_member("Bob")
    connect(alice, bob)

    def work(i: int) -> None:
        for _ in range(2):  # the client retries every send
            services.send_message(
                sender=alice, recipient=bob, text=f"Note {i}", idempotency_key=f"k{i}"
            )

    assert _run_at_once(work) == []
    assert Message.objects.count() == THREADS
    assert sorted(Message.objects.values_list("idempotency_key", flat=True)) == sorted(
        f"k{i}" for i in range(THREADS)
    )
    # Every first message raced to create the pair's conversation; there is one.
    assert Conversation.objects.count() == 1


def test_twenty_threads_with_one_key_store_one_message():
    alice, bob = make_member("Alice"), make_member("Bob")
    connect(alice, bob)
    ids: list[int] = []

    def work(i: int) -> None:
        result = services.send_message(
            sender=alice, recipient=bob, text="Same", idempotency_key="once"
        )
        ids.append(result.message.pk)

    assert _run_at_once(work) == []
    assert Message.objects.count() == 1
    assert set(ids) == {Message.objects.get().pk}


def test_twenty_first_messages_crossing_both_ways_store_one_conversation():
    alice, bob = make_member("Alice"), make_member("Bob")
    connect(alice, bob)

    def work(i: int) -> None:
        # Half write a to b, half b to a, all as the pair's first message: the sides are
        # inserted in one order by every send, so they wait for each other, never deadlock.
        sender, recipient = (alice, bob) if i % 2 else (bob, alice)
        services.send_message(sender=sender, recipient=recipient, text=f"Hello {i}")

    assert _run_at_once(work) == []
    assert Message.objects.count() == THREADS
    assert Conversation.objects.count() == 1
    assert set(Message.objects.values_list("conversation_id", flat=True)) == {
        Conversation.objects.get().pk
    }
