"""The demo data set: users for every role, pledges, needs and equipment offers to try the ledger with.

The pledges are spread over the past months and paid, in part, through monthly bank
statements that the demo imports the way finance does: lines that quote the pledge's RF
reference, lines from the municipality's own account for the exact amount (both match
automatically), and lines from an account the ledger does not know (finance matches those
by hand, from the suggestions). Every municipality pays from an account of its own.

Everything happens through the real forms, ledger and import, at the moment it happened:
the clock is set back (time-machine) for each step, so pledges, bank lines and their
history Events carry that moment as they are written, in order, and the history's hash
chain stays whole. Only for local use: the users share one known password. Safe to rerun.

manage.py load_demo_data runs `load_demo_data`.
"""

import datetime
import heapq
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache, partial

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Q
from django.utils import timezone
from stdnum import iban as iban_numbers

from pledges.accounts.models import Role, User
from pledges.demo.statements import camt053
from pledges.donations.forms import DonationForm
from pledges.donations.models import Donation
from pledges.donations.services import create_donation, withdraw_donation
from pledges.equipment.forms import NeedForm, OfferForm
from pledges.equipment.models import Category, Need
from pledges.equipment.models import OfferStatus as S
from pledges.equipment.services import create_offer, save_need
from pledges.equipment.workflow import Actor, transition
from pledges.finance.statements import import_statement
from pledges.history.services import writing
from pledges.reference.models import Appeal, Destination, Municipality, Population

DEMO_PASSWORD = "demo-vngfonds"

DEMO_USERS = [
    # e-mail, first name, last name, role, municipality code
    ("almere@demo.vngfonds.nl", "Anouk", "de Vries", Role.MUNICIPAL_STAFF, "GM0034"),
    ("utrecht@demo.vngfonds.nl", "Bram", "Jansen", Role.MUNICIPAL_STAFF, "GM0344"),
    ("coordinator@demo.vngfonds.nl", "Carla", "Bakker", Role.COORDINATOR, None),
    ("finance@demo.vngfonds.nl", "Dirk", "Visser", Role.FINANCE, None),
    ("admin@demo.vngfonds.nl", "Eva", "Smit", Role.ADMINISTRATOR, None),
]

# How far back the demo appeal starts.
DEMO_DAYS = 240


class DemoDataRefused(Exception):
    """The demo data cannot be loaded (no reference data, a dependency missing, a form refused)."""


def demo_iban(municipality: Municipality, account: int = 1) -> str:
    """A valid Dutch IBAN of the municipality's own, the same on every run.

    Account 1 is the one it pledges from (the ledger remembers it); account 2 is
    another of its accounts, which the ledger has never seen.
    """
    bban = f"BNGH0296{municipality.code[2:]}{account:02d}"
    return f"NL{iban_numbers.calc_check_digits('NL00' + bban)}{bban}"


def _travel():
    """time-machine's travel, from the test dependencies that `make run` installs."""
    try:
        import time_machine
    except ImportError:
        raise DemoDataRefused(
            "The demo data needs time-machine: pip install -e . --group test"
        ) from None
    return time_machine.travel


def demo_user(email: str, first: str, last: str, role: str, code: str | None) -> User:
    """The demo user with this e-mail, created with the demo password if new."""
    municipality = Municipality.objects.get(code=code) if code else None
    user, created = User.objects.get_or_create(
        email=email,
        defaults={
            "first_name": first,
            "last_name": last,
            "role": role,
            "municipality": municipality,
            "is_staff": role == Role.ADMINISTRATOR,
            "is_superuser": role == Role.ADMINISTRATOR,
        },
    )
    if created:
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    return user


@cache
def _demo_password_hash() -> str:
    """Hash the one known demo password once: hashing it per user took half a second each."""
    return make_password(DEMO_PASSWORD)


@dataclass(frozen=True)
class DemoData:
    """What load_demo_data wrote: the demo users, and the pledges and statements if it added them."""

    users: list[User]
    added: bool = False
    pledges: int = 0
    statements: list[str] = field(default_factory=list)


def load_demo_data(pledges: int = 60) -> DemoData:
    """Create the demo users, then (once) the demo pledges, statements, needs and offers.

    Only with DEBUG: the demo users, an administrator among them, share a published password.
    """
    if not settings.DEBUG:
        raise DemoDataRefused(
            "The demo data is for a development machine only (DJANGO_DEBUG=true): its users, an "
            "administrator among them, share a published password. Nothing was created."
        )
    appeal = Appeal.objects.filter(is_open=True).first()
    if appeal is None:
        raise DemoDataRefused("Run load_reference_data first.")
    travel = _travel()
    now = timezone.now()
    start = now - datetime.timedelta(days=DEMO_DAYS)
    with writing(), travel(start, tick=False):
        users = [demo_user(*row) for row in DEMO_USERS]
    if Donation.objects.exists():
        return DemoData(users)
    # Demo pledges go through the real forms and services; their mails are queued like any
    # other, and the worker of `make run` prints them on the console.
    with writing():
        history = DemoHistory(appeal, users, start, now, travel)
        # The last two pledges are made today on a schedule (in instalments, per inhabitant).
        scheduled = min(pledges, 2)
        history.plan_pledges(pledges - scheduled)
        history.run()
        demo_populations(now, [user.municipality for user in users[:2]])
        demo_schedules(appeal, users[0], users[1], scheduled)
        demo_equipment(appeal, users[0], users[2])
    # Fresh statistics let SQLite's planner pick the ledger's indexes.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return DemoData(users, added=True, pledges=pledges, statements=history.statements)


# Marked as demo values: never presented as CBS's figures (load the real ones with load_population).
DEMO_POPULATION_NOTE = "demo value, not from CBS"


def demo_populations(now: datetime.datetime, staff_of: list[Municipality]) -> None:
    """Made-up inhabitants, this year and last, of every demo municipality, marked as demo values."""
    rng = random.Random(342)
    year = timezone.localdate(now).year
    municipalities = Municipality.objects.filter(
        Q(donations__isnull=False) | Q(pk__in=[m.pk for m in staff_of])
    ).distinct().order_by("code")
    for municipality in municipalities:
        inhabitants = rng.randint(9_000, 250_000)
        for offset, growth in ((1, 0), (0, rng.randint(-300, 1_500))):
            Population.objects.get_or_create(
                municipality=municipality, year=year - offset,
                defaults={"inhabitants": inhabitants + growth, "source": Population.Source.DEMO,
                          "source_detail": DEMO_POPULATION_NOTE},
            )


def demo_schedules(appeal: Appeal, almere: User, utrecht: User, count: int = 2) -> None:
    """A pledge in instalments (Utrecht) and one per inhabitant (Almere), made today (the first `count`)."""
    today = timezone.localdate()
    instalments = [(today + datetime.timedelta(days=days), cents) for days, cents in
                   ((5, 10_000_00), (35, 10_000_00), (65, 5_000_00))]
    common = {"appeal": appeal.pk, "decision_reference": "B&W-besluit termijnen", "expected_date": ""}
    rows = {"instalment-TOTAL_FORMS": str(len(instalments)), "instalment-INITIAL_FORMS": "0"}
    for index, (day, cents) in enumerate(instalments):
        rows[f"instalment-{index}-due_date"] = day.isoformat()
        rows[f"instalment-{index}-amount"] = str(Decimal(cents) / 100)
    plans = [
        (utrecht, {"schedule": "instalments", "amount": "25000", **rows}),
        (almere, {"schedule": "per_inhabitant", "per_inhabitant": "0.10", "population_year": str(today.year - 1),
                  "expected_date": (today + datetime.timedelta(days=21)).isoformat()}),
    ]
    for staff, fields in plans[:count]:
        form = DonationForm({
            **common, "iban": demo_iban(staff.municipality), "contact_name": staff.get_full_name(),
            "contact_email": staff.email, **fields,
        }, municipality=staff.municipality)
        if not form.is_valid():
            raise DemoDataRefused(form.errors.as_text())
        create_donation(form, staff)


def demo_need(appeal, destination, coordinator, category, kva, quantity, priority) -> Need:
    """A need as a coordinator enters it, with its history."""
    form = NeedForm({
        "appeal": appeal.pk, "destination": destination.pk, "category": category, "min_power_kva": kva,
        "quantity": str(quantity), "priority": str(priority), "note": "", "is_open": "on",
    })
    if not form.is_valid():
        raise DemoDataRefused(form.errors.as_text())
    return save_need(form, coordinator)


def demo_equipment(appeal: Appeal, staff: User, coordinator: User) -> None:
    """Needs of three cities and offers of Almere at several stages of the journey."""
    cities = {c.name_en: c for c in Destination.objects.filter(kind=Destination.Kind.CITY)}
    kyiv, kharkiv, dnipro = cities["Kyiv"], cities["Kharkiv"], cities["Dnipro"]
    needs = [
        demo_need(appeal, kyiv, coordinator, Category.GENERATOR, "50", 12, Need.Priority.URGENT),
        demo_need(appeal, kharkiv, coordinator, Category.GENERATOR, "20", 8, Need.Priority.HIGH),
        demo_need(appeal, dnipro, coordinator, Category.HEATING, "", 30, Need.Priority.NORMAL),
    ]
    coordinate = Actor.of(coordinator)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    # (description, kVA, quantity, need, how far the coordinator takes it)
    plan = [
        ("Aggregaat Atlas Copco QAS 60, 3-fase", "60", 2, needs[0], S.COLLECTED),
        ("Aggregaat Honda EU70is", "7", 4, None, S.ACCEPTED),
        ("Aggregaat SDMO R22, 3-fase", "22", 1, needs[1], S.OFFERED),
    ]
    for description, kva, quantity, need, stage in plan:
        form = OfferForm({
            "appeal": appeal.pk, "need": need.pk if need else "", "category": Category.GENERATOR,
            "description": description, "quantity": str(quantity), "power_kva": kva,
            "fuel": "diesel", "phases": "3", "condition": "used", "year": "2016",
            "value": "9.500", "weight_kg": "980", "pickup_address": "Stadhuisplein 1",
            "pickup_postcode": "1315 HR", "pickup_city": "Almere",
            "available_from": tomorrow.isoformat(), "contact_name": staff.get_full_name(),
            "contact_email": staff.email,
        })
        if not form.is_valid():
            raise DemoDataRefused(form.errors.as_text())
        offer = create_offer(form, staff)
        if stage == S.OFFERED:
            continue
        transition(offer, S.ACCEPTED, coordinate, destination=need.destination if need else kharkiv)
        if stage == S.COLLECTED:
            transition(offer, S.PICKUP_PLANNED, coordinate, pickup_date=tomorrow)
            transition(offer, S.COLLECTED, coordinate)


class DemoHistory:
    """Pledges, withdrawals and monthly statement imports, each done at its own moment, oldest first."""

    # How each demo pledge is paid, and how often: (fate, weight).
    FATES = [("reference", 9), ("own_account", 3), ("partly", 2), ("unknown_account", 2), ("unpaid", 4)]

    def __init__(self, appeal: Appeal, users: list[User], start, now, travel) -> None:
        self.appeal, self.start, self.now, self.travel = appeal, start, now, travel
        self.staff, self.finance = users[:2], users[3]
        self.rng = random.Random(2026)
        self.steps: list[tuple[datetime.datetime, int, Callable[[], None]]] = []
        self.lines_per_month: dict[tuple[int, int], list[dict]] = defaultdict(list)
        self.statements: list[str] = []

    def at(self, moment: datetime.datetime, step: Callable[[], None]) -> None:
        heapq.heappush(self.steps, (moment, len(self.steps), step))

    def run(self) -> None:
        self._plan_statements()
        while self.steps:
            moment, _, step = heapq.heappop(self.steps)
            with self.travel(moment, tick=False):
                step()

    def _working_hour(self, day: datetime.date) -> datetime.datetime:
        local = datetime.datetime.combine(day, datetime.time(self.rng.randint(8, 16), self.rng.randint(0, 59)))
        return timezone.make_aware(local)

    def plan_pledges(self, count: int) -> None:
        municipalities = list(Municipality.objects.order_by("code"))
        today = timezone.localdate(self.now)
        first = timezone.localdate(self.start)
        for i in range(count):
            staff = self.staff[i % 2] if i < 10 else None
            municipality = staff.municipality if staff else self.rng.choice(municipalities)
            euros = self.rng.choice([2500, 5000, 10000, 15000, 25000, 50000, 100000]) + self.rng.choice([0, 0, 0.5, 0.25])
            day = first + datetime.timedelta(days=(DEMO_DAYS - 1) * i // max(count, 1))
            created = self._working_hour(day)
            pledge = {
                "municipality": municipality, "staff": staff, "cents": round(euros * 100),
                "decision": f"B&W-besluit {day.year}/{self.rng.randint(100, 999)}",
                "expected": day + datetime.timedelta(days=self.rng.randint(14, 60)),
            }
            self.at(created, partial(self._pledge, pledge))
            if i % 17 == 5:
                withdrawn = self._working_hour(day + datetime.timedelta(days=self.rng.randint(2, 20)))
                self.at(min(withdrawn, self.now), partial(self._withdraw, pledge))
                continue
            fate = self.rng.choices([f for f, _ in self.FATES], [w for _, w in self.FATES])[0]
            booked = day + datetime.timedelta(days=self.rng.randint(5, 45))
            if fate == "unpaid" or booked >= today:
                continue  # still outstanding; overdue once its expected date has passed
            self.lines_per_month[booked.year, booked.month].append({"pledge": pledge, "fate": fate, "booked": booked})

    def _pledge(self, pledge: dict) -> None:
        municipality, staff = pledge["municipality"], pledge["staff"]
        creator = staff or demo_user(
            f"{municipality.code.lower()}@demo.vngfonds.nl", "Demo", municipality.name,
            Role.MUNICIPAL_STAFF, municipality.code,
        )
        form = DonationForm({
            "appeal": self.appeal.pk,
            "amount": str(Decimal(pledge["cents"]) / 100),
            "iban": demo_iban(municipality),
            "decision_reference": pledge["decision"],
            "expected_date": pledge["expected"].isoformat(),
            "contact_name": f"{creator.first_name} {creator.last_name}",
            "contact_email": creator.email,
        })
        if not form.is_valid():
            raise DemoDataRefused(form.errors.as_text())
        pledge["donation"] = create_donation(form, creator)
        pledge["creator"] = creator

    def _withdraw(self, pledge: dict) -> None:
        withdraw_donation(pledge["donation"], pledge["creator"], "Raadsbesluit aangehouden")

    def _plan_statements(self) -> None:
        """One statement per month, imported by finance early on the first of the next month."""
        balance = 125_000_00
        for (year, month) in sorted(self.lines_per_month):
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            imported = timezone.make_aware(datetime.datetime.combine(following, datetime.time(7, 30)))
            lines = sorted(self.lines_per_month[year, month], key=lambda line: line["booked"])
            opening = balance
            balance += sum(self._paid(line) for line in lines)
            self.at(min(imported, self.now), partial(self._import, (year, month), lines, opening, balance))

    @staticmethod
    def _paid(line: dict) -> int:
        cents = line["pledge"]["cents"]
        return cents // 2 if line["fate"] == "partly" else cents

    def _import(self, month: tuple[int, int], lines: list[dict], opening: int, closing: int) -> None:
        name = f"demo_{month[0]}-{month[1]:02d}.camt053.xml"
        data = camt053(self.appeal.iban, month, [self._entry(line) for line in lines], opening, closing)
        import_statement(data, file_name=name, user=self.finance)
        self.statements.append(name)

    def _entry(self, line: dict) -> dict:
        pledge, fate = line["pledge"], line["fate"]
        municipality, donation = pledge["municipality"], pledge["donation"]
        entry = {
            "booked": line["booked"], "cents": self._paid(line), "name": f"GEMEENTE {municipality.name.upper()}",
            "iban": demo_iban(municipality), "reference": "", "text": f"Oekraine {pledge['decision']}",
        }
        if fate in ("reference", "partly"):
            entry["reference"] = donation.reference
        elif fate == "unknown_account":
            # Paid from another of its accounts, without the reference: finance decides.
            entry["iban"] = demo_iban(municipality, account=2)
        return entry
