"""Equipment, shipments, bank lines and outstanding pledges as XLSX and CSV: exactly the rows on screen."""

import csv
import datetime
import io
import re
import zipfile

import pytest
import time_machine
from django.db import connection
from django.urls import reverse
from openpyxl import load_workbook

from pledges.finance import matching
from pledges.finance.matching import match
from pledges.models import Donation, ExportLog, OfferStatus, Payment, Shipment
from tests import factories, printed

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
HEADER_ROW, FIRST_ROW = 2, 3
FORMULAS = ['=HYPERLINK("http://x")', "+31 6 1234", "-Jansen", "@SUM(A1)"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 5, day, 9, 30, tzinfo=datetime.UTC)


def download(client, user, url_name: str, query: str = "", fmt: str = "xlsx") -> bytes:
    client.force_login(user)
    response = client.get(f"{reverse(url_name)}?{query}{'&' if query else ''}export={fmt}")
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    if fmt == "xlsx":
        assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    else:
        assert response["Content-Type"] == "text/csv; charset=utf-8"
    return content


def sheet_rows(content: bytes) -> tuple[object, list[tuple]]:
    book = load_workbook(io.BytesIO(content))
    sheet = book.worksheets[0]
    return sheet, list(sheet.iter_rows(min_row=FIRST_ROW, values_only=True))


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))[1:]


def assert_no_formulas(content: bytes) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        sheets = [name for name in archive.namelist() if name.startswith("xl/worksheets/")]
        assert sheets
        for name in sheets:
            assert not re.search(rb"<f[ >/]", archive.read(name)), name


def screen(client, url_name: str, query: str, records) -> list[str]:
    """What the page shows, page after page, as `records(response)` reads it."""
    shown, page = [], 1
    while True:
        response = client.get(f"{reverse(url_name)}?{query}&page={page}")
        found, has_next = records(response)
        shown += found
        if not has_next:
            return shown
        page += 1


def table_numbers(response) -> tuple[list[str], bool]:
    table = response.context["table"]
    return [row.record.number for row in table.page.object_list], table.page.has_next()


def page_numbers(response) -> tuple[list[str], bool]:
    page = response.context["page"]
    return [item.number for item in page.object_list], page.has_next()


def page_lines(response) -> tuple[list[int], bool]:
    page = response.context["page"]
    return [line.pk for line in page.object_list], page.has_next()


# --------------------------------------------------------------------------- equipment


@pytest.fixture
def equipment(almere_staff, utrecht_staff, ukraine_appeal):
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    rows = [
        factories.offer(almere, ukraine_appeal, almere_staff, description=text, created_at=at(day),
                        quantity=day, value_cents=1_000_00 * day)
        for day, text in zip(range(1, 5), FORMULAS, strict=True)
    ]
    rows.append(factories.offer(utrecht, ukraine_appeal, utrecht_staff, status=OfferStatus.ACCEPTED,
                                created_at=at(6), category="solar", power_kva=None, fuel="none"))
    rows += factories.offers(30, almere, ukraine_appeal, almere_staff, created_at=at(8))
    return rows


@pytest.mark.parametrize(
    "query", ["", "sort=-quantity", "status=accepted", "province=Flevoland&sort=description", "q=Jansen"]
)
def test_equipment_export_is_the_filtered_sorted_table_of_every_page(client, coordinator, equipment, query):
    client.force_login(coordinator)
    expected = screen(client, "pledges:offer_list", query + "&per_page=25", table_numbers)

    _, rows = sheet_rows(download(client, coordinator, "pledges:offer_list", query + "&page=2"))
    csv_content = download(client, coordinator, "pledges:offer_list", query, "csv")

    assert [row[0] for row in rows] == expected
    assert [row[0] for row in csv_rows(csv_content)] == expected


def test_equipment_sheet_has_numbers_dates_and_documented_columns(client, finance, equipment):
    sheet, rows = sheet_rows(download(client, finance, "pledges:offer_list", "q=M-%06d" % equipment[3].pk))

    assert sheet.title == "Materieel"
    assert [cell.value for cell in sheet[HEADER_ROW]][:9] == [
        "Aanbod", "Aangeboden op", "Gemeente", "CBS-code", "Provincie", "Oproep", "Categorie", "Omschrijving", "Aantal",
    ]
    assert sheet.freeze_panes == f"A{FIRST_ROW}"
    assert sheet.auto_filter.ref == f"A{HEADER_ROW}:AA{FIRST_ROW}"
    (row,) = rows
    assert row[:9] == (
        equipment[3].number, datetime.datetime(2026, 5, 4), "Almere", "GM0034", "Flevoland",
        equipment[3].appeal.title, "aggregaat", "@SUM(A1)", 4,
    )
    assert row[13:15] == (4000, 16000)  # value per unit, value total
    assert "€" in sheet.cell(FIRST_ROW, 15).number_format
    assert row[20] == "aangeboden"


def test_staff_export_only_their_own_equipment(client, almere_staff, utrecht_staff, equipment):
    utrecht = utrecht_staff.municipality
    _, rows = sheet_rows(download(client, almere_staff, "pledges:offer_list", f"municipality={utrecht.pk}"))
    csv_content = download(client, almere_staff, "pledges:offer_list", "", "csv")

    assert {row[2] for row in rows} == {"Almere"}
    assert len(rows) == 34
    assert {row[2] for row in csv_rows(csv_content)} == {"Almere"}
    _, theirs = sheet_rows(download(client, utrecht_staff, "pledges:offer_list"))
    assert [row[0] for row in theirs] == [equipment[4].number]


def test_user_text_in_equipment_is_never_a_formula(client, finance, equipment):
    content = download(client, finance, "pledges:offer_list")
    csv_content = download(client, finance, "pledges:offer_list", "", "csv")

    assert_no_formulas(content)
    _, rows = sheet_rows(content)
    assert set(FORMULAS) <= {row[7] for row in rows}
    descriptions = {row[7] for row in csv_rows(csv_content)}
    assert {"'" + text for text in FORMULAS} <= descriptions
    for row in csv_rows(csv_content):
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row)


def test_control_characters_in_equipment_do_not_break_the_export(client, finance, almere_staff, ukraine_appeal):
    controls = "".join(chr(c) for c in range(0 if connection.vendor != "postgresql" else 1, 9))
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, description=f"Aggregaat{controls} 60",
                    contact_name=f"\x0bAnouk{controls}")

    _, rows = sheet_rows(download(client, finance, "pledges:offer_list"))
    (csv_row,) = csv_rows(download(client, finance, "pledges:offer_list", "", "csv"))

    shown = "\ufffd" * len(controls)
    assert rows[0][7] == f"Aggregaat{shown} 60"
    assert rows[0][25] == f"\ufffdAnouk{shown}"
    assert csv_row[7] == f"Aggregaat{shown} 60"


# --------------------------------------------------------------------------- shipments


@pytest.fixture
def shipments(coordinator, almere_staff, ukraine_appeal):
    kyiv = factories.destination("Kyiv")
    rows = []
    for number in range(30):
        shipment = factories.shipment(
            ukraine_appeal, kyiv, carrier=FORMULAS[number % 4],
            planned_departure=datetime.date(2026, 6, 1) + datetime.timedelta(days=number % 7),
        )
        rows.append(shipment)
    Shipment.objects.filter(pk__in=[s.pk for s in rows[:5]]).update(status=Shipment.Status.IN_TRANSIT)
    loaded = factories.offers(3, almere_staff.municipality, ukraine_appeal, almere_staff,
                              status=OfferStatus.COLLECTED, quantity=2, value_cents=1_500_00)
    factories.on_board(rows[0], *loaded)
    return rows


@pytest.mark.parametrize("query", ["", "status=in_transit", "status=planned"])
def test_shipment_export_is_the_filtered_list_of_every_page(client, finance, shipments, query):
    client.force_login(finance)
    expected = screen(client, "pledges:shipment_list", query, page_numbers)

    content = download(client, finance, "pledges:shipment_list", query + "&page=2")
    csv_content = download(client, finance, "pledges:shipment_list", query, "csv")

    sheet, rows = sheet_rows(content)
    assert sheet.title == "Transporten"
    assert [row[0] for row in rows] == expected
    assert [row[0] for row in csv_rows(csv_content)] == expected
    assert_no_formulas(content)


def test_shipment_rows_carry_their_load(client, finance, shipments):
    _, rows = sheet_rows(download(client, finance, "pledges:shipment_list", "status=in_transit"))

    loaded = next(row for row in rows if row[0] == shipments[0].number)
    assert loaded[6] == "onderweg"
    assert loaded[11:15] == (3, 6, 9000, 0)  # offers, units, value (3 × 2 × € 1.500), confirmed
    assert {row[3] for row in rows} <= set(FORMULAS)


# --------------------------------------------------------------------------- bank lines


@pytest.fixture
def lines(finance, almere_staff, ukraine_appeal):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=500_00)
    rows = [
        factories.bank_line(100_00 + number, booking_date=datetime.date(2026, 5, 1 + number % 20),
                            remittance=FORMULAS[number % 4], counterparty_name=f"Gemeente {number}\x07")
        for number in range(60)
    ]
    rows.append(factories.bank_line(-50_00, remittance="Bankkosten"))
    match(rows[0].pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
    return rows


@pytest.mark.parametrize("query", ["", "state=all", "state=matched", "state=other", "amount_min=120", "q=Gemeente 1"])
def test_bank_line_export_is_the_filtered_list_of_every_page(client, finance, lines, query):
    client.force_login(finance)
    expected = screen(client, "pledges:finance_lines", query, page_lines)

    content = download(client, finance, "pledges:finance_lines", query + "&page=2")
    csv_content = download(client, finance, "pledges:finance_lines", query, "csv")

    sheet, rows = sheet_rows(content)
    assert sheet.title == "Bankregels"
    by_pk = {line.pk: line for line in lines}
    assert [(row[0], row[1]) for row in rows] == [
        (datetime.datetime.combine(by_pk[pk].booking_date, datetime.time()), float(by_pk[pk].amount)) for pk in expected
    ]
    assert len(csv_rows(csv_content)) == len(expected)
    assert_no_formulas(content)


def test_bank_line_rows_say_what_each_is_matched_to(client, finance, lines):
    _, rows = sheet_rows(download(client, finance, "pledges:finance_lines", "state=all"))
    csv_content = download(client, finance, "pledges:finance_lines", "state=all", "csv")

    matched = next(row for row in rows if row[9] == "gekoppeld")
    assert matched[10] == Payment.objects.get(pk=lines[0].pk).donation.number
    assert matched[11] == "Almere"
    assert matched[12] == "handmatig"
    debit = next(row for row in rows if row[1] == -50)
    assert debit[9] == "niet voor toezeggingen"
    assert all("\x07" not in row[4] and row[4].endswith("\ufffd") for row in rows if row[4].startswith("Gemeente"))
    assert any(row[5] == "'" + FORMULAS[0] for row in csv_rows(csv_content))


# --------------------------------------------------------------------------- outstanding pledges


def test_outstanding_export_is_the_page_overdue_first(client, coordinator, almere_staff, utrecht_staff, ukraine_appeal):
    for number in range(60):
        factories.donation(
            (almere_staff if number % 2 else utrecht_staff).municipality, ukraine_appeal, almere_staff,
            amount_cents=100_00 + number, expected_date=datetime.date(2026, 5, 1) + datetime.timedelta(days=number),
        )
    paid = Donation.objects.order_by("pk").first()
    factories.receive(paid, paid.amount_cents)
    client.force_login(coordinator)
    for query in ("", "province=Flevoland", "sort=-amount_cents"):
        expected = screen(client, "pledges:finance_outstanding", query, table_numbers)
        content = download(client, coordinator, "pledges:finance_outstanding", query + "&page=2")
        csv_content = download(client, coordinator, "pledges:finance_outstanding", query, "csv")

        _, rows = sheet_rows(content)
        assert [row[0] for row in rows] == expected
        assert [row[0] for row in csv_rows(csv_content)] == expected
    assert paid.number not in expected


def test_municipal_staff_cannot_export_finance_or_shipment_tables(client, almere_staff, lines):
    client.force_login(almere_staff)
    for name in ("pledges:finance_lines", "pledges:finance_outstanding", "pledges:shipment_list"):
        assert client.get(reverse(name) + "?export=xlsx").status_code == 403
    assert not ExportLog.objects.exists()


# --------------------------------------------------------------------------- every table


def test_every_export_is_recorded_with_its_filter_and_rows(client, finance, equipment, shipments, lines):
    download(client, finance, "pledges:offer_list", "status=accepted&page=2&per_page=50")
    download(client, finance, "pledges:shipment_list", "status=in_transit", "csv")
    download(client, finance, "pledges:finance_lines", "state=all")
    download(client, finance, "pledges:finance_outstanding", "", "csv")

    logs = list(ExportLog.objects.order_by("id").values_list("table", "querystring", "format", "row_count", "user"))
    assert logs == [
        ("offers", "status=accepted", "xlsx", 1, finance.pk),
        ("shipments", "status=in_transit", "csv", 5, finance.pk),
        ("payments", "state=all", "xlsx", 61, finance.pk),
        ("outstanding", "", "csv", 1, finance.pk),  # the pledge the lines partly paid
    ]


def test_title_rows_name_the_table_filter_and_moment(client, finance, equipment, shipments, lines):
    client.force_login(finance)
    for url_name, query, words in [
        ("pledges:offer_list", "status=accepted&sort=-quantity", ("Materieel", "Status: geaccepteerd", "↓")),
        ("pledges:shipment_list", "status=planned", ("Transporten", "Status: gepland")),
        ("pledges:finance_lines", "state=gift", ("Bankregels", "Gift zonder toezegging")),
        ("pledges:finance_outstanding", "", ("Openstaande toezeggingen", "geen filters")),
    ]:
        sheet, _ = sheet_rows(download(client, finance, url_name, query))
        title = sheet["A1"].value
        assert all(word in title for word in words), title
        assert "1-6-2026 14:00" in title or "01-06-2026 14:00" in title, title


def test_each_page_offers_both_downloads_with_its_filters(client, finance, equipment, shipments, lines):
    client.force_login(finance)
    for url_name, query in [
        ("pledges:offer_list", "status=accepted"),
        ("pledges:shipment_list", "status=planned"),
        ("pledges:finance_lines", "state=all"),
        ("pledges:finance_outstanding", "province=Flevoland"),
    ]:
        html = client.get(f"{reverse(url_name)}?{query}&page=1").content.decode()
        assert f"?{query.replace('&', '&amp;')}&amp;export=xlsx" in html, url_name
        assert f"?{query.replace('&', '&amp;')}&amp;export=csv" in html, url_name
    assert not ExportLog.objects.exists()


def test_rows_sorted_alike_show_once_across_pages_and_in_the_export(client, coordinator, almere_staff, ukraine_appeal):
    factories.donations(60, almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=100_00)
    client.force_login(coordinator)

    for query in ("sort=amount_cents", "sort=-status", "sort=-amount_cents&per_page=25"):
        shown = screen(client, "pledges:donation_list", query, table_numbers)
        _, rows = sheet_rows(download(client, coordinator, "pledges:donation_list", query))

        assert len(shown) == len(set(shown)) == 60, query
        assert [row[0] for row in rows] == shown, query


def test_every_table_prints_landscape_one_page_wide_with_its_header_on_every_page(
    client, finance, equipment, shipments, lines
):
    tables = ("pledges:offer_list", "pledges:shipment_list", "pledges:finance_lines", "pledges:finance_outstanding")
    for url_name in tables:
        sheet, _ = sheet_rows(download(client, finance, url_name))
        printed.assert_prints_landscape_one_page_wide(sheet)


def test_a_staff_members_equipment_title_names_their_municipality(client, almere_staff, equipment):
    sheet, _ = sheet_rows(download(client, almere_staff, "pledges:offer_list", "status=accepted"))

    assert sheet["A1"].value.startswith("Materieel · Almere · Status: geaccepteerd · ")
