"""The background tasks: ids in, idempotent, queued after the commit, inline without a broker."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core import mail
from django.core.cache import cache

from pitchless.config import celery_app
from pitchless.moderation import tasks as moderation_tasks
from pitchless.network import notify, services
from pitchless.network import tasks as network_tasks
from tests.members.factories import make_member

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def test_every_task_is_registered_and_the_delivery_is_at_least_once():
    celery_app.loader.import_default_modules()  # what a worker does at start: find the tasks
    names = set(celery_app.tasks)
    for name in (
        "pitchless.network.tasks.invitation_notice_task",
        "pitchless.network.tasks.message_notice_task",
        "pitchless.network.tasks.network_maintenance_task",
        "pitchless.network.tasks.rescore_unchecked_task",
        "pitchless.moderation.tasks.retrain_guard_task",
        "pitchless.exchange.tasks.send_digests_task",
        "pitchless.exchange.tasks.expire_listings_task",
        "pitchless.exchange.tasks.decline_notice_task",
        "pitchless.audits.tasks.run_audit_task",
    ):
        assert name in names
    for entry in settings.CELERY_BEAT_SCHEDULE.values():  # the schedule names real tasks
        assert entry["task"] in names, entry
    conf = celery_app.conf
    assert conf.task_acks_late and conf.task_reject_on_worker_lost
    assert conf.worker_prefetch_multiplier == 1
    options = conf.broker_transport_options
    assert options["visibility_timeout"] > conf.task_time_limit
    # A dead worker's task is looked for every few seconds, not every ~100 (kombu's default).
    assert options["unacked_restore_interval"] * options["unacked_restore_throttle"] <= 10
    # No broker in the test settings: tasks run inline, as on a fresh install.
    assert conf.task_always_eager


def test_an_invitation_notice_goes_out_once_after_the_commit(django_capture_on_commit_callbacks):
    alice = make_member("Alice", email="alice@example.org")
    bob = make_member("Bob", email="bob@example.org")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        invitation = services.send_invitation(sender=alice, recipient=bob)
    assert mail.outbox == []  # nothing before the commit
    for callback in callbacks:
        callback()
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]
    assert "Alice wants to connect" in mail.outbox[0].subject
    # A redelivered task (Celery delivers at least once) sends nothing more.
    network_tasks.invitation_notice_task.delay(invitation.pk)
    assert notify.send_invitation_notice(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1


def test_a_notice_for_a_row_gone_or_answered_sends_nothing(django_capture_on_commit_callbacks):
    alice, bob = make_member("Alice"), make_member("Bob")
    with django_capture_on_commit_callbacks(execute=False):
        invitation = services.send_invitation(sender=alice, recipient=bob)
    services.accept_invitation(invitation=invitation, by=bob)
    assert notify.send_invitation_notice(invitation_id=invitation.pk) is False
    assert notify.send_invitation_notice(invitation_id=10**9) is False
    assert notify.send_message_notice(message_id=10**9) is False
    assert mail.outbox == []


def test_a_mail_failure_gives_the_claim_back_for_the_retry(monkeypatch):
    alice, bob = make_member("Alice"), make_member("Bob", email="bob@example.org")
    invitation = services.send_invitation(sender=alice, recipient=bob)

    def refused(*args, **kwargs):
        raise ConnectionRefusedError("SMTP server down")

    monkeypatch.setattr(notify, "send_mail", refused)
    with pytest.raises(ConnectionRefusedError):
        notify.send_invitation_notice(invitation_id=invitation.pk)
    monkeypatch.undo()
    assert notify.send_invitation_notice(invitation_id=invitation.pk) is True
    assert [m.to for m in mail.outbox] == [["bob@example.org"]]


def test_a_broker_that_is_down_does_not_fail_the_request(
    monkeypatch, caplog, django_capture_on_commit_callbacks
):
    def down(*args, **kwargs):
        raise OSError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(network_tasks.invitation_notice_task, "delay", down)
    alice, bob = make_member("Alice"), make_member("Bob")
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.send_invitation(sender=alice, recipient=bob)
    assert invitation.pk is not None
    assert "could not queue" in caplog.text
    assert mail.outbox == []


def test_retraining_with_too_few_labels_is_refused_and_says_why(settings):
    settings.PITCHLESS_RETRAIN_MIN_LABELS = 200
    result = moderation_tasks.retrain_guard_task.delay().get()
    assert "retraining needs at least 200" in result["refused"]
    # The lock is released: the next run is not skipped.
    assert "skipped" not in moderation_tasks.retrain_guard_task.delay().get()


def test_retraining_is_skipped_while_another_run_holds_the_lock():
    cache.add("moderation:retrain:running", 1, timeout=60)
    assert moderation_tasks.retrain_guard_task.delay().get() == {
        "skipped": "a retraining run is already underway"
    }


def test_network_maintenance_is_safe_to_repeat():
    first = network_tasks.network_maintenance_task.delay().get()
    again = network_tasks.network_maintenance_task.delay().get()
    assert set(first) == {"expired_invitations", "pruned_bulk_entries"}
    assert again == {"expired_invitations": 0, "pruned_bulk_entries": 0}


def test_a_live_lease_makes_a_second_delivery_wait_then_a_lapsed_one_sends(settings):
    alice, bob = make_member("Alice"), make_member("Bob", email="bob@example.org")
    invitation = services.send_invitation(sender=alice, recipient=bob)
    key = notify._claim_key("invitation", invitation)
    # Another delivery is sending now (or its worker died while sending).
    cache.add(key, "sending", timeout=notify.lease_seconds())
    with pytest.raises(notify.NoticeInFlight):
        notify.send_invitation_notice(invitation_id=invitation.pk)
    assert mail.outbox == []
    # The lease lapses (the dead worker's task comes back after the visibility timeout,
    # which is longer than the lease): this delivery sends, and marks the notice sent.
    cache.delete(key)
    assert notify.send_invitation_notice(invitation_id=invitation.pk) is True
    assert cache.get(key) == "sent"
    assert notify.send_invitation_notice(invitation_id=invitation.pk) is False
    assert len(mail.outbox) == 1
    # The lease never outlasts the task's hard time limit, which never outlasts the visibility.
    settings.CELERY_TASK_TIME_LIMIT = 5
    assert notify.lease_seconds() == 5
    assert network_tasks.invitation_notice_task.time_limit <= notify.NOTICE_TIME_LIMIT
