"""A real Celery worker on the machine's Redis runs the site's tasks from the database the
test uses: a notice queued after a commit is mailed once, even when delivered twice."""

from __future__ import annotations

import json
import subprocess
import time
from pathlib import Path

import pytest

from tests.ops.conftest import (
    REPO_ROOT,
    clean_env,
    delete_keys,
    python,
    redis_or_skip,
    stop,
    subprocess_database_url,
)

#: the longest the test waits for the worker to start and run the tasks
WAIT_SECONDS = 60


def _mails(folder: Path) -> list[str]:
    return [p.read_text(errors="replace") for p in sorted(folder.glob("*.log"))]


# transaction=True: the worker and the queuing process write and read committed rows.
@pytest.mark.django_db(transaction=True)
def test_a_real_worker_sends_a_queued_notice_once(tmp_path, unique, processes):
    broker = redis_or_skip(15)
    env = clean_env(
        DATABASE_URL=subprocess_database_url(tmp_path),
        PITCHLESS_VAR_DIR=str(tmp_path),
        PITCHLESS_CELERY_BROKER_URL=broker,
        # A queue of its own, so this worker never takes another run's tasks (nor they its).
        PITCHLESS_CELERY_QUEUE=unique,
        # Claims in Redis too, as in production: the worker and the queuing process share them.
        PITCHLESS_CACHE_URL=broker,
        PITCHLESS_CACHE_KEY_PREFIX=unique,
    )
    mail_dir = tmp_path / "mail"
    worker = subprocess.Popen(
        python("-m", "pitchless.cli", "worker", "--pool", "solo", "--concurrency", "1"),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    processes.append(worker)
    try:
        queued = subprocess.run(
            python("-m", "tests.ops._enqueue", unique),
            cwd=REPO_ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=WAIT_SECONDS,
        )
        assert queued.returncode == 0, queued.stderr[-3000:]
        assert json.loads(queued.stdout.strip().splitlines()[-1])["first"] > 0
        # Tasks run in queue order, one at a time: once Carol's notice is out, Bob's notice
        # and its redelivery have both run.
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline and worker.poll() is None:
            if any(f"carol-{unique}@example.org" in m for m in _mails(mail_dir)):
                break
            time.sleep(0.2)
        else:
            stop(worker)
            pytest.fail(f"no notice within {WAIT_SECONDS} s:\n{worker.stdout.read()[-4000:]}")
        mails = _mails(mail_dir)
        to_bob = [m for m in mails if f"bob-{unique}@example.org" in m]
        assert len(to_bob) == 1, mails
        assert "Alice wants to connect on Pitchless" in to_bob[0]
        processes.remove(worker)
        stop(worker, grace=20)
        output = worker.stdout.read()
        assert worker.returncode == 0, output[-4000:]
        assert "invitation_notice_task" in output  # the worker logged the tasks it ran
    finally:
        # The queue, its bindings (``_kombu.binding*.<queue>``) and the claims.
        delete_keys(broker, f"*{unique}*")
