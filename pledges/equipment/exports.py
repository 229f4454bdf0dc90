"""The equipment table's sheet: its columns, its rows, and its TableExport.

Exported as every ledger table is (pledges.spreadsheets.views: the rows on screen, a title
row, the header, the rows; the CSV without the title row), Dutch whatever the screen's
language. The columns, in this fixed order:

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
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.equipment.models import Category, Condition, EquipmentOffer, Fuel, OfferStatus
from pledges.spreadsheets.columns import CHUNK, DATE, DECIMAL, EURO, INTEGER, TEXT, YEAR, Column, dutch_labels, yes_no
from pledges.spreadsheets.views import TableExport

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


def offer_export(queryset) -> TableExport:
    """The equipment table's sheet (column order: OFFER_COLUMNS above)."""
    return TableExport(
        table="offers",
        heading=_("Equipment"),
        sheet_title="Materieel",
        file_stem="materieel",
        columns=OFFER_COLUMNS,
        rows=lambda: offer_rows(queryset),
    )
