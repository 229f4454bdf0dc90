
import re

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from pledges.accounts.filters import MunicipalityScopeMixin
from pledges.core.fields import FastSelect
from pledges.core.filters import DateInput, DayRangeMixin, ListedModelChoiceFilter
from pledges.donations import search
from pledges.equipment.models import Category, EquipmentOffer, OfferStatus
from pledges.reference.models import Appeal, Destination, Municipality, Province

OFFER_NUMBER = re.compile(r"^\s*M-?0*(\d{1,12})\s*$", re.IGNORECASE)
# The FTS5 table of the offers' descriptions (SQLite only, migration 0028); its rowid is the offer's id.
OFFER_SEARCH = "pledges_offer_search"


class OfferFilter(MunicipalityScopeMixin, DayRangeMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Offer number (M-000123), description or municipality."),
        max_length=100,
    )
    appeal = ListedModelChoiceFilter(
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
    destination = django_filters.ChoiceFilter(
        label=_("Destination"),
        field_name="destination_id",
        # (pk, name) pairs as the municipalities': no model instance per option on every page.
        choices=lambda: Destination.objects.values_list("pk", "name_nl"),
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
        return queryset.filter(described(value) | search.of_municipalities_named(value))


def described(value: str) -> Q:
    """Offers whose description contains `value` (any case), found by an index (trigram GIN on
    PostgreSQL, FTS5 on SQLite: migration 0031)."""
    return search.indexed(OFFER_SEARCH, value, Q(description__icontains=value))
