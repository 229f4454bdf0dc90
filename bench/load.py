#!/usr/bin/env python
"""Load: mixed logged-in users against gunicorn on 127.0.0.1 (issue 6: 30 users, 0 errors, p95 ≤ 300 ms).

Prepares a database (migrate, reference data, `load_demo_data`, extra staff of several
municipalities, coordinators and finance, and one pre-created session per simulated user, so
nobody logs in through the form), starts gunicorn on it, runs bench/locustfile.py headless for a
bounded time, and prints requests per second, p50/p95 per page kind and the errors. Afterwards
it checks that every pledge the server confirmed (a 302 to its page) is in the database: no lost
writes. It prints figures and exits non-zero when a target is missed or a write was lost.

    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/wt_harden
    .venv/bin/python bench/load.py                      # SQLite: a temporary file
    .venv/bin/python bench/load.py --users 30 --run-time 60 --workers 3
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BENCH_DIR = PROJECT_DIR / "bench"
P95_TARGET_MS = 300
# The p95 target is for pages; exports and form posts (an import, a pledge) are not pages.
NOT_PAGES = ("export", "POST")


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"),
                        help="PostgreSQL database to use (default: $DATABASE_URL, else a temporary SQLite file)")
    parser.add_argument("--users", type=int, default=30)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", type=int, default=60, help="seconds of load")
    parser.add_argument("--workers", type=int, default=3, help="gunicorn workers")
    parser.add_argument("--wait", type=float, nargs=2, default=(1, 3), metavar=("MIN", "MAX"),
                        help="think time in seconds between a user's requests (default 1 3)")
    parser.add_argument("--sessions", type=int, default=30, help="pre-created sessions (users) in the database")
    return parser.parse_args()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def server_environment(url: str) -> dict[str, str]:
    return os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "fonds.settings",
        "DJANGO_DEBUG": "false",
        "DJANGO_SECRET_KEY": os.environ.get("DJANGO_SECRET_KEY", secrets.token_urlsafe(50)),
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on the loopback: no redirect to HTTPS, no manifest (no collectstatic step).
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "LOG_LEVEL": "WARNING",
        "PYTHONWARNINGS": "ignore:No directory at:UserWarning",  # no collectstatic step, as above
    }


def prepare(url: str, session_count: int) -> tuple[list[dict], int]:
    """Migrate, load reference and demo data, and create one logged-in session per simulated user."""
    os.environ.update(server_environment(url))
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.test import override_settings
    from django.middleware.csrf import _get_new_csrf_string

    from pledges.models import Appeal, Municipality, Role, User

    with open(os.devnull, "w") as quiet:
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("load_reference_data", stdout=quiet)
        # The demo data refuses to load without DEBUG; this database is the bench's own.
        with override_settings(DEBUG=True):
            call_command("load_demo_data", stdout=quiet)
    municipalities = list(Municipality.objects.order_by("code")[:: 342 // 12][:12])
    roles = [Role.MUNICIPAL_STAFF] * 6 + [Role.COORDINATOR] * 2 + [Role.FINANCE] * 2
    sessions = []
    for number in range(session_count):
        role = roles[number % len(roles)]
        municipality = municipalities[number % len(municipalities)] if role == Role.MUNICIPAL_STAFF else None
        user, _ = User.objects.get_or_create(
            email=f"load{number}@load.vngfonds.nl",
            defaults={"role": role, "municipality": municipality, "first_name": f"Load {number}"},
        )
        # What django.contrib.auth.login() stores; no password, no login form.
        store = SessionStore()
        store[SESSION_KEY] = str(user.pk)
        store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
        store[HASH_SESSION_KEY] = user.get_session_auth_hash()
        store.create()
        sessions.append({"role": role, "cookie": store.session_key, "csrf": _get_new_csrf_string()})
    appeal = Appeal.objects.filter(is_open=True).exclude(accepts=Appeal.Accepts.EQUIPMENT).order_by("pk").first()
    return sessions, appeal.pk


def start_gunicorn(url: str, port: int, workers: int) -> subprocess.Popen:
    server = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "fonds.wsgi", "--bind", f"127.0.0.1:{port}",
         "--workers", str(workers), "--log-level", "warning"],
        cwd=PROJECT_DIR, env=server_environment(url),
    )
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/login/", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    server.kill()
    sys.exit("gunicorn did not answer within 20 s")


def run_locust(args, port: int, work: Path, sessions_file: Path, pledges_file: Path, appeal: int) -> Path:
    """Run the locustfile headless; its own printout goes to a file, its figures to locust.json."""
    report = work / "locust.json"
    with (work / "locust.log").open("w") as log:
        subprocess.run(
            [str(Path(sys.executable).parent / "locust"), "-f", str(BENCH_DIR / "locustfile.py"), "--headless",
             "--host", f"http://127.0.0.1:{port}", "--users", str(args.users), "--spawn-rate", str(args.spawn_rate),
             "--run-time", f"{args.run_time}s", "--stop-timeout", "10", "--only-summary"],
            cwd=PROJECT_DIR, check=False, stdout=log, stderr=subprocess.STDOUT,
            env=os.environ | {"LOAD_SESSIONS": str(sessions_file), "LOAD_PLEDGES": str(pledges_file),
                              "LOAD_APPEAL": str(appeal), "LOAD_REPORT": str(report),
                              "LOAD_WAIT_MIN": str(args.wait[0]), "LOAD_WAIT_MAX": str(args.wait[1])},
        )
    return report


def report(report_file: Path) -> bool:
    """Print the figures per page kind; True when there was no error and every page met its p95."""
    figures = json.loads(report_file.read_text())
    print(f"\n{'page kind':<24}{'requests':>9}{'errors':>8}{'req/s':>8}{'p50 ms':>8}{'p95 ms':>8}")
    passed = not figures["errors"]
    for kind in figures["kinds"]:
        name = kind["name"]
        is_page = name != "all" and not any(word in name for word in NOT_PAGES)
        verdict = ("  ok" if kind["p95"] <= P95_TARGET_MS else "  over 300 ms") if is_page else ""
        passed = passed and verdict != "  over 300 ms"
        print(f"{name:<24}{kind['requests']:>9}{kind['errors']:>8}{kind['rps']:>8.1f}"
              f"{kind['p50']:>8.0f}{kind['p95']:>8.0f}{verdict}")
    for error in figures["errors"]:
        print(f"error: {error['count']} × {error['request']}: {error['error'][:160]}")
    return passed


def lost_writes(pledges_file: Path) -> list[str]:
    from django.db import connection

    from pledges.models import Donation

    connection.close()  # read what gunicorn committed, on a fresh connection
    confirmed = json.loads(pledges_file.read_text()) if pledges_file.exists() else []
    stored = set(Donation.objects.filter(decision_reference__startswith="LOAD-").values_list(
        "decision_reference", flat=True))
    print(f"\npledges confirmed to users: {len(confirmed)}; in the database: "
          f"{len(set(confirmed) & stored)}; lost: {len(set(confirmed) - stored)}")
    return sorted(set(confirmed) - stored)


def main() -> int:
    args = parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-load-"))
    url = args.database_url or f"sqlite:///{work}/load.sqlite3"
    if url.rsplit("/", 1)[-1] in ("test", "postgres", "template0", "template1", "ledger"):
        sys.exit("Name a database of its own for the load test, e.g. .../bench_load.")
    started = time.perf_counter()
    sessions, appeal = prepare(url, args.sessions)
    sessions_file, pledges_file = work / "sessions.json", work / "pledges.json"
    sessions_file.write_text(json.dumps(sessions))
    print(f"{platform.node()} · {os.cpu_count()} cores · load average {os.getloadavg()[0]:.1f} · "
          f"{url.split('://')[0]} · gunicorn {args.workers} workers · {args.users} users · "
          f"think {args.wait[0]:g}-{args.wait[1]:g} s · {args.run_time} s "
          f"(prepared in {time.perf_counter() - started:.0f} s)")
    port = free_port()
    server = start_gunicorn(url, port, args.workers)
    try:
        figures = run_locust(args, port, work, sessions_file, pledges_file, appeal)
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    passed = report(figures)
    lost = lost_writes(pledges_file)
    if lost:
        print("LOST:", ", ".join(lost[:20]))
    print("PASS" if passed and not lost else "FAIL")
    return 0 if passed and not lost else 1


if __name__ == "__main__":
    sys.exit(main())
