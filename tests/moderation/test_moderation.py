"""The review queue and every moderator action, through their URLs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from pitchless.moderation.models import ModerationAction
from pitchless.network import services as network
from pitchless.network.models import (
    Folder,
    Invitation,
    Message,
    ModeratorRestriction,
    Participant,
    Report,
)
from pitchless.network.restrictions import restriction_for
from tests.members.factories import PASSWORD, make_member
from tests.moderation.conftest import held_message, make_report

pytestmark = pytest.mark.django_db


def login(member) -> Client:
    client = Client()
    response = client.post("/login/", {"username": member.email, "password": PASSWORD})
    assert response.status_code == 302, response.content
    return client


def in_days(n: int) -> str:
    return (timezone.localdate() + timedelta(days=n)).isoformat()


def test_queue_lists_reports_and_held_messages_oldest_first_with_evidence(alice, bob, mod):
    message = held_message(alice, bob, "Our unique offer for your team, book a demo")
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - timedelta(days=2))
    make_report(bob, alice, "Pitched me twice")
    page = login(mod).get("/moderation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "Our unique offer for your team" in html
    assert "Sent to 30 people this week" in html and "0.91" in html
    assert "Pitched me twice" in html and "Reputation" in html
    # Oldest first: the held message (two days old) before the report (now).
    assert html.index("Our unique offer") < html.index("Pitched me twice")


def test_staff_are_moderators_too(alice, bob):
    staff = make_member("Stef Staff", is_staff=True)
    assert login(staff).get("/moderation/").status_code == 200


def test_warn_logs_and_is_shown_to_the_member(alice, bob, mod):
    report = make_report(bob, alice)
    response = login(mod).post(
        f"/moderation/members/{alice.pk}/warn/",
        {"reason": "Please stop pitching new connections", "report": report.pk},
    )
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert (action.kind, action.member, action.moderator) == ("warn", alice, mod)
    assert action.report == report
    report.refresh_from_db()
    assert report.status == Report.Status.ACTIONED
    standing = login(alice).get("/me/standing/").content.decode()
    assert "Please stop pitching new connections" in standing
    # The header points the member to it.
    assert "/me/standing/" in login(alice).get("/messages/").content.decode()
    # And the member's moderation page shows the log.
    page = login(mod).get(f"/moderation/members/{alice.pk}/").content.decode()
    assert "Please stop pitching new connections" in page and "Warned" in page


def test_restrict_lowers_the_cap_and_holds_messages_until_the_date(alice, bob, mod):
    response = login(mod).post(
        f"/moderation/members/{alice.pk}/restrict/",
        {
            "level": "messages",
            "invitations_per_week": "2",
            "until": in_days(10),
            "reason": "Bulk pitches to new connections",
        },
    )
    assert response.status_code == 302
    restriction = restriction_for(alice)
    assert restriction is not None and restriction.by_moderator
    assert restriction.hold_messages and restriction.invitations_per_week == 2
    assert restriction.ends_at.date() == timezone.localdate() + timedelta(days=10)
    assert any("Bulk pitches" in r for r in restriction.reasons)
    # The member sees it with its reason and end date.
    sent = login(alice).get("/invitations/sent/").content.decode()
    assert "Bulk pitches to new connections" in sent
    # Invitations beyond the lower cap are refused.
    for _ in range(2):
        network.send_invitation(sender=alice, recipient=make_member())
    with pytest.raises(network.LimitError):
        network.send_invitation(sender=alice, recipient=make_member())
    # A new message to someone who never wrote back is held.
    from tests.network.conftest import connect

    connect(alice, bob)
    result = network.send_message(sender=alice, recipient=bob, text="Hello Bob, how are you?")
    assert result.message.filed_as == Message.Filing.HELD
    assert ModerationAction.objects.get().details == {
        "level": "messages",
        "invitations_per_week": 2,
    }


def test_restriction_ends_on_its_date(alice, mod):
    login(mod).post(
        f"/moderation/members/{alice.pk}/restrict/",
        {"level": "invitations", "until": in_days(3), "reason": "Too many invitations"},
    )
    assert restriction_for(alice) is not None
    assert restriction_for(alice, now=timezone.now() + timedelta(days=4)) is None


def test_suspend_stops_log_in_sessions_tokens_and_sending(alice, bob, mod):
    from pitchless.api.services import authenticate_token, issue_token

    _, raw = issue_token(member=alice)
    session = login(alice)
    response = login(mod).post(
        f"/moderation/members/{alice.pk}/suspend/",
        {"until": in_days(7), "reason": "Repeated bulk pitching"},
    )
    assert response.status_code == 302
    alice.refresh_from_db()
    assert alice.is_suspended()
    # The open session ends, the token stops working, and a new log-in says why.
    assert session.get("/messages/").status_code == 302
    assert authenticate_token(raw) is None
    page = Client().post("/login/", {"username": alice.email, "password": PASSWORD})
    assert page.status_code == 200 and "suspended until" in page.content.decode()
    assert "Repeated bulk pitching" in page.content.decode()
    # A wrong password does not reveal the suspension.
    wrong = Client().post("/login/", {"username": alice.email, "password": "nope"})
    assert "suspended" not in wrong.content.decode()
    with pytest.raises(network.Forbidden):
        network.send_message(sender=alice, recipient=bob, text="hello")
    assert ModerationAction.objects.get().ends_at == alice.suspended_until


def test_lift_ends_suspension_and_restrictions(alice, mod):
    client = login(mod)
    client.post(
        f"/moderation/members/{alice.pk}/restrict/",
        {"level": "invitations", "until": in_days(5), "reason": "Spam"},
    )
    client.post(f"/moderation/members/{alice.pk}/suspend/", {"until": in_days(5), "reason": "Spam"})
    response = client.post(f"/moderation/members/{alice.pk}/lift/", {"reason": "Appeal accepted"})
    assert response.status_code == 302
    alice.refresh_from_db()
    assert not alice.is_suspended()
    assert not ModeratorRestriction.objects.active().exists()
    assert restriction_for(alice) is None
    assert login(alice).get("/messages/").status_code == 200
    kinds = list(ModerationAction.objects.order_by("id").values_list("kind", flat=True))
    assert kinds == ["restrict", "suspend", "lift"]
    # Nothing left to lift: refused, not logged.
    client.post(f"/moderation/members/{alice.pk}/lift/", {"reason": "again"})
    assert ModerationAction.objects.count() == 3


@pytest.mark.parametrize(
    ("folder", "expected"), [("pitches", Folder.PITCHES), ("inbox", Folder.INBOX)]
)
def test_release_delivers_a_held_message(alice, bob, mod, folder, expected):
    message = held_message(alice, bob)
    assert (
        login(bob)
        .get(f"/messages/{message.conversation_id}/")
        .content.decode()
        .count("growth package")
        == 0
    )
    response = login(mod).post(
        f"/moderation/messages/{message.pk}/release/", {"folder": folder, "reason": ""}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.filed_as == folder
    theirs = Participant.objects.get(member=bob)
    assert theirs.folder == expected and theirs.unread == 1
    assert (
        "growth package" in login(bob).get(f"/messages/{message.conversation_id}/").content.decode()
    )
    action = ModerationAction.objects.get()
    assert (action.kind, action.member, action.message) == ("release", alice, message)
    # A second release finds nothing held.
    login(mod).post(f"/moderation/messages/{message.pk}/release/", {"folder": folder})
    assert ModerationAction.objects.count() == 1


def test_remove_keeps_a_held_message_from_its_recipient(alice, bob, mod):
    message = held_message(alice, bob)
    response = login(mod).post(
        f"/moderation/messages/{message.pk}/remove/", {"reason": "Bulk spam"}
    )
    assert response.status_code == 302
    message.refresh_from_db()
    assert message.filed_as == Message.Filing.REMOVED
    assert not Message.objects.visible_to(bob).exists()
    assert Message.objects.visible_to(alice).exists()
    assert ModerationAction.objects.get().kind == "remove"


def test_dismiss_closes_a_report(alice, bob, mod):
    report = make_report(bob, alice)
    client = login(mod)
    assert "Spam in my inbox" in client.get(f"/moderation/reports/{report.pk}/").content.decode()
    response = client.post(f"/moderation/reports/{report.pk}/dismiss/", {"reason": "Not spam"})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.status == Report.Status.DISMISSED
    assert "Spam in my inbox" not in client.get("/moderation/").content.decode()
    action = ModerationAction.objects.get()
    assert (action.kind, action.report, action.member) == ("dismiss", report, alice)
    # The reported member is not told about decisions on reports.
    assert "Not spam" not in login(alice).get("/me/standing/").content.decode()


def test_invitation_report_shows_the_note(alice, bob, mod):
    invitation = network.send_invitation(sender=alice, recipient=bob, note="Let me sell you CRM")
    report = network.report_invitation(invitation=invitation, by=bob, reason="sales")
    assert Invitation.objects.get().status == "reported"
    page = login(mod).get(f"/moderation/reports/{report.pk}/").content.decode()
    assert "Let me sell you CRM" in page


def test_actions_need_a_reason_and_a_future_date(alice, mod):
    client = login(mod)
    client.post(f"/moderation/members/{alice.pk}/warn/", {"reason": ""})
    client.post(f"/moderation/members/{alice.pk}/suspend/", {"until": in_days(-1), "reason": "x"})
    client.post(f"/moderation/members/{mod.pk}/warn/", {"reason": "myself"})
    assert not ModerationAction.objects.exists()


def _all_urls(alice, bob):
    message = held_message(alice, bob)
    report = make_report(bob, alice)
    pages = [
        "/moderation/",
        f"/moderation/reports/{report.pk}/",
        f"/moderation/messages/{message.pk}/",
        f"/moderation/members/{alice.pk}/",
    ]
    posts = [
        (f"/moderation/members/{alice.pk}/warn/", {"reason": "r"}),
        (
            f"/moderation/members/{alice.pk}/restrict/",
            {"level": "messages", "until": in_days(3), "reason": "r"},
        ),
        (f"/moderation/members/{alice.pk}/suspend/", {"until": in_days(3), "reason": "r"}),
        (f"/moderation/members/{alice.pk}/lift/", {"reason": "r"}),
        (f"/moderation/messages/{message.pk}/release/", {"folder": "inbox"}),
        (f"/moderation/messages/{message.pk}/remove/", {"reason": "r"}),
        (f"/moderation/reports/{report.pk}/dismiss/", {"reason": "r"}),
    ]
    return pages, posts


@pytest.mark.parametrize("who", ["anonymous", "member", "reported"])
def test_non_moderators_get_404_on_every_moderation_url(alice, bob, who):
    pages, posts = _all_urls(alice, bob)
    client = {"anonymous": Client(), "member": login(bob), "reported": login(alice)}[who]
    for url in pages:
        assert client.get(url).status_code == 404, url
    for url, data in posts:
        assert client.post(url, data).status_code == 404, url
    assert not ModerationAction.objects.exists()
    assert Message.objects.get().filed_as == Message.Filing.HELD
    assert Report.objects.get().status == Report.Status.OPEN


def test_moderator_pages_all_answer(alice, bob, mod):
    pages, _ = _all_urls(alice, bob)
    client = login(mod)
    for url in pages:
        assert client.get(url).status_code == 200, url
