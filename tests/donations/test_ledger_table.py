"""The ledger table: the fund filters, sorts and pages every pledge, with totals of what it sees."""

import datetime
import zoneinfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.models import Appeal, Municipality
from tests import factories, pages

LEDGER = reverse("pledges:donation_list")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


def at(day: str, time: str = "12:00") -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=AMSTERDAM)


@pytest.fixture(autouse=True)
def today(time_machine) -> datetime.date:
    time_machine.move_to(at("2026-03-10", "11:00"), tick=False)
    return datetime.date(2026, 3, 10)


@pytest.fixture
def flood_appeal(reference_data) -> Appeal:
    return factories.appeal(title="Overstromingen Limburg", transfer_keyword="Limburg")


@pytest.fixture
def ledger(almere_staff, utrecht_staff, ukraine_appeal, flood_appeal) -> dict[str, object]:
    """Five pledges from three municipalities in two provinces, in every status."""
    groningen_staff = factories.staff(Municipality.objects.get(code="GM0014"))
    donation = factories.donation
    rows = {
        "almere": donation(
            almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00, created_at=at("2026-01-10")
        ),
        "utrecht_partly": donation(
            utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=2_500_00, created_at=at("2026-02-15")
        ),
        "groningen_flood": donation(
            groningen_staff.municipality, flood_appeal, groningen_staff, amount_cents=10_000_00, created_at=at("2026-03-01")
        ),
        "almere_withdrawn": donation(
            almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=750_50, created_at=at("2026-03-02")
        ),
        # Late in the evening in Amsterdam, already the next day nowhere, the previous day in UTC.
        "utrecht_overdue": donation(
            utrecht_staff.municipality,
            ukraine_appeal,
            utrecht_staff,
            amount_cents=40_000_00,
            created_at=at("2026-01-31", "23:30"),
            expected_date=datetime.date(2026, 3, 1),
            decision_reference="Collegebesluit 2026/0042",
        ),
    }
    factories.receive(rows["utrecht_partly"], 500_00)
    factories.receive(rows["groningen_flood"], 10_000_00)
    factories.withdraw(rows["almere_withdrawn"], almere_staff)
    return rows


def numbers(ledger: dict, *names: str) -> list[str]:
    return [ledger[name].number for name in names]


@pytest.fixture
def fund(client, coordinator):
    client.force_login(coordinator)
    return client


def test_it_lists_every_pledge_newest_first(fund, ledger):
    response = fund.get(LEDGER)

    assert response.status_code == 200
    assert pages.pledge_numbers(response) == numbers(
        ledger, "almere_withdrawn", "groningen_flood", "utrecht_partly", "utrecht_overdue", "almere"
    )


def test_it_totals_what_was_pledged_received_and_outstanding_without_withdrawn_pledges(fund, ledger):
    response = fund.get(LEDGER)

    assert pages.total(response, "rows") == "5"
    assert pages.total(response, "pledged") == "€ 53.500,00"
    assert pages.total(response, "received") == "€ 10.500,00"
    assert pages.total(response, "outstanding") == "€ 43.000,00"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"status": "withdrawn"}, ["almere_withdrawn"]),
        ({"status": "partly_received"}, ["utrecht_partly"]),
        ({"status": "pledged"}, ["utrecht_overdue", "almere"]),
        ({"overdue": "on"}, ["utrecht_overdue"]),
        ({"province": "Utrecht"}, ["utrecht_partly", "utrecht_overdue"]),
        ({"province": "Groningen"}, ["groningen_flood"]),
        ({"province": "Zeeland"}, []),
        ({"pledged_from": "2026-02-01"}, ["almere_withdrawn", "groningen_flood", "utrecht_partly"]),
        ({"pledged_until": "2026-01-31"}, ["utrecht_overdue", "almere"]),
        ({"pledged_from": "2026-01-31", "pledged_until": "2026-01-31"}, ["utrecht_overdue"]),
        ({"pledged_from": "2026-02-01", "pledged_until": "2026-03-01"}, ["groningen_flood", "utrecht_partly"]),
        ({"amount_min": "2.500"}, ["groningen_flood", "utrecht_partly", "utrecht_overdue"]),
        ({"amount_max": "1.000,00"}, ["almere_withdrawn", "almere"]),
        ({"amount_min": "750,50", "amount_max": "2500.00"}, ["almere_withdrawn", "utrecht_partly", "almere"]),
        ({"amount_min": "750,51"}, ["groningen_flood", "utrecht_partly", "utrecht_overdue", "almere"]),
        ({"q": "utr"}, ["utrecht_partly", "utrecht_overdue"]),
        ({"q": "Groningen"}, ["groningen_flood"]),
        ({"q": "2026/0042"}, ["utrecht_overdue"]),
        ({"q": "Amsterdam"}, []),
        ({"province": "Utrecht", "status": "pledged", "amount_min": "10.000"}, ["utrecht_overdue"]),
    ],
    ids=lambda value: "&".join(f"{k}={v}" for k, v in value.items()) if isinstance(value, dict) else None,
)
def test_it_filters_the_ledger(fund, ledger, query, expected):
    response = fund.get(LEDGER, query)

    assert response.status_code == 200
    assert pages.errors(response) == []
    assert pages.pledge_numbers(response) == numbers(ledger, *expected)
    assert pages.total(response, "rows") == str(len(expected))


def test_it_filters_by_appeal(fund, ledger, flood_appeal, ukraine_appeal):
    flood = fund.get(LEDGER, {"appeal": flood_appeal.pk})
    ukraine = fund.get(LEDGER, {"appeal": ukraine_appeal.pk})

    assert pages.pledge_numbers(flood) == numbers(ledger, "groningen_flood")
    assert len(pages.pledge_numbers(ukraine)) == 4


def test_it_shows_the_appeal_column_only_while_more_than_one_appeal_is_open(fund, ledger, flood_appeal):
    def headers() -> list[str]:
        return [column.header for column in fund.get(LEDGER).context["table"].columns]

    assert "Oproep" in headers()
    flood_appeal.is_open = False
    flood_appeal.save()

    assert "Oproep" not in headers()  # the one open appeal: the same on every row
    row = fund.get(LEDGER).text
    assert "Oekraïne: energie voor de winter</td>" not in row and "Overstromingen Limburg</td>" not in row


def test_it_filters_by_municipality(fund, ledger, almere):
    response = fund.get(LEDGER, {"municipality": almere.pk})

    assert pages.pledge_numbers(response) == numbers(ledger, "almere_withdrawn", "almere")
    assert pages.total(response, "pledged") == "€ 1.000,00"


@pytest.mark.parametrize(
    "search",
    [
        lambda pledge: pledge.number,
        lambda pledge: pledge.number.lower(),
        lambda pledge: pledge.number.replace("-", ""),
        lambda pledge: f"T-{pledge.pk}",
        lambda pledge: pledge.reference,
        lambda pledge: pledge.reference_display,
        lambda pledge: pledge.reference.lower(),
    ],
    ids=["number", "number in lower case", "number without dash", "number without zeros", "RF", "RF with spaces", "rf"],
)
def test_it_finds_a_pledge_by_its_number_or_payment_reference(fund, ledger, search):
    response = fund.get(LEDGER, {"q": search(ledger["groningen_flood"])})

    assert pages.pledge_numbers(response) == numbers(ledger, "groningen_flood")


@pytest.mark.parametrize(
    ("query", "pledged", "received", "outstanding"),
    [
        ({"province": "Utrecht"}, "€ 42.500,00", "€ 500,00", "€ 42.000,00"),
        ({"status": "withdrawn"}, "€ 0,00", "€ 0,00", "€ 0,00"),
        ({"q": "Groningen"}, "€ 10.000,00", "€ 10.000,00", "€ 0,00"),
        ({"province": "Zeeland"}, "€ 0,00", "€ 0,00", "€ 0,00"),
    ],
)
def test_it_totals_the_filtered_pledges_only(fund, ledger, query, pledged, received, outstanding):
    response = fund.get(LEDGER, query)

    assert pages.total(response, "pledged") == pledged
    assert pages.total(response, "received") == received
    assert pages.total(response, "outstanding") == outstanding


def test_it_keeps_counting_what_others_owe_when_one_pledge_was_overpaid(fund, ledger):
    factories.receive(ledger["groningen_flood"], 12_000_00)  # € 2.000 more than pledged

    response = fund.get(LEDGER)

    # The outstanding column of the rows sums to 2.000 + 40.000 + 1.000; nothing was overpaid twice.
    assert pages.total(response, "outstanding") == "€ 43.000,00"


# Sorting and paging


def test_it_sorts_by_amount_both_ways(fund, ledger):
    ascending = fund.get(LEDGER, {"sort": "amount_cents"})
    descending = fund.get(LEDGER, {"sort": "-amount_cents"})

    smallest_first = numbers(ledger, "almere_withdrawn", "almere", "utrecht_partly", "groningen_flood", "utrecht_overdue")
    assert pages.pledge_numbers(ascending) == smallest_first
    assert pages.pledge_numbers(descending) == smallest_first[::-1]


def test_it_keeps_the_filter_when_sorting(fund, ledger):
    response = fund.get(LEDGER, {"province": "Utrecht", "sort": "-amount_cents"})

    assert pages.pledge_numbers(response) == numbers(ledger, "utrecht_overdue", "utrecht_partly")
    assert "province=Utrecht" in response.text  # the sort links carry the filter along


def test_it_ignores_a_sort_on_a_column_that_does_not_exist(fund, ledger):
    response = fund.get(LEDGER, {"sort": "iban"})

    assert response.status_code == 200
    assert len(pages.pledge_numbers(response)) == 5


@pytest.fixture
def sixty_pledges(utrecht_staff, ukraine_appeal) -> list[str]:
    """60 pledges made in the same instant, as the ledger shows them: the newest number first."""
    rows = factories.donations(60, utrecht_staff.municipality, ukraine_appeal, utrecht_staff)
    return [row.number for row in reversed(rows)]


@pytest.mark.parametrize(
    ("query", "rows"),
    [
        ({}, slice(0, 25)),
        ({"page": "2"}, slice(25, 50)),
        ({"page": "3"}, slice(50, 60)),
        ({"per_page": "50"}, slice(0, 50)),
        ({"per_page": "50", "page": "2"}, slice(50, 60)),
        ({"per_page": "100"}, slice(0, 60)),
        ({"page": "4"}, slice(50, 60)),
        ({"page": "999"}, slice(50, 60)),
        ({"page": "abc"}, slice(0, 25)),
        ({"per_page": "7"}, slice(0, 25)),
        ({"per_page": "1000000"}, slice(0, 25)),
        ({"per_page": "veel"}, slice(0, 25)),
    ],
    ids=lambda value: "&".join(f"{k}={v}" for k, v in value.items()) or "first page" if isinstance(value, dict) else None,
)
def test_it_pages_through_the_ledger(fund, sixty_pledges, query, rows):
    response = fund.get(LEDGER, query)

    assert response.status_code == 200
    assert pages.pledge_numbers(response) == sixty_pledges[rows]
    assert pages.total(response, "rows") == "60"


def test_it_keeps_filter_and_page_size_in_the_page_links(fund, sixty_pledges):
    response = fund.get(LEDGER, {"province": "Utrecht", "per_page": "50"})

    next_page = fund.get(LEDGER + pages.pager_link(response, "next"))

    assert pages.pledge_numbers(next_page) == sixty_pledges[50:]
    assert 'name="province"' in next_page.text and '<option value="Utrecht" selected>' in next_page.text
    assert '<option value="50" selected>' in next_page.text


# Bad input


@pytest.mark.parametrize(
    "query",
    [
        {"pledged_from": "gisteren"},
        {"pledged_until": "2026-02-30"},
        {"amount_min": "veel"},
        {"amount_max": "1.2345"},
        {"appeal": "999999"},
        {"appeal": "oekraine"},
        {"status": "betaald"},
        {"municipality": "Almere"},
        {"province": "Vlaanderen"},
        {"q": "x" * 101},
    ],
    ids=lambda query: next(iter(query)),
)
def test_it_explains_a_bad_filter_instead_of_failing(fund, ledger, query):
    response = fund.get(LEDGER, query)

    assert response.status_code == 200
    assert len(pages.errors(response)) == 1
    assert 'role="alert"' in response.text


# Cost per page


def queries_for(client, query: dict) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(LEDGER, query)
    assert response.status_code == 200
    return len(queries)


def test_it_costs_the_same_number_of_queries_whatever_the_page_size(fund, utrecht_staff, almere_staff, ukraine_appeal):
    factories.donations(5, utrecht_staff.municipality, ukraine_appeal, utrecht_staff)
    fund.get(LEDGER)  # warm caches that are not per page (content types, translations)
    few = {size: queries_for(fund, {"per_page": size}) for size in ("25", "100")}
    factories.donations(30, utrecht_staff.municipality, ukraine_appeal, utrecht_staff)
    factories.donations(25, almere_staff.municipality, ukraine_appeal, almere_staff)
    many = {size: queries_for(fund, {"per_page": size}) for size in ("25", "100")}
    later_page = queries_for(fund, {"per_page": "25", "page": "3"})
    filtered = queries_for(fund, {"per_page": "100", "province": "Flevoland", "sort": "-amount_cents"})

    assert len({*few.values(), *many.values(), later_page, filtered}) == 1, (few, many, later_page, filtered)


def test_it_costs_municipal_staff_the_same_number_of_queries_whatever_the_page_size(client, utrecht_staff, ukraine_appeal):
    client.force_login(utrecht_staff)
    factories.donations(5, utrecht_staff.municipality, ukraine_appeal, utrecht_staff)
    client.get(LEDGER)
    few = queries_for(client, {"per_page": "25"})
    factories.donations(55, utrecht_staff.municipality, ukraine_appeal, utrecht_staff)

    assert queries_for(client, {"per_page": "100"}) == few


def test_each_row_shows_its_cells_with_the_overdue_and_overpaid_badges(fund, ledger):
    factories.receive(ledger["groningen_flood"], 12_000_00)  # € 2.000 more than pledged

    rows = pages.table_rows(fund.get(LEDGER))

    ukraine, flood = "Oekraïne: energie voor de winter", "Overstromingen Limburg"
    assert rows == [
        [*numbers(ledger, "almere_withdrawn"), "Almere", "ingetrokken", "€ 750,50", "€ 0,00", "€ 0,00", "9-4-2026",
         "2-3-2026", "Flevoland", ukraine],
        [*numbers(ledger, "groningen_flood"), "Groningen",
         "ontvangen Teveel ontvangen € 2.000,00: financiën heeft nog niet besloten.", "€ 10.000,00", "€ 12.000,00",
         "€ 0,00", "9-4-2026", "1-3-2026", "Groningen", flood],
        [*numbers(ledger, "utrecht_partly"), "Utrecht", "deels ontvangen", "€ 2.500,00", "€ 500,00", "€ 2.000,00",
         "9-4-2026", "15-2-2026", "Utrecht", ukraine],
        # Pledged late in the evening of 31 January, Amsterdam time; overdue since 1 March.
        [*numbers(ledger, "utrecht_overdue"), "Utrecht", "toegezegd te laat", "€ 40.000,00", "€ 0,00", "€ 40.000,00",
         "1-3-2026", "31-1-2026", "Utrecht", ukraine],
        [*numbers(ledger, "almere"), "Almere", "toegezegd", "€ 1.000,00", "€ 0,00", "€ 1.000,00", "9-4-2026",
         "10-1-2026", "Flevoland", ukraine],
    ]
