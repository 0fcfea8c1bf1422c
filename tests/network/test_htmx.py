"""htmx makes the inline actions instant: the same URLs answer a fragment instead of a redirect."""

from __future__ import annotations

import pytest

from pitchless.network import services
from pitchless.network.models import Connection, Folder, Invitation, Message, Participant
from tests.network.conftest import connect, login

pytestmark = pytest.mark.django_db

HX = {"HTTP_HX_REQUEST": "true"}
PITCH = (
    "Thanks for connecting! Our agency offers lead generation services. Pricing starts at "
    "$499 per month. Can we book a quick 15-minute call this week for a demo?"
)


def test_the_pages_load_the_vendored_htmx(alice, bob):
    services.send_invitation(sender=alice, recipient=bob)
    html = login(bob).get("/invitations/").content.decode()
    assert '<script src="/static/django_htmx/htmx' in html
    assert "hx-post=" in html


def test_accept_inline_returns_the_card_fragment(alice, bob):
    inv = services.send_invitation(sender=alice, recipient=bob)
    response = login(bob).post(f"/invitations/{inv.pk}/accept/", **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="invitation-{inv.pk}"' in html
    assert "You are now connected with Alice Archer." in html
    assert "<html" not in html
    assert Connection.objects.filter(member=bob, other=alice).exists()


def test_an_inline_refusal_is_said_in_the_fragment(alice, bob):
    inv = services.send_invitation(sender=alice, recipient=bob)
    b = login(bob)
    b.post(f"/invitations/{inv.pk}/ignore/", **HX)
    response = b.post(f"/invitations/{inv.pk}/accept/", **HX)
    assert "already answered" in response.content.decode()
    assert Invitation.objects.get().status == Invitation.Status.IGNORED


def test_feedback_inline_rerenders_the_message(alice, bob):
    connect(alice, bob, minutes_ago=3)
    services.send_message(sender=alice, recipient=bob, text=PITCH)
    message = Message.objects.get()
    response = login(bob).post(f"/messages/m/{message.pk}/feedback/", {"label": "not_pitch"}, **HX)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'id="message-{message.pk}"' in html
    assert "Moved to your Inbox" in html
    assert "Mark as pitch" in html  # the message now offers the opposite action
    assert Participant.objects.get(member=bob).folder == Folder.INBOX


def test_disconnect_and_report_inline(alice, bob):
    connect(alice, bob, minutes_ago=3)
    services.send_message(sender=alice, recipient=bob, text=PITCH)
    message = Message.objects.get()
    response = login(bob).post(f"/messages/m/{message.pk}/disconnect-report/", **HX)
    assert response.status_code == 200
    assert "You disconnected from Alice Archer" in response.content.decode()
    assert not Connection.objects.exists()


def test_inline_actions_still_hide_other_members_things(alice, bob, carol):
    inv = services.send_invitation(sender=alice, recipient=bob)
    connect(alice, bob)
    msg = services.send_message(sender=alice, recipient=bob, text="Hello").message
    c = login(carol)
    assert c.post(f"/invitations/{inv.pk}/accept/", **HX).status_code == 404
    assert c.post(f"/messages/m/{msg.pk}/feedback/", {"label": "pitch"}, **HX).status_code == 404
