"""Ledger tables (django-tables2). Columns select_related what they show."""


import datetime

import django_tables2 as tables
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django_tables2.rows import BoundRows

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
        if isinstance(value, datetime.datetime):
            value = timezone.localtime(value).date()
        return formats.date_format(value, "SHORT_DATE_FORMAT")


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


# Paging: the ledger tables offer these page sizes and count their rows in the query that sums them.
PAGE_SIZES = (25, 50, 100)


class CountedPaginator(Paginator):
    """A paginator over a table's rows, told its count, so the ledger counts and sums in one query.

    A page is read as a deferred join: a narrow subquery that an index answers picks the
    primary keys of the page's rows (filters, order, OFFSET), and only those rows are read
    with their joins. A deep OFFSET then skips index entries instead of building whole
    joined rows, so the last page costs about what the first does. Still one query.
    """

    def __init__(self, object_list, per_page, *, count: int, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.__dict__["count"] = count

    def page(self, number):
        rows = self.object_list  # django-tables2 BoundRows over the filtered, ordered queryset
        if not isinstance(rows, BoundRows) or not isinstance(rows.data.data, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        queryset = rows.data.data
        order = queryset.query.order_by or queryset.model._meta.ordering
        keys = queryset.order_by(*order).values("pk")[bottom : bottom + self.per_page]
        records = list(queryset.filter(pk__in=keys).order_by(*order))
        return self._get_page(BoundRows(records, table=rows.table), number, self)


def page_size(request: HttpRequest) -> int:
    """The rows per page the query string asks for (`per_page`), if it is one of PAGE_SIZES."""
    try:
        size = int(request.GET.get("per_page", PAGE_SIZES[0]))
    except ValueError:
        return PAGE_SIZES[0]
    return size if size in PAGE_SIZES else PAGE_SIZES[0]
