

from django.db.models import QuerySet

from pledges.accounts.models import Role, User
from pledges.donations.models import Donation


def visible_donations(user: User) -> QuerySet[Donation]:
    """The pledges `user` may see: their own municipality's, or all for fund staff."""
    return visible(user, Donation.objects.all())


def visible(user: User, rows: QuerySet) -> QuerySet:
    """Of `rows` (pledges, or their summary: rows with a municipality) those `user` may see."""
    if user.is_fund_staff:
        return rows
    if user.is_municipal_staff and user.municipality_id:
        return rows.filter(municipality_id=user.municipality_id)
    return rows.none()


def can_pledge(user: User) -> bool:
    """Pledges are made by a municipality, so only its staff make them."""
    return user.is_municipal_staff


# Who downloads a receipt of money received (pledges/finance/receipts.py): the municipality
# for its own pledges, the fund's finance for all.
RECEIPT_ROLES = frozenset({Role.MUNICIPAL_STAFF, Role.FINANCE})


def can_download_receipts(user: User) -> bool:
    return user.role in RECEIPT_ROLES
