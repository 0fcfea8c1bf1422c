"""``pitchless serve``, ``worker`` and ``beat``: the command lines they build, their refusals,
and one real gunicorn answering /healthz."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

from pitchless.cli import build_parser, main
from pitchless.core import _cli
from tests.ops.conftest import REPO_ROOT, clean_env, free_port, python, subprocess_database_url


def _parse(*argv: str):
    return build_parser().parse_args(list(argv))


def test_default_web_workers_follow_the_cores_and_are_capped():
    assert _cli.default_web_workers(1) == 3
    assert _cli.default_web_workers(2) == 5
    assert _cli.default_web_workers(64) == _cli.MAX_DEFAULT_WORKERS


def test_serve_runs_gunicorn_on_the_wsgi_app_with_the_options(monkeypatch):
    monkeypatch.setattr(_cli.os, "cpu_count", lambda: 2)
    command = _cli.serve_command(_parse("serve"))
    assert command[:4] == [sys.executable, "-m", "gunicorn", "pitchless.config.wsgi:application"]
    options = dict(zip(command[4::2], command[5::2], strict=False))
    assert options["--bind"] == "127.0.0.1:8000"
    assert options["--workers"] == "5"
    assert options["--access-logfile"] == "-"
    command = _cli.serve_command(
        _parse(
            "serve", "--bind", "0.0.0.0:9000", "--workers", "3", "--threads", "4", "--timeout", "60"
        )
    )
    options = dict(zip(command[4::2], command[5::2], strict=False))
    assert (
        options["--bind"],
        options["--workers"],
        options["--threads"],
        options["--timeout"],
    ) == ("0.0.0.0:9000", "3", "4", "60")


def test_serve_refuses_a_nonsense_worker_count(capsys):
    with pytest.raises(SystemExit) as exit_:
        _parse("serve", "--workers", "0")
    assert exit_.value.code == 2
    assert "expected 1 or more" in capsys.readouterr().err


def test_worker_uses_the_sites_queue_and_can_embed_beat(settings, tmp_path):
    settings.CELERY_TASK_DEFAULT_QUEUE = "pitchless-here"
    schedule = str(tmp_path / "celerybeat-schedule")
    command = _cli.worker_command(
        _parse("worker", "--concurrency", "2", "--pool", "solo"), schedule_file=schedule
    )
    assert command[:6] == [sys.executable, "-m", "celery", "-A", "pitchless.config", "worker"]
    options = dict(zip(command[6::2], command[7::2], strict=False))
    assert options["--queues"] == "pitchless-here"
    assert (options["--concurrency"], options["--pool"]) == ("2", "solo")
    assert "--beat" not in command
    with_beat = _cli.worker_command(_parse("worker", "--beat"), schedule_file=schedule)
    assert with_beat[-3:] == ["--beat", "--schedule", schedule]
    beat = _cli.beat_command(_parse("beat"), schedule_file=schedule)
    assert beat[4:6] == ["pitchless.config", "beat"] and schedule in beat


@pytest.mark.parametrize("command", ["worker", "beat"])
def test_worker_and_beat_refuse_without_a_broker(settings, capsys, command, monkeypatch):
    settings.CELERY_BROKER_URL = ""
    monkeypatch.setattr(_cli.os, "execv", lambda *a: pytest.fail("must not start anything"))
    assert main([command]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "no task broker is configured" in err and "tasks run inline" in err


def test_worker_starts_celery_when_a_broker_is_set(settings, tmp_path, monkeypatch):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/15"
    settings.VAR_DIR = tmp_path
    started = []
    monkeypatch.setattr(_cli.os, "execv", lambda path, argv: started.append(argv))
    assert main(["worker", "--concurrency", "1"]) == 0
    assert started and started[0][2:6] == ["celery", "-A", "pitchless.config", "worker"]


@pytest.mark.django_db
def test_serve_refuses_a_database_without_migrations(capsys, monkeypatch):
    from django.db.migrations.executor import MigrationExecutor

    # As if a deploy brought a new migration that was not applied yet.
    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: [("m", False)])
    monkeypatch.setattr(_cli.os, "execv", lambda *a: pytest.fail("must not start gunicorn"))
    assert main(["serve"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "lacks 1 migration(s)" in err and "manage.py migrate" in err


@pytest.mark.django_db
def test_serve_checks_then_starts_gunicorn(capsys, monkeypatch):
    started = []
    monkeypatch.setattr(_cli.os, "execv", lambda path, argv: started.append(argv))
    assert main(["serve", "--workers", "2"]) == 0
    assert started and started[0][2:4] == ["gunicorn", "pitchless.config.wsgi:application"]
    assert "error" not in capsys.readouterr().err


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


# transaction=True: the test database must hold no open transaction while it is copied or read
# by another process.
@pytest.mark.django_db(transaction=True)
def test_serve_answers_healthz_on_a_real_port(tmp_path, processes):
    port = free_port()
    env = clean_env(DATABASE_URL=subprocess_database_url(tmp_path), PITCHLESS_VAR_DIR=str(tmp_path))
    proc = subprocess.Popen(
        python("-m", "pitchless.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    processes.append(proc)
    deadline = time.monotonic() + 30
    answer = None
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            answer = _get(f"http://127.0.0.1:{port}/healthz")
            break
        except OSError:  # not listening yet (URLError and timeouts are OSErrors)
            time.sleep(0.2)
    if answer is None:
        _cli_stop_and_fail(proc)
    status, body = answer
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] is True
    processes.remove(proc)
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
    # The access log goes to stdout, one line per request.
    assert "GET /healthz" in out


def _cli_stop_and_fail(proc: subprocess.Popen[str]) -> None:
    proc.kill()
    out, _ = proc.communicate(timeout=10)
    pytest.fail(f"pitchless serve did not answer within 30 s:\n{out[-3000:]}")


def test_serve_preloads_the_app_with_the_sites_gunicorn_settings():
    command = _cli.serve_command(_parse("serve"))
    assert command[command.index("--config") + 1] == "python:pitchless.config.gunicorn"
    assert "--preload" in command
    from pitchless.config import gunicorn as gunicorn_settings

    assert gunicorn_settings.preload_app is True


def test_the_master_warms_up_then_closes_what_it_opened(monkeypatch):
    from django.core.cache import caches
    from django.db import connections

    from pitchless.config import gunicorn as gunicorn_settings
    from pitchless.core import guard as core_guard

    closed: list[str] = []
    monkeypatch.setattr(connections, "close_all", lambda: closed.append("databases"))

    class Cache:
        def close(self) -> None:
            closed.append("cache")

    monkeypatch.setattr(caches, "all", lambda initialized_only=False: [Cache()])
    core_guard.get_guard.cache_clear()
    import gc

    try:
        gunicorn_settings.when_ready(server=None)
        # What the master loaded is kept out of the collector's reach (shared pages stay
        # shared in the workers).
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
    # The guard's model is loaded in the master, then everything open is closed.
    assert core_guard.get_guard.cache_info().currsize == 1
    assert closed == ["databases", "cache"]
    closed.clear()
    gunicorn_settings.pre_fork(server=None, worker=None)
    assert closed == ["databases", "cache"]


@pytest.mark.django_db(transaction=True)
def test_the_preloaded_master_holds_no_database_connection_while_workers_serve(tmp_path, processes):
    from pathlib import Path

    url = subprocess_database_url(tmp_path)
    port = free_port()
    env = clean_env(DATABASE_URL=url, PITCHLESS_VAR_DIR=str(tmp_path))
    proc = subprocess.Popen(
        python("-m", "pitchless.cli", "serve", "--bind", f"127.0.0.1:{port}", "--workers", "2"),
        cwd=REPO_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    processes.append(proc)
    deadline = time.monotonic() + 30
    answers = []
    while time.monotonic() < deadline and proc.poll() is None and len(answers) < 6:
        try:
            answers.append(_get(f"http://127.0.0.1:{port}/healthz"))
        except OSError:
            time.sleep(0.2)
    if len(answers) < 6:
        _cli_stop_and_fail(proc)
    assert all(status == 200 and body["checks"]["database"]["ok"] for status, body in answers)
    # The master (the process ``serve`` became) keeps its listening socket and nothing that
    # talks to the database: neither the SQLite file nor a socket to PostgreSQL.
    fds = Path(f"/proc/{proc.pid}/fd")
    targets = []
    for fd in fds.iterdir():
        try:
            targets.append(str(fd.readlink()))
        except OSError:
            continue
    if url.startswith("sqlite:///"):
        assert not [t for t in targets if t.startswith(url.removeprefix("sqlite://"))], targets
    sockets = [t for t in targets if t.startswith("socket:")]
    assert len(sockets) == 1, targets
    processes.remove(proc)
    proc.terminate()
    out, _ = proc.communicate(timeout=20)
    assert proc.returncode == 0, out
