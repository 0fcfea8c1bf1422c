"""The folder listing and a conversation are written as plain JSON: they must be exactly what
the response schemas give for the same rows (pitches with reasons, unchecked messages, held
and removed ones, one's own messages, paging)."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory

from pitchless.api.lookups import sliced
from pitchless.api.routers import conversations as router
from pitchless.api.schemas import ConversationPageOut, MessagePageOut, conversation_out, message_out
from pitchless.network import services
from pitchless.network.models import Message, Participant
from tests.api.conftest import FRIENDLY, PITCH, api_for
from tests.members.factories import make_member
from tests.network.conftest import connect

pytestmark = pytest.mark.django_db


def _schema_folder(member, folder, limit, offset):
    """The listing as the response schema builds it from the ORM (the former view)."""
    rows = Participant.objects.folder_with_last_message(member, folder)
    count, page = sliced(rows, limit=limit, offset=offset)
    last = Participant.objects.last_messages(page)
    out = ConversationPageOut(
        count=count, items=[conversation_out(r, last[r.conversation_id], member) for r in page]
    )
    return _rendered(out)


def _schema_conversation(member, conversation_id, limit, offset):
    qs = (
        Message.objects.visible_to(member)
        .filter(conversation_id=conversation_id)
        .order_by("created_at", "id")
    )
    count, items = sliced(qs, limit=limit, offset=offset)
    return _rendered(MessagePageOut(count=count, items=[message_out(m, member) for m in items]))


def _rendered(data):
    from pitchless.api.main import api

    request = RequestFactory().get("/")
    return json.loads(api.create_response(request, data, status=200).content)


@pytest.fixture
def network(alice, bob, carol):
    """Bob hears from Alice (friendly, then a pitch), from Carol (a pitch, held later) and
    from Dan (unchecked); Bob answers Alice."""
    dan = make_member("Dan Drake")
    erin = make_member("Erin Eze")
    for other in (alice, carol, dan, erin):
        connect(bob, other)
    services.send_message(sender=alice, recipient=bob, text=FRIENDLY)
    services.send_message(sender=bob, recipient=alice, text="Thanks Alice, it went well.")
    services.send_message(sender=alice, recipient=bob, text=PITCH)
    services.send_message(sender=carol, recipient=bob, text=PITCH.replace("Hi Bob", "Hello"))
    unchecked = services.send_message(sender=dan, recipient=bob, text="Coffee on Friday?")
    Message.objects.filter(pk=unchecked.message.pk).update(check_status=Message.Check.UNCHECKED)
    # Erin's last message was removed by a moderator after delivery: Bob's side still points
    # at it, so the listing must look the last visible one up again.
    services.send_message(sender=erin, recipient=bob, text="See you at the meetup")
    removed = services.send_message(sender=erin, recipient=bob, text="And bring the slides")
    Message.objects.filter(pk=removed.message.pk).update(filed_as=Message.Filing.REMOVED)
    return {"alice": alice, "bob": bob, "carol": carol, "dan": dan, "erin": erin}


@pytest.mark.parametrize("folder", ["inbox", "pitches", "archive"])
@pytest.mark.parametrize(("limit", "offset"), [(50, 0), (2, 1), (1, 10)])
def test_the_folder_listing_is_what_the_schema_gives(network, folder, limit, offset):
    for name in ("bob", "alice", "erin"):
        member = network[name]
        expected = _schema_folder(member, folder, limit, offset)
        got = api_for(member).get(
            "/conversations", {"folder": folder, "limit": limit, "offset": offset}
        )
        assert got.status_code == 200
        assert got.json() == expected
    assert _schema_folder(network["bob"], "inbox", 50, 0)["count"] >= 2


@pytest.mark.parametrize(("limit", "offset"), [(50, 0), (1, 1)])
def test_a_conversation_is_what_the_schema_gives(network, limit, offset):
    bob = network["bob"]
    conversations = Participant.objects.filter(member=bob).values_list("conversation_id", flat=True)
    assert len(conversations) == 4
    for conversation_id in conversations:
        for member in (
            bob,
            *(
                p.other
                for p in Participant.objects.filter(conversation_id=conversation_id, member=bob)
            ),
        ):
            expected = _schema_conversation(member, conversation_id, limit, offset)
            got = api_for(member).get(
                f"/conversations/{conversation_id}/messages", {"limit": limit, "offset": offset}
            )
            assert got.status_code == 200
            assert got.json() == expected


def test_the_reasons_and_flags_are_there(network):
    pitches = api_for(network["bob"]).get("/conversations", {"folder": "pitches"}).json()
    last = [item["last_message"] for item in pitches["items"]]
    assert last and all(m["reasons"] and m["guard_pitch"] for m in last)
    inbox = api_for(network["bob"]).get("/conversations", {"folder": "inbox"}).json()
    by_other = {item["member"]["name"]: item["last_message"] for item in inbox["items"]}
    assert by_other["Dan Drake"]["unchecked"] is True
    assert by_other["Erin Eze"]["text"] == "See you at the meetup"
    mine = api_for(network["alice"]).get("/conversations", {"folder": "inbox"}).json()
    assert mine["items"][0]["last_message"]["mine"] is True
    assert mine["items"][0]["last_message"]["reasons"] is None


def test_someone_elses_conversation_is_a_404(network):
    conversation_id = Participant.objects.filter(member=network["bob"]).first().conversation_id
    outsider = make_member("Olga Outsider")
    got = api_for(outsider).get(f"/conversations/{conversation_id}/messages")
    assert got.status_code == 404
    assert got.json() == {"detail": "No such conversation."}
    assert router.conversation_page(outsider, conversation_id, limit=5, offset=0) is None
