"""Before a shipment departs: its recipient organisation, the NBU rate and the goods its documents need."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from pledges.equipment.workflow import Actor, TransitionRefused
from pledges.logistics.readiness import missing_for_departure
from pledges.logistics.services import move_shipment, set_exchange_rate
from pledges.models import Event, OfferStatus, Shipment
from tests import factories, pages

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
TODAY = timezone.localdate


@pytest.fixture
def kyiv(reference_data):
    return factories.destination("Kyiv")


@pytest.fixture
def bare(ukraine_appeal, kyiv, almere_staff) -> Shipment:
    """A planned shipment with a collected generator on board, but no recipient and no rate."""
    shipment = factories.shipment(ukraine_appeal, kyiv, ready=False)
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
                            destination=kyiv)
    factories.on_board(shipment, offer)
    return shipment


def _rate(client, shipment, rate, on=None, language=ENGLISH):
    data = {"rate-rate": rate, "rate-on": (on or TODAY()).isoformat() if on != "" else ""}
    return client.post(reverse("pledges:shipment_rate", args=[shipment.pk]), data, follow=True, **language)


# The NBU rate


def test_a_coordinator_enters_the_rate_with_a_decimal_comma_and_the_history_keeps_it(client, coordinator, bare):
    client.force_login(coordinator)

    response = _rate(client, bare, "48,1234", language={"HTTP_ACCEPT_LANGUAGE": "nl"})

    bare.refresh_from_db()
    assert (bare.exchange_rate_uah, bare.exchange_rate_date) == (Decimal("48.1234"), TODAY())
    event = bare.events.get(kind=Event.Kind.EXCHANGE_RATE)
    assert event.changes == {"exchange_rate_uah": ["", "48.1234"], "exchange_rate_date": ["", TODAY().isoformat()]}
    assert event.actor == coordinator
    assert any(message.startswith(f"De koers van {bare.number} is 48,1234 UAH per EUR") for message in pages.messages(response))
    # Sent twice (a double click): the rate stays, and the history has it once.
    _rate(client, bare, "48.1234")
    assert bare.events.filter(kind=Event.Kind.EXCHANGE_RATE).count() == 1


@pytest.mark.parametrize(
    ("rate", "on", "message"),
    [
        ("", None, "NBU rate (UAH per EUR): Enter the rate, such as 48,1234."),
        ("0", None, "NBU rate (UAH per EUR): The rate must be more than 0."),
        ("0,0000", None, "NBU rate (UAH per EUR): The rate must be more than 0."),
        ("-48,12", None, "NBU rate (UAH per EUR): The rate must be more than 0."),
        ("48,12345", None, "NBU rate (UAH per EUR): Enter the rate as a number with at most four decimals, such as 48,1234."),
        ("48 UAH", None, "NBU rate (UAH per EUR): Enter the rate as a number with at most four decimals, such as 48,1234."),
        ("48,1234", "", "Date of the rate: Enter the date the NBU set this rate for."),
        ("48,1234", TODAY() + datetime.timedelta(days=1), "Date of the rate: The date cannot be in the future."),
    ],
)
def test_a_wrong_rate_is_refused_saying_why_and_nothing_is_kept(client, coordinator, bare, rate, on, message):
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = _rate(client, bare, rate, on)

    assert message in pages.messages(response)
    assert factories.shipping_snapshot() == before


def test_once_departed_the_rate_stays_as_the_documents_have_it(client, coordinator, bare):
    factories.recipients_ready(bare)
    move_shipment(bare, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = _rate(client, bare, "50,0000")

    assert (f"{bare.number} has departed: its documents keep the rate they were made with. Nothing was changed."
            in pages.messages(response))
    assert factories.shipping_snapshot() == before
    assert 'name="rate-rate"' not in response.text  # the form is no longer offered


def test_the_service_refuses_a_rate_of_zero_or_of_a_future_day(coordinator, bare):
    with pytest.raises(TransitionRefused):
        set_exchange_rate(bare, Decimal("0"), TODAY(), Actor.of(coordinator))
    with pytest.raises(TransitionRefused):
        set_exchange_rate(bare, Decimal("48.1"), TODAY() + datetime.timedelta(days=1), Actor.of(coordinator))
    bare.refresh_from_db()
    assert bare.exchange_rate_uah is None


def test_only_coordinators_enter_the_rate(client, finance, bare):
    client.force_login(finance)

    assert client.post(reverse("pledges:shipment_rate", args=[bare.pk]), {"rate-rate": "48"}).status_code == 403


# Departure readiness


def test_departure_is_refused_naming_everything_missing_and_nothing_changes(coordinator, bare, ukraine_appeal,
                                                                            almere_staff, kyiv):
    unknown_fuel = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff,
                                   status=OfferStatus.COLLECTED, destination=kyiv, fuel="none", fuel_in_tank=True)
    factories.on_board(bare, unknown_fuel)
    before = factories.shipping_snapshot()

    with pytest.raises(TransitionRefused) as refused, translation.override("en"):
        move_shipment(bare, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))

    assert refused.value.message == (
        f"{bare.number} cannot depart yet: no recipient organisation is named; no NBU exchange rate is entered; "
        f"fuel in the tank, but which fuel is not stated, for {unknown_fuel.number} (the dangerous-goods summary "
        "needs it for the UN number). Nothing was changed."
    )
    assert factories.shipping_snapshot() == before


def test_a_recipient_lacking_fields_is_named_field_by_field(coordinator, bare, kyiv):
    bare.recipient = factories.recipients_organisation(kyiv, signatory_position="", ahars_registration="")
    bare.save()

    assert [(problem.code, problem.names) for problem in missing_for_departure(bare)] == [
        ("recipient_incomplete", ("signatory_position", "ahars_registration")), ("no_rate", ()),
    ]
    with pytest.raises(TransitionRefused, match="the recipient organisation lacks: signatory's position, AHARS "
                                                "recipient registration; no NBU exchange rate is entered"), \
            translation.override("en"):
        move_shipment(bare, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))


def test_departure_is_allowed_once_the_papers_are_complete(client, coordinator, bare):
    client.force_login(coordinator)
    factories.recipients_ready(bare, rate="47.9000")
    assert missing_for_departure(bare) == []

    response = client.post(reverse("pledges:shipment_move", args=[bare.pk]),
                           {"to_status": "in_transit", "expected_status": "planned"}, follow=True, **ENGLISH)

    bare.refresh_from_db()
    assert bare.status == Shipment.Status.IN_TRANSIT
    assert set(bare.offers.values_list("status", flat=True)) == {OfferStatus.IN_TRANSIT}
    assert "Before departure" not in pages.plain(response)


def test_the_page_lists_what_is_done_and_what_is_missing_with_a_link_to_fix_each(client, coordinator, bare):
    client.force_login(coordinator)

    response = client.get(bare.get_absolute_url(), **ENGLISH)
    text = pages.plain(response)

    assert "Before departure" in text
    assert ("Missing Recipient organisation named, with its details complete: no recipient organisation is "
            "named. Name the recipient") in text
    assert "Missing NBU exchange rate of the day entered: no NBU exchange rate is entered. Enter the rate" in text
    assert "✓ Done: Every offer weighed, dangerous goods described" in text
    assert "✓ Done: Offers on board, every one collected" in text
    assert reverse("pledges:shipment_edit", args=[bare.pk]) in response.text
    assert "Not everything is ready yet: see “Before departure”." in text

    _rate(client, bare, "48,5")
    Shipment.objects.filter(pk=bare.pk).update(
        recipient=factories.recipients_organisation(bare.destination, contact_name="")
    )
    text = pages.plain(client.get(bare.get_absolute_url(), **ENGLISH))
    assert "✓ Done: NBU exchange rate of the day entered" in text
    assert "48.5000 UAH per EUR of" in text
    assert "the recipient organisation lacks: contact person. Complete the organisation's details" in text


# The shipment names its recipient


def _edit(client, shipment, **fields):
    data = {
        "carrier": shipment.carrier, "reference": shipment.reference, "hub": shipment.hub,
        "planned_departure": shipment.planned_departure.isoformat(),
        "planned_arrival": shipment.planned_arrival.isoformat(),
    } | fields
    return client.post(reverse("pledges:shipment_edit", args=[shipment.pk]), data, follow=True, **ENGLISH)


def test_a_coordinator_names_the_recipient_and_the_history_records_it(client, coordinator, bare, kyiv):
    council = factories.recipients_organisation(kyiv, legal_name_en="Kyiv City State Administration")
    client.force_login(coordinator)

    response = _edit(client, bare, recipient=council.pk)

    bare.refresh_from_db()
    assert bare.recipient == council
    assert bare.events.get(kind=Event.Kind.EDITED).changes == {"recipient": [None, council.pk]}
    assert "Recipient organisation: Kyiv City State Administration" in pages.plain(response)


def test_a_recipient_of_another_destination_is_refused_by_name(client, coordinator, bare):
    kharkiv_council = factories.recipients_organisation(factories.destination("Kharkiv"))
    client.force_login(coordinator)
    before = factories.shipping_snapshot()

    response = _edit(client, bare, recipient=kharkiv_council.pk)

    assert pages.errors(response) == [
        "That organisation does not receive in Kyiv: choose one of the shipment's destination, or add it under "
        "Recipient organisations."
    ]
    assert factories.shipping_snapshot() == before
    # The form offers only Kyiv's organisations.
    assert f'value="{kharkiv_council.pk}"' not in response.text


def test_a_new_shipment_may_name_its_recipient_but_not_another_citys(client, coordinator, ukraine_appeal, kyiv):
    kyiv_council = factories.recipients_organisation(kyiv)
    kharkiv_council = factories.recipients_organisation(factories.destination("Kharkiv"))
    client.force_login(coordinator)
    data = {"appeal": ukraine_appeal.pk, "destination": kyiv.pk, "carrier": "Van Dijk", "reference": "",
            "hub": "Nieuwegein", "planned_departure": (TODAY() + datetime.timedelta(days=2)).isoformat(),
            "planned_arrival": ""}

    refused = client.post(reverse("pledges:shipment_create"), data | {"recipient": kharkiv_council.pk}, **ENGLISH)
    assert refused.status_code == 200 and not Shipment.objects.exists()
    assert "That organisation does not receive in Kyiv" in pages.errors(refused)[0]

    client.post(reverse("pledges:shipment_create"), data | {"recipient": kyiv_council.pk})
    assert Shipment.objects.get().recipient == kyiv_council
