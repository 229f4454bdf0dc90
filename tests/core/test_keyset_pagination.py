"""Pages by key: following Next and Previous shows every row once, in order, for every sort.

The rows one big page shows (100 a page) are the reference: paging by 25 through Next from
the first page, or through Previous from the last, must show the same rows in the same order,
whatever column sorts them, in both directions, with ties and NULLs.
"""

import datetime
import re

import pytest
from django.core import signing
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from pledges.core import keyset
from pledges.models import Donation, EquipmentOffer, Municipality
from tests import factories, pages

LEDGER = reverse("pledges:donation_list")
OFFERS = reverse("pledges:offer_list")
OFFER_NUMBER = re.compile(r">(M-\d{6})<")


@pytest.fixture
def pledges(almere_staff, utrecht_staff, ukraine_appeal) -> list[Donation]:
    """70 pledges: amounts, dates and statuses that tie in groups, from several municipalities."""
    groningen = factories.staff(Municipality.objects.get(code="GM0014"))
    flood = factories.appeal(title="Overstromingen Limburg", transfer_keyword="Limburg")
    statuses = list(Donation.Status)
    made = timezone.now().replace(microsecond=0)
    rows = []
    for index in range(70):
        staff = (almere_staff, utrecht_staff, groningen)[index % 3]
        status = statuses[index % len(statuses)]
        amount = (index % 4 + 1) * 1_000_00
        received = {Donation.Status.RECEIVED: amount, Donation.Status.PARTLY_RECEIVED: amount // 2}.get(status, 0)
        rows.append(factories.unsaved_donation(staff.municipality, flood if index % 5 == 0 else ukraine_appeal, staff, {
            "amount_cents": amount,
            "received_cents": received,
            "status": status,
            # Ten pledges share each second, some of them to the microsecond.
            "created_at": made - datetime.timedelta(seconds=index // 10, microseconds=index % 2),
            "expected_date": timezone.localdate() + datetime.timedelta(days=index % 6),
        }))
    return Donation.objects.bulk_create(rows)


def walk(client, url: str, query: dict, numbers, *, start: str = "first", step: str = "next") -> list[str]:
    """The row numbers on every page, following `step` links from the first (or last) page."""
    response = client.get(url, query)
    if start == "last":
        response = client.get(url + pages.pager_link(response, "Laatste"))
    seen = []
    for _ in range(20):
        assert response.status_code == 200
        rows = numbers(response)
        seen = seen + rows if step == "next" else rows + seen
        link = pages.pager_link(response, step)
        if link is None:
            return seen
        response = client.get(url + link)
    raise AssertionError("more than 20 pages")


def every_row(client, url: str, query: dict, numbers) -> list[str]:
    return numbers(client.get(url, query | {"per_page": "100"}))


def offer_numbers(response) -> list[str]:
    return OFFER_NUMBER.findall(response.text)


LEDGER_SORTS = [
    "number", "created_at", "municipality", "province", "appeal",
    "amount_cents", "received_cents", "status", "expected_date",
]


@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", LEDGER_SORTS)
def test_next_and_previous_show_every_pledge_once_in_order(fund, pledges, column, direction):
    query = {"sort": direction + column}
    expected = every_row(fund, LEDGER, query, pages.pledge_numbers)

    assert len(expected) == 70
    assert walk(fund, LEDGER, query, pages.pledge_numbers) == expected
    assert walk(fund, LEDGER, query, pages.pledge_numbers, start="last", step="prev") == expected


def test_the_default_order_pages_the_same_with_a_filter(fund, pledges):
    query = {"amount_max": "3.000", "appeal": str(pledges[1].appeal_id)}
    expected = every_row(fund, LEDGER, query, pages.pledge_numbers)

    assert walk(fund, LEDGER, query, pages.pledge_numbers) == expected
    assert walk(fund, LEDGER, query, pages.pledge_numbers, start="last", step="prev") == expected


def test_first_last_next_and_previous_pages_skip_no_rows(fund, pledges):
    """OFFSET reads and drops every row before the page; a page by key reads only its own."""
    first = fund.get(LEDGER)
    urls = {
        "first": LEDGER,
        "next": LEDGER + pages.pager_link(first, "next"),
        "last": LEDGER + pages.pager_link(first, "Laatste"),
    }
    second = fund.get(urls["next"])
    urls["previous of the second"] = LEDGER + pages.pager_link(second, "prev")
    urls["next of the second"] = LEDGER + pages.pager_link(second, "next")
    last = fund.get(urls["last"])
    urls["previous of the last"] = LEDGER + pages.pager_link(last, "prev")

    for name, url in urls.items():
        with CaptureQueriesContext(connection) as queries:
            assert fund.get(url).status_code == 200
        offsets = [query["sql"] for query in queries if "OFFSET" in query["sql"]]
        assert not offsets, (name, offsets)


def test_the_last_page_holds_what_is_left_and_says_where_it_is(fund, pledges):
    newest_first = every_row(fund, LEDGER, {}, pages.pledge_numbers)
    last = fund.get(LEDGER, {"page": "last"})

    assert pages.pledge_numbers(last) == newest_first[50:]
    assert "Pagina 3 van 3" in pages.text(last)
    assert pages.pager_link(last, "next") is None
    assert pages.pledge_numbers(fund.get(LEDGER + pages.pager_link(last, "Eerste"))) == newest_first[:25]


def test_a_next_link_keeps_the_filters_sort_and_page_size(fund, pledges):
    query = {"amount_min": "2.000", "sort": "-amount_cents", "per_page": "25"}
    response = fund.get(LEDGER, query)
    matching = every_row(fund, LEDGER, query, pages.pledge_numbers)

    following = fund.get(LEDGER + pages.pager_link(response, "next"))

    assert len(matching) == 52
    assert pages.pledge_numbers(following) == matching[25:50]
    assert "Pagina 2 van 3" in pages.text(following)
    assert '<option value="25" selected>' in following.text


def tampered(link: str) -> str:
    name, _, token = link.partition("cursor=")
    return name + "cursor=" + token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")


def forged(**payload) -> str:
    return "?" + "cursor=" + signing.dumps(payload, salt=keyset.CURSOR_SALT, compress=True)


@pytest.mark.parametrize(
    "cursor",
    [
        pytest.param(lambda next_link: tampered(next_link), id="changed"),
        pytest.param(lambda next_link: "?cursor=nonsense", id="nonsense"),
        pytest.param(lambda next_link: "?cursor=", id="empty"),
        pytest.param(lambda next_link: forged(sort=["-created_at", "-id"], values=["gisteren", 3], back=False, page=2),
                     id="not a date"),
        pytest.param(lambda next_link: forged(sort=["-created_at", "-id"], values=[None], back=False, page=2),
                     id="too few values"),
        pytest.param(lambda next_link: forged(sort=["-created_at", "-id"], values=[None, None], back=False, page=2),
                     id="no pledge number"),
        pytest.param(lambda next_link: forged(sort=["-created_at", "-id"], values="x", back="ja", page="twee"),
                     id="wrong types"),
        pytest.param(lambda next_link: forged(sort=["amount_cents", "id"], values=[1, 1], back=False, page=2),
                     id="another sort"),
        pytest.param(lambda next_link: forged(sort=["-created_at", "-id"], values=[1, 1], back=False, page=2)
                     .replace("cursor=", "cursor=x"), id="unsigned"),
    ],
)
def test_a_cursor_that_does_not_verify_shows_the_first_page(fund, pledges, cursor):
    first = fund.get(LEDGER)
    response = fund.get(LEDGER + cursor(pages.pager_link(first, "next")))

    assert response.status_code == 200
    assert pages.pledge_numbers(response) == pages.pledge_numbers(first)
    assert "Pagina 1 van 3" in pages.text(response)


def test_a_cursor_from_another_sort_shows_the_first_page_of_the_new_sort(fund, pledges):
    by_date = fund.get(LEDGER)
    next_by_date = pages.pager_link(by_date, "next")

    response = fund.get(LEDGER + next_by_date + "&sort=amount_cents")

    assert pages.pledge_numbers(response) == every_row(fund, LEDGER, {"sort": "amount_cents"}, pages.pledge_numbers)[:25]


def test_a_page_whose_rows_are_gone_shows_the_last_page(fund, pledges):
    first = fund.get(LEDGER)
    next_link = pages.pager_link(first, "next")
    Donation.objects.filter(pk__in=[int(n[2:]) for n in every_row(fund, LEDGER, {}, pages.pledge_numbers)[25:]]).delete()

    response = fund.get(LEDGER + next_link)

    assert response.status_code == 200
    assert pages.pledge_numbers(response) == pages.pledge_numbers(first)


def test_page_numbers_are_offered_only_where_they_are_cheap(fund, almere_staff, ukraine_appeal, monkeypatch):
    monkeypatch.setattr(keyset, "CHEAP_OFFSET", 25)
    factories.donations(130, almere_staff.municipality, ukraine_appeal, almere_staff)
    first = fund.get(LEDGER)
    third = fund.get(LEDGER + pages.pager_link(fund.get(LEDGER + pages.pager_link(first, "next")), "next"))

    assert numbered_links(first) == ["1", "2", "…", "6"]
    assert numbered_links(third) == ["1", "2", "3", "…", "5", "6"]
    assert "Pagina 3 van 6" in pages.text(third)
    # A deep page typed into the address still shows, by OFFSET.
    everything = [number for page in range(1, 7) for number in pages.pledge_numbers(fund.get(LEDGER, {"page": page}))]
    assert len(set(everything)) == 130


def numbered_links(response) -> list[str]:
    pager = response.text.split('class="pagination"', 1)[1].split("</ul>", 1)[0]
    return re.findall(r'>(\d+|…)</(?:a|span)>', pager)


# The equipment table: nullable columns (power, pickup date, destination) page alike on every database.


@pytest.fixture
def offers(almere_staff, utrecht_staff, ukraine_appeal) -> list[EquipmentOffer]:
    kyiv, kharkiv = factories.destination("Kyiv"), factories.destination("Kharkiv")
    rows = []
    for index in range(60):
        staff = (almere_staff, utrecht_staff)[index % 2]
        rows.append(factories.unsaved_offer(staff.municipality, ukraine_appeal, staff, {
            "power_kva": None if index % 3 == 0 else 20 + index % 4 * 10,
            "pickup_date": None if index % 4 == 0 else timezone.localdate() + datetime.timedelta(days=index % 5),
            "destination": (None, kyiv, kharkiv)[index % 3],
            "status": "offered" if index % 3 == 0 else "accepted",
        }))
    return EquipmentOffer.objects.bulk_create(rows)


@pytest.mark.parametrize("direction", ["", "-"], ids=["ascending", "descending"])
@pytest.mark.parametrize("column", ["power_kva", "pickup_date", "destination", "quantity", "status", "created_at"])
def test_next_and_previous_show_every_offer_once_in_order(fund, offers, column, direction):
    query = {"sort": direction + column}
    expected = every_row(fund, OFFERS, query, offer_numbers)

    assert len(expected) == 60
    assert walk(fund, OFFERS, query, offer_numbers) == expected
    assert walk(fund, OFFERS, query, offer_numbers, start="last", step="prev") == expected


@pytest.mark.parametrize("column", ["power_kva", "pickup_date"])
def test_offers_without_a_value_come_last_going_up_and_first_going_down(fund, offers, column):
    def values(query):
        numbers = walk(fund, OFFERS, query, offer_numbers)
        by_number = {offer.number: getattr(offer, column) for offer in EquipmentOffer.objects.all()}
        return [by_number[number] for number in numbers]

    up, down = values({"sort": column}), values({"sort": "-" + column})
    known = sorted(value for value in up if value is not None)
    empty = [None] * (len(up) - len(known))

    assert up == known + empty
    assert down == empty + known[::-1]
