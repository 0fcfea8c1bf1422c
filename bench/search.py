"""Exchange search latency at 10k, 100k and 1M listings, on SQLite (FTS5) and PostgreSQL (GIN).

For each database the bench makes a scratch one (a SQLite file under /tmp; the PostgreSQL
database ``bench_search`` on 127.0.0.1, created here and dropped at the end), migrates it with
the site's migrations, then for each size:

1. generates synthetic listings from the word list below (a Zipf-like mix of common and rare
   words, no data files) and loads them in bulk (``executemany`` on SQLite, ``COPY`` on
   PostgreSQL) with the search index dropped;
2. builds the index and times it (FTS5 ``rebuild``; ``CREATE INDEX ... USING gin``; on
   PostgreSQL the generated ``tsvector`` column is filled during the load), then ``ANALYZE``;
3. times ``pitchless.exchange.search.search`` (the code the site runs, through Django) for a
   fixed set of typical queries, and beside it a naive scan (``icontains`` on title and
   description, newest first) with the same filters; prints p50/p95/p99 per query and overall,
   the index build time and the database size.

Sizes grow in place (the 100k run adds 90k listings to the 10k ones). The naive scan's
repetitions are bounded by ``--naive-budget`` seconds per query. A benchmark that prints
figures, not a test.

    .venv/bin/python bench/search.py [--sizes 10000,100000,1000000] [--quick]
        [--db sqlite,postgres] [--repeat 40] [--json out.json]
        [--pg-name bench_search] [--sqlite-file path] [--keep] [--reuse] [--no-naive]

``--keep`` leaves the databases in place (``--pg-name``, ``--sqlite-file``) and ``--reuse``
times an existing one without loading again when it already holds the size asked for (after
``migrate``, so a kept database gets new migrations; the search indexes are rebuilt only if
asked with ``--rebuild``), so that two versions of the code can be compared on the same data.
``--no-naive`` times ``search()`` alone (at 1M listings the naive scan's runs take most of a
run's time).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PG_ADMIN_DSN = "host=127.0.0.1 port=5432 user=postgres dbname=postgres"
PG_BENCH_DB = "bench_search"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
SEED = 20260601

#: words that make listings read like a professional marketplace (the most frequent ones)
DOMAIN = [
    "design",
    "developer",
    "python",
    "django",
    "react",
    "consulting",
    "consultant",
    "marketing",
    "audit",
    "accounting",
    "tax",
    "payroll",
    "recruiting",
    "recruiter",
    "coaching",
    "mentoring",
    "training",
    "workshop",
    "translation",
    "localisation",
    "copywriting",
    "editing",
    "photography",
    "video",
    "events",
    "venue",
    "catering",
    "logistics",
    "shipping",
    "freight",
    "cloud",
    "hosting",
    "kubernetes",
    "devops",
    "security",
    "penetration",
    "testing",
    "analytics",
    "data",
    "dashboard",
    "machine",
    "learning",
    "model",
    "migration",
    "legacy",
    "integration",
    "api",
    "mobile",
    "app",
    "website",
    "ecommerce",
    "shop",
    "branding",
    "logo",
    "illustration",
    "packaging",
    "print",
    "brochure",
    "seo",
    "content",
    "social",
    "media",
    "campaign",
    "ads",
    "lead",
    "generation",
    "sales",
    "crm",
    "salesforce",
    "hubspot",
    "erp",
    "sap",
    "oracle",
    "finance",
    "fundraising",
    "investor",
    "pitch",
    "deck",
    "valuation",
    "insurance",
    "legal",
    "contract",
    "compliance",
    "gdpr",
    "privacy",
    "trademark",
    "patent",
    "hr",
    "onboarding",
    "benefits",
    "hiring",
    "interview",
    "executive",
    "search",
    "laptop",
    "monitor",
    "desk",
    "chair",
    "printer",
    "server",
    "router",
    "network",
    "office",
    "space",
    "coworking",
    "warehouse",
    "forklift",
    "pallet",
    "equipment",
    "industrial",
    "books",
    "course",
    "certification",
    "exam",
    "mentor",
    "leadership",
    "strategy",
    "operations",
    "supply",
    "chain",
    "procurement",
    "sourcing",
    "manufacturing",
    "prototype",
    "hardware",
    "firmware",
    "embedded",
    "iot",
    "sensor",
    "research",
    "survey",
    "interviews",
    "market",
    "report",
    "competitor",
    "pricing",
    "analysis",
    "bookkeeping",
    "invoicing",
    "annual",
    "accounts",
    "startup",
    "smb",
    "enterprise",
    "nonprofit",
    "public",
    "sector",
    "healthcare",
    "fintech",
    "retail",
]
#: the glue of ordinary sentences (the PostgreSQL side drops most of these as stop words)
FILLER = [
    "the",
    "and",
    "with",
    "for",
    "our",
    "we",
    "you",
    "your",
    "to",
    "of",
    "in",
    "on",
    "a",
    "an",
    "is",
    "are",
    "be",
    "will",
    "can",
    "this",
    "that",
    "from",
    "by",
    "at",
    "as",
    "help",
    "team",
    "project",
    "experience",
    "years",
    "clients",
    "small",
    "business",
    "companies",
    "support",
    "work",
    "based",
    "fast",
    "reliable",
    "quality",
    "full",
    "remote",
    "hybrid",
    "available",
    "weekly",
    "monthly",
    "flexible",
    "senior",
    "junior",
    "expert",
]
CITIES = [
    "Berlin",
    "Paris",
    "London",
    "Madrid",
    "Lisbon",
    "Amsterdam",
    "Brussels",
    "Vienna",
    "Zurich",
    "Milan",
    "Rome",
    "Warsaw",
    "Prague",
    "Dublin",
    "Copenhagen",
    "Stockholm",
    "Oslo",
    "Helsinki",
    "Munich",
    "Hamburg",
    "Lyon",
    "Barcelona",
    "Porto",
    "Athens",
    "Toronto",
]
CATEGORY_SLUGS = [
    "software-development",
    "design",
    "marketing",
    "accounting",
    "consulting",
    "hardware",
    "photo-video",
    "translation",
    "legal",
    "security",
    "data-analytics",
    "cloud-hosting",
]

#: (label, search parameters, page); the typo is "kubernetes" with two letters swapped
QUERIES: list[tuple[str, dict, int]] = [
    ("one common word", {"q": "design"}, 1),
    ("one rarer word", {"q": "kubernetes"}, 1),
    ("two words", {"q": "python developer"}, 1),
    ("phrase-like, 3 words", {"q": "cloud migration consulting"}, 1),
    ("prefix as typed", {"q": "consult"}, 1),
    ("short prefix", {"q": "dev"}, 1),
    ("word + kind + remote", {"q": "marketing", "kind": "offer", "remote": True}, 1),
    ("word + category", {"q": "audit", "category": "accounting"}, 1),
    ("word + price range", {"q": "laptop", "price_min": "100", "price_max": "900"}, 1),
    ("word + location", {"q": "photography", "location": "berlin"}, 1),
    ("word, newest sort", {"q": "design", "sort": "newest"}, 1),
    ("typo", {"q": "kubrenetes"}, 1),
    ("empty q + filters", {"category": "software-development", "within_days": 7}, 1),
    ("empty q (browse)", {}, 1),
    ("word, page 10", {"q": "security"}, 10),
]


# --- parent: one child process per database ------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--quick", action="store_true", help="10k listings only")
    parser.add_argument("--db", default="sqlite,postgres")
    parser.add_argument("--repeat", type=int, default=40, help="timed runs per query")
    parser.add_argument("--naive-budget", type=float, default=6.0, help="seconds per query")
    parser.add_argument("--no-naive", action="store_true", help="time search() only")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    parser.add_argument(
        "--queries", default="", help="only the queries whose label contains one of these (comma)"
    )
    parser.add_argument("--pg-name", default=PG_BENCH_DB, help="PostgreSQL database to use")
    parser.add_argument("--sqlite-file", type=Path, help="SQLite file to use (default: /tmp)")
    parser.add_argument("--keep", action="store_true", help="do not drop the databases")
    parser.add_argument("--reuse", action="store_true", help="do not reload a loaded database")
    parser.add_argument("--rebuild", action="store_true", help="with --reuse: rebuild indexes")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sizes = [10_000] if args.quick else [int(s) for s in args.sizes.split(",") if s.strip()]
    if args.child:
        return child(
            args.child,
            sizes,
            args.repeat,
            -1.0 if args.no_naive else args.naive_budget,
            args.json,
            args.queries,
            reuse=args.reuse,
            rebuild=args.rebuild,
        )

    results = {}
    for engine in [d.strip() for d in args.db.split(",") if d.strip()]:
        with tempfile.TemporaryDirectory(prefix="bench-search-", dir="/tmp") as tmp:
            out = Path(tmp) / "result.json"
            env = dict(os.environ, DJANGO_SETTINGS_MODULE="pitchless.config.settings")
            if engine == "sqlite":
                path = args.sqlite_file.resolve() if args.sqlite_file else f"{tmp}/bench.sqlite3"
                if not args.reuse and args.sqlite_file and args.sqlite_file.exists():
                    args.sqlite_file.unlink()
                env["DATABASE_URL"] = f"sqlite:///{path}"
            elif engine == "postgres":
                if not args.reuse:
                    _pg_admin(f"DROP DATABASE IF EXISTS {args.pg_name}")
                    _pg_admin(f"CREATE DATABASE {args.pg_name}")
                env["DATABASE_URL"] = f"postgres://postgres@127.0.0.1:5432/{args.pg_name}"
            else:
                parser.error(f"unknown database {engine!r}")
            command = [sys.executable, __file__, "--child", engine, "--sizes"]
            command += [",".join(map(str, sizes)), "--repeat", str(args.repeat)]
            command += ["--naive-budget", str(args.naive_budget), "--json", str(out)]
            command += ["--no-naive"] if args.no_naive else []
            command += ["--queries", args.queries]
            command += ["--reuse"] if args.reuse else []
            command += ["--rebuild"] if args.rebuild else []
            try:
                subprocess.run(command, env=env, cwd=ROOT, check=True)
                results[engine] = json.loads(out.read_text())
            finally:
                if engine == "postgres" and not args.keep:
                    _pg_admin(f"DROP DATABASE IF EXISTS {args.pg_name} WITH (FORCE)")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))
    return 0


def _pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN_DSN, autocommit=True) as conn:
        conn.execute(sql)


# --- child: one database, every size --------------------------------------------------------------


def child(
    engine: str,
    sizes: list[int],
    repeat: int,
    naive_budget: float,
    out: Path,
    only: str = "",
    *,
    reuse: bool = False,
    rebuild: bool = False,
) -> int:
    import django

    sys.path.insert(0, str(ROOT))
    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from pitchless.exchange.models import Listing

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    migrate_s = time.perf_counter() - started
    loaded = Listing.objects.count() if reuse else 0
    owner_id = _owner() if not loaded else Listing.objects.values_list("owner_id", flat=True)[0]
    categories = _categories()
    print(f"\n=== {engine}: {connection.vendor} {_server_version()} ===", flush=True)
    if loaded:
        print(f"reusing {loaded:,} listings (migrate took {migrate_s:.1f} s)", flush=True)
    figures = []
    for size in sorted(sizes):
        load_s = index_s = 0.0
        if loaded < size:
            drop_index()
            started = time.perf_counter()
            load(loaded, size, owner_id, categories)
            load_s = time.perf_counter() - started
        if load_s or rebuild:
            started = time.perf_counter()
            build_index()
            index_s = time.perf_counter() - started
        loaded = max(loaded, size)
        db_bytes, index_bytes = sizes_on_disk()
        print(
            f"\n{size:,} listings: load {load_s:.1f} s, index build {index_s:.1f} s,"
            f" database {db_bytes / 1e6:,.0f} MB (search index {index_bytes / 1e6:,.0f} MB)",
            flush=True,
        )
        rows = time_queries(repeat, naive_budget, only)
        figures.append(
            {
                "size": size,
                "load_s": load_s,
                "index_s": index_s,
                "db_bytes": db_bytes,
                "index_bytes": index_bytes,
                "queries": rows,
            }
        )
    out.write_text(json.dumps({"engine": engine, "sizes": figures}))
    return 0


def _server_version() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        return cursor.fetchone()[0]


def _owner() -> int:
    from pitchless.members.models import Member

    member = Member.objects.create_user("bench-search@example.org", None, name="Bench Seller")
    return member.pk


def _categories() -> list[int]:
    from pitchless.exchange.models import Category

    by_slug = dict(Category.objects.values_list("slug", "id"))
    return [by_slug[s] for s in CATEGORY_SLUGS]


def vocabulary():
    """Domain words first, filler next, then a long tail of made-up words; Zipf weights."""
    import numpy as np

    rng = np.random.default_rng(SEED)
    syllables = [
        "ka",
        "lo",
        "mi",
        "ne",
        "ru",
        "sa",
        "ti",
        "vo",
        "ze",
        "pa",
        "de",
        "fi",
        "gu",
        "ho",
        "ja",
        "be",
        "co",
        "du",
        "el",
        "fa",
        "ri",
        "to",
        "ul",
        "ve",
    ]
    tail = {
        "".join(rng.choice(syllables, size=int(rng.integers(2, 5)))) for _ in range(30_000)
    } - set(DOMAIN)
    words = [*FILLER[:20], *DOMAIN, *FILLER[20:], *sorted(tail)]
    weights = 1.0 / np.arange(1, len(words) + 1) ** 1.05
    return np.array(words, dtype=object), weights / weights.sum()


def generate(start: int, stop: int):
    """Listings ``start`` to ``stop`` as tuples in ``COLUMNS`` order (deterministic)."""
    import numpy as np

    words, p = vocabulary()
    domain = np.array(DOMAIN, dtype=object)
    rng = np.random.default_rng(SEED + start)
    n = stop - start
    desc = rng.choice(len(words), size=(n, 70), p=p)
    desc_len = rng.integers(30, 71, size=n)
    title = rng.choice(len(domain), size=(n, 6))
    title_len = rng.integers(2, 7, size=n)
    tags = rng.choice(len(domain), size=(n, 4))
    tag_len = rng.integers(0, 5, size=n)
    age = rng.uniform(0, 40, size=n)
    status_roll = rng.random(size=n)
    price_roll = rng.random(size=n)
    low = np.round(rng.lognormal(5, 1.2, size=n), 0)
    city = rng.integers(0, len(CITIES), size=n)
    remote = rng.random(size=n) < 0.4
    kind = rng.random(size=n) < 0.7
    category = rng.integers(0, len(CATEGORY_SLUGS), size=n)
    for i in range(n):
        published = NOW - timedelta(days=float(age[i]))
        roll = status_roll[i]
        status = "published" if roll < 0.9 else "draft" if roll < 0.95 else "closed"
        price_min = float(low[i]) if price_roll[i] < 0.6 else None
        price_max = price_min * 3 if price_min is not None and price_roll[i] < 0.4 else None
        yield (
            " ".join(domain[title[i, : title_len[i]]]).capitalize(),
            " ".join(words[desc[i, : desc_len[i]]]).capitalize() + ".",
            ",".join(domain[tags[i, : tag_len[i]]]),
            "offer" if kind[i] else "request",
            category[i],
            price_min,
            price_max,
            bool(remote[i]),
            CITIES[city[i]] if not remote[i] else "",
            status,
            published,
            # listings older than 30 days have expired (status still published: the hourly
            # task would have marked them, and search must not rely on that)
            published + timedelta(days=30),
        )


COLUMNS = (
    "owner_id, kind, title, description, category_id, tags, price_min, price_max, currency,"
    " remote, location, status, created_at, updated_at, published_at, expires_at,"
    " moderation_reason, signature"
)


def load(start: int, stop: int, owner_id: int, categories: list[int]) -> None:
    """Insert listings ``start`` to ``stop`` in bulk, bypassing the ORM."""
    from django.db import connection, transaction

    def rows():
        for title, desc, tags, kind, cat, low, high, remote, city, status, pub, exp in generate(
            start, stop
        ):
            yield (
                owner_id,
                kind,
                title,
                desc,
                categories[cat],
                tags,
                low,
                high,
                "EUR" if low is not None else "",
                remote,
                city,
                status,
                pub,
                pub,
                pub if status != "draft" else None,
                exp if status != "draft" else None,
                "",
                "",
            )

    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY exchange_listing ({COLUMNS}) FROM STDIN") as copy:
                for row in rows():
                    copy.write_row(row)
        else:
            adapt = connection.ops.adapt_datetimefield_value
            marks = ", ".join(["%s"] * 18)
            batch = []
            for row in rows():
                batch.append((*row[:12], *(adapt(v) for v in row[12:16]), *row[16:]))
                if len(batch) == 10_000:
                    cursor.executemany(
                        f"INSERT INTO exchange_listing ({COLUMNS}) VALUES ({marks})", batch
                    )
                    batch = []
            if batch:
                cursor.executemany(
                    f"INSERT INTO exchange_listing ({COLUMNS}) VALUES ({marks})", batch
                )


def _migration(name: str = "0003_search"):
    import importlib

    return importlib.import_module(f"pitchless.exchange.migrations.{name}")


#: PostgreSQL's search indexes: on the narrow table since 0005 (the names 0004 gave them; the
#: GIN index holds the id ranges since 0007)
PG_INDEXES = ("listing_search_document", "listing_location_trgm")


def drop_index() -> None:
    """Drop the search index (not the data) so that the load does not update it row by row."""
    from django.db import connection

    migration = _migration()
    narrow = _migration("0005_search_narrow")
    with connection.cursor() as cursor:
        narrow.drop_for_load(cursor, connection.vendor)
        if connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        else:
            for name in migration.SQLITE_TRIGGER_NAMES:
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def build_index() -> None:
    """Build the search indexes over every row, as migrations 0003 to 0007 do, then ANALYZE.

    The narrow table (0005) is filled from the listings and its indexes and triggers made.
    """
    from django.db import connection

    migration = _migration()
    narrow = _migration("0005_search_narrow")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET maintenance_work_mem = '256MB'")
            narrow.install_postgresql(cursor)
            # 0005 makes the one-column GIN index; 0007 gives it the id ranges.
            _migration("0007_search_recent_ranges").install_postgresql(cursor)
            cursor.execute("ANALYZE exchange_listing")
            cursor.execute("VACUUM (ANALYZE) exchange_listing_search")
        else:
            migration.install_sqlite(cursor)
            narrow.install_sqlite(cursor)
            cursor.execute("ANALYZE")
            cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def sizes_on_disk() -> tuple[int, int]:
    """The database's size and the search index's share of it, in bytes."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT pg_database_size(current_database()),"
                " pg_total_relation_size('exchange_listing_search')"
            )
            return cursor.fetchone()
        cursor.execute("PRAGMA page_size")
        (page,) = cursor.fetchone()
        cursor.execute("PRAGMA page_count")
        (pages,) = cursor.fetchone()
        try:
            cursor.execute(
                "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'exchange_listing_fts%'"
                " OR name LIKE 'exchange_listing_search%' OR name LIKE 'listing_search_%'"
            )
            (fts,) = cursor.fetchone()
        except Exception:
            fts = 0
        return page * pages, fts or 0


def naive(params, page: int, per_page: int = 20):
    """The scan search replaces: icontains on title and description, newest first."""
    from django.db.models import Q

    from pitchless.exchange import search as search_module

    qs = search_module._filtered(params, NOW)
    for term in search_module.ParsedQuery.parse(params.q).terms:
        qs = qs.filter(Q(title__icontains=term) | Q(description__icontains=term))
    offset = (page - 1) * per_page
    return list(qs.order_by("-published_at", "-id")[offset : offset + per_page + 1])


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def _cpu_seconds() -> float:
    """CPU time of this process plus, on PostgreSQL, of its server backend (same machine).

    On a shared machine wall-clock latency includes waiting for a core; CPU time is the work
    one search costs, the figure to compare across runs.
    """
    from django.db import connection

    used = time.process_time()
    if connection.vendor == "postgresql":
        global _BACKEND_PID
        if _BACKEND_PID is None:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                _BACKEND_PID = cursor.fetchone()[0]
        try:
            fields = Path(f"/proc/{_BACKEND_PID}/stat").read_text().rsplit(")", 1)[1].split()
            used += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            pass
    return used


_BACKEND_PID: int | None = None


def time_queries(repeat: int, naive_budget: float, only: str = "") -> list[dict]:
    from pitchless.exchange.search import SearchParams, search

    rows = []
    all_search: list[float] = []
    print(
        f"  {'query':<24} {'hits':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8} {'min ms':>7}"
        f" {'cpu ms':>7}   {'naive p50':>9} {'naive p95':>9} {'runs':>5}",
        flush=True,
    )
    wanted = [w.strip() for w in only.split(",") if w.strip()]
    for label, raw, page in QUERIES:
        if wanted and not any(w in label for w in wanted):
            continue
        params, _ = SearchParams.from_mapping(raw)
        for _ in range(2):  # warm caches and connections
            result = search(params, page=page, now=NOW)
        samples = []
        cpu_started = _cpu_seconds()
        for _ in range(repeat):
            started = time.perf_counter()
            result = search(params, page=page, now=NOW)
            samples.append((time.perf_counter() - started) * 1000)
        cpu_ms = (_cpu_seconds() - cpu_started) * 1000 / repeat
        all_search += samples
        naive_samples: list[float] = []
        budget_end = time.perf_counter() + naive_budget
        # A negative budget (--no-naive): no naive runs at all.
        while (
            naive_budget >= 0
            and len(naive_samples) < repeat
            and (len(naive_samples) < 3 or time.perf_counter() < budget_end)
        ):
            started = time.perf_counter()
            naive(params, page)
            naive_samples.append((time.perf_counter() - started) * 1000)
        row = {
            "query": label,
            "params": raw,
            "page": page,
            "hits": len(result.hits),
            "p50": statistics.median(samples),
            "p95": percentile(samples, 0.95),
            "p99": percentile(samples, 0.99),
            "min": min(samples),
            "cpu_ms": cpu_ms,
            "naive_p50": statistics.median(naive_samples) if naive_samples else float("nan"),
            "naive_p95": percentile(naive_samples, 0.95) if naive_samples else float("nan"),
            "naive_runs": len(naive_samples),
        }
        rows.append(row)
        print(
            f"  {label:<24} {row['hits']:>5} {row['p50']:>8.1f} {row['p95']:>8.1f}"
            f" {row['p99']:>8.1f} {row['min']:>7.1f} {row['cpu_ms']:>7.1f}"
            f"   {row['naive_p50']:>9.1f} {row['naive_p95']:>9.1f}"
            f" {row['naive_runs']:>5}",
            flush=True,
        )
    if not all_search:
        return rows
    print(
        f"  {'all queries':<24} {'':>5} {statistics.median(all_search):>8.1f}"
        f" {percentile(all_search, 0.95):>8.1f} {percentile(all_search, 0.99):>8.1f}",
        flush=True,
    )
    return rows


if __name__ == "__main__":
    sys.exit(main())
