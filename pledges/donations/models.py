"""Money pledges (donaties).

Money is stored as integer cents (`*_cents`): sums are then exact on SQLite,
which would otherwise add decimals as floats. `pledges.core.money` converts.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Greatest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from pledges.core.money import MAX_PLEDGE_CENTS, cents_to_euro
from pledges.reference.models import Appeal, Municipality, Province


class DonationQuerySet(models.QuerySet["Donation"]):
    def for_table(self) -> DonationQuerySet:
        """Join what the ledger table shows, so a page costs a fixed number of queries."""
        return self.select_related("municipality", "appeal")

    def with_last_reminder(self) -> DonationQuerySet:
        """Annotate when the last payment reminder was queued (``last_reminder_at``) and of what kind."""
        last = Reminder.objects.filter(donation=OuterRef("pk")).order_by("-queued_at", "-id")
        return self.annotate(
            last_reminder_at=Subquery(last.values("queued_at")[:1]),
            last_reminder_kind=Subquery(last.values("kind")[:1]),
        )

    def active(self) -> DonationQuerySet:
        """Pledges that still count: everything but withdrawn ones."""
        return self.exclude(status=Donation.Status.WITHDRAWN)

    def overdue(self, today: datetime.date | None = None) -> DonationQuerySet:
        """Pledges whose expected transfer date has passed without full payment."""
        today = today or timezone.localdate()
        return self.filter(
            status__in=Donation.OPEN_STATUSES, expected_date__lt=today
        )

    def totals(self) -> dict:
        """Rows, and pledged, received and outstanding euro, in one exact query.

        Withdrawn pledges count as rows but not as money.
        """
        # COUNT(*), not COUNT(id): PostgreSQL can then answer from the
        # (status, amount_cents, received_cents) index alone.
        sums = self.aggregate(rows=Count("*"), **_money_sums())
        return {"rows": sums["rows"], **_euro(sums)}

    def by_municipality(self, today: datetime.date | None = None) -> list[dict]:
        """Per municipality with pledges here, by name, in two exact queries.

        Each row: ``id``, ``name``, ``code`` (CBS), ``province``, ``pledges`` (rows,
        withdrawn ones included, as in `totals`), ``pledged``, ``received`` and
        ``outstanding`` in euro (Decimal), withdrawn pledges not counted as money, and
        ``overdue`` (pledges, as `overdue(today)`) with their ``overdue_outstanding`` euro.
        """
        sums = self._cents_per_municipality(today)
        # All 342 (a millisecond), rather than an IN list: two queries even when there is nothing.
        municipalities = [m for m in Municipality.objects.order_by("name", "pk") if m.pk in sums]
        return [
            {
                "id": municipality.pk,
                "name": municipality.name,
                "code": municipality.code,
                "province": municipality.province,
                "pledges": sums[municipality.pk]["pledges"],
                "overdue": sums[municipality.pk]["overdue"],
                **_euro(sums[municipality.pk]),
            }
            for municipality in municipalities
        ]

    def by_province(self, offers: models.QuerySet | None = None, today: datetime.date | None = None) -> list[dict]:
        """Every one of the 12 provinces, in alphabetical order, in two exact queries.

        Each row: ``province``, ``municipalities`` (all in the province),
        ``participating`` (those with a pledge that counts among these pledges, or an
        offer that counts among `offers` when given, as `Municipality.objects.participating`
        counts them), ``pledges`` (rows, withdrawn ones included), ``pledged``,
        ``received`` and ``outstanding`` in euro (Decimal), withdrawn pledges not counted
        as money, and ``overdue`` with ``overdue_outstanding`` as in `by_municipality`.
        `add_up` of the rows gives `totals()` of the same pledges.
        """
        return province_rows(self._cents_per_municipality(today), None if offers is None else offers.counting())

    @staticmethod
    def add_up(rows: list[dict], overdue: dict | None = None) -> dict:
        """Rows of `by_municipality` or `by_province` added up: `totals()` of the same pledges, and overdue.

        `overdue` ("overdue" pledges, "overdue_outstanding" euro) when the rows hold none.
        """
        if overdue is None:
            overdue = {"overdue": sum(row["overdue"] for row in rows),
                       "overdue_outstanding": sum((row["overdue_outstanding"] for row in rows), Decimal("0.00"))}
        return {
            "rows": sum(row["pledges"] for row in rows),
            **{key: sum((row[key] for row in rows), Decimal("0.00")) for key in ("pledged", "received", "outstanding")},
            **overdue,
        }

    def _cents_per_municipality(self, today: datetime.date | None = None) -> dict[int, dict]:
        """Rows, pledges that count, cents, and overdue pledges per municipality id, in one scan."""
        overdue = Q(status__in=Donation.OPEN_STATUSES, expected_date__lt=today or timezone.localdate())
        rows = (
            self.order_by()
            .values("municipality_id")
            .annotate(
                pledges=Count("*"),
                counted=Count("pk", filter=_COUNTED),
                overdue=Count("pk", filter=overdue),
                overdue_outstanding=Sum(
                    Greatest(F("amount_cents") - F("received_cents"), Value(0)), default=0, filter=overdue
                ),
                **_money_sums(),
            )
        )
        return {row.pop("municipality_id"): row for row in rows}

    def over_time(self, today: datetime.date | None = None, points: int = 30) -> list[dict]:
        """Cumulative pledged and received euro at the end of each period up to `today`, oldest first.

        Each row: ``start`` and ``end`` (dates, the period's first and last day, the last one
        ending today) and ``pledged`` and ``received`` (euro, Decimal) up to and including
        ``end``. Periods are days, weeks (from Monday) or calendar months, the finest that
        shows the history since the first pledge in at most about `points` rows.
        Pledged counts on the local day the pledge was made; received on the booking date
        of each bank line matched to a pledge (pledges/finance/models.py), so the last row
        equals `totals()` whenever every receipt came through a matched line. Withdrawn
        pledges count for neither. Three queries, none of which converts a date per row.
        """
        today = today or timezone.localdate()
        starts = self.period_starts(today, points)
        if not starts:
            return []
        counted = self.active().order_by()
        # Local midnight as an aware datetime keeps the Dutch day, and a date function,
        # which SQLite runs in Python for every row, is never needed.
        midnights = [timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) for day in starts]
        pledged = _sums_per_period(counted, "created_at", midnights, "amount_cents")
        received = [0] * len(starts)
        rows = (
            counted.filter(payments__isnull=False)
            .values(period=_period_of("payments__booking_date", starts))
            # default=0: with a single period the constant is not grouped by, and no
            # matched line then still gives one row.
            .annotate(cents=Sum("payments__amount_cents", default=0))
        )
        for row in rows:
            received[row["period"]] += row["cents"]
        return cumulative(starts, today, pledged, received)

    def period_starts(self, today: datetime.date, points: int = 30) -> list[datetime.date]:
        """The first days of `over_time`'s periods (none without a pledge that counts): one query, by an index."""
        first = self.active().order_by("created_at").values_list("created_at", flat=True).first()
        if first is None:
            return []
        return _period_starts(min(timezone.localdate(first), today), today, points)


def cumulative(starts: list[datetime.date], today: datetime.date, pledged: list[int], received: list[int]) -> list[dict]:
    """`DonationQuerySet.over_time()`'s rows of the cents pledged and received in each period from `starts`."""
    series, running = [], [0, 0]
    for index, start in enumerate(starts):
        running = [running[0] + pledged[index], running[1] + received[index]]
        end = starts[index + 1] - datetime.timedelta(days=1) if index + 1 < len(starts) else today
        series.append({"start": start, "end": end, "pledged": cents_to_euro(running[0]),
                       "received": cents_to_euro(running[1])})
    return series


def province_rows(sums: dict[int, dict], offering: models.QuerySet | None = None, overdue: bool = True) -> list[dict]:
    """`DonationQuerySet.by_province` of the cents per municipality id (its `_cents_per_municipality`).

    `offering`: rows with a `municipality` (offers that count, or their summary's) that make a
    municipality take part. Without `overdue` the sums hold no overdue figures and neither do the rows.
    """
    municipalities = Municipality.objects.order_by().values("pk", "province")
    if offering is not None:
        municipalities = municipalities.annotate(offers=Exists(offering.filter(municipality=OuterRef("pk"))))
    summed = ("pledges", "pledged", "received", "outstanding", *(("overdue", "overdue_outstanding") if overdue else ()))
    provinces = {
        province: {"province": province, "municipalities": 0, "participating": 0, **dict.fromkeys(summed, 0)}
        for province in Province.values
    }
    for municipality in municipalities:
        row, cents = provinces[municipality["province"]], sums.get(municipality["pk"])
        row["municipalities"] += 1
        row["participating"] += bool((cents and cents["counted"]) or municipality.get("offers"))
        if cents:
            for key in summed:
                row[key] += cents[key]
    return [row | _euro(row) for row in provinces.values()]


def _period_starts(first: datetime.date, today: datetime.date, points: int) -> list[datetime.date]:
    """The first days of the periods from `first` to `today`: days, else weeks, else months."""
    if (today - first).days < points:
        return [first + datetime.timedelta(days=n) for n in range((today - first).days + 1)]
    monday = first - datetime.timedelta(days=first.weekday())
    if (today - monday).days // 7 < points:
        return [monday + datetime.timedelta(weeks=n) for n in range((today - monday).days // 7 + 1)]
    starts, month = [], first.replace(day=1)
    while month <= today:
        starts.append(month)
        month = (month + datetime.timedelta(days=32)).replace(day=1)
    return starts


def _sums_per_period(rows: models.QuerySet, field: str, starts: list, amount: str) -> list[int]:
    """The sum of `amount` over `rows` in each period of `field` (earlier rows in the first), one query.

    One uncorrelated scalar subquery per period, each a range of an index on `field`
    that the database reads once: every row is read once, with no per-row expression.
    """
    # Grouped by a constant, which Django leaves out: SELECT SUM(...) of the whole range.
    total = rows.annotate(all=Value(1)).values("all").annotate(cents=Sum(amount, default=0)).values("cents")
    ends = [*starts[1:], None]
    sums = {}
    for index, (start, end) in enumerate(zip(starts, ends, strict=True)):
        within = {f"{field}__gte": start} if index else {}
        if end is not None:
            within[f"{field}__lt"] = end
        sums[f"period_{index}"] = Subquery(total.filter(**within))
    # One row carrying the subqueries; the table has rows, or there would be no periods.
    [row] = rows.model.objects.order_by().annotate(**sums).values_list(*sums)[:1]
    return list(row)


def _period_of(field: str, starts: list, low: int = 0, high: int | None = None) -> Case | Value:
    """The index of the period (by its start in `starts`) that `field` falls in; earlier values in period 0."""
    high = len(starts) if high is None else high
    if high - low == 1:
        return Value(low)
    middle = (low + high) // 2
    return Case(
        When(**{f"{field}__lt": starts[middle]}, then=_period_of(field, starts, low, middle)),
        default=_period_of(field, starts, middle, high),
    )


# Pledges that count as money: all but Donation.Status.WITHDRAWN (the class is defined below).
_COUNTED = ~Q(status="withdrawn")
# Pledges that may still owe money: neither withdrawn nor written off.
_OWING = ~Q(status__in=["withdrawn", "written_off"])


def _money_sums() -> dict:
    """Pledged, received and outstanding cents, withdrawn pledges not counted: for aggregate/annotate."""
    return {
        "pledged": Sum("amount_cents", default=0, filter=_COUNTED),
        "received": Sum("received_cents", default=0, filter=_COUNTED),
        # Per pledge: an overpaid pledge must not hide what others still owe. A written-off
        # pledge owes nothing more (filtered by status, which the covering indexes hold).
        "outstanding": Sum(
            Greatest(F("amount_cents") - F("received_cents"), Value(0)), default=0, filter=_OWING
        ),
    }


def _euro(sums: dict) -> dict:
    return {key: cents_to_euro(sums[key]) for key in ("pledged", "received", "outstanding", "overdue_outstanding")
            if key in sums}


class Donation(models.Model):
    """A money pledge (toezegging) by one municipality for one appeal."""

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("pledged")
        PARTLY_RECEIVED = "partly_received", _("partly received")
        RECEIVED = "received", _("received")
        WITHDRAWN = "withdrawn", _("withdrawn")
        # Finance wrote off the unpaid rest: closed, nothing outstanding (pledges.donations.schedules).
        WRITTEN_OFF = "written_off", _("written off")

    class Schedule(models.TextChoices):
        SINGLE = "single", _("one transfer")
        INSTALMENTS = "instalments", _("in instalments")
        PER_INHABITANT = "per_inhabitant", _("an amount per inhabitant")

    OPEN_STATUSES = (Status.PLEDGED, Status.PARTLY_RECEIVED)
    # Statuses that stay whatever is received: the pledge is closed.
    CLOSED_STATUSES = (Status.WITHDRAWN, Status.WRITTEN_OFF)

    appeal = models.ForeignKey(
        Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="donations"
    )
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="donations",
    )
    amount_cents = models.BigIntegerField(_("amount"))
    received_cents = models.BigIntegerField(_("received"), default=0)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PLEDGED
    )
    iban = models.CharField(_("paying IBAN"), max_length=34)
    # Unique ISO 11649 reference built from the pk, so a bank line matches exactly.
    # Blank only inside the transaction that creates the row.
    reference = models.CharField(_("payment reference"), max_length=25, blank=True)
    decision_reference = models.CharField(_("council/college decision"), max_length=100)
    expected_date = models.DateField(_("expected transfer date"))
    # One transfer by expected_date, instalments (Instalment rows, the last one's date is
    # expected_date), or per inhabitant: amount = per_inhabitant_cents × inhabitants, the
    # CBS population (reference.Population) of population_year as it was when pledged.
    schedule = models.CharField(_("schedule"), max_length=16, choices=Schedule.choices, default=Schedule.SINGLE)
    per_inhabitant_cents = models.BigIntegerField(_("amount per inhabitant"), null=True, blank=True)
    population_year = models.PositiveSmallIntegerField(_("population of the year"), null=True, blank=True)
    inhabitants = models.PositiveIntegerField(_("inhabitants"), null=True, blank=True)
    # The unpaid rest finance wrote off (status written_off), with the reason in its Event.
    written_off_cents = models.BigIntegerField(_("written off"), default=0)
    # Finance paused the payment reminders of this pledge (each switch is an Event).
    reminders_paused = models.BooleanField(_("reminders paused"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact e-mail"), max_length=254)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("pledged on"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = DonationQuerySet.as_manager()

    class Meta:
        verbose_name = _("donation")
        verbose_name_plural = _("donations")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_cents__gt=0) & Q(amount_cents__lte=MAX_PLEDGE_CENTS),
                name="donation_amount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(received_cents__gte=0), name="donation_received_not_negative"
            ),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~Q(reference=""),
                name="donation_reference_unique",
            ),
            # Only a written-off pledge has money written off, and never more than it lacked.
            models.CheckConstraint(
                condition=Q(written_off_cents=0, status__in=["pledged", "partly_received", "received", "withdrawn"])
                | Q(status="written_off", written_off_cents__gt=0, written_off_cents__lte=F("amount_cents")),
                name="donation_written_off_fits",
            ),
            models.CheckConstraint(
                condition=~Q(schedule="per_inhabitant")
                | Q(per_inhabitant_cents__gt=0, inhabitants__gt=0, population_year__isnull=False),
                name="donation_per_inhabitant_complete",
            ),
        ]
        # One index per filter and sort the ledger table offers; the composite
        # ones serve "filter by X, newest first" without a sort step.
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="donation_newest"),
            models.Index(fields=["status", "-created_at"], name="donation_status_newest"),
            models.Index(fields=["municipality", "-created_at"], name="donation_muni_newest"),
            models.Index(fields=["appeal", "-created_at"], name="donation_appeal_newest"),
            # Province (an IN list of municipalities) and municipality filters with a status.
            models.Index(
                fields=["municipality", "status", "-created_at"], name="donation_muni_status_newest"
            ),
            # Covers the totals (count, pledged, received) of everything or of one status.
            models.Index(
                fields=["status", "amount_cents", "received_cents"], name="donation_status_money"
            ),
            # Cover the dashboard figures of one appeal (pledges/dashboards/views.py): per
            # municipality in index order with overdue, and over time; no table row is read.
            models.Index(
                fields=["appeal", "municipality", "status", "expected_date", "amount_cents", "received_cents"],
                name="donation_appeal_figures",
            ),
            models.Index(fields=["appeal", "created_at", "status", "amount_cents"], name="donation_appeal_over_time"),
            models.Index(fields=["expected_date"], name="donation_expected"),
            # Open pledges by expected date (pledges.donations.summary): those due this month before
            # today (the overdue totals) and those not due yet (the appeal dashboard's overdue), a range
            # of the last weeks' dates, not every open row; the status leads, so SQLite takes it without
            # statistics.
            models.Index(
                fields=["status", "expected_date", "appeal", "municipality", "amount_cents", "received_cents"],
                name="donation_open_due",
            ),
            models.Index(fields=["amount_cents"], name="donation_amount"),
            models.Index(fields=["iban"], name="donation_iban"),
        ]

    def __str__(self) -> str:
        return self.number

    def get_absolute_url(self) -> str:
        return reverse("pledges:donation_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """The pledge number people quote on the phone: T-000123."""
        return Donation.number_for(self.pk)

    @staticmethod
    def number_for(pk: int) -> str:
        return f"T-{pk:06d}"

    @staticmethod
    def reference_for(pk: int) -> str:
        """Build the ISO 11649 creditor reference for pledge number `pk`."""
        body = f"VNG{pk:08d}"
        check = mod_97_10.calc_check_digits(body + "RF")
        return iso11649.validate(f"RF{check}{body}")

    @property
    def reference_display(self) -> str:
        return iso11649.format(self.reference)

    @property
    def iban_display(self) -> str:
        return stdnum_iban.format(self.iban)

    @property
    def amount(self) -> Decimal:
        return cents_to_euro(self.amount_cents)

    @property
    def received(self) -> Decimal:
        return cents_to_euro(self.received_cents)

    @property
    def outstanding(self) -> Decimal:
        return cents_to_euro(Donation.outstanding_cents_for(self.status, self.amount_cents, self.received_cents))

    @property
    def overpaid_cents(self) -> int:
        """Money received beyond what was pledged (all of it for a withdrawn pledge): finance decides on it."""
        pledged = 0 if self.status == self.Status.WITHDRAWN else self.amount_cents
        return max(self.received_cents - pledged, 0)

    @property
    def overpaid(self) -> Decimal:
        return cents_to_euro(self.overpaid_cents)

    @staticmethod
    def outstanding_cents_for(status: str, amount_cents: int, received_cents: int) -> int:
        """What is still to come: nothing for a withdrawn or written-off pledge, never less than nothing."""
        if status in Donation.CLOSED_STATUSES:
            return 0
        return max(amount_cents - received_cents, 0)

    def dues(self) -> list[Due]:
        """What is due by which date and how much of each came (see `dues_of`)."""
        return dues_of(self)

    @property
    def written_off(self) -> Decimal:
        return cents_to_euro(self.written_off_cents)

    @property
    def is_editable(self) -> bool:
        """Staff may change or withdraw a pledge only while nothing was received."""
        return self.status == self.Status.PLEDGED and self.received_cents == 0

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.expected_date < timezone.localdate()

    def status_from_received(self) -> str:
        """The status that the received amount implies (withdrawn and written off stay so)."""
        if self.status in self.CLOSED_STATUSES:
            return self.status
        if self.received_cents <= 0:
            return self.Status.PLEDGED
        if self.received_cents < self.amount_cents:
            return self.Status.PARTLY_RECEIVED
        return self.Status.RECEIVED


class Instalment(models.Model):
    """One due date and amount of a pledge paid in instalments; together they make the pledge's amount.

    What is paid of each is not stored: the pledge's received amount fills them in date order
    (`Donation.dues`), so a match, an unmatch or a payment by hand never leaves them behind.
    """

    donation = models.ForeignKey(Donation, verbose_name=_("pledge"), on_delete=models.PROTECT,
                                 related_name="instalments")
    due_date = models.DateField(_("due date"))
    amount_cents = models.BigIntegerField(_("amount"))

    class Meta:
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        ordering = ["donation", "due_date"]
        constraints = [
            models.CheckConstraint(condition=Q(amount_cents__gt=0), name="instalment_amount_positive"),
            # A reminder names its instalment by the due date (Reminder below).
            models.UniqueConstraint(fields=["donation", "due_date"], name="instalment_one_per_day"),
        ]

    def __str__(self) -> str:
        return f"{self.donation.number} {self.due_date.isoformat()}"


@dataclass(frozen=True)
class Due:
    """What a pledge expects by one date, and how much of it came (payments fill dues in date order)."""

    number: int
    due_date: datetime.date
    amount_cents: int
    paid_cents: int

    @property
    def open_cents(self) -> int:
        return self.amount_cents - self.paid_cents

    @property
    def amount(self) -> Decimal:
        return cents_to_euro(self.amount_cents)

    @property
    def paid(self) -> Decimal:
        return cents_to_euro(self.paid_cents)

    @property
    def open(self) -> Decimal:
        return cents_to_euro(self.open_cents)

    @property
    def is_paid(self) -> bool:
        return self.open_cents <= 0

    @property
    def is_overdue(self) -> bool:
        return not self.is_paid and self.due_date < timezone.localdate()


def dues_of(donation: Donation, instalments: list[Instalment] | None = None) -> list[Due]:
    """The pledge's dues, oldest first, each filled from the received amount in date order.

    One due of the whole amount by the expected date unless it has instalments. `instalments`:
    the pledge's rows if already fetched (prefetched), else they are read.
    """
    if donation.schedule == Donation.Schedule.INSTALMENTS:
        rows = instalments if instalments is not None else list(donation.instalments.order_by("due_date"))
        planned = [(row.due_date, row.amount_cents) for row in sorted(rows, key=lambda row: row.due_date)]
    else:
        planned = [(donation.expected_date, donation.amount_cents)]
    left, dues = donation.received_cents, []
    for number, (due_date, amount_cents) in enumerate(planned, start=1):
        paid = min(max(left, 0), amount_cents)
        left -= paid
        dues.append(Due(number, due_date, amount_cents, paid))
    return dues


class Reminder(models.Model):
    """A payment reminder of one due of a pledge, of one kind: at most one each (the constraint).

    Written when the daily check queues its mail (pledges.donations.reminders); the mail task
    sets `sent_at`, or `dropped_at` when the due was paid, or the pledge closed or paused, meanwhile.
    """

    class Kind(models.TextChoices):
        BEFORE = "before", _("a week before the due date")
        DUE = "due", _("on the due date")
        OVERDUE = "overdue", _("overdue")

    donation = models.ForeignKey(Donation, verbose_name=_("pledge"), on_delete=models.PROTECT,
                                 related_name="reminders")
    due_date = models.DateField(_("due date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    recipients = models.JSONField(_("to"), default=list)
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    dropped_at = models.DateTimeField(_("not sent, no longer due, at"), null=True, blank=True)

    class Meta:
        verbose_name = _("payment reminder")
        verbose_name_plural = _("payment reminders")
        ordering = ["queued_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["donation", "due_date", "kind"], name="reminder_once_per_due_and_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.donation.number} {self.due_date.isoformat()} {self.kind}"


class _PledgeSums(models.Model):
    """The running sums a summary level keeps per key: raw per pledge, judged by status when read.

    `amount_cents` and `received_cents` summed, `outstanding_cents` the sum of
    max(amount − received, 0). Whether a status counts (withdrawn counts as a row, not as
    money; written off owes nothing) is decided when read, as `DonationQuerySet.totals()`
    decides it, since the status is part of every level's key. Rows whose pledges all
    moved elsewhere stay with zeros until `summary.rebuild()`.
    """

    # Derived rows: no constraint in the database, so a flush may empty the tables in any order.
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    status = models.CharField(max_length=16, choices=Donation.Status.choices)
    pledges = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)
    received_cents = models.BigIntegerField(default=0)
    outstanding_cents = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class DonationSummary(_PledgeSums):
    """Running sums of the pledges per appeal, municipality, status, month pledged and month due.

    Kept by the database itself: triggers on the pledges' table (migration
    0024_donations_summary) add every inserted, changed or deleted row's part in the
    same statement, so no path that writes pledges (a service, a bulk insert, a raw
    UPDATE of a matched statement) can leave it behind. The totals of the ledger and the
    dashboards read it instead of scanning the pledges (`pledges.donations.summary`).

    The finest of three levels: it answers a municipality or province together with
    months; `DonationSummaryByMonth` and `DonationSummaryByMunicipality` (kept by the same
    kind of triggers, migration 0025) answer the rest from far fewer rows.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # The first day of the local month of created_at, and of expected_date.
    month = models.DateField()
    due_month = models.DateField()

    class Meta:
        verbose_name = _("pledge totals")
        verbose_name_plural = _("pledge totals")
        constraints = [
            # The key the triggers add to (INSERT ... ON CONFLICT of these columns).
            models.UniqueConstraint(
                fields=["appeal", "municipality", "status", "month", "due_month"], name="donation_summary_key"
            ),
        ]
        indexes = [
            # One municipality's overdue (a staff member's ledger, its dashboard) of every appeal.
            models.Index(fields=["municipality", "status", "due_month"], name="donation_summary_muni_due"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.municipality_id}/{self.status}/{self.month:%Y-%m}/{self.due_month:%Y-%m}"


class DonationSummaryByMonth(_PledgeSums):
    """The pledges' running sums per appeal, status, month pledged and month due, all municipalities together.

    What fund staff's totals read when no municipality or province is chosen: a few
    rows a month (appeals × statuses × months due), whatever the number of pledges.
    """

    month = models.DateField()
    due_month = models.DateField()

    class Meta:
        verbose_name = _("pledge totals per month")
        verbose_name_plural = _("pledge totals per month")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "status", "month", "due_month"], name="donation_summary_month_key"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.status}/{self.month:%Y-%m}/{self.due_month:%Y-%m}"


class DonationSummaryByMunicipality(_PledgeSums):
    """The pledges' running sums per appeal, municipality and status, all months together.

    What a municipality's or a province's totals and the dashboards read when no month
    is chosen: at most appeals × municipalities × statuses rows.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("pledge totals per municipality")
        verbose_name_plural = _("pledge totals per municipality")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "municipality", "status"], name="donation_summary_muni_key"),
        ]
        indexes = [
            # One municipality's totals (its dashboard, a staff member's ledger) of every appeal.
            models.Index(fields=["municipality", "status"], name="donation_summary_muni"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.municipality_id}/{self.status}"


class DonationSummaryByDueDate(_PledgeSums):
    """The pledges' running sums per appeal, status and expected date (the day), all municipalities together.

    What an appeal's overdue pledges read: the open ones less those due from today on, a
    few rows a day however many pledges there are. The open pledges not due yet, read from
    the rows, grow with the ledger (a month of new pledges at a million rows is 20,000).
    """

    expected_date = models.DateField()

    class Meta:
        verbose_name = _("pledge totals per due date")
        verbose_name_plural = _("pledge totals per due date")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "status", "expected_date"], name="donation_summary_due_key"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.status}/{self.expected_date:%Y-%m-%d}"


class _ReceivedSums(models.Model):
    """What a level of the money received keeps per key: matched lines and their cents, by month booked."""

    # Derived rows: no constraint in the database, so a flush may empty the tables in any order.
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    # The first day of the booking date's month.
    booking_month = models.DateField()
    lines = models.BigIntegerField(default=0)
    amount_cents = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class ReceivedSummary(_ReceivedSums):
    """Money received by matched bank lines per appeal, municipality and month booked, of pledges that count.

    Kept by triggers on the bank lines' table and on the pledges' (migration
    0031_dashboard_summaries): a line matched, unmatched, moved or changed adds or takes its
    part in the same statement, and a pledge withdrawn (or back), or moved to another appeal or
    municipality, moves its lines' parts. Withdrawn pledges' lines count for nothing, as in
    `DonationQuerySet.over_time()`, whose received line it answers when its periods are
    months (`pledges.donations.summary.over_time`). The month is the booking date's (a date,
    no time zone).
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("money received per month")
        verbose_name_plural = _("money received per month")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "municipality", "booking_month"], name="received_summary_key"),
        ]
        indexes = [models.Index(fields=["municipality", "booking_month"], name="received_summary_muni")]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.municipality_id}/{self.booking_month:%Y-%m}"


class ReceivedSummaryByMonth(_ReceivedSums):
    """`ReceivedSummary` without municipalities: per appeal and month booked (the appeal dashboard's chart).

    Added to by the same triggers, in the same statement, as `ReceivedSummary`.
    """

    class Meta:
        verbose_name = _("money received per month, all municipalities")
        verbose_name_plural = _("money received per month, all municipalities")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "booking_month"], name="received_summary_month_key"),
        ]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.booking_month:%Y-%m}"
