"""A lost database answers 503 with Retry-After, on pages and in the API, and the next request
after it comes back succeeds."""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings
from django.urls import path

from pitchless.api import services as api_services
from tests.members.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

_LOST = OperationalError("server closed the connection unexpectedly")


def _database_down():
    return mock.patch.object(CursorWrapper, "execute", side_effect=_LOST)


def test_a_page_answers_503_while_the_database_is_down():
    member = make_member("Dana Diaz", email="dana@example.org")
    client = Client(raise_request_exception=False)
    assert client.login(username=member.email, password=PASSWORD)
    with _database_down():
        response = client.get("/messages/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    body = response.content.decode()
    assert "Back in a moment" in body
    assert "Traceback" not in body and "server closed" not in body
    assert client.get("/messages/").status_code == 200  # back without a restart


def test_the_api_answers_503_json_while_the_database_is_down():
    member = make_member("Eli Evans", email="eli@example.org")
    _, raw = api_services.issue_token(member=member, name="tests")
    client = Client(raise_request_exception=False)
    headers = {"Authorization": f"Bearer {raw}"}
    with _database_down():
        response = client.get("/api/members/me", headers=headers)
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    assert "database" in response.json()["detail"]
    assert client.get("/api/members/me", headers=headers).status_code == 200


class _BrokenUrls:
    """A URL table whose one view has a bug."""

    @staticmethod
    def _broken(request):
        raise RuntimeError("a bug with a secret in it")

    urlpatterns = [path("", _broken)]
    handler500 = "pitchless.core.errors.server_error"


def test_other_errors_stay_500_without_details():
    client = Client(raise_request_exception=False)
    with override_settings(ROOT_URLCONF=_BrokenUrls):
        response = client.get("/")
    assert response.status_code == 500
    body = response.content.decode()
    assert "Something went wrong" in body
    assert "secret" not in body
