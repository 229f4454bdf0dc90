"""Build ledger rows and form input for tests without going through the views."""

import datetime
import itertools
import pathlib
from decimal import Decimal

import pyotp
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from stdnum.ua import edrpou

from pledges.core.once import FIELD, new_token
from pledges.history.services import entry, record, record_all, writing
from pledges.models import (
    Appeal,
    Authenticator,
    BankStatement,
    Category,
    Destination,
    Donation,
    EquipmentOffer,
    Event,
    KnownIban,
    Municipality,
    Need,
    OfferPhoto,
    OfferStatus,
    Payment,
    ReceiptConfirmation,
    RecipientOrganisation,
    Role,
    Shipment,
    User,
)

_counter = itertools.count(1)

# An IBAN with valid check digits that no test uses for anything else.
MUNICIPAL_IBAN = "NL91ABNA0417164300"
OTHER_IBAN = "NL20INGB0001234567"
FUND_IBAN = "NL94BNGH0285173715"


def staff(municipality: Municipality, **fields) -> User:
    """A civil servant of `municipality` who can log in with tests.conftest.PASSWORD."""
    from tests.conftest import PASSWORD

    email = f"medewerker{next(_counter)}@{municipality.code.lower()}.example.nl"
    return User.objects.create_user(email, PASSWORD, role=Role.MUNICIPAL_STAFF, municipality=municipality, **fields)


def authenticator(user: User) -> Authenticator:
    """A confirmed authenticator app for `user`; codes come from `pyotp.TOTP(result.secret)`."""
    return Authenticator.objects.create(user=user, secret=pyotp.random_base32(), confirmed_at=timezone.now())


def appeal(**fields) -> Appeal:
    defaults = {
        "title": f"Oproep {next(_counter)}",
        "theme": Appeal.Theme.EMERGENCY,
        "iban": FUND_IBAN,
        "account_name": "Stichting VNG Fonds",
        "transfer_keyword": "Oekraine",
        "accepts": Appeal.Accepts.BOTH,
    }
    return Appeal.objects.create(**(defaults | fields))


def unsaved_donation(municipality: Municipality, appeal: Appeal, created_by: User, fields: dict) -> Donation:
    """A pledge in memory only, for bulk_create."""
    defaults = {
        "amount_cents": 1_000_00,
        "iban": MUNICIPAL_IBAN,
        "decision_reference": "Raadsbesluit 2026-12",
        "expected_date": timezone.localdate() + datetime.timedelta(days=30),
        "contact_name": "Contact Persoon",
        "contact_email": "contact@example.nl",
    }
    fields = defaults | fields
    if fields.get("status") == Donation.Status.WRITTEN_OFF:
        # As the write-off leaves it: what the pledge lacked is written off.
        fields.setdefault("written_off_cents", fields["amount_cents"] - fields.get("received_cents", 0))
    return Donation(municipality=municipality, appeal=appeal, created_by=created_by, **fields)


def donation(municipality: Municipality, appeal: Appeal, created_by: User, **fields) -> Donation:
    """A pledge with its reference and creation event, as the ledger would write it."""
    row = unsaved_donation(municipality, appeal, created_by, fields)
    row.save()
    row.reference = Donation.reference_for(row.pk)
    row.save(update_fields=["reference"])
    with writing():
        record(Event.Kind.CREATED, row, actor=created_by, to_status=row.status)
    return row


def donations(count: int, municipality: Municipality, appeal: Appeal, created_by: User, **fields) -> list[Donation]:
    """Many pledges at once, each with its reference and creation event."""
    rows = Donation.objects.bulk_create(
        [unsaved_donation(municipality, appeal, created_by, fields) for _ in range(count)]
    )
    for row in rows:
        row.reference = Donation.reference_for(row.pk)
    Donation.objects.bulk_update(rows, ["reference"])
    with writing():
        record_all(entry(Event.Kind.CREATED, row, actor=created_by, to_status=row.status) for row in rows)
    return rows


def copies(donation: Donation, count: int) -> None:
    """Store `count` more pledges like `donation`, without reference or history.

    For volume only. The copies are made inside the database: bulk_create of
    300,000 rows spends about 50 seconds per database on this machine compiling
    values in Python, a recursive CTE (SQLite and PostgreSQL alike) about 3.
    """
    quote = connection.ops.quote_name
    table = quote(Donation._meta.db_table)
    columns = ", ".join(
        quote(field.column)
        for field in Donation._meta.concrete_fields
        if not field.primary_key and field.name != "reference"
    )
    sql = (
        "WITH RECURSIVE copy(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM copy WHERE n < %s) "
        f"INSERT INTO {table} ({columns}, {quote('reference')}) "
        f"SELECT {columns}, '' FROM {table} CROSS JOIN copy WHERE {table}.{quote('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [count, donation.pk])


def receive(donation: Donation, cents: int) -> Donation:
    """Record money as received, as finance will once bank statements are matched."""
    donation.received_cents = cents
    donation.status = donation.status_from_received()
    Donation.objects.filter(pk=donation.pk).update(
        received_cents=donation.received_cents, status=donation.status
    )
    return donation


def withdraw(donation: Donation, user: User, note: str = "Besluit aangehouden") -> Donation:
    """Withdraw a pledge the way its municipality does."""
    from pledges.donations import services as ledger

    return ledger.withdraw_donation(donation, user, note)


def pledge_form(appeal: Appeal, **overrides) -> dict:
    """What a municipal civil servant types into the pledge form, the Dutch way."""
    data = {
        "appeal": appeal.pk,
        "amount": "1.250,50",
        "iban": "NL91 ABNA 0417 1643 00",
        "decision_reference": "Raadsbesluit 2026/17",
        "expected_date": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "contact_name": "Jan de Boer",
        "contact_email": "financien@almere.nl",
    }
    return data | overrides


def edit_form(donation: Donation, **overrides) -> dict:
    """The pledge form as it comes back for `donation`, with `overrides` typed over it."""
    data = {
        "appeal": donation.appeal_id,
        "amount": f"{donation.amount}".replace(".", ","),
        "iban": donation.iban,
        "decision_reference": donation.decision_reference,
        "expected_date": donation.expected_date.isoformat(),
        "contact_name": donation.contact_name,
        "contact_email": donation.contact_email,
    }
    return data | overrides


def ledger_snapshot() -> dict[str, list[dict]]:
    """Every ledger row, to prove that a refused request changed nothing."""
    return {
        "donations": list(Donation.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
        "known_ibans": list(KnownIban.objects.order_by("pk").values()),
    }


# Equipment ----------------------------------------------------------------------------------

# Statuses in which an offer must know its destination (see offer_destination_once_accepted).
UNDECIDED = {OfferStatus.OFFERED, OfferStatus.DECLINED, OfferStatus.WITHDRAWN}


def destination(name_en: str = "Kyiv") -> Destination:
    """A Ukrainian city from the reference data."""
    return Destination.objects.get(name_en=name_en, kind=Destination.Kind.CITY)


def need(appeal: Appeal, destination: Destination, **fields) -> Need:
    defaults = {"category": Category.GENERATOR, "quantity": 10, "min_power_kva": 50}
    return Need.objects.create(appeal=appeal, destination=destination, **(defaults | fields))


def unsaved_offer(municipality: Municipality, appeal: Appeal, created_by: User, fields: dict) -> EquipmentOffer:
    """An offer in memory only; one past the decision gets Kyiv as destination unless told otherwise."""
    defaults = {
        "category": Category.GENERATOR,
        "description": "Aggregaat Atlas Copco QAS 60",
        "quantity": 1,
        "power_kva": 60,
        "fuel": "diesel",
        "phases": 3,
        "condition": "used",
        "year": 2015,
        "value_cents": 12_500_00,
        "weight_kg": 1_250,
        "pickup_address": "Stadhuisplein 1",
        "pickup_postcode": "1315 HR",
        "pickup_city": "Almere",
        "available_from": timezone.localdate(),
        "contact_name": "Anouk de Vries",
        "contact_email": "materieel@almere.nl",
    }
    data = defaults | fields
    if data.get("status", OfferStatus.OFFERED) not in UNDECIDED and "destination" not in data:
        data["destination"] = destination()
    return EquipmentOffer(municipality=municipality, appeal=appeal, created_by=created_by, **data)


def offer(municipality: Municipality, appeal: Appeal, created_by: User, **fields) -> EquipmentOffer:
    """An offer with its creation event, as the offer form would write it (status as given)."""
    row = unsaved_offer(municipality, appeal, created_by, fields)
    row.save()
    with writing():
        record(Event.Kind.CREATED, row, actor=created_by, to_status=OfferStatus.OFFERED)
    return row


def offers(count: int, municipality: Municipality, appeal: Appeal, created_by: User, **fields) -> list[EquipmentOffer]:
    """Many offers at once (no events), for tables and totals."""
    return EquipmentOffer.objects.bulk_create(
        [unsaved_offer(municipality, appeal, created_by, fields) for _ in range(count)]
    )


def offer_form(appeal: Appeal, **overrides) -> dict:
    """What a municipal civil servant types into the offer form, the Dutch way."""
    data = {
        "appeal": appeal.pk,
        "need": "",
        "category": Category.GENERATOR,
        "description": "Aggregaat Atlas Copco QAS 60, 3-fase",
        "quantity": "2",
        "power_kva": "60,5",
        "fuel": "diesel",
        "phases": "3",
        "condition": "used",
        "year": "2015",
        "value": "12500",
        "weight_kg": "1250",
        "length_cm": "250",
        "width_cm": "110",
        "height_cm": "150",
        "pickup_address": "Stadhuisplein 1",
        "pickup_postcode": "1315hr",
        "pickup_city": "Almere",
        "available_from": (timezone.localdate() + datetime.timedelta(days=7)).isoformat(),
        "contact_name": "Anouk de Vries",
        "contact_email": "materieel@almere.nl",
        "contact_phone": "036 539 9911",
    }
    return data | overrides


def image_bytes(image_format: str = "JPEG", size: tuple[int, int] = (16, 12)) -> bytes:
    """A small, real image in `image_format`."""
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", size, (0, 55, 107)).save(buffer, format=image_format)
    return buffer.getvalue()


def equipment_snapshot() -> dict[str, list[dict]]:
    """Every equipment row and its history, to prove that a refused request changed nothing."""
    return {
        "offers": list(EquipmentOffer.objects.order_by("pk").values()),
        "photos": list(OfferPhoto.objects.order_by("pk").values()),
        "needs": list(Need.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
    }


# Shipments ----------------------------------------------------------------------------------


def shipment(appeal: Appeal, destination: Destination, *, ready: bool = True, **fields) -> Shipment:
    """A planned shipment with its creation event, as the shipment form would write it.

    `ready`: it names a complete recipient organisation of its destination and has an NBU
    rate, so that it may depart once its offers are collected (recipients_ready()).
    """
    defaults = {
        "carrier": "Van der Wal Transport",
        "reference": "VDW-2026-118",
        "hub": "Depot Lelystad",
        "planned_departure": timezone.localdate() + datetime.timedelta(days=3),
        "planned_arrival": timezone.localdate() + datetime.timedelta(days=6),
    }
    row = Shipment.objects.create(appeal=appeal, destination=destination, **(defaults | fields))
    with writing():
        record(Event.Kind.CREATED, row, to_status=row.status)
    return recipients_ready(row) if ready else row


def on_board(shipment: Shipment, *offers: EquipmentOffer) -> None:
    """Put offers on a shipment directly (no events), for tests about what happens next."""
    EquipmentOffer.objects.filter(pk__in=[offer.pk for offer in offers]).update(shipment=shipment)
    for offer in offers:
        offer.shipment = shipment


def shipping_snapshot() -> dict[str, list[dict]]:
    """Every offer, shipment, receipt and event, to prove that a refused request changed nothing."""
    return {
        "offers": list(EquipmentOffer.objects.order_by("pk").values()),
        "shipments": list(Shipment.objects.order_by("pk").values()),
        "receipts": list(ReceiptConfirmation.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
    }


# --------------------------------------------------------------------------- bank statements

STATEMENTS = pathlib.Path(__file__).parent / "data" / "statements"

# The pledges the sample statements in tests/data/statements pay (see the README
# there): pledge number, CBS code, amount in cents, the account it is paid from.
# High numbers, so no pledge a test creates the usual way ever takes them.
SAMPLE_PLEDGES = [
    (90001201, "GM0034", 25_000_00, "NL38BNGH0285012345"),  # Almere: RF in the description
    (90001202, "GM0344", 10_000_00, "NL62BNGH0285023456"),  # Utrecht: structured RF, pays twice
    (90001203, "GM0193", 5_000_00, "NL86BNGH0285034567"),  # Zwolle: known IBAN and amount
    (90001204, "GM0014", 12_500_00, "NL13BNGH0285045678"),  # Groningen: a first instalment by RF
    (90001205, "GM0307", 7_500_00, "NL03RABO0312456789"),  # Amersfoort: CAMT structured RF
    (90001206, "GM0503", 3_000_00, "NL40BNGH0285067890"),  # Delft: CAMT known IBAN and amount
    (90001207, "GM0392", 15_000_00, "NL48BNGH0285078901"),  # Haarlem: CAMT batch part with RF
    (90001208, "GM0855", 20_000_00, "NL09BNGH0285089012"),  # Tilburg: CAMT batch part, IBAN and amount
    (90001209, "GM0546", 4_000_00, "NL82BNGH0285090123"),  # Leiden: RF on the second BNG file's new day
    (90001211, "GM0373", 2_500_00, "NL83BNGH0285099999"),  # Bergen (NH.): pays from an unknown account
]


def statement_bytes(name: str) -> bytes:
    return (STATEMENTS / name).read_bytes()


def sample_pledges(appeal: Appeal, created_by: User) -> dict[int, Donation]:
    """The pledges of SAMPLE_PLEDGES, with their known paying accounts, by pledge number."""
    pledges = {}
    for pk, code, cents, iban in SAMPLE_PLEDGES:
        municipality = Municipality.objects.get(code=code)
        row = donation(
            municipality,
            appeal,
            created_by,
            id=pk,
            amount_cents=cents,
            iban=iban,
            contact_email=f"financien@{code.lower()}.example.nl",
        )
        KnownIban.objects.get_or_create(municipality=municipality, iban=iban)
        pledges[pk] = row
    return pledges


def bank_line(amount_cents: int = 1_000_00, account: str = "NL94BNGH0285173715", **fields) -> Payment:
    """A bank line as an import stores it, without a statement file; on the fund's account by default."""
    defaults = {
        "line_key": f"test-line:{next(_counter)}",
        "booking_date": timezone.localdate(),
        "value_date": timezone.localdate(),
        "currency": "EUR",
        "counterparty_iban": "NL91ABNA0417164300",
        "counterparty_name": "GEMEENTE TEST",
        "remittance": "Bijdrage Oekraine",
    }
    return Payment.objects.create(amount_cents=amount_cents, account_iban=account, **(defaults | fields))


def finance_snapshot() -> dict[str, list[dict]]:
    """Every statement, bank line, pledge and event, to prove a refused import stored nothing."""
    return {
        "statements": list(BankStatement.objects.order_by("pk").values()),
        "payments": list(Payment.objects.order_by("pk").values()),
        "donations": list(Donation.objects.order_by("pk").values()),
        "events": list(Event.objects.order_by("pk").values()),
    }


def load(command: str, **options) -> None:
    """Run a management command (load_reference_data, load_demo_data) without its output."""
    with open("/dev/null", "w") as quiet:
        call_command(command, stdout=quiet, **options)


def row_counts() -> dict[str, int]:
    """How many rows the loaders write, per model."""
    return {
        model.__name__: model.objects.count()
        for model in (Municipality, Destination, Appeal, User, Donation, Event, BankStatement, Payment, KnownIban)
    }


def once(data: dict | None = None) -> dict:
    """The data of a form that books money, with the token a freshly rendered form carries (pledges.core.once)."""
    return (data or {}) | {FIELD: new_token()}


# --------------------------------------------------------------------------- paperwork


def paperwork_recipient(destination: Destination, **fields):
    """A recipient organisation with everything the shipment papers need, named as Kyiv's city council."""
    kyiv_council = {
        "legal_name_uk": "Виконавчий орган Київської міської ради (Київська міська державна адміністрація)",
        "legal_name_en": "Executive Body of the Kyiv City Council (Kyiv City State Administration)",
        "edrpou": "04058172",
        "address": "вул. Хрещатик, 36, м. Київ, 01044",
        "signatory_name": "Олена Петренко",
        "signatory_position": "заступник голови",
        "contact_name": "Іван Коваль",
        "contact_email": "aid@kyivcity.gov.ua",
        "ahars_registration": "AHARS-0012345",
        "ahars_registered_on": datetime.date(2025, 3, 14),
    }
    return recipients_organisation(destination, **(kyiv_council | fields))


# --------------------------------------------------------------------------- recipient organisations


def recipients_edrpou() -> str:
    """A new EDRPOU code with a valid check digit, one no other call returns."""
    first_seven = f"{2600000 + next(_counter):07d}"
    return first_seven + edrpou.calc_check_digit(first_seven)


def recipients_organisation(destination: Destination, **fields):
    """A recipient organisation of `destination` with every field its documents need (no events)."""
    defaults = {
        "legal_name_uk": f"Виконавчий комітет міської ради ({destination.name_uk})",
        "legal_name_en": f"Executive Committee of the {destination.name_en} City Council",
        "edrpou": recipients_edrpou(),
        "address": "майдан Конституції, 7",
        "signatory_name": "Олена Коваленко",
        "signatory_position": "заступниця міського голови",
        "contact_name": "Андрій Шевченко",
        "contact_email": "aid@council.example.ua",
        "contact_phone": "+380 57 725 2000",
        "ahars_registration": "ГД-2024-001234",
    }
    return RecipientOrganisation.objects.create(destination=destination, **(defaults | fields))


def recipients_ready(shipment: Shipment, rate: str = "48.1234") -> Shipment:
    """Make `shipment` ready to depart as far as its papers go: a complete recipient and today's NBU rate."""
    if shipment.recipient_id is None:
        shipment.recipient = recipients_organisation(shipment.destination)
    shipment.exchange_rate_uah, shipment.exchange_rate_date = Decimal(rate), timezone.localdate()
    shipment.save(update_fields=["recipient", "exchange_rate_uah", "exchange_rate_date"])
    return shipment
