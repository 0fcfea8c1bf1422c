"""``pitchless serve``, ``pitchless worker`` and ``pitchless beat``: the site's processes.

``serve`` runs gunicorn on ``pitchless.config.wsgi``; ``worker`` and ``beat`` run Celery on
``pitchless.config``. Each first checks what it needs (a reachable, migrated database for
``serve``; a configured broker for ``worker`` and ``beat``) and refuses with one line and exit
status 2 when it is missing, then replaces itself with the server process, so signals from a
process manager (systemd, a container runtime) reach gunicorn or Celery directly.

Django is imported inside the handlers only, so ``import pitchless.cli`` stays free of Django.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from pitchless._cli_support import CommandError

#: the most web workers chosen by default: beyond this, memory runs out before CPU does
MAX_DEFAULT_WORKERS = 8


def default_web_workers(cpus: int | None = None) -> int:
    """Gunicorn's rule of thumb, ``2 * cores + 1``, capped at :data:`MAX_DEFAULT_WORKERS`."""
    cores = cpus if cpus is not None else (os.cpu_count() or 1)
    return max(1, min(2 * cores + 1, MAX_DEFAULT_WORKERS))


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected 1 or more, got {value}")
    return value


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``serve``, ``worker`` and ``beat``."""
    serve = subparsers.add_parser(
        "serve",
        help="run the production web server (gunicorn) after checking the database",
        description="Check the database and the deployment settings, then run gunicorn.",
    )
    serve.add_argument(
        "--bind", default="127.0.0.1:8000", help="address to listen on (default 127.0.0.1:8000)"
    )
    serve.add_argument(
        "--workers",
        type=_positive,
        default=None,
        help=f"worker processes (default 2 x cores + 1, at most {MAX_DEFAULT_WORKERS})",
    )
    serve.add_argument(
        "--threads", type=_positive, default=2, help="threads per worker (default 2)"
    )
    serve.add_argument(
        "--timeout",
        type=_positive,
        default=30,
        help="seconds a request may take before its worker is restarted (default 30)",
    )
    serve.add_argument(
        "--graceful-timeout",
        type=_positive,
        default=30,
        help="seconds to finish requests on shutdown (default 30)",
    )
    serve.add_argument(
        "--migrate",
        action="store_true",
        help="apply database migrations first instead of refusing to start without them",
    )
    serve.set_defaults(handler=_serve)

    worker = subparsers.add_parser(
        "worker",
        help="run a Celery worker for the background tasks (needs a broker: REDIS_URL)",
        description="Run a Celery worker on the configured broker and queue.",
    )
    worker.add_argument(
        "--concurrency",
        type=_positive,
        default=None,
        help="tasks run at once (default: the number of cores)",
    )
    worker.add_argument(
        "--pool",
        choices=["prefork", "solo", "threads"],
        default="prefork",
        help="how tasks run: processes (default), in the worker itself, or threads",
    )
    worker.add_argument(
        "--beat",
        action="store_true",
        help="also run the periodic schedule in this worker (one machine only; else `beat`)",
    )
    worker.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    worker.set_defaults(handler=_worker)

    beat = subparsers.add_parser(
        "beat",
        help="run the periodic schedule (cleanups, digests): exactly one per site",
        description="Run Celery beat, which queues the periodic tasks on schedule.",
    )
    beat.add_argument("--loglevel", default="INFO", help="log level (default INFO)")
    beat.set_defaults(handler=_beat)


def _gunicorn_has_control_socket() -> bool:
    from gunicorn.config import KNOWN_SETTINGS

    return any(s.name == "control_socket_disable" for s in KNOWN_SETTINGS)


def serve_command(args: argparse.Namespace) -> list[str]:
    """The gunicorn command line ``serve`` runs, access log on stdout."""
    workers = args.workers if args.workers is not None else default_web_workers()
    # Newer gunicorns open a control socket in the home folder, shared by every instance of
    # the user; the site does not use it, and two sites of one user would fight over it.
    extra = ["--no-control-socket"] if _gunicorn_has_control_socket() else []
    return [
        sys.executable,
        "-m",
        "gunicorn",
        "pitchless.config.wsgi:application",
        # Load the app and the guard's model in the master: the workers share them
        # copy-on-write (see pitchless/config/gunicorn.py for what is closed before forking).
        "--config",
        "python:pitchless.config.gunicorn",
        "--bind",
        args.bind,
        "--workers",
        str(workers),
        "--threads",
        str(args.threads),
        "--timeout",
        str(args.timeout),
        "--graceful-timeout",
        str(args.graceful_timeout),
        "--keep-alive",
        "5",
        # Recycle workers now and then, so a slow leak never grows into an outage.
        "--max-requests",
        "2000",
        "--max-requests-jitter",
        "200",
        "--access-logfile",
        "-",
        "--error-logfile",
        "-",
        *extra,
        "--preload",
    ]


def worker_command(args: argparse.Namespace, *, schedule_file: str) -> list[str]:
    """The Celery worker command line ``worker`` runs, on the site's queue."""
    from django.conf import settings

    concurrency = args.concurrency if args.concurrency is not None else (os.cpu_count() or 1)
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pitchless.config",
        "worker",
        "--queues",
        settings.CELERY_TASK_DEFAULT_QUEUE,
        "--concurrency",
        str(concurrency),
        "--pool",
        args.pool,
        "--loglevel",
        args.loglevel,
        # Gossip and mingle share revocations and clocks between workers, which the site never
        # uses; without them a worker starts in a second and sends less to Redis.
        "--without-gossip",
        "--without-mingle",
    ]
    if args.beat:
        command += ["--beat", "--schedule", schedule_file]
    return command


def beat_command(args: argparse.Namespace, *, schedule_file: str) -> list[str]:
    """The Celery beat command line ``beat`` runs."""
    return [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "pitchless.config",
        "beat",
        "--schedule",
        schedule_file,
        "--loglevel",
        args.loglevel,
    ]


def _settings() -> object:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pitchless.config.settings")
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        settings.INSTALLED_APPS  # noqa: B018 -- reading one setting loads them all
    except ImproperlyConfigured as exc:
        raise CommandError(f"settings: {exc}") from exc
    return settings


def _require_broker() -> str:
    from django.conf import settings

    _settings()
    if not settings.CELERY_BROKER_URL:
        raise CommandError(
            "no task broker is configured (set REDIS_URL or PITCHLESS_CELERY_BROKER_URL): "
            "tasks run inline in the web process and there is no worker to start"
        )
    var_dir = settings.VAR_DIR
    var_dir.mkdir(parents=True, exist_ok=True)
    return str(var_dir / "celerybeat-schedule")


def preflight(*, migrate: bool) -> list[str]:
    """Check what the web server needs; return warnings to print, raise when it cannot start.

    The database must answer and have every migration applied (``migrate`` applies them);
    the system checks must pass (with the deployment checklist in production); in production
    the collected static files must be there.
    """
    _settings()
    import django
    from django.conf import settings
    from django.core import checks
    from django.core.management import call_command
    from django.db import DatabaseError, connections
    from django.db.migrations.executor import MigrationExecutor

    django.setup()
    connection = connections["default"]
    try:
        connection.ensure_connection()
        if migrate:
            call_command("migrate", interactive=False, verbosity=0)
        executor = MigrationExecutor(connection)
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except DatabaseError as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandError(f"cannot use the database: {first}") from exc
    if pending:
        raise CommandError(
            f"the database lacks {len(pending)} migration(s): run `python manage.py migrate` "
            "(or `pitchless serve --migrate`) first"
        )
    production = settings.PRODUCTION
    found = checks.run_checks(include_deployment_checks=production)
    errors = [m for m in found if m.is_serious() and not m.is_silenced()]
    if errors:
        raise CommandError(f"system check failed: {errors[0]}")
    warnings = [str(m) for m in found if not m.is_silenced()]
    static_root = settings.STATIC_ROOT
    if production and not (static_root / "staticfiles.json").is_file():
        raise CommandError(
            f"no collected static files in {static_root}: "
            "run `python manage.py collectstatic --noinput` first"
        )
    # Outside production whitenoise serves from the app folders but still looks here.
    static_root.mkdir(parents=True, exist_ok=True)
    connections.close_all()
    return warnings


def _exec(command: Sequence[str]) -> int:
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(command[0], list(command))
    return 0  # not reached


def _serve(args: argparse.Namespace) -> int:
    for warning in preflight(migrate=args.migrate):
        print(f"pitchless: warning: {warning}", file=sys.stderr)
    return _exec(serve_command(args))


def _worker(args: argparse.Namespace) -> int:
    return _exec(worker_command(args, schedule_file=_require_broker()))


def _beat(args: argparse.Namespace) -> int:
    return _exec(beat_command(args, schedule_file=_require_broker()))
