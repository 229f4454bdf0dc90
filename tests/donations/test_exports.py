"""The money ledger as XLSX and CSV: exactly the rows on screen, real spreadsheets, no formulas."""

import csv
import datetime
import io
import re
import zipfile

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pledges.models import Donation, ExportLog
from tests import factories, printed

# Column letters, as documented in pledges.donations.exports.
NUMBER, PLEDGED_ON, MUNICIPALITY, CODE, PROVINCE, APPEAL, AMOUNT, RECEIVED, OUTSTANDING = "ABCDEFGHI"
STATUS, EXPECTED, OVERDUE, REFERENCE, IBAN, DECISION, CONTACT, EMAIL = "JKLMNOPQ"
HEADER_ROW, FIRST_ROW = 2, 3

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
HYPERLINK = '=HYPERLINK("http://x")'
AT_SUM = "@SUM(A1)"

pytestmark = pytest.mark.django_db


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 5, day, 9, 30, tzinfo=datetime.UTC)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ledger(almere_staff, utrecht_staff, ukraine_appeal):
    """Five pledges, three of Almere and two of Utrecht, with distinct amounts and dates."""
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    rows = {
        "big": factories.donation(
            almere, ukraine_appeal, almere_staff, amount_cents=25_000_00, created_at=at(3),
            expected_date=datetime.date(2026, 5, 20), decision_reference=HYPERLINK,
        ),
        "small": factories.donation(
            almere, ukraine_appeal, almere_staff, amount_cents=1_234_50, created_at=at(5),
            decision_reference=AT_SUM, contact_name="-Jansen",
        ),
        "withdrawn": factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=500_00, created_at=at(7)),
        "utrecht": factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=10_000_00, created_at=at(4)),
        "utrecht_paid": factories.donation(
            utrecht, ukraine_appeal, utrecht_staff, amount_cents=3_000_00, created_at=at(6),
        ),
    }
    factories.withdraw(rows["withdrawn"], almere_staff)
    factories.receive(rows["utrecht_paid"], 1_000_00)
    factories.receive(rows["big"], 5_000_00)
    for row in rows.values():
        row.refresh_from_db()
    return rows


def export(client, user, query: str = "", fmt: str = "xlsx"):
    client.force_login(user)
    separator = "&" if query else ""
    response = client.get(f"{reverse('pledges:donation_list')}?{query}{separator}export={fmt}")
    assert response.status_code == 200
    return response, b"".join(response.streaming_content)


def sheet_of(content: bytes):
    return load_workbook(io.BytesIO(content))["Donaties"]


def numbers(sheet) -> list[str]:
    return [row[0] for row in sheet.iter_rows(min_row=FIRST_ROW, values_only=True)]


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def screen_numbers(client, query: str) -> list[str]:
    """The pledge numbers the ledger shows, page after page."""
    shown, page = [], 1
    while True:
        response = client.get(f"{reverse('pledges:donation_list')}?{query}&per_page=25&page={page}")
        table = response.context["table"]
        shown += [row.record.number for row in table.page.object_list]
        if not table.page.has_next():
            return shown
        page += 1


def test_xlsx_is_a_real_spreadsheet(client, finance, ledger):
    response, content = export(client, finance)

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="donaties-' in response["Content-Disposition"]
    sheet = sheet_of(content)
    assert "1-6-2026" in sheet["A1"].value or "2026" in sheet["A1"].value
    headers = [cell.value for cell in sheet[HEADER_ROW]]
    assert headers == [
        "Toezegging", "Toegezegd op", "Gemeente", "CBS-code", "Provincie", "Oproep", "Bedrag",
        "Ontvangen", "Openstaand", "Status", "Verwacht op", "Achterstallig", "Betalingskenmerk",
        "IBAN", "Besluit", "Contactpersoon", "E-mail contactpersoon",
    ]
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:Q{HEADER_ROW + len(ledger)}"
    # Newest first, as the screen shows by default.
    assert numbers(sheet) == [ledger[k].number for k in ("withdrawn", "utrecht_paid", "small", "utrecht", "big")]

    big = ledger["big"]
    row = FIRST_ROW + 4
    assert sheet[f"{NUMBER}{row}"].value == big.number
    assert sheet[f"{PLEDGED_ON}{row}"].value == datetime.datetime(2026, 5, 3)
    assert sheet[f"{PLEDGED_ON}{row}"].number_format == "DD-MM-YYYY"
    assert sheet[f"{MUNICIPALITY}{row}"].value == "Almere"
    assert sheet[f"{CODE}{row}"].value == "GM0034"
    assert sheet[f"{PROVINCE}{row}"].value == "Flevoland"
    assert sheet[f"{APPEAL}{row}"].value == big.appeal.title
    assert sheet[f"{AMOUNT}{row}"].value == 25_000
    assert sheet[f"{RECEIVED}{row}"].value == 5_000
    assert sheet[f"{OUTSTANDING}{row}"].value == 20_000
    for column in (AMOUNT, RECEIVED, OUTSTANDING):
        assert sheet[f"{column}{row}"].data_type == "n"
        assert "€" in sheet[f"{column}{row}"].number_format
    assert sheet[f"{STATUS}{row}"].value == "deels ontvangen"
    assert sheet[f"{EXPECTED}{row}"].value == datetime.datetime(2026, 5, 20)
    assert sheet[f"{OVERDUE}{row}"].value == "ja"
    assert sheet[f"{REFERENCE}{row}"].value == big.reference_display
    assert sheet[f"{IBAN}{row}"].value == "NL91 ABNA 0417 1643 00"
    assert sheet[f"{CONTACT}{row}"].value == "Contact Persoon"
    assert sheet[f"{EMAIL}{row}"].value == "contact@example.nl"

    small = FIRST_ROW + 2
    assert sheet[f"{AMOUNT}{small}"].value == pytest.approx(1234.5)
    assert sheet[f"{OVERDUE}{small}"].value == "nee"
    withdrawn = FIRST_ROW
    assert sheet[f"{STATUS}{withdrawn}"].value == "ingetrokken"
    assert sheet[f"{OUTSTANDING}{withdrawn}"].value == 0


@pytest.mark.parametrize(
    "query",
    [
        "sort=-amount_cents",
        "sort=amount_cents&status=pledged",
        "sort=-municipality&status=pledged",
        "province=Flevoland",
        "overdue=on",
        "q=Almere&sort=expected_date",
        "sort=-number",
    ],
)
def test_rows_are_the_filtered_sorted_ledger_of_every_page(client, coordinator, ledger, query):
    client.force_login(coordinator)
    expected = screen_numbers(client, query)

    _, content = export(client, coordinator, query)
    _, csv_content = export(client, coordinator, query, "csv")

    assert numbers(sheet_of(content)) == expected
    assert [row[0] for row in csv_rows(csv_content)[1:]] == expected


def test_order_follows_the_sort_parameter(client, coordinator, ledger):
    _, content = export(client, coordinator, "sort=-amount_cents")
    by_amount = sorted(ledger.values(), key=lambda d: -d.amount_cents)
    assert numbers(sheet_of(content)) == [d.number for d in by_amount]

    _, content = export(client, coordinator, "status=pledged&sort=amount_cents")
    pledged = sorted((d for d in ledger.values() if d.status == Donation.Status.PLEDGED), key=lambda d: d.amount_cents)
    assert numbers(sheet_of(content)) == [d.number for d in pledged]


def test_all_pages_are_exported(client, coordinator, almere_staff, ukraine_appeal, reference_data):
    factories.donations(60, almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(coordinator)
    expected = screen_numbers(client, "sort=number")
    assert len(expected) == 60

    _, content = export(client, coordinator, "sort=number&page=2&per_page=25")

    assert numbers(sheet_of(content)) == expected


def test_staff_export_only_their_municipality(client, almere_staff, utrecht_staff, ledger):
    utrecht = utrecht_staff.municipality
    _, content = export(client, almere_staff, f"municipality={utrecht.pk}&province=Utrecht")
    _, csv_content = export(client, almere_staff, "", "csv")

    sheet = sheet_of(content)
    almere_numbers = {ledger[k].number for k in ("big", "small", "withdrawn")}
    assert set(numbers(sheet)) == almere_numbers
    assert {row[0] for row in sheet.iter_rows(min_row=FIRST_ROW, min_col=3, max_col=3, values_only=True)} == {"Almere"}
    assert {row[0] for row in csv_rows(csv_content)[1:]} == almere_numbers


def test_user_text_never_becomes_a_formula(client, finance, ledger):
    _, content = export(client, finance)

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<f[ >/]", archive.read(name)), name
    sheet = sheet_of(content)
    decisions = [row[0] for row in sheet.iter_rows(min_row=FIRST_ROW, min_col=15, max_col=15, values_only=True)]
    assert HYPERLINK in decisions
    assert AT_SUM in decisions
    contacts = [row[0] for row in sheet.iter_rows(min_row=FIRST_ROW, min_col=16, max_col=16, values_only=True)]
    assert "-Jansen" in contacts


def test_csv_for_dutch_excel_guards_formulas(client, finance, ledger):
    response, content = export(client, finance, "", "csv")

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="donaties-' in response["Content-Disposition"]
    rows = csv_rows(content)
    assert rows[0][0] == "Toezegging" and len(rows[0]) == 17
    by_number = {row[0]: row for row in rows[1:]}
    big = by_number[ledger["big"].number]
    assert big[1] == "2026-05-03"
    assert big[6:9] == ["25000,00", "5000,00", "20000,00"]
    assert big[10] == "2026-05-20"
    assert big[11] == "ja"
    assert big[14] == "'" + HYPERLINK
    small = by_number[ledger["small"].number]
    assert small[6] == "1234,50"
    assert small[14] == "'" + AT_SUM
    assert small[15] == "'-Jansen"
    # No cell that a spreadsheet would evaluate.
    for row in rows[1:]:
        for cell in row:
            assert not cell.startswith(("=", "+", "-", "@", "\t", "\r")), cell


def test_control_characters_do_not_break_the_export(client, finance, almere_staff, ukraine_appeal):
    # PostgreSQL stores no NUL in text at all; the other control characters it keeps.
    controls = "".join(chr(c) for c in range(0 if connection.vendor != "postgresql" else 1, 9))
    factories.donation(
        almere_staff.municipality, ukraine_appeal, almere_staff,
        decision_reference=f"Besluit{controls} 12", contact_name=f"\tTab{controls}",
    )

    _, content = export(client, finance)
    _, csv_content = export(client, finance, "", "csv")

    # Each one a U+FFFD: XML holds none of them (tab it does).
    shown = "\ufffd" * len(controls)
    sheet = sheet_of(content)
    assert sheet[f"{DECISION}{FIRST_ROW}"].value == f"Besluit{shown} 12"
    assert sheet[f"{CONTACT}{FIRST_ROW}"].value == f"\tTab{shown}"
    assert sheet["A1"].value.endswith(" · tekens die een spreadsheet niet kan bevatten staan er als \ufffd")
    row = csv_rows(csv_content)[1]
    assert row[14] == f"Besluit{shown} 12"
    assert row[15] == f"'\tTab{shown}"


def test_each_export_is_recorded(client, finance, almere_staff, ledger):
    export(client, finance, "status=pledged&sort=-amount_cents&page=2")
    export(client, almere_staff, "", "csv")

    xlsx_log, csv_log = ExportLog.objects.order_by("id")
    assert xlsx_log.user == finance
    assert xlsx_log.table == "donations"
    assert xlsx_log.format == "xlsx"
    assert xlsx_log.querystring == "status=pledged&sort=-amount_cents"
    assert xlsx_log.row_count == 2
    assert xlsx_log.created_at == timezone.now()
    assert csv_log.user == almere_staff
    assert csv_log.format == "csv"
    assert csv_log.row_count == 3


def test_the_ledger_offers_both_downloads_with_its_filters(client, coordinator, ledger):
    client.force_login(coordinator)
    response = client.get(reverse("pledges:donation_list") + "?status=pledged&sort=-amount_cents&page=1")

    html = response.content.decode()
    assert "XLSX downloaden" in html and "CSV downloaden" in html
    assert "?status=pledged&amp;sort=-amount_cents&amp;export=xlsx" in html
    assert "?status=pledged&amp;sort=-amount_cents&amp;export=csv" in html
    assert not ExportLog.objects.exists()


def test_an_unknown_format_shows_the_ledger(client, coordinator, ledger):
    client.force_login(coordinator)
    response = client.get(reverse("pledges:donation_list") + "?export=pdf")

    assert response.status_code == 200
    assert "table" in response.context
    assert not ExportLog.objects.exists()


def test_title_row_names_the_filters_sort_and_moment(client, finance, ledger):
    _, content = export(client, finance, "status=pledged&amount_min=10&sort=-amount_cents")

    title = sheet_of(content)["A1"].value
    assert "Status" in title
    assert "10,00" in title or "10.00" in title
    assert "↓" in title
    assert "2026" in title and "14:00" in title  # 12:00 UTC, as people in Amsterdam read it


def test_a_staff_members_title_row_says_it_holds_only_their_municipality(client, almere_staff, finance, ledger):
    _, content = export(client, almere_staff)
    _, everyone = export(client, finance)

    assert sheet_of(content)["A1"].value.startswith("Geldregister · Almere · geen filters · ")
    assert sheet_of(everyone)["A1"].value.startswith("Geldregister · geen filters · ")


def test_the_ledger_prints_landscape_one_page_wide_with_its_header_on_every_page(client, finance, ledger):
    _, content = export(client, finance)

    printed.assert_prints_landscape_one_page_wide(sheet_of(content), header_row=HEADER_ROW)
