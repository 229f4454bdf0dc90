"""The ledger's search box: what a typed text matches, answered by an index.

A pledge number (T-…) and an RF reference go to their unique keys, an amount typed with a
euro sign (€ 250, EUR 1.250,50) to the amount index. Other text matches, case-insensitively
and anywhere inside, the municipality's name, the council decision and the contact person,
exactly as an `icontains` scan does; an index finds the candidates first:

- PostgreSQL: trigram GIN indexes (pg_trgm) on UPPER(decision_reference) and
  UPPER(contact_name), the very expressions Django's `icontains` compares, so the planner
  uses them for the unchanged query (migration 0021).
- SQLite: an FTS5 table with the trigram tokenizer over the same two columns (DONATION_SEARCH,
  migration 0021), which triggers on pledges_donation keep in step with every write, from the
  services, the admin, a bulk insert or raw SQL alike, in the writer's transaction. Its
  MATCH finds candidate rows; the `icontains` test then decides, so the results are the
  same as the scan's (FTS5 folds the case of every letter, LIKE of ASCII letters only).
  Under three characters a trigram index cannot help: the scan answers. A later migration
  that makes Django rebuild pledges_donation on SQLite (it drops the table, and so the
  triggers) must create the triggers again: tests/donations/test_search_index.py fails until then.

The municipalities are matched in their own table (342 rows), once, not per pledge.
"""

import re

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import BooleanField, F, Func, Q
from django.db.models.expressions import RawSQL

from pledges.core.money import AmountError, parse_euro
from pledges.reference.models import Municipality

PLEDGE_NUMBER = re.compile(r"^\s*T-?0*(\d{1,12})\s*$", re.IGNORECASE)
AMOUNT = re.compile(r"^\s*(€|EUR\b)", re.IGNORECASE)
# The FTS5 table of migration 0021 (SQLite only); its rowid is the pledge's id.
DONATION_SEARCH = "pledges_donation_search"
TRIGRAM = 3


class EqualsAny(Func):
    """PostgreSQL's `value = ANY(array)`: whether the array holds the value."""

    arg_joiner = " = ANY("
    template = "(%(expressions)s))"
    output_field = BooleanField()


def pledges_matching(value: str) -> Q | None:
    """The pledges the search box's `value` finds, as a filter (None: the box is empty)."""
    value = value.strip()
    if not value:
        return None
    return exact_match(value) or of_municipalities_named(value) | text(value)


def exact_match(value: str) -> Q | None:
    """The filter of a pledge number, an RF reference or an amount typed in the box; None for text to search."""
    value = value.strip()
    number = PLEDGE_NUMBER.match(value)
    if number:
        return Q(pk=int(number.group(1)))
    compact = value.replace(" ", "").upper()
    if compact.startswith("RF"):
        return Q(reference=compact)
    if AMOUNT.match(value):
        try:
            return Q(amount_cents=parse_euro(value))
        except AmountError:
            pass  # "€ abc": searched as text, as before
    return None


def municipalities_named(value: str):
    """The pks of the municipalities whose name contains `value` (any case), as a subquery."""
    return Municipality.objects.filter(name__icontains=value).values("pk")


def of_municipalities_named(value: str) -> Q:
    """Pledges of the municipalities whose name contains `value` (any case)."""
    named = municipalities_named(value)
    if connection.vendor == "postgresql":
        # "= ANY(ARRAY(subquery))" is worked out once, before the pledges are read, so an index
        # answers it beside the trigram ones (a BitmapOr); "IN (subquery)" under an OR is not.
        return Q(EqualsAny(F("municipality_id"), ArraySubquery(named)))
    return Q(municipality__in=named)


def text(value: str) -> Q:
    """Pledges whose decision or contact person contains `value` (any case)."""
    return indexed(DONATION_SEARCH, value, Q(decision_reference__icontains=value) | Q(contact_name__icontains=value))


def indexed(table: str, value: str, contains: Q) -> Q:
    """`contains` (icontains of `value`), its candidates found first by SQLite's FTS5 trigram `table`.

    On PostgreSQL the trigram GIN indexes answer `contains` itself; under three characters no
    trigram index helps and the scan answers.
    """
    if connection.vendor != "sqlite" or len(value) < TRIGRAM:
        return contains
    phrase = '"' + value.replace('"', '""') + '"'
    candidates = RawSQL(f"SELECT rowid FROM {table} WHERE {table} MATCH %s", [phrase])
    return Q(pk__in=candidates) & contains
