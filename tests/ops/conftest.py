"""Helpers for the tests that run the site's real processes: subprocess environments, a
database the subprocesses can open, the machine's Redis (test databases 13-15 only)."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

#: the machine's Redis; tests use databases 13-15 and their own key prefixes only
REDIS_BASE = os.environ.get("PITCHLESS_TEST_REDIS", "redis://127.0.0.1:6379")


def redis_or_skip(db: int) -> str:
    """The URL of Redis database ``db`` (13-15), or skip the test when Redis does not answer."""
    assert db in (13, 14, 15), "tests keep to Redis databases 13-15"
    import redis

    url = f"{REDIS_BASE}/{db}"
    try:
        redis.Redis.from_url(url, socket_timeout=0.5, socket_connect_timeout=0.5).ping()
    except redis.RedisError as exc:
        pytest.skip(f"Redis at {url} is not reachable ({exc}); start redis-server to run this")
    return url


def delete_keys(url: str, pattern: str) -> int:
    """Delete the keys matching ``pattern`` (never the whole database)."""
    import redis

    client = redis.Redis.from_url(url, socket_timeout=2)
    names = list(client.scan_iter(match=pattern, count=500))
    return int(client.delete(*names)) if names else 0


@pytest.fixture
def unique() -> str:
    """A prefix no other test run uses."""
    return f"pitchless-test-{uuid.uuid4().hex[:12]}"


def free_port() -> int:
    """A TCP port on 127.0.0.1 with nothing listening on it (right now)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def clean_env(**extra: str) -> dict[str, str]:
    """The environment without any of the site's settings, plus ``extra``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PITCHLESS_", "CELERY_"))
        and k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}
    }
    env["PYTHONUNBUFFERED"] = "1"
    return {**env, **extra}


def subprocess_database_url(tmp_path: Path) -> str:
    """A ``DATABASE_URL`` for a subprocess, holding the test database's migrated schema.

    PostgreSQL: the test database itself. SQLite: pytest-django's test database is in memory,
    so it is copied into a file with SQLite's backup API (milliseconds, where migrating a new
    file takes seconds). Either way the test must use ``transaction=True``: the copy waits
    forever on a transaction left open, and another process sees committed rows only.
    """
    from django.db import connection

    settings = connection.settings_dict
    if connection.vendor == "sqlite":
        connection.ensure_connection()
        path = tmp_path / "copy.sqlite3"
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
        return f"sqlite:///{path}"
    if connection.vendor == "postgresql":
        user = settings.get("USER") or "postgres"
        password = f":{settings['PASSWORD']}" if settings.get("PASSWORD") else ""
        host = settings.get("HOST") or "127.0.0.1"
        port = settings.get("PORT") or 5432
        return f"postgres://{user}{password}@{host}:{port}/{settings['NAME']}"
    pytest.skip(f"no subprocess database for {connection.vendor}")


def python(*args: str) -> list[str]:
    """A command line running this interpreter."""
    return [sys.executable, *args]


def stop(proc: subprocess.Popen[bytes] | subprocess.Popen[str], grace: float = 10.0) -> None:
    """Ask a process to stop (SIGTERM), then kill it after ``grace`` seconds."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)


@pytest.fixture
def processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Processes started by a test; each is stopped at the end whatever happened."""
    started: list[subprocess.Popen[str]] = []
    yield started
    for proc in started:
        stop(proc)


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    """Real password hashing costs ~0.3 s per member made; these tests don't need it."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


__all__ = ["REPO_ROOT"]
