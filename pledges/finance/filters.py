from __future__ import annotations

import re

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pledges.core.filters import DateInput, EuroFilter
from pledges.finance.matching import PLEDGE_NUMBER, fund_accounts
from pledges.finance.models import BankStatement, Payment


class PaymentFilter(django_filters.FilterSet):
    """Bank lines by state, statement, date, amount and a search box; the list finance works through."""

    STATES = (
        ("open", _("To match")),
        ("matched", _("Matched to a pledge")),
        ("gift", _("Gift without pledge")),
        ("voided", _("voided")),
        ("other", _("Not for pledges (debits, other accounts)")),
        ("all", _("All lines")),
    )

    state = django_filters.ChoiceFilter(
        label=_("Show"), choices=STATES, method="filter_state", empty_label=None
    )
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        max_length=100,
        help_text=_("Name, IBAN, description, reference or pledge number."),
    )
    statement = django_filters.ModelChoiceFilter(
        label=_("Statement"),
        queryset=BankStatement.objects.order_by("-to_date", "-id"),
        empty_label=_("All statements"),
    )
    booked_from = django_filters.DateFilter(
        label=_("Booked from"), field_name="booking_date", lookup_expr="gte", widget=DateInput()
    )
    booked_until = django_filters.DateFilter(
        label=_("Booked until"), field_name="booking_date", lookup_expr="lte", widget=DateInput()
    )
    amount_min = EuroFilter(label=_("Amount from"), field_name="amount_cents", lookup_expr="gte")
    amount_max = EuroFilter(label=_("Amount up to"), field_name="amount_cents", lookup_expr="lte")

    class Meta:
        model = Payment
        fields: list[str] = []

    def __init__(self, data=None, *args, **kwargs):
        data = data.copy() if data is not None else None
        if data is not None and not data.get("state"):
            data["state"] = "open"
        super().__init__(data if data is not None else {"state": "open"}, *args, **kwargs)

    def filter_state(self, queryset: QuerySet[Payment], name: str, value: str) -> QuerySet[Payment]:
        if value == "open":
            return queryset.unmatched()
        if value == "matched":
            # A split line pays its pledges through its parts.
            return queryset.filter(Q(donation__isnull=False) | Q(match_method=Payment.Method.SPLIT))
        if value == "voided":
            return queryset.filter(match_method=Payment.Method.VOIDED)
        if value == "gift":
            return queryset.gifts()
        if value == "other":
            accounts = fund_accounts()
            return queryset.filter(
                Q(amount_cents__lte=0) | ~Q(account_iban__in=accounts) | ~Q(currency="EUR")
            )
        return queryset

    def search(self, queryset: QuerySet[Payment], name: str, value: str) -> QuerySet[Payment]:
        value = value.strip()
        if not value:
            return queryset
        number = PLEDGE_NUMBER.match(value)
        if number:
            pk = int(number.group(1))
            return queryset.filter(Q(donation_id=pk) | Q(parts__donation_id=pk))
        compact = re.sub(r"\s+", "", value).upper()
        return queryset.filter(
            Q(counterparty_name__icontains=value)
            | Q(counterparty_iban=compact)
            | Q(remittance__icontains=value)
            | Q(structured_reference=compact)
            | Q(end_to_end_id__icontains=value)
        )
