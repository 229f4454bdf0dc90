"""What the recipient reported, where people look for it; the staff's view of a shipment; collecting from it."""

import re

import pytest
from django.urls import reverse

from pledges.equipment.workflow import Actor
from pledges.logistics.receipts import record_receipt
from pledges.logistics.services import move_shipment
from pledges.models import EquipmentOffer, Event, OfferStatus, Shipment
from tests import factories, pages

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def kyiv(reference_data):
    return factories.destination("Kyiv")


@pytest.fixture
def need(ukraine_appeal, kyiv):
    return factories.need(ukraine_appeal, kyiv, quantity=10, min_power_kva=None)


def offer(staff, appeal, destination, **fields) -> EquipmentOffer:
    return factories.offer(staff.municipality, appeal, staff, destination=destination, **fields)


@pytest.fixture
def delivered(coordinator, almere_staff, utrecht_staff, ukraine_appeal, kyiv, need) -> Shipment:
    """Almere's four generators and Utrecht's transformer, arrived in Kyiv."""
    shipment = factories.shipment(ukraine_appeal, kyiv)
    factories.on_board(
        shipment,
        offer(almere_staff, ukraine_appeal, kyiv, status=OfferStatus.COLLECTED, quantity=4, need=need,
              description="Aggregaat Almere"),
        offer(utrecht_staff, ukraine_appeal, kyiv, status=OfferStatus.COLLECTED, category="transformer",
              description="Transformator Utrecht"),
    )
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    move_shipment(shipment, Shipment.Status.DELIVERED, Actor.of(coordinator))
    return shipment


def generators(shipment) -> EquipmentOffer:
    return shipment.offers.get(description="Aggregaat Almere")


def transformer(shipment) -> EquipmentOffer:
    return shipment.offers.get(description="Transformator Utrecht")


# What was reported, where it shows


def test_the_shipment_page_shows_each_report_and_the_shortfall_on_top(client, coordinator, delivered):
    record_receipt(generators(delivered), "fewer", quantity_received=3, note="Eén aggregaat ontbreekt")
    client.force_login(coordinator)

    text = pages.plain(client.get(delivered.get_absolute_url(), **ENGLISH))

    assert "Shortfall reported by the recipient" in text
    assert f"{generators(delivered).number} · Almere: Fewer received: 3 of 4." in text
    assert "Eén aggregaat ontbreekt" in text
    assert "Reported by the recipient" in text and "not reported yet" in text
    assert f"{generators(delivered).number}: Fewer received: 3 of 4." in text  # the shipment's history


def test_the_shipment_page_shows_no_shortfall_when_all_arrived(client, coordinator, delivered):
    for item in delivered.offers.all():
        record_receipt(item)
    client.force_login(coordinator)

    text = pages.plain(client.get(delivered.get_absolute_url(), **ENGLISH))

    assert "Shortfall reported" not in text
    assert "Received in full: 4 of 4." in text and "Received in full: 1 of 1." in text


def test_the_shipment_list_counts_the_shortfalls(client, coordinator, delivered):
    record_receipt(generators(delivered), "damaged", quantity_received=4, note="Deuk in de tank")
    record_receipt(transformer(delivered))
    client.force_login(coordinator)

    text = pages.plain(client.get(reverse("pledges:shipment_list"), **ENGLISH))

    assert "2 of 2 confirmed 1 shortfall" in text


def test_the_needs_board_counts_only_what_was_received(client, coordinator, delivered, kyiv):
    client.force_login(coordinator)
    before = client.get(reverse("pledges:need_board"))
    record_receipt(generators(delivered), "fewer", quantity_received=3)

    after = client.get(reverse("pledges:need_board"))
    city = client.get(reverse("pledges:need_city", args=[kyiv.pk]))

    assert [pages.figure(before, name) for name in ("pledged", "delivered", "missing")] == ["4", "4", "6"]
    assert [pages.figure(after, name) for name in ("pledged", "delivered", "missing")] == ["3", "3", "7"]
    assert pages.figure(city, "delivered") == "3"


def test_the_municipality_dashboard_counts_the_units_received(client, almere_staff, delivered):
    client.force_login(almere_staff)
    page = reverse("pledges:municipality_dashboard", args=[almere_staff.municipality.code])
    before = pages.figure(client.get(page), "delivered")
    record_receipt(generators(delivered), "fewer", quantity_received=1)

    assert (before, pages.figure(client.get(page), "delivered")) == ("4", "1")


def test_the_contribution_page_shows_what_the_city_reported(client, almere_staff, delivered):
    record_receipt(generators(delivered), "damaged", quantity_received=4, note="Twee met gebroken display")
    client.force_login(almere_staff)

    response = client.get(reverse("pledges:contribution", args=[almere_staff.municipality.code]), **ENGLISH)

    text = pages.plain(response)
    assert "arrived damaged Arrived damaged: 4 of 4 arrived." in text
    assert "Twee met gebroken display" in text
    assert delivered.get_absolute_url() in response.text


# Staff see the shipment their offers travel on


def test_staff_see_the_shipment_of_their_offer_with_only_their_own_offers(client, almere_staff, delivered):
    record_receipt(transformer(delivered), "not_received", note="Utrecht's transformator kwam niet")
    record_receipt(generators(delivered), "fewer", quantity_received=3)
    client.force_login(almere_staff)
    offer_page = client.get(generators(delivered).get_absolute_url())
    assert delivered.get_absolute_url() in offer_page.text

    response = client.get(delivered.get_absolute_url(), **ENGLISH)

    assert response.status_code == 200
    text = pages.plain(response)
    assert generators(delivered).number in text and "Aggregaat Almere" in text
    assert "Fewer received: 3 of 4." in text
    assert "1 offer of another municipality travels with them." in text
    for hidden in (transformer(delivered).number, "Utrecht", "Transformator", "kwam niet", "Packing list", "History"):
        assert hidden not in text, hidden
    for action in ("shipment_loading", "shipment_move", "shipment_recipient_link", "shipment_collect"):
        assert reverse(f"pledges:{action}", args=[delivered.pk]) not in response.text
    assert 'name="remove"' not in response.text


def test_staff_cannot_open_a_shipment_without_their_offers(client, almere_staff, utrecht_staff, ukraine_appeal, kyiv):
    shipment = factories.shipment(ukraine_appeal, kyiv)
    factories.on_board(shipment, offer(utrecht_staff, ukraine_appeal, kyiv, status=OfferStatus.ACCEPTED))
    client.force_login(almere_staff)

    assert client.get(shipment.get_absolute_url()).status_code == 404
    assert client.get(reverse("pledges:shipment_packing_list", args=[shipment.pk])).status_code == 403


# Collected, from the shipment page


@pytest.fixture
def planned(ukraine_appeal, kyiv, almere_staff) -> Shipment:
    shipment = factories.shipment(ukraine_appeal, kyiv)
    factories.on_board(
        shipment,
        offer(almere_staff, ukraine_appeal, kyiv, status=OfferStatus.PICKUP_PLANNED, description="Op te halen"),
        offer(almere_staff, ukraine_appeal, kyiv, status=OfferStatus.ACCEPTED, description="Nog niet gepland"),
    )
    return shipment


def test_a_coordinator_marks_an_offer_collected_from_the_shipment_page(client, coordinator, planned, almere_staff):
    waiting = planned.offers.get(description="Op te halen")
    client.force_login(coordinator)
    page = client.get(planned.get_absolute_url(), **ENGLISH)
    # Only the offer whose pickup was planned can be collected; the other needs its pickup planned first.
    assert re.findall(r'name="collect" value="(\d+)"', page.text) == [str(waiting.pk)]
    assert f"Mark {waiting.number} collected" in pages.plain(page)

    response = client.post(reverse("pledges:shipment_collect", args=[planned.pk]), {"collect": waiting.pk}, **ENGLISH)

    assert response.status_code == 302 and response["Location"] == planned.get_absolute_url()
    waiting.refresh_from_db()
    assert waiting.status == OfferStatus.COLLECTED
    [event] = waiting.events.filter(to_status=OfferStatus.COLLECTED)
    assert (event.kind, event.actor, event.from_status) == (Event.Kind.STATUS, coordinator, "pickup_planned")
    assert any(f"{waiting.number} is now “collected”" in m for m in pages.messages(client.get(response["Location"], **ENGLISH)))


@pytest.mark.parametrize("which", ["accepted, no pickup planned", "already collected", "not on this shipment"])
def test_collecting_from_the_shipment_page_refuses_what_the_workflow_refuses(
    client, coordinator, planned, almere_staff, ukraine_appeal, kyiv, which
):
    target = {
        "accepted, no pickup planned": lambda: planned.offers.get(description="Nog niet gepland"),
        "already collected": lambda: EquipmentOffer.objects.filter(pk=planned.offers.get(description="Op te halen").pk)
        .update(status=OfferStatus.COLLECTED) and planned.offers.get(description="Op te halen"),
        "not on this shipment": lambda: offer(almere_staff, ukraine_appeal, kyiv, status=OfferStatus.PICKUP_PLANNED),
    }[which]()
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(reverse("pledges:shipment_collect", args=[planned.pk]), {"collect": target.pk}, **ENGLISH)

    assert response.status_code == 302
    assert factories.shipping_snapshot() == before
    assert "Nothing was changed" in pages.messages(client.get(response["Location"], **ENGLISH))[0]


@pytest.mark.parametrize("role", ["almere_staff", "finance", "administrator"])
def test_only_a_coordinator_marks_collected(client, request, role, planned):
    client.force_login(request.getfixturevalue(role))
    before = factories.shipping_snapshot()
    waiting = planned.offers.get(description="Op te halen")

    response = client.post(reverse("pledges:shipment_collect", args=[planned.pk]), {"collect": waiting.pk})

    assert response.status_code == 403
    assert factories.shipping_snapshot() == before
