"""Web load on 127.0.0.1: sending a message and listing the inbox, beside a bare Django endpoint.

For each database (a fresh SQLite file, and a fresh PostgreSQL database created here and dropped
at the end) the bench migrates, seeds members, connections and API tokens with the ORM, starts
gunicorn with production settings (2 workers by default) and drives it with concurrent
keep-alive clients for a fixed number of requests per operation:

- ``bare``: ``GET /bare/``, a JSON view added by this bench only (a generated URLconf in a
  temporary folder: the site's URLs plus that one view, behind the same middleware);
- ``send``: ``POST /api/messages`` with a bearer token, through the guard;
- ``inbox``: ``GET /api/conversations?folder=inbox``.

Mail notices are off for the seeded members: with no broker configured (this bench sets none)
they would be written inside the request, which a deployment leaves to the Celery worker.

It prints p50/p95/p99 latency and requests/s per operation and concurrency, then a short
in-process profile of one send (queries, time in SQL, time in the guard). The server is stopped,
and the PostgreSQL database dropped, even on error. A benchmark that prints figures, not a test.

    .venv/bin/python bench/web_load.py --model-dir DIR [--db sqlite,postgres,sqlite-wal]
        [--concurrency 8,16,32] [--requests 1500]

The guard needs a trained model: ``--model-dir`` (or ``PITCHLESS_GUARD_MODEL_DIR``), else the
bundled one when it is installed. ``pitchless guard train --data ../shared/data --out DIR``
makes one.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
OPERATIONS = ("bare", "send", "inbox")
PG_ADMIN_URL = "postgres://postgres@127.0.0.1:5432/postgres"
PG_BENCH_DB = "pitchless_bench"

# --- the server's extra module -------------------------------------------------------------------

BENCH_SETTINGS = '''\
"""The site's production settings, with the bench's URLconf."""
from pitchless.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_urls"
'''

#: ``sqlite-wal`` only: what the SQLite settings would need for concurrent writers (WAL, writes
#: that take the lock at BEGIN instead of failing on upgrade, a longer busy timeout)
SQLITE_WAL = """
DATABASES["default"]["OPTIONS"] = {
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
}
"""

BENCH_URLS = '''\
"""The site's URLs plus /bare/: a JSON view with no database work, for comparison."""
from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    return JsonResponse({"ok": True, "service": "pitchless"})


urlpatterns = [path("bare/", bare), path("", include("pitchless.config.urls"))]
'''

# --- message texts -------------------------------------------------------------------------------

_GREETINGS = ["Hi {n},", "Hello {n},", "Hey {n}!", "Good morning {n},", "{n},"]
_ORDINARY = [
    "thanks for the talk on {t} yesterday, the part about {u} stayed with me.",
    "are you going to the {t} meetup on the {d}th? We could share a table.",
    "I read your post about {u}. We tried the same at {c} and hit the {t} wall too.",
    "congratulations on the move to {c}! How is the {t} team treating you?",
    "could you send me the slides on {u} when you have a minute?",
    "do you remember the name of the {t} library you mentioned over lunch?",
    "happy to review your {u} draft this week, send it over whenever.",
    "the {t} workshop moved to room {d}, see you there.",
]
_PITCHES = [
    "our {t} platform helps teams like {c} cut {u} costs by {d}%. Pricing starts at ${p} per "
    "month. Can I book a quick 15-minute demo this week?",
    "we are an agency specialised in {t}. Our services start at ${p}; free trial for {c} this "
    "month only. When can we jump on a quick call?",
    "I noticed {c} is growing. We generate {d} qualified leads a week with {u}, guaranteed ROI. "
    "Book a demo: https://calendly.com/sales-{d}",
    "exclusive offer for {c}: {d}% discount on our {t} suite if you sign before Friday. "
    "Pricing from ${p}. Interested?",
]
_TOPICS = ["data", "hiring", "cloud", "design", "security", "analytics", "payments", "mobile"]
_THINGS = ["dashboards", "on-call", "migrations", "pricing pages", "interviews", "backlogs"]
_COMPANIES = ["Acme", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne", "Tyrell"]
_NAMES = ["Ana", "Bo", "Chidi", "Dana", "Eero", "Fatima", "Goran", "Hiro", "Ines", "Jonas"]


def message_text(rng: random.Random) -> str:
    """A varied message: mostly ordinary, about a quarter sales pitches."""
    body = rng.choice(_PITCHES if rng.random() < 0.25 else _ORDINARY)
    fill = {
        "n": rng.choice(_NAMES),
        "t": rng.choice(_TOPICS),
        "u": rng.choice(_THINGS),
        "c": rng.choice(_COMPANIES),
        "d": rng.randint(2, 60),
        "p": rng.choice([49, 99, 199, 299, 499]),
    }
    return (rng.choice(_GREETINGS) + " " + body).format(**fill) + f" ({rng.randint(1, 10**6)})"


# --- the database and the seed -------------------------------------------------------------------


def seed(members: int, degree: int, out: Path) -> None:
    """Members, connections both ways and one API token each (runs in the server's settings)."""
    import django

    django.setup()
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from pitchless.api.models import ApiToken
    from pitchless.api.services import TOKEN_PREFIX, digest
    from pitchless.members.models import Member
    from pitchless.network.models import Connection

    now = timezone.now()
    password = make_password("bench password not used")
    rows = Member.objects.bulk_create(
        Member(
            email=f"member{i}@bench.pitchless.test",
            password=password,
            name=f"{_NAMES[i % len(_NAMES)]} Bench{i}",
            headline="Benchmark member",
            date_joined=now - timedelta(days=365),
            # With no broker configured a notice would be mailed inside the request; a
            # deployment leaves that to the Celery worker (see docs/deploy.md).
            notify_messages=False,
        )
        for i in range(members)
    )
    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    assert len(ids) == len(rows)
    rng = random.Random(1)
    pairs: list[tuple[int, int]] = []
    connections = []
    for i, a in enumerate(ids):
        for step in range(1, degree + 1):
            b = ids[(i + step) % len(ids)]
            # one connection in five is minutes old, where a pitch gets the timing reason
            fresh = rng.random() < 0.2
            at = now - (timedelta(minutes=3) if fresh else timedelta(days=90))
            connections += [
                Connection(member_id=a, other_id=b, created_at=at),
                Connection(member_id=b, other_id=a, created_at=at),
            ]
            pairs += [(a, b), (b, a)]
    Connection.objects.bulk_create(connections, batch_size=2000)
    tokens = {}
    api_tokens = []
    for pk in ids:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        tokens[pk] = raw
        api_tokens.append(ApiToken(member_id=pk, digest=digest(raw), prefix=raw[:10]))
    ApiToken.objects.bulk_create(api_tokens, batch_size=2000)
    out.write_text(json.dumps({"tokens": tokens, "pairs": pairs}))


def profile(sends: int) -> None:
    """Time one send in-process: queries, time in SQL, time in the guard (server settings)."""
    import django

    django.setup()
    from django.db import connection

    from pitchless.core.guard import get_guard
    from pitchless.members.models import Member
    from pitchless.network import services
    from pitchless.network.models import Connection

    guard = get_guard()
    guard_seconds: list[float] = []
    score = guard.score

    def timed_score(ctx):
        t0 = time.perf_counter()
        try:
            return score(ctx)
        finally:
            guard_seconds.append(time.perf_counter() - t0)

    guard.score = timed_score  # type: ignore[method-assign]
    statements: list[tuple[str, float]] = []

    def timed_sql(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            statements.append((sql, time.perf_counter() - t0))

    rng = random.Random(7)
    pairs = list(Connection.objects.values_list("member_id", "other_id")[: sends * 4])
    members = Member.objects.in_bulk({pk for pair in pairs for pk in pair})
    services.send_message(  # warm up: model loaded, first queries prepared
        sender=members[pairs[0][0]], recipient=members[pairs[0][1]], text=message_text(rng)
    )
    guard_seconds.clear()
    totals, sql, counts = [], [], []
    filed: Counter[str] = Counter()
    for a, b in rng.sample(pairs, min(sends, len(pairs))):
        statements.clear()
        with connection.execute_wrapper(timed_sql):
            t0 = time.perf_counter()
            result = services.send_message(
                sender=members[a], recipient=members[b], text=message_text(rng)
            )
            totals.append(time.perf_counter() - t0)
        counts.append(len(statements))
        sql.append(sum(seconds for _, seconds in statements))
        filed[str(result.message.filed_as)] += 1
    ms = 1000.0
    print(
        f"  in-process send_message over {len(totals)} sends: "
        f"median {statistics.median(totals) * ms:.1f} ms, "
        f"queries median {statistics.median(counts):.0f} (max {max(counts)}), "
        f"in the database driver median {statistics.median(sql) * ms:.1f} ms, "
        f"guard median {statistics.median(guard_seconds) * ms:.1f} ms; "
        f"filed {dict(filed)}"
    )
    kinds = Counter(sql.split(" ", 1)[0] for sql, _ in statements)
    tables = Counter(
        name for sql, _ in statements for name in re.findall(r'(?:FROM|INTO|UPDATE) "(\w+)"', sql)
    )
    print(f"  statements of the last send: {dict(kinds)}; tables named: {dict(tables)}")
    _profile_requests(rng, pairs, statements, timed_sql)


def _profile_requests(rng: random.Random, pairs: list, statements: list, timed_sql) -> None:
    """CPU time and statements of whole API requests, through Django's test client: the token
    check, the middleware, the schemas and the view, without HTTP or gunicorn."""
    from django.db import connection
    from django.test import Client

    from pitchless.api.services import issue_token
    from pitchless.members.models import Member

    client = Client(HTTP_HOST=HOST)
    senders = Member.objects.in_bulk({a for a, _ in pairs})
    tokens = {pk: issue_token(member=m, name="bench")[1] for pk, m in senders.items()}

    def send() -> int:
        a, b = rng.choice(pairs)
        return client.post(
            "/api/messages",
            json.dumps({"to": b, "text": message_text(rng)}),
            content_type="application/json",
            headers={"Authorization": f"Bearer {tokens[a]}"},
        ).status_code

    def inbox() -> int:
        return client.get(
            "/api/conversations",
            {"folder": "inbox"},
            headers={"Authorization": f"Bearer {tokens[rng.choice(list(tokens))]}"},
        ).status_code

    for name, request in (("send", send), ("inbox", inbox)):
        for _ in range(20):  # warm up: tokens cached where the site caches them
            request()
        cpu, counts = [], []
        for _ in range(100):
            statements.clear()
            with connection.execute_wrapper(timed_sql):
                t0 = time.process_time()
                status = request()
                cpu.append(time.process_time() - t0)
            assert 200 <= status < 300, status
            counts.append(len(statements))
        print(
            f"  in-process API {name} request over {len(cpu)}: CPU median "
            f"{statistics.median(cpu) * 1000:.1f} ms, statements median "
            f"{statistics.median(counts):.0f}"
        )


# --- the server ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Server:
    """gunicorn in its own process group, with the environment it was started with."""

    env: dict[str, str]
    port: int
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self, workers: int, threads: int, preload: bool = True) -> None:
        """Start gunicorn and wait until ``/bare/`` answers.

        ``preload``: as ``pitchless serve`` runs it, with the site's gunicorn settings (the app
        and the guard's model loaded in the master, shared by the workers).
        """
        cmd = [
            str(Path(sys.executable).parent / "gunicorn"),
            "pitchless.config.wsgi:application",
            f"--bind={HOST}:{self.port}",
            f"--workers={workers}",
            "--keep-alive=5",
            "--backlog=256",
            "--log-level=warning",
        ]
        if preload:
            cmd += ["--config=python:pitchless.config.gunicorn", "--preload"]
        if threads > 1:
            cmd += ["--worker-class=gthread", f"--threads={threads}"]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(
                cmd, env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
            )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited:\n{self.log.read_text()[-3000:]}")
            try:
                conn = http.client.HTTPConnection(HOST, self.port, timeout=2)
                conn.request("GET", "/bare/")
                if conn.getresponse().status == 200:
                    conn.close()
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"gunicorn did not answer:\n{self.log.read_text()[-3000:]}")

    def memory(self) -> list[tuple[str, int, float, float, float]]:
        """``(role, pid, RSS MiB, PSS MiB, private MiB)`` of the master and each worker.

        PSS (``/proc/<pid>/smaps_rollup``) divides each shared page among the processes that
        map it: the fair measure when workers share the master's pages copy-on-write.
        """
        if self.proc is None:
            return []
        master = self.proc.pid
        children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
        out = []
        for role, pid in [("master", master), *(("worker", int(c)) for c in children)]:
            fields = {}
            for name in (f"/proc/{pid}/status", f"/proc/{pid}/smaps_rollup"):
                for line in Path(name).read_text().splitlines():
                    key, _, value = line.partition(":")
                    if value.strip().endswith("kB"):
                        fields[key.strip()] = int(value.split()[0])
            private = fields["Private_Clean"] + fields["Private_Dirty"]
            out.append((role, pid, fields["VmRSS"] / 1024, fields["Pss"] / 1024, private / 1024))
        return out

    def stop(self) -> None:
        """Stop the server's process group: TERM, then KILL after 10 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = os.getpgid(self.proc.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout=10)


# --- the load ------------------------------------------------------------------------------------


@dataclass
class Result:
    """Latencies (seconds) and statuses of one operation at one concurrency."""

    op: str
    clients: int
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    filed: Counter[str] = field(default_factory=Counter)

    def pct(self, q: float) -> float:
        """The ``q`` quantile in milliseconds (nearest rank)."""
        ordered = sorted(self.latencies)
        return 1000.0 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]

    @property
    def rps(self) -> float:
        """Completed requests per second of wall time."""
        return len(self.latencies) / self.wall if self.wall else 0.0


class Load:
    """Requests for one operation, built up front so the clients do no work but HTTP."""

    def __init__(self, op: str, seeded: dict, count: int, rng: random.Random) -> None:
        tokens = {int(k): v for k, v in seeded["tokens"].items()}
        pairs = seeded["pairs"]
        self.op = op
        self.requests: list[tuple[str, str, bytes | None, dict[str, str]]] = []
        for _ in range(count):
            sender, recipient = rng.choice(pairs)
            auth = {"Authorization": f"Bearer {tokens[sender]}"}
            if op == "bare":
                self.requests.append(("GET", "/bare/", None, {}))
            elif op == "inbox":
                self.requests.append(("GET", "/api/conversations?folder=inbox", None, auth))
            else:
                body = json.dumps({"to": recipient, "text": message_text(rng)}).encode()
                headers = auth | {"Content-Type": "application/json"}
                self.requests.append(("POST", "/api/messages", body, headers))

    def run(self, port: int, clients: int, max_seconds: float) -> Result:
        """Closed loop: each client sends its next request when the last one is answered."""
        result = Result(self.op, clients)
        lock = threading.Lock()
        taken = itertools.count()
        deadline = time.monotonic() + max_seconds

        def client() -> None:
            conn = http.client.HTTPConnection(HOST, port, timeout=30)
            latencies, statuses, filed = [], Counter(), Counter()
            while time.monotonic() < deadline:
                i = next(taken)
                if i >= len(self.requests):
                    break
                method, path, body, headers = self.requests[i]
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    payload = response.read()
                    status = response.status
                except (OSError, http.client.HTTPException):
                    conn.close()  # the next request reconnects
                    status = 0
                    payload = b""
                latencies.append(time.perf_counter() - t0)
                statuses[status] += 1
                if self.op == "send" and status in (200, 201):
                    filed[json.loads(payload)["filed_as"]] += 1
            conn.close()
            with lock:
                result.latencies += latencies
                result.statuses.update(statuses)
                result.filed.update(filed)

        threads = [threading.Thread(target=client) for _ in range(clients)]
        t0 = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        result.wall = time.perf_counter() - t0
        return result


# --- one database -------------------------------------------------------------------------------


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(sql)


def run_database(db: str, args: argparse.Namespace, model_dir: str | None) -> list[Result]:
    """Migrate, seed, serve and load one database; always stop the server and clean up."""
    tmp = Path(tempfile.mkdtemp(prefix=f"pitchless-bench-{db}-"))
    (tmp / "bench_settings.py").write_text(
        BENCH_SETTINGS + (SQLITE_WAL if db == "sqlite-wal" else "")
    )
    (tmp / "bench_urls.py").write_text(BENCH_URLS)
    if db.startswith("sqlite"):
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        _pg_admin(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
        _pg_admin(f'CREATE DATABASE "{args.pg_database}"')
        url = PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + args.pg_database
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "bench_settings",
        "DATABASE_URL": url,
        "PITCHLESS_ENVIRONMENT": "production",
        "PITCHLESS_SECRET_KEY": secrets.token_urlsafe(50),
        "PITCHLESS_SSL_REDIRECT": "false",
        "PITCHLESS_ALLOWED_HOSTS": HOST,
        "PITCHLESS_VAR_DIR": str(tmp / "var"),
        "PITCHLESS_LOG_LEVEL": "WARNING",
    }
    if model_dir:
        env["PITCHLESS_GUARD_MODEL_DIR"] = model_dir
    server = Server(env, args.port or _free_port(), tmp / "gunicorn.log")
    results: list[Result] = []
    try:
        python = [sys.executable]
        subprocess.run(
            [*python, "-m", "django", "migrate", "--noinput", "-v0"], env=env, cwd=ROOT, check=True
        )
        seeded_path = tmp / "seed.json"
        t0 = time.perf_counter()
        subprocess.run(
            [*python, __file__, "_seed", str(args.members), str(args.degree), str(seeded_path)],
            env=env,
            cwd=ROOT,
            check=True,
        )
        seeded = json.loads(seeded_path.read_text())
        print(
            f"{db}: load average {_load()}; seeded {args.members} members, "
            f"{len(seeded['pairs'])} connection rows "
            f"in {time.perf_counter() - t0:.1f} s; gunicorn {args.workers} workers"
            + (f" x {args.threads} threads" if args.threads > 1 else " (sync)")
        )
        server.start(args.workers, args.threads, preload=args.preload)
        rng = random.Random(42)
        for clients in args.concurrency:
            for op in OPERATIONS:
                Load(op, seeded, min(200, args.requests), rng).run(server.port, clients, 30)
                result = Load(op, seeded, args.requests, rng).run(
                    server.port, clients, args.max_seconds
                )
                results.append(result)
                _print_row(db, result)
        for role, pid, rss, pss, private in server.memory():
            print(
                f"  {db:8} memory after the load, {role} {pid}: RSS {rss:.1f} MiB, PSS {pss:.1f} "
                f"MiB, private {private:.1f} MiB "
                f"({'preloaded' if args.preload else 'not preloaded'})"
            )
        server.stop()
        if args.profile:
            subprocess.run(
                [*python, __file__, "_profile", str(args.profile)], env=env, cwd=ROOT, check=True
            )
    finally:
        server.stop()
        if db == "postgres":
            _pg_admin(f'DROP DATABASE IF EXISTS "{args.pg_database}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)
    return results


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _print_row(db: str, r: Result) -> None:
    bad = {status: n for status, n in sorted(r.statuses.items()) if not 200 <= status < 300}
    errors = sum(bad.values())
    extra = f" {bad}" if bad else ""
    extra += f"  filed {dict(r.filed)}" if r.filed else ""
    print(
        f"  {db:8} {r.op:6} c={r.clients:<3} n={len(r.latencies):<5} "
        f"p50 {r.pct(0.50):7.1f} ms  p95 {r.pct(0.95):7.1f} ms  p99 {r.pct(0.99):7.1f} ms  "
        f"{r.rps:7.1f} req/s  errors {errors}{extra}",
        flush=True,
    )


def _summary(results: list[Result], db: str) -> None:
    by = {(r.op, r.clients): r for r in results}
    for clients in sorted({r.clients for r in results}):
        bare, send, inbox = (by.get((op, clients)) for op in OPERATIONS)
        if not (bare and send and inbox):
            continue
        print(
            f"  {db:8} c={clients:<3} send p95 {send.pct(0.95):.1f} ms (target <= 100): "
            f"{'met' if send.pct(0.95) <= 100 else 'MISSED'}; "
            f"send {100 * send.rps / bare.rps:.1f}% of bare throughput (target >= 10%): "
            f"{'met' if send.rps >= 0.1 * bare.rps else 'MISSED'}; "
            f"inbox {100 * inbox.rps / bare.rps:.1f}% of bare"
        )


def main(argv: list[str] | None = None) -> int:
    """Parse the options and run the load on each database."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_seed"]:
        seed(int(argv[1]), int(argv[2]), Path(argv[3]))
        return 0
    if argv[:1] == ["_profile"]:
        profile(int(argv[1]))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=textwrap.dedent(__doc__.split("\n\n", 1)[1]),
    )
    parser.add_argument(
        "--db",
        type=lambda s: s.split(","),
        default=["sqlite", "postgres"],
        help="comma-separated: sqlite, postgres, sqlite-wal (SQLite with WAL and immediate "
        "transactions, set by the bench only); default sqlite,postgres",
    )
    parser.add_argument(
        "--concurrency",
        type=lambda s: [int(x) for x in s.split(",")],
        default=[16],
        help="comma-separated client counts (default 16)",
    )
    parser.add_argument("--requests", type=int, default=1500, help="per operation and level")
    parser.add_argument("--max-seconds", type=float, default=120, help="cap per operation")
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--degree", type=int, default=10, help="connections made per member")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--threads", type=int, default=1, help=">1 uses gthread workers")
    parser.add_argument("--port", type=int, default=0, help="default: a free port")
    parser.add_argument(
        "--preload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="load the app in the gunicorn master, as `pitchless serve` does (default)",
    )
    parser.add_argument(
        "--pg-database",
        default=PG_BENCH_DB,
        help="the PostgreSQL database to create and drop (default %(default)s)",
    )
    parser.add_argument("--profile", type=int, default=100, help="in-process sends; 0 skips")
    parser.add_argument("--model-dir", default=os.environ.get("PITCHLESS_GUARD_MODEL_DIR"))
    args = parser.parse_args(argv)

    sys.path.insert(0, str(ROOT))
    from pitchless.guard._textmodel import DEFAULT_MODEL_DIR

    if not args.model_dir and not (DEFAULT_MODEL_DIR / "pitch_model.json").is_file():
        parser.error(
            "no guard model: pass --model-dir (pitchless guard train --data DIR --out DIR "
            "makes one); without a model every send would be delivered unchecked"
        )
    print(
        f"web_load: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{args.requests} requests per operation, clients {args.concurrency}, "
        f"load average {_load()}"
    )
    unknown = set(args.db) - {"sqlite", "sqlite-wal", "postgres"}
    if unknown:
        parser.error(f"unknown database: {', '.join(sorted(unknown))}")
    for db in args.db:
        results = run_database(db, args, args.model_dir)
        _summary(results, db)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
