"""Filters for the ledger tables; the export of a list uses the same filter."""


import datetime

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from pledges.core.fields import EuroField, ListedChoices


class EuroFilter(django_filters.Filter):
    field_class = EuroField


class _ListedFilterChoices(django_filters.fields.ModelChoiceIterator, ListedChoices):
    """django-filter's choices (its null choice after the empty one) read in one query."""


class _ListedFilterChoiceField(django_filters.fields.ModelChoiceField):
    iterator = _ListedFilterChoices


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A ModelChoiceFilter whose options are read in one query (pledges.core.fields.ListedChoices)."""

    field_class = _ListedFilterChoiceField


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
