"""Fixtures for the API tests: members with tokens, a JSON client and a deterministic guard."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client

from pitchless.api import services as api_services
from pitchless.network import guard_adapter
from tests.members.factories import make_member
from tests.network.fakes import keyword_guard

#: reads like a pitch to the keyword guard (and to the bundled model)
PITCH = (
    "Hi Bob, thanks for connecting! Our agency offers lead generation services. Pricing "
    "starts at $499 per month. Can we book a quick 15-minute call this week for a demo?"
)
FRIENDLY = "Great to see you at the meetup yesterday, Bob. How did your talk on caching go?"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Real hashing costs ~0.3 s per log-in; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_cache():
    """The log-in limiter counts in the cache: start each test from zero."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def guard(monkeypatch):
    """The keyword guard, always: the API tests must not depend on the bundled model."""
    instance = keyword_guard()
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: instance)
    return instance


class Api:
    """A JSON client for ``/api``, optionally with a bearer token."""

    def __init__(self, token: str | None = None) -> None:
        self.client = Client()
        self.token = token

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"} if self.token else {}

    def call(self, method: str, path: str, data: Any = None, **extra: Any):
        """Send ``data`` as JSON (query string for GET) and return the response."""
        url = "/api" + path
        headers = {**self._headers(), **extra.pop("headers", {})}
        if method == "get":
            return self.client.get(url, data or {}, headers=headers, **extra)
        if not isinstance(data, str | bytes):
            data = json.dumps(data if data is not None else {})
        return getattr(self.client, method)(
            url, data, content_type="application/json", headers=headers, **extra
        )

    def get(self, path: str, data: Any = None, **extra: Any):
        """GET ``/api{path}``."""
        return self.call("get", path, data, **extra)

    def post(self, path: str, data: Any = None, **extra: Any):
        """POST JSON to ``/api{path}``."""
        return self.call("post", path, data, **extra)

    def delete(self, path: str, **extra: Any):
        """DELETE ``/api{path}``."""
        return self.call("delete", path, None, **extra)


def api_for(member) -> Api:
    """A client holding a fresh token of ``member``."""
    _, raw = api_services.issue_token(member=member, name="tests")
    return Api(raw)


@pytest.fixture
def anon() -> Api:
    return Api()


@pytest.fixture
def alice(db):
    return make_member("Alice Archer", email="alice@example.org", headline="Data engineer")


@pytest.fixture
def bob(db):
    return make_member("Bob Baker", email="bob@example.org", company="Acme")


@pytest.fixture
def carol(db):
    return make_member("Carol Chen", email="carol@example.org")
