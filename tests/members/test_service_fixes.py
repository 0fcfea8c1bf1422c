"""Sign-up checks and limits, the shared log-in limiter, and password changes revoking tokens."""

from __future__ import annotations

import json
import re

import pytest
from django.core import mail
from django.test import Client

from pitchless.api.models import ApiToken
from pitchless.api.services import authenticate_token, issue_token
from pitchless.members import services
from tests.members.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

NEW = "a brand new passphrase 42"


def _api_post(client: Client, path: str, data: dict):
    return client.post("/api" + path, json.dumps(data), content_type="application/json")


@pytest.mark.parametrize("email", ["not-an-address", "a@", "@b.org", "a b@c.org", ""])
def test_sign_up_service_validates_the_address(email):
    with pytest.raises(services.InvalidEmail):
        services.sign_up(email=email, password="a long enough passphrase", name="X")


def test_sign_up_is_rate_limited_on_the_page_and_the_api_together(settings):
    settings.PITCHLESS_SIGNUP_ATTEMPTS = 3
    client = Client()
    for i in range(2):
        data = {"email": f"p{i}@example.org", "password": "blue kettle 42", "name": "P"}
        assert client.post("/signup/", data).status_code == 302
        client.post("/logout/")
    api = _api_post(
        Client(), "/auth/signup", {"email": "a@example.org", "password": "x y z 42 q", "name": "A"}
    )
    assert api.status_code == 201
    page = Client().post(
        "/signup/", {"email": "late@example.org", "password": "blue kettle 42", "name": "L"}
    )
    assert page.status_code == 429 and "Too many sign-ups" in page.content.decode()
    again = _api_post(
        Client(), "/auth/signup", {"email": "b@example.org", "password": "x y z 42 q", "name": "B"}
    )
    assert again.status_code == 429 and again["Retry-After"]


def test_failed_log_ins_on_the_page_count_for_the_api_and_back(settings):
    settings.PITCHLESS_LOGIN_ATTEMPTS = 3
    member = make_member(email="jo@example.org")
    client = Client()
    client.post("/login/", {"username": member.email, "password": "wrong"})
    _api_post(client, "/auth/token", {"email": member.email, "password": "wrong"})
    client.post("/login/", {"username": member.email, "password": "wrong"})
    right = {"email": member.email, "password": PASSWORD}
    assert _api_post(client, "/auth/token", right).status_code == 429
    page = client.post("/login/", {"username": member.email, "password": PASSWORD})
    assert page.status_code == 429


def test_changing_the_password_revokes_api_tokens():
    member = make_member(email="jo@example.org")
    _, raw = issue_token(member=member)
    client = Client()
    client.post("/login/", {"username": member.email, "password": PASSWORD})
    response = client.post(
        "/me/password/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302
    assert authenticate_token(raw) is None and not ApiToken.objects.exists()
    # This browser stays logged in.
    assert client.get("/me/").status_code == 200


def test_resetting_the_password_revokes_api_tokens():
    member = make_member(email="jo@example.org")
    issue_token(member=member)
    client = Client()
    client.post("/password-reset/", {"email": member.email})
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    assert client.post(set_url, {"new_password1": NEW, "new_password2": NEW}).status_code == 302
    assert not ApiToken.objects.exists()


def test_a_suspended_member_cannot_get_a_token():
    from datetime import timedelta

    from django.utils import timezone

    member = make_member(email="jo@example.org")
    member.suspended_until = timezone.now() + timedelta(days=2)
    member.suspension_reason = "Bulk pitching"
    member.save()
    response = _api_post(Client(), "/auth/token", {"email": member.email, "password": PASSWORD})
    assert response.status_code == 403 and "Bulk pitching" in response.json()["detail"]
    wrong = _api_post(Client(), "/auth/token", {"email": member.email, "password": "nope"})
    assert wrong.status_code == 401
