"""Ledger tables (django-tables2). Columns select_related what they show."""

import datetime

import django_tables2 as tables
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext

from pledges.core.keyset import KeysetPaginator
from pledges.core.money import format_euro


class EuroColumn(tables.Column):
    """Integer cents shown as euro in the reader's language."""

    attrs = {"td": {"class": "num"}, "th": {"class": "num"}}

    def render(self, value) -> str:
        return format_euro(value)


class LocalDateColumn(tables.Column):
    """A date (or a timestamp, as a local date) in the reader's short date format.

    django-tables2's DateColumn compiles a template for every cell; this formats directly.
    """

    def render(self, value) -> str:
        return short_date(value)


# How a cell reads, for the tables whose rows are written out (their templates or their rows_html).
EMPTY = "—"  # an empty cell, as django-tables2's default


def short_date(value: datetime.date | datetime.datetime) -> str:
    """A date, or a timestamp as its local date, in the reader's short date format."""
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value).date()
    return formats.date_format(value, "SHORT_DATE_FORMAT")


_CHOICE_LABELS: dict = {}


def choice_label(obj, field_name: str):
    """`obj.get_<field>_display()`, from a value → label map built once per field.

    Django's get_FOO_display rebuilds that map on every call (~0.1 ms); a table page
    calls it for two columns of every row.
    """
    field = obj._meta.get_field(field_name)
    labels = _CHOICE_LABELS.get(field)
    if labels is None:
        labels = _CHOICE_LABELS[field] = dict(field.flatchoices)
    value = getattr(obj, field.attname)
    return labels.get(value, value)


class LedgerTable(tables.Table):
    """A table whose rows that sort alike are ordered by primary key too.

    Sorted by amount or status alone, equal rows come in whatever order the database
    returns them, which may differ between one page's query and the next: a row could
    show on two pages or on none, and the export differ from the screen. The tie is
    broken in the direction of the first sort key, so "newest first" stays so.
    """

    @property
    def order_by(self):
        return tables.Table.order_by.fget(self)

    @order_by.setter
    def order_by(self, value) -> None:
        tables.Table.order_by.fset(self, value)
        queryset = getattr(self.data, "data", None)
        if not isinstance(queryset, QuerySet):
            return
        order = list(queryset.query.order_by)
        if order and not (isinstance(order[-1], str) and order[-1].lstrip("-") in ("pk", "id")):
            descending = isinstance(order[0], str) and order[0].startswith("-")
            self.data.data = queryset.order_by(*order, "-pk" if descending else "pk")


class SelectColumn(tables.CheckBoxColumn):
    """A checkbox per row for bulk actions; each box is labelled with the row it selects."""

    def __init__(self, *, field_name: str, **kwargs):
        attrs = {
            "td__input": {
                "name": field_name,
                "aria-label": lambda record: gettext("Select %(number)s") % {"number": record.number},
            }
        }
        super().__init__(attrs=attrs, exclude_from_export=True, **kwargs)

    @property
    def header(self):
        return format_html('<span class="visually-hidden">{}</span>', gettext("Select"))


NOWRAP = {"td": {"class": "nowrap"}}
NUM = {"td": {"class": "num"}, "th": {"class": "num"}}


# Paging: the ledger tables offer these page sizes and page by key (pledges/core/keyset.py).
PAGE_SIZES = (25, 50, 100)


def paginate(table: tables.Table, request: HttpRequest, *, count: int) -> None:
    """Give `table` the page the request asks for (cursor, page number or the first).

    `count` is what the totals know already (the ledger's from its running sums), so paging counts nothing.
    """
    paginator = KeysetPaginator(table, page_size(request), count=count, query=request.GET)
    table.paginator, table.page = paginator, paginator.page()


def page_size(request: HttpRequest) -> int:
    """The rows per page the query string asks for (`per_page`), if it is one of PAGE_SIZES."""
    try:
        size = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]
