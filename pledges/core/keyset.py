"""Keyset (seek) pages for the ledger tables: no page reads the rows before it.

A page is found from the row next to it, not by counting: "the 25 rows after (created_at,
id) = (…, 81234)" is an index range, as cheap on the last page as on the first, where
OFFSET 99,975 reads and drops 99,975 rows. The table's sort key plus the primary key (which
LedgerTable appends) orders the rows totally, so a row is on exactly one page.

The position travels in the URL as a signed cursor (`cursor=`): the sort it was made for,
the key values of the row next to the page, the direction and the page number it leads
to. A cursor that does not verify, was made for another sort, or holds values the fields
refuse is ignored: the first page is shown, never an error.

First and last page need no cursor (the last is the first of the reversed order), and a
page number (`page=`) is read by OFFSET from whichever end is nearer, which the pager
offers only where that skips at most CHEAP_OFFSET rows; a deep number typed into the URL
still works, it just costs what OFFSET costs.

NULLs sort as the largest value on every database (PostgreSQL's default, the opposite of
SQLite's), so a nullable column pages alike on both and the seek condition can say where
they are.
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.core import signing
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db.models import F, Field, Model, Q, QuerySet
from django.db.models.expressions import OrderBy
from django.db.models.sql.where import WhereNode
from django.http import QueryDict
from django_tables2 import Table
from django_tables2.rows import BoundRows

CURSOR_SALT = "pledges.core.keyset"
# A page number is offered as a link when reaching it skips at most this many rows.
CHEAP_OFFSET = 1000
# Page numbers shown either side of the current one.
NEIGHBOURS = 2


class InvalidCursor(Exception):
    """A cursor that does not verify or does not fit the table's sort."""


@dataclass(frozen=True)
class SortKey:
    """One column of the order: a field path (``municipality__name``), its direction, its field."""

    path: str
    descending: bool
    field: Field
    nullable: bool

    def order(self, *, reverse: bool = False) -> OrderBy | str:
        descending = self.descending != reverse
        if not self.nullable:
            # Plain, so the database may walk an index in this order.
            return f"-{self.path}" if descending else self.path
        expression = F(self.path)
        return expression.desc(nulls_first=True) if descending else expression.asc(nulls_last=True)

    def after(self, value, *, reverse: bool = False) -> Q | None:
        """Rows whose key comes strictly after `value` in this key's order (None: no row can)."""
        descending = self.descending != reverse
        if value is None:
            # NULL is the largest: nothing follows it going up; everything else, going down.
            return Q(**{f"{self.path}__isnull": False}) if descending else None
        beyond = Q(**{f"{self.path}__{'lt' if descending else 'gt'}": value})
        if self.nullable and not descending:
            beyond |= Q(**{f"{self.path}__isnull": True})
        return beyond

    def bound(self, value, *, reverse: bool = False) -> Q | None:
        """The same or later, as a plain range the index can seek to (None when it is not one)."""
        descending = self.descending != reverse
        if value is None or (self.nullable and not descending):
            return None
        return Q(**{f"{self.path}__{'lte' if descending else 'gte'}": value})

    def equal(self, value) -> Q:
        return Q(**{f"{self.path}__isnull": True}) if value is None else Q(**{self.path: value})

    def read(self, record: Model):
        """This key's value on a row, following the joins the table already made."""
        value = record
        for name in self.path.split("__"):
            value = value.pk if name == "pk" else getattr(value, name)
            if value is None:
                return None
        if isinstance(value, Model):
            return value.pk
        return value


def sort_keys(queryset: QuerySet) -> list[SortKey] | None:
    """The order of `queryset` as field paths, or None when it is not one (an expression)."""
    order = list(queryset.query.order_by or queryset.model._meta.ordering)
    keys = []
    for item in order:
        if not isinstance(item, str) or item == "?":
            return None
        path = item.lstrip("-")
        try:
            field, nullable = _resolve(queryset.model, path)
        except FieldDoesNotExist:
            return None  # an annotation: not a column the cursor can name
        keys.append(SortKey(path, item.startswith("-"), field, nullable))
    if not keys or keys[-1].field is not queryset.model._meta.pk:
        return None  # without the primary key last, equal rows have no order to seek in
    return keys


def _resolve(model: type[Model], path: str) -> tuple[Field, bool]:
    """The field at the end of `path` and whether it can be NULL (itself or a relation on the way)."""
    nullable = False
    parts = path.split("__")
    for index, name in enumerate(parts):
        field = model._meta.pk if name == "pk" else model._meta.get_field(name)
        nullable = nullable or field.null
        if field.is_relation and index + 1 < len(parts):
            model = field.related_model
        elif index + 1 < len(parts):
            raise FieldDoesNotExist(path)
    if field.is_relation:
        field = field.target_field
    return field, nullable


def seek(keys: Sequence[SortKey], values: Sequence, *, reverse: bool = False) -> Q | None:
    """Rows after the row with these key values, in the order of `keys` (reversed: before it)."""
    alternatives = Q()
    any_alternative = False
    for index, key in enumerate(keys):
        beyond = key.after(values[index], reverse=reverse)
        if beyond is None:
            continue
        same_before = Q()
        for earlier, value in zip(keys[:index], values[:index], strict=True):
            same_before &= earlier.equal(value)
        alternatives |= same_before & beyond
        any_alternative = True
    if not any_alternative:
        return None
    bound = keys[0].bound(values[0], reverse=reverse)
    return alternatives if bound is None else bound & alternatives


def _encode(value):
    if isinstance(value, datetime.date):  # datetime too: isoformat keeps microseconds and offset
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    return value


def make_cursor(keys: Sequence[SortKey], record: Model, *, backwards: bool, number: int) -> str:
    return signing.dumps(
        {
            "sort": [f"-{key.path}" if key.descending else key.path for key in keys],
            "values": [_encode(key.read(record)) for key in keys],
            "back": backwards,
            "page": number,
        },
        salt=CURSOR_SALT,
        compress=True,
    )


def read_cursor(token: str, keys: Sequence[SortKey]) -> tuple[list, bool, int]:
    """The key values, direction and page number of a cursor made for this sort."""
    try:
        data = signing.loads(token, salt=CURSOR_SALT)
        sort, raw, backwards, number = data["sort"], data["values"], data["back"], data["page"]
        if sort != [f"-{key.path}" if key.descending else key.path for key in keys] or len(raw) != len(keys):
            raise InvalidCursor
        if not isinstance(number, int) or not isinstance(backwards, bool):
            raise InvalidCursor
        values = [None if value is None else key.field.to_python(value) for key, value in zip(keys, raw, strict=True)]
    except (signing.BadSignature, ValidationError, KeyError, TypeError, ValueError) as error:
        raise InvalidCursor from error
    if keys[-1].field.primary_key and values[-1] is None:
        raise InvalidCursor
    return values, backwards, number


@dataclass
class PageLink:
    label: str
    query: str  # the query string of the link, without "?"
    current: bool = False


class KeysetPage:
    """One page of a table: its rows (django-tables2 BoundRows), where it is and where it leads."""

    is_keyset = True  # templates/tables/table.html shows templates/tables/keyset_pager.html for it

    def __init__(self, paginator: KeysetPaginator, records: list, number: int, *, has_previous: bool, has_next: bool):
        self.paginator = paginator
        self.object_list = BoundRows(records, table=paginator.table)
        self.records = records
        self.number = number
        self._has_previous = has_previous
        self._has_next = has_next

    def __len__(self) -> int:
        return len(self.records)

    def __bool__(self) -> bool:
        return True  # django-tables2 shows `page.object_list` when there is a page, empty or not

    def has_previous(self) -> bool:
        return self._has_previous

    def has_next(self) -> bool:
        return self._has_next

    def has_other_pages(self) -> bool:
        return self._has_previous or self._has_next

    @property
    def first_link(self) -> str:
        return self.paginator.query_for(page=1)

    @property
    def last_link(self) -> str:
        return self.paginator.query_for(page="last")

    @property
    def previous_link(self) -> str:
        if not self._has_previous:
            return ""
        if self.number == 2 or not self.records:
            return self.first_link
        return self.paginator.cursor_query(self.records[0], backwards=True, number=self.number - 1)

    @property
    def next_link(self) -> str:
        if not self._has_next:
            return ""
        if self.number + 1 == self.paginator.num_pages:
            return self.last_link
        return self.paginator.cursor_query(self.records[-1], backwards=False, number=self.number + 1)

    def number_links(self) -> list[PageLink | None]:
        """Page numbers around this one that are cheap to reach, with None for a gap."""
        paginator = self.paginator
        wanted = {1, paginator.num_pages}
        wanted.update(range(self.number - NEIGHBOURS, self.number + NEIGHBOURS + 1))
        numbers = sorted(n for n in wanted if 1 <= n <= paginator.num_pages and (n == self.number or paginator.is_cheap(n)))
        links: list[PageLink | None] = []
        for n in numbers:
            if links and links[-1] is not None and int(links[-1].label) + 1 != n:
                links.append(None)
            links.append(PageLink(str(n), paginator.query_for(page=n), current=n == self.number))
        return links


class KeysetPaginator:
    """Pages of a table's rows by the key of the row next to them; see the module's docstring.

    `count` is the number of rows (for "page 3 of 40" and to align the last page with the
    others); it is given, not counted here: see pledges.core.tables.paginate.
    """

    def __init__(self, table: Table, per_page: int, *, count: int, query: QueryDict,
                 page_field: str = "page", cursor_field: str = "cursor"):
        self.table = table
        self.queryset: QuerySet = table.data.data
        self.per_page = per_page
        self.count = count
        self.num_pages = max(1, math.ceil(count / per_page))
        self.query = query
        self.page_field, self.cursor_field = page_field, cursor_field
        self.keys = sort_keys(self.queryset)

    # --- links ---------------------------------------------------------------------------

    def query_for(self, **params) -> str:
        query = self.query.copy()
        for name in (self.page_field, self.cursor_field):
            query.pop(name, None)
        for name, value in params.items():
            query[self.page_field if name == "page" else self.cursor_field] = str(value)
        return query.urlencode()

    def cursor_query(self, record: Model, *, backwards: bool, number: int) -> str:
        if self.keys is None:
            return self.query_for(page=number)
        return self.query_for(cursor=make_cursor(self.keys, record, backwards=backwards, number=number))

    def is_cheap(self, number: int) -> bool:
        """Whether page `number` is reached by skipping at most CHEAP_OFFSET rows from an end."""
        return min(self._skipped_from_start(number), self._skipped_from_end(number)) <= CHEAP_OFFSET

    def _skipped_from_start(self, number: int) -> int:
        return (number - 1) * self.per_page

    def _skipped_from_end(self, number: int) -> int:
        return max(self.count - number * self.per_page, 0)

    # --- pages ---------------------------------------------------------------------------

    def page(self) -> KeysetPage:
        """The page the query string asks for: by cursor, by number (or "last"), else the first."""
        token = self.query.get(self.cursor_field)
        if token and self.keys is not None:
            try:
                values, backwards, number = read_cursor(token, self.keys)
            except InvalidCursor:
                return self.numbered(1)
            return self.seek(values, backwards=backwards, number=number)
        requested = self.query.get(self.page_field, "1")
        if requested == "last":
            return self.numbered(self.num_pages)
        try:
            number = int(requested)
        except ValueError:
            return self.numbered(1)
        # Out of range shows the nearest page rather than an error, as Paginator.get_page does.
        return self.numbered(min(max(number, 1), self.num_pages))

    def numbered(self, number: int) -> KeysetPage:
        """Page `number` by OFFSET from the nearer end (page 1 and the last: no OFFSET at all)."""
        end = min(number * self.per_page, self.count)
        size = max(end - self._skipped_from_start(number), 0)
        if number == 1:
            records = self._read(self._ordered(), 0, self.per_page)
        elif self.keys is not None and self._skipped_from_end(number) < self._skipped_from_start(number):
            skipped = self._skipped_from_end(number)
            records = self._read(self._ordered(reverse=True), skipped, size)[::-1]
        else:
            records = self._read(self._ordered(), self._skipped_from_start(number), size)
        return KeysetPage(self, records, number, has_previous=number > 1, has_next=number < self.num_pages)

    def seek(self, values: list, *, backwards: bool, number: int) -> KeysetPage:
        """The page after (or, backwards, before) the row with these key values."""
        condition = seek(self.keys, values, reverse=backwards)
        if condition is None:  # nothing can come after that row
            return self.numbered(1 if backwards else self.num_pages)
        rows = self._read(self._ordered(reverse=backwards).filter(condition), 0, self.per_page + 1)
        more = len(rows) > self.per_page
        records = rows[: self.per_page]
        if backwards:
            if not more:
                return self.numbered(1)  # reached the start: the first page, full
            records.reverse()
            return KeysetPage(self, records, max(min(number, self.num_pages - 1), 2), has_previous=True, has_next=True)
        if not records:
            return self.numbered(self.num_pages)  # the rows after it are gone
        number = min(max(number, 2), self.num_pages)
        return KeysetPage(self, records, number, has_previous=True, has_next=more)

    def _ordered(self, *, reverse: bool = False) -> QuerySet:
        if self.keys is None:
            return self.queryset
        return self.queryset.order_by(*(key.order(reverse=reverse) for key in self.keys))

    def _read(self, queryset: QuerySet, offset: int, size: int) -> list:
        """The rows of `queryset` from `offset`, `size` of them (a page), in two steps.

        First the page's keys by a narrow query (skipping index entries for an OFFSET, sorting
        only keys); then those rows, by key alone. Reading whole rows at once, SQLite joined
        and sorted all 18,469 matches of a search for "dam" at a million pledges before taking
        25 (66 ms; now 10). The second query does not repeat the filters: given them, SQLite
        walks the index of one of them (every pledge of a status) instead of the 25 keys.
        """
        keys = list(queryset.values_list("pk", flat=True)[offset : offset + size])
        rows = queryset.all()
        rows.query.where = WhereNode()
        # A filter's join that is not one-to-one would repeat a row now that its condition is gone.
        found, seen = [], set()
        for row in rows.filter(pk__in=keys):
            if row.pk not in seen:
                seen.add(row.pk)
                found.append(row)
        return found
