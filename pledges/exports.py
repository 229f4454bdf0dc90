"""Spreadsheet exports: the small helpers every XLSX of the ledger is built on, and the packing list.

Every workbook follows DESIGN.md ("Spreadsheets"): an openpyxl write-only workbook
(streamed, lxml installed), a title row, a bold header row that stays frozen, an
autofilter over header and data, widths that fit, numbers as numbers with a number
format (euro as "€ #,##0.00"), dates as dates, totals as plain values (no formula
anywhere), and user text always written as a text cell: a description such as
"=HYPERLINK(...)", "+31..." or "@foo" is stored as a string, never as a formula.

Build a sheet from `Column`s and rows of plain Python values in column order:

    book = new_workbook()
    write_sheet(book, "Donaties", COLUMNS, rows, title="...", totals=[...])
    return xlsx_response(book, "donaties.xlsx")

Columns without a width are fitted to their header and values (the rows are then
read into memory first); give every column a width to stream a long list.

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
landscape, one page wide (pledges.printing).

The money ledger (/donaties/?export=xlsx or ?export=csv) exports exactly the rows the
screen shows, filtered and sorted alike, all pages. One sheet, "Donaties", with a title
row (the applied filters, the sort and the moment of export), the header row, the rows;
in this fixed order (the CSV has the same columns, without the title row):

    A  Toezegging          pledge number, T-000123 (text)
    B  Toegezegd op        pledged on (date)
    C  Gemeente            municipality
    D  CBS-code            the municipality's CBS code, GM0034
    E  Provincie           province
    F  Oproep              appeal
    G  Bedrag              amount in euro (number, euro format)
    H  Ontvangen           received in euro
    I  Openstaand          outstanding in euro (0 for a withdrawn pledge)
    J  Status              toegezegd / deels ontvangen / ontvangen / ingetrokken
    K  Verwacht op         expected transfer date (date)
    L  Achterstallig       overdue: "ja" or "nee"
    M  Betalingskenmerk    RF creditor reference, grouped by four (text)
    N  IBAN                paying IBAN, grouped by four (text)
    O  Besluit             council/college decision reference (text, never a formula)
    P  Contactpersoon      contact person
    Q  E-mail contactpersoon

The CSV is for Dutch Excel and other tools: UTF-8 with a byte order mark (so Excel reads
the accents), ";" between fields (Dutch Excel's list separator; "," is the decimal comma),
amounts as plain numbers with a decimal comma and no thousands separator (1234,50), dates as
ISO 8601 (2026-06-01), which Excel recognises in any locale. A text value that starts with
= + - @ tab or CR gets a leading "'" so no spreadsheet evaluates it as a formula; control
characters are removed as in the XLSX.
"""

from __future__ import annotations

import csv
import datetime
import math
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.http import FileResponse
from django.utils import formats, timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from pledges.money import format_euro
from pledges.printing import PrintedWorkbook

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# Kinds of column: how a value is written and which number format it gets.
TEXT = "text"
INTEGER = "integer"
YEAR = "year"
DECIMAL = "decimal"  # weights, kVA: one decimal
EURO = "euro"
DATE = "date"

NUMBER_FORMATS = {
    INTEGER: "#,##0",
    YEAR: "0",
    DECIMAL: "#,##0.0",
    EURO: '"€" #,##0.00',
    DATE: "DD-MM-YYYY",
}

# Values Excel stores as numbers or dates; everything else is written as text.
_NATIVE = (int, float, Decimal, datetime.date, datetime.time)

# Excel keeps at most this many characters in a cell.
MAX_CELL_TEXT = 32_767
MAX_WIDTH = 60
LINE_HEIGHT = 15


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its kind, and optionally a fixed width."""

    header: str
    kind: str = TEXT
    width: float | None = None


def new_workbook() -> Workbook:
    """A streaming (write-only) workbook with no sheets yet."""
    return Workbook(write_only=True)


def clean_text(value: object) -> str:
    """Text as Excel can hold it: no control characters, no more than a cell takes."""
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:MAX_CELL_TEXT]


def text_cell(sheet, value: object, *, font: Font | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
    """A cell that holds `value` as text, whatever it starts with (=, +, -, @, tab, CR)."""
    cell = WriteOnlyCell(sheet, clean_text(value))
    # openpyxl reads a leading "=" as a formula (and "#N/A" as an error); the data type makes
    # it a plain string again.
    cell.data_type = "s"
    if font:
        cell.font = font
    if alignment:
        cell.alignment = alignment
    return cell


def value_cell(sheet, value: object, kind: str = TEXT, *, font: Font | None = None) -> WriteOnlyCell:
    """A cell for `value` written as its column's kind: numbers as numbers, dates as dates."""
    if value is None or value == "":
        cell = WriteOnlyCell(sheet)
    elif not isinstance(value, _NATIVE):
        # Text, lazy translations, anything else: shown as its text, never evaluated.
        return text_cell(sheet, value, font=font)
    else:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # Excel has no time zones: show the time as people here read it.
            value = timezone.make_naive(value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = NUMBER_FORMATS.get(kind, "General")
    if font:
        cell.font = font
    return cell


def _column_style(sheet, kind: str) -> StyleArray | None:
    """The style of a `kind` column's cells, looked up once per sheet instead of once per cell."""
    number_format = NUMBER_FORMATS.get(kind)
    if number_format is None:
        return None
    template = WriteOnlyCell(sheet)
    template.number_format = number_format
    return template._style


def _data_cell(sheet, value: object, kind: str, style: StyleArray | None) -> object:
    """What `value_cell` writes, in what a write-only sheet appends most cheaply.

    The same cells, a fifth faster over 100,000 rows (bench/export.py): plain text goes in as
    a string, which openpyxl writes through one reused cell, and a number or date gets its
    column's ready-made style instead of a format lookup per cell. Anything else takes
    `value_cell`'s way.
    """
    if value is None or value == "":
        return None
    if type(value) is str:
        text = clean_text(value)
        # As a plain string openpyxl would read "=..." as a formula and "#N/A" as an error.
        return text_cell(sheet, text) if text.startswith(("=", "#")) else text
    if style is not None and isinstance(value, (int, float, Decimal, datetime.date)) and not (
        isinstance(value, datetime.datetime) and timezone.is_aware(value)
    ):
        return Cell(sheet, row=1, column=1, value=value, style_array=style)
    return value_cell(sheet, value, kind)


def _shown_length(value: object, kind: str) -> int:
    """Roughly how many characters Excel shows for `value` in a column of `kind`."""
    if value is None or value == "":
        return 0
    if kind == EURO and isinstance(value, (int, float, Decimal)):
        return len(f"{value:,.2f}") + 2
    if kind in (INTEGER, DECIMAL) and isinstance(value, (int, float, Decimal)):
        return len(f"{value:,}")
    if kind == DATE:
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def header_parts(header: str) -> list[str]:
    """A header's languages ("Omschrijving / Description / Опис"): one per line when wrapped."""
    return header.split(" / ")


def fit_widths(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> list[float]:
    """Widths that fit each column's longest value and longest header part."""
    widths = []
    for index, column in enumerate(columns):
        if column.width:
            widths.append(column.width)
            continue
        longest = max((len(part) for part in header_parts(column.header)), default=0)
        for row in rows:
            longest = max(longest, _shown_length(row[index], column.kind))
        widths.append(min(longest + 2, MAX_WIDTH))
    return widths


def _header_lines(columns: Sequence[Column], widths: Sequence[float]) -> int:
    lines = 1
    for column, width in zip(columns, widths, strict=True):
        needed = sum(math.ceil((len(part) + 2) / max(width - 1, 1)) for part in header_parts(column.header))
        lines = max(lines, needed)
    return lines


def write_sheet(
    workbook: Workbook,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "",
    totals: Sequence[object] | None = None,
) -> None:
    """Add a sheet: optional title row, frozen bold header with autofilter, the rows, a totals row.

    `totals` is one value per column (None for blank); it comes after the
    autofilter range so sorting and filtering never move it.
    """
    if any(column.width is None for column in columns):
        rows = list(rows)
        widths = fit_widths(columns, rows)
    else:
        widths = [column.width for column in columns]
    sheet = workbook.create_sheet(title=safe_sheet_title(sheet_title))
    # A write-only sheet takes its layout before the first row.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = 2 if title else 1
    sheet.row_dimensions[header_row].height = LINE_HEIGHT * _header_lines(columns, widths)
    sheet.freeze_panes = f"A{header_row + 1}"
    bold = Font(bold=True)
    if title:
        sheet.append([text_cell(sheet, title, font=Font(bold=True, size=14))])
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([text_cell(sheet, column.header, font=bold, alignment=wrap) for column in columns])
    last_row = header_row
    styles = [_column_style(sheet, column.kind) for column in columns]
    for row in rows:
        sheet.append([
            _data_cell(sheet, value, column.kind, style)
            for column, style, value in zip(columns, styles, row, strict=True)
        ])
        last_row += 1
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last_row}"
    if totals is not None:
        sheet.append(
            [value_cell(sheet, value, column.kind, font=bold) for column, value in zip(columns, totals, strict=True)]
        )


def safe_sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in clean_text(title)).strip()
    return cleaned[:31] or "Sheet"


def xlsx_response(workbook: Workbook, filename: str) -> FileResponse:
    """Stream a finished workbook as a download; the file lives only as long as the response."""
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)


def display_value(value: object, kind: str) -> str:
    """A cell value as text for screen, print or CSV, in the active language."""
    if value is None or value == "":
        return ""
    if kind == EURO:
        return format_euro(value)
    if kind in (INTEGER, DECIMAL):
        return formats.number_format(value, decimal_pos=1 if kind == DECIMAL else None, use_l10n=True, force_grouping=True)
    if kind == DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


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
    )
    return book


# The money ledger (column order: see the module docstring) ---------------------------------

DONATION_COLUMNS = [
    Column("Toezegging", TEXT, 12),
    Column("Toegezegd op", DATE, 13),
    Column("Gemeente", TEXT, 24),
    Column("CBS-code", TEXT, 10),
    Column("Provincie", TEXT, 14),
    Column("Oproep", TEXT, 28),
    Column("Bedrag", EURO, 16),
    Column("Ontvangen", EURO, 16),
    Column("Openstaand", EURO, 16),
    Column("Status", TEXT, 16),
    Column("Verwacht op", DATE, 13),
    Column("Achterstallig", TEXT, 13),
    Column("Betalingskenmerk", TEXT, 28),
    Column("IBAN", TEXT, 26),
    Column("Besluit", TEXT, 30),
    Column("Contactpersoon", TEXT, 24),
    Column("E-mail contactpersoon", TEXT, 32),
]

# Dutch, whatever the language of the screen: other sheets and tools read these values.
DONATION_STATUS_NL = {
    "pledged": "toegezegd",
    "partly_received": "deels ontvangen",
    "received": "ontvangen",
    "withdrawn": "ingetrokken",
}

# Rows read from the database at a time: memory stays constant however long the ledger.
EXPORT_CHUNK = 2000

CSV_DELIMITER = ";"
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def in_fours(compact: str) -> str:
    """A compact IBAN or RF reference as people read it, "NL91 ABNA 0417 ...".

    What stdnum's format() gives for a value stored compact, without its character-by-character
    clean-up, which took a third of the CSV export's time.
    """
    return " ".join(compact[start:start + 4] for start in range(0, len(compact), 4))


def donation_row(donation, today: datetime.date, tz: datetime.tzinfo | None = None) -> list[object]:
    """One pledge as values in `DONATION_COLUMNS` order (`tz`: the current time zone, if known)."""
    municipality = donation.municipality
    return [
        donation.number,
        timezone.localdate(donation.created_at, tz),
        municipality.name,
        municipality.code,
        municipality.province,
        donation.appeal.title,
        donation.amount,
        donation.received,
        donation.outstanding,
        DONATION_STATUS_NL.get(donation.status, donation.status),
        donation.expected_date,
        "ja" if donation.status in donation.OPEN_STATUSES and donation.expected_date < today else "nee",
        in_fours(donation.reference),
        in_fours(donation.iban),
        donation.decision_reference,
        donation.contact_name,
        donation.contact_email,
    ]


def donation_rows(queryset, counter: list[int] | None = None) -> Iterable[list[object]]:
    """The pledges of `queryset`, in its order, read in chunks; counts them into `counter[0]`."""
    today, tz = timezone.localdate(), timezone.get_current_timezone()
    for donation in queryset.select_related("municipality", "appeal").iterator(chunk_size=EXPORT_CHUNK):
        row = donation_row(donation, today, tz)  # counted once made: a row that fails is not written
        if counter is not None:
            counter[0] += 1
        yield row


def donations_workbook(queryset, title: str, counter: list[int] | None = None) -> Workbook:
    """The pledges of `queryset` as one streamed sheet (column order: see above)."""
    book = new_workbook()
    write_sheet(book, "Donaties", DONATION_COLUMNS, donation_rows(queryset, counter), title=title)
    return book


def csv_text(value: object) -> str:
    """User text for a CSV cell: no control characters, and never read as a formula."""
    text = clean_text(value)
    return "'" + text if text.startswith(CSV_FORMULA_STARTS) else text


def csv_value(value: object, kind: str) -> str:
    """A value as its CSV field (see above: decimal comma, ISO dates, guarded text)."""
    if type(value) is str:  # most fields: checked first, as a hundred thousand rows add up
        return csv_text(value)
    if value is None:
        return ""
    if kind in (EURO, DECIMAL) and isinstance(value, (int, float, Decimal)):
        return f"{Decimal(value):.2f}".replace(".", ",") if kind == EURO else str(value).replace(".", ",")
    if kind in (INTEGER, YEAR) and isinstance(value, int):
        return str(value)
    if kind == DATE and isinstance(value, datetime.date):
        return value.isoformat()
    return csv_text(value)


class _Echo:
    """A file for csv.writer that hands back each line instead of storing it."""

    def write(self, value: str) -> str:
        return value


def csv_lines(columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> Iterable[str]:
    """The CSV, line by line: a byte order mark, the header, the rows."""
    writer = csv.writer(_Echo(), delimiter=CSV_DELIMITER, lineterminator="\r\n")
    yield "\ufeff" + writer.writerow([csv_text(column.header) for column in columns])
    for row in rows:
        yield writer.writerow([csv_value(value, column.kind) for column, value in zip(columns, row, strict=True)])
