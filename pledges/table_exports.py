"""The sheets of the equipment, shipment and bank-line tables: their columns and rows.

Each table exports exactly the rows its page shows, filtered and sorted alike, all
pages (see pledges.views.exporting). One sheet with a title row (what the table is,
the filters, the sort, the moment of export), the header row and the rows; the CSV
has the same columns without the title row. Headers and values are Dutch whatever
the screen's language, so other sheets and tools can refer to them. The columns, in
this fixed order:

Equipment (/materieel/, sheet "Materieel"):

    A  Aanbod              offer number, M-000123 (text)
    B  Aangeboden op       offered on (date)
    C  Gemeente            municipality
    D  CBS-code            the municipality's CBS code, GM0034
    E  Provincie           province
    F  Oproep              appeal
    G  Categorie           aggregaat, transformator, ... (Dutch)
    H  Omschrijving        description, as the municipality wrote it (text)
    I  Aantal              units (number)
    J  Vermogen (kVA)      power (number, empty when not applicable)
    K  Brandstof           fuel (Dutch)
    L  Staat               condition (Dutch)
    M  Bouwjaar            year of manufacture (number)
    N  Waarde per stuk     estimated value per unit in euro (euro format)
    O  Waarde totaal       units × value per unit in euro
    P  Gewicht per stuk    kg (number)
    Q  Gewicht totaal      kg (number)
    R  Gevaarlijke stoffen "ja" (fuel in tank or lithium batteries) or "nee"
    S  Bestemming          destination, Dutch name (empty until assigned)
    T  Transport           shipment number, TR-00012 (empty until loaded)
    U  Status              aangeboden, geaccepteerd, ... ontvangst bevestigd (Dutch)
    V  Beschikbaar vanaf   available from (date)
    W  Ophaaldatum         pickup date (date)
    X  Postcode            pickup postcode
    Y  Plaats              pickup place
    Z  Contactpersoon
    AA E-mail contactpersoon

Shipments (/transporten/, sheet "Transporten"):

    A  Transport           shipment number, TR-00012 (text)
    B  Oproep              appeal
    C  Bestemming          destination, Dutch name
    D  Vervoerder          carrier
    E  Referentie          the carrier's reference (text)
    F  Hub                 where the offers are gathered
    G  Status              gepland / onderweg / afgeleverd (Dutch)
    H  Gepland vertrek     planned departure (date)
    I  Geplande aankomst   planned arrival (date)
    J  Vertrokken op       departed on (date)
    K  Aangekomen op       arrived on (date)
    L  Aanbiedingen        offers on board (number)
    M  Eenheden            units on board (number)
    N  Waarde              estimated value on board in euro
    O  Ontvangst bevestigd offers whose receipt the recipient confirmed (number)

Bank lines (/financien/regels/, sheet "Bankregels"):

    A  Boekdatum           booking date (date)
    B  Bedrag              amount in euro, negative for a debit (euro format)
    C  Valuta              currency, EUR
    D  Tegenrekening       counterparty IBAN, grouped by four (text)
    E  Naam                counterparty name (text)
    F  Omschrijving        remittance text (text, never a formula)
    G  Kenmerk             structured reference as the bank gives it (text)
    H  Rekening            the account it was booked on
    I  Afschrift           the statement file, or "handmatig ingevoerd"
    J  Stand               te koppelen / gekoppeld / gift zonder toezegging / niet voor toezeggingen
    K  Toezegging          the pledge it pays, T-000123 (empty when not matched)
    L  Gemeente            that pledge's municipality
    M  Gekoppeld via       RF-kenmerk / bekend IBAN en bedrag / handmatig / gift zonder toezegging
    N  Gekoppeld door      who matched it (for an automatic match: who imported or re-ran the matching)
    O  Gekoppeld op        when (date)
    P  Ingevoerd door      who entered a payment by hand

The outstanding pledges (/financien/openstaand/) export as the money ledger does
(sheet "Donaties", columns as documented in pledges.exports).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from functools import cache

from django.db.models import Choices
from django.utils import timezone, translation

from pledges.exports import DATE, DECIMAL, EURO, INTEGER, TEXT, YEAR, Column
from pledges.models import Category, Condition, EquipmentOffer, Fuel, OfferStatus, Payment, Shipment
from pledges.models.payments import format_account
from pledges.money import cents_to_euro

# Rows read from the database at a time: memory stays constant however long the table.
CHUNK = 2000


@cache
def dutch_labels(choices: type[Choices]) -> dict[str, str]:
    """A choice's values with their Dutch labels: sheets are Dutch whatever the screen's language."""
    with translation.override("nl"):
        return {value: str(label) for value, label in choices.choices}


class Counted:
    """Rows passed through unchanged, counted as they are written (for ExportLog)."""

    def __init__(self, rows: Iterable[Sequence[object]]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self.rows:
            self.count += 1
            yield row


def yes_no(value: bool) -> str:
    return "ja" if value else "nee"


# --------------------------------------------------------------------------- equipment

OFFER_COLUMNS = [
    Column("Aanbod", TEXT, 12),
    Column("Aangeboden op", DATE, 14),
    Column("Gemeente", TEXT, 24),
    Column("CBS-code", TEXT, 10),
    Column("Provincie", TEXT, 14),
    Column("Oproep", TEXT, 28),
    Column("Categorie", TEXT, 16),
    Column("Omschrijving", TEXT, 40),
    Column("Aantal", INTEGER, 9),
    Column("Vermogen (kVA)", DECIMAL, 10),
    Column("Brandstof", TEXT, 10),
    Column("Staat", TEXT, 16),
    Column("Bouwjaar", YEAR, 10),
    Column("Waarde per stuk", EURO, 16),
    Column("Waarde totaal", EURO, 16),
    Column("Gewicht per stuk (kg)", DECIMAL, 12),
    Column("Gewicht totaal (kg)", DECIMAL, 12),
    Column("Gevaarlijke stoffen", TEXT, 12),
    Column("Bestemming", TEXT, 20),
    Column("Transport", TEXT, 11),
    Column("Status", TEXT, 20),
    Column("Beschikbaar vanaf", DATE, 13),
    Column("Ophaaldatum", DATE, 13),
    Column("Postcode", TEXT, 9),
    Column("Plaats", TEXT, 18),
    Column("Contactpersoon", TEXT, 24),
    Column("E-mail contactpersoon", TEXT, 32),
]


def offer_row(offer: EquipmentOffer) -> list[object]:
    """One offer as values in `OFFER_COLUMNS` order."""
    municipality = offer.municipality
    return [
        offer.number,
        timezone.localdate(offer.created_at),
        municipality.name,
        municipality.code,
        municipality.province,
        offer.appeal.title,
        dutch_labels(Category).get(offer.category, offer.category),
        offer.description,
        offer.quantity,
        offer.power_kva,
        dutch_labels(Fuel).get(offer.fuel, offer.fuel),
        dutch_labels(Condition).get(offer.condition, offer.condition),
        offer.year,
        offer.value_per_unit,
        offer.total_value,
        offer.weight_kg,
        offer.total_weight_kg,
        yes_no(offer.is_dangerous_goods),
        offer.destination.name_nl if offer.destination_id else "",
        f"TR-{offer.shipment_id:05d}" if offer.shipment_id else "",
        dutch_labels(OfferStatus).get(offer.status, offer.status),
        offer.available_from,
        offer.pickup_date,
        offer.pickup_postcode,
        offer.pickup_city,
        offer.contact_name,
        offer.contact_email,
    ]


def offer_rows(queryset) -> Iterable[list[object]]:
    """The offers of `queryset`, in its order, read in chunks."""
    related = queryset.select_related("municipality", "appeal", "destination")
    for offer in related.iterator(chunk_size=CHUNK):
        yield offer_row(offer)


# --------------------------------------------------------------------------- shipments

SHIPMENT_COLUMNS = [
    Column("Transport", TEXT, 11),
    Column("Oproep", TEXT, 28),
    Column("Bestemming", TEXT, 20),
    Column("Vervoerder", TEXT, 22),
    Column("Referentie", TEXT, 18),
    Column("Hub", TEXT, 18),
    Column("Status", TEXT, 12),
    Column("Gepland vertrek", DATE, 13),
    Column("Geplande aankomst", DATE, 13),
    Column("Vertrokken op", DATE, 13),
    Column("Aangekomen op", DATE, 13),
    Column("Aanbiedingen", INTEGER, 12),
    Column("Eenheden", INTEGER, 10),
    Column("Waarde", EURO, 16),
    Column("Ontvangst bevestigd", INTEGER, 12),
]


def shipment_row(shipment: Shipment) -> list[object]:
    """One shipment, annotated by `shipping.with_load`, in `SHIPMENT_COLUMNS` order."""
    return [
        shipment.number,
        shipment.appeal.title,
        shipment.destination.name_nl,
        shipment.carrier,
        shipment.reference,
        shipment.hub,
        dutch_labels(Shipment.Status).get(shipment.status, shipment.status),
        shipment.planned_departure,
        shipment.planned_arrival,
        shipment.departed_on,
        shipment.arrived_on,
        shipment.offer_count,
        shipment.units,
        cents_to_euro(shipment.value_cents),
        shipment.confirmed,
    ]


def shipment_rows(queryset) -> Iterable[list[object]]:
    for shipment in queryset.iterator(chunk_size=CHUNK):
        yield shipment_row(shipment)


# --------------------------------------------------------------------------- bank lines

PAYMENT_COLUMNS = [
    Column("Boekdatum", DATE, 13),
    Column("Bedrag", EURO, 16),
    Column("Valuta", TEXT, 7),
    Column("Tegenrekening", TEXT, 26),
    Column("Naam", TEXT, 28),
    Column("Omschrijving", TEXT, 44),
    Column("Kenmerk", TEXT, 26),
    Column("Rekening", TEXT, 26),
    Column("Afschrift", TEXT, 24),
    Column("Stand", TEXT, 22),
    Column("Toezegging", TEXT, 12),
    Column("Gemeente", TEXT, 24),
    Column("Gekoppeld via", TEXT, 22),
    Column("Gekoppeld door", TEXT, 22),
    Column("Gekoppeld op", DATE, 13),
    Column("Ingevoerd door", TEXT, 22),
]

MANUAL_ENTRY_NL = "handmatig ingevoerd"


def payment_state_nl(payment: Payment, accounts: frozenset[str]) -> str:
    """Where a bank line stands, in Dutch, as the bank lines page tells it."""
    if payment.donation_id:
        return "gekoppeld"
    if payment.match_method == Payment.Method.GIFT:
        return "gift zonder toezegging"
    if payment.amount_cents <= 0 or payment.currency != "EUR" or payment.account_iban not in accounts:
        return "niet voor toezeggingen"
    return "te koppelen"


def payment_row(payment: Payment, accounts: frozenset[str]) -> list[object]:
    """One bank line as values in `PAYMENT_COLUMNS` order."""
    donation = payment.donation
    return [
        payment.booking_date,
        payment.amount,
        payment.currency,
        payment.counterparty_iban_display,
        payment.counterparty_name,
        payment.remittance,
        payment.structured_reference,
        format_account(payment.account_iban),
        payment.statement.file_name if payment.statement_id else MANUAL_ENTRY_NL,
        payment_state_nl(payment, accounts),
        donation.number if donation else "",
        donation.municipality.name if donation else "",
        dutch_labels(Payment.Method).get(payment.match_method, ""),
        str(payment.matched_by) if payment.matched_by_id else "",
        timezone.localdate(payment.matched_at) if payment.matched_at else None,
        str(payment.entered_by) if payment.entered_by_id else "",
    ]


def payment_rows(queryset, accounts: frozenset[str]) -> Iterable[list[object]]:
    """The bank lines of `queryset`, in its order, read in chunks."""
    related = queryset.select_related("donation__municipality", "statement", "matched_by", "entered_by")
    for payment in related.iterator(chunk_size=CHUNK):
        yield payment_row(payment, accounts)
