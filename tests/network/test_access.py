"""Nobody reads or changes what is not theirs; other members' ids answer 404."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from pitchless.network import services
from pitchless.network.models import Block, Connection, Folder, Invitation, Message, Participant
from tests.network.conftest import connect, login

pytestmark = pytest.mark.django_db

PRIVATE = "The budget for next year is still a secret."


@pytest.fixture
def conversation(alice, bob):
    connect(alice, bob)
    return services.send_message(sender=alice, recipient=bob, text=PRIVATE).message


def test_a_stranger_gets_404_for_a_conversation_and_its_messages(conversation, carol):
    c = login(carol)
    conv, msg = conversation.conversation_id, conversation.pk
    assert c.get(f"/messages/{conv}/").status_code == 404
    assert c.post(f"/messages/{conv}/", {"text": "let me in"}).status_code == 404
    assert c.post(f"/messages/{conv}/move/", {"folder": "archive"}).status_code == 404
    assert c.post(f"/messages/m/{msg}/feedback/", {"label": "pitch"}).status_code == 404
    assert c.post(f"/messages/m/{msg}/disconnect-report/").status_code == 404
    assert Message.objects.count() == 1
    for url in ("/messages/", "/messages/pitches/", "/messages/archive/"):
        assert PRIVATE not in c.get(url).content.decode()


def test_the_sender_cannot_label_their_own_message(conversation, alice):
    a = login(alice)
    assert (
        a.post(f"/messages/m/{conversation.pk}/feedback/", {"label": "not_pitch"}).status_code
        == 404
    )
    assert a.post(f"/messages/m/{conversation.pk}/disconnect-report/").status_code == 404


def test_missing_ids_are_404_too(alice):
    a = login(alice)
    assert a.get("/messages/999999/").status_code == 404
    assert a.post("/messages/m/999999/feedback/", {"label": "pitch"}).status_code == 404
    assert a.post("/invitations/999999/accept/").status_code == 404
    assert a.get("/members/999999/").status_code == 404


def test_anonymous_visitors_reach_nothing(client: Client, conversation):
    conv, msg = conversation.conversation_id, conversation.pk
    for url in ("/messages/", "/messages/pitches/", f"/messages/{conv}/"):
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")
    client.post(f"/messages/m/{msg}/feedback/", {"label": "pitch"})
    assert not conversation.feedback.exists()


def test_block_ends_the_connection_and_all_contact_both_ways(conversation, alice, bob):
    b = login(bob)
    assert b.post(f"/members/{alice.pk}/block/").status_code == 302
    assert Block.objects.filter(blocker=bob, blocked=alice).exists()
    assert not Connection.objects.exists()
    assert Participant.objects.get(member=bob).folder == Folder.ARCHIVE
    a = login(alice)
    # Alice can no longer write, invite, or even see Bob.
    assert a.post(f"/messages/{conversation.conversation_id}/", {"text": "hi"}).status_code == 400
    assert a.get(f"/members/{bob.pk}/").status_code == 404
    assert a.post(f"/members/{bob.pk}/invite/", {"note": ""}).status_code == 404
    assert "Bob Baker" not in a.get("/members/").content.decode()
    # ...and neither can Bob while his block stands.
    assert b.post(f"/members/{alice.pk}/invite/", {"note": ""}).status_code == 400
    with pytest.raises(services.NetworkError):
        services.send_message(sender=bob, recipient=alice, text="hi")
    assert Message.objects.count() == 1
    assert "Alice Archer" in b.get("/blocked/").content.decode()
    b.post(f"/members/{alice.pk}/unblock/")
    assert not Block.objects.exists()


def test_block_cancels_pending_invitations(alice, bob):
    services.send_invitation(sender=alice, recipient=bob)
    login(bob).post(f"/members/{alice.pk}/block/")
    assert Invitation.objects.get().status == Invitation.Status.CANCELLED


def test_disconnect_through_the_connections_page(alice, bob):
    connect(alice, bob)
    a = login(alice)
    assert "Bob Baker" in a.get("/connections/?q=bob").content.decode()
    assert "Bob Baker" not in a.get("/connections/?q=zebra").content.decode()
    assert a.post(f"/connections/{bob.pk}/remove/").status_code == 302
    assert not Connection.objects.exists()


def test_report_a_member(alice, bob):
    b = login(bob)
    assert b.get(f"/members/{alice.pk}/report/").status_code == 200
    assert b.post(f"/members/{alice.pk}/report/", {"reason": "Spam"}).status_code == 302
    assert alice.reports_received.get().reason == "Spam"
    assert b.post(f"/members/{bob.pk}/report/", {"reason": "me"}).status_code == 400


def test_csrf_is_on_for_network_actions(alice, bob):
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)
    assert client.post(f"/members/{bob.pk}/invite/", {"note": ""}).status_code == 403


def test_pages_render_without_javascript(conversation, alice, bob):
    b = login(bob)
    for url in (
        "/messages/",
        "/messages/pitches/",
        "/messages/archive/",
        "/connections/",
        "/invitations/",
        "/invitations/sent/",
        "/members/",
        f"/members/{alice.pk}/",
        f"/messages/{conversation.conversation_id}/",
        "/blocked/",
        "/exchange/soon/",
    ):
        response = b.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        # htmx only enhances: every form it drives is also a plain form posting to the same URL.
        for form in re.findall(r"<form[^>]*>", html):
            assert 'method="post"' in form or 'method="get"' in form, (url, form)
            hx = re.search(r'hx-post="([^"]+)"', form)
            if hx:
                assert f'action="{hx.group(1)}"' in form, (url, form)
        for src in re.findall(r'<script[^>]*src="([^"]+)"', html):
            assert src.startswith("/static/"), (url, src)  # vendored, no CDN


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example/", "https://evil.example/"])
def test_next_never_leaves_the_site(alice, bob, target):
    connect(alice, bob)
    response = login(alice).post(f"/connections/{bob.pk}/remove/", {"next": target})
    assert response.status_code == 302
    assert response["Location"] == "/connections/"
