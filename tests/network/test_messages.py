"""Messages through their URLs: filing by the guard, feedback, failures and idempotency."""

from __future__ import annotations

import logging

import pytest
from django.core import mail

from pitchless.guard import Guard
from pitchless.network import guard_adapter, services
from pitchless.network.models import (
    Connection,
    Folder,
    Message,
    MessageFeedback,
    Participant,
    Report,
)
from tests.network.conftest import connect, login
from tests.network.fakes import BrokenModel, SlowModel

pytestmark = pytest.mark.django_db

PITCH = (
    "Hi Bob, thanks for connecting! Our agency offers lead generation services. Pricing "
    "starts at $499 per month. Can we book a quick 15-minute call this week for a demo?"
)
FRIENDLY = "Great to see you at the meetup yesterday, Bob. How did your talk on caching go?"


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _write(client, member, text, key=None):
    data = {"text": text}
    if key:
        data["idempotency_key"] = key
    return client.post(f"/members/{member.pk}/message/", data)


def _side(member, other) -> Participant:
    return Participant.objects.get(member=member, other=other)


def test_an_ordinary_message_lands_in_the_inbox(alice, bob, django_capture_on_commit_callbacks):
    connect(alice, bob)
    a, b = login(alice), login(bob)
    assert a.get(f"/members/{bob.pk}/message/").status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        response = _write(a, bob, FRIENDLY)
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.filed_as == Message.Filing.INBOX
    assert message.check_status == Message.Check.CHECKED
    assert _side(bob, alice).folder == Folder.INBOX
    inbox = b.get("/messages/").content.decode()
    assert "Alice Archer" in inbox and '1<span class="visually-hidden"> unread' in inbox
    page = b.get(f"/messages/{message.conversation_id}/").content.decode()
    assert "How did your talk on caching go?" in page
    assert _side(bob, alice).unread == 0
    # Only inbox messages notify, and only members who asked for it.
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_a_fast_pitch_goes_to_pitches_with_reasons(alice, bob, django_capture_on_commit_callbacks):
    connect(alice, bob, minutes_ago=3)
    a, b = login(alice), login(bob)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = _write(a, bob, PITCH)
    assert callbacks == []
    message = Message.objects.get()
    assert message.filed_as == Message.Filing.PITCHES
    assert message.guard_pitch
    assert _side(bob, alice).folder == Folder.PITCHES
    # The sender is told plainly and pointed to the Exchange, never shown the score.
    after = a.get(response["Location"]).content.decode()
    assert "Pitches folder, not their inbox" in after
    assert 'href="/exchange/"' in after
    assert "/exchange/soon/" not in after
    assert "score" not in after.lower()
    assert "after you connected" not in after
    # The recipient sees it in Pitches, with the reasons, and no notification was sent.
    assert "Alice Archer" not in b.get("/messages/").content.decode()
    pitches = b.get("/messages/pitches/").content.decode()
    assert "Alice Archer" in pitches
    assert "after you connected" in pitches
    page = b.get(f"/messages/{message.conversation_id}/").content.decode()
    assert "Filed as a pitch because" in page
    assert "Disconnect &amp; report" in page and "Not a pitch" in page
    assert mail.outbox == []


def test_not_a_pitch_moves_it_to_the_inbox_and_is_stored_as_a_label(alice, bob):
    connect(alice, bob, minutes_ago=3)
    _write(login(alice), bob, PITCH)
    message = Message.objects.get()
    b = login(bob)
    assert b.post(f"/messages/m/{message.pk}/feedback/", {"label": "not_pitch"}).status_code == 302
    assert _side(bob, alice).folder == Folder.INBOX
    message.refresh_from_db()
    assert message.filed_as == Message.Filing.INBOX
    label = MessageFeedback.objects.get()
    assert (label.label, label.guard_pitch, label.member) == ("not_pitch", True, bob)
    # Changing one's mind updates the one label.
    b.post(f"/messages/m/{message.pk}/feedback/", {"label": "pitch"})
    assert MessageFeedback.objects.get().label == "pitch"
    assert _side(bob, alice).folder == Folder.PITCHES


def test_mark_as_pitch_from_the_inbox(alice, bob):
    connect(alice, bob)
    _write(login(alice), bob, FRIENDLY)
    message = Message.objects.get()
    b = login(bob)
    b.post(f"/messages/m/{message.pk}/feedback/", {"label": "pitch"})
    assert _side(bob, alice).folder == Folder.PITCHES
    assert MessageFeedback.objects.get().guard_pitch is False
    assert b.post(f"/messages/m/{message.pk}/feedback/", {"label": "spam"}).status_code == 302
    assert MessageFeedback.objects.get().label == "pitch"


def test_disconnect_and_report(alice, bob):
    connect(alice, bob, minutes_ago=3)
    _write(login(alice), bob, PITCH)
    message = Message.objects.get()
    b = login(bob)
    assert b.post(f"/messages/m/{message.pk}/disconnect-report/").status_code == 302
    assert not Connection.objects.exists()
    report = Report.objects.get()
    assert (report.reporter, report.reported, report.message) == (bob, alice, message)
    assert MessageFeedback.objects.get().label == "pitch"
    # Alice can no longer write to Bob.
    response = login(alice).post(f"/messages/{message.conversation_id}/", {"text": "Hello?"})
    assert response.status_code == 400
    assert Message.objects.count() == 1


def test_accepting_pitches_from_connections_keeps_them_in_the_inbox(alice, bob):
    bob.accept_pitches = True
    bob.save()
    connect(alice, bob, minutes_ago=3)
    _write(login(alice), bob, PITCH)
    message = Message.objects.get()
    assert message.filed_as == Message.Filing.INBOX
    assert message.guard_pitch
    assert _side(bob, alice).folder == Folder.INBOX


def test_only_connections_may_start_a_conversation(alice, bob):
    response = _write(login(alice), bob, FRIENDLY)
    assert response.status_code == 400
    assert "only write to your connections" in response.content.decode()
    assert not Message.objects.exists()


def test_a_reply_in_a_conversation_the_recipient_started_is_exempt(alice, bob):
    connect(alice, bob, minutes_ago=3)
    _write(login(bob), alice, "Alice, do you know a good analytics vendor? What is their pricing?")
    conv = Message.objects.get().conversation
    login(alice).post(f"/messages/{conv.pk}/", {"text": PITCH})
    reply = Message.objects.filter(sender=alice).get()
    assert reply.check_status == Message.Check.EXEMPT
    assert reply.filed_as == Message.Filing.INBOX


def test_a_failing_guard_still_delivers_unchecked(alice, bob, monkeypatch, caplog):
    broken = Guard(model=BrokenModel())
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: broken)
    connect(alice, bob, minutes_ago=3)
    with caplog.at_level(logging.ERROR, logger="pitchless.network.guard_adapter"):
        response = _write(login(alice), bob, PITCH)
    assert response.status_code == 302
    message = Message.objects.get()
    assert message.filed_as == Message.Filing.INBOX
    assert message.check_status == Message.Check.UNCHECKED
    assert _side(bob, alice).folder == Folder.INBOX
    assert "delivered unchecked" in caplog.text
    page = login(bob).get(f"/messages/{message.conversation_id}/").content.decode()
    assert "Not checked by the guard" in page


def test_unchecked_messages_are_scored_again_once_the_guard_works(alice, bob, guard, monkeypatch):
    from pitchless.network.tasks import rescore_unchecked_task

    broken = Guard(model=BrokenModel())
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: broken)
    connect(alice, bob, minutes_ago=3)
    pitch = services.send_message(sender=alice, recipient=bob, text=PITCH).message
    hello = services.send_message(sender=alice, recipient=bob, text="See you at the meetup!")
    assert services.rescore_unchecked() == 0  # the guard still fails: both stay unchecked
    assert Message.objects.filter(check_status=Message.Check.UNCHECKED).count() == 2

    monkeypatch.setattr(guard_adapter, "get_guard", lambda: guard)
    assert rescore_unchecked_task.delay().get() == 2
    pitch.refresh_from_db()
    assert pitch.check_status == Message.Check.CHECKED
    assert pitch.guard_pitch and pitch.guard_score is not None
    assert pitch.guard_reasons
    assert pitch.filed_as == Message.Filing.INBOX  # it stays where its recipient saw it
    hello_row = Message.objects.get(pk=hello.message.pk)
    assert hello_row.check_status == Message.Check.CHECKED and not hello_row.guard_pitch
    assert services.rescore_unchecked() == 0  # nothing left: safe to repeat


def test_a_guard_that_times_out_still_delivers(alice, bob, monkeypatch, settings, caplog):
    settings.PITCHLESS_SCORING_TIMEOUT_SECONDS = 0.05
    slow = Guard(model=SlowModel())
    monkeypatch.setattr(guard_adapter, "get_guard", lambda: slow)
    connect(alice, bob, minutes_ago=3)
    with caplog.at_level(logging.ERROR, logger="pitchless.network.guard_adapter"):
        _write(login(alice), bob, PITCH)
    message = Message.objects.get()
    assert message.check_status == Message.Check.UNCHECKED
    assert message.filed_as == Message.Filing.INBOX
    assert "timed out" in caplog.text


def test_a_database_error_in_the_context_does_not_lose_the_message(alice, bob, monkeypatch):
    def explode(**kwargs):
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("SELECT * FROM no_such_table")

    monkeypatch.setattr(guard_adapter, "build_context", explode)
    connect(alice, bob)
    result = services.send_message(sender=alice, recipient=bob, text=FRIENDLY)
    assert result.message.check_status == Message.Check.UNCHECKED
    assert Message.objects.count() == 1


def test_a_retried_send_is_stored_once(alice, bob):
    connect(alice, bob)
    a = login(alice)
    first = _write(a, bob, FRIENDLY, key="form-123")
    second = _write(a, bob, FRIENDLY, key="form-123")
    assert first.status_code == second.status_code == 302
    assert Message.objects.count() == 1
    assert _side(bob, alice).unread == 1
    # The service says which call stored it.
    again = services.send_message(
        sender=alice, recipient=bob, text=FRIENDLY, idempotency_key="form-123"
    )
    assert again.created is False
    assert again.message == Message.objects.get()
    # Another key, or another sender with the same key, is a new message.
    services.send_message(sender=alice, recipient=bob, text=FRIENDLY, idempotency_key="form-124")
    services.send_message(sender=bob, recipient=alice, text="Thanks!", idempotency_key="form-123")
    assert Message.objects.count() == 3


def test_the_key_is_unique_in_the_database(alice, bob):
    from django.db import IntegrityError, transaction

    connect(alice, bob)
    msg = services.send_message(sender=alice, recipient=bob, text="Hi", idempotency_key="k").message
    with pytest.raises(IntegrityError), transaction.atomic():
        Message.objects.create(
            conversation=msg.conversation,
            sender=alice,
            recipient=bob,
            text="Hi",
            idempotency_key="k",
        )


def test_archive_and_back(alice, bob):
    connect(alice, bob)
    _write(login(alice), bob, FRIENDLY)
    conv = Message.objects.get().conversation
    b = login(bob)
    b.post(f"/messages/{conv.pk}/move/", {"folder": "archive"})
    assert _side(bob, alice).folder == Folder.ARCHIVE
    assert "Alice Archer" in b.get("/messages/archive/").content.decode()
    # A new message brings it back to the Inbox.
    _write(login(alice), bob, "One more thing: the slides are online.")
    assert _side(bob, alice).folder == Folder.INBOX
    assert b.post(f"/messages/{conv.pk}/move/", {"folder": "pitches"}).status_code == 302
    assert _side(bob, alice).folder == Folder.INBOX


def test_empty_and_oversized_messages_are_refused(alice, bob):
    connect(alice, bob)
    a = login(alice)
    assert _write(a, bob, "   ").status_code == 400
    assert _write(a, bob, "x" * 20_001).status_code == 400
    assert not Message.objects.exists()


def test_folder_pages_take_a_bounded_number_of_queries(alice, django_assert_max_num_queries):
    from tests.members.factories import make_member

    for i in range(12):
        other = make_member(f"Friend {i}")
        connect(alice, other)
        services.send_message(sender=other, recipient=alice, text=f"Hello number {i}")
    a = login(alice)
    with django_assert_max_num_queries(12):
        html = a.get("/messages/").content.decode()
    assert html.count('class="conversation-row') == 12
    assert "Hello number 11" in html


def test_invitation_mail_respects_the_preference(
    alice, bob, carol, django_capture_on_commit_callbacks
):
    carol.notify_invitations = False
    carol.save()
    with django_capture_on_commit_callbacks(execute=True):
        services.send_invitation(sender=alice, recipient=bob)
        services.send_invitation(sender=alice, recipient=carol)
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_a_send_takes_a_bounded_number_of_queries(alice, bob, django_assert_max_num_queries):
    connect(alice, bob)
    services.send_message(sender=bob, recipient=alice, text="Hi Alice, good to see you.")
    with django_assert_max_num_queries(12):
        services.send_message(sender=alice, recipient=bob, text="Likewise! How was Lyon?")


def test_a_first_send_takes_a_bounded_number_of_queries(alice, bob, django_assert_max_num_queries):
    connect(alice, bob)
    # The conversation and both sides are created too.
    with django_assert_max_num_queries(15):
        services.send_message(sender=alice, recipient=bob, text="Hi Bob, good to see you.")


def test_each_side_keeps_the_last_message_it_may_see(alice, bob):
    from datetime import timedelta

    from django.utils import timezone

    from pitchless.network.models import ModeratorRestriction

    connect(alice, bob)
    first = services.send_message(sender=alice, recipient=bob, text="First, delivered").message
    ModeratorRestriction.objects.create(
        member=alice,
        level=ModeratorRestriction.Level.MESSAGES,
        invitations_per_week=5,
        reason="Bulk pitching",
        ends_at=timezone.now() + timedelta(days=3),
    )
    held = services.send_message(sender=alice, recipient=bob, text="Second, held").message
    assert held.filed_as == Message.Filing.HELD
    assert _side(alice, bob).last_message_id == held.pk
    assert _side(bob, alice).last_message_id == first.pk
    assert _side(bob, alice).unread == 1
    services.release_message(message=held, folder=Folder.INBOX)
    assert _side(bob, alice).last_message_id == held.pk
    assert _side(bob, alice).unread == 2
    # Releasing an older held message does not hide a newer one.
    third = services.send_message(sender=alice, recipient=bob, text="Third, held").message
    ModeratorRestriction.objects.update(lifted_at=timezone.now())
    fourth = services.send_message(sender=alice, recipient=bob, text="Fourth").message
    services.release_message(message=third, folder=Folder.PITCHES)
    assert _side(bob, alice).last_message_id == fourth.pk
    assert _side(bob, alice).folder == Folder.PITCHES
