"""Create demo users for every role, pledges, needs and equipment offers to try the ledger with.

Only for local use: the users share one known password. Safe to rerun.
"""

import datetime
import random
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction
from django.test.utils import override_settings
from django.utils import timezone

from pledges import ledger, offers
from pledges.forms.donations import DonationForm
from pledges.forms.equipment import OfferForm
from pledges.models import (
    Appeal,
    Category,
    Destination,
    Donation,
    Municipality,
    Need,
    Role,
    User,
)
from pledges.models import OfferStatus as S
from pledges.workflow import Actor, transition

DEMO_PASSWORD = "demo-vngfonds"

DEMO_USERS = [
    # e-mail, first name, last name, role, municipality code
    ("almere@demo.vngfonds.nl", "Anouk", "de Vries", Role.MUNICIPAL_STAFF, "GM0034"),
    ("utrecht@demo.vngfonds.nl", "Bram", "Jansen", Role.MUNICIPAL_STAFF, "GM0344"),
    ("coordinator@demo.vngfonds.nl", "Carla", "Bakker", Role.COORDINATOR, None),
    ("finance@demo.vngfonds.nl", "Dirk", "Visser", Role.FINANCE, None),
    ("admin@demo.vngfonds.nl", "Eva", "Smit", Role.ADMINISTRATOR, None),
]

# Test IBANs with valid check digits (the well-known examples of Dutch banks).
DEMO_IBANS = ["NL91ABNA0417164300", "NL20INGB0001234567", "NL44RABO0123456789", "NL38BNGH0285012345"]


class Command(BaseCommand):
    help = "Create demo users (password: %s) and demo pledges." % DEMO_PASSWORD

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pledges", type=int, default=60, help="How many demo pledges.")

    def handle(self, *args, pledges: int, **options) -> None:
        if not settings.DEBUG:
            self.stdout.write(self.style.WARNING("DEBUG is off: demo users get a known password."))
        appeal = Appeal.objects.filter(is_open=True).first()
        if appeal is None:
            raise CommandError("Run load_reference_data first.")
        with transaction.atomic():
            users = [self._user(*row) for row in DEMO_USERS]
        if Donation.objects.exists():
            self.stdout.write("Demo pledges exist already; nothing added.")
            return
        # Demo pledges go through the real form and ledger, but mail nobody.
        with override_settings(MAILERS={"default": {"BACKEND": "django.core.mail.backends.dummy.EmailBackend"}}):
            with transaction.atomic():
                self._pledges(appeal, users[:2], pledges)
                self._equipment(appeal, users[0], users[2])
        # Fresh statistics let SQLite's planner pick the ledger's indexes.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(f"Demo data: {len(users)} users (password {DEMO_PASSWORD!r}), {pledges} pledges.")

    def _user(self, email, first, last, role, code) -> User:
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
            user.set_password(DEMO_PASSWORD)
            user.save()
        return user

    def _pledges(self, appeal: Appeal, demo_staff: list[User], count: int) -> None:
        rng = random.Random(2026)
        municipalities = list(Municipality.objects.order_by("code"))
        now = timezone.now()
        for i in range(count):
            staff = demo_staff[i % 2] if i < 10 else None
            municipality = staff.municipality if staff else rng.choice(municipalities)
            creator = staff or self._user(
                f"{municipality.code.lower()}@demo.vngfonds.nl", "Demo", municipality.name,
                Role.MUNICIPAL_STAFF, municipality.code,
            )
            euros = rng.choice([2500, 5000, 10000, 15000, 25000, 50000, 100000]) + rng.choice([0, 0, 0.5, 0.25])
            form = DonationForm({
                "appeal": appeal.pk,
                "amount": f"{euros:.2f}",
                "iban": rng.choice(DEMO_IBANS),
                "decision_reference": f"B&W-besluit 2026/{rng.randint(100, 999)}",
                "expected_date": (now + datetime.timedelta(days=rng.randint(5, 90))).date().isoformat(),
                "contact_name": f"{creator.first_name} {creator.last_name}",
                "contact_email": creator.email,
            })
            if not form.is_valid():
                raise CommandError(form.errors.as_text())
            donation = ledger.create_donation(form, creator)
            if i % 7 == 3:
                # A demo needs overdue pledges; the form rightly refuses past dates.
                overdue = now.date() - datetime.timedelta(days=rng.randint(1, 30))
                Donation.objects.filter(pk=donation.pk).update(expected_date=overdue)
            if i % 17 == 5:
                donation.refresh_from_db()
                ledger.withdraw_donation(donation, creator, "Raadsbesluit aangehouden")

    def _equipment(self, appeal: Appeal, staff: User, coordinator: User) -> None:
        """Needs of three cities and offers of Almere at several stages of the journey."""
        cities = {c.name_en: c for c in Destination.objects.filter(kind=Destination.Kind.CITY)}
        kyiv, kharkiv, dnipro = cities["Kyiv"], cities["Kharkiv"], cities["Dnipro"]
        needs = [
            Need.objects.create(appeal=appeal, destination=kyiv, category=Category.GENERATOR,
                                min_power_kva=Decimal("50"), quantity=12, priority=Need.Priority.URGENT),
            Need.objects.create(appeal=appeal, destination=kharkiv, category=Category.GENERATOR,
                                min_power_kva=Decimal("20"), quantity=8, priority=Need.Priority.HIGH),
            Need.objects.create(appeal=appeal, destination=dnipro, category=Category.HEATING,
                                quantity=30, priority=Need.Priority.NORMAL),
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
                raise CommandError(form.errors.as_text())
            offer = offers.create_offer(form, staff)
            if stage == S.OFFERED:
                continue
            transition(offer, S.ACCEPTED, coordinate, destination=need.destination if need else kharkiv)
            if stage == S.COLLECTED:
                transition(offer, S.PICKUP_PLANNED, coordinate, pickup_date=tomorrow)
                transition(offer, S.COLLECTED, coordinate)
