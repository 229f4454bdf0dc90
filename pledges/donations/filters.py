
import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from pledges.accounts.filters import MunicipalityScopeMixin
from pledges.core.fields import FastSelect
from pledges.core.filters import DateInput, DayRangeMixin, EuroFilter, ListedModelChoiceFilter
from pledges.donations import search
from pledges.donations.models import Donation
from pledges.reference.models import Appeal, Municipality, Province


class DonationFilter(MunicipalityScopeMixin, DayRangeMixin, django_filters.FilterSet):
    q = django_filters.CharFilter(
        label=_("Search"),
        method="search",
        help_text=_("Pledge number, RF reference, amount (€ 250), municipality, decision or contact person."),
        max_length=100,
    )
    # Every select written out by FastSelect: Django's option template costs about 1 ms a select.
    appeal = ListedModelChoiceFilter(
        label=_("Appeal"), queryset=Appeal.objects.all(), empty_label=_("All appeals"), widget=FastSelect
    )
    status = django_filters.ChoiceFilter(
        label=_("Status"), choices=Donation.Status.choices, empty_label=_("All statuses"), widget=FastSelect
    )
    overdue = django_filters.BooleanFilter(
        label=_("Only overdue"), method="filter_overdue", widget=forms.CheckboxInput
    )
    province = django_filters.ChoiceFilter(
        label=_("Province"),
        method="filter_province",
        choices=Province.choices,
        empty_label=_("All provinces"),
        widget=FastSelect,
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
        found = search.pledges_matching(value)
        return queryset if found is None else queryset.filter(found)

    def filter_overdue(self, queryset: QuerySet[Donation], name: str, value: bool):
        return queryset.overdue() if value else queryset
