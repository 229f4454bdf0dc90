"""A delivered shipment with its recipient organisation, as the usage report's tests start from."""

import datetime

import pytest
from django.core import mail
from django.utils import timezone

from pledges.equipment.workflow import Actor
from pledges.logistics.services import move_shipment
from pledges.models import OfferStatus, RecipientOrganisation, Shipment
from tests import factories
from tests.tasks import run_tasks

CONTACT = "gumdopomoga@kyivcity.gov.ua"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def usage_recipient(destination, **fields) -> RecipientOrganisation:
    defaults = {
        "legal_name_uk": "Київська міська рада", "legal_name_en": "Kyiv City Council", "edrpou": "32855961",
        "address": "вул. Хрещатик, 36, Київ", "contact_name": "Олена Коваль", "contact_email": CONTACT,
    }
    return RecipientOrganisation.objects.create(destination=destination, **(defaults | fields))


def usage_delivered(coordinator, staff, appeal, *, arrived_days_ago: int, recipient=True, **recipient_fields) -> Shipment:
    """A shipment to Kyiv with one generator from the staff's municipality, delivered `arrived_days_ago` days ago."""
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(appeal, kyiv)
    offer = factories.offer(
        staff.municipality, appeal, staff, status=OfferStatus.COLLECTED, destination=kyiv,
        description="Aggregaat Caterpillar 100 kVA", quantity=2,
    )
    factories.on_board(shipment, offer)
    actor = Actor.of(coordinator)
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, actor)
    move_shipment(shipment, Shipment.Status.DELIVERED, actor)
    arrived = timezone.localdate() - datetime.timedelta(days=arrived_days_ago)
    organisation = None
    if recipient:
        organisation = RecipientOrganisation.objects.filter(edrpou="32855961").first() or usage_recipient(
            kyiv, **recipient_fields)
    # Directly: the recipients helper's form sets the recipient; the arrival day is what the tests vary.
    Shipment.objects.filter(pk=shipment.pk).update(arrived_on=arrived, recipient=organisation)
    shipment.refresh_from_db()
    run_tasks()  # the municipality's mails about the moves, out of the way
    mail.outbox.clear()
    return shipment


@pytest.fixture
def delivered(coordinator, almere_staff, ukraine_appeal) -> Shipment:
    """Delivered ten days ago: its report is due in 80 days."""
    return usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=10)
