"""The shipments' sheet and the packing list of a shipment: their columns and rows.

Exported as every ledger table is (pledges.spreadsheets.views: the rows on screen, a title
row, the header, the rows; the CSV without the title row), Dutch whatever the screen's
language. The columns, in this fixed order:

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

The packing list (`packing_list_workbook`) is one sheet, "Paklijst", with a title
row, the header row (Dutch / English / Ukrainian side by side, as Ukrainian
humanitarian-aid registration asks) and a totals row, in this fixed order:

    A  Nr.            line number on this packing list
    B  Aanbod         offer number, M-000123
    C  Categorie      category (nl / en / uk)
    D  Omschrijving   description, as the municipality wrote it (text)
    E  Vermogen       power in kVA (number, empty when not applicable)
    F  Aantal         quantity (number)
    G  Gewicht/stuk   weight per unit in kg (number)
    H  Gewicht totaal total weight in kg (number)
    I  Waarde/stuk    estimated value per unit in euro (number, euro format)
    J  Waarde totaal  estimated value total in euro
    K  Douane/stuk    depreciated (customs) value per unit in euro
    L  Douane totaal  depreciated (customs) value total in euro
    M  Bouwjaar       year of manufacture (number)
    N  Staat          condition (nl / en / uk)
    O  Brandstof      fuel in tank: "ja / yes / так" or "nee / no / ні"
    P  Lithium        lithium batteries: "ja / yes / так" or "nee / no / ні"

The title row names the shipment, its route and carrier, its departure (actual, else
planned) and the date the customs values were computed for, as the printed page does. The
totals row counts the units under O and P: "2 stuks / units / од.". The sheet prints on A4
landscape, one page wide (pledges.spreadsheets.printing).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.utils.translation import gettext as _
from openpyxl import Workbook

from pledges.core.money import cents_to_euro
from pledges.logistics.models import Shipment
from pledges.spreadsheets.columns import CHUNK, DATE, DECIMAL, EURO, INTEGER, TEXT, YEAR, Column, dutch_labels
from pledges.spreadsheets.printing import PrintedWorkbook
from pledges.spreadsheets.views import TableExport
from pledges.spreadsheets.xlsx_writer import write_sheet

# The packing list -----------------------------------------------------------------------------


def trilingual(terms: tuple[str, str, str]) -> str:
    """Dutch / English / Ukrainian, side by side."""
    return " / ".join(terms)


CATEGORY_TERMS = {
    "generator": ("aggregaat", "generator", "генератор"),
    "transformer": ("transformator", "transformer", "трансформатор"),
    "cable": ("kabel", "cable", "кабель"),
    "battery": ("accu/opslag", "battery/storage", "акумулятор/накопичувач"),
    "solar": ("zonnepanelen", "solar panels", "сонячні панелі"),
    "heating": ("verwarming", "heating", "опалення"),
    "lighting": ("verlichting", "lighting", "освітлення"),
    "pump": ("pomp", "pump", "насос"),
    "other": ("overig", "other", "інше"),
}
CONDITION_TERMS = {
    "new": ("nieuw", "new", "новий"),
    "used": ("gebruikt", "used", "вживаний"),
    "needs_repair": ("reparatie nodig", "needs repair", "потребує ремонту"),
}
YES = ("ja", "yes", "так")
NO = ("nee", "no", "ні")

PACKING_COLUMNS = [
    Column(trilingual(("Nr.", "No.", "№")), INTEGER),
    Column(trilingual(("Aanbod", "Offer", "Пропозиція"))),
    Column(trilingual(("Categorie", "Category", "Категорія"))),
    Column(trilingual(("Omschrijving", "Description", "Опис"))),
    Column(trilingual(("Vermogen (kVA)", "Power (kVA)", "Потужність (кВА)")), DECIMAL),
    Column(trilingual(("Aantal", "Quantity", "Кількість")), INTEGER),
    Column(trilingual(("Gewicht per stuk (kg)", "Unit weight (kg)", "Вага одиниці (кг)")), DECIMAL),
    Column(trilingual(("Totaal gewicht (kg)", "Total weight (kg)", "Загальна вага (кг)")), DECIMAL),
    Column(trilingual(("Geschatte waarde per stuk", "Estimated value per unit", "Орієнтовна вартість за одиницю")), EURO),
    Column(trilingual(("Geschatte waarde totaal", "Estimated value, total", "Орієнтовна вартість, усього")), EURO),
    Column(trilingual(("Douanewaarde per stuk", "Customs value per unit", "Митна вартість за одиницю")), EURO),
    Column(trilingual(("Douanewaarde totaal", "Customs value, total", "Митна вартість, усього")), EURO),
    Column(trilingual(("Bouwjaar", "Year of manufacture", "Рік виготовлення")), YEAR),
    Column(trilingual(("Staat", "Condition", "Стан"))),
    Column(trilingual(("Brandstof in tank", "Fuel in tank", "Пальне в баку"))),
    Column(trilingual(("Lithiumbatterijen", "Lithium batteries", "Літієві батареї"))),
]

PACKING_TITLE = ("Paklijst", "Packing list", "Пакувальний лист")
PACKING_DEPARTURE = ("Vertrek", "Departure", "Відправлення")
PACKING_VALUED_ON = ("Douanewaarde per", "Customs value as of", "Митна вартість станом на")
PACKING_UNITS = ("stuks", "units", "од.")
TOTAL = ("Totaal", "Total", "Усього")
# Ends the title when a stored text had a character a workbook cannot hold (written as U+FFFD).
PACKING_REPLACED = (
    "onleesbare tekens staan er als �", "unreadable characters are shown as �", "нечитабельні символи показано як �"
)


def _flag(value: bool) -> str:
    return trilingual(YES if value else NO)


def packing_rows(plist) -> list[list[object]]:
    """The packing list's lines as values in `PACKING_COLUMNS` order."""
    rows = []
    for line in plist.lines:
        offer = line.offer
        rows.append([
            line.line,
            offer.number,
            trilingual(CATEGORY_TERMS.get(offer.category, (offer.category,) * 3)),
            offer.description,
            offer.power_kva,
            offer.quantity,
            offer.weight_kg,
            offer.total_weight_kg,
            line.value_per_unit,
            line.value_total,
            line.customs_per_unit,
            line.customs_total,
            offer.year,
            trilingual(CONDITION_TERMS.get(offer.condition, (offer.condition,) * 3)),
            _flag(offer.fuel_in_tank),
            _flag(offer.lithium_batteries),
        ])
    return rows


def packing_units(count: int) -> str:
    """A number of units in three languages, "2 stuks / units / од.": under a yes/no column."""
    return " / ".join([f"{count} {PACKING_UNITS[0]}", *PACKING_UNITS[1:]])


def packing_totals(plist) -> list[object]:
    """The totals row in `PACKING_COLUMNS` order; dangerous goods as the units carrying them."""
    totals = plist.totals
    return [
        None, trilingual(TOTAL), None, None, None,
        totals["units"], None, totals["weight_kg"],
        None, totals["value"], None, totals["customs"],
        None, None, packing_units(totals["fuel_in_tank"]), packing_units(totals["lithium_batteries"]),
    ]


def packing_departure(shipment) -> datetime.date | None:
    """The departure a packing list shows: the actual one, else the planned one."""
    return shipment.departed_on or shipment.planned_departure


def packing_title(plist) -> str:
    """The title row: shipment, route, carrier, departure and the date of the customs values."""
    shipment = plist.shipment
    destination = shipment.destination
    departure = packing_departure(shipment)
    parts = [
        f"{trilingual(PACKING_TITLE)} {shipment.number}",
        f"VNG Fonds → {destination.name_nl} / {destination.name_en} / {destination.name_uk}",
        f"{shipment.carrier} {shipment.reference}".strip(),
        f"{trilingual(PACKING_DEPARTURE)}: {packing_day(departure)}" if departure else "",
        f"{trilingual(PACKING_VALUED_ON)}: {packing_day(plist.valued_on)}",
    ]
    return " · ".join(part for part in parts if part)


def packing_day(day: datetime.date) -> str:
    """A date as the printed packing list shows it, 01-06-2026 (the same in all three languages)."""
    return day.strftime("%d-%m-%Y")


def packing_list_workbook(plist) -> Workbook:
    """The packing list of a shipment as one sheet (column order: see the module docstring)."""
    book = PrintedWorkbook()
    write_sheet(
        book,
        "Paklijst",
        PACKING_COLUMNS,
        packing_rows(plist),
        title=packing_title(plist),
        totals=packing_totals(plist),
        replaced_note=trilingual(PACKING_REPLACED),
    )
    return book

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
    """One shipment, annotated by `logistics.services.with_load`, in `SHIPMENT_COLUMNS` order."""
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


def shipment_export(queryset) -> TableExport:
    """The shipments list's sheet (column order: SHIPMENT_COLUMNS above)."""
    return TableExport(
        table="shipments",
        heading=_("Shipments"),
        sheet_title="Transporten",
        file_stem="transporten",
        columns=SHIPMENT_COLUMNS,
        rows=lambda: shipment_rows(queryset),
    )
