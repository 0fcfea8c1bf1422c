"""Shared state across processes: the guard's near-duplicate index and the log-in limiter live
in Redis when it is configured, and sending and logging in survive a Redis that is down."""

from __future__ import annotations

import json
import select
import subprocess
from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.urls import reverse

from pitchless.guard import BulkEntry, BulkIndex
from pitchless.members import ratelimit
from pitchless.network import guard_adapter, services
from pitchless.network.bulkstore import (
    BulkStoreUnavailable,
    DatabaseBulkStore,
    RedisBulkStore,
    default_store,
)
from pitchless.network.models import Message
from tests.members.factories import PASSWORD, make_member
from tests.network.conftest import connect
from tests.network.fakes import keyword_guard
from tests.ops.conftest import REPO_ROOT, clean_env, delete_keys, free_port, python, redis_or_skip

CAMPAIGN = (
    "Hi there, I help founders like you triple their pipeline with our outbound platform. "
    "Do you have 15 minutes this week for a quick demo call?"
)
NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def _ask(proc: subprocess.Popen[str], command: dict, timeout: float = 30.0) -> dict:
    """Send one command to a client process and read its one-line answer (bounded wait)."""
    if command:
        proc.stdin.write(json.dumps(command) + "\n")
        proc.stdin.flush()
    ready, _, _ = select.select([proc.stdout], [], [], timeout)
    if not ready:
        pytest.fail(f"no answer within {timeout} s to {command}")
    line = proc.stdout.readline()
    if not line:
        pytest.fail(f"the client exited: {proc.stderr.read()[-2000:]}")
    return json.loads(line)


def test_two_processes_share_the_bulk_index_and_the_limiter(tmp_path, unique, processes):
    url = redis_or_skip(14)
    env = clean_env(
        REDIS_URL=url,
        PITCHLESS_VAR_DIR=str(tmp_path),
        PITCHLESS_CACHE_KEY_PREFIX=f"{unique}:cache",
        PITCHLESS_BULK_STORE_PREFIX=f"{unique}:bulk:",
    )
    try:
        for _ in range(2):
            processes.append(
                subprocess.Popen(
                    python("-m", "tests.ops._state_client"),
                    cwd=REPO_ROOT,
                    env=env,
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    text=True,
                )
            )
        one, two = processes
        hello = [_ask(p, {}) for p in (one, two)]
        assert [h["ready"] for h in hello] == ["RedisBulkStore", "RedisBulkStore"]
        assert hello[0]["pid"] != hello[1]["pid"]

        # The same campaign, sent by member 1 through two different workers.
        first = _ask(
            one,
            {
                "op": "observe",
                "sender": "1",
                "recipient": "2",
                "text": CAMPAIGN,
                "at": NOW.isoformat(),
            },
        )
        assert first == {"recipients": 1, "senders": 1}
        second = _ask(
            two,
            {
                "op": "observe",
                "sender": "1",
                "recipient": "3",
                "text": CAMPAIGN,
                "at": (NOW + timedelta(minutes=1)).isoformat(),
            },
        )
        assert second == {"recipients": 2, "senders": 1}  # includes what the first one saw
        third = _ask(
            one,
            {
                "op": "observe",
                "sender": "9",
                "recipient": "4",
                "text": CAMPAIGN,
                "at": (NOW + timedelta(minutes=2)).isoformat(),
            },
        )
        assert third["senders"] == 2
        seen_by_one = _ask(
            one,
            {
                "op": "count",
                "sender": "1",
                "text": CAMPAIGN,
                "at": (NOW + timedelta(minutes=3)).isoformat(),
            },
        )
        assert seen_by_one["recipients"] == 2  # includes what the second one recorded

        # Failed log-ins counted by either worker add up; the third one hits a limit of 3.
        assert _ask(one, {"op": "hit", "ident": "e:eve@example.org", "attempts": 3}) == {
            "used": 1,
            "limited": False,
        }
        assert _ask(two, {"op": "hit", "ident": "e:eve@example.org", "attempts": 3}) == {
            "used": 2,
            "limited": False,
        }
        assert _ask(one, {"op": "hit", "ident": "e:eve@example.org", "attempts": 3}) == {
            "used": 3,
            "limited": True,
        }
    finally:
        for proc in processes:
            proc.stdin.close()
        deleted = delete_keys(url, f"{unique}*")
    assert deleted > 0  # the state was in Redis, under this run's prefix


def test_the_redis_store_satisfies_the_protocol(unique):
    url = redis_or_skip(13)
    store = RedisBulkStore(url, prefix=f"{unique}:", timeout=1.0)
    try:
        index = BulkIndex(store)
        index.observe(sender="1", recipient="2", text=CAMPAIGN, at=NOW)
        index.observe(sender="1", recipient="3", text=CAMPAIGN, at=NOW + timedelta(minutes=1))
        counts = index.observe(
            sender="4", recipient="5", text=CAMPAIGN, at=NOW + timedelta(minutes=2)
        )
        assert (counts.recipients, counts.senders) == (1, 2)
        assert index.count(sender="1", text=CAMPAIGN, at=NOW + timedelta(minutes=3)).recipients == 2
        # Entries round-trip intact: 64-bit signatures, time zones.
        entry = BulkEntry("9", "8", NOW, (2**64 - 1, 0, 12345))
        store.add(["k1", "k2"], entry)
        assert store.candidates(["k1", "k2"], NOW - timedelta(days=1)) == [entry]
        assert store.candidates(["k1"], NOW + timedelta(seconds=1)) == []
        # Every key expires after the window (plus an hour), so Redis forgets by itself.
        import redis

        client = redis.Redis.from_url(url)
        ttl = client.ttl(f"{unique}:k1")
        assert 7 * 86400 < ttl <= 7 * 86400 + 3600
        # Outside the window they no longer count, and prune forgets them.
        later = NOW + timedelta(days=8)
        assert index.count(sender="1", text=CAMPAIGN, at=later).recipients == 0
        assert index.prune(later) > 0
        assert store.candidates(["k1"], NOW - timedelta(days=30)) == []
    finally:
        delete_keys(url, f"{unique}*")


def test_a_redis_that_is_down_raises_unavailable_quickly_then_backs_off():
    store = RedisBulkStore(f"redis://127.0.0.1:{free_port()}/13", timeout=0.1, backoff=60)
    with pytest.raises(BulkStoreUnavailable):
        store.candidates(["k"], NOW)
    with pytest.raises(BulkStoreUnavailable, match="not asked again"):
        store.add(["k"], BulkEntry("1", "2", NOW, (1,)))


def test_the_store_follows_the_settings(settings):
    settings.PITCHLESS_BULK_STORE_URL = "database"
    assert isinstance(default_store(), DatabaseBulkStore)
    settings.PITCHLESS_BULK_STORE_URL = "redis://127.0.0.1:6379/13"
    settings.PITCHLESS_BULK_STORE_PREFIX = "x:"
    store = default_store()
    assert isinstance(store, RedisBulkStore) and store.prefix == "x:"


@pytest.mark.django_db
def test_sending_works_when_the_bulk_index_is_down(monkeypatch, django_capture_on_commit_callbacks):
    down = RedisBulkStore(f"redis://127.0.0.1:{free_port()}/13", timeout=0.1)
    monkeypatch.setattr(guard_adapter, "bulk_index", BulkIndex(down))
    stand_in = keyword_guard()
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: stand_in)
    alice, bob = make_member("Alice"), make_member("Bob")
    connect(alice, bob, minutes_ago=5)
    with django_capture_on_commit_callbacks(execute=True):
        result = services.send_message(sender=alice, recipient=bob, text=CAMPAIGN)
    message = Message.objects.get(pk=result.message.pk)
    assert message.check_status == Message.Check.CHECKED, message.check_status
    codes = [r["code"] for r in message.guard_reasons]
    assert "bulk.unknown" in codes


class _BrokenCache:
    """A cache whose every call fails like a Redis that is down."""

    def __getattr__(self, name):
        def fail(*args, **kwargs):
            raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

        return fail


@pytest.mark.django_db
def test_log_in_works_when_the_limiter_cache_is_down(client, monkeypatch, caplog, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    member = make_member("Carol", email="carol@example.org")
    monkeypatch.setattr(ratelimit, "cache", _BrokenCache())
    response = client.post(
        reverse("members:login"), {"username": member.email, "password": "wrong"}
    )
    assert response.status_code in (200, 400)  # the form again, not a server error
    response = client.post(
        reverse("members:login"), {"username": member.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(member.pk)
    assert "cache unavailable, letting the attempt through" in caplog.text
    assert mail.outbox == []


def test_the_limiter_counts_through_a_real_redis_cache(settings, unique):
    url = redis_or_skip(13)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": url,
            "KEY_PREFIX": unique,
        }
    }
    try:
        limit = ratelimit.Limit(2, 60)
        assert ratelimit.hit("t", "ident", limit) == 1
        assert not ratelimit.is_limited("t", "ident", limit)
        assert ratelimit.hit("t", "ident", limit) == 2
        assert ratelimit.is_limited("t", "ident", limit)
    finally:
        delete_keys(url, f"{unique}*")
