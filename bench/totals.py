#!/usr/bin/env python
"""Time the ledger's and the equipment table's totals alone, per filter, on a bench database.

What `count_and_totals` (ledger) and the equipment table's totals cost, without the page
around them, for the filters that read the summaries: p50/p95 of `--repeat` calls after
one warm-up, the SQL queries they sent, and which tables they read. Uses the database of
bench/dashboard.py (pledges and offers), which must exist:

    .venv/bin/python bench/totals.py                         # SQLite, bench/bench_dashboard.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_dashboard .venv/bin/python bench/totals.py

It prints figures; it asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import warnings
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger  # noqa: E402  (bench/ledger.py)

DEFAULT_SQLITE = ledger.BENCH_DIR / "bench_dashboard.sqlite3"
LEDGER_FILTERS = [
    {},
    {"status": "pledged", "province": "Noord-Holland"},
    {"overdue": "on"},
    {"province": "Noord-Holland", "overdue": "on"},
    {"pledged_from": "2025-01-01", "pledged_until": "2025-12-31"},
    {"province": "Noord-Holland", "pledged_from": "2025-01-01"},
]
OFFER_FILTERS = [{}, {"status": "accepted"}, {"category": "generator"}, {"status": "offered", "province": "Noord-Holland"}]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[1])
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL"))
    return parser.parse_args()


def timed(call, repeat: int) -> tuple[float, float, int, set[str]]:
    """p50 and p95 ms of `call()`, and the queries and tables of one call."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    call()
    with CaptureQueriesContext(connection) as queries:
        call()
    tables = {word.strip('"').removeprefix("pledges_") for query in queries
              for word in query["sql"].split() if word.startswith('"pledges_') and "." not in word}
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))], len(queries), tables


def main() -> None:
    args = parse_args()
    args.rows = None
    url = ledger.configure(args, DEFAULT_SQLITE)
    import django

    warnings.filterwarnings("ignore", message="No directory at")
    django.setup()
    from pledges.donations.access import visible_donations
    from pledges.donations.filters import DonationFilter
    from pledges.equipment.access import visible_offers
    from pledges.equipment.filters import OfferFilter
    from pledges.models import Donation, EquipmentOffer, User

    from pledges.donations.summary import count_and_totals

    try:
        from pledges.equipment.summary import totals as offer_totals
    except ImportError:  # code from before the equipment summary (a "before" run): the rows' totals, as its view
        def offer_totals(filterset):
            return filterset.qs.totals()

    coordinator = User.objects.get(email=ledger.COORDINATOR_EMAIL)
    print(f"Database: {url}; {Donation.objects.count():,} pledges, {EquipmentOffer.objects.count():,} offers; "
          f"load average {os.getloadavg()[0]:.1f}; {args.repeat} calls each (ms)")
    print(f"{'totals of':58} | {'p50':>7} {'p95':>7} | q | tables")
    for data in LEDGER_FILTERS:
        def ledger_totals(data=data):
            return count_and_totals(DonationFilter(data, queryset=visible_donations(coordinator), user=coordinator))

        p50, p95, queries, tables = timed(ledger_totals, args.repeat)
        print(f"{'ledger ' + str(data):58} | {p50:7.1f} {p95:7.1f} | {queries} | {', '.join(sorted(tables))}")
    for data in OFFER_FILTERS:
        def equipment_totals(data=data):
            return offer_totals(OfferFilter(data, queryset=visible_offers(coordinator), user=coordinator))

        p50, p95, queries, tables = timed(equipment_totals, args.repeat)
        print(f"{'equipment ' + str(data):58} | {p50:7.1f} {p95:7.1f} | {queries} | {', '.join(sorted(tables))}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
