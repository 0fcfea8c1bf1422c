"""A worker killed in the middle of a task: the task runs again and its effect happens once.

The real product path: a message is stored and ``notify.message_received`` queues
``message_notice_task`` on the site's Celery app (Redis broker, ``acks_late``,
``reject_on_worker_lost``). A real worker (``pitchless worker``) takes it; the mail backend is
slowed down so the test can kill the whole worker (SIGKILL, no chance to clean up) while the
e-mail is being sent. The unacknowledged task comes back after the broker's visibility timeout
(shortened here to a few seconds) to a second worker, and afterwards exactly one e-mail for the
message has been written.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from django.core.mail.backends.filebased import EmailBackend as FileEmailBackend

from tests.ops.conftest import (
    REPO_ROOT,
    clean_env,
    delete_keys,
    python,
    redis_or_skip,
    subprocess_database_url,
)

#: seconds the slowed mail backend takes; the worker is killed during them
SLOW_MAIL_SECONDS = 3.0
#: broker visibility timeout for this test: how long a killed worker's task stays invisible
VISIBILITY_SECONDS = 6


class SlowFileBackend(FileEmailBackend):
    """The file mail backend, slowed down, leaving a mark each time a send starts."""

    def send_messages(self, email_messages):
        marks = Path(os.environ["PITCHLESS_TEST_MAIL_MARKS"])
        with marks.open("a", encoding="utf-8") as f:
            f.write(f"{os.getpid()}\n")
        time.sleep(float(os.environ.get("PITCHLESS_TEST_MAIL_SECONDS", "0")))
        return super().send_messages(email_messages)


SETUP = """
import django
django.setup()
from django.db import transaction
from pitchless.members.models import Member
from pitchless.network import notify
from pitchless.network.models import Conversation, Message, Participant

sender = Member.objects.create_user("sender@example.org", None, name="Sam Sender")
recipient = Member.objects.create_user("rita@example.org", None, name="Rita Recipient")
with transaction.atomic():
    conversation = Conversation.objects.create(started_by=sender)
    Participant.objects.create(conversation=conversation, member=sender, other=recipient)
    Participant.objects.create(conversation=conversation, member=recipient, other=sender)
    message = Message.objects.create(
        conversation=conversation, sender=sender, recipient=recipient,
        text="The slides from Tuesday, as promised.",
    )
    notify.message_received(message)  # queues the task when the transaction commits
print(message.pk)
"""


def _mails(mail_dir: Path) -> list[str]:
    if not mail_dir.is_dir():
        return []
    return [p.read_text(errors="replace") for p in sorted(mail_dir.iterdir()) if p.is_file()]


def _marks(path: Path) -> list[str]:
    return path.read_text().split() if path.exists() else []


def _wait(condition, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def _kill_group(proc: subprocess.Popen[str], sig: int) -> None:
    if proc.poll() is None:
        os.killpg(os.getpgid(proc.pid), sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(os.getpgid(proc.pid), signal.SIGKILL)
        proc.wait(timeout=10)


@pytest.mark.django_db(transaction=True)
def test_a_task_whose_worker_is_killed_runs_again_and_mails_once(tmp_path, unique):
    redis_url = redis_or_skip(14)
    var_dir = tmp_path / "var"
    marks = tmp_path / "mail-marks.txt"
    env = clean_env(
        DJANGO_SETTINGS_MODULE="pitchless.config.settings",
        PYTHONPATH=str(REPO_ROOT),
        DATABASE_URL=subprocess_database_url(tmp_path),
        REDIS_URL=redis_url,
        PITCHLESS_CELERY_QUEUE=unique,
        PITCHLESS_CACHE_KEY_PREFIX=unique,
        PITCHLESS_BULK_STORE_PREFIX=f"{unique}:bulk:",
        PITCHLESS_VAR_DIR=str(var_dir),
        PITCHLESS_EMAIL_BACKEND=f"{__name__}.SlowFileBackend",
        PITCHLESS_TEST_MAIL_MARKS=str(marks),
        PITCHLESS_TEST_MAIL_SECONDS=str(SLOW_MAIL_SECONDS),
        PITCHLESS_TASK_SOFT_TIME_LIMIT=str(VISIBILITY_SECONDS - 2),
        PITCHLESS_TASK_TIME_LIMIT=str(VISIBILITY_SECONDS - 1),
        PITCHLESS_TASK_VISIBILITY_TIMEOUT=str(VISIBILITY_SECONDS),
        PITCHLESS_LOG_LEVEL="WARNING",
    )
    worker_cmd = python("-m", "pitchless.cli", "worker", "--concurrency", "1")
    workers: list[subprocess.Popen[str]] = []
    log = (tmp_path / "worker.log").open("a")
    try:
        setup = subprocess.run(
            python("-c", SETUP), env=env, cwd=REPO_ROOT, capture_output=True, text=True, timeout=60
        )
        assert setup.returncode == 0, setup.stderr[-3000:]

        first = subprocess.Popen(
            worker_cmd, env=env, cwd=REPO_ROOT, stdout=log, stderr=log, start_new_session=True
        )
        workers.append(first)
        assert _wait(lambda: len(_marks(marks)) >= 1, 60), "the first worker never took the task"
        time.sleep(SLOW_MAIL_SECONDS / 3)  # in the middle of sending
        _kill_group(first, signal.SIGKILL)
        assert _mails(var_dir / "mail") == [], "the killed worker finished the e-mail anyway"

        second = subprocess.Popen(
            worker_cmd, env=env, cwd=REPO_ROOT, stdout=log, stderr=log, start_new_session=True
        )
        workers.append(second)
        # The task comes back once its visibility timeout has passed, and is run again.
        worker_log = tmp_path / "worker.log"

        def rerun_finished() -> bool:
            log.flush()
            text = worker_log.read_text()
            return text.count("message_notice_task") >= 2 and "succeeded" in text

        assert _wait(rerun_finished, VISIBILITY_SECONDS + 45), (
            "the task was not run again; worker log:\n" + worker_log.read_text()[-3000:]
        )
        time.sleep(SLOW_MAIL_SECONDS + 1)  # room for a duplicate to show up
        mails = _mails(var_dir / "mail")
        assert len(mails) == 1, (
            f"{len(mails)} e-mails for one message; sends started {len(_marks(marks))} times"
        )
        assert "rita@example.org" in mails[0]
        assert "New message from Sam Sender" in mails[0]
    finally:
        for proc in workers:
            _kill_group(proc, signal.SIGTERM)
        log.close()
        delete_keys(redis_url, f"*{unique}*")
