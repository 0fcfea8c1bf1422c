"""Fixtures for the network tests: members, a logged-in client and the guard in use."""

from __future__ import annotations

import functools
import os
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from pitchless.guard import Guard
from pitchless.guard._textmodel import DEFAULT_MODEL_DIR
from pitchless.network import guard_adapter
from tests.members.factories import PASSWORD, make_member
from tests.network.fakes import keyword_guard

#: a model named by the environment, else the bundled one once it is installed
MODEL_DIR = os.environ.get("PITCHLESS_GUARD_MODEL_DIR") or None
HAVE_MODEL = MODEL_DIR is not None or (DEFAULT_MODEL_DIR / "pitch_model.json").is_file()


@functools.cache
def _site_guard() -> Guard:
    return Guard(model_dir=MODEL_DIR) if HAVE_MODEL else keyword_guard()


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Real hashing costs ~0.3 s per log-in; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def guard(monkeypatch):
    """The real guard when the bundled model is installed, else the keyword stand-in."""
    cache.clear()
    instance = _site_guard()
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: instance)
    return instance


@pytest.fixture
def alice(db):
    return make_member("Alice Archer", email="alice@example.org", headline="Data engineer")


@pytest.fixture
def bob(db):
    return make_member("Bob Baker", email="bob@example.org", company="Acme")


@pytest.fixture
def carol(db):
    return make_member("Carol Chen", email="carol@example.org")


def login(member) -> Client:
    """A client logged in as ``member`` through the log-in page."""
    client = Client()
    response = client.post("/login/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def connect(a, b, *, minutes_ago: float = 60 * 24 * 90):
    """Connect two members as if they connected ``minutes_ago``."""
    from pitchless.network.models import Connection

    at = timezone.now() - timedelta(minutes=minutes_ago)
    Connection.objects.create(member=a, other=b, created_at=at)
    Connection.objects.create(member=b, other=a, created_at=at)
