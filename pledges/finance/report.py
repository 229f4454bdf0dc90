"""The finance report: one workbook for one appeal and one period, for finance to hand on.

The period is two dates, both included, in the fund's time zone. What "in the period"
means differs per subject, and each sheet's title row says it:

- pledges (Donaties, Per gemeente, Per provincie, the money in Samenvatting): pledges
  of the appeal made in the period; what was received on them and what is still
  outstanding as it stands at the moment of the report. Withdrawn pledges are listed
  but count for no money (as the ledger's totals);
- payments (Betalingen): bank lines and payments entered by hand booked in the period
  that are matched to a pledge of the appeal, or are not matched to any pledge and
  booked on the appeal's account (gifts, lines still to match, debits);
- equipment (Materieel, the in-kind value): offers for the appeal made in the period;
  declined and withdrawn offers are listed but count for nothing;
- shipments (Transporten): shipments of the appeal that departed in the period;
- participating municipalities: those with a pledge or an offer that counts above,
  out of all municipalities (342).

Sheets, in this order (the detail sheets' columns as documented in pledges.donations.exports, pledges.equipment.exports,
pledges.logistics.exports and pledges.finance.exports):

    Samenvatting   Onderdeel, Bedrag (euro), Aantal, Toelichting; the figures below,
                   and under them a bar chart of pledged and received per province
                   (left out, and the summary says so, when no money was pledged)
    Per gemeente   Gemeente, CBS-code, Provincie, Doet mee, Toezeggingen, Toegezegd, Ontvangen,
                   Openstaand, Aanbiedingen, Eenheden, Waarde in natura; a totals row
    Per provincie  Provincie, Gemeenten, Deelnemend, Toegezegd, Ontvangen, Openstaand,
                   Aanbiedingen, Eenheden, Waarde in natura; all 12 provinces; a totals row
    Donaties       the money ledger's columns
    Betalingen     the bank lines' columns (what each line is matched to: Stand, Toezegging, Gemeente)
    Materieel      the equipment table's columns
    Transporten    the shipments table's columns

Every figure is summed in integer cents by the named QuerySet methods (Donation
`totals`, `by_municipality`, `by_province`; offer `totals`, `by_municipality`,
`by_province`; payment `totals`) and written as exact euro; totals rows are values,
never formulas. The summary's figures equal the sums of the detail sheets.

Every sheet prints on A4 landscape, one page wide, its title and header rows on every page
(pledges.spreadsheets.printing); the summary, chart included, on one page.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.utils import formats, timezone
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference

from pledges.core.filters import start_of_day
from pledges.donations.exports import DONATION_COLUMNS, donation_rows
from pledges.donations.models import Donation
from pledges.equipment.exports import OFFER_COLUMNS, offer_rows
from pledges.equipment.models import EquipmentOffer
from pledges.finance.exports import PAYMENT_COLUMNS, payment_rows
from pledges.finance.matching import fund_accounts
from pledges.finance.models import Payment, format_amount
from pledges.logistics.exports import SHIPMENT_COLUMNS, shipment_rows
from pledges.logistics.models import Shipment
from pledges.logistics.services import with_load
from pledges.reference.models import Appeal, Municipality
from pledges.spreadsheets.columns import EURO, INTEGER, TEXT, Column, Counted
from pledges.spreadsheets.printing import PrintedWorkbook, on_one_page
from pledges.spreadsheets.xlsx_writer import write_sheet

SUMMARY_COLUMNS = [
    Column("Onderdeel", TEXT, 46),
    Column("Bedrag", EURO, 18),
    Column("Aantal", INTEGER, 10),
    Column("Toelichting", TEXT, 70),
]

# Pledged money and the offers that count, the last columns of both "Per" sheets.
_MONEY_AND_IN_KIND = [
    Column("Toegezegd", EURO, 16),
    Column("Ontvangen", EURO, 16),
    Column("Openstaand", EURO, 16),
    Column("Aanbiedingen", INTEGER, 13),
    Column("Eenheden", INTEGER, 10),
    Column("Waarde in natura", EURO, 16),
]

MUNICIPALITY_COLUMNS = [
    Column("Gemeente", TEXT, 24),
    Column("CBS-code", TEXT, 10),
    Column("Provincie", TEXT, 14),
    # "nee" for a municipality whose pledges were all withdrawn (or offers declined): the
    # summary's "n van 342" counts the "ja" rows.
    Column("Doet mee", TEXT, 10),
    Column("Toezeggingen", INTEGER, 13),
    *_MONEY_AND_IN_KIND,
]

PROVINCE_COLUMNS = [
    Column("Provincie", TEXT, 16),
    Column("Gemeenten", INTEGER, 11),
    Column("Deelnemend", INTEGER, 11),
    *_MONEY_AND_IN_KIND,
]

# Ends a sheet's title when a stored text had a character a workbook cannot hold (written as
# U+FFFD, pledges.spreadsheets.xlsx_writer): Dutch, as the whole report.
REPLACED_NOTE = "tekens die een spreadsheet niet kan bevatten staan er als �"

# Where the chart finds its data on "Per provincie": title row 1, header row 2, 12 provinces.
PROVINCE_FIRST_ROW, PROVINCE_COUNT = 3, 12
# The summary's first figure, under its title and header rows.
SUMMARY_FIRST_ROW = 3


@dataclass(frozen=True)
class ReportScope:
    """One appeal and a period (both dates included): the querysets each sheet reads."""

    appeal: Appeal
    start: datetime.date
    end: datetime.date

    def row_count(self) -> int:
        """The detail sheets' rows: what decides whether the workbook is written in the background."""
        return sum(rows.count() for rows in (self.donations(), self.payments(), self.offers(), self.shipments()))

    def donations(self):
        """Pledges of the appeal made in the period, oldest first."""
        return Donation.objects.filter(
            appeal=self.appeal,
            created_at__gte=start_of_day(self.start),
            created_at__lt=start_of_day(self.end + datetime.timedelta(days=1)),
        ).order_by("created_at", "id")

    def payments(self):
        """Lines booked in the period: matched to the appeal's pledges, or unmatched on its account.

        A split line is one row (its parts are not lines of the bank's).
        """
        return Payment.objects.lines().filter(
            Q(donation__appeal=self.appeal) | Q(donation__isnull=True, account_iban=self.appeal.iban),
            booking_date__gte=self.start,
            booking_date__lte=self.end,
        ).order_by("booking_date", "id")

    def offers(self):
        """Equipment offered for the appeal in the period, oldest first."""
        return EquipmentOffer.objects.filter(
            appeal=self.appeal,
            created_at__gte=start_of_day(self.start),
            created_at__lt=start_of_day(self.end + datetime.timedelta(days=1)),
        ).order_by("created_at", "id")

    def shipments(self):
        """Shipments of the appeal that departed in the period, in order of departure."""
        departed = Shipment.objects.filter(
            appeal=self.appeal, departed_on__gte=self.start, departed_on__lte=self.end
        ).select_related("appeal", "destination")
        return with_load(departed).order_by("departed_on", "id")

    def participating(self):
        """Municipalities with a pledge or an offer in the scope that counts (not withdrawn or declined)."""
        return Municipality.objects.filter(Municipality.objects.takes_part(self.donations(), self.offers()))

    @property
    def period(self) -> str:
        return f"{_day(self.start)} t/m {_day(self.end)}"


def _day(day: datetime.date) -> str:
    return formats.date_format(day, "j-n-Y", use_l10n=False)


def summary_figures(scope: ReportScope) -> dict:
    """Every figure of the summary sheet, exact, from the named QuerySet methods."""
    donations, offers = scope.donations(), scope.offers()
    shipments = scope.shipments()
    return {
        "pledges": donations.totals(),
        "payments": scope.payments().totals(fund_accounts()),
        "offers": offers.totals(),
        "shipments": shipments.count(),
        "shipped": EquipmentOffer.objects.filter(shipment__in=shipments.values("pk")).totals(),
        "participating": scope.participating().count(),
        "municipalities": Municipality.objects.count(),
    }


def summary_rows(scope: ReportScope, figures: dict) -> list[list[object]]:
    """The summary sheet's rows in `SUMMARY_COLUMNS` order."""
    pledges, payments, offers, shipped = figures["pledges"], figures["payments"], figures["offers"], figures["shipped"]
    participating, municipalities = figures["participating"], figures["municipalities"]
    rows = [
        ["Toezeggingen gedaan in de periode", None, pledges["rows"], "regels op blad Donaties, ingetrokken meegeteld"],
        ["Toegezegd", pledges["pledged"], None, "ingetrokken toezeggingen tellen niet mee"],
        ["Ontvangen op deze toezeggingen", pledges["received"], None, "tot het moment van dit rapport"],
        ["Openstaand op deze toezeggingen", pledges["outstanding"], None, "per toezegging, nooit minder dan nul"],
    ]
    if scope.appeal.target is not None:
        rows.append(["Doel van de oproep", scope.appeal.target, None, "het hele doel, niet alleen deze periode"])
    rows += [
        ["Betalingen geboekt in de periode", None, payments["rows"], "regels op blad Betalingen"],
        ["  gekoppeld aan toezeggingen", payments["matched"], None, "ook op toezeggingen van vóór de periode"],
        ["  gift zonder toezegging", payments["gifts"], None, ""],
        ["  nog te koppelen", payments["open"], None, ""],
        ["  overig", payments["other"], None, "afschrijvingen, regels op andere rekeningen; alleen euro"],
    ]
    # Another currency is never added to euro: a row of its own, the amount in its own code.
    rows += [
        [f"  in {other.currency}, niet in euro opgeteld", None, other.rows,
         format_amount(other.cents, other.currency, "nl")]
        for other in payments["other_currencies"]
    ]
    rows += [
        ["Materieel aangeboden in de periode", None, offers["rows"], "regels op blad Materieel"],
        [
            "Waarde in natura", offers["value"], offers["units"],
            "eenheden; afgewezen en ingetrokken aanbiedingen tellen niet mee",
        ],
        [
            "Transporten vertrokken in de periode", shipped["value"], figures["shipments"],
            "waarde van de lading; blad Transporten",
        ],
        [
            "Deelnemende gemeenten",
            None,
            participating,
            f"{participating} van {municipalities}: met een toezegging of aanbod dat meetelt",
        ],
    ]
    if not shows_province_chart(figures):
        rows.append(["Grafiek per provincie", None, None, "weggelaten: in de periode is geen geld toegezegd"])
    return rows


def municipality_rows(scope: ReportScope) -> list[list[object]]:
    """Per municipality with a pledge or an offer in the scope, by name, in `MUNICIPALITY_COLUMNS` order."""
    money = {row["id"]: row for row in scope.donations().by_municipality()}
    in_kind = {row["id"]: row for row in scope.offers().by_municipality()}
    named = {**in_kind, **money}
    participating = set(scope.participating().values_list("pk", flat=True))
    rows = []
    for pk in sorted(named, key=lambda pk: (named[pk]["name"], pk)):
        m, k = money.get(pk, {}), in_kind.get(pk, {})
        rows.append([
            named[pk]["name"], named[pk]["code"], named[pk]["province"],
            "ja" if pk in participating else "nee",
            m.get("pledges", 0), m.get("pledged", 0), m.get("received", 0), m.get("outstanding", 0),
            k.get("offers", 0), k.get("units", 0), k.get("value", 0),
        ])
    return rows


def province_rows(scope: ReportScope) -> list[list[object]]:
    """All 12 provinces, alphabetical, in `PROVINCE_COLUMNS` order."""
    offers = scope.offers()
    in_kind = {row["province"]: row for row in offers.by_province()}
    return [
        [
            row["province"], row["municipalities"], row["participating"],
            row["pledged"], row["received"], row["outstanding"],
            in_kind[row["province"]]["offers"], in_kind[row["province"]]["units"], in_kind[row["province"]]["value"],
        ]
        for row in scope.donations().by_province(offers)
    ]


def column_totals(columns: list[Column], rows: list[list[object]], label: str = "Totaal") -> list[object]:
    """A totals row: the sum of every number column, `label` in the first."""
    totals: list[object] = [label]
    for index, column in enumerate(columns[1:], start=1):
        totals.append(sum(row[index] for row in rows) if column.kind in (EURO, INTEGER) else None)
    return totals


def shows_province_chart(figures: dict) -> bool:
    """Whether the province chart would show anything: money pledged or received in the period."""
    return bool(figures["pledges"]["pledged"] or figures["pledges"]["received"])


def _province_chart() -> BarChart:
    """Pledged and received per province, read from the "Per provincie" sheet."""
    chart = BarChart()
    chart.type = "bar"
    # A horizontal bar chart draws its first category at the bottom: reversed, the provinces
    # read alphabetically from the top, and the euro axis is kept below them.
    chart.x_axis.scaling.orientation = "maxMin"
    chart.y_axis.crosses = "max"
    chart.title = "Toegezegd en ontvangen per provincie"
    chart.y_axis.title = "euro"
    chart.y_axis.numFmt = '"€" #,##0'
    chart.height, chart.width = 12, 22
    last = PROVINCE_FIRST_ROW + PROVINCE_COUNT - 1
    for column in ("D", "E"):  # Toegezegd, Ontvangen, with their header as the series name
        cells = f"'Per provincie'!${column}${PROVINCE_FIRST_ROW - 1}:${column}${last}"
        chart.add_data(Reference(range_string=cells), titles_from_data=True)
    chart.set_categories(Reference(range_string=f"'Per provincie'!$A${PROVINCE_FIRST_ROW}:$A${last}"))
    return chart


def report_workbook(scope: ReportScope, moment: datetime.datetime) -> tuple[Workbook, int]:
    """The report as a streamed workbook, and how many rows its detail sheets hold."""
    made = formats.date_format(timezone.localtime(moment), "j-n-Y H:i", use_l10n=False)
    head = f"{scope.appeal.title} · {scope.period}"

    def title(what: str) -> str:
        return f"{head} · {what} · gemaakt op {made}"

    book = PrintedWorkbook()
    figures = summary_figures(scope)
    summary = summary_rows(scope, figures)
    write_sheet(
        book, "Samenvatting", SUMMARY_COLUMNS, summary, title=title("Financieel rapport"), replaced_note=REPLACED_NOTE
    )
    sheet = book.worksheets[-1]
    sheet.auto_filter.ref = None  # nothing to sort or filter in a summary
    on_one_page(sheet)
    if shows_province_chart(figures):
        # Under the figures, inside the printed area (beside them it would fall off the page).
        sheet.add_chart(_province_chart(), f"A{SUMMARY_FIRST_ROW + len(summary) + 1}")
    per_municipality = municipality_rows(scope)
    write_sheet(
        book, "Per gemeente", MUNICIPALITY_COLUMNS, per_municipality,
        title=title("per gemeente: toezeggingen en aanbod gedaan in de periode"),
        totals=column_totals(MUNICIPALITY_COLUMNS, per_municipality), replaced_note=REPLACED_NOTE,
    )
    per_province = province_rows(scope)
    write_sheet(
        book, "Per provincie", PROVINCE_COLUMNS, per_province,
        title=title("per provincie: toezeggingen en aanbod gedaan in de periode"),
        totals=column_totals(PROVINCE_COLUMNS, per_province), replaced_note=REPLACED_NOTE,
    )
    accounts = fund_accounts()
    details: list[tuple[str, list[Column], Iterable, str]] = [
        ("Donaties", DONATION_COLUMNS, donation_rows(scope.donations()),
         "toezeggingen gedaan in de periode"),
        ("Betalingen", PAYMENT_COLUMNS, payment_rows(scope.payments(), accounts),
         "betalingen geboekt in de periode, gekoppeld of niet"),
        ("Materieel", OFFER_COLUMNS, offer_rows(scope.offers()),
         "materieel aangeboden in de periode"),
        ("Transporten", SHIPMENT_COLUMNS, shipment_rows(scope.shipments()),
         "transporten vertrokken in de periode"),
    ]
    written = 0
    for name, columns, rows, what in details:
        counted = Counted(rows)
        write_sheet(book, name, columns, counted, title=title(what), replaced_note=REPLACED_NOTE)
        written += counted.count
    return book, written
