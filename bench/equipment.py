#!/usr/bin/env python
"""Benchmark the equipment table (/materieel/) against Django's admin changelist.

Generates N equipment offers (default 100,000) in a database of its own, then requests
the equipment table as a coordinator and the admin changelist of EquipmentOffer as a
superuser, in the same run, interleaved. Prints median and p95 latency and SQL queries
per page for the first and last page, unfiltered, filtered (status + province) and
searched, the ratio ours/admin and the targets of issue 3 (the same as the ledger's).

The machinery (settings, users, timing, query capture, report) is bench/ledger.py's.
It prints figures; it is not a test and asserts nothing.

    .venv/bin/python bench/equipment.py                    # SQLite, bench/bench_equipment.sqlite3
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_equipment .venv/bin/python bench/equipment.py
    .venv/bin/python bench/equipment.py --rows 20000 --repeat 10 --profile

The database is never the developer's db.sqlite3 nor the CI's `test` database.
"""

from __future__ import annotations

import datetime
import itertools
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger  # noqa: E402  (bench/ledger.py)
from ledger import Scenario  # noqa: E402

DEFAULT_SQLITE = ledger.BENCH_DIR / "bench_equipment.sqlite3"
OURS_PATH = "/materieel/"
ADMIN_PATH = "/admin/pledges/equipmentoffer/"

DESCRIPTIONS = {
    "generator": ["Diesel generator {p} kVA", "Noodstroomaggregaat {p} kVA", "Mobiele generator {p} kVA"],
    "transformer": ["Transformator {p} kVA", "Distributietransformator {p} kVA"],
    "cable": ["Kabelhaspel 50 m", "Grondkabel 4x16 mm²", "Verlengkabel CEE 32 A"],
    "battery": ["Accucontainer {p} kVA", "Thuisbatterij {p} kVA"],
    "solar": ["Zonnepanelen 400 Wp", "Mobiele zonne-unit {p} kVA"],
    "heating": ["Heteluchtkanon", "Elektrische kachel", "Dieselkachel"],
    "lighting": ["Lichtmast LED", "Bouwlamp 50 W", "Noodverlichting"],
    "pump": ["Dompelpomp", "Vuilwaterpomp", "Brandweerpomp"],
    "other": ["Gereedschapskist", "Veldbedden", "Tent 6x12 m"],
}
POWERED = {"generator", "transformer", "battery", "solar"}
EXTRA_APPEAL = ("Winterhulp Oekraïne: materieel", "noodhulp")


def ensure_appeals():
    """The reference data's appeal (money and equipment) and one equipment-only appeal."""
    from pledges.models import Appeal

    main = Appeal.objects.order_by("pk").first()
    title, theme = EXTRA_APPEAL
    extra, _ = Appeal.objects.get_or_create(
        title=title,
        defaults={"theme": theme, "iban": main.iban, "account_name": main.account_name,
                  "transfer_keyword": main.transfer_keyword, "accepts": Appeal.Accepts.EQUIPMENT},
    )
    return [main, extra]


def generate(rows: int, regenerate: bool, analyze: str) -> None:
    """Bulk-create `rows` offers with explicit pks 1..rows, unless they are there already."""
    from decimal import Decimal

    from django.core.management.color import no_style
    from django.db import connection, transaction
    from django.utils import timezone

    from pledges.models import Destination, EquipmentOffer, Municipality

    count = EquipmentOffer.objects.count()
    max_pk = EquipmentOffer.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    if count == rows and max_pk == rows and not regenerate:
        print(f"Database holds {rows:,} offers already; not regenerating.")
        if analyze == "yes":
            ledger.run_analyze()
        return
    _, _, creators = ledger.ensure_users()
    appeals = ensure_appeals()
    municipalities = list(Municipality.objects.order_by("code").values_list("pk", "name"))
    destinations = list(Destination.objects.order_by("pk").values_list("pk", flat=True))
    if count:
        print(f"Database holds {count:,} offers; deleting them to generate {rows:,}.")
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(EquipmentOffer._meta.db_table)}")
    rng = random.Random(2026)
    weights = [1 / (1 + (i % 60)) ** 0.7 for i in range(len(municipalities))]
    rng.shuffle(weights)
    weights = list(itertools.accumulate(weights))  # cumulative once, not on every draw (same draws)
    now = timezone.now().replace(microsecond=0)
    span = 3 * 365 * 24 * 3600
    # Most offers end delivered or confirmed; a share is still on its way or turned down.
    statuses = ["offered", "accepted", "declined", "withdrawn", "pickup_planned", "collected",
                "in_transit", "delivered", "confirmed"]
    status_weights = [15, 8, 6, 4, 5, 3, 4, 15, 40]
    categories = list(DESCRIPTIONS)
    category_weights = [30, 8, 12, 8, 6, 12, 10, 8, 6]
    started = time.perf_counter()
    batch = []
    with ledger.loading():
        for pk in range(1, rows + 1):
            municipality, name = rng.choices(municipalities, cum_weights=weights)[0]
            created = now - datetime.timedelta(seconds=int(span * (1 - pk / rows)) + rng.randint(0, 59))
            category = rng.choices(categories, category_weights)[0]
            power = rng.choice([5, 10, 20, 40, 60, 100, 250, 500]) if category in POWERED else None
            status = rng.choices(statuses, status_weights)[0]
            destination = None if status in ("offered", "declined", "withdrawn") and rng.random() < 0.8 \
                else rng.choice(destinations)
            available = (created + datetime.timedelta(days=rng.randint(0, 30))).date()
            batch.append(EquipmentOffer(
                pk=pk,
                appeal=appeals[0] if rng.random() < 0.7 else appeals[1],
                municipality_id=municipality,
                category=category,
                description=rng.choice(DESCRIPTIONS[category]).format(p=power),
                quantity=rng.choice([1, 1, 1, 2, 2, 3, 4, 5, 10, 20]),
                power_kva=Decimal(power) if power else None,
                fuel="diesel" if category in ("generator", "heating") and rng.random() < 0.8 else "none",
                condition=rng.choice(["new", "used", "used", "needs_repair"]),
                year=rng.randint(2005, 2025) if rng.random() < 0.7 else None,
                value_cents=rng.choice([50, 150, 400, 1200, 3500, 8000, 15000, 40000]) * 100,
                weight_kg=Decimal(rng.choice([5, 25, 80, 250, 900, 2400])),
                fuel_in_tank=category == "generator" and rng.random() < 0.1,
                lithium_batteries=category == "battery" and rng.random() < 0.6,
                pickup_address=f"Gemeentewerf {rng.randint(1, 120)}",
                pickup_postcode=f"{rng.randint(1000, 9999)} {rng.choice(['AB', 'CD', 'ET', 'XK'])}",
                pickup_city=name,
                available_from=available,
                contact_name=f"{rng.choice(ledger.FIRST_NAMES)} {rng.choice(ledger.LAST_NAMES)}",
                contact_email="materieel@gemeente.example",
                destination_id=destination,
                pickup_date=available + datetime.timedelta(days=rng.randint(3, 40))
                if status not in ("offered", "accepted", "declined", "withdrawn") else None,
                status=status,
                created_by_id=creators[municipality],
                created_at=created,
                updated_at=created,
            ))
            if len(batch) == 5000:
                EquipmentOffer.objects.bulk_create(batch)
                batch.clear()
        if batch:
            EquipmentOffer.objects.bulk_create(batch)
        with connection.cursor() as cursor:
            for statement in connection.ops.sequence_reset_sql(no_style(), [EquipmentOffer]):
                cursor.execute(statement)
    print(f"Generated {rows:,} offers in {time.perf_counter() - started:.1f} s.")
    if analyze == "yes" or (analyze == "auto" and connection.vendor == "postgresql"):
        ledger.run_analyze()


def build_scenarios(args, per_page: int, admin_per_page: int) -> list[Scenario]:
    from django.db.models import Q

    from pledges.models import EquipmentOffer

    status, province, term = "confirmed", "Noord-Holland", args.search
    counts = {
        "all": EquipmentOffer.objects.count(),
        "filtered": EquipmentOffer.objects.filter(status=status, municipality__province=province).count(),
        "search": EquipmentOffer.objects.filter(
            Q(description__icontains=term) | Q(municipality__name__icontains=term)
        ).count(),
    }
    return ledger.scenarios_for(args, counts, {"status": status, "province": province},
                                {"status__exact": status, "municipality__province": province},
                                paths=(OURS_PATH, ledger.PLAIN_OFFERS, ADMIN_PATH),
                                per_page=per_page, admin_per_page=admin_per_page)


def main() -> None:
    ledger.__doc__ = __doc__  # parse_args takes its description from the docstring
    args = ledger.parse_args()
    url = ledger.configure(args, DEFAULT_SQLITE)
    ledger.start_django()
    ledger.prepare_database(url)
    from django.contrib import admin
    from django.test import Client

    coordinator, superuser, _ = ledger.ensure_users()
    generate(args.rows, args.regenerate, args.analyze)

    from pledges.equipment import views as offer_views
    from pledges.models import EquipmentOffer

    per_page = args.per_page or offer_views.PAGE_SIZES[0]
    if args.skip_admin or EquipmentOffer not in admin.site._registry:
        args.skip_admin = True
        admin_per_page = 0
    else:
        model_admin = admin.site._registry[EquipmentOffer]
        if args.admin_per_page:
            model_admin.list_per_page = args.admin_per_page
        admin_per_page = model_admin.list_per_page

    ours_client, admin_client = Client(), Client()
    ours_client.force_login(coordinator)
    admin_client.force_login(superuser)
    scenarios = ledger.with_previous_pages(args, build_scenarios(args, per_page, admin_per_page or 100), ours_client)
    load_before = os.getloadavg()
    ledger.measure(args, scenarios, ours_client, admin_client)
    ledger.report(args, url, scenarios, per_page, admin_per_page, load_before, model=EquipmentOffer,
                  title="Equipment", ours_path=OURS_PATH, admin_path=ADMIN_PATH, noun="offers")


if __name__ == "__main__":
    main()
