

from django.db.models import QuerySet

from pledges.accounts.models import User
from pledges.reference.models import Municipality


class MunicipalityScopeMixin:
    """The province and municipality filters: for fund staff only, province without a join."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user  # whose rows these are (the ledger's totals read their summary)
        if not user.is_fund_staff:
            # A municipality sees only itself: these filters would offer nothing.
            del self.filters["province"]
            del self.filters["municipality"]

    def filter_province(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # "municipality_id IN (the province's municipalities)": no join, and the
        # (municipality, status, -created_at) index applies, with or without statistics.
        return queryset.filter(
            municipality__in=Municipality.objects.filter(province=value).values("pk")
        )
