"""Profile and preferences pages, and the avatar checks."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from pitchless.members.models import Member
from tests.members.factories import PASSWORD, make_member

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture
def member_client(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    member = make_member("Kim Kato", email="kim@example.org")
    client = Client()
    client.post("/login/", {"username": member.email, "password": PASSWORD})
    return member, client


def _profile(**extra):
    data = {
        "name": "Kim Kato",
        "headline": "Buyer",
        "company": "Kato & Co",
        "location": "Lyon",
        "about": "I buy things, on my terms.",
    }
    data.update(extra)
    return data


def test_pages_need_a_login(client: Client):
    for url in ("/me/", "/me/preferences/"):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")


def test_edit_profile(member_client):
    member, client = member_client
    assert client.get("/me/").status_code == 200
    response = client.post("/me/", _profile())
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.headline, member.company, member.location) == ("Buyer", "Kato & Co", "Lyon")


def test_avatar_accepted_when_small_and_an_image(member_client):
    member, client = member_client
    response = client.post("/me/", _profile(avatar=SimpleUploadedFile("me.png", PNG)))
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.avatar.name.endswith(".png")
    assert "me.png" not in member.avatar.name


def test_avatar_refused_when_not_an_image(member_client):
    member, client = member_client
    fake = SimpleUploadedFile("me.png", b"<?php echo 1; ?>", content_type="image/png")
    response = client.post("/me/", _profile(avatar=fake))
    assert response.status_code == 400
    assert "must be a PNG, JPEG, GIF or WebP" in response.content.decode()
    member.refresh_from_db()
    assert not member.avatar


def test_avatar_refused_when_too_big(member_client, settings):
    settings.PITCHLESS_AVATAR_MAX_BYTES = 1024
    _, client = member_client
    big = SimpleUploadedFile("big.png", PNG + b"\x00" * 2048)
    response = client.post("/me/", _profile(avatar=big))
    assert response.status_code == 400
    assert "at most 1 KB" in response.content.decode()


def test_edit_preferences(member_client):
    member, client = member_client
    assert client.get("/me/preferences/").status_code == 200
    response = client.post(
        "/me/preferences/",
        {
            "accept_pitches": "on",
            "offer_categories": " analytics tools,, office space ",
            "invitations_from": "shared_connections",
            "notify_messages": "on",
        },
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.accept_pitches is True
    assert member.categories == ["analytics tools", "office space"]
    assert member.invitations_from == Member.InvitationsFrom.SHARED_CONNECTIONS
    assert member.notify_invitations is False


def test_invalid_preferences_are_a_400(member_client):
    _, client = member_client
    response = client.post("/me/preferences/", {"invitations_from": "martians"})
    assert response.status_code == 400
