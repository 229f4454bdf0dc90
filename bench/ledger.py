#!/usr/bin/env python
"""Benchmark the money ledger page (/donaties/) against Django's admin changelist.

Generates N pledges (default 100,000) in a database of its own, then requests the
ledger page as a coordinator and the admin changelist of the same model as a
superuser, in the same run, interleaved, with django.test.Client. Prints median
and p95 latency and SQL queries per page for the first and last page, unfiltered,
filtered and searched, beside a plain django-tables2 page without totals (bench/plain.py),
the ratios, the SQL time of every query and the targets of issue 15.

It prints figures; it is not a test and asserts nothing.

    .venv/bin/python bench/ledger.py                       # SQLite, bench/bench.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/ledger.py
    .venv/bin/python bench/ledger.py --rows 20000 --repeat 10 --profile

The database is never the developer's db.sqlite3 nor the CI's `test` database.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime
import itertools
import math
import os
import platform
import random
import secrets
import statistics
import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

BENCH_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BENCH_DIR.parent
DEFAULT_SQLITE = BENCH_DIR / "bench.sqlite3"

# Targets from issue 15 ("Done when"): every page, first or last, p50 ≤ 40 ms (a search ≤ 80 ms),
# and no slower than the plain django-tables2 page (bench/plain.py) × 1.2 in the same run.
TARGET_PAGE_MS = 40.0
TARGET_SEARCH_MS = 80.0
TARGET_PLAIN_RATIO = 1.2

# The plain django-tables2 reference pages (bench/plain.py).
PLAIN_DONATIONS = "/bench/plain/donations/"
PLAIN_OFFERS = "/bench/plain/offers/"
PLAIN_PER_PAGE = 25

COORDINATOR_EMAIL = "bench-coordinator@bench.vngfonds.nl"
SUPERUSER_EMAIL = "bench-admin@bench.vngfonds.nl"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=100_000, help="pledges in the database (default 100000)")
    parser.add_argument("--repeat", type=int, default=30, help="timed requests per scenario (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed requests per scenario first (default 3)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="database to use (default: $DATABASE_URL, else sqlite:///bench/bench.sqlite3)",
    )
    parser.add_argument("--per-page", type=int, default=None, help="ledger rows per page (default: the app's default)")
    parser.add_argument("--admin-per-page", type=int, default=None, help="admin list_per_page (default: the admin's, 100)")
    parser.add_argument("--search", default="dam", help="search term for the search scenarios (default 'dam')")
    parser.add_argument("--regenerate", action="store_true", help="delete and regenerate the pledges")
    parser.add_argument(
        "--analyze",
        choices=["auto", "yes", "no"],
        default="auto",
        help="(VACUUM) ANALYZE: yes = now, even if the data exists; auto (default) = after generating, on PostgreSQL "
        "only (autovacuum would), not on SQLite (nothing would); no = never",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print every query of every scenario with its time and plan (EXPLAIN QUERY PLAN / EXPLAIN ANALYZE)",
    )
    parser.add_argument("--only", default=None, help="comma-separated scenario keys to run: first,last,lastprev,"
                        "ffirst,flast,flastprev,sfirst,slast,slastprev")
    parser.add_argument("--skip-admin", action="store_true", help="measure only the ledger (quicker; no ratio)")
    return parser.parse_args()


def configure(args: argparse.Namespace, default_sqlite: Path = DEFAULT_SQLITE) -> str:
    """Point Django at the bench database and bench-friendly settings before setup()."""
    url = args.database_url or f"sqlite:///{default_sqlite}"
    import dj_database_url

    config = dj_database_url.parse(url)
    if config["ENGINE"].endswith("sqlite3"):
        path = Path(config["NAME"]).resolve()
        if path == (PROJECT_DIR / "db.sqlite3").resolve():
            sys.exit(f"Refusing to benchmark on the developer's db.sqlite3; use bench/{default_sqlite.name}.")
    elif config["NAME"] in ("test", "postgres", "template0", "template1"):
        sys.exit(f"Refusing to benchmark on the {config['NAME']!r} database; use e.g. .../bench.")
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "fonds.settings"
    os.environ["DJANGO_DEBUG"] = "false"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ["STATIC_MANIFEST"] = "false"
    os.environ["DJANGO_ALLOWED_HOSTS"] = "*"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(PROJECT_DIR))
    return url


def start_django() -> None:
    """django.setup() with the settings configure() chose, checked."""
    import django

    # STATIC_ROOT need not exist: the bench serves no static files.
    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from django.conf import settings

    if settings.DEBUG or settings.SECURE_SSL_REDIRECT:
        sys.exit("The bench needs DEBUG and SECURE_SSL_REDIRECT off; check the environment.")
    settings.STORAGES["staticfiles"]["BACKEND"] = "django.contrib.staticfiles.storage.StaticFilesStorage"
    import plain  # bench/plain.py: the reference pages

    plain.install()


def prepare_database(url: str) -> None:
    """Create (PostgreSQL), migrate and load the reference data into the bench database."""
    from django.core.management import call_command

    ensure_postgres_database()
    print(f"Database: {url}")
    call_command("migrate", verbosity=0, interactive=False)
    call_command("load_reference_data", verbosity=0)


def ensure_postgres_database() -> None:
    """Create the PostgreSQL database named in DATABASE_URL if it does not exist."""
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg
    from psycopg import sql

    params = connection.get_connection_params()
    name = connection.settings_dict["NAME"]
    params.pop("dbname", None)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            print(f"Creating PostgreSQL database {name!r}.")
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


# --- data -------------------------------------------------------------------------------

FIRST_NAMES = ["Anouk", "Bram", "Carla", "Daan", "Eva", "Fleur", "Gijs", "Hanna", "Iris", "Joost",
               "Karin", "Lars", "Maaike", "Niels", "Olga", "Pieter", "Roos", "Sven", "Tess", "Wouter"]
LAST_NAMES = ["de Vries", "Jansen", "Bakker", "Visser", "Smit", "Meijer", "de Boer", "Mulder",
              "de Groot", "Bos", "Vos", "Peters", "Hendriks", "van Leeuwen", "Dekker", "Brouwer"]
IBANS = ["NL91ABNA0417164300", "NL20INGB0001234567", "NL44RABO0123456789", "NL38BNGH0285012345"]
EXTRA_APPEALS = [
    ("Aardbeving Marokko: wederopbouw", "wederopbouw"),
    ("Overstromingen Libië: noodhulp", "noodhulp"),
]


def ensure_users():
    from pledges.models import Municipality, Role, User

    coordinator = User.objects.filter(email=COORDINATOR_EMAIL).first() or User.objects.create_user(
        COORDINATOR_EMAIL, None, first_name="Bench", last_name="Coordinator", role=Role.COORDINATOR
    )
    superuser = User.objects.filter(email=SUPERUSER_EMAIL).first() or User.objects.create_superuser(
        SUPERUSER_EMAIL, None, first_name="Bench", last_name="Admin"
    )
    # One civil servant per municipality creates that municipality's pledges.
    have = set(User.objects.filter(role=Role.MUNICIPAL_STAFF).values_list("municipality_id", flat=True))
    new = [
        User(email=f"{m.code.lower()}@bench.vngfonds.nl", first_name="Bench", last_name=m.name,
             role=Role.MUNICIPAL_STAFF, municipality=m, password="!")
        for m in Municipality.objects.exclude(pk__in=have)
    ]
    User.objects.bulk_create(new, batch_size=500)
    creators = dict(User.objects.filter(role=Role.MUNICIPAL_STAFF).values_list("municipality_id", "pk"))
    return coordinator, superuser, creators


def ensure_appeals():
    from pledges.models import Appeal

    main = Appeal.objects.order_by("pk").first()
    appeals = [main]
    for title, theme in EXTRA_APPEALS:
        appeal, _ = Appeal.objects.get_or_create(
            title=title,
            defaults={"theme": theme, "iban": main.iban, "account_name": main.account_name,
                      "transfer_keyword": main.transfer_keyword, "accepts": Appeal.Accepts.MONEY},
        )
        appeals.append(appeal)
    return appeals


# SQLite's search tables (migrations 0023 and 0031), rebuilt once after a bulk load.
SQLITE_SEARCH_TABLES = ("pledges_donation_search", "pledges_offer_search")


@contextlib.contextmanager
def loading():
    """One transaction for a bulk load, with the database's triggers off; the sums made once after.

    Row by row, the triggers that keep the running sums (and on SQLite the search tables)
    cost more than the rows themselves: a million pledges took most of an hour. So the load
    runs without them (SQLite: dropped and created again in the same transaction;
    PostgreSQL: session_replication_role = replica, a superuser's setting, which also skips
    foreign-key checks: the generated rows are consistent by construction), and then the
    sums are rebuilt from the rows as `verify_ledger --rebuild-summary` does and SQLite's
    search tables are rebuilt by FTS5. SQLite also gets a page cache of 1 GB meanwhile:
    with the default 2 MB a transaction of a million rows spills its index pages to the WAL
    again and again (it grew past 800 MB); the timings run with the default cache.
    """
    from django.db import connection, transaction

    from pledges.donations import summary
    from pledges.equipment import summary as equipment_summary

    sqlite = connection.vendor == "sqlite"
    with connection.cursor() as cursor:
        if sqlite:
            cursor.execute("PRAGMA cache_size")
            (default_cache,) = cursor.fetchone()
            cursor.execute("PRAGMA cache_size = -1000000")
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            if sqlite:
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                triggers = cursor.fetchall()
                for name, _ in triggers:
                    cursor.execute(f"DROP TRIGGER {connection.ops.quote_name(name)}")
            else:
                cursor.execute("SET LOCAL session_replication_role = replica")
            yield
            if sqlite:
                for _, sql in triggers:
                    cursor.execute(sql)
                for table in SQLITE_SEARCH_TABLES:
                    cursor.execute(f"INSERT INTO {table}({table}) VALUES ('rebuild')")
            else:
                cursor.execute("SET LOCAL session_replication_role = DEFAULT")
            started = time.perf_counter()
            rows = summary.rebuild() + equipment_summary.rebuild()
            print(f"Rebuilt the running sums ({rows:,} rows) in {time.perf_counter() - started:.1f} s.")
    finally:
        if sqlite:
            with connection.cursor() as cursor:
                cursor.execute(f"PRAGMA cache_size = {int(default_cache)}")


def generate(rows: int, regenerate: bool, analyze: str) -> None:
    """Bulk-create `rows` pledges with explicit pks 1..rows, unless they are there already."""
    from django.db import connection, transaction
    from django.utils import timezone

    from pledges.models import Donation, Municipality

    count = Donation.objects.count()
    max_pk = Donation.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if count == rows and max_pk == rows and not regenerate:
        print(f"Database holds {rows:,} pledges already; not regenerating.")
        if analyze == "yes":
            run_analyze()
        return
    _, _, creators = ensure_users()
    appeals = ensure_appeals()
    municipalities = list(Municipality.objects.order_by("code").values_list("pk", flat=True))
    if count:
        print(f"Database holds {count:,} pledges; deleting them to generate {rows:,}.")
        with transaction.atomic(), connection.cursor() as cursor:
            table = connection.ops.quote_name(Donation._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")
    rng = random.Random(2026)
    # Some municipalities pledge far more often than others (a long tail, as in life).
    weights = [1 / (1 + (i % 60)) ** 0.7 for i in range(len(municipalities))]
    rng.shuffle(weights)
    weights = list(itertools.accumulate(weights))  # cumulative once, not on every draw (same draws)
    now = timezone.now().replace(microsecond=0)
    span = 3 * 365 * 24 * 3600
    statuses = ["pledged", "partly_received", "received", "withdrawn"]
    status_weights = [40, 10, 45, 5]
    amounts_euro = [500, 1000, 2500, 5000, 7500, 10000, 15000, 25000, 50000, 100000, 250000]
    started = time.perf_counter()
    batch = []
    with loading():
        for pk in range(1, rows + 1):
            municipality = rng.choices(municipalities, cum_weights=weights)[0]
            # Older pledges have lower pks, as when they are made one by one.
            created = now - datetime.timedelta(seconds=int(span * (1 - pk / rows)) + rng.randint(0, 59))
            amount = rng.choice(amounts_euro) * 100 + rng.choice([0, 0, 0, 50, 25, 99])
            status = rng.choices(statuses, status_weights)[0]
            if status == "received":
                received = amount
            elif status == "partly_received":
                received = rng.randint(1, amount - 1)
            else:  # pledged, withdrawn
                received = 0
            first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
            batch.append(Donation(
                pk=pk,
                appeal=appeals[0] if rng.random() < 0.85 else rng.choice(appeals[1:]),
                municipality_id=municipality,
                amount_cents=amount,
                received_cents=received,
                status=status,
                iban=rng.choice(IBANS),
                reference=Donation.reference_for(pk),
                decision_reference=f"B&W-besluit {created.year}/{rng.randint(100, 9999)}",
                expected_date=(created + datetime.timedelta(days=rng.randint(5, 90))).date(),
                contact_name=f"{first} {last}",
                contact_email=f"{first.lower()}.{last.replace(' ', '').lower()}@gemeente.example",
                created_by_id=creators[municipality],
                created_at=created,
                updated_at=created,
            ))
            if len(batch) == 5000:
                Donation.objects.bulk_create(batch)
                batch.clear()
        if batch:
            Donation.objects.bulk_create(batch)
        # Explicit pks leave PostgreSQL's sequence behind; point it past them.
        from django.core.management.color import no_style

        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [Donation]):
                cursor.execute(statement)
    print(f"Generated {rows:,} pledges in {time.perf_counter() - started:.1f} s.")
    if analyze == "yes" or (analyze == "auto" and connection.vendor == "postgresql"):
        run_analyze()


def run_analyze() -> None:
    """Give the query planner statistics (and PostgreSQL a visibility map)."""
    from django.db import connection

    # On PostgreSQL autovacuum would soon vacuum and analyze 100,000 new rows (which also
    # sets the visibility map that index-only scans need); do it now, so runs are alike.
    statement = "VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE"
    with connection.cursor() as cursor:
        cursor.execute(statement)
    print(f"Ran {statement}.")


# --- measuring --------------------------------------------------------------------------


@dataclass
class Scenario:
    key: str
    label: str
    page: str  # "first" or "last"
    ours: str
    admin: str
    plain: str = ""  # the plain django-tables2 page (bench/plain.py) with the same filter
    rows: int = 0
    ours_ms: list[float] = field(default_factory=list)
    admin_ms: list[float] = field(default_factory=list)
    plain_ms: list[float] = field(default_factory=list)
    ours_cpu: list[float] = field(default_factory=list)
    admin_cpu: list[float] = field(default_factory=list)
    plain_cpu: list[float] = field(default_factory=list)
    ours_queries: list = field(default_factory=list)
    admin_queries: list = field(default_factory=list)
    plain_queries: list = field(default_factory=list)

    @property
    def target_ms(self) -> float:
        return TARGET_SEARCH_MS if self.key.startswith("s") else TARGET_PAGE_MS


def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def build_scenarios(args, per_page: int, admin_per_page: int) -> list[Scenario]:
    from django.db.models import Q

    from pledges.models import Donation

    status, province, term = "pledged", "Noord-Holland", args.search
    counts = {
        "all": Donation.objects.count(),
        "filtered": Donation.objects.filter(status=status, municipality__province=province).count(),
        "search": Donation.objects.filter(
            Q(municipality__name__icontains=term) | Q(decision_reference__icontains=term)
            | Q(contact_name__icontains=term)
        ).count(),
    }
    return scenarios_for(args, counts, {"status": status, "province": province},
                         {"status__exact": status, "municipality__province": province},
                         paths=("/donaties/", PLAIN_DONATIONS, "/admin/pledges/donation/"),
                         per_page=per_page, admin_per_page=admin_per_page)


def scenarios_for(args, counts: dict[str, int], f_ours: dict, f_admin: dict, *, paths: tuple[str, str, str],
                  per_page: int, admin_per_page: int) -> list[Scenario]:
    """First and last page, unfiltered, filtered and searched, on our page, the plain one and the admin's.

    `counts` holds the rows of each ("all", "filtered", "search"); `paths` ours, plain, admin.
    """
    ours_path, plain_path, admin_path = paths
    term = args.search

    def last(n: int, size: int) -> int:
        return max(1, math.ceil(n / size))

    def url(path: str, **params) -> str:
        return path + ("?" + urlencode(params) if params else "")

    def ours(**params) -> str:
        if args.per_page:
            params["per_page"] = per_page
        return url(ours_path, **params)

    def scenario(key: str, label: str, rows: str, ours_params: dict, admin_params: dict) -> list[Scenario]:
        n = counts[rows]
        return [
            Scenario(key, f"{label}, first", "first", ours(**ours_params), url(admin_path, **admin_params),
                     plain=url(plain_path, **ours_params), rows=n),
            Scenario(key.replace("first", "last"), f"{label}, last", "last",
                     ours(**ours_params, page=last(n, per_page)),
                     url(admin_path, **admin_params, p=last(n, admin_per_page)),
                     plain=url(plain_path, **ours_params, page=last(n, PLAIN_PER_PAGE)), rows=n),
        ]

    return [
        *scenario("first", "unfiltered", "all", {}, {}),
        *scenario("ffirst", "status+province", "filtered", f_ours, f_admin),
        *scenario("sfirst", f"search {term!r}", "search", {"q": term}, {"q": term}),
    ]


def with_previous_pages(args, scenarios: list[Scenario], client) -> list[Scenario]:
    """After each last page, the page before it as its Previous link reaches it, then `--only`.

    Ours follows the link on our last page (a cursor: the rows before the last page's first;
    before issue 15 a page number, read by OFFSET); the plain page and the admin's get the
    page number before their last.
    """
    import html
    import re

    def one_less(url: str, name: str) -> str:
        return re.sub(rf"([?&]{name}=)(\d+)", lambda m: f"{m.group(1)}{max(int(m.group(2)) - 1, 1)}", url)

    chosen = []
    for s in scenarios:
        chosen.append(s)
        if s.page != "last":
            continue
        link = re.search(r'rel="prev" href="([^"]*)"', client.get(s.ours).text)
        if link:
            chosen.append(Scenario(
                s.key + "prev", s.label.replace(", last", ", next to last"), "last",
                s.ours.split("?")[0] + html.unescape(link.group(1)), one_less(s.admin, "p"),
                plain=one_less(s.plain, "page"), rows=s.rows,
            ))
    if args.only:
        keys = set(args.only.split(","))
        chosen = [s for s in chosen if s.key in keys]
    return chosen


def server_cpu() -> tuple[int | None, int]:
    """The PostgreSQL backend serving this process, and its CPU nanoseconds so far.

    Read from /proc/<pid>/schedstat, so only when the server runs on this machine
    (and we may read its /proc entry); (None, 0) otherwise and on SQLite.
    """
    from django.db import connection

    if connection.vendor != "postgresql" or connection.connection is None:
        return None, 0
    pid = connection.connection.info.backend_pid
    try:
        return pid, int(Path(f"/proc/{pid}/schedstat").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None, 0


def get(client, url: str) -> tuple[float, float]:
    """Wall-clock and CPU milliseconds of one request.

    CPU is this process's (Python, and SQLite's own work) plus, on a local PostgreSQL,
    the server backend's: the cost of the request itself, which other load on the
    machine inflates far less than the wall-clock time.
    """
    pid, server = server_cpu()
    cpu, started = time.process_time(), time.perf_counter()
    response = client.get(url)
    elapsed, cpu = (time.perf_counter() - started) * 1000, (time.process_time() - cpu) * 1000
    pid_after, server_after = server_cpu()
    if pid_after is not None:
        # A new backend (the persistent connection was recycled) did all of this request's work.
        cpu += (server_after - (server if pid_after == pid else 0)) / 1e6
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    return elapsed, cpu


TRANSACTION_STATEMENTS = {"BEGIN", "COMMIT", "ROLLBACK"}


def capture(client, url: str) -> list[dict]:
    """One request's SQL: counted by CaptureQueriesContext, timed to the microsecond."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    timed = []

    def timer(execute, sql, params, many, context):
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            timed.append({"raw": sql, "params": params, "ms": (time.perf_counter() - started) * 1000})

    with CaptureQueriesContext(connection) as ctx, connection.execute_wrapper(timer):
        response = client.get(url)
    if response.status_code != 200:
        raise SystemExit(f"GET {url} answered {response.status_code}")
    # Django 6 also logs BEGIN, COMMIT and ROLLBACK, which pass no execute wrapper: pair the rest.
    queries = [query for query in ctx.captured_queries if query["sql"] not in TRANSACTION_STATEMENTS]
    for query, t in zip(queries, timed, strict=True):
        query.update(t)
    return queries


def explain(sql: str, params) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(f"      {row[3]}" for row in cursor.fetchall())
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        return "\n".join(f"      {row[0]}" for row in cursor.fetchall())


def measure(args, scenarios: list[Scenario], ours_client, admin_client) -> None:
    admin = not args.skip_admin
    for _ in range(args.warmup):
        for s in scenarios:
            get(ours_client, s.ours)
            if s.plain:
                get(ours_client, s.plain)
            if admin:
                get(admin_client, s.admin)
    # One request per scenario with its SQL recorded (warm, like the timed ones).
    for s in scenarios:
        s.ours_queries = capture(ours_client, s.ours)
        if s.plain:
            s.plain_queries = capture(ours_client, s.plain)
        if admin:
            s.admin_queries = capture(admin_client, s.admin)
    # Interleaved, so drift (other load, caches, CPU boost) hits every side alike.
    for _ in range(args.repeat):
        for s in scenarios:
            wall, cpu = get(ours_client, s.ours)
            s.ours_ms.append(wall)
            s.ours_cpu.append(cpu)
            if s.plain:
                wall, cpu = get(ours_client, s.plain)
                s.plain_ms.append(wall)
                s.plain_cpu.append(cpu)
            if admin:
                wall, cpu = get(admin_client, s.admin)
                s.admin_ms.append(wall)
                s.admin_cpu.append(cpu)


# --- report -----------------------------------------------------------------------------


def mark(ok: bool) -> str:
    return "pass" if ok else "FAIL"


def report(args, url, scenarios: list[Scenario], per_page: int, admin_per_page: int, load_before, *,
           model=None, title: str = "Ledger", ours_path: str = "/donaties/",
           admin_path: str = "/admin/pledges/donation/", noun: str = "pledges") -> None:
    """Print the figures; the keywords let bench/equipment.py report another table the same way."""
    import django
    from django.db import connection

    if model is None:
        from pledges.models import Donation as model

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("select sqlite_version()")
            db = f"SQLite {cursor.fetchone()[0]} ({Path(connection.settings_dict['NAME']).name})"
    else:
        db = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000} " \
             f"(database {connection.settings_dict['NAME']!r})"
    print()
    print(f"{title} benchmark: {model.objects.count():,} {noun} on {db}")
    load = " / ".join(f"{x:.1f}" for x in load_before) + " -> " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"Django {django.get_version()}, Python {platform.python_version()}, {os.cpu_count()} CPUs "
          f"({cpu_model()}), load average {load}; {args.repeat} timed requests per scenario after "
          f"{args.warmup} warm-up, interleaved ours/admin")
    print(f"App: {app_version()}.")
    print(f"{title} {ours_path} as coordinator, {per_page} rows/page; plain = a django-tables2 page without "
          f"totals (bench/plain.py), {PLAIN_PER_PAGE} rows/page; admin {admin_path} as superuser, "
          f"{admin_per_page} rows/page. Times in ms; q = SQL queries per page.")
    print()
    header = (f"{'scenario':<30} {'rows':>9} | {'ours p50':>8} {'p95':>6} {'cpu':>5} {'q':>2} | "
              f"{'plain p50':>9} {'cpu':>5} {'q':>2} | {'admin p50':>9} {'cpu':>5} {'q':>2} | "
              f"{'/plain':>6} {'/admin':>6} | {'target':>6} {'p50':>4} {'plain':>5}")
    print(header)
    print("-" * len(header))
    verdicts = []

    def side(times: list[float], cpu: list[float], queries: list) -> tuple[str, float | None]:
        if not times:
            return f"{'-':>9} {'-':>5} {'-':>2}", None
        p50 = statistics.median(times)
        return f"{p50:>9.1f} {statistics.median(cpu):>5.1f} {len(queries):>2}", p50

    for s in scenarios:
        o50, o95 = statistics.median(s.ours_ms), percentile(s.ours_ms, 95)
        oc = statistics.median(s.ours_cpu)
        plain_text, p50 = side(s.plain_ms, s.plain_cpu, s.plain_queries)
        admin_text, a50 = side(s.admin_ms, s.admin_cpu, s.admin_queries)
        ok_ms = o50 <= s.target_ms
        verdicts.append(ok_ms)
        if p50 is not None:
            ok_plain = o50 <= p50 * TARGET_PLAIN_RATIO
            verdicts.append(ok_plain)
        ratio_plain = f"{o50 / p50:>6.2f}" if p50 else f"{'-':>6}"
        ratio_admin = f"{o50 / a50:>6.2f}" if a50 else f"{'-':>6}"
        print(f"{s.label:<30} {s.rows:>9,} | {o50:>8.1f} {o95:>6.1f} {oc:>5.1f} {len(s.ours_queries):>2} | "
              f"{plain_text} | {admin_text} | {ratio_plain} {ratio_admin} | {f'≤ {s.target_ms:.0f}':>6} "
              f"{mark(ok_ms):>4} {mark(ok_plain) if p50 is not None else '-':>5}")
    print("-" * len(header))
    counts = {len(s.ours_queries) for s in scenarios}
    constant = "yes" if len(counts) == 1 else "NO"
    print(f"{title} queries per page constant across scenarios: {constant} ({', '.join(map(str, sorted(counts)))})")
    print(f"Targets (issue 15): p50 ≤ {TARGET_PAGE_MS:.0f} ms a page (a search ≤ {TARGET_SEARCH_MS:.0f} ms), "
          f"ours ≤ plain × {TARGET_PLAIN_RATIO}: {sum(verdicts)}/{len(verdicts)} met"
          f"{'' if all(verdicts) else ' (see FAIL)'}")
    cpus = os.cpu_count() or 1
    busiest = max(load_before[0], os.getloadavg()[0])
    if busiest > cpus:  # the bench itself is one
        print(f"NOTE: the machine was busy (1-min load average up to {busiest:.1f} on {cpus} CPUs): wall-clock "
              f"times are inflated; the cpu column is inflated far less.")
    print(f"cpu = median CPU ms per request: this process (Python{', SQLite' if connection.vendor == 'sqlite' else ''})"
          f"{' + the PostgreSQL backend (/proc/<pid>/schedstat)' if server_cpu()[0] else ''}.")
    print()
    # Where the time goes: every query of each scenario, from the captured request.
    print("SQL per query (ms, wall-clock, one captured request per scenario; plain = the tables2 page):")
    for s in scenarios:
        for name, queries in (("ours", s.ours_queries), ("plain", s.plain_queries)):
            if not queries:
                continue
            total = sum(q["ms"] for q in queries)
            parts = "; ".join(f"{q['ms']:.1f} {summarize(q['sql'])}" for q in queries)
            print(f"  {s.label:<30} {name:<5} all {total:6.1f} | {parts}")
    if args.profile:
        profile(scenarios)


def app_version() -> str:
    """The commit of the code measured, and whether the working tree differs from it."""
    import subprocess

    def git(*args: str) -> str:
        return subprocess.run(["git", "-C", str(PROJECT_DIR), *args], capture_output=True, text=True,
                              check=True).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "--", ".", ":!bench")
    except (OSError, subprocess.CalledProcessError):
        return f"{PROJECT_DIR} (not a git checkout)"
    return f"commit {commit}" + (" with uncommitted changes" if dirty else "")


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.machine()


def summarize(sql: str) -> str:
    """A short name for a query, to see at a glance where the time goes."""
    text = " ".join(sql.split())
    if "SUM(" in text:
        kind = "totals"
    elif text.startswith("SELECT COUNT("):
        kind = "count"
    elif "django_datetime_trunc" in text or "DATE_TRUNC" in text or "MIN(" in text:
        kind = "date hierarchy"
    elif "django_session" in text:
        kind = "session"
    elif ' FROM "pledges_' in text and "LIMIT" in text:
        kind = "page rows" + (" OFFSET" if "OFFSET" in text else "")
    else:
        kind = text.split(" FROM ")[1].split()[0].strip('"') if " FROM " in text else "other"
    return kind


def profile(scenarios: list[Scenario]) -> None:
    print()
    print("=" * 100)
    print("Profile: every query of each scenario, with its plan")
    for s in scenarios:
        for side, url, queries in (("ours", s.ours, s.ours_queries), ("plain", s.plain, s.plain_queries),
                                   ("admin", s.admin, s.admin_queries)):
            print()
            print(f"## {s.label} -- {side}: {url}")
            for q in queries:
                print(f"  {q['ms']:7.2f} ms  {' '.join(q['sql'].split())[:600]}")
                if q["raw"].lstrip().upper().startswith("SELECT"):
                    print(explain(q["raw"], q["params"]))


def main() -> None:
    args = parse_args()
    url = configure(args)
    start_django()
    prepare_database(url)
    from django.contrib import admin
    from django.test import Client

    coordinator, superuser, _ = ensure_users()
    generate(args.rows, args.regenerate, args.analyze)

    from pledges.donations import views as ledger_views
    from pledges.models import Donation

    per_page = args.per_page or ledger_views.PAGE_SIZES[0]
    model_admin = admin.site._registry[Donation]
    if args.admin_per_page:
        model_admin.list_per_page = args.admin_per_page
    admin_per_page = model_admin.list_per_page

    ours_client, admin_client = Client(), Client()
    ours_client.force_login(coordinator)
    admin_client.force_login(superuser)
    scenarios = with_previous_pages(args, build_scenarios(args, per_page, admin_per_page), ours_client)
    load_before = os.getloadavg()
    measure(args, scenarios, ours_client, admin_client)
    report(args, url, scenarios, per_page, admin_per_page, load_before)


if __name__ == "__main__":
    main()
