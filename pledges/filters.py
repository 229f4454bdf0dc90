"""Filters for the ledger tables; the export of a list uses the same filter."""

import datetime
import re

import django_filters
from django import forms
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.forms.fields import EuroField, FastSelect
from pledges.models import (
    Appeal,
    Category,
    Destination,
    Donation,
    EquipmentOffer,
    Municipality,
    OfferStatus,
    Province,
    Shipment,
    User,
)

PLEDGE_NUMBER = re.compile(r"^\s*T-?0*(\d{1,12})\s*$", re.IGNORECASE)
OFFER_NUMBER = re.compile(r"^\s*M-?0*(\d{1,12})\s*$", re.IGNORECASE)


class EuroFilter(django_filters.Filter):
    field_class = EuroField


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self):
        super().__init__(format="%Y-%m-%d")


def start_of_day(day: datetime.date) -> datetime.datetime:
    """Midnight in the fund's time zone, so a date range can use the timestamp index."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


class DayRangeMixin:
    """Filter a timestamp by whole local days: `from_day` includes, `until_day` includes the day."""

    def from_day(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(**{f"{name}__gte": start_of_day(value)})

    def until_day(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        next_day = value + datetime.timedelta(days=1)
        return queryset.filter(**{f"{name}__lt": start_of_day(next_day)})


class MunicipalityScopeMixin:
    """The province and municipality filters: for fund staff only, province without a join."""

    def __init__(self, *args, user: User, **kwargs):
        super().__init__(*args, **kwargs)
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


class DonationFilter(MunicipalityScopeMixin, DayRangeMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Pledge number, RF reference, municipality, decision or contact person."),
        max_length=100,
    )
    appeal = django_filters.ModelChoiceFilter(
        label=_("Appeal"), queryset=Appeal.objects.all(), empty_label=_("All appeals")
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Donation.Status.choices, empty_label=_("All statuses")
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    province = django_filters.ChoiceFilter(
        label=_("Province"),
        method="filter_province",
        choices=Province.choices,
        empty_label=_("All provinces"),
    )
    # (pk, name) pairs read per form: 342 model instances would cost ~3 ms a page.
    municipality = django_filters.ChoiceFilter(
        label=_("Municipality"),
        field_name="municipality_id",
        choices=lambda: Municipality.objects.order_by("name").values_list("pk", "name"),
        empty_label=_("All municipalities"),
        widget=FastSelect,
    )
    pledged_from = django_filters.DateFilter(
        label=_("Pledged from"), field_name="created_at", method="from_day", widget=DateInput()
    )
    pledged_until = django_filters.DateFilter(
        label=_("Pledged until"), field_name="created_at", method="until_day", widget=DateInput()
    )
    amount_min = EuroFilter(label=_("Amount from"), field_name="amount_cents", lookup_expr="gte")
    amount_max = EuroFilter(label=_("Amount up to"), field_name="amount_cents", lookup_expr="lte")

    class Meta:
        model = Donation
        fields: list[str] = []

    def search(self, queryset: QuerySet[Donation], name: str, value: str) -> QuerySet[Donation]:
        value = value.strip()
        if not value:
            return queryset
        number = PLEDGE_NUMBER.match(value)
        if number:
            return queryset.filter(pk=int(number.group(1)))
        compact = value.replace(" ", "").upper()
        if compact.startswith("RF"):
            return queryset.filter(reference=compact)
        # Matching municipalities are looked up once (342 rows), not joined per pledge.
        return queryset.filter(
            Q(municipality__in=Municipality.objects.filter(name__icontains=value).values("pk"))
            | Q(decision_reference__icontains=value)
            | Q(contact_name__icontains=value)
        )

    def filter_overdue(self, queryset: QuerySet[Donation], name: str, value: bool):
        return queryset.overdue() if value else queryset


class OfferFilter(MunicipalityScopeMixin, DayRangeMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Offer number (M-000123), description or municipality."),
        max_length=100,
    )
    appeal = django_filters.ModelChoiceFilter(
        label=_("Appeal"),
        queryset=Appeal.objects.exclude(accepts=Appeal.Accepts.MONEY),
        empty_label=_("All appeals"),
        widget=FastSelect,
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=OfferStatus.choices, empty_label=_("All statuses"), widget=FastSelect
    )
    category = django_filters.ChoiceFilter(
        label=_("Category"), choices=Category.choices, empty_label=_("All categories"), widget=FastSelect
    )
    province = django_filters.ChoiceFilter(
        label=_("Province"),
        method="filter_province",
        choices=Province.choices,
        empty_label=_("All provinces"),
        widget=FastSelect,
    )
    # As the ledger's: (pk, name) pairs, written out by FastSelect.
    municipality = django_filters.ChoiceFilter(
        label=_("Municipality"),
        field_name="municipality_id",
        choices=lambda: Municipality.objects.order_by("name").values_list("pk", "name"),
        empty_label=_("All municipalities"),
        widget=FastSelect,
    )
    destination = django_filters.ModelChoiceFilter(
        label=_("Destination"),
        queryset=Destination.objects.all(),
        empty_label=_("All destinations"),
        widget=FastSelect,
    )
    offered_from = django_filters.DateFilter(
        label=_("Offered from"), field_name="created_at", method="from_day", widget=DateInput()
    )
    offered_until = django_filters.DateFilter(
        label=_("Offered until"), field_name="created_at", method="until_day", widget=DateInput()
    )

    class Meta:
        model = EquipmentOffer
        fields: list[str] = []

    def search(self, queryset: QuerySet[EquipmentOffer], name: str, value: str) -> QuerySet[EquipmentOffer]:
        value = value.strip()
        if not value:
            return queryset
        number = OFFER_NUMBER.match(value)
        if number:
            return queryset.filter(pk=int(number.group(1)))
        # Matching municipalities are looked up once (342 rows), not joined per offer.
        return queryset.filter(
            Q(description__icontains=value)
            | Q(municipality__in=Municipality.objects.filter(name__icontains=value).values("pk"))
        )



class ShipmentFilter(django_filters.FilterSet):
    """The shipments page's one filter; its export uses the same."""

    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Shipment.Status.choices, empty_label=_("All")
    )

    class Meta:
        model = Shipment
        fields: list[str] = []
