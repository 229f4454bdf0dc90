import pytest

from pledges.equipment.workflow import Actor
from pledges.logistics.services import add_offers, move_shipment
from pledges.models import OfferStatus, Shipment, Unit
from tests import factories


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def shipped(coordinator, almere_staff, ukraine_appeal, reference_data) -> Shipment:
    """Almere's three generators on their way to Kharkiv: the shipment departed, so each unit has its passport."""
    kharkiv = factories.destination("Kharkiv")
    generators = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
        destination=kharkiv, description="Aggregaat Pramac GSW30, 3-fase", quantity=3, power_kva="30",
    )
    shipment = factories.shipment(ukraine_appeal, kharkiv)
    actor = Actor.of(coordinator)
    add_offers(shipment, [generators.pk], actor)
    return move_shipment(shipment, Shipment.Status.IN_TRANSIT, actor)


@pytest.fixture
def units(shipped) -> list[Unit]:
    return list(Unit.objects.filter(offer__shipment=shipped).select_related("offer").order_by("serial"))
