"""Sign-up and tokens through their URLs: hashing, revocation, the shared log-in limiter, CSRF."""

from __future__ import annotations

import pytest
from django.test import Client

from pitchless.api.models import ApiToken
from pitchless.api.services import digest
from pitchless.members.models import Member
from tests.api.conftest import Api, api_for
from tests.members.factories import PASSWORD

pytestmark = pytest.mark.django_db

GOOD_PASSWORD = "a long and unusual passphrase"


def test_sign_up_answers_201_with_the_new_account(anon):
    response = anon.post(
        "/auth/signup", {"email": " Nina@Example.org ", "password": GOOD_PASSWORD, "name": "Nina"}
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["email"] == "nina@example.org" and body["name"] == "Nina"
    assert body["accept_pitches"] is False
    assert "password" not in body
    assert Member.objects.get(email="nina@example.org").check_password(GOOD_PASSWORD)


@pytest.mark.parametrize(
    ("payload", "status", "words"),
    [
        ({"email": "alice@example.org", "password": GOOD_PASSWORD, "name": "A"}, 400, "exists"),
        ({"email": "new@example.org", "password": "password", "name": "N"}, 400, "common"),
        ({"email": "new@example.org", "password": "12345678901", "name": "N"}, 400, "numeric"),
        ({"email": "not-an-address", "password": GOOD_PASSWORD, "name": "N"}, 422, "e-mail"),
        ({"email": "new@example.org", "password": GOOD_PASSWORD, "name": "   "}, 422, "name"),
        ({"email": "new@example.org", "password": GOOD_PASSWORD}, 422, "name"),
    ],
)
def test_sign_up_refusals_say_why(anon, alice, payload, status, words):
    response = anon.post("/auth/signup", payload)
    assert response.status_code == status, response.content
    assert words in response.json()["detail"].lower()
    assert Member.objects.count() == 1


def test_a_token_is_shown_once_and_stored_as_a_digest(anon, alice):
    response = anon.post(
        "/auth/token", {"email": "ALICE@example.org", "password": PASSWORD, "name": "laptop"}
    )
    assert response.status_code == 201, response.content
    raw = response.json()["token"]
    stored = ApiToken.objects.get()
    assert stored.member == alice and stored.name == "laptop"
    assert stored.digest == digest(raw) and raw not in stored.digest
    me = Api(raw).get("/members/me")
    assert me.status_code == 200 and me.json()["email"] == "alice@example.org"
    assert ApiToken.objects.get().last_used_at is not None


def test_wrong_credentials_answer_401(anon, alice):
    for payload in (
        {"email": "alice@example.org", "password": "wrong"},
        {"email": "nobody@example.org", "password": PASSWORD},
    ):
        response = anon.post("/auth/token", payload)
        assert response.status_code == 401
        assert "wrong" in response.json()["detail"]
    assert not ApiToken.objects.exists()


def test_token_creation_is_limited_together_with_the_login_page(anon, alice, settings):
    settings.PITCHLESS_LOGIN_ATTEMPTS = 3
    # Failures on the page and through the API count against the same budget.
    Client().post("/login/", {"username": "alice@example.org", "password": "wrong"})
    for _ in range(2):
        assert anon.post("/auth/token", {"email": alice.email, "password": "x"}).status_code == 401
    response = anon.post("/auth/token", {"email": alice.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.json()["detail"]
    assert int(response["Retry-After"]) == settings.PITCHLESS_LOGIN_WINDOW_SECONDS
    assert not ApiToken.objects.exists()


def test_a_success_resets_the_account_count(anon, alice, settings):
    settings.PITCHLESS_LOGIN_ATTEMPTS = 2
    assert anon.post("/auth/token", {"email": alice.email, "password": "x"}).status_code == 401
    assert anon.post("/auth/token", {"email": alice.email, "password": PASSWORD}).status_code == 201
    assert anon.post("/auth/token", {"email": alice.email, "password": "x"}).status_code == 401
    assert anon.post("/auth/token", {"email": alice.email, "password": PASSWORD}).status_code == 201


def test_tokens_are_listed_without_secrets_and_revocable(alice):
    laptop, phone = api_for(alice), api_for(alice)
    listed = laptop.get("/auth/tokens").json()
    assert len(listed) == 2 and [t["current"] for t in listed].count(True) == 1
    assert all("token" not in t and "digest" not in t for t in listed)
    phone_id = ApiToken.objects.get(digest=digest(phone.token)).pk
    assert laptop.delete(f"/auth/tokens/{phone_id}").status_code == 204
    assert phone.get("/members/me").status_code == 401
    assert laptop.delete(f"/auth/tokens/{phone_id}").status_code == 404
    # Log out: revoke the token in use.
    assert laptop.delete("/auth/token").status_code == 204
    assert laptop.get("/members/me").status_code == 401
    assert not ApiToken.objects.exists()


def test_bad_tokens_and_closed_accounts_answer_401(alice):
    client = api_for(alice)
    for header in ("Bearer nope", "Bearer pl_" + "x" * 43, "Token " + client.token, "Bearer"):
        response = Client().get("/api/members/me", headers={"Authorization": header})
        assert response.status_code == 401
    alice.is_active = False
    alice.save(update_fields=["is_active"])
    assert client.get("/members/me").status_code == 401


def test_a_session_grants_nothing_on_the_api(alice):
    browser = Client()
    assert (
        browser.post("/login/", {"username": alice.email, "password": PASSWORD}).status_code == 302
    )
    assert browser.get("/api/members/me").status_code == 401


def test_csrf_does_not_apply_to_token_requests(alice, bob):
    client = Client(enforce_csrf_checks=True)
    raw = api_for(alice).token
    response = client.post(
        "/api/blocks",
        {"member": bob.pk},
        content_type="application/json",
        headers={"Authorization": f"Bearer {raw}"},
    )
    assert response.status_code == 201


def test_a_token_is_looked_up_once_then_cached(alice, django_assert_num_queries):
    from pitchless.api.services import authenticate_token

    client = api_for(alice)
    assert authenticate_token(client.token).member == alice
    with django_assert_num_queries(0):
        assert authenticate_token(client.token).member == alice


def test_revoking_a_cached_token_stops_it_at_once(alice):
    laptop, phone = api_for(alice), api_for(alice)
    assert phone.get("/members/me").status_code == 200
    phone_id = ApiToken.objects.get(digest=digest(phone.token)).pk
    assert laptop.delete(f"/auth/tokens/{phone_id}").status_code == 204
    assert phone.get("/members/me").status_code == 401
    assert laptop.delete("/auth/token").status_code == 204
    assert laptop.get("/members/me").status_code == 401


def test_a_password_change_stops_cached_tokens(alice):
    from pitchless.members.services import set_password

    client = api_for(alice)
    assert client.get("/members/me").status_code == 200
    set_password(member=alice, password="a new long passphrase 42")
    assert client.get("/members/me").status_code == 401


def test_a_suspended_member_cannot_send_with_a_cached_token(alice, bob):
    from datetime import timedelta

    from django.utils import timezone

    from tests.network.conftest import connect

    connect(alice, bob)
    client = api_for(alice)
    assert client.get("/members/me").status_code == 200
    Member.objects.filter(pk=alice.pk).update(suspended_until=timezone.now() + timedelta(days=2))
    assert client.post("/messages", {"to": bob.pk, "text": "Hello Bob"}).status_code == 403
    assert client.post("/invitations", {"to": bob.pk, "note": ""}).status_code == 403


def test_a_suspension_or_a_closed_account_stops_cached_tokens(alice, bob):
    from datetime import timedelta

    from django.contrib.auth.models import Group
    from django.utils import timezone

    from pitchless.moderation.services import suspend_member
    from tests.members.factories import make_member

    mod = make_member("Mo Moderator", email="mod@example.org")
    mod.groups.add(Group.objects.get(name="moderators"))
    client, other = api_for(alice), api_for(bob)
    assert client.get("/members/me").status_code == 200
    assert other.get("/members/me").status_code == 200
    suspend_member(
        moderator=mod, member=alice, until=timezone.now() + timedelta(days=3), reason="Spam"
    )
    assert client.get("/members/me").status_code == 401
    bob.is_active = False
    bob.save(update_fields=["is_active"])
    assert other.get("/members/me").status_code == 401
