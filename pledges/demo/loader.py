"""The demo data set: users for every role, pledges, needs, equipment offers and shipments to try the ledger with.

The pledges are spread over the past months and paid, in part, through monthly bank
statements that the demo imports the way finance does: lines that quote the pledge's RF
reference, lines from the municipality's own account for the exact amount (both match
automatically), and lines from an account the ledger does not know (finance matches those
by hand, from the suggestions). Every municipality pays from an account of its own. The
last week's statement is left for finance to import as practice (written to a folder,
with the receipt link of the shipment the city has yet to confirm). Offers travel on
shipments in every state: planned, in transit, delivered, confirmed with a shortfall.

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
from pathlib import Path

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import connection
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from stdnum import iban as iban_numbers

from pledges.accounts.models import Role, User
from pledges.demo.errors import DemoDataRefused
from pledges.demo.passports import plan_custody_steps
from pledges.demo.recipients import demo_rate, demo_recipient
from pledges.demo.statements import camt053
from pledges.demo.usage import plan_usage
from pledges.donations.forms import DonationForm
from pledges.donations.models import Donation
from pledges.donations.services import create_donation, withdraw_donation
from pledges.equipment.forms import NeedForm, OfferForm
from pledges.equipment.models import Category, EquipmentOffer, Need
from pledges.equipment.models import OfferStatus as S
from pledges.equipment.services import create_offer, save_need
from pledges.equipment.workflow import Actor, transition
from pledges.finance.statements import import_statement
from pledges.history.services import writing
from pledges.logistics.forms import ShipmentForm
from pledges.logistics.models import ReceiptConfirmation, Shipment
from pledges.logistics.receipts import confirm_receipt, expires_at, make_token
from pledges.logistics.services import add_offers, create_shipment, issue_recipient_link, move_shipment
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

# Finance's practice statement covers the last week; its lines and how each is paid.
PRACTICE_DAYS = 7
PRACTICE_FATES = ("reference", "own_account", "unknown_account", "reference")
PRACTICE_STATEMENT = "oefenafschrift.camt053.xml"
RECIPIENT_LINK = "ontvangstlink.txt"

# The statement that came before the demo's first one, and when finance imports them.
FIRST_STATEMENT_NUMBER = 40
IMPORT_TIME = datetime.time(7, 30)


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
    """What load_demo_data wrote: the demo users, and the pledges, statements, shipments and files if it added them."""

    users: list[User]
    added: bool = False
    pledges: int = 0
    statements: list[str] = field(default_factory=list)
    shipments: int = 0
    # The files for people to use (finance's practice statement, the city's receipt link), if written.
    files: list[Path] = field(default_factory=list)


def load_demo_data(pledges: int = 60, folder: Path | None = None) -> DemoData:
    """Create the demo users, then (once) the demo pledges, statements, needs, offers and shipments.

    `folder`: where to write finance's practice statement and the open receipt link (they
    belong to the pledges and shipments written now, so only when those are added).
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
        logistics = DemoLogistics(history, appeal, users)
        logistics.plan()
        history.run()
        demo_populations(now, [user.municipality for user in users[:2]])
        demo_schedules(appeal, users[0], users[1], scheduled)
        practice = history.practice_statement()
    # Fresh statistics let SQLite's planner pick the ledger's indexes.
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    files = write_demo_files(folder, practice, logistics) if folder else []
    return DemoData(users, added=True, pledges=pledges, statements=history.statements,
                    shipments=len(logistics.shipments), files=files)


def write_demo_files(folder: Path, practice: bytes, logistics: "DemoLogistics") -> list[Path]:
    """Finance's practice statement and the receipt link the city of the delivered shipment has."""
    folder.mkdir(parents=True, exist_ok=True)
    statement = folder / PRACTICE_STATEMENT
    statement.write_bytes(practice)
    shipment = logistics.shipments["kharkiv"]
    url = settings.LEDGER_URL + reverse("pledges:recipient", args=[logistics.recipient_token])
    link = folder / RECIPIENT_LINK
    link.write_text(
        f"The receipt link of {shipment.number} ({shipment.destination.name_en}), as the city received it:\n{url}\n"
    )
    return [statement, link]


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


# Where each demo municipality's equipment is collected: (address, postcode, city).
PICKUP_ADDRESSES = {"GM0034": ("Stadhuisplein 1", "1315 HR", "Almere"),
                    "GM0344": ("Stadsplateau 1", "3521 AZ", "Utrecht")}


class DemoLogistics:
    """Needs of three cities, and offers of Almere and Utrecht on shipments in every state.

    A shipment to Kyiv confirmed with a shortfall, one to Kharkiv delivered with an open
    receipt link, one to Dnipro in transit and one to Kharkiv planned; beside them an
    offer collected and waiting for a shipment, and one awaiting the coordinator's decision.
    Every step is a step of the demo's history, at its own moment (days before today).
    """

    def __init__(self, history: "DemoHistory", appeal: Appeal, users: list[User]) -> None:
        self.history, self.appeal = history, appeal
        self.almere, self.utrecht, self.coordinator = users[0], users[1], users[2]
        self.coordinate = Actor.of(self.coordinator)
        self.today = timezone.localdate(history.now)
        self.cities = {c.name_en: c for c in Destination.objects.filter(kind=Destination.Kind.CITY)}
        self.needs: dict[str, Need] = {}
        self.offers: dict[str, EquipmentOffer] = {}
        self.shipments: dict[str, Shipment] = {}
        # The open receipt link (of the shipment to Kharkiv), once it is issued.
        self.recipient_token = ""

    def on(self, day: int, hour: int, step: Callable, *args, **kwargs) -> None:
        """Do `step` at `hour` on `day` (days from today, so before today: negative)."""
        moment = timezone.make_aware(datetime.datetime.combine(self.day(day), datetime.time(hour)))
        self.history.at(min(moment, self.history.now), partial(step, *args, **kwargs))

    def day(self, days_from_today: int) -> datetime.date:
        return self.today + datetime.timedelta(days=days_from_today)

    def plan(self) -> None:
        on = self.on
        on(-80, 9, self._needs)
        # Kyiv: delivered seven weeks ago; the city confirmed, one item short.
        on(-70, 10, self._offer, "kyiv-1", self.almere, "Aggregaat Atlas Copco QAS 60, 3-fase", "60", 2, "Kyiv")
        on(-69, 14, self._offer, "kyiv-2", self.utrecht, "Aggregaat Caterpillar DE65, 3-fase", "65", 1, "Kyiv")
        self._to_hub(-67, "kyiv-1", "kyiv-2")
        self._journey("kyiv", "Kyiv", ["kyiv-1", "kyiv-2"], planned=-62, departure=-58, arrival=-53, arrived=-53)
        on(-51, 11, self._confirm, "kyiv", "kyiv-2")
        on(-51, 11, self._confirm, "kyiv", "kyiv-1", received=1)
        # Kharkiv: arrived this week; the city has the link and has not confirmed yet.
        on(-35, 10, self._offer, "kharkiv-1", self.utrecht, "Aggregaat Pramac GSW30, 3-fase", "30", 3, "Kharkiv")
        on(-34, 15, self._offer, "kharkiv-2", self.almere, "Aggregaat SDMO R22, 3-fase", "22", 1, "Kharkiv")
        self._to_hub(-32, "kharkiv-1", "kharkiv-2")
        self._journey("kharkiv", "Kharkiv", ["kharkiv-1", "kharkiv-2"], planned=-27, departure=-21, arrival=-17,
                      arrived=-5)
        # Dnipro: on the road.
        on(-20, 11, self._offer, "dnipro-1", self.almere, "Heteluchtkanon Master BV 77, diesel", "", 6, "Dnipro",
           category=Category.HEATING)
        self._to_hub(-18, "dnipro-1")
        self._journey("dnipro", "Dnipro", ["dnipro-1"], planned=-13, departure=-3, arrival=4)
        # Kharkiv again: planned, leaves in three days; its offer is collected the day before.
        on(-10, 10, self._offer, "planned-1", self.utrecht, "Aggregaat Honda EU70is", "7", 4, None)
        on(-8, 11, self._accept, "planned-1", "Kharkiv")
        on(-7, 9, self._plan_pickup, "planned-1", pickup=2)
        self._journey("planned", "Kharkiv", ["planned-1"], planned=-2, departure=3, arrival=9)
        # Collected for Kyiv, waiting for the next shipment there; and one awaiting a decision.
        on(-12, 10, self._offer, "waiting-1", self.utrecht, "Aggregaat Doosan G60, 3-fase", "60", 1, "Kyiv")
        self._to_hub(-11, "waiting-1")
        on(-1, 14, self._offer, "offered-1", self.almere, "Aggregaat SDMO R33, 3-fase", "33", 1, "Kharkiv")
        plan_custody_steps(self)
        plan_usage(self)  # Odesa and Mykolaiv, delivered months ago: a usage report made, one late

    def _to_hub(self, day: int, *keys: str) -> None:
        """The coordinator accepts the offers on `day`, plans their pickup the next day, and they are collected."""
        for key in keys:
            self.on(day, 11, self._accept, key)
            self.on(day + 1, 9, self._plan_pickup, key, pickup=day + 4)
            self.on(day + 4, 15, self._collect, key)

    def _journey(self, key: str, city: str, offers: list[str], *, planned: int, departure: int, arrival: int,
                 arrived: int | None = None) -> None:
        """A shipment planned on `planned`: it leaves on its departure day once that is past, and arrives
        on `arrived`, if given; the city's receipt link goes out the next morning."""
        self.on(planned, 10, self._ship, key, city, offers, departure=departure, arrival=arrival)
        if departure < 0:
            self.on(departure, 8, self._move, key, Shipment.Status.IN_TRANSIT, on=departure)
        if arrived is not None:
            self.on(arrived, 16, self._move, key, Shipment.Status.DELIVERED, on=arrived)
            self.on(arrived + 1, 9, self._issue_link, key)

    def _needs(self) -> None:
        for key, city, category, kva, quantity, priority in (
            ("Kyiv", "Kyiv", Category.GENERATOR, "50", 12, Need.Priority.URGENT),
            ("Kharkiv", "Kharkiv", Category.GENERATOR, "20", 8, Need.Priority.HIGH),
            ("Dnipro", "Dnipro", Category.HEATING, "", 30, Need.Priority.NORMAL),
        ):
            self.needs[key] = demo_need(self.appeal, self.cities[city], self.coordinator, category, kva, quantity, priority)

    def _offer(self, key: str, staff: User, description: str, kva: str, quantity: int, need: str | None,
               category: str = Category.GENERATOR) -> None:
        """An offer as the municipality's staff fill in the form, available from tomorrow."""
        address, postcode, city = PICKUP_ADDRESSES[staff.municipality.code]
        generator = category == Category.GENERATOR
        form = OfferForm({
            "appeal": self.appeal.pk, "need": self.needs[need].pk if need else "", "category": category,
            "description": description, "quantity": str(quantity), "power_kva": kva, "fuel": "diesel",
            "phases": "3" if generator else "", "condition": "used", "year": "2016",
            "value": "9500" if generator else "1200", "weight_kg": "980" if generator else "60",
            "pickup_address": address, "pickup_postcode": postcode, "pickup_city": city,
            "available_from": (timezone.localdate() + datetime.timedelta(days=1)).isoformat(),
            "contact_name": staff.get_full_name(), "contact_email": staff.email,
        })
        if not form.is_valid():
            raise DemoDataRefused(form.errors.as_text())
        self.offers[key] = create_offer(form, staff)

    def _accept(self, key: str, city: str | None = None) -> None:
        """Accepted for the city whose need it answers (or `city`)."""
        offer = self.offers[key]
        destination = self.cities[city] if city else offer.need.destination
        self.offers[key] = transition(offer, S.ACCEPTED, self.coordinate, destination=destination)

    def _plan_pickup(self, key: str, pickup: int) -> None:
        self.offers[key] = transition(self.offers[key], S.PICKUP_PLANNED, self.coordinate, pickup_date=self.day(pickup))

    def _collect(self, key: str) -> None:
        self.offers[key] = transition(self.offers[key], S.COLLECTED, self.coordinate)

    def _ship(self, key: str, city: str, offers: list[str], departure: int, arrival: int) -> None:
        """A shipment as the coordinator plans it, with the offers loaded."""
        form = ShipmentForm({
            "appeal": self.appeal.pk, "destination": self.cities[city].pk, "carrier": "Transport Van Dijk B.V.",
            "reference": f"VD-{self.day(departure):%y%m%d}", "hub": "Verzamelpunt VNG Fonds, Nieuwegein",
            "planned_departure": self.day(departure).isoformat(), "planned_arrival": self.day(arrival).isoformat(),
            "recipient": demo_recipient(self.cities[city], self.coordinator).pk,
        })
        if not form.is_valid():
            raise DemoDataRefused(form.errors.as_text())
        shipment = create_shipment(form, self.coordinate)
        demo_rate(shipment, self.coordinate)
        add_offers(shipment, [self.offers[offer].pk for offer in offers], self.coordinate)
        self.shipments[key] = shipment

    def _move(self, key: str, to_status: str, on: int) -> None:
        self.shipments[key] = move_shipment(self.shipments[key], to_status, self.coordinate, on=self.day(on))

    def _issue_link(self, key: str) -> None:
        """The coordinator makes the receipt link for the city, as on the shipment's page."""
        shipment, issued = self.shipments[key], timezone.now()
        version = issue_recipient_link(
            shipment, self.coordinator, at=issued, expires=timezone.localdate(expires_at(issued))
        )
        self.recipient_token = make_token(shipment, version)

    def _confirm(self, key: str, offer: str, received: int | None = None) -> None:
        """The city confirms an item through its link: all of it, or `received` of it."""
        shipment, item = self.shipments[key], self.offers[offer]
        if received is None:
            confirm_receipt(shipment, item.pk, version=shipment.recipient_link_version)
        else:
            _report_shortfall(shipment, item, received)


def _report_shortfall(shipment: Shipment, offer: EquipmentOffer, received: int) -> None:
    """The city confirms an item of which fewer arrived than were sent, and says how many did."""
    confirm_receipt(
        shipment,
        offer.pk,
        version=shipment.recipient_link_version,
        outcome=ReceiptConfirmation.Outcome.FEWER,
        quantity_received=received,
        note=f"{offer.quantity - received} not on the truck on arrival.",
    )


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
        # The last week's lines are on no imported statement: they are finance's practice file.
        self.practice_start = timezone.localdate(now) - datetime.timedelta(days=PRACTICE_DAYS)
        self.open_pledges: list[dict] = []
        self.partly_paid: list[dict] = []
        self.statement_number, self.balance = FIRST_STATEMENT_NUMBER, 125_000_00

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
            if fate == "unpaid" or booked >= self.practice_start:
                # Still outstanding; overdue once its expected date has passed.
                if day < self.practice_start:
                    self.open_pledges.append(pledge)
                continue
            line = {"pledge": pledge, "fate": fate, "booked": booked}
            self.lines_per_month[booked.year, booked.month].append(line)
            if fate == "partly":
                self.partly_paid.append(line)

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
        """One statement per month, imported by finance early on the first of the next month.

        The month of the practice week is imported at its start, with the lines booked before it.
        """
        practice_morning = timezone.make_aware(datetime.datetime.combine(self.practice_start, IMPORT_TIME))
        for (year, month) in sorted(self.lines_per_month):
            following = datetime.date(year + month // 12, month % 12 + 1, 1)
            imported = timezone.make_aware(datetime.datetime.combine(following, IMPORT_TIME))
            lines = sorted(self.lines_per_month[year, month], key=lambda line: line["booked"])
            data = partial(self._statement, datetime.date(year, month, 1), lines)
            self.at(min(imported, practice_morning, self.now), partial(self._import, f"demo_{year}-{month:02d}", data))

    def _statement(self, first_day: datetime.date, lines: list[dict]) -> bytes:
        """The next statement of the fund's account: numbered on, opening at the last one's closing balance."""
        opening = self.balance
        self.balance += sum(self._paid(line) for line in lines)
        self.statement_number += 1
        entries = [self._entry(line) for line in lines]
        return camt053(self.appeal.iban, self.statement_number, first_day, entries, opening, self.balance)

    def practice_statement(self) -> bytes:
        """The last week's statement, for finance to import: lines for pledges that are still open.

        Two quote the pledge's RF reference and one comes from the municipality's own account
        for the exact amount (these book themselves); one comes from an account the ledger
        does not know (finance matches it from the suggestions); one pays the rest of a
        pledge paid in part. The most recent pledges pay, so the older ones stay overdue.
        """
        recent = sorted(self.open_pledges, key=lambda pledge: pledge["donation"].created_at, reverse=True)
        lines = [{"pledge": pledge, "fate": fate} for pledge, fate in zip(recent, PRACTICE_FATES)]
        if len(self.partly_paid) > 1:  # one stays paid in part
            lines.append({"pledge": self.partly_paid[-1]["pledge"], "fate": "rest"})
        for day, line in enumerate(lines, start=1):
            line["booked"] = self.practice_start + datetime.timedelta(days=day)
        lines.sort(key=lambda line: line["booked"])
        return self._statement(self.practice_start, lines)

    @staticmethod
    def _paid(line: dict) -> int:
        cents = line["pledge"]["cents"]
        if line["fate"] == "partly":
            return cents // 2
        return cents - cents // 2 if line["fate"] == "rest" else cents

    def _import(self, name: str, statement: Callable[[], bytes]) -> None:
        """Finance imports a statement, made when it is imported: the references exist by then."""
        name = f"{name}.camt053.xml"
        import_statement(statement(), file_name=name, user=self.finance)
        self.statements.append(name)

    def _entry(self, line: dict) -> dict:
        pledge, fate = line["pledge"], line["fate"]
        municipality, donation = pledge["municipality"], pledge["donation"]
        entry = {
            "booked": line["booked"], "cents": self._paid(line), "name": f"GEMEENTE {municipality.name.upper()}",
            "iban": demo_iban(municipality), "reference": "", "text": f"Oekraine {pledge['decision']}",
        }
        if fate in ("reference", "partly", "rest"):
            entry["reference"] = donation.reference
        elif fate == "unknown_account":
            # Paid from another of its accounts, without the reference: finance decides.
            entry["iban"] = demo_iban(municipality, account=2)
        return entry
