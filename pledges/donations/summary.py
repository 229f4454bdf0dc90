"""Totals of the pledges that do not scan them: read from DonationSummary, kept by triggers.

Four levels, each kept by its own triggers: per appeal, municipality, status, month pledged
and month due (DonationSummary), and three coarser ones that read a few hundred or thousand
rows at any size: per month without municipalities (DonationSummaryByMonth), per
municipality without months (DonationSummaryByMunicipality) and per day due without
either (DonationSummaryByDueDate: the overdue pledges of fund staff's ledger and of the
appeal dashboard). `_level()` picks the coarsest that answers a filter.

`count_and_totals(filterset)` is what a ledger page shows above its table (and how many
rows its pager pages through). The filters the summary can answer (appeal, status,
province, municipality, pledged from/until on whole months, overdue) read it; a text
search reads it for the municipalities it names; any other filter (an amount range, a date
inside a month) sums the pledge rows, at most `settings.LEDGER_TOTALS_ROW_LIMIT` of them,
and then says the totals are a lower bound.

`recomputed()`, `differences()` and `rebuild()` check and restore the summary from the
rows (verify_ledger names every difference).
"""

from __future__ import annotations

import datetime
import zoneinfo
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum, Value
from django.db.models.functions import Greatest, TruncMonth
from django.utils import timezone

from pledges.core.money import cents_to_euro, format_euro
from pledges.donations import search
from pledges.donations.access import visible
from pledges.donations.models import (
    _COUNTED,
    _OWING,
    Donation,
    DonationSummary,
    DonationSummaryByDueDate,
    DonationSummaryByMonth,
    DonationSummaryByMunicipality,
    ReceivedSummary,
    ReceivedSummaryByMonth,
    _money_sums,
    cumulative,
    province_rows,
)
from pledges.history.services import writing

# The filters of DonationFilter the summary answers; any other one set sums rows.
ANSWERED = frozenset({"appeal", "status", "province", "municipality", "pledged_from", "pledged_until", "overdue"})
SUMS = ("pledges", "amount_cents", "received_cents", "outstanding_cents")
RECEIVED_SUMS = ("lines", "amount_cents")


@dataclass(frozen=True)
class Totals:
    """Rows and euro of a filtered ledger; `exact` False when the rows were summed only up to the limit.

    Not exact, every figure is a lower bound ("≥"): amounts are never negative.
    """

    rows: int
    pledged: Decimal
    received: Decimal
    outstanding: Decimal
    exact: bool = True


def _totals(sums: dict, exact: bool) -> Totals:
    return Totals(sums["rows"], cents_to_euro(sums["pledged"]), cents_to_euro(sums["received"]),
                  cents_to_euro(sums["outstanding"]), exact)


def _summary_sums(buckets: QuerySet[DonationSummary]) -> dict:
    """Rows and cents of the buckets, status by status as `DonationQuerySet.totals()` counts them."""
    return buckets.aggregate(
        rows=Sum("pledges", default=0),
        pledged=Sum("amount_cents", default=0, filter=_COUNTED),
        received=Sum("received_cents", default=0, filter=_COUNTED),
        outstanding=Sum("outstanding_cents", default=0, filter=_OWING),
    )


def _row_sums(rows: QuerySet[Donation], limit: int) -> tuple[dict, bool]:
    """Rows and cents of at most `limit` rows, and whether that was all: one row more says it was not.

    Cut, the count says `limit` and the sums (of one row more, never negative) stay lower bounds.
    """
    sums = rows.order_by()[: limit + 1].aggregate(rows=Count("*"), **_money_sums())
    exact = sums["rows"] <= limit
    return sums | {"rows": min(sums["rows"], limit)}, exact


def _add(*parts: dict) -> dict:
    return {key: sum(part[key] for part in parts) for key in ("rows", "pledged", "received", "outstanding")}


def _first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _whole_months(data: dict) -> tuple[datetime.date | None, datetime.date | None] | None:
    """The months `pledged_from`/`pledged_until` cover, or None if either cuts a month."""
    start, until = data.get("pledged_from"), data.get("pledged_until")
    if start and start.day != 1:
        return None
    if until and (until + datetime.timedelta(days=1)).day != 1:
        return None
    return start, until and _first_of_month(until)


def count_and_totals(filterset, today: datetime.date | None = None) -> Totals:
    """Rows, pledged, received and outstanding of the pledges `filterset` (a DonationFilter) selects.

    From the summary when every filter set is one it answers; a text search besides them in
    part (`_searched_totals`); otherwise from the rows of `filterset.qs`, at most
    LEDGER_TOTALS_ROW_LIMIT of them (`exact` False when cut).
    """
    rows = filterset.qs
    data = set_filters(filterset)
    months = _whole_months(data)
    searched = data.get("q", "").strip()
    if (data.keys() - ANSWERED == {"q"} and months is not None and not data.get("overdue")
            and search.exact_match(searched) is None):
        return _searched_totals(filterset.user, data, months, rows, searched)
    if data.keys() - ANSWERED or months is None:
        return _totals(*_row_sums(rows, settings.LEDGER_TOTALS_ROW_LIMIT))
    if data.get("overdue") and _level(filterset.user, data) is DonationSummaryByMonth and months == (None, None):
        # Every municipality, all months pledged: the due dates' level answers it whole.
        due = narrowed(visible(filterset.user, DonationSummaryByDueDate.objects.all()), data)
        return _totals(_summary_sums(_overdue(due, today)), True)
    buckets = _in_months(narrowed(visible(filterset.user, _level(filterset.user, data).objects.all()), data), months)
    return totals(buckets, rows, overdue=bool(data.get("overdue")), today=today)


def _in_months(buckets: QuerySet, months: tuple[datetime.date | None, datetime.date | None]) -> QuerySet:
    start, last = months
    if start:
        buckets = buckets.filter(month__gte=start)
    if last:
        buckets = buckets.filter(month__lte=last)
    return buckets


def _searched_totals(user, data: dict, months, rows: QuerySet[Donation], value: str) -> Totals:
    """The totals of a text search (`rows`, with the other filters of `data` the summary answers).

    The search finds the pledges of the municipalities it names and those whose decision or
    contact person holds the text. The first, the many ("dam": Amsterdam, Rotterdam, Schiedam...),
    are read from the summary's municipalities; only the second, elsewhere, are summed from the
    rows (up to the limit), so the totals stay exact however many pledges a name has.
    """
    named = search.municipalities_named(value)
    level = DonationSummaryByMunicipality if months == (None, None) else DonationSummary
    buckets = _in_months(narrowed(visible(user, level.objects.all()), data), months).filter(municipality__in=named)
    elsewhere, exact = _row_sums(rows.filter(search.text(value)).exclude(municipality__in=named),
                                 settings.LEDGER_TOTALS_ROW_LIMIT)
    return _totals(_add(_summary_sums(buckets), elsewhere), exact)


# How a filter of a list narrows the buckets of a summary level that holds it.
_BUCKET_FILTERS = {"appeal": "appeal", "status": "status", "category": "category",
                   "municipality": "municipality_id", "province": "municipality__province"}


def narrowed(buckets: QuerySet, data: dict) -> QuerySet:
    """The buckets of the filters in `data` (cleaned values) that the level answers."""
    return buckets.filter(**{_BUCKET_FILTERS[name]: value for name, value in data.items() if name in _BUCKET_FILTERS})


def set_filters(filterset) -> dict:
    """The filters of the bound form that hold a value, cleaned."""
    return {name: value for name, value in cleaned(filterset).items() if value not in (None, "", False)}


def _level(user, data: dict) -> type[DonationSummary | DonationSummaryByMonth | DonationSummaryByMunicipality]:
    """The coarsest summary level that answers the (summary-answered) filters in `data` for `user`.

    Without municipalities the month level, for fund staff (who see every municipality);
    without months or overdue (which needs the month due) the municipality level; else the finest.
    """
    if user.is_fund_staff and not data.keys() & {"municipality", "province"}:
        return DonationSummaryByMonth
    if not data.keys() & {"pledged_from", "pledged_until", "overdue"}:
        return DonationSummaryByMunicipality
    return DonationSummary


def totals(buckets: QuerySet, rows: QuerySet[Donation], *, overdue: bool = False,
           today: datetime.date | None = None) -> Totals:
    """The totals of `rows` from `buckets`, the summary of the same pledges (same appeal, municipalities...).

    `overdue`: of those only the overdue ones (`rows` then already filtered so). The months
    before this one are due whole; of this month only the days before today, which the rows tell.
    """
    if not overdue:
        return _totals(_summary_sums(buckets), True)
    this_month = _first_of_month(today or timezone.localdate())
    past = _summary_sums(buckets.filter(status__in=Donation.OPEN_STATUSES, due_month__lt=this_month))
    recent, exact = _row_sums(rows.filter(expected_date__gte=this_month), settings.LEDGER_TOTALS_ROW_LIMIT)
    return _totals(_add(past, recent), exact)


def cleaned(filterset) -> dict:
    """The valid values of the bound filter form (those `filterset.qs` applied)."""
    if not filterset.is_bound:
        return {}
    filterset.form.is_valid()
    return getattr(filterset.form, "cleaned_data", {})


def by_province(appeal, offering: QuerySet | None = None) -> list[dict]:
    """`Donation.objects.filter(appeal=appeal).by_province(offers)` without overdue, from the summary.

    `offering`: rows with a municipality that make it take part besides its pledges (the
    offers' summary, `equipment.summary.offering`). The overdue pledges are `overdue()`'s.
    """
    return province_rows(cents_per_municipality(appeal), offering, overdue=False)


def cents_per_municipality(appeal) -> dict[int, dict]:
    """Per municipality id with pledges to `appeal`: `DonationQuerySet._cents_per_municipality` without overdue.

    From the municipality level: rows, pledges that count, and cents.
    """
    # Annotated under names of their own: the summary's columns are called as the sums are.
    per_municipality = (
        DonationSummaryByMunicipality.objects.filter(appeal=appeal)
        .values("municipality_id")
        .annotate(
            all_pledges=Sum("pledges", default=0),
            counted=Sum("pledges", default=0, filter=_COUNTED),
            pledged=Sum("amount_cents", default=0, filter=_COUNTED),
            received=Sum("received_cents", default=0, filter=_COUNTED),
            outstanding=Sum("outstanding_cents", default=0, filter=_OWING),
        )
        .filter(all_pledges__gt=0)
        .order_by()
    )
    return {row.pop("municipality_id"): row | {"pledges": row.pop("all_pledges")} for row in per_municipality}


def overdue(appeal, today: datetime.date | None = None) -> dict:
    """The appeal's overdue pledges (open, due before today) and the euro they still owe.

    From the due-date level: a row per status and day due, however many pledges there are.
    """
    sums = _overdue(DonationSummaryByDueDate.objects.filter(appeal=appeal), today).aggregate(
        overdue=Sum("pledges", default=0), outstanding=Sum("outstanding_cents", default=0)
    )
    return {"overdue": sums["overdue"], "overdue_outstanding": cents_to_euro(sums["outstanding"])}


def _overdue(due: QuerySet[DonationSummaryByDueDate], today: datetime.date | None) -> QuerySet:
    """The rows of the due-date level that hold overdue pledges: open and due before today."""
    return due.filter(status__in=Donation.OPEN_STATUSES, expected_date__lt=today or timezone.localdate())


def over_time(rows: QuerySet[Donation], pledged: QuerySet, received: QuerySet[ReceivedSummary],
              today: datetime.date | None = None, points: int = 30) -> list[dict]:
    """`rows.over_time(today, points)`, its months read from running sums instead of the rows.

    `pledged`: the buckets of a pledge level (with the month pledged in its key) holding the
    same pledges as `rows`; `received`: a level of the money received (ReceivedSummary, or
    ReceivedSummaryByMonth for a whole appeal) of the same pledges. Periods of days or
    weeks (a history of less than about `points` weeks) are summed from the rows, as before.
    Three queries either way; the first finds the oldest pledge by an index.
    """
    today = today or timezone.localdate()
    starts = rows.period_starts(today, points)
    if not all(start.day == 1 for start in starts):
        return rows.over_time(today, points)
    if not starts:
        return []
    index = {start: number for number, start in enumerate(starts)}

    def per_period(buckets: QuerySet, month: str) -> list[int]:
        cents = [0] * len(starts)
        for row in buckets.order_by().values(month).annotate(cents=Sum("amount_cents", default=0)):
            # Months before the first period fall in it, months after this one in the last, as for the rows.
            cents[0 if row[month] < starts[0] else index.get(row[month], len(starts) - 1)] += row["cents"]
        return cents

    return cumulative(starts, today, per_period(pledged.filter(_COUNTED), "month"),
                      per_period(received, "booking_month"))


# Checking and restoring the summary from the rows.

Level = type[DonationSummary | DonationSummaryByMonth | DonationSummaryByMunicipality | DonationSummaryByDueDate]
# Every level, with what verify_ledger calls it (in English, for the operator).
LEVELS: dict[Level, str] = {
    DonationSummary: "Pledge totals",
    DonationSummaryByMonth: "Pledge totals per month",
    DonationSummaryByMunicipality: "Pledge totals per municipality",
    DonationSummaryByDueDate: "Pledge totals per due date",
}
Key = tuple  # the level's key columns, in the order of its unique constraint
ReceivedLevel = type[ReceivedSummary | ReceivedSummaryByMonth]
RECEIVED_LEVELS: dict[ReceivedLevel, str] = {
    ReceivedSummary: "Money received per month",
    ReceivedSummaryByMonth: "Money received per month, all municipalities",
}


def key_of(level: Level) -> list[str]:
    """The columns of `level`'s key: those of the unique constraint its triggers add to."""
    (constraint,) = level._meta.constraints
    return [level._meta.get_field(name).attname for name in constraint.fields]


def recomputed(level: Level = DonationSummary) -> dict[Key, tuple[int, int, int, int]]:
    """The level as the pledge rows make it, months in the fund's time zone by its database."""
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    months = {"month": TruncMonth("created_at", tzinfo=zone), "due_month": TruncMonth("expected_date")}
    key = key_of(level)
    rows = (
        Donation.objects.order_by()
        .values(*(column for column in key if column not in months),
                **{column: months[column] for column in key if column in months})
        .annotate(
            pledges=Count("*"),
            amount=Sum("amount_cents"),
            received=Sum("received_cents"),
            outstanding=Sum(Greatest(F("amount_cents") - F("received_cents"), Value(0))),
        )
    )
    return {
        tuple(_as_date(row[column]) for column in key): (row["pledges"], row["amount"], row["received"], row["outstanding"])
        for row in rows
    }


def received_recomputed(level: ReceivedLevel = ReceivedSummary) -> dict[Key, tuple[int, int]]:
    """A level of the money received as the matched bank lines of the pledges that count make it."""
    key = key_of(level)
    rows = (
        Donation.objects.filter(_COUNTED, payments__isnull=False)
        .order_by()
        .values(*key[:-1], booking_month=TruncMonth("payments__booking_date"))
        .annotate(lines=Count("payments"), amount=Sum("payments__amount_cents"))
    )
    return {tuple(_as_date(row[column]) for column in key): (row["lines"], row["amount"]) for row in rows}


def _as_date(value):
    return value.date() if isinstance(value, datetime.datetime) else value


def stored(level: Level = DonationSummary, sums: tuple[str, ...] = SUMS) -> dict[Key, tuple[int, ...]]:
    """The level's rows that hold anything (any summary's, with its `sums` columns)."""
    key = key_of(level)
    rows = level.objects.exclude(**dict.fromkeys(sums, 0))
    return {tuple(row[column] for column in key): tuple(row[column] for column in sums)
            for row in rows.values(*key, *sums)}


# How a key column reads in verify_ledger's findings.
_KEY_WORDS = {
    "appeal_id": "appeal {}".format,
    "municipality_id": "municipality id {}".format,
    "status": str,
    "month": "pledged {:%Y-%m}".format,
    "due_month": "due {:%Y-%m}".format,
    "expected_date": "due {:%Y-%m-%d}".format,
    "booking_month": "booked {:%Y-%m}".format,
    "destination_pk": "destination id {}".format,
    "need_pk": "need id {}".format,
    "category": "category {}".format,
}


def differences() -> list[str]:
    """Every bucket of every level where the summary and the rows disagree, in English for the operator."""
    return [
        *(finding
          for level, name in LEVELS.items()
          for finding in findings(name, key_of(level), recomputed(level), stored(level), _describe, "pledges")),
        *(finding
          for level, name in RECEIVED_LEVELS.items()
          for finding in findings(name, key_of(level), received_recomputed(level), stored(level, RECEIVED_SUMS),
                                  _describe_received, "matched bank lines")),
    ]


def findings(name: str, key: list[str], truth: dict, kept: dict, describe, rows: str) -> list[str]:
    """One line per bucket where `kept` (a level's rows) differs from `truth` (what the `rows` make)."""
    lines, zeros = [], tuple(0 for _ in next(iter([*truth.values(), *kept.values()]), ()))
    for bucket in sorted(truth.keys() | kept.keys(), key=lambda bucket: tuple(map(str, bucket))):
        want, have = truth.get(bucket, zeros), kept.get(bucket, zeros)
        if want != have:
            where = ", ".join(_KEY_WORDS[column](value) for column, value in zip(key, bucket, strict=True))
            lines.append(f"{name} of {where}: the summary holds {describe(have)}, the {rows} add up to {describe(want)}")
    return lines


def _describe(sums: tuple[int, int, int, int]) -> str:
    pledges, amount, received, outstanding = sums
    return (f"{pledges} pledges, {format_euro(amount, 'en')} pledged, {format_euro(received, 'en')} received, "
            f"{format_euro(outstanding, 'en')} outstanding")


def _describe_received(sums: tuple[int, int]) -> str:
    lines, amount = sums
    return f"{lines} lines, {format_euro(amount, 'en')} received"


def rebuild() -> int:
    """Replace every level (and the money received per month) with the one the rows make; return their rows."""
    return (rebuild_levels(LEVELS, recomputed, SUMS)
            + rebuild_levels(RECEIVED_LEVELS, received_recomputed, RECEIVED_SUMS))


def rebuild_levels(levels, recomputed_level, sums: tuple[str, ...]) -> int:
    """Replace each of `levels` by `recomputed_level(level)`; return how many rows they have together.

    Inside the writer's transaction (chain lock first), so no change lands in between.
    """
    created = 0
    with writing():
        for level in levels:
            key = key_of(level)
            level.objects.all().delete()
            created += len(level.objects.bulk_create(
                [level(**dict(zip(key, bucket, strict=True)), **dict(zip(sums, values, strict=True)))
                 for bucket, values in recomputed_level(level).items()],
                batch_size=1000,
            ))
    return created
