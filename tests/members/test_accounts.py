"""Sign up, log in, log out and password reset, through their URLs."""

from __future__ import annotations

import re

import pytest
from django.core import mail
from django.test import Client, override_settings

from pitchless.members.models import Member
from tests.members.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def test_sign_up_logs_in_and_keeps_pitches_off(client: Client):
    response = client.post(
        "/signup/",
        {"name": "Dana Diaz", "email": "Dana@Example.org", "password": PASSWORD},
    )
    assert response.status_code == 302
    member = Member.objects.get(email="dana@example.org")
    assert member.accept_pitches is False
    assert member.invitations_from == Member.InvitationsFrom.EVERYONE
    assert client.get("/me/").status_code == 200


def test_sign_up_refuses_taken_address_and_weak_password(client: Client):
    make_member(email="taken@example.org")
    taken = client.post(
        "/signup/", {"name": "X", "email": "TAKEN@example.org", "password": PASSWORD}
    )
    assert taken.status_code == 400
    assert "already exists" in taken.content.decode()
    weak = client.post("/signup/", {"name": "Y", "email": "y@example.org", "password": "123"})
    assert weak.status_code == 400
    assert not Member.objects.filter(email="y@example.org").exists()


def test_log_in_and_out(client: Client):
    member = make_member(email="erin@example.org")
    assert client.get("/me/").status_code == 302
    response = client.post("/login/", {"username": "erin@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert int(client.session["_auth_user_id"]) == member.pk
    assert client.get("/logout/").status_code == 405  # logging out needs a POST
    client.post("/logout/")
    assert "_auth_user_id" not in client.session


def test_log_in_ignores_the_case_of_the_address(client: Client):
    make_member(email="kay@example.org")
    response = client.post("/login/", {"username": " Kay@Example.ORG", "password": PASSWORD})
    assert response.status_code == 302


def test_wrong_password_is_refused(client: Client):
    make_member(email="fay@example.org")
    response = client.post("/login/", {"username": "fay@example.org", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


@override_settings(PITCHLESS_LOGIN_ATTEMPTS=3)
def test_login_is_rate_limited_even_with_the_right_password(client: Client):
    make_member(email="gil@example.org")
    for _ in range(3):
        client.post("/login/", {"username": "gil@example.org", "password": "wrong"})
    response = client.post("/login/", {"username": "gil@example.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed log-ins" in response.content.decode()
    assert "_auth_user_id" not in client.session
    # Another account is not locked out by gil's failures.
    make_member(email="hal@example.org")
    ok = client.post("/login/", {"username": "hal@example.org", "password": PASSWORD})
    assert ok.status_code == 302


@override_settings(PITCHLESS_LOGIN_ATTEMPTS=3)
def test_a_successful_login_resets_the_count(client: Client):
    make_member(email="ivy@example.org")
    for _ in range(2):
        client.post("/login/", {"username": "ivy@example.org", "password": "wrong"})
    assert (
        client.post("/login/", {"username": "ivy@example.org", "password": PASSWORD}).status_code
        == 302
    )
    client.post("/logout/")
    for _ in range(2):
        client.post("/login/", {"username": "ivy@example.org", "password": "wrong"})
    assert (
        client.post("/login/", {"username": "ivy@example.org", "password": PASSWORD}).status_code
        == 302
    )


def test_password_reset_by_email(client: Client):
    member = make_member(email="jo@example.org")
    response = client.post("/password-reset/", {"email": "jo@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/password-reset/\S+/)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    new = "a brand new passphrase 42"
    done = client.post(set_url, {"new_password1": new, "new_password2": new})
    assert done.status_code == 302
    member.refresh_from_db()
    assert member.check_password(new)


def test_password_reset_does_not_reveal_unknown_addresses(client: Client):
    response = client.post("/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert len(mail.outbox) == 0


def test_csrf_is_enforced_on_login():
    client = Client(enforce_csrf_checks=True)
    response = client.post("/login/", {"username": "x@example.org", "password": "y"})
    assert response.status_code == 403
