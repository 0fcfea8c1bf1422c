"""Fault drills against the production server on 127.0.0.1: what members see when a part fails.

Each drill migrates and seeds the PostgreSQL database ``hfaults`` (members, connections, API
tokens, made with the site's own functions), starts ``pitchless serve`` (2 workers) and
``pitchless worker`` with production settings, and prints what it saw:

- ``redis``: a private ``redis-server`` on port 6390 (never the machine's Redis) serves the
  cache, the broker and the near-duplicate index; it is shut down mid-drill and started again.
  Sends must keep working, scored without bulk counts (reason ``bulk.unknown``), and
  ``/healthz`` must say "degraded" with a reason, then "ok" again.
- ``db-restart``: the machine's PostgreSQL is restarted (``pg_ctlcluster ... restart``) while
  clients send and read; requests during the outage should fail cleanly (503, no traceback)
  and the server must recover without being restarted. Only with ``--allow-db-restart``: it
  interrupts every other user of that PostgreSQL for a few seconds.
- ``lost``: many clients send at once with idempotency keys; a client whose answer does not
  come back in time (a short client timeout) tries again with the same key, and every
  acknowledged message is sent once more. Afterwards every acknowledged message is stored
  exactly once and nothing else was stored.

    .venv/bin/python bench/faults.py [--drills redis,lost] [--allow-db-restart]

(The killed-worker drill is ``tests/ops/test_worker_killed.py``: a real worker is SIGKILLed in
the middle of a task.)
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import random
import secrets
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from scale import HOST, PG_SERVER, ROOT, Proc, collectstatic, free_port, message_text

DB_NAME = "hfaults"
REDIS_PORT = 6390
SEED = """
import json, sys
import django
django.setup()
from django.contrib.auth.hashers import make_password
from pitchless.api.services import issue_token
from pitchless.members.models import Member
from pitchless.network.models import Connection

n, degree = int(sys.argv[1]), int(sys.argv[2])
password = make_password("faults drill password")
members = Member.objects.bulk_create(
    Member(email=f"f{i}@faults.test", password=password, name=f"Drill Member {i}")
    for i in range(n)
)
ids = [m.pk for m in members]
rows, pairs = [], []
for i, a in enumerate(ids):
    for step in range(1, degree + 1):
        b = ids[(i + step) % n]
        rows += [Connection(member_id=a, other_id=b), Connection(member_id=b, other_id=a)]
        pairs += [(a, b), (b, a)]
Connection.objects.bulk_create(rows, batch_size=2000)
tokens = {m.pk: issue_token(member=m, name="drill")[1] for m in members}
emails = {m.pk: m.email for m in members}
json.dump({"tokens": tokens, "pairs": pairs, "emails": emails}, sys.stdout)
"""


def _pg(dbname: str = "postgres"):
    import psycopg

    return psycopg.connect(f"{PG_SERVER}/{dbname}", autocommit=True)


def fresh_database(env: dict[str, str], members: int = 120, degree: int = 6) -> dict:
    """Drop, create, migrate and seed ``hfaults``; returns tokens and connected pairs."""
    with _pg() as conn:
        conn.execute(f"DROP DATABASE IF EXISTS {DB_NAME} WITH (FORCE)")
        conn.execute(f"CREATE DATABASE {DB_NAME}")
    run = {"env": env, "cwd": ROOT, "check": True}
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], **run)
    out = subprocess.run(
        [sys.executable, "-c", SEED, str(members), str(degree)],
        capture_output=True,
        text=True,
        **run,
    ).stdout
    seeded = json.loads(out)
    seeded["tokens"] = {int(k): v for k, v in seeded["tokens"].items()}
    seeded["emails"] = {int(k): v for k, v in seeded["emails"].items()}
    return seeded


def server_env(var_dir: Path, redis_url: str) -> dict[str, str]:
    """Production settings on this machine, against ``hfaults`` and ``redis_url``."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PITCHLESS_") and k not in ("DATABASE_URL", "REDIS_URL")
    }
    var_dir.mkdir(parents=True, exist_ok=True)
    (var_dir / "static").mkdir(exist_ok=True)
    return env | {
        "DJANGO_SETTINGS_MODULE": "pitchless.config.settings",
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": f"{PG_SERVER}/{DB_NAME}",
        "REDIS_URL": redis_url,
        "PITCHLESS_CELERY_QUEUE": f"faults-{secrets.token_hex(4)}",
        "PITCHLESS_CACHE_KEY_PREFIX": f"faults-{secrets.token_hex(4)}",
        "PITCHLESS_BULK_STORE_PREFIX": f"faults-{secrets.token_hex(4)}:bulk:",
        "PITCHLESS_ENVIRONMENT": "production",
        "PITCHLESS_SECRET_KEY": secrets.token_urlsafe(50),
        "PITCHLESS_ALLOWED_HOSTS": HOST,
        "PITCHLESS_SSL_REDIRECT": "false",
        "PITCHLESS_LOG_LEVEL": "WARNING",
        "PITCHLESS_VAR_DIR": str(var_dir),
    }


class Stack:
    """``pitchless serve`` and ``pitchless worker`` on one environment."""

    def __init__(self, env: dict[str, str], logs: Path, workers: int = 2) -> None:
        self.port = free_port()
        exe = str(Path(sys.executable).parent / "pitchless")
        self.web = Proc(
            "web",
            [exe, "serve", "--bind", f"{HOST}:{self.port}", "--workers", str(workers)],
            env,
            logs / "web.log",
        )
        self.worker = Proc(
            "worker", [exe, "worker", "--concurrency", "1"], env, logs / "worker.log"
        )

    def __enter__(self) -> Stack:
        collectstatic(self.web.env)
        self.web.start()
        self.worker.start()
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                status, _ = call(self.port, "GET", "/healthz")
                if status in (200, 503):
                    return self
            except OSError:
                pass
            if self.web.proc is not None and self.web.proc.poll() is not None:
                break
            time.sleep(0.3)
        self.__exit__()
        raise RuntimeError("the server did not start:\n" + self.web.log.read_text()[-3000:])

    def __exit__(self, *exc: object) -> None:
        self.web.stop()
        self.worker.stop()


def call(
    port: int,
    method: str,
    path: str,
    body: object = None,
    token: str | None = None,
    timeout: float = 30,
) -> tuple[int, bytes]:
    """One request on a fresh connection: (status, body)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        headers = {"Content-Type": "application/json"}
        if token:
            headers["Authorization"] = f"Bearer {token}"
        conn.request(
            method,
            path,
            body=json.dumps(body).encode() if body is not None else None,
            headers=headers,
        )
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _sends(port: int, seeded: dict, rng: random.Random, count: int) -> tuple[Counter, list, list]:
    statuses: Counter[int] = Counter()
    latencies, ids = [], []
    for _ in range(count):
        a, b = rng.choice(seeded["pairs"])
        t0 = time.perf_counter()
        try:
            status, payload = call(
                port,
                "POST",
                "/api/messages",
                {"to": b, "text": message_text(rng)},
                seeded["tokens"][a],
            )
        except OSError:
            status, payload = 0, b""
        latencies.append((time.perf_counter() - t0) * 1000)
        statuses[status] += 1
        if status in (200, 201):
            ids.append(json.loads(payload)["id"])
    return statuses, latencies, ids


class Browser:
    """Pages as a browser without JavaScript uses them: cookies, CSRF token, forms."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, form: dict | None = None) -> tuple[int, str]:
        """One request with the cookies so far; form fields get the CSRF token."""
        import urllib.parse

        conn = http.client.HTTPConnection(HOST, self.port, timeout=30)
        headers = {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        body = None
        if form is not None:
            form = form | {"csrfmiddlewaretoken": self.cookies.get("csrftoken", "")}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _, rest = value.partition("=")
                    self.cookies[key] = rest.split(";", 1)[0]
            return response.status, response.read().decode(errors="replace")
        finally:
            conn.close()

    def log_in(self, email: str, password: str) -> int:
        """The log-in page; 302 when logged in."""
        self.request("GET", "/login/")
        status, _ = self.request("POST", "/login/", {"username": email, "password": password})
        return status

    def send(self, to: int, text: str) -> tuple[int, float]:
        """The message form to member ``to``: (status, ms); 302 when sent."""
        import re

        page_status, page = self.request("GET", f"/members/{to}/message/")
        if page_status not in (200, 302):
            return page_status, 0.0
        key = re.search(r'name="idempotency_key" value="([^"]+)"', page)
        t0 = time.perf_counter()
        status, _ = self.request(
            "POST",
            f"/members/{to}/message/",
            {"text": text, "idempotency_key": key.group(1) if key else secrets.token_hex(8)},
        )
        return status, (time.perf_counter() - t0) * 1000


def _last_message_reasons(email: str) -> list[str]:
    with _pg(DB_NAME) as conn:
        row = conn.execute(
            "SELECT m.guard_reasons FROM network_message m JOIN members_member s "
            "ON s.id = m.sender_id WHERE s.email = %s ORDER BY m.id DESC LIMIT 1",
            [email],
        ).fetchone()
    return [r.get("code", "") for r in row[0]] if row else []


def _bulk_unknown(ids: list[int]) -> int:
    if not ids:
        return 0
    with _pg(DB_NAME) as conn:
        return conn.execute(
            "SELECT count(*) FROM network_message WHERE id = ANY(%s) AND guard_reasons @> "
            """'[{"code": "bulk.unknown"}]'""",
            [ids],
        ).fetchone()[0]


def _health(port: int) -> str:
    status, body = call(port, "GET", "/healthz")
    return f"HTTP {status} {body.decode()[:400]}"


def _p(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] if ordered else 0.0


def drill_redis(tmp: Path) -> None:
    """Redis shut down mid-drill, then started again."""
    redis_url = f"redis://127.0.0.1:{REDIS_PORT}/0"
    pidfile = tmp / "redis.pid"

    def start_redis() -> None:
        subprocess.run(
            [
                "redis-server",
                "--port",
                str(REDIS_PORT),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "yes",
                "--pidfile",
                str(pidfile),
                "--logfile",
                str(tmp / "redis.log"),
            ],
            check=True,
        )
        time.sleep(0.5)

    def stop_redis() -> None:
        subprocess.run(
            ["redis-cli", "-p", str(REDIS_PORT), "shutdown", "nosave"], capture_output=True
        )
        time.sleep(0.5)

    env = server_env(tmp / "var", redis_url)
    start_redis()
    try:
        seeded = fresh_database(env)
        rng = random.Random(3)
        with Stack(env, tmp) as stack:
            _sends(stack.port, seeded, rng, 10)  # warm-up
            browser: Browser | None = None
            a, b = seeded["pairs"][0]
            email, pw = seeded["emails"][a], "faults drill password"
            for phase in ("Redis up", "Redis down", "Redis back"):
                if phase == "Redis down":
                    stop_redis()
                elif phase == "Redis back":
                    start_redis()
                statuses, latencies, ids = _sends(stack.port, seeded, rng, 40)
                print(
                    f"  {phase:10} API sends {dict(statuses)}  p50 {_p(latencies, 0.5):.0f} ms  "
                    f"p95 {_p(latencies, 0.95):.0f} ms  with reason bulk.unknown "
                    f"{_bulk_unknown(ids)}/{len(ids)}"
                )
                print(f"  {'':10} /healthz {_health(stack.port)}")
                if browser is None:  # logged in while Redis is up; the session lives on
                    browser = Browser(stack.port)
                    print(f"  {'':10} log-in on the page: HTTP {browser.log_in(email, pw)}")
                status, ms = browser.send(b, message_text(rng))
                print(
                    f"  {'':10} send through the pages (form, existing session): HTTP {status} "
                    f"in {ms:.0f} ms; reasons stored with it {_last_message_reasons(email)}"
                )
                if phase == "Redis down":
                    fresh = Browser(stack.port)
                    print(f"  {'':10} a new log-in on the page: HTTP {fresh.log_in(email, pw)}")
                    t0 = time.perf_counter()
                    status, _ = call(
                        stack.port, "POST", "/api/auth/token", {"email": email, "password": pw}
                    )
                    print(
                        f"  {'':10} a new API token: HTTP {status} in "
                        f"{(time.perf_counter() - t0) * 1000:.0f} ms"
                    )
    finally:
        stop_redis()


def drill_db_restart(tmp: Path, clients: int = 8, seconds: float = 30) -> None:
    """PostgreSQL restarted while clients send and read."""
    env = server_env(tmp / "var", "redis://127.0.0.1:6379/12")
    seeded = fresh_database(env)
    with Stack(env, tmp) as stack:
        _sends(stack.port, seeded, random.Random(1), 10)  # warm-up
        events: list[tuple[float, str, int, bool]] = []  # t, op, status, traceback in body
        lock = threading.Lock()
        start = time.monotonic()
        deadline = start + seconds

        def client(i: int) -> None:
            rng = random.Random(i)
            while time.monotonic() < deadline:
                a, b = rng.choice(seeded["pairs"])
                token = seeded["tokens"][a]
                if rng.random() < 0.5:
                    op, args = "send", ("POST", "/api/messages", {"to": b, "text": "Hello!"})
                else:
                    op, args = "inbox", ("GET", "/api/conversations?folder=inbox", None)
                try:
                    status, body = call(stack.port, *args, token=token, timeout=15)
                except OSError:
                    status, body = 0, b""
                with lock:
                    events.append((time.monotonic() - start, op, status, b"Traceback" in body))
                time.sleep(0.02)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        time.sleep(8)
        t_restart = time.monotonic() - start
        t0 = time.perf_counter()
        restart = subprocess.run(
            ["pg_ctlcluster", "--skip-systemctl-redirect", "15", "main", "restart"],
            capture_output=True,
            text=True,
        )
        took = time.perf_counter() - t0
        for t in threads:
            t.join()
        print(
            f"  PostgreSQL restarted at t={t_restart:.1f} s in {took:.1f} s "
            f"(exit {restart.returncode}) while {clients} clients sent and read"
        )
        before = Counter(s for t, _, s, _ in events if t < t_restart)
        during = [
            (t, op, s, tb) for t, op, s, tb in events if t_restart <= t < t_restart + took + 5
        ]
        after = Counter(s for t, _, s, _ in events if t >= t_restart + took + 5)
        failed = [e for e in events if not 200 <= e[2] < 300]
        print(f"  before: {dict(before)}")
        print(
            f"  during the restart and 5 s after: {dict(Counter(s for _, _, s, _ in during))}, "
            f"bodies with a traceback: {sum(tb for *_, tb in during)}"
        )
        print(f"  after: {dict(after)}")
        if failed:
            last_fail = max(t for t, *_ in failed)
            print(
                f"  failures from t={min(t for t, *_ in failed):.1f} s to t={last_fail:.1f} s: "
                f"{dict(Counter((op, s) for _, op, s, _ in failed))}"
            )
        print(f"  /healthz afterwards: {_health(stack.port)}")


def drill_lost(tmp: Path, clients: int = 16, per_client: int = 40) -> None:
    """Concurrent sends, client timeouts and retries: every acknowledged message stored once."""
    env = server_env(tmp / "var", "redis://127.0.0.1:6379/12")
    seeded = fresh_database(env, members=max(clients * 2, 60))
    by_sender: dict[int, list[int]] = {}
    for a, b in seeded["pairs"]:
        by_sender.setdefault(a, []).append(b)
    senders = list(seeded["tokens"])[:clients]
    acked: dict[str, int] = {}
    problems: list[str] = []
    counts: Counter[str] = Counter()
    lock = threading.Lock()
    with Stack(env, tmp) as stack:

        def client(sender: int) -> None:
            rng = random.Random(sender)
            token = seeded["tokens"][sender]
            for n in range(per_client):
                key = f"drill-{sender}-{n}"
                body = {
                    "to": rng.choice(by_sender[sender]),
                    "text": message_text(rng),
                    "idempotency_key": key,
                }
                message_id = None
                for attempt in range(6):
                    # A third of first tries give up after 50 ms: their answer is "lost".
                    timeout = 0.05 if attempt == 0 and rng.random() < 0.33 else 30
                    try:
                        status, payload = call(
                            stack.port, "POST", "/api/messages", body, token, timeout=timeout
                        )
                    except (OSError, http.client.HTTPException):
                        with lock:
                            counts["timed out or failed, retried"] += 1
                        continue
                    if status in (200, 201):
                        message_id = json.loads(payload)["id"]
                        with lock:
                            counts[f"HTTP {status}"] += 1
                        break
                    with lock:
                        counts[f"HTTP {status}, retried"] += 1
                if message_id is None:
                    with lock:
                        problems.append(f"{key}: never acknowledged")
                    continue
                status, payload = call(stack.port, "POST", "/api/messages", body, token)
                again = json.loads(payload).get("id") if status in (200, 201) else None
                with lock:
                    acked[key] = message_id
                    counts[f"repeat after ack: HTTP {status}"] += 1
                    if again != message_id:
                        problems.append(f"{key}: repeat answered {status} id {again}")

        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(s,)) for s in senders]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        wall = time.perf_counter() - t0
    with _pg(DB_NAME) as conn:
        stored = conn.execute(
            "SELECT idempotency_key, id FROM network_message WHERE idempotency_key LIKE 'drill-%%'"
        ).fetchall()
        total = conn.execute("SELECT count(*) FROM network_message").fetchone()[0]
    keys = Counter(k for k, _ in stored)
    duplicated = [k for k, c in keys.items() if c > 1]
    missing = [k for k in acked if k not in keys]
    wrong = [k for k, i in stored if acked.get(k) not in (None, i)]
    unacked = [k for k in keys if k not in acked]
    print(
        f"  {clients} clients x {per_client} messages in {wall:.1f} s: {dict(counts)}\n"
        f"  acknowledged {len(acked)}, stored {len(stored)} (all messages in the table: {total}); "
        f"missing {len(missing)}, duplicated {len(duplicated)}, stored under another id "
        f"{len(wrong)}, stored but never acknowledged {len(unacked)}; client-side problems "
        f"{len(problems)}"
    )
    for line in problems[:5]:
        print(f"    {line}")


def main(argv: list[str] | None = None) -> int:
    """Run the chosen drills, each in its own temporary folder."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--drills", default="redis,lost", help="comma-separated: redis, lost, db-restart"
    )
    parser.add_argument(
        "--allow-db-restart",
        action="store_true",
        help="needed for db-restart: it restarts the machine's PostgreSQL",
    )
    args = parser.parse_args(argv)
    drills = {"redis": drill_redis, "lost": drill_lost, "db-restart": drill_db_restart}
    for name in args.drills.split(","):
        if name not in drills:
            parser.error(f"unknown drill {name}")
        if name == "db-restart" and not args.allow_db_restart:
            parser.error("db-restart restarts the machine's PostgreSQL: add --allow-db-restart")
        tmp = Path(tempfile.mkdtemp(prefix=f"pitchless-faults-{name}-"))
        print(f"{name}: load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
        try:
            drills[name](tmp)
        finally:
            logs = ROOT / "var" / "faults-logs" / name
            logs.mkdir(parents=True, exist_ok=True)
            for log in tmp.glob("*.log"):
                shutil.copy(log, logs / log.name)
            shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
