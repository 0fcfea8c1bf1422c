"""Invitations, connections, blocks, messages, conversations and reports through their URLs."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from pitchless.guard import Guard
from pitchless.network import guard_adapter, services
from pitchless.network.models import (
    Block,
    Connection,
    Folder,
    Invitation,
    Message,
    MessageFeedback,
    Participant,
    Report,
)
from tests.api.conftest import FRIENDLY, PITCH, api_for
from tests.network.conftest import connect
from tests.network.fakes import BrokenModel

pytestmark = pytest.mark.django_db

PITCHY_NOTE = "Our agency offers discount pricing on leads. Book a quick call for a demo?"


# --- invitations ------------------------------------------------------------------------------


def test_invite_then_accept_connects_the_two(alice, bob):
    a, b = api_for(alice), api_for(bob)
    created = a.post("/invitations", {"to": bob.pk, "note": "We met at PyCon."})
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["direction"] == "outgoing" and body["status"] == "pending"
    assert body["member"]["id"] == bob.pk and body["note_is_pitch"] is None
    incoming = b.get("/invitations", {"direction": "incoming"}).json()
    assert incoming["count"] == 1 and incoming["items"][0]["member"]["id"] == alice.pk
    accepted = b.post(f"/invitations/{body['id']}/accept")
    assert accepted.status_code == 200 and accepted.json()["status"] == "accepted"
    assert Connection.objects.filter(member=alice, other=bob).exists()
    connections = a.get("/connections").json()
    assert [c["member"]["id"] for c in connections["items"]] == [bob.pk]
    assert a.get("/connections", {"q": "acme"}).json()["count"] == 1
    assert a.get("/connections", {"q": "nobody"}).json()["count"] == 0


def test_a_pitchy_note_shows_its_reasons_to_the_recipient_only(alice, bob):
    a, b = api_for(alice), api_for(bob)
    a.post("/invitations", {"to": bob.pk, "note": PITCHY_NOTE})
    theirs = b.get("/invitations").json()["items"][0]
    assert theirs["note_is_pitch"] is True and theirs["reasons"]
    assert {"code", "text"} == set(theirs["reasons"][0])
    mine = a.get("/invitations", {"direction": "outgoing"}).json()["items"][0]
    assert mine["note_is_pitch"] is None and mine["reasons"] is None


@pytest.mark.parametrize(("action", "status"), [("ignore", "ignored"), ("dont-know", "dont_know")])
def test_the_sender_is_not_told_of_an_ignore_or_decline(alice, bob, action, status):
    a, b = api_for(alice), api_for(bob)
    invitation = a.post("/invitations", {"to": bob.pk}).json()["id"]
    assert b.post(f"/invitations/{invitation}/{action}").json()["status"] == status
    assert Invitation.objects.get().status == status
    assert a.get("/invitations", {"direction": "outgoing"}).json()["items"][0]["status"] == (
        "pending"
    )


def test_withdraw_an_invitation_and_ignored_ones_look_the_same(alice, bob, carol):
    a = api_for(alice)
    to_bob = a.post("/invitations", {"to": bob.pk}).json()["id"]
    to_carol = a.post("/invitations", {"to": carol.pk}).json()["id"]
    services.ignore_invitation(invitation=Invitation.objects.get(pk=to_carol), by=carol)
    for invitation in (to_bob, to_carol):
        response = a.post(f"/invitations/{invitation}/withdraw")
        assert response.status_code == 200 and response.json()["status"] == "withdrawn"
    assert Invitation.objects.get(pk=to_bob).status == Invitation.Status.WITHDRAWN


def test_report_an_invitation(alice, bob):
    invitation = api_for(alice).post("/invitations", {"to": bob.pk, "note": PITCHY_NOTE}).json()
    response = api_for(bob).post(f"/invitations/{invitation['id']}/report")
    assert response.status_code == 200 and response.json()["status"] == "reported"
    assert Report.objects.get().reported == alice


def test_refusals_from_the_service_answer_with_their_kind_and_words(alice, bob):
    a, b = api_for(alice), api_for(bob)
    invitation = a.post("/invitations", {"to": bob.pk}).json()["id"]
    again = a.post("/invitations", {"to": bob.pk})
    assert again.status_code == 409 and "already waiting" in again.json()["detail"]
    own = a.post(f"/invitations/{invitation}/accept")
    assert own.status_code == 403 and "other member" in own.json()["detail"]
    assert b.post(f"/invitations/{invitation}/ignore").status_code == 200
    twice = b.post(f"/invitations/{invitation}/accept")
    assert twice.status_code == 409 and "already answered" in twice.json()["detail"]
    itself = a.post("/invitations", {"to": alice.pk})
    assert itself.status_code == 400 and "yourself" in itself.json()["detail"]


def test_an_invitation_limit_answers_429_with_the_date_it_lifts(alice, bob, carol, settings):
    settings.PITCHLESS_INVITES_PER_WEEK = 1
    a = api_for(alice)
    first = a.post("/invitations", {"to": bob.pk})
    assert first.status_code == 201
    refused = a.post("/invitations", {"to": carol.pk})
    assert refused.status_code == 429
    body = refused.json()
    assert body["code"] == "weekly" and "7 days" in body["detail"]
    lifts = datetime.fromisoformat(body["lifts_at"].replace("Z", "+00:00"))
    expected = Invitation.objects.get().created_at + timedelta(days=7)
    assert abs(lifts - expected) < timedelta(milliseconds=1)
    assert Invitation.objects.count() == 1


# --- connections and blocks -------------------------------------------------------------------


def test_disconnect(alice, bob):
    connect(alice, bob)
    a = api_for(alice)
    assert a.delete(f"/connections/{bob.pk}").status_code == 204
    assert not Connection.objects.exists()
    assert a.delete(f"/connections/{bob.pk}").status_code == 404


def test_block_ends_contact_both_ways_and_can_be_lifted(alice, bob):
    connect(alice, bob)
    a, b = api_for(alice), api_for(bob)
    response = a.post("/blocks", {"member": bob.pk})
    assert response.status_code == 201 and response.json()["member"]["id"] == bob.pk
    assert not Connection.objects.exists()
    assert [x["member"]["id"] for x in a.get("/blocks").json()] == [bob.pk]
    # Bob can no longer see, invite or write to Alice: she does not exist for him.
    assert b.post("/messages", {"to": alice.pk, "text": "hi"}).status_code == 404
    assert b.post("/invitations", {"to": alice.pk}).status_code == 404
    # Alice cannot write to Bob while her block stands.
    assert a.post("/messages", {"to": bob.pk, "text": "hi"}).status_code == 403
    assert a.post("/blocks", {"member": alice.pk}).status_code == 400
    assert a.delete(f"/blocks/{bob.pk}").status_code == 204
    assert not Block.objects.exists()
    assert a.delete(f"/blocks/{bob.pk}").status_code == 404


# --- messages ---------------------------------------------------------------------------------


def test_an_ordinary_message_lands_in_the_inbox(alice, bob):
    connect(alice, bob)
    response = api_for(alice).post("/messages", {"to": bob.pk, "text": FRIENDLY})
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == {"id", "conversation", "filed_as", "notice"}
    assert body["filed_as"] == "inbox"
    inbox = api_for(bob).get("/conversations").json()
    assert inbox["count"] == 1
    row = inbox["items"][0]
    assert row["member"]["id"] == alice.pk and row["unread"] == 1 and row["folder"] == "inbox"
    assert row["last_message"]["text"] == FRIENDLY and row["last_message"]["reasons"] == []


def _all_keys(value: object) -> set[str]:
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in _all_keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _all_keys(v)}
    return set()


def test_a_pitch_is_filed_with_reasons_for_the_recipient_and_never_a_score(alice, bob):
    connect(alice, bob, minutes_ago=5)
    a, b = api_for(alice), api_for(bob)
    sent = a.post("/messages", {"to": bob.pk, "text": PITCH})
    assert sent.status_code == 201
    body = sent.json()
    assert body["filed_as"] == "pitches" and "Exchange" in body["notice"]
    message = Message.objects.get()
    assert message.guard_score is not None and message.guard_reasons
    # The recipient sees the pitch in Pitches, with its reasons.
    assert b.get("/conversations").json()["count"] == 0
    pitches = b.get("/conversations", {"folder": "pitches"}).json()["items"]
    assert len(pitches) == 1
    reasons = pitches[0]["last_message"]["reasons"]
    assert reasons == message.guard_reasons and all(set(r) == {"code", "text"} for r in reasons)
    # The sender never sees a score, reasons or the guard's reading, anywhere.
    sender_views = [
        sent,
        a.get("/conversations"),
        a.get(f"/conversations/{body['conversation']}/messages"),
    ]
    for response in sender_views:
        text = response.content.decode()
        assert "score" not in _all_keys(response.json())
        assert str(round(message.guard_score, 4))[:5] not in text
        for reason in message.guard_reasons:
            assert reason["code"] not in text and reason["text"] not in text
    for item in a.get(f"/conversations/{body['conversation']}/messages").json()["items"]:
        assert item["mine"] and item["reasons"] is None and item["filed_as"] is None
    # Nobody sees the score: not the recipient either.
    assert "score" not in _all_keys(b.get("/conversations", {"folder": "pitches"}).json())


def test_an_idempotent_send_is_stored_once(alice, bob):
    connect(alice, bob)
    a = api_for(alice)
    payload = {"to": bob.pk, "text": FRIENDLY, "idempotency_key": "retry-1"}
    first = a.post("/messages", payload)
    second = a.post("/messages", payload)
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json() == second.json()
    assert Message.objects.count() == 1
    assert Participant.objects.get(member=bob).unread == 1
    assert a.post("/messages", {**payload, "idempotency_key": "retry-2"}).status_code == 201
    assert Message.objects.count() == 2


def test_only_connections_may_be_written_to(alice, bob):
    response = api_for(alice).post("/messages", {"to": bob.pk, "text": FRIENDLY})
    assert response.status_code == 403 and "connections" in response.json()["detail"]
    assert api_for(alice).post("/messages", {"to": 999999, "text": "hi"}).status_code == 404
    assert not Message.objects.exists()


def test_reading_a_conversation_pages_oldest_first(alice, bob):
    connect(alice, bob)
    a, b = api_for(alice), api_for(bob)
    conversation = a.post("/messages", {"to": bob.pk, "text": "one"}).json()["conversation"]
    b.post("/messages", {"to": alice.pk, "text": "two"})
    a.post("/messages", {"to": bob.pk, "text": "three"})
    page = b.get(f"/conversations/{conversation}/messages", {"limit": 2}).json()
    assert page["count"] == 3 and [m["text"] for m in page["items"]] == ["one", "two"]
    assert [m["mine"] for m in page["items"]] == [False, True]
    assert page["items"][0]["filed_as"] == "inbox" and page["items"][0]["unchecked"] is False


def test_mark_read_and_archive(alice, bob):
    connect(alice, bob)
    conversation = api_for(alice).post("/messages", {"to": bob.pk, "text": FRIENDLY}).json()
    b = api_for(bob)
    cid = conversation["conversation"]
    assert b.post(f"/conversations/{cid}/read").json() == {
        "conversation": cid,
        "folder": "inbox",
        "unread": 0,
    }
    assert Participant.objects.get(member=bob).unread == 0
    assert b.post(f"/conversations/{cid}/move", {"folder": "archive"}).json()["folder"] == "archive"
    assert b.get("/conversations", {"folder": "archive"}).json()["count"] == 1
    refused = b.post(f"/conversations/{cid}/move", {"folder": "pitches"})
    assert refused.status_code == 422


def test_feedback_moves_the_conversation_and_is_stored(alice, bob):
    connect(alice, bob, minutes_ago=5)
    sent = api_for(alice).post("/messages", {"to": bob.pk, "text": PITCH}).json()
    b = api_for(bob)
    moved = b.post(f"/messages/{sent['id']}/feedback", {"label": "not_pitch"})
    assert moved.json() == {"message": sent["id"], "label": "not_pitch", "folder": "inbox"}
    assert Participant.objects.get(member=bob).folder == Folder.INBOX
    back = b.post(f"/messages/{sent['id']}/feedback", {"label": "pitch"})
    assert back.json()["folder"] == "pitches"
    feedback = MessageFeedback.objects.get()
    assert feedback.label == "pitch" and feedback.guard_pitch is True
    assert b.post(f"/messages/{sent['id']}/feedback", {"label": "spam"}).status_code == 422


def test_disconnect_and_report_a_pitch(alice, bob):
    connect(alice, bob, minutes_ago=5)
    sent = api_for(alice).post("/messages", {"to": bob.pk, "text": PITCH}).json()
    response = api_for(bob).post(f"/messages/{sent['id']}/disconnect-report", {})
    assert response.status_code == 201
    assert response.json()["member"] == alice.pk and response.json()["message"] == sent["id"]
    assert not Connection.objects.exists()
    assert Report.objects.get().reason == "Unsolicited sales pitch"


# --- reports ----------------------------------------------------------------------------------


def test_report_a_member_about_a_message(alice, bob):
    connect(alice, bob, minutes_ago=5)
    sent = api_for(alice).post("/messages", {"to": bob.pk, "text": PITCH}).json()
    b = api_for(bob)
    response = b.post(
        "/reports", {"member": alice.pk, "message": sent["id"], "reason": "Sales pitch."}
    )
    assert response.status_code == 201, response.content
    assert json.loads(response.content)["message"] == sent["id"]
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.message_id) == (bob, alice, sent["id"])
    general = b.post("/reports", {"member": alice.pk, "reason": "Spams everyone."})
    assert general.status_code == 201 and general.json()["message"] is None


def test_a_report_about_someone_elses_message_is_404(alice, bob, carol):
    connect(alice, bob)
    sent = api_for(alice).post("/messages", {"to": bob.pk, "text": FRIENDLY}).json()
    c = api_for(carol)
    # Carol did not receive it; Bob cannot report Alice's message as Carol's.
    payload = {"member": alice.pk, "message": sent["id"], "reason": "x"}
    assert c.post("/reports", payload).status_code == 404
    bad_pair = {"member": carol.pk, "message": sent["id"], "reason": "x"}
    assert api_for(bob).post("/reports", bad_pair).status_code == 404
    assert api_for(bob).post("/reports", {"member": bob.pk, "reason": "x"}).status_code == 400
    assert not Report.objects.exists()


def test_a_broken_guard_still_delivers_flagged_unchecked(alice, bob, monkeypatch):
    broken = Guard(model=BrokenModel())
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: broken)
    connect(alice, bob, minutes_ago=5)
    sent = api_for(alice).post("/messages", {"to": bob.pk, "text": PITCH})
    assert sent.status_code == 201 and sent.json()["filed_as"] == "inbox"
    row = api_for(bob).get("/conversations").json()["items"][0]
    assert row["last_message"]["unchecked"] is True and row["last_message"]["reasons"] == []
