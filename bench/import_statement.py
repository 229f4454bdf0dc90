#!/usr/bin/env python
"""Benchmark importing a bank statement: a generated 10,000-line MT940 file (issue 4: ≤ 5 s).

Builds a fresh database of its own (a temporary SQLite file, or the PostgreSQL
database named by --database-url, dropped and created again), loads the
reference data and N open pledges with their paying accounts, writes one MT940
statement of the fund's account with --lines lines (RF payments, payments from
known accounts with the exact amount, gifts, debits, identical twins), and times:

- reading and checking the file (mt-940 library, balance check);
- the whole import: read, refuse another account's statement or a line outside its
  statement's period, sort every line against the booked ones (same transfer in any
  format or wrapping, held when only the text differs), store, match automatically,
  queue the thank-you mails (tasks, in the import's transaction), and check that the
  file's statements follow the account's others (balances, numbers, periods);
- the task worker sending those mails (locmem backend);
- the same file again (refused as already imported);
- an overlapping file (the same lines plus one new day): only the new lines added.

It prints figures; it is not a test and asserts nothing.

    .venv/bin/python bench/import_statement.py
    .venv/bin/python bench/import_statement.py --lines 10000 --pledges 3000
    .venv/bin/python bench/import_statement.py --database-url postgres://postgres@127.0.0.1:5432/bench_import
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import secrets
import sys
import tempfile
import time
from pathlib import Path
from typing import Self

PROJECT_DIR = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 5.0
FUND = "NL94BNGH0285173715"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lines", type=int, default=10_000, help="lines in the statement (default 10000)")
    parser.add_argument("--pledges", type=int, default=2_000, help="open pledges in the ledger (default 2000)")
    parser.add_argument("--database-url", default=None,
                        help="PostgreSQL database to drop and recreate (default: a temporary SQLite file)")
    return parser.parse_args()


def configure(args: argparse.Namespace) -> str:
    if args.database_url:
        import dj_database_url

        name = dj_database_url.parse(args.database_url)["NAME"]
        if name in ("test", "postgres", "template0", "template1", "ledger"):
            sys.exit(f"Refusing to drop the {name!r} database; name one of its own, e.g. .../bench_import.")
        url = args.database_url
    else:
        url = f"sqlite:///{tempfile.mkdtemp(prefix='bench-import-')}/bench.sqlite3"
    os.environ.update(
        DATABASE_URL=url,
        DJANGO_SETTINGS_MODULE="fonds.settings",
        DJANGO_DEBUG="false",
        EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend",
        BANK_STATEMENT_MAX_BYTES=str(100 * 1024 * 1024),
        UPLOAD_MAX_BYTES=str(100 * 1024 * 1024),
    )
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ.setdefault("DJANGO_SECRET_KEY", secrets.token_urlsafe(50))
    sys.path.insert(0, str(PROJECT_DIR))
    return url


def recreate_postgres_database() -> None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    import psycopg
    from psycopg import sql

    params = connection.get_connection_params()
    name = connection.settings_dict["NAME"]
    for key in ("dbname", "cursor_factory", "context", "prepare_threshold"):
        params.pop(key, None)
    with psycopg.connect(dbname="postgres", autocommit=True, **params) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def prepare(pledge_count: int) -> list[tuple[int, str, str, int]]:
    """Migrate, load reference data, create open pledges; return (pk, reference, iban, cents) of each."""
    from django.core.management import call_command
    from django.db import transaction

    from pledges.models import Appeal, Donation, KnownIban, Municipality, Role, User

    with open(os.devnull, "w") as quiet:
        call_command("migrate", verbosity=0, stdout=quiet)
        call_command("load_reference_data", stdout=quiet)
    appeal = Appeal.objects.get(transfer_keyword="Oekraine")
    municipalities = list(Municipality.objects.order_by("code"))
    rng = random.Random(4)
    with transaction.atomic():
        staff = {
            m.pk: User(email=f"{m.code.lower()}@bench.example.nl", role=Role.MUNICIPAL_STAFF, municipality=m,
                       password="!")
            for m in municipalities
        }
        User.objects.bulk_create(staff.values())
        staff = {u.municipality_id: u for u in User.objects.filter(role=Role.MUNICIPAL_STAFF)}
        ibans = {m.pk: _iban(rng) for m in municipalities}
        KnownIban.objects.bulk_create(KnownIban(municipality_id=m, iban=iban) for m, iban in ibans.items())
        rows = []
        for i in range(pledge_count):
            municipality = municipalities[i % len(municipalities)]
            rows.append(Donation(
                appeal=appeal, municipality=municipality, created_by=staff[municipality.pk],
                amount_cents=rng.randrange(500_00, 250_000_00, 50_00), iban=ibans[municipality.pk],
                decision_reference="Raadsbesluit 2026", expected_date=datetime.date(2026, 6, 30),
                contact_name="Contact", contact_email=f"financien@{municipality.code.lower()}.example.nl",
            ))
        rows = Donation.objects.bulk_create(rows, batch_size=1000)
        for row in rows:
            row.reference = Donation.reference_for(row.pk)
        Donation.objects.bulk_update(rows, ["reference"], batch_size=1000)
    return [(row.pk, row.reference, row.iban, row.amount_cents) for row in rows]


def _iban(rng: random.Random) -> str:
    from stdnum import iban

    bban = f"BNGH{rng.randrange(10**9, 10**10)}"
    return "NL" + iban.calc_check_digits(f"NL00{bban}") + bban


def _amount(cents: int) -> str:
    return f"{abs(cents) // 100},{abs(cents) % 100:02d}"


def _mark(cents: int) -> str:
    return "C" if cents >= 0 else "D"


def statement(days: list[tuple[datetime.date, list[tuple[int, str, str, str]]]], opening: int, number: int) -> bytes:
    """An MT940 file of the fund's account, BNG style, one :20: block per day."""
    out = []
    balance = opening
    for offset, (day, lines) in enumerate(days):
        closing = balance + sum(line[0] for line in lines)
        out += [
            "{1:F01BNGHNL2GAXXX0000000000}{2:I940BNGHNL2GXXXXN}{4:",
            f":20:BENCH{number + offset:08d}",
            f":25:{FUND}",
            f":28C:{number + offset:05d}/00001",
            f":60F:{_mark(balance)}{day - datetime.timedelta(days=1):%y%m%d}EUR{_amount(balance)}",
        ]
        for i, (cents, iban, name, text) in enumerate(lines):
            out.append(f":61:{day:%y%m%d%m%d}{'C' if cents > 0 else 'D'}{_amount(cents)}NTRFNONREF//B{day:%m%d}{i:07d}")
            out.append("/TRCD/00100/")
            details = f"/CNTP/{iban}/BNGHNL2G/{name}/AMSTERDAM//REMI/USTD//{text}/"
            out += [":86:" + details[:65]] + [details[k:k + 65] for k in range(65, len(details), 65)]
        out += [f":62F:{_mark(closing)}{day:%y%m%d}EUR{_amount(closing)}", "-}"]
        balance = closing
    return ("\n".join(out) + "\n").encode()


def generate_lines(count: int, pledges: list[tuple[int, str, str, int]], rng: random.Random):
    lines: list[tuple[int, str, str, str]] = []
    paid: set[int] = set()
    while len(lines) < count:
        roll = rng.random()
        pk, reference, iban, cents = rng.choice(pledges)
        if roll < 0.10 and pk not in paid:
            paid.add(pk)
            lines.append((cents, iban, "GEMEENTE", f"Oekraine {reference[:4]} {reference[4:8]} {reference[8:]}"))
        elif roll < 0.15 and pk not in paid:
            paid.add(pk)
            lines.append((cents, iban, "GEMEENTE", "Bijdrage Oekraine raadsbesluit"))
        elif roll < 0.25:
            lines.append((-rng.randrange(1_00, 5_000_00), "NL20INGB0001234567", "LEVERANCIER BV", "Factuur"))
        elif roll < 0.27 and lines:
            lines.append(lines[-1])  # an identical twin
        else:
            lines.append((rng.randrange(5_00, 500_00), "NL51BUNQ2045678901", f"PARTICULIER {rng.randrange(10**6)}",
                          "Gift Oekraine"))
    return lines


def main() -> None:
    args = parse_args()
    url = configure(args)
    import django

    django.setup()
    recreate_postgres_database()
    from django.core import mail
    from django.db import connection

    from pledges.finance import parsers, statements
    from pledges.models import Payment, Role, User

    started = time.perf_counter()
    pledges = prepare(args.pledges)
    finance = User.objects.create_user("bench-finance@vngfonds.nl", None, role=Role.FINANCE)
    print(f"Prepared {len(pledges):,} open pledges in {time.perf_counter() - started:.1f} s "
          f"({connection.vendor}, {url.split('@')[-1]}).")

    rng = random.Random(2026)
    day = datetime.date(2026, 3, 2)
    lines = generate_lines(args.lines, pledges, rng)
    data = statement([(day, lines)], 1_000_000_00, 1)
    print(f"Statement: {args.lines:,} lines, {len(data) / 1_048_576:.2f} MB.")

    with Timer() as read:
        parsed = parsers.parse(data)
    mail.outbox = []
    with Timer() as whole:
        result = statements.import_statement(data, file_name="bench.sta", user=finance)
    # The thank-you mails were queued in the import's transaction; the task worker sends them.
    with Timer() as mailing:
        run_worker()
    thanked = len(mail.outbox)
    with Timer() as again:
        try:
            statements.import_statement(data, file_name="bench-again.sta", user=finance)
        except statements.AlreadyImported:
            pass
    next_day = [(day + datetime.timedelta(days=1), generate_lines(100, pledges, rng))]
    overlap = statement([(day, lines)] + next_day, 1_000_000_00, 1)
    with Timer() as overlapping:
        overlapped = statements.import_statement(overlap, file_name="bench-overlap.sta", user=finance)

    print()
    print(f"Python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.1f} (wall time suffers when the machine is busy; CPU time less so)")
    print(f"  {'':34s} {'wall':>7s} {'CPU':>7s}")
    print(f"  {'read and check (mt-940, balance)':34s} {read}   {len(parsed.lines):,} lines")
    print(f"  {f'import {args.lines:,} lines':34s} {whole}   {result.statement.added_count:,} added, "
          f"{result.matched:,} matched, {thanked:,} thank-you mails; "
          f"target ≤ {TARGET_SECONDS:.0f} s: {'met' if whole.wall <= TARGET_SECONDS else 'NOT met'}")
    print(f"  {'then the worker sends the thanks':34s} {mailing}   (queued by the import, sent apart)")
    print(f"  {'the same file again':34s} {again}   refused, nothing added")
    print(f"  {'overlapping file (+100 new lines)':34s} {overlapping}   "
          f"{overlapped.statement.added_count} added, {overlapped.statement.skipped_count:,} already known, "
          f"{overlapped.matched} matched")
    print(f"  continuity findings after the imports: {len(result.continuity)} / {len(overlapped.continuity)} "
          f"(statements of the account: {statements_count()})")
    print(f"  bank lines stored: {Payment.objects.count():,}")


def statements_count() -> int:
    from pledges.models import AccountStatement

    return AccountStatement.objects.count()


def run_worker() -> None:
    """Run every queued task, as `manage.py db_worker --batch` does."""
    from django_tasks_db.management.commands.db_worker import Worker

    Worker(queue_names=["*"], excluded_queue_names=[], interval=0, batch=True, backend_name="default",
           startup_delay=False, max_tasks=None, worker_id="bench").run()


class Timer:
    """Wall-clock and CPU seconds of a block."""

    def __enter__(self) -> Self:
        self._wall, self._cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall = time.perf_counter() - self._wall
        self.cpu = time.process_time() - self._cpu

    def __str__(self) -> str:
        return f"{self.wall:6.2f}s {self.cpu:6.2f}s"


if __name__ == "__main__":
    main()
