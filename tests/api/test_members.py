"""Members through their URLs: your account, the directory, profiles."""

from __future__ import annotations

import pytest

from pitchless.network import services
from tests.api.conftest import api_for

pytestmark = pytest.mark.django_db


def test_me_shows_the_account_and_preferences(alice):
    body = api_for(alice).get("/members/me").json()
    assert body["id"] == alice.pk and body["email"] == alice.email
    assert body["headline"] == "Data engineer"
    assert body["offer_categories"] == [] and body["invitations_from"] == "everyone"


def test_the_directory_searches_and_leaves_out_yourself_and_blocks(alice, bob, carol):
    client = api_for(alice)
    names = [m["name"] for m in client.get("/members").json()["items"]]
    assert names == ["Bob Baker", "Carol Chen"]
    found = client.get("/members", {"q": "acme"}).json()
    assert found["count"] == 1 and found["items"][0]["id"] == bob.pk
    assert "email" not in found["items"][0]
    services.block_member(blocker=carol, blocked=alice)
    assert [m["id"] for m in client.get("/members").json()["items"]] == [bob.pk]
    assert [m["id"] for m in api_for(carol).get("/members").json()["items"]] == [bob.pk]


def test_the_directory_pages(alice, bob, carol):
    client = api_for(alice)
    page = client.get("/members", {"limit": 1, "offset": 1}).json()
    assert page["count"] == 2 and [m["id"] for m in page["items"]] == [carol.pk]
    for bad in ({"limit": 0}, {"limit": 101}, {"offset": -1}, {"limit": "many"}):
        assert client.get("/members", bad).status_code == 422


def test_a_profile_is_404_for_missing_closed_or_blocking_members(alice, bob, carol):
    client = api_for(alice)
    assert client.get(f"/members/{bob.pk}").json()["name"] == "Bob Baker"
    assert client.get("/members/999999").status_code == 404
    services.block_member(blocker=bob, blocked=alice)
    assert client.get(f"/members/{bob.pk}").status_code == 404
    carol.is_active = False
    carol.save(update_fields=["is_active"])
    assert client.get(f"/members/{carol.pk}").status_code == 404
