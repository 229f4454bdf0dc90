"""Which shipments a user may see: all for fund staff; for a municipality's staff, those carrying its offers."""

from django.db.models import Exists, OuterRef, QuerySet

from pledges.accounts.models import User
from pledges.equipment.models import EquipmentOffer
from pledges.logistics.models import Shipment


def visible_shipments(user: User) -> QuerySet[Shipment]:
    if user.is_fund_staff:
        return Shipment.objects.all()
    if user.is_municipal_staff and user.municipality_id:
        own = EquipmentOffer.objects.filter(shipment=OuterRef("pk"), municipality_id=user.municipality_id)
        return Shipment.objects.filter(Exists(own))
    return Shipment.objects.none()


def offers_shown(user: User, shipment: Shipment) -> QuerySet[EquipmentOffer]:
    """The offers on `shipment` that `user` sees: all for fund staff, only their municipality's for its staff."""
    offers = shipment.offers.all()
    return offers if user.is_fund_staff else offers.filter(municipality_id=user.municipality_id)
