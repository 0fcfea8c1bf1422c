"""No message lost, none stored twice: concurrent senders through the API, with client retries.

Several client threads send at once, each message with its own idempotency key. A client that
gets no 2xx tries again with the same key, and every acknowledged message is sent a second
time as if its answer had been lost on the way. Afterwards every acknowledged message is in
the database exactly once, with the id and text the client was told, and nothing else was
stored. Each thread has its own database connection, so on PostgreSQL the sends really run at
once. The in-memory SQLite test database is shared between connections through SQLite's shared
cache, which answers "table is locked" at once instead of waiting for the lock as a database
file does; there the requests take turns (a real site on SQLite queues for its write lock).
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from pitchless.api import services as api_services
from pitchless.network import guard_adapter
from pitchless.network.models import Connection, Message
from tests.members.factories import make_member
from tests.network.fakes import keyword_guard

SENDERS = 4
MESSAGES_PER_SENDER = 6
#: tries per message before the client gives up (each with the same key)
TRIES = 4


@pytest.fixture(autouse=True)
def _guard_and_cache(monkeypatch, settings):
    """The keyword guard (no model needed), fast hashing, an empty cache."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    instance = keyword_guard()
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: instance)
    cache.clear()
    yield
    cache.clear()


@dataclass
class Outcome:
    """What one client thread was told."""

    acked: dict[str, tuple[int, str]] = field(default_factory=dict)  # key -> (id, text)
    retries_after_ack: list[tuple[str, int, int]] = field(default_factory=list)  # key, status, id
    failures: list[str] = field(default_factory=list)


def _client_thread(
    token: str, recipients: list[int], index: int, out: Outcome, turns: threading.Lock | None
) -> None:
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {token}"}

    def post(body: dict) -> tuple[int, dict]:
        with turns or contextlib.nullcontext():
            response = client.post(
                "/api/messages",
                json.dumps(body),
                content_type="application/json",
                headers=headers,
            )
        try:
            payload = json.loads(response.content)
        except ValueError:
            payload = {}
        return response.status_code, payload

    try:
        for n in range(MESSAGES_PER_SENDER):
            key = f"client{index}-message{n}"
            body = {
                "to": recipients[n % len(recipients)],
                "text": f"Note {n} from client {index}: see you at the standup.",
                "idempotency_key": key,
            }
            for _ in range(TRIES):
                status, payload = post(body)
                if status in (200, 201):
                    out.acked[key] = (payload["id"], body["text"])
                    break
            else:
                out.failures.append(f"{key}: last status {status} {payload}")
                continue
            # The answer "was lost": the client sends the same message again.
            status, payload = post(body)
            out.retries_after_ack.append((key, status, payload.get("id", -1)))
    finally:
        connection.close()  # this thread's own connection


@pytest.mark.django_db(transaction=True)
def test_every_acknowledged_message_is_stored_once():
    senders = [make_member(f"Sender {i}") for i in range(SENDERS)]
    recipients = [make_member(f"Recipient {i}") for i in range(3)]
    for s in senders:
        for r in recipients:
            Connection.objects.create(member=s, other=r)
            Connection.objects.create(member=r, other=s)
    tokens = [api_services.issue_token(member=s, name="test")[1] for s in senders]
    outcomes = [Outcome() for _ in senders]
    shared_cache_sqlite = connection.vendor == "sqlite" and connection.is_in_memory_db()
    turns = threading.Lock() if shared_cache_sqlite else None
    threads = [
        threading.Thread(
            target=_client_thread,
            args=(tokens[i], [r.pk for r in recipients], i, outcomes[i], turns),
        )
        for i in range(SENDERS)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a client thread hung"

    failures = [f for o in outcomes for f in o.failures]
    assert failures == []
    acked = {key: value for o in outcomes for key, value in o.acked.items()}
    assert len(acked) == SENDERS * MESSAGES_PER_SENDER

    # A retry of an acknowledged message answers 200 with the first message's id.
    for o in outcomes:
        for key, status, message_id in o.retries_after_ack:
            assert (status, message_id) == (200, acked[key][0]), key

    stored = list(Message.objects.values_list("idempotency_key", "id", "text", "sender_id"))
    assert len(stored) == len(acked), "messages were stored that no client was told about"
    by_key = {key: (message_id, text) for key, message_id, text, _ in stored}
    assert len(by_key) == len(stored), "a key was stored twice"
    assert by_key == acked
    # Each message belongs to the sender whose client sent it.
    sender_of = {key: sender_id for key, _, _, sender_id in stored}
    for index, sender in enumerate(senders):
        assert {k for k in sender_of if k.startswith(f"client{index}-")} == {
            k for k, v in sender_of.items() if v == sender.pk
        }
