

from django.db.models import QuerySet

from pledges.accounts.models import User
from pledges.reference.models import Municipality


def visible_municipalities(user: User) -> QuerySet[Municipality]:
    """The municipalities whose contributions `user` may see: their own, or all for fund staff."""
    if user.is_fund_staff:
        return Municipality.objects.all()
    if user.is_municipal_staff and user.municipality_id:
        return Municipality.objects.filter(pk=user.municipality_id)
    return Municipality.objects.none()
