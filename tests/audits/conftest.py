"""Fixtures for the website audit: members, a logged-in client, exports and the guard in use."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from pitchless.audits import services
from tests.audit.conftest import KeywordGuard
from tests.fixtures.exports.builder import demo_files, write_zip
from tests.members.factories import PASSWORD, make_member


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Real hashing costs ~0.3 s per log-in; tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def audit_dir(settings, tmp_path: Path) -> Path:
    """Uploads and reports go to a folder of the test's own."""
    folder = tmp_path / "audits"
    settings.PITCHLESS_AUDIT_DIR = folder
    return folder


@pytest.fixture(autouse=True)
def guard(monkeypatch) -> KeywordGuard:
    """The keyword stand-in the audit tests use: deterministic, and needs no model file."""
    instance = KeywordGuard()
    monkeypatch.setattr(services, "get_guard", lambda: instance)
    return instance


@pytest.fixture
def alice(db):
    return make_member("Alice Archer", email="alice@example.org")


@pytest.fixture
def bob(db):
    return make_member("Bob Baker", email="bob@example.org")


def login(member) -> Client:
    """A client logged in as ``member`` through the log-in page."""
    client = Client()
    response = client.post("/login/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


@pytest.fixture
def export_zip(tmp_path: Path) -> Path:
    """The invented demo export, zipped inside a top-level folder as LinkedIn does."""
    return write_zip(
        tmp_path / "Complete_LinkedInDataExport_03-15-2024.zip",
        demo_files(),
        top="Complete_LinkedInDataExport_03-15-2024",
    )
