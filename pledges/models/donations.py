"""Money pledges (donaties).

Money is stored as integer cents (`*_cents`): sums are then exact on SQLite,
which would otherwise add decimals as floats. `pledges.money` converts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, F, Q, Sum, Value
from django.db.models.functions import Greatest, TruncDate
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from pledges.models.reference import Appeal, Municipality, Province
from pledges.money import cents_to_euro

# A municipality's pledge above ten million euro is a typing error, not generosity.
MAX_PLEDGE_CENTS = 10_000_000_00


class DonationQuerySet(models.QuerySet["Donation"]):
    def for_table(self) -> DonationQuerySet:
        """Join what the ledger table shows, so a page costs a fixed number of queries."""
        return self.select_related("municipality", "appeal")

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

    def by_municipality(self) -> list[dict]:
        """Per municipality with pledges here, by name, in one exact query.

        Each row: ``id``, ``name``, ``code`` (CBS), ``province``, ``pledges`` (rows,
        withdrawn ones included, as in `totals`), and ``pledged``, ``received`` and
        ``outstanding`` in euro (Decimal), withdrawn pledges not counted as money.
        """
        rows = (
            self.order_by()
            .values("municipality_id", "municipality__name", "municipality__code", "municipality__province")
            .annotate(pledges=Count("*"), **_money_sums())
            .order_by("municipality__name", "municipality_id")
        )
        return [
            {
                "id": row["municipality_id"],
                "name": row["municipality__name"],
                "code": row["municipality__code"],
                "province": row["municipality__province"],
                "pledges": row["pledges"],
                **_euro(row),
            }
            for row in rows
        ]

    def by_province(self, offers: models.QuerySet | None = None) -> list[dict]:
        """Every one of the 12 provinces, in alphabetical order, in two exact queries.

        Each row: ``province``, ``municipalities`` (all in the province),
        ``participating`` (those with a pledge that counts among these pledges, or an
        offer that counts among `offers` when given: see
        `MunicipalityQuerySet.takes_part`), and ``pledged``, ``received`` and
        ``outstanding`` in euro (Decimal), withdrawn pledges not counted as money.
        """
        money = {
            row["municipality__province"]: row
            for row in self.order_by().values("municipality__province").annotate(**_money_sums())
        }
        counts = {
            row["province"]: row
            for row in Municipality.objects.order_by()
            .values("province")
            .annotate(
                municipalities=Count("*"),
                participating=Count("pk", filter=Municipality.objects.takes_part(self, offers)),
            )
        }
        empty = {"pledged": 0, "received": 0, "outstanding": 0}
        return [
            {
                "province": province,
                "municipalities": counts.get(province, {}).get("municipalities", 0),
                "participating": counts.get(province, {}).get("participating", 0),
                **_euro(money.get(province, empty)),
            }
            for province in Province.values
        ]

    def over_time(self) -> list[dict]:
        """Cumulative pledged and received euro per day that changed either, oldest first.

        Pledged counts on the local day the pledge was made; received on the booking
        date of each bank line matched to a pledge (pledges/models/payments.py), so the
        last row equals `totals()` whenever every receipt came through a matched line.
        Withdrawn pledges count for neither. Two queries.
        """
        counted = self.active().order_by()
        pledged = counted.values(day=TruncDate("created_at")).annotate(cents=Sum("amount_cents"))
        received = (
            counted.filter(payments__isnull=False)
            .values(day=F("payments__booking_date"))
            .annotate(cents=Sum("payments__amount_cents"))
        )
        per_day: dict[datetime.date, list[int]] = {}
        for column, rows in enumerate((pledged, received)):
            for row in rows:
                per_day.setdefault(row["day"], [0, 0])[column] += row["cents"]
        running = [0, 0]
        series = []
        for day in sorted(per_day):
            running = [running[0] + per_day[day][0], running[1] + per_day[day][1]]
            series.append({"day": day, "pledged": cents_to_euro(running[0]), "received": cents_to_euro(running[1])})
        return series


def _money_sums() -> dict:
    """Pledged, received and outstanding cents, withdrawn pledges not counted: for aggregate/annotate."""
    counted = ~Q(status=Donation.Status.WITHDRAWN)
    return {
        "pledged": Sum("amount_cents", default=0, filter=counted),
        "received": Sum("received_cents", default=0, filter=counted),
        # Per pledge: an overpaid pledge must not hide what others still owe.
        "outstanding": Sum(
            Greatest(F("amount_cents") - F("received_cents"), Value(0)), default=0, filter=counted
        ),
    }


def _euro(sums: dict) -> dict:
    return {key: cents_to_euro(sums[key]) for key in ("pledged", "received", "outstanding")}


class Donation(models.Model):
    """A money pledge (toezegging) by one municipality for one appeal."""

    class Status(models.TextChoices):
        PLEDGED = "pledged", _("pledged")
        PARTLY_RECEIVED = "partly_received", _("partly received")
        RECEIVED = "received", _("received")
        WITHDRAWN = "withdrawn", _("withdrawn")

    OPEN_STATUSES = (Status.PLEDGED, Status.PARTLY_RECEIVED)

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
            models.Index(fields=["expected_date"], name="donation_expected"),
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

    @staticmethod
    def outstanding_cents_for(status: str, amount_cents: int, received_cents: int) -> int:
        """What is still to come: nothing for a withdrawn pledge, never less than nothing."""
        if status == Donation.Status.WITHDRAWN:
            return 0
        return max(amount_cents - received_cents, 0)

    @property
    def is_editable(self) -> bool:
        """Staff may change or withdraw a pledge only while nothing was received."""
        return self.status == self.Status.PLEDGED and self.received_cents == 0

    @property
    def is_overdue(self) -> bool:
        return self.status in self.OPEN_STATUSES and self.expected_date < timezone.localdate()

    def status_from_received(self) -> str:
        """The status that the received amount implies (withdrawn stays withdrawn)."""
        if self.status == self.Status.WITHDRAWN:
            return self.status
        if self.received_cents <= 0:
            return self.Status.PLEDGED
        if self.received_cents < self.amount_cents:
            return self.Status.PARTLY_RECEIVED
        return self.Status.RECEIVED
