"""The authorisation matrix: every endpoint for anonymous callers, a stranger, a member the
owner blocked, a moderator and the owner. Nobody reads or changes what is not theirs, and other
members' ids answer 404, exactly like ids that do not exist."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest

from pitchless.api.models import ApiToken
from pitchless.api.services import digest
from pitchless.network import services
from pitchless.network.models import (
    Block,
    Connection,
    Invitation,
    Message,
    MessageFeedback,
    Participant,
    Report,
)
from tests.api.conftest import PITCH, Api, api_for
from tests.members.factories import make_member
from tests.network.conftest import connect

pytestmark = pytest.mark.django_db

NOTE_IN = "Dave's note for Alice only."
NOTE_OUT = "Alice's note for Erin only."


@dataclass
class World:
    """Alice's network: a pitch from Bob, an invitation each way, a block and a token."""

    alice: object
    bob: object
    mallory: object
    owner: Api
    conversation: int
    message: int
    incoming: int
    outgoing: int
    token: int
    actors: dict[str, Api]


@pytest.fixture
def world(alice, bob, carol) -> World:
    dave, erin = make_member("Dave Dunn"), make_member("Erin Eve")
    mallory = make_member("Mallory Moe")
    moderator = make_member("Mo Derator", is_staff=True)
    connect(alice, bob, minutes_ago=5)
    sent = services.send_message(sender=bob, recipient=alice, text=PITCH).message
    assert sent.filed_as == Message.Filing.PITCHES
    incoming = services.send_invitation(sender=dave, recipient=alice, note=NOTE_IN)
    outgoing = services.send_invitation(sender=alice, recipient=erin, note=NOTE_OUT)
    services.block_member(blocker=alice, blocked=mallory)
    owner = api_for(alice)
    return World(
        alice=alice,
        bob=bob,
        mallory=mallory,
        owner=owner,
        conversation=sent.conversation_id,
        message=sent.pk,
        incoming=incoming.pk,
        outgoing=outgoing.pk,
        token=ApiToken.objects.get(digest=digest(owner.token)).pk,
        actors={
            "anonymous": Api(),
            "stranger": api_for(carol),
            "blocked": api_for(mallory),
            "moderator": api_for(moderator),
            "owner": owner,
        },
    )


def _state() -> tuple:
    """Everything an endpoint could change."""
    return (
        sorted(Connection.objects.values_list("member_id", "other_id")),
        sorted(Participant.objects.values_list("id", "folder", "unread")),
        sorted(Invitation.objects.values_list("id", "status")),
        sorted(Message.objects.values_list("id", "filed_as")),
        sorted(MessageFeedback.objects.values_list("id", "label")),
        sorted(Report.objects.values_list("id", flat=True)),
        sorted(Block.objects.values_list("blocker_id", "blocked_id")),
        sorted(ApiToken.objects.values_list("id", flat=True)),
    )


#: (method, path, body, the owner's status); ids are filled from the world
OWNED = [
    ("get", "/conversations/{conversation}/messages", None, 200),
    ("post", "/conversations/{conversation}/read", None, 200),
    ("post", "/conversations/{conversation}/move", {"folder": "archive"}, 200),
    ("post", "/messages/{message}/feedback", {"label": "not_pitch"}, 200),
    ("post", "/messages/{message}/disconnect-report", {}, 201),
    ("post", "/invitations/{incoming}/accept", None, 200),
    ("post", "/invitations/{incoming}/ignore", None, 200),
    ("post", "/invitations/{incoming}/dont-know", None, 200),
    ("post", "/invitations/{incoming}/report", None, 200),
    ("post", "/invitations/{outgoing}/withdraw", None, 200),
    ("delete", "/connections/{bob}", None, 204),
    ("delete", "/blocks/{mallory}", None, 204),
    ("delete", "/auth/tokens/{token}", None, 204),
    ("post", "/reports", {"member": "{bob}", "message": "{message}", "reason": "pitch"}, 201),
]
ACTORS = ["anonymous", "stranger", "blocked", "moderator", "owner"]


def _fill(world: World, value: object, *, missing: bool = False) -> object:
    """``value`` with its ``{name}`` placeholders replaced by the world's ids (or unused ones)."""
    ids = {
        "conversation": world.conversation,
        "message": world.message,
        "incoming": world.incoming,
        "outgoing": world.outgoing,
        "token": world.token,
        "bob": world.bob.pk,
        "mallory": world.mallory.pk,
    }
    if missing:
        ids = dict.fromkeys(ids, 999999)
    if isinstance(value, dict):
        return {k: _fill(world, v, missing=missing) for k, v in value.items()}
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return ids[value[1:-1]]
    if isinstance(value, str):
        return value.format(**ids)
    return value


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("method", "path", "body", "owner_status"), OWNED, ids=[f"{m} {p}" for m, p, _, _ in OWNED]
)
def test_owned_objects(world, actor, method, path, body, owner_status):
    client = world.actors[actor]
    before = _state()
    url, payload = _fill(world, path), _fill(world, body)
    response = client.call(method, url, payload)
    if actor == "owner":
        assert response.status_code == owner_status, response.content
        if owner_status != 204 or "tokens" not in path:
            missing = client.call(
                method, _fill(world, path, missing=True), _fill(world, body, missing=True)
            )
            assert missing.status_code == 404, (missing.content, url)
        return
    expected = 401 if actor == "anonymous" else 404
    assert response.status_code == expected, response.content
    assert _state() == before
    # The same answer as for ids that do not exist: an id reveals nothing.
    if actor != "anonymous":
        missing = client.call(
            method, _fill(world, path, missing=True), _fill(world, body, missing=True)
        )
        assert missing.status_code == 404
        assert missing.json().keys() == response.json().keys()


LISTS = [
    ("/members/me", None),
    ("/invitations", {"direction": "incoming"}),
    ("/invitations", {"direction": "outgoing"}),
    ("/connections", None),
    ("/conversations", {"folder": "inbox"}),
    ("/conversations", {"folder": "pitches"}),
    ("/conversations", {"folder": "archive"}),
    ("/blocks", None),
    ("/auth/tokens", None),
]


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_show_only_your_own(world, actor):
    client = world.actors[actor]
    private = [PITCH[:40], NOTE_IN, NOTE_OUT, world.alice.email, world.owner.token[:10]]
    seen = ""
    for path, params in LISTS:
        response = client.get(path, params)
        if actor == "anonymous":
            assert response.status_code == 401
            continue
        assert response.status_code == 200, (path, response.content)
        seen += response.content.decode()
    if actor == "owner":
        assert all(marker in seen for marker in private)
    else:
        assert not [marker for marker in private if marker in seen]


def test_a_blocked_member_cannot_reach_the_blocker(world):
    mallory = world.actors["blocked"]
    alice = world.alice.pk
    assert mallory.get(f"/members/{alice}").status_code == 404
    assert alice not in [m["id"] for m in mallory.get("/members").json()["items"]]
    assert mallory.post("/messages", {"to": alice, "text": "hello"}).status_code == 404
    assert mallory.post("/invitations", {"to": alice, "note": ""}).status_code == 404
    assert not Invitation.objects.filter(sender=world.mallory).exists()


def test_the_sender_cannot_label_or_report_their_own_message(world):
    bob = api_for(world.bob)
    before = _state()
    assert bob.post(f"/messages/{world.message}/feedback", {"label": "not_pitch"}).status_code == (
        404
    )
    assert bob.post(f"/messages/{world.message}/disconnect-report", {}).status_code == 404
    payload = {"member": world.alice.pk, "message": world.message, "reason": "x"}
    assert bob.post("/reports", payload).status_code == 404
    assert _state() == before


def test_a_held_message_does_not_exist_for_its_recipient(world, carol):
    connect(world.alice, carol)
    held = services.send_message(sender=carol, recipient=world.alice, text="Hello Alice")
    Message.objects.filter(pk=held.message.pk).update(filed_as=Message.Filing.HELD)
    owner = world.owner
    assert owner.post(f"/messages/{held.message.pk}/feedback", {"label": "pitch"}).status_code == (
        404
    )
    payload = {"member": carol.pk, "message": held.message.pk, "reason": "x"}
    assert owner.post("/reports", payload).status_code == 404
    texts = [
        m["text"]
        for m in owner.get(f"/conversations/{held.message.conversation_id}/messages").json()[
            "items"
        ]
    ]
    assert "Hello Alice" not in texts


def test_every_operation_needs_a_token_except_sign_up_and_token(world):
    schema = Api().get("/openapi.json").json()
    public = {("post", "/api/auth/signup"), ("post", "/api/auth/token")}
    checked = 0
    for path, operations in schema["paths"].items():
        for method in operations:
            url = path.removeprefix("/api")
            # Path ids are whole numbers: any one reaches the endpoint's authentication.
            url = re.sub(r"\{\w+_id\}", "1", url)
            response = Api().call(method, url, {})
            if (method, path) in public:
                assert response.status_code != 401
            else:
                assert response.status_code == 401, (method, path)
                assert response.json() == {"detail": "Unauthorized"}
            checked += 1
    assert checked >= 25
