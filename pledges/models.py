"""The ledger's data: reference data, people, money pledges and their history.

Money is stored as integer cents (`*_cents`): sums are then exact on SQLite,
which would otherwise add decimals as floats. `pledges.money` converts.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum import iso11649
from stdnum.iso7064 import mod_97_10

from pledges.money import cents_to_euro

# A municipality's pledge above ten million euro is a typing error, not generosity.
MAX_PLEDGE_CENTS = 10_000_000_00


class Province(models.TextChoices):
    DRENTHE = "Drenthe", "Drenthe"
    FLEVOLAND = "Flevoland", "Flevoland"
    FRYSLAN = "Fryslân", "Fryslân"
    GELDERLAND = "Gelderland", "Gelderland"
    GRONINGEN = "Groningen", "Groningen"
    LIMBURG = "Limburg", "Limburg"
    NOORD_BRABANT = "Noord-Brabant", "Noord-Brabant"
    NOORD_HOLLAND = "Noord-Holland", "Noord-Holland"
    OVERIJSSEL = "Overijssel", "Overijssel"
    UTRECHT = "Utrecht", "Utrecht"
    ZEELAND = "Zeeland", "Zeeland"
    ZUID_HOLLAND = "Zuid-Holland", "Zuid-Holland"


class Municipality(models.Model):
    """One of the 342 Dutch municipalities (CBS list)."""

    code = models.CharField(_("CBS code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=20, choices=Province.choices)

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        indexes = [models.Index(fields=["province"], name="municipality_province")]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^GM[0-9]{4}$"), name="municipality_code_is_cbs"
            )
        ]

    def __str__(self) -> str:
        return self.name


class KnownIban(models.Model):
    """An account a municipality has paid from; helps match bank lines later."""

    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="known_ibans"
    )
    iban = models.CharField("IBAN", max_length=34)
    first_used = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("known IBAN")
        verbose_name_plural = _("known IBANs")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "iban"], name="known_iban_once")
        ]
        indexes = [models.Index(fields=["iban"], name="known_iban_iban")]

    def __str__(self) -> str:
        return stdnum_iban.format(self.iban)


class Destination(models.Model):
    """A Ukrainian city or oblast that receives help."""

    class Kind(models.TextChoices):
        CITY = "city", _("city")
        OBLAST = "oblast", _("oblast")

    name_en = models.CharField(_("name (English)"), max_length=100)
    name_nl = models.CharField(_("name (Dutch)"), max_length=100)
    name_uk = models.CharField(_("name (Ukrainian)"), max_length=100)
    oblast_en = models.CharField(_("oblast"), max_length=100)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)

    class Meta:
        verbose_name = _("destination")
        verbose_name_plural = _("destinations")
        ordering = ["kind", "name_nl"]
        constraints = [
            models.UniqueConstraint(fields=["name_en", "kind"], name="destination_unique_name")
        ]

    def __str__(self) -> str:
        return self.name_nl


class Appeal(models.Model):
    """What the fund raises for (oproep). There will be more than one."""

    class Theme(models.TextChoices):
        EMERGENCY = "noodhulp", _("emergency relief")
        RECONSTRUCTION = "wederopbouw", _("reconstruction")
        PEACE = "vredesbevordering", _("peace building")

    class Accepts(models.TextChoices):
        MONEY = "money", _("money")
        EQUIPMENT = "equipment", _("equipment")
        BOTH = "both", _("money and equipment")

    title = models.CharField(_("title"), max_length=200, unique=True)
    theme = models.CharField(_("fund theme"), max_length=20, choices=Theme.choices)
    description = models.TextField(_("description"), blank=True)
    iban = models.CharField(_("fund IBAN"), max_length=34)
    account_name = models.CharField(_("account name"), max_length=100)
    transfer_keyword = models.CharField(_("transfer keyword"), max_length=35)
    target_cents = models.BigIntegerField(_("target in cents"), null=True, blank=True)
    is_open = models.BooleanField(_("open"), default=True)
    accepts = models.CharField(_("accepts"), max_length=10, choices=Accepts.choices)

    class Meta:
        verbose_name = _("appeal")
        verbose_name_plural = _("appeals")
        ordering = ["-is_open", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(target_cents__isnull=True) | Q(target_cents__gt=0),
                name="appeal_target_positive",
            )
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def takes_money(self) -> bool:
        return self.accepts in (self.Accepts.MONEY, self.Accepts.BOTH)

    @property
    def iban_display(self) -> str:
        return stdnum_iban.format(self.iban)

    @property
    def target(self) -> Decimal | None:
        return None if self.target_cents is None else cents_to_euro(self.target_cents)


class Role(models.TextChoices):
    MUNICIPAL_STAFF = "staff", _("municipal staff")
    COORDINATOR = "coordinator", _("coordinator")
    FINANCE = "finance", _("finance")
    ADMINISTRATOR = "admin", _("administrator")


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields) -> User:
        user = self.model(email=self.normalize_email(email).lower(), **fields)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields) -> User:
        fields.update(is_staff=True, is_superuser=True, role=Role.ADMINISTRATOR)
        return self.create_user(email, password, **fields)


class User(AbstractUser):
    """A person who logs in with their work e-mail address."""

    username = None
    email = models.EmailField(_("e-mail address"), unique=True)
    role = models.CharField(_("role"), max_length=12, choices=Role.choices)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Only for municipal staff: the municipality they act for."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []
    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # Municipal staff act for exactly one municipality; fund staff for none.
            models.CheckConstraint(
                condition=(Q(role="staff") & Q(municipality__isnull=False))
                | (~Q(role="staff") & Q(municipality__isnull=True)),
                name="user_municipality_matches_role",
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.email

    @property
    def is_municipal_staff(self) -> bool:
        return self.role == Role.MUNICIPAL_STAFF

    @property
    def is_fund_staff(self) -> bool:
        """Coordinators, finance and administrators: they see every municipality."""
        return self.role in (Role.COORDINATOR, Role.FINANCE, Role.ADMINISTRATOR)


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
        counted = ~Q(status=Donation.Status.WITHDRAWN)
        sums = self.aggregate(
            rows=Count("id"),
            pledged=Sum("amount_cents", default=0, filter=counted),
            received=Sum("received_cents", default=0, filter=counted),
        )
        pledged, received = sums["pledged"], sums["received"]
        return {
            "rows": sums["rows"],
            "pledged": cents_to_euro(pledged),
            "received": cents_to_euro(received),
            "outstanding": cents_to_euro(max(pledged - received, 0)),
        }


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
        return f"T-{self.pk:06d}"

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
        if self.status == self.Status.WITHDRAWN:
            return Decimal("0.00")
        return cents_to_euro(max(self.amount_cents - self.received_cents, 0))

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


class EventQuerySet(models.QuerySet["Event"]):
    """History is append-only: bulk updates and deletes are refused."""

    def update(self, **kwargs):
        raise PermissionError("Events are append-only; record a correcting event instead.")

    def delete(self):
        raise PermissionError("Events are append-only; record a correcting event instead.")


class Event(models.Model):
    """One entry in the append-only history: who did what, when, from what to what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        WITHDRAWN = "withdrawn", _("withdrawn")
        STATUS = "status", _("status changed")

    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24, blank=True)
    # {"field label": [old, new]} for edits, as text the timeline can show.
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["donation", "at"], name="event_donation_at")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    @staticmethod
    def _status_label(value: str) -> str:
        return Donation.Status(value).label if value in Donation.Status.values else value

    @property
    def from_status_display(self) -> str:
        return self._status_label(self.from_status)

    @property
    def to_status_display(self) -> str:
        return self._status_label(self.to_status)

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError("Events are append-only; record a correcting event instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError("Events are append-only; record a correcting event instead.")


class LoginFailure(models.Model):
    """A failed login, kept briefly to throttle guessing (see pledges.throttle)."""

    account = models.CharField(max_length=254)
    address = models.GenericIPAddressField()
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["address", "at"], name="login_failure_address"),
            models.Index(fields=["account", "address", "at"], name="login_failure_pair"),
        ]
