"""Needs: what the cities asked for, kept by coordinators, and the board that shows the progress."""

import re

import pytest
from django.urls import reverse

from pledges.models import Need, OfferStatus
from tests import factories


@pytest.fixture(autouse=True)
def english(settings) -> None:
    """Read the pages in English, the language of the message ids these tests quote."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def kyiv():
    return factories.destination("Kyiv")


@pytest.fixture
def dnipro():
    return factories.destination("Dnipro")


def _offers(need, municipality, appeal, user, quantities_by_status: dict) -> None:
    for status, quantity in quantities_by_status.items():
        factories.offer(municipality, appeal, user, need=need, status=status, quantity=quantity)


def _figures(row) -> dict[str, int]:
    return {
        "needed": row.quantity if hasattr(row, "quantity") else row.needed_units,
        "pledged": row.pledged_units,
        "in_transit": row.in_transit_units,
        "delivered": row.delivered_units,
        "missing": row.missing_units,
    }


def test_it_shows_needed_pledged_in_transit_and_delivered_per_need(
    client, coordinator, almere_staff, ukraine_appeal, kyiv
):
    generators = factories.need(ukraine_appeal, kyiv, quantity=20)
    _offers(
        generators,
        almere_staff.municipality,
        ukraine_appeal,
        almere_staff,
        {
            OfferStatus.OFFERED: 50,  # not yet accepted: not pledged
            OfferStatus.DECLINED: 40,
            OfferStatus.WITHDRAWN: 30,
            OfferStatus.ACCEPTED: 1,
            OfferStatus.PICKUP_PLANNED: 2,
            OfferStatus.COLLECTED: 3,
            OfferStatus.IN_TRANSIT: 4,
            OfferStatus.DELIVERED: 5,
            OfferStatus.CONFIRMED: 1,
        },
    )
    client.force_login(coordinator)

    response = client.get(reverse("pledges:need_city", args=[kyiv.pk]))

    [need] = response.context["needs"]
    assert _figures(need) == {"needed": 20, "pledged": 16, "in_transit": 7, "delivered": 6, "missing": 4}
    assert need.surplus_units == 0
    assert "Over-pledged by" not in response.text


@pytest.mark.parametrize("language, heading", [("en", "Collected or in transit"), ("nl", "Opgehaald of onderweg")])
def test_it_names_collected_equipment_for_what_it_is(
    client, settings, coordinator, almere_staff, ukraine_appeal, kyiv, language, heading
):
    """Collected is not yet on its way: the column says it holds both, as the dashboard's status chart tells them apart."""
    settings.LANGUAGE_CODE = language
    generators = factories.need(ukraine_appeal, kyiv, quantity=12)
    _offers(generators, almere_staff.municipality, ukraine_appeal, almere_staff, {OfferStatus.COLLECTED: 2})
    client.force_login(coordinator)

    for page in (reverse("pledges:need_board"), reverse("pledges:need_city", args=[kyiv.pk])):
        response = client.get(page)
        headings = re.findall(r'<th scope="col" class="num">([^<]+)</th>', response.text)
        assert heading in headings and "In transit" not in headings and "Onderweg" not in headings
        assert re.search(r'data-figure="in-transit">2<', response.text)


def test_it_warns_in_words_when_a_need_is_over_pledged(client, almere_staff, ukraine_appeal, kyiv, dnipro):
    transformers = factories.need(ukraine_appeal, kyiv, category="transformer", quantity=2, min_power_kva=None)
    factories.need(ukraine_appeal, kyiv, quantity=5)
    factories.need(ukraine_appeal, dnipro, quantity=5)
    _offers(transformers, almere_staff.municipality, ukraine_appeal, almere_staff, {OfferStatus.ACCEPTED: 3})
    client.force_login(almere_staff)

    city = client.get(reverse("pledges:need_city", args=[kyiv.pk]))
    board = client.get(reverse("pledges:need_board"))

    assert "Over-pledged by 1 unit" in city.text
    rows = {row.destination: row for row in board.context["cities"]}
    assert _figures(rows[kyiv]) == {"needed": 7, "pledged": 3, "in_transit": 0, "delivered": 0, "missing": 5}
    assert rows[kyiv].over_pledged == 1
    assert rows[dnipro].over_pledged == 0
    assert "1 need over-pledged" in board.text


def test_it_counts_only_open_needs_on_the_overview(client, coordinator, ukraine_appeal, kyiv, dnipro):
    factories.need(ukraine_appeal, kyiv, quantity=5)
    factories.need(ukraine_appeal, kyiv, quantity=100, is_open=False)
    factories.need(ukraine_appeal, dnipro, quantity=100, is_open=False)
    client.force_login(coordinator)

    board = client.get(reverse("pledges:need_board"))
    city = client.get(reverse("pledges:need_city", args=[kyiv.pk]))

    assert [(row.destination, row.needed_units) for row in board.context["cities"]] == [(kyiv, 5)]
    # The city page keeps the closed need, after the open ones.
    assert [need.is_open for need in city.context["needs"]] == [True, False]


def test_it_shows_the_needs_of_one_appeal_when_asked(client, coordinator, ukraine_appeal, kyiv):
    flood = factories.appeal(title="Overstroming", accepts="equipment")
    factories.need(ukraine_appeal, kyiv, quantity=5)
    factories.need(flood, kyiv, quantity=9, category="pump", min_power_kva=None)
    client.force_login(coordinator)

    everything = client.get(reverse("pledges:need_board"))
    flood_only = client.get(reverse("pledges:need_board"), {"appeal": flood.pk})

    assert everything.context["cities"][0].needed_units == 14
    assert flood_only.context["cities"][0].needed_units == 9


@pytest.mark.parametrize("user", ["almere_staff", "finance", "administrator"])
def test_it_lets_everyone_read_the_boards_but_only_coordinators_keep_them(user, client, request, ukraine_appeal, kyiv):
    need = factories.need(ukraine_appeal, kyiv)
    client.force_login(request.getfixturevalue(user))

    assert client.get(reverse("pledges:need_board")).status_code == 200
    city = client.get(reverse("pledges:need_city", args=[kyiv.pk]))
    assert city.status_code == 200
    assert reverse("pledges:need_edit", args=[need.pk]) not in city.text
    assert client.get(reverse("pledges:need_create")).status_code == 403
    assert client.post(reverse("pledges:need_edit", args=[need.pk]), {"quantity": 1}).status_code == 403
    need.refresh_from_db()
    assert need.quantity == 10


def test_it_shows_a_404_for_a_city_that_does_not_exist(client, coordinator):
    client.force_login(coordinator)

    assert client.get(reverse("pledges:need_city", args=[999_999])).status_code == 404


def _need_form(for_appeal, city, **overrides) -> dict:
    data = {
        "appeal": for_appeal.pk,
        "destination": city.pk,
        "category": "generator",
        "min_power_kva": "100",
        "quantity": "12",
        "priority": "1",
        "note": "Voor de waterzuivering",
        "is_open": "on",
    }
    return data | overrides


def test_it_lets_a_coordinator_record_a_need(client, coordinator, ukraine_appeal, kyiv):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:need_create"), _need_form(ukraine_appeal, kyiv, min_power_kva="62,5"))

    need = Need.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pledges:need_city", args=[kyiv.pk])
    assert (need.destination, need.quantity, str(need.min_power_kva), need.priority) == (kyiv, 12, "62.5", 1)


def test_it_prefills_the_city_of_a_new_need(client, coordinator, kyiv):
    client.force_login(coordinator)

    response = client.get(reverse("pledges:need_create"), {"destination": kyiv.pk})

    assert response.context["form"]["destination"].value() == kyiv.pk


def test_it_lets_a_coordinator_close_a_need(client, coordinator, ukraine_appeal, kyiv):
    need = factories.need(ukraine_appeal, kyiv)
    client.force_login(coordinator)

    data = _need_form(ukraine_appeal, kyiv)
    del data["is_open"]
    response = client.post(reverse("pledges:need_edit", args=[need.pk]), data)

    assert response.status_code == 302
    need.refresh_from_db()
    assert not need.is_open
    assert need.quantity == 12


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("quantity", "0", "at least 1"),
        ("quantity", "10001", "at most 10,000"),
        ("min_power_kva", "0", "more than 0 kVA"),
        ("min_power_kva", "veel", "Enter the power as a number"),
        ("destination", "", "This field is required"),
    ],
)
def test_it_refuses_a_need_that_makes_no_sense(field, typed, message, client, coordinator, ukraine_appeal, kyiv):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:need_create"), _need_form(ukraine_appeal, kyiv, **{field: typed}))

    assert response.status_code == 200
    assert message in " ".join(response.context["form"].errors[field])
    assert Need.objects.count() == 0
