"""Bad payloads get a 4xx with a clear message, never a 500, and never an echo of the input."""

from __future__ import annotations

import json

import pytest

from pitchless.network.models import Invitation, Message
from tests.api.conftest import api_for
from tests.network.conftest import connect

pytestmark = pytest.mark.django_db

MEGABYTE = "x" * (1024 * 1024)


@pytest.fixture
def client(alice, bob):
    connect(alice, bob)
    return api_for(alice)


@pytest.mark.parametrize(
    ("path", "payload", "field"),
    [
        ("/invitations", {}, "to"),
        ("/invitations", {"to": "bob"}, "to"),
        ("/invitations", {"to": -1}, "to"),
        ("/invitations", {"to": 0, "note": "hi"}, "to"),
        ("/invitations", {"to": 2, "note": ["a", "list"]}, "note"),
        ("/invitations", {"to": 2, "note": MEGABYTE}, "note"),
        ("/messages", {"to": 2}, "text"),
        ("/messages", {"to": 2, "text": ""}, "text"),
        ("/messages", {"to": 2, "text": MEGABYTE}, "text"),
        ("/messages", {"to": 2, "text": "hi", "idempotency_key": "k" * 101}, "idempotency_key"),
        ("/messages", {"to": 1.5, "text": "hi"}, "to"),
        ("/messages", {"to": True, "text": "hi"}, "to"),
        ("/blocks", {"member": None}, "member"),
        ("/reports", {"member": 2}, "reason"),
        ("/reports", {"member": 2, "message": -3, "reason": "x"}, "message"),
        ("/reports", {"member": 2, "reason": "r" * 501}, "reason"),
        ("/auth/signup", {"email": "a@b.org", "password": MEGABYTE, "name": "A"}, "password"),
        ("/auth/token", {"email": MEGABYTE, "password": "x"}, "email"),
    ],
)
def test_invalid_fields_answer_422_naming_the_field(client, path, payload, field):
    response = client.post(path, payload)
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["detail"].startswith(field + ":")
    assert any(e["loc"][-1] == field for e in body["errors"])
    # The rejected value is not sent back (it may be a megabyte long).
    assert len(response.content) < 2000
    assert not Invitation.objects.exists() and not Message.objects.exists()


@pytest.mark.parametrize(
    "body", ["{not json", "[1, 2]", '"a string"', "", "\x00\xff", json.dumps({"to": 2}) * 2]
)
def test_unreadable_bodies_answer_4xx(client, body):
    response = client.post("/messages", body)
    assert 400 <= response.status_code < 500, response.content
    assert "detail" in response.json()


def test_a_body_over_the_upload_limit_answers_413(client, settings, bob):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 64 * 1024
    payload = {"to": bob.pk, "text": "y" * (128 * 1024)}
    response = client.post("/messages", payload)
    assert response.status_code == 413
    assert response.json() == {"detail": "The request body is too large."}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("get", "/conversations/-1/messages"),
        ("post", "/invitations/-5/accept"),
        ("delete", "/connections/-2"),
        ("delete", "/blocks/0"),
        ("post", "/messages/-1/feedback"),
        ("get", "/conversations/abc/messages"),
        ("get", "/members/99999999999999999999999"),
    ],
)
def test_negative_or_odd_ids_answer_4xx(client, method, path):
    response = client.call(method, path, {"label": "pitch"})
    assert response.status_code in (404, 422), response.content


@pytest.mark.parametrize(
    "params",
    [{"folder": "spam"}, {"limit": -1}, {"offset": "x"}, {"q": "q" * 201}],
)
def test_bad_query_parameters_answer_422(client, params):
    assert client.get(
        "/conversations" if "folder" in params else "/members", params
    ).status_code == (422)


def test_an_unknown_direction_is_422(client):
    response = client.get("/invitations", {"direction": "sideways"})
    assert response.status_code == 422 and "direction" in response.json()["detail"]


def test_wrong_methods_answer_405(client):
    assert client.get("/messages").status_code == 405
    assert client.delete("/members/me").status_code == 405
