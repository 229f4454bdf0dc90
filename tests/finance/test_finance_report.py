"""The finance report: one workbook per appeal and period whose summary is the sum of its details."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse
from openpyxl import load_workbook

from pledges.finance import matching
from pledges.finance.matching import mark_gift, match
from pledges.models import Donation, ExportLog, Municipality, OfferStatus, Shipment
from tests import factories, printed

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
OTHER_IBAN = "NL02ABNA0123456789"
HEADER_ROW, FIRST_ROW = 2, 3
SHEETS = ["Samenvatting", "Per gemeente", "Per provincie", "Donaties", "Betalingen", "Materieel", "Transporten"]

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def may(day: int) -> datetime.datetime:
    return datetime.datetime(2026, 5, day, 9, 30, tzinfo=datetime.UTC)


def paid(finance, donation: Donation, cents: int, day: datetime.date) -> None:
    line = factories.bank_line(cents, booking_date=day, counterparty_name=str(donation.municipality))
    match(line.pk, donation.pk, finance, confirmed=matching.EVERYTHING)


@pytest.fixture
def books(finance, almere_staff, utrecht_staff, coordinator, ukraine_appeal):
    """May 2026 for the Ukraine appeal, with things just outside the period and another appeal."""
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    zwolle = Municipality.objects.get(code="GM0193")
    other = factories.appeal(title="Aardbeving", iban=OTHER_IBAN, transfer_keyword="Aardbeving")
    big = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=25_000_00, created_at=may(3),
                             decision_reference="=HYPERLINK(\"http://x\")")
    factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_234_50, created_at=may(5))
    utrecht_pledge = factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=10_000_00, created_at=may(31))
    withdrawn = factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=500_00, created_at=may(6))
    factories.withdraw(withdrawn, utrecht_staff)
    factories.donations(30, zwolle, ukraine_appeal, almere_staff, amount_cents=1, created_at=may(7))
    april = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=7_000_00,
                               created_at=datetime.datetime(2026, 4, 30, 21, 59, tzinfo=datetime.UTC))  # 23:59 local
    june = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=3_000_00,
                              created_at=datetime.datetime(2026, 5, 31, 22, 0, tzinfo=datetime.UTC))  # 1 June local
    elsewhere = factories.donation(almere, other, almere_staff, amount_cents=900_00, created_at=may(8))

    paid(finance, big, 5_000_00, datetime.date(2026, 5, 20))
    paid(finance, utrecht_pledge, 10_000_00, datetime.date(2026, 5, 31))
    paid(finance, april, 7_000_00, datetime.date(2026, 5, 2))  # pledged before, paid in the period
    paid(finance, elsewhere, 900_00, datetime.date(2026, 5, 10))  # another appeal's money
    paid(finance, june, 100_00, datetime.date(2026, 6, 1))  # booked after the period
    gift = factories.bank_line(250_00, booking_date=datetime.date(2026, 5, 11), remittance="@gift")
    mark_gift(gift.pk, finance)
    factories.bank_line(77_77, booking_date=datetime.date(2026, 5, 12), remittance="+onbekend")
    factories.bank_line(-12_50, booking_date=datetime.date(2026, 5, 13), remittance="Bankkosten")
    factories.bank_line(55_00, account=OTHER_IBAN, booking_date=datetime.date(2026, 5, 14))  # the other appeal's

    generator = factories.offer(almere, ukraine_appeal, almere_staff, quantity=2, value_cents=12_500_01,
                                status=OfferStatus.IN_TRANSIT, created_at=may(4), description="-kVA 60")
    factories.offer(utrecht, ukraine_appeal, utrecht_staff, value_cents=5_000_00, status=OfferStatus.DECLINED,
                    created_at=may(9))
    factories.offer(zwolle, ukraine_appeal, almere_staff, quantity=3, value_cents=99_99, created_at=may(10))
    factories.offer(almere, ukraine_appeal, almere_staff, created_at=datetime.datetime(2026, 4, 2, tzinfo=datetime.UTC))
    kyiv = factories.destination("Kyiv")
    departed = factories.shipment(ukraine_appeal, kyiv, planned_departure=datetime.date(2026, 5, 15))
    Shipment.objects.filter(pk=departed.pk).update(status=Shipment.Status.IN_TRANSIT, departed_on=datetime.date(2026, 5, 16))
    factories.on_board(departed, generator)
    factories.shipment(ukraine_appeal, kyiv, planned_departure=datetime.date(2026, 6, 3))
    return {"appeal": ukraine_appeal, "almere": almere, "utrecht": utrecht, "zwolle": zwolle}


QUERY = "start=2026-05-01&end=2026-05-31"


def download(client, user, appeal, query: str = QUERY):
    client.force_login(user)
    response = client.get(f"{reverse('pledges:finance_report')}?appeal={appeal.pk}&{query}")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    return b"".join(response.streaming_content)


def rows(book, name: str) -> list[tuple]:
    return list(book[name].iter_rows(min_row=FIRST_ROW, values_only=True))


def euro(value) -> Decimal:
    return Decimal(str(value or 0)).quantize(Decimal("0.01"))


def column(book, name: str, header: str, where=lambda row: True) -> list:
    headers = [cell.value for cell in book[name][HEADER_ROW]]
    index = headers.index(header)
    return [row[index] for row in rows(book, name) if where(dict(zip(headers, row, strict=True)))]


def summary(book) -> dict[str, tuple]:
    return {row[0].strip(): (euro(row[1]), row[2], row[3]) for row in rows(book, "Samenvatting")}


def test_the_report_is_one_workbook_with_the_documented_sheets(client, finance, books):
    content = download(client, finance, books["appeal"])

    book = load_workbook(io.BytesIO(content))
    assert book.sheetnames == SHEETS
    for name in SHEETS:
        sheet = book[name]
        assert sheet.freeze_panes == f"A{FIRST_ROW}", name
        if name != "Samenvatting":  # a summary has nothing to sort or filter
            assert sheet.auto_filter.ref.startswith(f"A{HEADER_ROW}:"), name
        assert "1-5-2026 t/m 31-5-2026" in sheet["A1"].value, name
    assert "toezeggingen gedaan in de periode" in book["Donaties"]["A1"].value
    assert "geboekt in de periode" in book["Betalingen"]["A1"].value
    assert "aangeboden in de periode" in book["Materieel"]["A1"].value
    assert "vertrokken in de periode" in book["Transporten"]["A1"].value
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/sheet"):
                assert not re.search(rb"<f[ >/]", archive.read(name)), name
        # A native bar chart of pledged and received per province, drawn by Excel itself.
        charts = [name for name in archive.namelist() if name.startswith("xl/charts/chart")]
        assert len(charts) == 1
        chart = archive.read(charts[0]).decode()
        assert "<barChart>" in chart and "<f>'Per provincie'!$D$3:$D$14</f>" in chart and "<f>'Per provincie'!$E$3:$E$14</f>" in chart
    assert book["Donaties"].cell(FIRST_ROW, 15).value == '=HYPERLINK("http://x")'
    assert "-kVA 60" in column(book, "Materieel", "Omschrijving")
    assert "@gift" in column(book, "Betalingen", "Omschrijving")


def test_each_sheet_holds_what_the_period_means(client, finance, books):
    book = load_workbook(io.BytesIO(download(client, finance, books["appeal"])))

    # Pledges made in May (local time), of this appeal only: not April's, not 1 June's, not the other appeal's.
    assert len(rows(book, "Donaties")) == 4 + 30
    assert sorted(column(book, "Donaties", "Bedrag"))[-1] == 25_000
    # Lines booked in May matched to this appeal's pledges (April's pledge too), or open on its account.
    states = column(book, "Betalingen", "Stand")
    assert sorted(states) == ["gekoppeld"] * 3 + ["gift zonder toezegging", "niet voor toezeggingen", "te koppelen"]
    assert 900 not in column(book, "Betalingen", "Bedrag") and 55 not in column(book, "Betalingen", "Bedrag")
    # Offers made in May; the shipment that departed in May.
    assert len(rows(book, "Materieel")) == 3
    assert len(rows(book, "Transporten")) == 1


def test_the_summary_is_the_sum_of_the_details_to_the_cent(client, finance, coordinator, books):
    book = load_workbook(io.BytesIO(download(client, finance, books["appeal"])))
    figures = summary(book)
    counts = lambda row: row["Status"] != "ingetrokken"  # noqa: E731 - withdrawn pledges count no money

    pledged = sum(map(euro, column(book, "Donaties", "Bedrag", counts)))
    received = sum(map(euro, column(book, "Donaties", "Ontvangen", counts)))
    outstanding = sum(map(euro, column(book, "Donaties", "Openstaand", counts)))
    assert (pledged, received, outstanding) == (Decimal("36234.80"), Decimal("15000.00"), Decimal("21234.80"))
    assert figures["Toegezegd"][0] == pledged
    assert figures["Ontvangen op deze toezeggingen"][0] == received
    assert figures["Openstaand op deze toezeggingen"][0] == outstanding
    assert figures["Toezeggingen gedaan in de periode"][1] == 34

    # The ledger's own totals, filtered the same way, say the same.
    client.force_login(coordinator)
    ledger = client.get(reverse("pledges:donation_list"), {
        "appeal": books["appeal"].pk, "pledged_from": "2026-05-01", "pledged_until": "2026-05-31",
    }).context["totals"]
    assert (ledger.pledged, ledger.received, ledger.outstanding) == (pledged, received, outstanding)

    # Per municipality and per province add up to the same money.
    for sheet, first_money in (("Per gemeente", 5), ("Per provincie", 3)):
        body, total = rows(book, sheet)[:-1], rows(book, sheet)[-1]
        assert total[0] == "Totaal"
        for index, expected in zip(range(first_money, first_money + 3), (pledged, received, outstanding), strict=True):
            assert sum(euro(row[index]) for row in body) == expected == euro(total[index]), (sheet, index)
    assert [row[0] for row in rows(book, "Per gemeente")[:-1]] == ["Almere", "Utrecht", "Zwolle"]
    assert len(rows(book, "Per provincie")) == 12 + 1

    # Payments booked in the period, by how they stand.
    by_state = {}
    for state, amount in zip(column(book, "Betalingen", "Stand"), column(book, "Betalingen", "Bedrag"), strict=True):
        by_state[state] = by_state.get(state, Decimal(0)) + euro(amount)
    assert figures["gekoppeld aan toezeggingen"][0] == by_state["gekoppeld"] == Decimal("22000.00")
    assert figures["gift zonder toezegging"][0] == by_state["gift zonder toezegging"] == Decimal("250.00")
    assert figures["nog te koppelen"][0] == by_state["te koppelen"] == Decimal("77.77")
    assert figures["overig"][0] == by_state["niet voor toezeggingen"] == Decimal("-12.50")
    assert figures["Betalingen geboekt in de periode"][1] == 6

    # In kind: offers that count; the declined one does not.
    in_kind = sum(map(euro, column(book, "Materieel", "Waarde totaal", lambda row: row["Status"] != "afgewezen")))
    assert figures["Waarde in natura"][:2] == (in_kind, 5) and in_kind == Decimal("25000.02") + Decimal("299.97")
    assert sum(euro(row[8]) for row in rows(book, "Per provincie")[:-1]) == in_kind
    assert figures["Transporten vertrokken in de periode"][:2] == (
        sum(map(euro, column(book, "Transporten", "Waarde"))), 1,
    )

    # Almere, Utrecht (a pledge that counts besides the withdrawn one) and Zwolle take part.
    participating = figures["Deelnemende gemeenten"]
    assert participating[1] == 3 == sum(row[2] for row in rows(book, "Per provincie")[:-1])
    assert participating[2].startswith("3 van 342")
    assert column(book, "Per gemeente", "Doet mee").count("ja") == 3


def test_each_report_is_recorded(client, finance, books):
    download(client, finance, books["appeal"])

    log = ExportLog.objects.get()
    assert (log.user, log.table, log.format) == (finance, "report", "xlsx")
    assert log.querystring == f"appeal={books['appeal'].pk}&{QUERY}"
    assert log.row_count == 34 + 6 + 3 + 1  # donations, payments, offers, shipments written


def test_the_form_refuses_a_period_backwards_and_stores_nothing(client, finance, books):
    client.force_login(finance)
    response = client.get(reverse("pledges:finance_report"), {
        "appeal": books["appeal"].pk, "start": "2026-05-31", "end": "2026-05-01",
    })
    assert response.status_code == 200
    assert "ligt vóór het begin" in " ".join(response.context["form"].errors["end"])
    unreadable = client.get(reverse("pledges:finance_report"), {"appeal": books["appeal"].pk, "start": "31-31-2026", "end": ""})
    assert set(unreadable.context["form"].errors) == {"start", "end"}
    assert not ExportLog.objects.exists()


def test_the_report_page_offers_the_form_to_finance_and_coordinators_only(client, finance, coordinator, almere_staff,
                                                                         books):
    for user in (finance, coordinator):
        client.force_login(user)
        page = client.get(reverse("pledges:finance_report"))
        assert page.status_code == 200
        html = page.content.decode()
        assert 'name="start"' in html and 'value="2026-01-01"' in html
        assert reverse("pledges:finance_report") in client.get(reverse("pledges:finance_outstanding")).content.decode()
    client.force_login(almere_staff)
    assert client.get(reverse("pledges:finance_report"), {"appeal": books["appeal"].pk}).status_code == 403
    assert not ExportLog.objects.exists()


def test_every_sheet_prints_landscape_one_page_wide_with_its_title_and_header_on_every_page(client, finance, books):
    content = download(client, finance, books["appeal"])

    book = load_workbook(io.BytesIO(content))
    for name in SHEETS:
        # The summary, chart included, on one page; the rest as many pages tall as they take.
        printed.assert_prints_landscape_one_page_wide(book[name], pages_tall=1 if name == "Samenvatting" else 0)
    assert book["Samenvatting"].auto_filter.ref is None


def test_the_chart_lists_the_provinces_alphabetically_under_the_figures(client, finance, books):
    content = download(client, finance, books["appeal"])

    book = load_workbook(io.BytesIO(content))
    summary_rows = len(rows(book, "Samenvatting"))
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        chart = archive.read("xl/charts/chart1.xml").decode()
        drawing = archive.read("xl/drawings/drawing1.xml").decode()
    # A horizontal bar chart draws its first category at the bottom: reversed, Drenthe is on top,
    # and the euro axis crosses at the last province, so it stays at the bottom.
    category_axis = re.search(r"<catAx>.*?</catAx>", chart).group(0)
    value_axis = re.search(r"<valAx>.*?</valAx>", chart).group(0)
    assert '<orientation val="maxMin"/>' in category_axis
    assert '<crosses val="max"/>' in value_axis
    provinces = [row[0] for row in rows(book, "Per provincie")[:-1]]
    assert provinces == sorted(provinces)
    # Anchored in column A below the last figure (rows count from 0 here), so it prints with them.
    anchor = re.search(r"<from><col>(\d+)</col>.*?<row>(\d+)</row>", drawing)
    assert int(anchor.group(1)) == 0 and int(anchor.group(2)) >= HEADER_ROW + summary_rows


def test_a_period_without_pledged_money_has_no_chart_and_the_summary_says_so(client, finance, books):
    content = download(client, finance, books["appeal"], "start=2025-01-01&end=2025-01-31")

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert not [name for name in archive.namelist() if name.startswith("xl/charts/")]
    figures = summary(load_workbook(io.BytesIO(content)))
    assert figures["Toegezegd"][0] == 0
    assert "geen geld toegezegd" in figures["Grafiek per provincie"][2]
    # With money pledged there is a chart, and no such line.
    assert "Grafiek per provincie" not in summary(load_workbook(io.BytesIO(download(client, finance, books["appeal"]))))
