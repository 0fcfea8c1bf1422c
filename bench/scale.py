"""Pitchless at size: seed a large PostgreSQL database, then drive the production server with a
mixed load of API requests and report latency, throughput, memory and query plans.

Seeding (``--reuse`` skips it) drops and creates the database ``scale``, migrates it and fills it
with synthetic data generated here from word lists (no data files, no real messages), loaded
with ``COPY ... FROM STDIN`` with the secondary indexes and foreign keys dropped around the load:

- members (``--members``, 100,000): one password hash, made once with Django's hasher, for all;
- connections (``--connections``, 1,000,000 *pairs*): the app stores a connection as two rows
  (a->b and b->a), so the table holds twice as many rows;
- messages (``--messages``, 5,000,000) in conversations of 1 to 19 messages between connected
  members, with both ``Participant`` rows per conversation and their ``last_message``,
  ``last_message_at``, folder and unread count kept as the services keep them;
- pending invitations: ``--invitations`` (100,000) between members not yet connected, plus 40
  to each load member (for the "accept" operation);
- listings (``--listings``, 200,000): published, not expired, across every category.

The load starts gunicorn (2 workers, production settings) and one Celery worker on Redis against
that database, logs ``--clients``-many members in through ``POST /api/auth/token`` and replays
a mix of bearer-token API requests at each concurrency level for ``--seconds`` (closed loop,
bounded by ``--max-requests`` too):

- ``send``: ``POST /api/messages`` to one of the member's connections;
- ``inbox``: ``GET /api/conversations?folder=inbox``;
- ``conversation``: ``GET /api/conversations/<id>/messages`` of one of the member's;
- ``search``: ``GET /api/listings?q=...`` (only when the Exchange API is installed);
- ``accept``: ``POST /api/invitations/<id>/accept`` of a pending invitation to the member.

It prints p50/p95/p99 per operation and level, requests/s, non-2xx counts, the peak RSS of each
server process, the slowest statements from ``pg_stat_statements`` (when preloaded) and the
plans (``EXPLAIN (ANALYZE, BUFFERS)``) of every statement of one request per operation, run
in-process, with any sequential scan of a large table called out.

    .venv/bin/python bench/scale.py [--quick] [--reuse] [--levels 8,16,32] [--seconds 40]
        [--no-search] [--plans-only] [--seed-only]
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
DB_NAME = "scale"
PASSWORD = "scale bench password 1"
EMAIL = "member{}@scale.pitchless.test"
#: members ``1..LOAD_MEMBERS`` are the ones the load logs in as
LOAD_MEMBERS = 256
INVITES_PER_LOAD_MEMBER = 40
#: tables big enough that a sequential scan of one in a hot path is a bug
BIG_TABLES = (
    "members_member",
    "network_connection",
    "network_conversation",
    "network_participant",
    "network_message",
    "network_invitation",
    "exchange_listing",
    "api_apitoken",
)
OPERATIONS = ("send", "inbox", "conversation", "search", "accept")
WEIGHTS = {"send": 30, "inbox": 30, "conversation": 20, "search": 15, "accept": 5}


def _words(text: str) -> list[str]:
    return text.split()


# --- synthetic text -------------------------------------------------------------------------------

_FIRST = _words(
    "Ana Bo Chidi Dana Eero Fatima Goran Hiro Ines Jonas Kemal Lena Mateo Nia Omar Priya Quinn "
    "Rosa Sven Tomas Uma Vera Wen Xavi Yara Zane"
)
_LAST = _words(
    "Adler Baptiste Chen Duarte Eriksen Fischer Garcia Haddad Ivanova Jensen Kowalski Lindqvist "
    "Moreau Nakamura Okafor Petrov Quispe Rossi Schmidt Tanaka Usman Varga Weber Yilmaz Zhou"
)
_ROLES = _words(
    "engineer designer recruiter founder consultant analyst accountant lawyer writer translator "
    "photographer researcher manager director architect developer marketer trainer coach"
)
_FIELDS = _words(
    "data cloud security payments mobile analytics hiring logistics design finance tax legal "
    "marketing sales research hardware events training"
)
_COMPANIES = _words(
    "Acme Globex Initech Hooli Umbrella Stark Wayne Tyrell Cyberdyne Soylent Vandelay Wonka "
    "Oscorp Aperture Monarch Gringotts"
)
_CITIES = _words(
    "Lisbon Berlin Paris Madrid Warsaw Prague Vienna Dublin Oslo Helsinki Tallinn Riga Porto "
    "Lyon Milan Zurich Brussels Amsterdam"
)
_NOUNS = _words(
    "dashboard migration pipeline audit roadmap interview workshop invoice contract prototype "
    "report campaign website brochure translation course server laptop desk podcast video "
    "survey"
)
_ADJ = _words(
    "fast reliable senior remote affordable certified bilingual experienced small large weekly "
    "monthly urgent careful modern"
)
_ORDINARY = [
    "thanks for the talk on {f} yesterday, the part about the {n} stayed with me.",
    "are you going to the {f} meetup in {c}? We could share a table.",
    "I read your post about the {n}. We tried the same at {o} and hit the same wall.",
    "congratulations on the move to {o}! How is the {f} team treating you?",
    "could you send me the slides on the {n} when you have a minute?",
    "happy to review your {n} draft this week, send it over whenever.",
    "the {f} workshop moved to {c}, see you there.",
    "do you still have the notes from the {n} session? Mine got lost.",
    "good news: the {n} shipped on time. Thanks again for the help with {f}.",
    "are you free for coffee next week? I am in {c} from Tuesday.",
]
_PITCH = [
    "our {f} platform helps teams like {o} cut costs by {d}%. Pricing starts at ${p} per month. "
    "Can I book a quick 15-minute demo this week?",
    "we are an agency specialised in {f}. Our services start at ${p}; free trial for {o} this "
    "month only. When can we jump on a quick call?",
    "exclusive offer for {o}: {d}% discount on our {f} suite if you sign before Friday.",
]


#: ``guard_reasons`` of a seeded pitch, as the guard stores them
_PITCH_REASONS = json.dumps(
    [
        {"code": "offer", "text": "It offers a product or service."},
        {"code": "call_to_action", "text": "It asks for a call or a demo."},
    ]
)


def _fill(rng: random.Random, template: str) -> str:
    return template.format(
        f=rng.choice(_FIELDS),
        n=rng.choice(_NOUNS),
        c=rng.choice(_CITIES),
        o=rng.choice(_COMPANIES),
        d=rng.randint(5, 60),
        p=rng.choice([49, 99, 199, 499]),
    )


def message_text(rng: random.Random, *, pitch: bool = False) -> str:
    """One synthetic message of one to three sentences."""
    name = rng.choice(_FIRST)
    if pitch:
        return f"Hi {name}, " + _fill(rng, rng.choice(_PITCH))
    sentences = [_fill(rng, rng.choice(_ORDINARY)) for _ in range(rng.randint(1, 3))]
    return f"Hi {name}, " + " ".join(s[0].upper() + s[1:] for s in sentences)


def listing_title(rng: random.Random) -> str:
    """A listing title made of vocabulary words (the words the search load asks for)."""
    return (
        f"{rng.choice(_ADJ).capitalize()} {rng.choice(_FIELDS)} {rng.choice(_NOUNS)} "
        f"by a {rng.choice(_ROLES)} in {rng.choice(_CITIES)}"
    )


def listing_description(rng: random.Random) -> str:
    """A few sentences describing a listing."""
    parts = []
    for _ in range(rng.randint(3, 7)):
        parts.append(
            f"We deliver {rng.choice(_ADJ)} {rng.choice(_FIELDS)} work: a {rng.choice(_NOUNS)}, "
            f"a {rng.choice(_NOUNS)} and a {rng.choice(_NOUNS)} for teams in "
            f"{rng.choice(_CITIES)}, run by a {rng.choice(_ROLES)}."
        )
    return " ".join(parts)


def search_terms(rng: random.Random) -> str:
    """A query as members type them: one or two vocabulary words, sometimes a city."""
    words = [rng.choice(_FIELDS + _NOUNS + _ROLES)]
    if rng.random() < 0.5:
        words.append(rng.choice(_NOUNS + _CITIES + _ADJ))
    return " ".join(words)


# --- seeding --------------------------------------------------------------------------------------


def _ts(seconds: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S+00", time.gmtime(seconds))


def _pg(dbname: str = "postgres", autocommit: bool = True):
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=autocommit)


def _drop_secondary(conn, table: str) -> list[str]:
    """Drop ``table``'s foreign keys, unique constraints and plain indexes (not the primary key);
    return the statements that put them back, indexes first."""
    rows = conn.execute(
        "SELECT conname, contype, pg_get_constraintdef(oid), conindid::regclass::text "
        "FROM pg_constraint WHERE conrelid = %s::regclass AND contype IN ('f', 'u', 'p')",
        [table],
    ).fetchall()
    constraint_indexes = {index for _, kind, _, index in rows if kind in ("u", "p")}
    indexes = conn.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s", [table]
    ).fetchall()
    restore = [d for name, d in indexes if name not in constraint_indexes]
    for name, _ in indexes:
        if name not in constraint_indexes:
            conn.execute(f'DROP INDEX "{name}"')
    for kind in ("u", "f"):
        for name, k, definition, _ in rows:
            if k == kind:
                conn.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
                restore.append(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
    return restore


class Copier:
    """COPY rows into one table in big text chunks (tab-separated, ``\\N`` for NULL)."""

    def __init__(self, cursor, table: str, columns: str) -> None:
        self.table = table
        self._cm = cursor.copy(f'COPY "{table}" ({columns}) FROM STDIN')
        self._copy = self._cm.__enter__()
        self._buf: list[str] = []
        self.rows = 0

    def add(self, line: str) -> None:
        """Queue one row (fields already joined by tabs, no newline)."""
        self._buf.append(line)
        if len(self._buf) >= 20000:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            self._copy.write("\n".join(self._buf) + "\n")
            self.rows += len(self._buf)
            self._buf = []

    def close(self) -> None:
        """Send what is left and end the COPY."""
        self._flush()
        self._cm.__exit__(None, None, None)


@dataclass
class Sizes:
    """How much to seed."""

    members: int
    connections: int
    messages: int
    listings: int
    invitations: int


def seed(sizes: Sizes, seed_value: int = 1) -> dict[str, float]:
    """Create, migrate and fill the ``scale`` database; returns seconds per step."""
    timings: dict[str, float] = {}
    t_all = time.perf_counter()
    with _pg() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        admin.execute(f"CREATE DATABASE {DB_NAME}")
    env = _django_env(tempfile.gettempdir())
    t0 = time.perf_counter()
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env, check=True
    )
    timings["migrate"] = time.perf_counter() - t0
    password = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.contrib.auth.hashers import "
            f"make_password; print(make_password({PASSWORD!r}))",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()

    rng = random.Random(seed_value)
    now = time.time()
    n = sizes.members
    conn = _pg(DB_NAME, autocommit=False)
    conn.execute("SET synchronous_commit = off")
    conn.execute("SET maintenance_work_mem = '1GB'")
    conn.execute("SET max_parallel_maintenance_workers = 2")
    tables = [
        "members_member",
        "network_connection",
        "network_conversation",
        "network_participant",
        "network_message",
        "network_invitation",
        "exchange_listing",
    ]
    restore: dict[str, list[str]] = {}
    for table in reversed(tables):  # foreign keys first, then what they point at
        restore[table] = _drop_secondary(conn, table)
    conn.commit()
    cur = conn.cursor()

    # Members.
    t0 = time.perf_counter()
    copy = Copier(
        cur,
        "members_member",
        "id, password, is_superuser, email, name, headline, company, location, about, avatar, "
        "accept_pitches, offer_categories, invitations_from, notify_invitations, "
        "notify_messages, is_active, is_staff, date_joined, suspension_reason",
    )
    for i in range(1, n + 1):
        name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        headline = f"{rng.choice(_ADJ).capitalize()} {rng.choice(_FIELDS)} {rng.choice(_ROLES)}"
        joined = _ts(now - 86400 * (60 + rng.random() * 700))
        copy.add(
            f"{i}\t{password}\tf\t{EMAIL.format(i)}\t{name}\t{headline}\t"
            f"{rng.choice(_COMPANIES)}\t{rng.choice(_CITIES)}\t\t\t"
            f"{'t' if rng.random() < 0.1 else 'f'}\t\teveryone\tt\tt\tt\tf\t{joined}\t"
        )
    copy.close()
    timings["members_member"] = time.perf_counter() - t0

    # Connections: 10 per member on average, each to a member ahead at an offset below n/2,
    # so that no pair comes up twice (from either end).
    t0 = time.perf_counter()
    per_member = max(1, sizes.connections // n)
    pairs: list[tuple[int, int]] = []
    extra = sizes.connections - per_member * n
    limit = max(per_member + 1, n // 2 - 1)
    for a in range(1, n + 1):
        k = per_member + (1 if a <= extra else 0)
        for offset in rng.sample(range(1, limit + 1), min(k, limit)):
            pairs.append((a, (a - 1 + offset) % n + 1))
    connected = {(a, b) for a, b in pairs} | {(b, a) for a, b in pairs}
    copy = Copier(cur, "network_connection", "id, created_at, member_id, other_id")
    row = 0
    pair_time: dict[tuple[int, int], float] = {}
    for a, b in pairs:
        at = now - 86400 * (30 + rng.random() * 400)
        pair_time[(a, b)] = at
        stamp = _ts(at)
        row += 1
        copy.add(f"{row}\t{stamp}\t{a}\t{b}")
        row += 1
        copy.add(f"{row}\t{stamp}\t{b}\t{a}")
    copy.close()
    timings["network_connection"] = time.perf_counter() - t0

    # Conversations, participants and messages. Conversations pick connected pairs at random;
    # the load members get theirs first so that each has some to read.
    t0 = time.perf_counter()
    order = list(range(len(pairs)))
    rng.shuffle(order)
    order.sort(key=lambda i: 0 if min(pairs[i]) <= LOAD_MEMBERS else 1)
    messages = Copier(
        cur,
        "network_message",
        "id, text, created_at, filed_as, check_status, guard_pitch, guard_score, guard_reasons, "
        "conversation_id, recipient_id, sender_id",
    )
    conversations: list[str] = []
    participants: list[str] = []
    pitch_pool = [message_text(rng, pitch=True) for _ in range(2000)]
    text_pool = [message_text(rng) for _ in range(20000)]
    message_id = 0
    for conv_id, index in enumerate(order, start=1):
        if message_id >= sizes.messages:
            break
        a, b = pairs[index]
        if rng.random() < 0.5:
            a, b = b, a  # a starts it
        count = min(rng.randint(1, 19), sizes.messages - message_id)
        at = max(pair_time[pairs[index]], now - 86400 * 365) + rng.random() * 86400 * 20
        first_pitch = rng.random() < 0.08
        last_seen = {a: None, b: None}
        unread = {a: 0, b: 0}
        replied = False
        started = at
        for k in range(count):
            message_id += 1
            sender = a if k == 0 or rng.random() < 0.5 else b
            recipient = b if sender == a else a
            replied = replied or sender == b
            pitch = k == 0 and first_pitch
            held = k == 0 and not pitch and rng.random() < 0.003
            filed = "pitches" if pitch else "held" if held else "inbox"
            text = rng.choice(pitch_pool) if pitch else rng.choice(text_pool)
            score = f"{0.7 + rng.random() * 0.3:.3f}" if pitch else f"{rng.random() * 0.3:.3f}"
            reasons = _PITCH_REASONS if pitch else "[]"
            messages.add(
                f"{message_id}\t{text}\t{_ts(at)}\t{filed}\tchecked\t{'t' if pitch else 'f'}\t"
                f"{score}\t{reasons}\t{conv_id}\t{recipient}\t{sender}"
            )
            last_seen[sender] = message_id
            if not held:
                last_seen[recipient] = message_id
                unread[recipient] += 1
            unread[sender] = 0
            last_at = at
            step = 60 + rng.random() * 86400 * 2
            # never in the future: a conversation that catches up with now goes on by seconds
            at = at + step if at + step < now - 3600 else at + 1
        conversations.append(f"{conv_id}\t{_ts(started)}\t{_ts(last_at)}\t{a}")
        stamp = _ts(last_at)
        recent = last_at > now - 86400 * 30
        for member, other in ((a, b), (b, a)):
            folder = "inbox"
            if member == b and first_pitch and not replied:
                folder = "pitches"
            elif rng.random() < 0.05:
                folder = "archive"
            seen = last_seen[member]
            participants.append(
                f"{folder}\t{unread[member] if recent else 0}\t{conv_id}\t{member}\t{other}\t"
                f"{seen if seen is not None else chr(92) + 'N'}\t{stamp}"
            )
    messages.close()
    timings["network_message"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    copy = Copier(cur, "network_conversation", "id, created_at, last_message_at, started_by_id")
    for line in conversations:
        copy.add(line)
    copy.close()
    timings["network_conversation"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    copy = Copier(
        cur,
        "network_participant",
        "folder, unread, conversation_id, member_id, other_id, last_message_id, last_message_at",
    )
    for line in participants:
        copy.add(line)
    copy.close()
    timings["network_participant"] = time.perf_counter() - t0
    del conversations, participants

    # Pending invitations between members not connected: some to every load member, the rest
    # at random.
    t0 = time.perf_counter()
    copy = Copier(
        cur,
        "network_invitation",
        "note, status, created_at, question, answer, note_is_pitch, note_reasons, "
        "recipient_id, sender_id",
    )
    invited: set[tuple[int, int]] = set()

    def invite(sender: int, recipient: int) -> None:
        if (
            sender == recipient
            or (sender, recipient) in connected
            or (sender, recipient) in invited
            or (recipient, sender) in invited
        ):
            return
        invited.add((sender, recipient))
        note = f"Hello, we met at the {rng.choice(_FIELDS)} meetup in {rng.choice(_CITIES)}."
        copy.add(
            f"{note}\tpending\t{_ts(now - rng.random() * 86400 * 60)}\t\t\tf\t[]\t"
            f"{recipient}\t{sender}"
        )

    for recipient in range(1, min(LOAD_MEMBERS, n) + 1):
        for _ in range(INVITES_PER_LOAD_MEMBER):
            invite(rng.randint(LOAD_MEMBERS + 1, n) if n > LOAD_MEMBERS else 1, recipient)
    for _ in range(sizes.invitations):
        invite(rng.randint(1, n), rng.randint(1, n))
    copy.close()
    timings["network_invitation"] = time.perf_counter() - t0

    # Listings: published in the last 29 days, so none has expired.
    t0 = time.perf_counter()
    categories = [r[0] for r in cur.execute("SELECT id FROM exchange_category").fetchall()]
    copy = Copier(
        cur,
        "exchange_listing",
        "kind, title, description, tags, price_min, price_max, currency, remote, location, "
        "status, created_at, updated_at, published_at, expires_at, moderation_reason, "
        "signature, category_id, owner_id",
    )
    descriptions = [listing_description(rng) for _ in range(5000)]
    for _ in range(sizes.listings):
        published = now - rng.random() * 86400 * 29
        low = rng.choice([50, 100, 200, 500, 1000, 5000])
        remote = rng.random() < 0.4
        tags = ",".join(rng.sample(_FIELDS, 3))
        copy.add(
            f"{'offer' if rng.random() < 0.7 else 'request'}\t{listing_title(rng)}\t"
            f"{rng.choice(descriptions)}\t{tags}\t{low}\t{low * rng.choice([1, 2, 5])}\tEUR\t"
            f"{'t' if remote else 'f'}\t{'' if remote else rng.choice(_CITIES)}\tpublished\t"
            f"{_ts(published)}\t{_ts(published)}\t{_ts(published)}\t"
            f"{_ts(published + 86400 * 30)}\t\t\t{rng.choice(categories)}\t{rng.randint(1, n)}"
        )
    copy.close()
    timings["exchange_listing"] = time.perf_counter() - t0
    conn.commit()

    # Indexes and constraints back, sequences past the ids written, statistics.
    for table in tables:
        t0 = time.perf_counter()
        for statement in restore[table]:
            conn.execute(statement)
        conn.commit()
        conn.execute(
            f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
            f"(SELECT coalesce(max(id), 0) + 1 FROM {table}), false)"
        )
        conn.commit()
        timings[f"{table} indexes"] = time.perf_counter() - t0
    t0 = time.perf_counter()
    conn.autocommit = True
    conn.execute("VACUUM (ANALYZE)")
    timings["vacuum analyze"] = time.perf_counter() - t0
    conn.close()
    timings["total"] = time.perf_counter() - t_all
    return timings


def print_sizes() -> None:
    """Rows and on-disk size per table, and the database's size."""
    with _pg(DB_NAME) as conn:
        rows = conn.execute(
            "SELECT relname, n_live_tup, pg_total_relation_size(relid), pg_relation_size(relid) "
            "FROM pg_stat_user_tables WHERE n_live_tup > 1000 ORDER BY 3 DESC"
        ).fetchall()
        size = conn.execute(f"SELECT pg_database_size('{DB_NAME}')").fetchone()[0]
    for name, live, total, heap in rows:
        print(
            f"  {name:28} {live:>11,} rows  {total / 2**20:9.1f} MiB "
            f"(table {heap / 2**20:.1f}, indexes and TOAST {(total - heap) / 2**20:.1f})"
        )
    print(f"  database {DB_NAME}: {size / 2**20:.1f} MiB")


# --- servers --------------------------------------------------------------------------------------


def _django_env(var_dir: str) -> dict[str, str]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pitchless.config.settings",
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "PITCHLESS_VAR_DIR": var_dir,
        "PYTHONPATH": str(ROOT),
    }
    env.pop("PITCHLESS_DEBUG", None)
    return env


def production_env(var_dir: str, redis_db: int) -> dict[str, str]:
    """The environment of a production deployment on this machine."""
    redis = f"redis://127.0.0.1:6379/{redis_db}"
    return _django_env(var_dir) | {
        "PITCHLESS_ENVIRONMENT": "production",
        "PITCHLESS_SECRET_KEY": secrets.token_urlsafe(50),
        "PITCHLESS_ALLOWED_HOSTS": HOST,
        "PITCHLESS_SSL_REDIRECT": "false",
        "PITCHLESS_LOG_LEVEL": "WARNING",
        "PITCHLESS_CACHE_URL": redis,
        "PITCHLESS_CELERY_BROKER_URL": redis,
        "REDIS_URL": redis,
    }


def _has_subcommand(name: str) -> bool:
    exe = Path(sys.executable).parent / "pitchless"
    if not exe.exists():
        return False
    out = subprocess.run([str(exe), "--help"], capture_output=True, text=True, cwd=ROOT)
    return re.search(rf"\b{name}\b", out.stdout + out.stderr) is not None


def free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket() as s:
        s.bind((HOST, 0))
        return int(s.getsockname()[1])


@dataclass
class Proc:
    """A server process in its own process group, stopped with TERM then KILL."""

    name: str
    cmd: list[str]
    env: dict[str, str]
    log: Path
    proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start the process, output to its log file."""
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                self.cmd, env=self.env, cwd=ROOT, stdout=log, stderr=log, start_new_session=True
            )

    def pids(self) -> list[int]:
        """The process and its descendants."""
        if self.proc is None:
            return []
        found, todo = [], [self.proc.pid]
        while todo:
            pid = todo.pop()
            found.append(pid)
            try:
                children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
            except OSError:
                continue
            todo += [int(c) for c in children]
        return found

    def stop(self) -> None:
        """TERM the process group, KILL it after 15 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        pgid = os.getpgid(self.proc.pid)
        os.killpg(pgid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(pgid, signal.SIGKILL)
            self.proc.wait(timeout=10)


def web_command(port: int, workers: int) -> list[str]:
    """``pitchless serve`` when the CLI has it, else gunicorn directly."""
    bin_dir = Path(sys.executable).parent
    if _has_subcommand("serve"):
        return [
            str(bin_dir / "pitchless"),
            "serve",
            "--bind",
            f"{HOST}:{port}",
            "--workers",
            str(workers),
        ]
    return [
        str(bin_dir / "gunicorn"),
        "pitchless.config.wsgi:application",
        f"--bind={HOST}:{port}",
        f"--workers={workers}",
        "--keep-alive=5",
        "--backlog=512",
        "--log-level=warning",
    ]


def worker_command() -> list[str]:
    """``pitchless worker`` when the CLI has it, else celery directly (one process)."""
    bin_dir = Path(sys.executable).parent
    if _has_subcommand("worker"):
        return [str(bin_dir / "pitchless"), "worker", "--concurrency", "1"]
    return [
        str(bin_dir / "celery"),
        "-A",
        "pitchless.config",
        "worker",
        "-c",
        "1",
        "--loglevel=WARNING",
    ]


def collectstatic(env: dict[str, str]) -> None:
    """Collect the static files into the environment's var folder, as a deployment does."""
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        env=env,
        cwd=ROOT,
        check=True,
    )


def wait_http(port: int, log: Path, proc: Proc, seconds: float = 90) -> None:
    """Wait until the server answers anything on ``/api/openapi.json``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.proc is not None and proc.proc.poll() is not None:
            raise RuntimeError(f"{proc.name} exited:\n{log.read_text()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=5)
            conn.request("GET", "/api/openapi.json")
            conn.getresponse().read()
            conn.close()
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{proc.name} did not answer:\n{log.read_text()[-3000:]}")


def request(
    port: int, method: str, path: str, body: object = None, token: str | None = None
) -> tuple[int, bytes]:
    """One request on a fresh connection."""
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    conn.request(method, path, body=data, headers=headers)
    response = conn.getresponse()
    payload = response.read()
    conn.close()
    return response.status, payload


def rss_peaks(procs: list[Proc]) -> list[tuple[str, int, str, int]]:
    """(process, pid, command, VmHWM in KiB) for each live server process."""
    out = []
    for p in procs:
        for pid in p.pids():
            try:
                status = Path(f"/proc/{pid}/status").read_text()
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            hwm = re.search(r"VmHWM:\s+(\d+)", status)
            out.append((p.name, pid, cmd[:60], int(hwm.group(1)) if hwm else 0))
    return out


# --- the load -------------------------------------------------------------------------------------


@dataclass
class Actor:
    """A logged-in load member and what it can act on."""

    member: int
    token: str
    others: list[int]
    conversations: list[int]


@dataclass
class Stats:
    """Latencies (seconds) and statuses per operation at one level."""

    clients: int
    wall: float = 0.0
    latencies: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    statuses: dict[str, Counter[int]] = field(default_factory=lambda: defaultdict(Counter))
    errors: list[str] = field(default_factory=list)

    @staticmethod
    def pct(values: list[float], q: float) -> float:
        """The ``q`` quantile in milliseconds (nearest rank)."""
        ordered = sorted(values)
        return 1000.0 * ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


class Mix:
    """The mixed load: picks an operation by weight and builds its request."""

    def __init__(self, actors: list[Actor], invitations: dict[int, list[int]], search: bool):
        self.actors = actors
        self.invitations = invitations
        self.lock = threading.Lock()
        self.ops = [op for op in OPERATIONS if op != "search" or search]
        self.weights = [WEIGHTS[op] for op in self.ops]

    def next(self, rng: random.Random, actor: Actor) -> tuple[str, str, str, object]:
        """(operation, method, path, body) of the next request of ``actor``."""
        op = rng.choices(self.ops, self.weights)[0]
        if op == "accept":
            with self.lock:
                pending = self.invitations.get(actor.member) or []
                invitation = pending.pop() if pending else None
            if invitation is None:
                op = "inbox"
            else:
                return op, "POST", f"/api/invitations/{invitation}/accept", {}
        if op == "send":
            body = {
                "to": rng.choice(actor.others),
                "text": message_text(rng, pitch=rng.random() < 0.1),
                "idempotency_key": secrets.token_hex(8),
            }
            return op, "POST", "/api/messages", body
        if op == "conversation" and actor.conversations:
            return op, "GET", f"/api/conversations/{rng.choice(actor.conversations)}/messages", None
        if op == "search":
            q = search_terms(rng).replace(" ", "+")
            return op, "GET", f"/api/listings?q={q}", None
        return "inbox", "GET", "/api/conversations?folder=inbox&limit=20", None


def run_level(
    port: int, mix: Mix, clients: int, seconds: float, max_requests: int, seed_value: int
) -> Stats:
    """Closed loop: each client sends its next request when the last one is answered."""
    stats = Stats(clients)
    lock = threading.Lock()
    deadline = time.monotonic() + seconds
    budget = [max_requests]

    def client(index: int) -> None:
        rng = random.Random(seed_value * 1000 + index)
        actor = mix.actors[index % len(mix.actors)]
        conn = http.client.HTTPConnection(HOST, port, timeout=60)
        headers = {"Authorization": f"Bearer {actor.token}", "Content-Type": "application/json"}
        lat: dict[str, list[float]] = defaultdict(list)
        st: dict[str, Counter[int]] = defaultdict(Counter)
        errors = []
        while time.monotonic() < deadline:
            with lock:
                if budget[0] <= 0:
                    break
                budget[0] -= 1
            op, method, path, body = mix.next(rng, actor)
            data = json.dumps(body).encode() if body is not None else None
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=data, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                status, payload = 0, repr(exc).encode()
            lat[op].append(time.perf_counter() - t0)
            st[op][status] += 1
            if not 200 <= status < 300 and len(errors) < 3:
                errors.append(f"{op} {path} -> {status}: {payload[:200]!r}")
        conn.close()
        with lock:
            for op, values in lat.items():
                stats.latencies[op] += values
            for op, counter in st.items():
                stats.statuses[op].update(counter)
            stats.errors += errors

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stats.wall = time.perf_counter() - t0
    return stats


def print_level(stats: Stats) -> None:
    """One line per operation, then the level's total."""
    total = sum(len(v) for v in stats.latencies.values())
    bad_total = 0
    for op in OPERATIONS:
        values = stats.latencies.get(op)
        if not values:
            continue
        bad = {s: c for s, c in sorted(stats.statuses[op].items()) if not 200 <= s < 300}
        bad_total += sum(bad.values())
        print(
            f"  c={stats.clients:<3} {op:12} n={len(values):<6} p50 {Stats.pct(values, 0.5):7.1f}"
            f"  p95 {Stats.pct(values, 0.95):7.1f}  p99 {Stats.pct(values, 0.99):7.1f} ms  "
            f"{len(values) / stats.wall:6.1f} req/s  non-2xx {sum(bad.values())}"
            + (f" {bad}" if bad else ""),
            flush=True,
        )
    print(
        f"  c={stats.clients:<3} {'all':12} n={total:<6} {total / stats.wall:.1f} req/s over "
        f"{stats.wall:.1f} s, non-2xx {bad_total}, load average {_load()}",
        flush=True,
    )
    for line in stats.errors[:5]:
        print(f"    e.g. {line}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _cpu_busy(seconds: float = 1.0) -> float:
    """Share of all CPUs busy over ``seconds`` (from /proc/stat)."""

    def read() -> tuple[int, int]:
        values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
        idle = values[3] + values[4]
        return sum(values), idle

    total0, idle0 = read()
    time.sleep(seconds)
    total1, idle1 = read()
    return 1.0 - (idle1 - idle0) / max(1, total1 - total0)


def prepare_actors(port: int, count: int) -> tuple[list[Actor], dict[int, list[int]]]:
    """Log ``count`` load members in (two at a time) and read what each can act on."""
    tokens: dict[int, str] = {}
    members = list(range(1, count + 1))
    lock = threading.Lock()

    def login() -> None:
        while True:
            with lock:
                if not members:
                    return
                member = members.pop()
            status, payload = request(
                port,
                "POST",
                "/api/auth/token",
                {"email": EMAIL.format(member), "password": PASSWORD, "name": "scale"},
            )
            if status != 201:
                raise RuntimeError(f"log-in of member {member}: {status} {payload[:300]!r}")
            with lock:
                tokens[member] = json.loads(payload)["token"]

    threads = [threading.Thread(target=login) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    ids = sorted(tokens)
    with _pg(DB_NAME) as conn:
        others = defaultdict(list)
        for member, other in conn.execute(
            "SELECT member_id, other_id FROM network_connection WHERE member_id = ANY(%s)", [ids]
        ):
            others[member].append(other)
        conversations = defaultdict(list)
        for member, conv in conn.execute(
            "SELECT member_id, conversation_id FROM network_participant WHERE member_id = ANY(%s)",
            [ids],
        ):
            conversations[member].append(conv)
        invitations = defaultdict(list)
        for recipient, invitation in conn.execute(
            "SELECT recipient_id, id FROM network_invitation "
            "WHERE recipient_id = ANY(%s) AND status = 'pending'",
            [ids],
        ):
            invitations[recipient].append(invitation)
    actors = [Actor(m, tokens[m], others[m], conversations[m]) for m in ids if others.get(m)]
    return actors, dict(invitations)


def search_available(port: int, token: str) -> bool:
    """Whether ``GET /api/listings?q=`` exists on this server."""
    status, _ = request(port, "GET", "/api/listings?q=data", token=token)
    return status == 200


def pg_stat_statements(top: int = 15) -> None:
    """The statements that took the most time in the ``scale`` database since the reset."""
    with _pg(DB_NAME) as conn:
        loaded = conn.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'pg_stat_statements'"
        ).fetchone()
        if not loaded:
            print("  pg_stat_statements is not installed in this database")
            return
        rows = conn.execute(
            "SELECT calls, total_exec_time, mean_exec_time, max_exec_time, "
            "shared_blks_hit + shared_blks_read, shared_blks_read, query "
            "FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = "
            "%s) ORDER BY total_exec_time DESC LIMIT %s",
            [DB_NAME, top],
        ).fetchall()
    print(f"  top {top} statements by total time (mean / max ms, blocks touched / read per call):")
    for calls, total, mean, worst, blocks, read, query in rows:
        query = re.sub(r"\s+", " ", query)
        print(
            f"    {calls:>6} calls  total {total:9.1f} ms  mean {mean:7.2f}  max {worst:8.1f}  "
            f"blocks {blocks / max(calls, 1):8.1f} / {read / max(calls, 1):6.1f}  "
            f"{query[:150]}"
        )


# --- in-process plans -----------------------------------------------------------------------------


def explain(out_path: Path) -> None:
    """Run one request per operation in-process, capture its SQL and EXPLAIN every statement
    (writes in a transaction that is rolled back). Runs with the server's settings."""
    import django

    django.setup()
    from django.db import connection, transaction
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from pitchless.api.services import issue_token
    from pitchless.members.models import Member
    from pitchless.network.models import Connection, Invitation, Participant

    rng = random.Random(5)
    member = Member.objects.get(pk=LOAD_MEMBERS + 7)
    _, token = issue_token(member=member, name="explain")
    client = Client(HTTP_HOST=HOST)
    auth = {"Authorization": f"Bearer {token}"}
    other = Connection.objects.filter(member=member).values_list("other_id", flat=True).first()
    conversation = (
        Participant.objects.filter(member=member).values_list("conversation_id", flat=True).first()
    )
    invitation = Invitation.objects.filter(recipient=member, status="pending").first()
    if invitation is None:
        sender = Member.objects.exclude(pk=member.pk).order_by("-pk").first()
        invitation = Invitation.objects.create(sender=sender, recipient=member, note="hello")
    calls = {
        "send": lambda: client.post(
            "/api/messages",
            json.dumps({"to": other, "text": message_text(rng), "idempotency_key": "x1"}),
            content_type="application/json",
            headers=auth,
        ),
        "inbox": lambda: client.get(
            "/api/conversations", {"folder": "inbox", "limit": 20}, headers=auth
        ),
        "conversation": lambda: client.get(
            f"/api/conversations/{conversation}/messages", headers=auth
        ),
        "search": lambda: client.get("/api/listings", {"q": "data dashboard"}, headers=auth),
        "accept": lambda: client.post(
            f"/api/invitations/{invitation.pk}/accept",
            "{}",
            content_type="application/json",
            headers=auth,
        ),
    }
    calls["inbox"]()  # the token is cached from here on, as in a running server
    lines: list[str] = []
    for op, call in calls.items():
        with transaction.atomic():
            with CaptureQueriesContext(connection) as captured:
                response = call()
            statements = [q["sql"] for q in captured.captured_queries]
            seq_scans: list[str] = []
            lines.append(f"=== {op}: HTTP {response.status_code}, {len(statements)} statements")
            if response.status_code == 404 and op == "search":
                lines.append("  (no search endpoint on this server)")
                print(f"  {op:12} no search endpoint")
                transaction.set_rollback(True)
                continue
            for sql in statements:
                verb = sql.split(" ", 1)[0].upper()
                if verb not in ("SELECT", "UPDATE", "INSERT", "DELETE"):
                    continue
                with connection.cursor() as cursor:
                    cursor.execute("SAVEPOINT explain")
                    try:
                        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                        plan = [r[0] for r in cursor.fetchall()]
                    except Exception as exc:  # e.g. an INSERT run twice
                        plan = [f"(not explained: {exc})".replace("\n", " ")]
                    cursor.execute("ROLLBACK TO SAVEPOINT explain")
                lines.append("--- " + sql[:2000])
                lines += ["    " + p for p in plan]
                for p in plan:
                    m = re.search(r"Seq Scan on (\w+)", p)
                    if m and m.group(1) in BIG_TABLES:
                        seq_scans.append(f"{m.group(1)} in: {sql[:160]}")
            transaction.set_rollback(True)
        print(
            f"  {op:12} HTTP {response.status_code}  {len(statements)} statements  "
            f"seq scans of large tables: {len(seq_scans)}"
        )
        for s in seq_scans:
            print(f"    SEQ SCAN {s}")
    out_path.write_text("\n".join(lines) + "\n")
    print(f"  plans written to {out_path}")
    _time_in_process(calls)


def _time_in_process(calls: dict, runs: int = 30) -> None:
    """Median wall time, CPU time of this process and time in the database driver of each
    request, run in-process (each in a transaction rolled back, so all can be repeated): what
    one request costs with no queueing and no HTTP."""
    import statistics

    from django.db import connection, transaction

    sql_seconds: list[float] = []

    def timed_sql(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            sql_seconds.append(time.perf_counter() - t0)

    print(f"in-process cost per request (median of {runs}, machine load {_load()}):")
    for op, call in calls.items():
        wall, cpu, sql = [], [], []
        for i in range(runs + 3):
            sql_seconds.clear()
            with transaction.atomic(), connection.execute_wrapper(timed_sql):
                t0, c0 = time.perf_counter(), time.process_time()
                status = call().status_code
                t1, c1 = time.perf_counter(), time.process_time()
                transaction.set_rollback(True)
            if status == 404:
                break
            if i >= 3:  # warm-up
                wall.append(t1 - t0)
                cpu.append(c1 - c0)
                sql.append(sum(sql_seconds))
        if wall:
            print(
                f"  {op:12} wall {statistics.median(wall) * 1000:6.1f} ms  CPU "
                f"{statistics.median(cpu) * 1000:6.1f} ms  in the database driver "
                f"{statistics.median(sql) * 1000:6.1f} ms"
            )


# --- main -----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Parse the options, seed (unless ``--reuse``), then load and report."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["_explain"]:
        explain(Path(argv[1]))
        return 0
    parser = argparse.ArgumentParser(
        description=__doc__.splitlines()[0], formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--connections", type=int, default=1_000_000, help="pairs (2 rows each)")
    parser.add_argument("--messages", type=int, default=5_000_000)
    parser.add_argument("--listings", type=int, default=200_000)
    parser.add_argument("--invitations", type=int, default=100_000, help="pending, at random")
    parser.add_argument("--quick", action="store_true", help="1/50 of every size")
    parser.add_argument("--reuse", action="store_true", help="skip seeding: the DB is seeded")
    parser.add_argument("--seed-only", action="store_true", help="seed and stop")
    parser.add_argument(
        "--plans-only", action="store_true", help="only the in-process plans and costs"
    )
    parser.add_argument(
        "--levels", type=lambda s: [int(x) for x in s.split(",")], default=[8, 16, 32]
    )
    parser.add_argument("--seconds", type=float, default=40, help="per level")
    parser.add_argument("--max-requests", type=int, default=20_000, help="per level")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--no-search", action="store_true", help="leave search out of the mix (to compare)"
    )
    parser.add_argument("--redis-db", type=int, default=11, help="Redis database number to use")
    args = parser.parse_args(argv)
    sizes = Sizes(args.members, args.connections, args.messages, args.listings, args.invitations)
    if args.quick:
        sizes = Sizes(
            members=max(LOAD_MEMBERS * 2, sizes.members // 50),
            connections=sizes.connections // 50,
            messages=sizes.messages // 50,
            listings=sizes.listings // 50,
            invitations=sizes.invitations // 50,
        )
    print(
        f"scale: {os.cpu_count()} CPUs, load average {_load()}, CPU busy before start "
        f"{100 * _cpu_busy():.0f}%"
    )
    if not args.reuse:
        print(
            f"seeding {sizes.members:,} members, {sizes.connections:,} connection pairs, "
            f"{sizes.messages:,} messages, {sizes.listings:,} listings, "
            f"{sizes.invitations:,} + {LOAD_MEMBERS * INVITES_PER_LOAD_MEMBER:,} pending "
            "invitations",
            flush=True,
        )
        timings = seed(sizes)
        for step, seconds in timings.items():
            print(f"  {step:34} {seconds:8.1f} s")
    print_sizes()
    if args.seed_only:
        return 0

    tmp = Path(tempfile.mkdtemp(prefix="pitchless-scale-"))
    env = production_env(str(tmp / "var"), args.redis_db)
    if args.plans_only:
        (tmp / "var" / "static").mkdir(parents=True)
        subprocess.run(
            [sys.executable, __file__, "_explain", str(ROOT / "var" / "scale-explain.txt")],
            env=env,
            cwd=ROOT,
            check=False,
        )
        shutil.rmtree(tmp, ignore_errors=True)
        return 0
    port = free_port()
    web = Proc("web", web_command(port, args.workers), env, tmp / "web.log")
    worker = Proc("worker", worker_command(), env, tmp / "worker.log")
    try:
        collectstatic(env)
        web.start()
        worker.start()
        wait_http(port, web.log, web)
        print(f"web: {' '.join(web.cmd[:2])} ({args.workers} workers); worker: {worker.cmd[0]}")
        t0 = time.perf_counter()
        actors, invitations = prepare_actors(port, min(LOAD_MEMBERS, max(args.levels) * 2))
        print(f"  logged {len(actors)} members in in {time.perf_counter() - t0:.1f} s")
        search = search_available(port, actors[0].token) and not args.no_search
        if not search:
            print("  search left out of the mix (--no-search, or no GET /api/listings)")
        mix = Mix(actors, invitations, search)
        with _pg(DB_NAME) as conn:
            if (
                conn.execute(
                    "SELECT 1 FROM pg_extension WHERE extname='pg_stat_statements'"
                ).fetchone()
                is None
            ):
                try:
                    conn.execute("CREATE EXTENSION pg_stat_statements")
                except Exception as exc:  # reported; the run goes on
                    print(f"  pg_stat_statements unavailable: {exc}")
        run_level(port, mix, max(args.levels), 8, 2000, 99)  # warm-up, not reported
        # not preloaded: reported at the end
        with _pg(DB_NAME) as conn, contextlib.suppress(Exception):
            conn.execute("SELECT pg_stat_statements_reset()")
        for clients in args.levels:
            stats = run_level(port, mix, clients, args.seconds, args.max_requests, clients)
            print_level(stats)
        print("peak RSS (VmHWM) per process:")
        for name, pid, cmd, kib in rss_peaks([web, worker]):
            print(f"  {name:7} pid {pid:<7} {kib / 1024:7.1f} MiB  {cmd}")
        try:
            pg_stat_statements()
        except Exception as exc:  # the extension is not preloaded
            print(f"  pg_stat_statements: {exc}")
    finally:
        web.stop()
        worker.stop()
    print("query plans of one request per operation (in-process):")
    subprocess.run(
        [sys.executable, __file__, "_explain", str(ROOT / "var" / "scale-explain.txt")],
        env=env,
        cwd=ROOT,
        check=False,
    )
    print_sizes()
    logs = ROOT / "var" / "scale-logs"
    logs.mkdir(parents=True, exist_ok=True)
    for log in (web.log, worker.log):
        if log.exists():
            shutil.copy(log, logs / log.name)
    print(f"server logs copied to {logs}")
    shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
