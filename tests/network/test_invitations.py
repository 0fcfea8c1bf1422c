"""Invitations through their URLs: every answer, "Ask why", and who may do what."""

from __future__ import annotations

import pytest
from django.test import Client

from pitchless.network.models import Connection, Invitation, Report
from tests.members.factories import make_member
from tests.network.conftest import connect, login

pytestmark = pytest.mark.django_db


def _invite(client: Client, member, note: str = ""):
    return client.post(f"/members/{member.pk}/invite/", {"note": note})


def test_invite_and_accept(alice, bob):
    a, b = login(alice), login(bob)
    assert a.get(f"/members/{bob.pk}/").status_code == 200
    response = _invite(a, bob, "We met at the Lyon data meetup in May.")
    assert response.status_code == 302
    inv = Invitation.objects.get()
    assert inv.status == Invitation.Status.PENDING
    page = b.get("/invitations/").content.decode()
    assert "Lyon data meetup" in page
    assert b.post(f"/invitations/{inv.pk}/accept/").status_code == 302
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.ACCEPTED
    assert Connection.objects.filter(member=alice, other=bob).exists()
    assert Connection.objects.filter(member=bob, other=alice).exists()
    assert "Bob Baker" in a.get("/connections/").content.decode()


def test_note_longer_than_300_characters_is_refused(alice, bob):
    response = _invite(login(alice), bob, "x" * 301)
    assert response.status_code == 400
    assert not Invitation.objects.exists()


def test_ignore_is_not_told_to_the_sender(alice, bob):
    a, b = login(alice), login(bob)
    _invite(a, bob)
    inv = Invitation.objects.get()
    b.post(f"/invitations/{inv.pk}/ignore/")
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.IGNORED
    sent = a.get("/invitations/sent/").content.decode()
    assert "Pending" in sent and "Ignored" not in sent
    assert "Ignored" not in a.get(f"/members/{bob.pk}/").content.decode()
    assert not Connection.objects.exists()


def test_dont_know_stops_that_sender_for_good(alice, bob):
    a, b = login(alice), login(bob)
    _invite(a, bob)
    inv = Invitation.objects.get()
    b.post(f"/invitations/{inv.pk}/dont-know/")
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.DONT_KNOW
    response = _invite(a, bob)
    assert response.status_code == 400
    assert "does not accept invitations from you" in response.content.decode()
    # Someone else may still invite Bob.
    carol = make_member("Carol")
    assert _invite(login(carol), bob).status_code == 302


def test_report_closes_the_invitation_and_records_a_report(alice, bob):
    a, b = login(alice), login(bob)
    _invite(a, bob, "Buy our leads package")
    inv = Invitation.objects.get()
    assert b.post(f"/invitations/{inv.pk}/report/").status_code == 302
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.REPORTED
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.invitation) == (bob, alice, inv)
    assert _invite(a, bob).status_code == 400


def test_ask_why_sends_the_question_to_the_inviter_without_connecting(alice, bob):
    a, b = login(alice), login(bob)
    _invite(a, bob, "Would love to connect!")
    inv = Invitation.objects.get()
    assert b.get(f"/invitations/{inv.pk}/ask/").status_code == 200
    response = b.post(f"/invitations/{inv.pk}/ask/", {"question": "Where did we meet?"})
    assert response.status_code == 302
    inv.refresh_from_db()
    assert inv.question == "Where did we meet?"
    assert inv.status == Invitation.Status.PENDING
    assert not Connection.objects.exists()
    assert "Where did we meet?" in a.get("/invitations/sent/").content.decode()
    a.post(f"/invitations/{inv.pk}/answer/", {"answer": "At PyCon, the data track."})
    inv.refresh_from_db()
    assert inv.answer == "At PyCon, the data track."
    assert "At PyCon" in b.get("/invitations/").content.decode()
    # Still pending: the recipient decides afterwards.
    b.post(f"/invitations/{inv.pk}/accept/")
    assert Connection.objects.filter(member=bob, other=alice).exists()


def test_withdraw(alice, bob):
    a = login(alice)
    _invite(a, bob)
    inv = Invitation.objects.get()
    assert a.post(f"/invitations/{inv.pk}/withdraw/").status_code == 302
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.WITHDRAWN
    assert "Withdrawn" in a.get("/invitations/sent/").content.decode()


def test_only_the_right_party_can_answer(alice, bob, carol):
    a, b, c = login(alice), login(bob), login(carol)
    _invite(a, bob)
    inv = Invitation.objects.get()
    # The sender cannot accept their own invitation; the recipient cannot withdraw it.
    a.post(f"/invitations/{inv.pk}/accept/")
    b.post(f"/invitations/{inv.pk}/withdraw/")
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.PENDING
    # A stranger gets 404 for every action and for "Ask why".
    for action in ("accept", "ignore", "dont-know", "report", "withdraw", "ask", "answer"):
        assert c.post(f"/invitations/{inv.pk}/{action}/").status_code == 404
    assert c.get(f"/invitations/{inv.pk}/ask/").status_code == 404
    assert b.post(f"/invitations/{inv.pk}/nonsense/").status_code == 404


def test_answering_twice_is_refused_cleanly(alice, bob):
    a, b = login(alice), login(bob)
    _invite(a, bob)
    inv = Invitation.objects.get()
    b.post(f"/invitations/{inv.pk}/accept/")
    response = b.post(f"/invitations/{inv.pk}/ignore/", follow=True)
    assert response.status_code == 200
    assert "already answered" in response.content.decode()
    inv.refresh_from_db()
    assert inv.status == Invitation.Status.ACCEPTED


def test_no_second_invitation_while_one_is_pending_either_way(alice, bob):
    _invite(login(alice), bob)
    assert _invite(login(alice), bob).status_code == 400
    response = _invite(login(bob), alice)
    assert response.status_code == 400
    assert Invitation.objects.count() == 1


def test_shared_connections_preference(alice, bob, carol):
    bob.invitations_from = "shared_connections"
    bob.save()
    response = _invite(login(alice), bob)
    assert response.status_code == 400
    assert "people you both know" in response.content.decode()
    connect(alice, carol)
    connect(carol, bob)
    assert _invite(login(alice), bob).status_code == 302


def test_anonymous_visitors_are_sent_to_log_in(client: Client, alice):
    for url in (
        "/invitations/",
        "/invitations/sent/",
        "/connections/",
        "/members/",
        f"/members/{alice.pk}/",
    ):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith("/login/")
    assert client.post(f"/members/{alice.pk}/invite/").status_code == 302
    assert not Invitation.objects.exists()
