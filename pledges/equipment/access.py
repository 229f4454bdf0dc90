

from django.db.models import QuerySet

from pledges.accounts.models import User
from pledges.equipment.models import EquipmentOffer


def visible_offers(user: User) -> QuerySet[EquipmentOffer]:
    """The equipment offers `user` may see: their own municipality's, or all for fund staff."""
    if user.is_fund_staff:
        return EquipmentOffer.objects.all()
    if user.is_municipal_staff and user.municipality_id:
        return EquipmentOffer.objects.filter(municipality_id=user.municipality_id)
    return EquipmentOffer.objects.none()
