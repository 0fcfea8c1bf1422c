"""``/healthz``: the database and each configured Redis, for load balancers and monitors."""

from __future__ import annotations

import pytest
from django.db import OperationalError
from django.test import Client

from pitchless.core import health
from tests.ops.conftest import free_port, redis_or_skip

pytestmark = pytest.mark.django_db


@pytest.fixture
def no_redis(settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    settings.CELERY_BROKER_URL = ""
    settings.PITCHLESS_BULK_STORE_URL = "database"


def test_ok_with_the_database_alone(no_redis):
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert list(body["checks"]) == ["database"]
    assert body["checks"]["database"]["ok"] is True
    assert "no-store" in response["Cache-Control"]


def test_no_login_no_csrf_and_get_only(no_redis):
    client = Client(enforce_csrf_checks=True)
    assert client.get("/healthz").status_code == 200
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_a_redis_that_is_down_degrades_but_keeps_200(no_redis, settings):
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{free_port()}/15"
    response = Client().get("/healthz")
    assert response.status_code == 200  # sending still works: keep the traffic coming
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["database"]["ok"] is True
    broker = body["checks"]["broker"]
    assert broker["ok"] is False and "ConnectionError" in broker["error"]
    assert "redis://" not in broker["error"]  # a URL may carry a password


def test_a_database_that_is_down_answers_503(no_redis, monkeypatch):
    def broken():
        raise OperationalError("connection refused")

    monkeypatch.setattr(health, "connection", type("C", (), {"cursor": staticmethod(broken)}))
    response = Client().get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == {
        "ok": False,
        "ms": body["checks"]["database"]["ms"],
        "error": "OperationalError: connection refused",
    }


def test_each_redis_role_is_checked_and_one_url_pinged_once(no_redis, settings, monkeypatch):
    url = redis_or_skip(15)
    settings.CELERY_BROKER_URL = url
    settings.PITCHLESS_BULK_STORE_URL = url
    pinged = []
    real = health.check_redis
    monkeypatch.setattr(health, "check_redis", lambda u: pinged.append(u) or real(u))
    body = Client().get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["broker"]["ok"] and body["checks"]["bulk_store"]["ok"]
    assert pinged == [url]
