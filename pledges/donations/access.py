

from django.db.models import QuerySet

from pledges.accounts.models import Role, User
from pledges.donations.models import Donation


def visible_donations(user: User) -> QuerySet[Donation]:
    """The pledges `user` may see: their own municipality's, or all for fund staff."""
    if user.is_fund_staff:
        return Donation.objects.all()
    if user.is_municipal_staff and user.municipality_id:
        return Donation.objects.filter(municipality_id=user.municipality_id)
    return Donation.objects.none()


def can_pledge(user: User) -> bool:
    """Pledges are made by a municipality, so only its staff make them."""
    return user.is_municipal_staff


# Who downloads a receipt of money received (pledges/finance/receipts.py): the municipality
# for its own pledges, the fund's finance for all.
RECEIPT_ROLES = frozenset({Role.MUNICIPAL_STAFF, Role.FINANCE})


def can_download_receipts(user: User) -> bool:
    return user.role in RECEIPT_ROLES
