"""The whole site's cache is a Redis that stopped: the API and log-in keep working from the
database."""

from __future__ import annotations

import socket

import pytest
from django.test import override_settings
from django.urls import reverse

from pitchless.network.models import Message
from tests.api.conftest import FRIENDLY, api_for
from tests.members.factories import PASSWORD
from tests.network.conftest import connect


def _dead_redis_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def dead_cache():
    # override_settings, not the settings fixture: the healthy cache must be back before the
    # autouse fixture that clears it after each test.
    caches = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": _dead_redis_url(),
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=caches):
        yield


def test_token_requests_and_sends_work_without_the_cache(alice, bob, dead_cache, caplog):
    connect(alice, bob)
    api = api_for(alice)
    me = api.get("/members/me")
    assert me.status_code == 200, me.content
    assert me.json()["id"] == alice.pk
    sent = api.post("/messages", {"to": bob.pk, "text": FRIENDLY})
    assert sent.status_code in (200, 201), sent.content
    assert Message.objects.filter(sender=alice, recipient=bob).count() == 1
    assert "token cache unavailable" in caplog.text


def test_a_member_saved_while_the_cache_is_down_does_not_fail(alice, dead_cache):
    api_for(alice)
    alice.headline = "Changed while the cache is down"
    alice.save()  # drops the member's cached tokens: a no-op now, not an error
    alice.refresh_from_db()
    assert alice.headline == "Changed while the cache is down"


def test_logging_in_on_the_pages_works_without_the_cache(client, alice, dead_cache):
    response = client.post(
        reverse("members:login"), {"username": alice.email, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert client.session.get("_auth_user_id") == str(alice.pk)
