"""In-process CPU per API request, beside a bare endpoint behind the same middleware.

For each database (a fresh SQLite file in a temporary folder; on PostgreSQL a database created
here from ``--pg-url`` and dropped at the end) the bench migrates, seeds members, connections,
conversations with messages, pending invitations, published listings and an API token each,
then sends whole requests through Django's test client (no HTTP, no gunicorn, with production
settings and the site's middleware), as real clients send them (``Authorization: Bearer``):

- ``bare``: ``GET /bare/``, a ``JsonResponse`` view that touches no database, added by a URLconf
  this bench generates in its temporary folder (the site's URLs plus that one view);
- ``send``: ``POST /api/messages {to, text}`` to a connection (a quarter of the texts pitches);
- ``inbox``: ``GET /api/conversations?folder=inbox``;
- ``conversation``: ``GET /api/conversations/<id>/messages``;
- ``accept``: ``POST /api/invitations/<id>/accept`` of a seeded pending invitation;
- ``search``: ``GET /api/listings?q=<one or two words>``.

Each request's CPU time is ``time.process_time()`` around it (every thread of the process, so
the guard's scoring thread counts); the operations are interleaved in small batches so that a
change in the machine's load hits all of them alike. It prints, per operation, the median and
p95 CPU ms, the ratio of the median to the bare endpoint's, the median wall ms and the
statements per request (a separate pass with a statement counter), then a cProfile top 20 of
each operation (by the wall clock, or with ``--profile-clock cpu`` the process's CPU time),
written in full to ``--profile-dir`` (text, and ``.prof`` for pstats) and summarised here.
A benchmark that prints figures, not a test.

    .venv/bin/python bench/request_cpu.py [--db sqlite,postgres] [--iterations 200]
        [--pg-url postgres://postgres@127.0.0.1:5432/pitchless_cpu] [--model-dir DIR]
        [--profile-dir var/request_cpu] [--profile-clock wall|cpu]

Without ``--model-dir`` the guard's bundled model is used. Mail notices are turned off for the
seeded members (in production a worker sends them, not the web process); the near-duplicate
index is the database table (no ``REDIS_URL``) and the cache is per process, as on a site
without Redis.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import pstats
import random
import secrets
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
OPERATIONS = ("bare", "send", "inbox", "conversation", "accept", "search")
DEFAULT_PG_URL = "postgres://postgres@127.0.0.1:5432/pitchless_cpu"

BENCH_SETTINGS = '''\
"""The site's settings (production through the environment), with the bench's URLconf."""
from pitchless.config.settings import *  # noqa: F403

ROOT_URLCONF = "bench_cpu_urls"
'''

BENCH_URLS = '''\
"""The site's URLs plus /bare/: a JSON view with no database work, for comparison."""
from django.http import JsonResponse
from django.urls import include, path


def bare(request):
    return JsonResponse({"ok": True, "service": "pitchless"})


urlpatterns = [path("bare/", bare), path("", include("pitchless.config.urls"))]
'''

_GREETINGS = ["Hi {n},", "Hello {n},", "Hey {n}!", "Good morning {n},", "{n},"]
_ORDINARY = [
    "thanks for the talk on {t} yesterday, the part about {u} stayed with me.",
    "are you going to the {t} meetup on the {d}th? We could share a table.",
    "I read your post about {u}. We tried the same at {c} and hit the {t} wall too.",
    "congratulations on the move to {c}! How is the {t} team treating you?",
    "could you send me the slides on {u} when you have a minute?",
    "happy to review your {u} draft this week, send it over whenever.",
]
_PITCHES = [
    "our {t} platform helps teams like {c} cut {u} costs by {d}%. Pricing starts at ${p} per "
    "month. Can I book a quick 15-minute demo this week?",
    "we are an agency specialised in {t}. Our services start at ${p}; free trial for {c} this "
    "month only. When can we jump on a quick call?",
    "exclusive offer for {c}: {d}% discount on our {t} suite if you sign before Friday. "
    "Pricing from ${p}. Interested?",
]
_TOPICS = ["data", "hiring", "cloud", "design", "security", "analytics", "payments", "mobile"]
_THINGS = ["dashboards", "on-call", "migrations", "pricing pages", "interviews", "backlogs"]
_COMPANIES = ["Acme", "Globex", "Initech", "Hooli", "Umbrella", "Stark", "Wayne", "Tyrell"]
_NAMES = ["Ana", "Bo", "Chidi", "Dana", "Eero", "Fatima", "Goran", "Hiro", "Ines", "Jonas"]
_LISTING_WORDS = [
    "logo design",
    "data dashboard",
    "cloud migration",
    "security audit",
    "mobile app",
    "payments integration",
    "hiring pipeline",
    "analytics report",
    "brand identity",
    "copywriting",
]
_PLACES = ["Berlin", "Lisbon", "Zurich", "Nairobi", "Austin", "Osaka"]


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


# --- seed (in the child, with the site's settings) ----------------------------------------------


def seed(members: int, degree: int, invitations: int, rng: random.Random) -> dict:
    """Members, connections both ways, a conversation per connected pair with four messages,
    pending invitations from members further away, listings, and one API token each."""
    from datetime import timedelta

    from django.contrib.auth.hashers import make_password
    from django.utils import timezone

    from pitchless.api.models import ApiToken
    from pitchless.api.services import TOKEN_PREFIX, digest
    from pitchless.exchange import services as exchange
    from pitchless.exchange.models import Category
    from pitchless.members.models import Member
    from pitchless.network.models import (
        Connection,
        Conversation,
        Invitation,
        Message,
        Participant,
    )

    now = timezone.now()
    password = make_password("bench password not used")
    Member.objects.bulk_create(
        Member(
            email=f"member{i}@bench.pitchless.test",
            password=password,
            name=f"{_NAMES[i % len(_NAMES)]} Bench{i}",
            headline="Benchmark member",
            date_joined=now - timedelta(days=365),
            notify_messages=False,
        )
        for i in range(members)
    )
    ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    pairs: list[tuple[int, int]] = []
    connections = []
    for i, a in enumerate(ids):
        for step in range(1, degree + 1):
            b = ids[(i + step) % len(ids)]
            at = now - (timedelta(minutes=3) if rng.random() < 0.2 else timedelta(days=90))
            connections += [
                Connection(member_id=a, other_id=b, created_at=at),
                Connection(member_id=b, other_id=a, created_at=at),
            ]
            pairs += [(a, b), (b, a)]
    Connection.objects.bulk_create(connections, batch_size=2000)

    # A conversation for half the pairs, four messages each, sides kept as the services keep them.
    talk = [(a, b) for a, b in pairs[::4]]
    started = now - timedelta(days=2)
    conversations = Conversation.objects.bulk_create(
        [Conversation(started_by_id=a, created_at=started, last_message_at=now) for a, _ in talk],
        batch_size=2000,
    )
    if conversations[0].pk is None:  # backends that do not return ids
        conversations = list(Conversation.objects.order_by("pk"))
    messages = []
    for conv, (a, b) in zip(conversations, talk, strict=True):
        for k in range(4):
            sender, recipient = (a, b) if k % 2 == 0 else (b, a)
            messages.append(
                Message(
                    conversation_id=conv.pk,
                    sender_id=sender,
                    recipient_id=recipient,
                    text=message_text(rng),
                    created_at=started + timedelta(hours=k),
                    filed_as=Message.Filing.INBOX,
                    check_status=Message.Check.CHECKED,
                    guard_score=0.1,
                    guard_reasons=[],
                )
            )
    Message.objects.bulk_create(messages, batch_size=2000)
    last = {}
    for conv_id, pk, at in Message.objects.values_list("conversation_id", "pk", "created_at"):
        if conv_id not in last or pk > last[conv_id][0]:
            last[conv_id] = (pk, at)
    sides = []
    for conv, (a, b) in zip(conversations, talk, strict=True):
        pk, at = last[conv.pk]
        for member, other in ((a, b), (b, a)):
            sides.append(
                Participant(
                    conversation_id=conv.pk,
                    member_id=member,
                    other_id=other,
                    last_message_id=pk,
                    last_message_at=at,
                    unread=1,
                )
            )
    Participant.objects.bulk_create(sides, batch_size=2000)
    Conversation.objects.update(last_message_at=started + timedelta(hours=3))

    # Pending invitations from members that are not connections (half the ring away).
    pending = []
    for j in range(invitations):
        i = j % len(ids)
        sender = ids[(i + len(ids) // 2 + j // len(ids)) % len(ids)]
        pending.append(Invitation(sender_id=sender, recipient_id=ids[i], note="", created_at=now))
    Invitation.objects.bulk_create(pending, batch_size=2000)

    categories = list(Category.objects.values_list("slug", flat=True))
    owners = Member.objects.in_bulk(ids[:100])
    for n, owner in enumerate(owners.values()):
        for k in range(3):
            words = _LISTING_WORDS[(n + k) % len(_LISTING_WORDS)]
            exchange.create_listing(
                owner=owner,
                data=exchange.ListingInput(
                    kind="offer" if k % 2 == 0 else "request",
                    title=f"{words.title()} for {_COMPANIES[n % len(_COMPANIES)]} #{n}-{k}",
                    description=(
                        f"{words} work, {rng.choice(_TOPICS)} and {rng.choice(_THINGS)}, "
                        f"from {rng.choice(_PLACES)}; reference {n}-{k}-{rng.randint(1, 10**6)}."
                    ),
                    category=categories[(n * 3 + k) % len(categories)],
                    location=rng.choice(_PLACES),
                ),
                publish=True,
            )

    tokens = {}
    api_tokens = []
    for pk in ids:
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        tokens[pk] = raw
        api_tokens.append(ApiToken(member_id=pk, digest=digest(raw), prefix=raw[:10]))
    ApiToken.objects.bulk_create(api_tokens, batch_size=2000)
    mine = {}
    for conv_id, member in Participant.objects.values_list("conversation_id", "member_id"):
        mine.setdefault(member, []).append(conv_id)
    invites = list(
        Invitation.objects.filter(status="pending").values_list("pk", "recipient_id").order_by("pk")
    )
    return {"tokens": tokens, "pairs": pairs, "conversations": mine, "invitations": invites}


# --- measure (in the child) ---------------------------------------------------------------------


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def measure(args: argparse.Namespace) -> dict:
    """Seed, then time each operation; returns the figures (also written as JSON)."""
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client

    call_command("migrate", verbosity=0, interactive=False)
    rng = random.Random(42)
    t0 = time.perf_counter()
    invitations_needed = (args.iterations + 60 + args.profile_requests) * 2
    seeded = seed(args.members, args.degree, invitations_needed, rng)
    seeded_in = time.perf_counter() - t0
    tokens = {int(k): v for k, v in seeded["tokens"].items()}
    pairs = seeded["pairs"]
    conversations = {int(k): v for k, v in seeded["conversations"].items()}
    invitations = list(seeded["invitations"])
    client = Client(HTTP_HOST=HOST)

    def auth(member: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens[member]}"}

    def bare() -> int:
        return client.get("/bare/").status_code

    def send() -> int:
        a, b = rng.choice(pairs)
        return client.post(
            "/api/messages",
            json.dumps({"to": b, "text": message_text(rng)}),
            content_type="application/json",
            headers=auth(a),
        ).status_code

    readers = list(conversations)

    def inbox() -> int:
        member = rng.choice(readers)
        return client.get(
            "/api/conversations", {"folder": "inbox"}, headers=auth(member)
        ).status_code

    def conversation() -> int:
        member = rng.choice(readers)
        conv = rng.choice(conversations[member])
        return client.get(f"/api/conversations/{conv}/messages", headers=auth(member)).status_code

    def accept() -> int:
        pk, recipient = invitations.pop()
        return client.post(f"/api/invitations/{pk}/accept", headers=auth(recipient)).status_code

    def search() -> int:
        words = rng.choice(_LISTING_WORDS).split()
        q = " ".join(words[: rng.randint(1, len(words))])
        return client.get("/api/listings", {"q": q}, headers=auth(rng.choice(readers))).status_code

    ops = {
        "bare": bare,
        "send": send,
        "inbox": inbox,
        "conversation": conversation,
        "accept": accept,
        "search": search,
    }
    ops = {name: ops[name] for name in args.ops}

    def run(name: str) -> None:
        status = ops[name]()
        if not 200 <= status < 300:
            raise SystemExit(f"{name} answered {status}")

    for name in ops:  # warm up: model loaded, tokens cached, statements compiled once
        for _ in range(30):
            run(name)

    # Statements per request: a separate pass, so the counter's cost is not in the CPU times.
    statements: dict[str, list[int]] = {}
    seen: list[str] = []

    def count(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    last_sql: dict[str, list[str]] = {}
    for name in ops:
        statements[name] = []
        for _ in range(20):
            seen.clear()
            with connection.execute_wrapper(count):
                run(name)
            statements[name].append(len(seen))
        last_sql[name] = list(seen)

    cpu: dict[str, list[float]] = {name: [] for name in ops}
    wall: dict[str, list[float]] = {name: [] for name in ops}
    batch = 10
    for _ in range(max(1, args.iterations // batch)):
        for name in ops:
            for _ in range(batch):
                w0 = time.perf_counter()
                c0 = time.process_time()
                run(name)
                cpu[name].append(time.process_time() - c0)
                wall[name].append(time.perf_counter() - w0)

    profiles: dict[str, list[tuple[str, float, float]]] = {}
    out_dir = Path(args.profile_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    for name in ops:
        # The CPU clock shows where the process burns its time; the wall clock (the
        # default) also counts the waits for the database and the guard's thread.
        prof = (
            cProfile.Profile(time.process_time)
            if args.profile_clock == "cpu"
            else cProfile.Profile()
        )
        for _ in range(args.profile_requests):
            prof.enable()
            run(name)
            prof.disable()
        buffer = io.StringIO()
        stats = pstats.Stats(prof, stream=buffer)
        total = stats.total_tt  # type: ignore[attr-defined]
        buffer.write(f"{name} on {args.engine}: {args.profile_requests} requests profiled\n\n")
        stats.sort_stats("tottime").print_stats(20)
        stats.sort_stats("cumulative").print_stats(20)
        (out_dir / f"{args.engine}-{name}.txt").write_text(buffer.getvalue())
        # the whole profile too, for pstats (callers, callees)
        prof.dump_stats(out_dir / f"{args.engine}-{name}.prof")
        top = sorted(
            stats.stats.items(),  # type: ignore[attr-defined]
            key=lambda item: item[1][2],
            reverse=True,
        )[:5]
        profiles[name] = [
            (f"{Path(f).name}:{line}({fn})", tt / args.profile_requests * 1000, tt / total)
            for (f, line, fn), (_, _, tt, _, _) in top
        ]

    return {
        "engine": args.engine,
        "vendor": connection.vendor,
        "seeded_seconds": seeded_in,
        "load": os.getloadavg(),
        "cpu": cpu,
        "wall": wall,
        "statements": statements,
        "last_sql": {k: [s[:160] for s in v] for k, v in last_sql.items()},
        "profiles": profiles,
    }


# --- the parent --------------------------------------------------------------------------------


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql)


def run_engine(engine: str, args: argparse.Namespace) -> dict:
    """Run the measuring child for one database; always drop what it created."""
    tmp = Path(tempfile.mkdtemp(prefix=f"pitchless-cpu-{engine}-"))
    (tmp / "bench_cpu_settings.py").write_text(BENCH_SETTINGS)
    (tmp / "bench_cpu_urls.py").write_text(BENCH_URLS)
    pg_name = args.pg_url.rsplit("/", 1)[1]
    if engine == "sqlite":
        url = f"sqlite:///{tmp / 'bench.sqlite3'}"
    else:
        _pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        _pg_admin(args.pg_url, f'CREATE DATABASE "{pg_name}"')
        url = args.pg_url
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith("PITCHLESS_") and key not in ("REDIS_URL", "DATABASE_URL")
    }
    env |= {
        "PYTHONPATH": os.pathsep.join([str(tmp), str(ROOT)]),
        "DJANGO_SETTINGS_MODULE": "bench_cpu_settings",
        "DATABASE_URL": url,
        "PITCHLESS_ENVIRONMENT": "production",
        "PITCHLESS_SECRET_KEY": secrets.token_urlsafe(50),
        "PITCHLESS_SSL_REDIRECT": "false",
        "PITCHLESS_ALLOWED_HOSTS": HOST,
        "PITCHLESS_VAR_DIR": str(tmp / "var"),
        "PITCHLESS_LOG_LEVEL": "WARNING",
    }
    if args.model_dir:
        env["PITCHLESS_GUARD_MODEL_DIR"] = str(Path(args.model_dir).resolve())
    out = tmp / "figures.json"
    try:
        subprocess.run(
            [
                sys.executable,
                __file__,
                "_measure",
                engine,
                str(out),
                json.dumps(
                    {
                        "iterations": args.iterations,
                        "members": args.members,
                        "degree": args.degree,
                        "profile_requests": args.profile_requests,
                        "profile_dir": str(Path(args.profile_dir).resolve()),
                        "profile_clock": args.profile_clock,
                        "ops": args.ops,
                    }
                ),
            ],
            env=env,
            cwd=ROOT,
            check=True,
        )
        return json.loads(out.read_text())
    finally:
        if engine == "postgres":
            _pg_admin(args.pg_url, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
        shutil.rmtree(tmp, ignore_errors=True)


def report(figures: dict) -> None:
    """Print one database's table and profile summary."""
    ms = 1000.0
    cpu, wall = figures["cpu"], figures["wall"]
    bare = statistics.median(cpu["bare"]) if "bare" in cpu else None
    load = " ".join(f"{x:.2f}" for x in figures["load"])
    print(
        f"\n{figures['engine']} ({figures['vendor']}): seeded in {figures['seeded_seconds']:.1f} s;"
        f" load average after {load}"
    )
    print(
        f"  {'operation':13} {'n':>5} {'CPU p50':>9} {'CPU p95':>9} {'x bare':>7} "
        f"{'wall p50':>9} {'statements':>10}"
    )
    for name, values in cpu.items():
        median = statistics.median(values)
        ratio = f"{median / bare:6.1f}x" if bare else "     -"
        counts = figures["statements"][name]
        print(
            f"  {name:13} {len(values):5} {median * ms:7.2f}ms {_pct(values, 0.95) * ms:7.2f}ms "
            f"{ratio:>7} {statistics.median(wall[name]) * ms:7.2f}ms "
            f"{statistics.median(counts):6.0f} (max {max(counts)})"
        )
    print("  cProfile, own time per request of the five costliest functions:")
    for name, top in figures["profiles"].items():
        parts = ", ".join(f"{fn} {per:.2f}ms ({share:.0%})" for fn, per, share in top)
        print(f"    {name}: {parts}")


def main(argv: list[str] | None = None) -> int:
    """Parse the options and measure each database."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_measure"]:
        options = json.loads(argv[3])
        ns = argparse.Namespace(engine=argv[1], **options)
        figures = measure(ns)
        Path(argv[2]).write_text(json.dumps(figures))
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
        help="comma-separated: sqlite, postgres (default both)",
    )
    parser.add_argument("--iterations", type=int, default=200, help="timed requests per operation")
    parser.add_argument(
        "--ops",
        type=lambda s: s.split(","),
        default=list(OPERATIONS),
        help=f"comma-separated subset of {','.join(OPERATIONS)}",
    )
    parser.add_argument("--members", type=int, default=400)
    parser.add_argument("--degree", type=int, default=10, help="connections made per member")
    parser.add_argument("--profile-requests", type=int, default=50, help="per operation")
    parser.add_argument("--profile-dir", default=str(ROOT / "var" / "request_cpu"))
    parser.add_argument(
        "--profile-clock",
        choices=("wall", "cpu"),
        default="wall",
        help="the clock of the cProfile pass: wall time, or the process's CPU time",
    )
    parser.add_argument(
        "--pg-url",
        default=os.environ.get("PITCHLESS_BENCH_PG_URL", DEFAULT_PG_URL),
        help="the PostgreSQL database to create, use and drop (default %(default)s)",
    )
    parser.add_argument("--model-dir", default=None, help="default: the bundled model")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    parser.add_argument(
        "--show-statements", action="store_true", help="print the statements of one request each"
    )
    args = parser.parse_args(argv)
    unknown = set(args.db) - {"sqlite", "postgres"} or set(args.ops) - set(OPERATIONS)
    if unknown:
        parser.error(f"unknown: {', '.join(sorted(unknown))}")
    print(
        f"request_cpu: {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"{args.iterations} timed requests per operation, load average "
        + " ".join(f"{x:.2f}" for x in os.getloadavg())
    )
    everything = []
    for engine in args.db:
        figures = run_engine(engine, args)
        everything.append(figures)
        report(figures)
        if args.show_statements:
            for name, sql in figures["last_sql"].items():
                print(f"  statements of one {name}:")
                for statement in sql:
                    print(f"    {statement}")
    print(f"\nprofiles written to {args.profile_dir}")
    if args.json:
        Path(args.json).write_text(json.dumps(everything))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
