"""The coordinator sees the units that left and have not moved for PASSPORT_STALE_DAYS days."""

import datetime

import time_machine
from django.urls import reverse
from django.utils import timezone

from pledges.equipment.workflow import Actor
from pledges.logistics.services import add_offers, move_shipment
from pledges.models import OfferStatus, Shipment, Unit
from pledges.passports.links import make_token
from pledges.passports.services import record_step
from tests import factories


def days_ago(days: int):
    return time_machine.travel(timezone.now() - datetime.timedelta(days=days), tick=False)


def test_it_lists_units_without_a_step_for_too_long_but_not_those_that_arrived_at_a_final_step(
    client, settings, coordinator, units
):
    settings.PASSPORT_STALE_DAYS = 14
    quiet, placed, recent = units
    with days_ago(20):
        record_step(quiet, "crossed_border")
        record_step(placed, "installed", site="Школа № 12")
    with days_ago(3):
        record_step(recent, "received")
    client.force_login(coordinator)

    page = client.get(reverse("pledges:units_not_moving"))

    assert page.status_code == 200
    assert f'data-unit="{quiet.number}"' in page.text
    assert f'data-unit="{placed.number}"' not in page.text and f'data-unit="{recent.number}"' not in page.text
    assert reverse("pledges:unit_passport", args=[make_token(quiet)]) in page.text

    settings.PASSPORT_STALE_DAYS = 2
    shorter = client.get(reverse("pledges:units_not_moving"))
    assert f'data-unit="{recent.number}"' in shorter.text and f'data-unit="{placed.number}"' not in shorter.text


def test_units_without_any_step_count_from_departure_and_units_still_at_home_not_at_all(
    client, coordinator, almere_staff, ukraine_appeal, reference_data
):
    kharkiv = factories.destination("Kharkiv")
    actor = Actor.of(coordinator)
    with days_ago(30):
        left = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
                               destination=kharkiv, quantity=1)
        shipment = factories.shipment(ukraine_appeal, kharkiv, planned_departure=timezone.localdate())
        add_offers(shipment, [left.pk], actor)
        move_shipment(shipment, Shipment.Status.IN_TRANSIT, actor)
    home = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
                           destination=kharkiv, quantity=1)
    planned = factories.shipment(ukraine_appeal, kharkiv)
    add_offers(planned, [home.pk], actor)
    with days_ago(30):
        # Its labels were printed long ago, but it has not left.
        Unit.objects.create(offer=home, serial=1)
    client.force_login(coordinator)

    page = client.get(reverse("pledges:units_not_moving"))

    assert f'data-unit="{left.number}/1"' in page.text
    assert f'data-unit="{home.number}/1"' not in page.text


def test_the_coordinators_start_page_counts_them_and_others_do_not_see_it(client, coordinator, finance, units):
    with days_ago(20):
        record_step(units[0], "received")
    client.force_login(coordinator)

    start = client.get(reverse("pledges:home"))

    assert 'data-count="units_not_moving">1<' in start.text
    assert reverse("pledges:units_not_moving") in start.text
    client.force_login(finance)
    assert 'data-count="units_not_moving"' not in client.get(reverse("pledges:home")).text


def test_municipal_staff_may_not_see_the_list(client, almere_staff):
    client.force_login(almere_staff)
    assert client.get(reverse("pledges:units_not_moving")).status_code == 403
