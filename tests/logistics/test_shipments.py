"""Shipments: coordinators plan them, load offers, and move them; the offers move with them."""

import datetime
import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.urls import reverse
from django.utils import timezone

from pledges.equipment.workflow import Actor, TransitionRefused
from pledges.logistics.services import add_offers, move_shipment, remove_offer
from pledges.models import EquipmentOffer, Event, OfferStatus, Role, Shipment
from tests import factories, pages
from tests.conftest import make_user

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def kyiv(reference_data):
    return factories.destination("Kyiv")


@pytest.fixture
def planned(ukraine_appeal, kyiv) -> Shipment:
    return factories.shipment(ukraine_appeal, kyiv)


@pytest.fixture
def generator(almere_staff, ukraine_appeal, kyiv) -> EquipmentOffer:
    return factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff,
        status=OfferStatus.COLLECTED, destination=kyiv, description="Aggregaat Caterpillar 100 kVA",
    )


@pytest.fixture
def transformer(utrecht_staff, ukraine_appeal, kyiv) -> EquipmentOffer:
    return factories.offer(
        utrecht_staff.municipality, ukraine_appeal, utrecht_staff,
        status=OfferStatus.COLLECTED, destination=kyiv, category="transformer", quantity=2,
        weight_kg=800, value_cents=4_000_00, description="Transformator 400 kVA",
    )


def shipment_form(appeal, destination, **overrides) -> dict:
    today = timezone.localdate()
    data = {
        "appeal": appeal.pk,
        "destination": destination.pk,
        "carrier": "Van der Wal Transport",
        "reference": "VDW-2026-118",
        "hub": "Depot Lelystad",
        "planned_departure": (today + datetime.timedelta(days=2)).isoformat(),
        "planned_arrival": (today + datetime.timedelta(days=5)).isoformat(),
    }
    return data | overrides


def loaded(shipment, *offers) -> Shipment:
    factories.on_board(shipment, *offers)
    return shipment


# Planning


def test_it_lets_a_coordinator_plan_a_shipment(client, coordinator, ukraine_appeal, kyiv):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:shipment_create"), shipment_form(ukraine_appeal, kyiv))

    shipment = Shipment.objects.get()
    assert response.status_code == 302
    assert response["Location"] == shipment.get_absolute_url()
    assert shipment.status == Shipment.Status.PLANNED
    assert (shipment.carrier, shipment.destination) == ("Van der Wal Transport", kyiv)
    event = shipment.events.get()
    assert (event.kind, event.actor, event.to_status) == (Event.Kind.CREATED, coordinator, "planned")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"planned_departure": "2020-01-01", "planned_arrival": ""}, "planned_departure", "cannot be in the past"),
        ({"planned_departure": "2099-01-01", "planned_arrival": ""}, "planned_departure", "more than a year away"),
        ({"planned_arrival": timezone.localdate().isoformat()}, "planned_arrival", "cannot be before the planned departure"),
        ({"planned_arrival": (timezone.localdate() + datetime.timedelta(days=200)).isoformat()}, "planned_arrival", "more than 90 days"),
        ({"carrier": ""}, "carrier", "required"),
    ],
    ids=["departure in the past", "departure years away", "arrival before departure", "arrival far later", "no carrier"],
)
def test_it_refuses_a_shipment_with_senseless_dates(client, coordinator, ukraine_appeal, kyiv, overrides, field, message):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:shipment_create"), shipment_form(ukraine_appeal, kyiv, **overrides), **ENGLISH)

    assert response.status_code == 200
    assert any(message in error for error in pages.errors(response)), pages.errors(response)
    assert not Shipment.objects.exists()


@pytest.mark.parametrize("role", ["almere_staff", "finance", "administrator"])
def test_it_lets_only_coordinators_change_shipments(client, request, role, planned, generator, ukraine_appeal, kyiv):
    client.force_login(request.getfixturevalue(role))
    before = factories.shipping_snapshot()

    responses = [
        client.post(reverse("pledges:shipment_create"), shipment_form(ukraine_appeal, kyiv)),
        client.post(reverse("pledges:shipment_loading", args=[planned.pk]), {"offers": [generator.pk]}),
        client.post(reverse("pledges:shipment_move", args=[planned.pk]), {"to_status": "in_transit", "expected_status": "planned"}),
        client.post(reverse("pledges:shipment_recipient_link", args=[planned.pk])),
    ]

    assert [response.status_code for response in responses] == [403] * 4
    assert factories.shipping_snapshot() == before


def test_it_hides_shipments_from_municipal_staff(client, almere_staff, planned):
    client.force_login(almere_staff)

    # A shipment without their offers does not exist for them (tests/logistics/test_staff_view.py).
    assert client.get(reverse("pledges:shipment_detail", args=[planned.pk])).status_code == 404
    for name in ("shipment_packing_list", "shipment_packing_list_xlsx"):
        assert client.get(reverse(f"pledges:{name}", args=[planned.pk])).status_code == 403
    assert client.get(reverse("pledges:shipment_list")).status_code == 403


def test_it_shows_finance_a_shipment_without_anything_to_change(client, finance, planned, generator):
    loaded(planned, generator)
    client.force_login(finance)

    response = client.get(planned.get_absolute_url())

    assert response.status_code == 200
    assert generator.number in response.text
    assert 'name="remove"' not in response.text and 'name="offers"' not in response.text
    assert reverse("pledges:shipment_move", args=[planned.pk]) not in response.text


def test_it_lists_shipments_with_their_totals(client, coordinator, planned, generator, transformer, django_assert_max_num_queries):
    loaded(planned, generator, transformer)
    client.force_login(coordinator)

    with django_assert_max_num_queries(8):
        response = client.get(reverse("pledges:shipment_list"))

    assert planned.number in response.text
    assert "€ 20.500,00" in pages.text(response) or "€20,500.00" in pages.text(response)


# Loading


def test_it_adds_offers_and_records_it_on_each_offer_and_on_the_shipment(client, coordinator, planned, generator, transformer):
    client.force_login(coordinator)

    response = client.post(
        reverse("pledges:shipment_loading", args=[planned.pk]), {"offers": [generator.pk, transformer.pk]}
    )

    assert response.status_code == 302
    assert set(planned.offers.all()) == {generator, transformer}
    for offer in (generator, transformer):
        offer.refresh_from_db()
        assert offer.status == OfferStatus.COLLECTED  # loading does not move an offer
        event = offer.events.get(kind=Event.Kind.SHIPMENT)
        assert event.actor == coordinator
        assert event.changes == {"shipment": ["", planned.number]}
    assert sorted(e.changes["offer"][1] for e in planned.events.filter(kind=Event.Kind.SHIPMENT)) == sorted(
        [generator.number, transformer.number]
    )


def test_it_offers_only_fitting_offers_for_loading(client, coordinator, planned, generator, almere_staff, ukraine_appeal):
    elsewhere = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff,
        status=OfferStatus.ACCEPTED, destination=factories.destination("Kharkiv"),
    )
    undecided = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(coordinator)

    response = client.get(planned.get_absolute_url())

    assert f'value="{generator.pk}"' in response.text
    assert elsewhere.number not in response.text
    assert undecided.number not in response.text


@pytest.mark.parametrize(
    "make",
    [
        lambda staff, appeal: factories.offer(
            staff.municipality, appeal, staff, status=OfferStatus.ACCEPTED, destination=factories.destination("Kharkiv")
        ),
        lambda staff, appeal: factories.offer(staff.municipality, appeal, staff),
        lambda staff, appeal: factories.offer(
            staff.municipality, factories.appeal(), staff, status=OfferStatus.ACCEPTED
        ),
        lambda staff, appeal: factories.offer(staff.municipality, appeal, staff, status=OfferStatus.DELIVERED),
    ],
    ids=["another destination", "only offered", "another appeal", "already delivered"],
)
def test_it_refuses_to_load_an_offer_that_does_not_fit_and_changes_nothing(
    client, coordinator, planned, generator, almere_staff, ukraine_appeal, make
):
    misfit = make(almere_staff, ukraine_appeal)
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(
        reverse("pledges:shipment_loading", args=[planned.pk]), {"offers": [generator.pk, misfit.pk]}, follow=True
    )

    assert response.status_code == 200
    assert pages.messages(response)
    assert factories.shipping_snapshot() == before


def test_it_refuses_to_load_an_offer_that_is_on_another_shipment(coordinator, planned, generator, ukraine_appeal, kyiv):
    other = loaded(factories.shipment(ukraine_appeal, kyiv), generator)
    before = factories.shipping_snapshot()

    with pytest.raises(TransitionRefused) as refusal:
        add_offers(planned, [generator.pk], Actor.of(coordinator))

    assert other.number in refusal.value.message
    assert factories.shipping_snapshot() == before


def test_it_takes_an_offer_off_a_planned_shipment(client, coordinator, planned, generator):
    loaded(planned, generator)
    client.force_login(coordinator)

    client.post(reverse("pledges:shipment_loading", args=[planned.pk]), {"remove": generator.pk})

    generator.refresh_from_db()
    assert generator.shipment is None
    assert generator.events.get(kind=Event.Kind.SHIPMENT).changes == {"shipment": [planned.number, ""]}
    assert planned.events.get(kind=Event.Kind.SHIPMENT).changes == {"offer": [generator.number, ""]}


def test_it_keeps_the_load_once_the_shipment_has_left(coordinator, planned, generator, transformer):
    loaded(planned, generator)
    move_shipment(planned, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    before = factories.shipping_snapshot()

    with pytest.raises(TransitionRefused):
        remove_offer(planned, generator.pk, Actor.of(coordinator))
    with pytest.raises(TransitionRefused):
        add_offers(planned, [transformer.pk], Actor.of(coordinator))

    assert factories.shipping_snapshot() == before


# Moving


def test_it_moves_every_offer_in_transit_when_the_shipment_departs(client, coordinator, planned, generator, transformer):
    loaded(planned, generator, transformer)
    client.force_login(coordinator)
    yesterday = timezone.localdate() - datetime.timedelta(days=1)

    response = client.post(
        reverse("pledges:shipment_move", args=[planned.pk]),
        {"to_status": "in_transit", "expected_status": "planned", "on": yesterday.isoformat(), "note": "Vertrokken uit Lelystad"},
    )

    assert response.status_code == 302
    planned.refresh_from_db()
    assert (planned.status, planned.departed_on) == (Shipment.Status.IN_TRANSIT, yesterday)
    for offer in (generator, transformer):
        offer.refresh_from_db()
        assert offer.status == OfferStatus.IN_TRANSIT
        event = offer.events.get(kind=Event.Kind.STATUS)
        assert (event.from_status, event.to_status, event.actor) == ("collected", "in_transit", coordinator)
        assert (event.note, event.data) == ("Vertrokken uit Lelystad", {"shipment": planned.number})
    event = planned.events.get(kind=Event.Kind.STATUS)
    assert (event.from_status, event.to_status) == ("planned", "in_transit")
    assert event.changes == {"departed_on": yesterday.isoformat()}


def test_it_refuses_departure_while_an_offer_is_not_collected_and_changes_nothing(
    client, coordinator, planned, generator, almere_staff, ukraine_appeal, kyiv
):
    waiting = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.PICKUP_PLANNED, destination=kyiv
    )
    loaded(planned, generator, waiting)
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(
        reverse("pledges:shipment_move", args=[planned.pk]),
        {"to_status": "in_transit", "expected_status": "planned"},
        follow=True,
        **ENGLISH,
    )

    [message] = pages.messages(response)
    assert waiting.number in message and "pickup planned" in message
    assert generator.number not in message
    assert "Nothing was changed" in message
    assert factories.shipping_snapshot() == before


def test_it_delivers_every_offer_and_tells_the_municipalities(
    client, coordinator, planned, generator, transformer, almere_staff, utrecht_staff, django_capture_on_commit_callbacks
):
    loaded(planned, generator, transformer)
    move_shipment(planned, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("pledges:shipment_move", args=[planned.pk]), {"to_status": "delivered", "expected_status": "in_transit"}
        )

    planned.refresh_from_db()
    assert (planned.status, planned.arrived_on) == (Shipment.Status.DELIVERED, timezone.localdate())
    assert set(EquipmentOffer.objects.values_list("status", flat=True)) == {OfferStatus.DELIVERED}
    assert sorted(tuple(message.to) for message in mail.outbox) == [(almere_staff.email,), (utrecht_staff.email,)]
    assert list(planned.events.values_list("to_status", flat=True)) == ["planned", "in_transit", "delivered"]


@pytest.mark.parametrize(
    ("status", "to_status"),
    [("planned", "delivered"), ("in_transit", "in_transit"), ("delivered", "in_transit"), ("in_transit", "planned")],
)
def test_it_allows_only_the_shipment_moves_in_the_table(coordinator, planned, generator, status, to_status):
    loaded(planned, generator)
    Shipment.objects.filter(pk=planned.pk).update(status=status)
    planned.refresh_from_db()
    before = factories.shipping_snapshot()

    with pytest.raises(TransitionRefused):
        move_shipment(planned, to_status, Actor.of(coordinator))

    assert factories.shipping_snapshot() == before


def test_it_refuses_a_move_made_on_an_outdated_page(client, coordinator, planned, generator):
    loaded(planned, generator)
    move_shipment(planned, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(
        reverse("pledges:shipment_move", args=[planned.pk]),
        {"to_status": "in_transit", "expected_status": "planned"},
        follow=True,
        **ENGLISH,
    )

    assert "just changed by someone else" in pages.messages(response)[0]
    assert factories.shipping_snapshot() == before


@pytest.mark.parametrize(
    ("on", "message"),
    [
        (timezone.localdate() + datetime.timedelta(days=1), "cannot be in the future"),
        (timezone.localdate() - datetime.timedelta(days=5), "cannot be before the departure"),
    ],
    ids=["arrival tomorrow", "arrival before departure"],
)
def test_it_refuses_an_arrival_date_that_cannot_be(client, coordinator, planned, generator, on, message):
    loaded(planned, generator)
    move_shipment(
        planned, Shipment.Status.IN_TRANSIT, Actor.of(coordinator), on=timezone.localdate() - datetime.timedelta(days=2)
    )
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = client.post(
        reverse("pledges:shipment_move", args=[planned.pk]),
        {"to_status": "delivered", "expected_status": "in_transit", "on": on.isoformat()},
        follow=True,
        **ENGLISH,
    )

    assert any(message in text for text in pages.messages(response)), pages.messages(response)
    assert factories.shipping_snapshot() == before


def test_it_refuses_to_send_an_empty_shipment(coordinator, planned):
    with pytest.raises(TransitionRefused) as refusal:
        move_shipment(planned, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    assert "heeft geen aanbod aan boord" in refusal.value.message


def test_it_lets_only_a_coordinator_move_a_shipment(finance, planned, generator):
    loaded(planned, generator)
    with pytest.raises(TransitionRefused):
        move_shipment(planned, Shipment.Status.IN_TRANSIT, Actor.of(finance))


# The shipment page


def test_it_shows_what_is_on_board_and_the_totals(client, coordinator, planned, generator, transformer, django_assert_max_num_queries):
    EquipmentOffer.objects.filter(pk=generator.pk).update(fuel_in_tank=True)
    EquipmentOffer.objects.filter(pk=transformer.pk).update(lithium_batteries=True)
    loaded(planned, generator, transformer)
    client.force_login(coordinator)

    with django_assert_max_num_queries(14):
        response = client.get(planned.get_absolute_url(), **ENGLISH)

    assert response.status_code == 200
    assert pages.total(response, "offers") == "2"
    assert pages.total(response, "units") == "3"
    assert pages.total(response, "weight") == "2,850.0 kg"
    assert pages.total(response, "value") == "€20,500.00"
    assert pages.total(response, "fuel-in-tank") == "1"
    assert pages.total(response, "lithium-batteries") == "2"
    assert generator.number in response.text and transformer.number in response.text
    assert reverse("pledges:shipment_move", args=[planned.pk]) in response.text


# Two coordinators at the same moment, on two real database connections.


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes one write lock per database (IMMEDIATE transactions), so there is no row lock to race for",
)
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_coordinators_send_the_shipment_off(reference_data, almere, ukraine_appeal):
    staff = make_user("racer.ship@almere.nl", Role.MUNICIPAL_STAFF, almere)
    carla, henk = (make_user(f"{name}.ship@vngfonds.nl", Role.COORDINATOR) for name in ("carla", "henk"))
    kyiv = factories.destination("Kyiv")
    offers = [
        factories.offer(almere, ukraine_appeal, staff, status=OfferStatus.COLLECTED, destination=kyiv) for _ in range(2)
    ]
    shipment = loaded(factories.shipment(ukraine_appeal, kyiv), *offers)
    first_holds_lock = threading.Event()
    results: list = []

    def carla_departs():
        with transaction.atomic():
            moved = move_shipment(
                Shipment.objects.get(pk=shipment.pk), Shipment.Status.IN_TRANSIT, Actor.of(carla),
                expected_status=Shipment.Status.PLANNED,
            )
            first_holds_lock.set()
            time.sleep(0.5)
        return moved.status

    def henk_departs():
        first_holds_lock.wait(5)
        return move_shipment(
            Shipment.objects.get(pk=shipment.pk), Shipment.Status.IN_TRANSIT, Actor.of(henk),
            expected_status=Shipment.Status.PLANNED,
        )

    def run(work, name):
        try:
            results.append((name, work()))
        except Exception as error:  # noqa: BLE001 - the test inspects what happened
            results.append((name, error))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(carla_departs, "carla")), threading.Thread(target=run, args=(henk_departs, "henk"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    outcome = dict(results)
    assert outcome["carla"] == Shipment.Status.IN_TRANSIT
    assert isinstance(outcome["henk"], TransitionRefused)
    assert "door iemand anders gewijzigd" in outcome["henk"].message
    for offer in offers:
        assert list(offer.events.filter(kind=Event.Kind.STATUS).values_list("actor", flat=True)) == [carla.pk]
    assert list(Event.objects.filter(shipment=shipment, kind=Event.Kind.STATUS).values_list("actor", flat=True)) == [carla.pk]


# Navigation


def test_it_shows_fund_staff_the_way_to_the_shipments(client, coordinator, finance, almere_staff):
    shipments = reverse("pledges:shipment_list")
    for user, shown in ((coordinator, True), (finance, True), (almere_staff, False)):
        client.force_login(user)
        assert (f'href="{shipments}"' in client.get(reverse("pledges:donation_list")).text) is shown


# Changing a planned shipment -----------------------------------------------------------------


def _edit(client, coordinator, shipment, **fields):
    client.force_login(coordinator)
    data = {
        "carrier": shipment.carrier,
        "reference": shipment.reference,
        "hub": shipment.hub,
        "planned_departure": shipment.planned_departure.isoformat(),
        "planned_arrival": shipment.planned_arrival.isoformat() if shipment.planned_arrival else "",
        "recipient": shipment.recipient_id or "",
    } | fields
    return client.post(reverse("pledges:shipment_edit", args=[shipment.pk]), data, follow=True)


def test_a_coordinator_postpones_a_planned_shipment_and_its_history_says_so(client, coordinator, planned):
    old_departure = planned.planned_departure
    later = old_departure + datetime.timedelta(days=7)

    response = _edit(
        client, coordinator, planned, carrier="Trans-Oekraïne BV",
        planned_departure=later.isoformat(), planned_arrival=(later + datetime.timedelta(days=4)).isoformat(),
    )

    planned.refresh_from_db()
    assert (planned.carrier, planned.planned_departure) == ("Trans-Oekraïne BV", later)
    event = planned.events.get(kind=Event.Kind.EDITED)
    assert event.actor == coordinator
    assert event.changes["carrier"] == ["Van der Wal Transport", "Trans-Oekraïne BV"]
    assert event.changes["planned_departure"] == [old_departure.isoformat(), later.isoformat()]
    assert "Van der Wal Transport → Trans-Oekraïne BV" in pages.plain(response)


def test_saving_a_shipment_unchanged_records_nothing(client, coordinator, planned):
    _edit(client, coordinator, planned)

    assert not planned.events.filter(kind=Event.Kind.EDITED).exists()


def test_a_shipment_edit_with_a_bad_date_is_explained_and_changes_nothing(client, coordinator, planned):
    before = factories.shipping_snapshot()

    response = _edit(client, coordinator, planned, planned_arrival=(planned.planned_departure - datetime.timedelta(days=1)).isoformat())

    assert "De geplande aankomst kan niet vóór het geplande vertrek liggen." in pages.plain(response)
    assert factories.shipping_snapshot() == before


def test_a_shipment_that_has_left_can_no_longer_be_changed(client, coordinator, planned):
    Shipment.objects.filter(pk=planned.pk).update(status=Shipment.Status.IN_TRANSIT)
    before = factories.shipping_snapshot()

    response = _edit(client, coordinator, planned, carrier="Iemand anders")

    assert factories.shipping_snapshot() == before
    assert any("kunnen niet meer worden gewijzigd" in text for text in pages.messages(response))


# Wording


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "met het aanbod aan boord (1)."), ("en", "with its 1 offer.")],
)
def test_a_shipment_with_one_offer_departs_in_the_singular(client, coordinator, planned, generator, language, expected):
    loaded(planned, generator)
    client.force_login(coordinator)

    response = client.post(
        reverse("pledges:shipment_move", args=[planned.pk]),
        {"to_status": "in_transit", "expected_status": "planned", "on": timezone.localdate().isoformat(), "note": ""},
        HTTP_ACCEPT_LANGUAGE=language,
    )

    assert [str(m) for m in response.wsgi_request._messages][-1].endswith(expected)


def test_the_shipment_names_the_category_only_where_the_description_does_not(client, coordinator, planned, generator, transformer):
    factories.on_board(planned, generator, transformer)  # "Aggregaat Caterpillar…", and a transformer
    EquipmentOffer.objects.filter(pk=transformer.pk).update(description="Siemens 400 kVA")
    client.force_login(coordinator)

    page = client.get(planned.get_absolute_url()).text

    assert "Aggregaat Caterpillar 100 kVA" in page
    assert "Aggregaat: Aggregaat" not in page
    assert "Transformator: Siemens 400 kVA" in page


def test_the_shipment_form_has_no_english_blank_choice_on_a_dutch_page(client, coordinator, reference_data, ukraine_appeal):
    client.force_login(coordinator)

    dutch = client.get(reverse("pledges:shipment_create")).text
    english = client.get(reverse("pledges:shipment_create"), **ENGLISH).text

    assert "Select an option" not in dutch
    assert "Kies een optie" in dutch
    assert "Select an option" in english


def test_a_late_shipment_gets_another_carrier_without_a_new_date(client, coordinator, planned):
    # The truck did not leave on the planned day; the date may stay until a new one is known.
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    Shipment.objects.filter(pk=planned.pk).update(planned_departure=yesterday, planned_arrival=None)
    planned.refresh_from_db()

    _edit(client, coordinator, planned, carrier="Trans-Oekraïne BV")

    planned.refresh_from_db()
    assert (planned.carrier, planned.planned_departure) == ("Trans-Oekraïne BV", yesterday)
