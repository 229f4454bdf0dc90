"""Reference data: municipalities, Ukrainian destinations and appeals."""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban

from pledges.core.money import cents_to_euro


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


class MunicipalityQuerySet(models.QuerySet["Municipality"]):
    def participating(self, appeal: Appeal | None = None) -> MunicipalityQuerySet:
        """Municipalities with a pledge that counts or an offer that counts, in `appeal` if given.

        A pledge counts unless withdrawn; an offer unless declined or withdrawn.
        """
        # Reached through the reverse relations: donations and equipment build on this module.
        donations = self.model._meta.get_field("donations").related_model.objects.all()
        offers = self.model._meta.get_field("offers").related_model.objects.all()
        if appeal is not None:
            donations, offers = donations.filter(appeal=appeal), offers.filter(appeal=appeal)
        return self.filter(self.takes_part(donations, offers))

    @staticmethod
    def takes_part(donations: models.QuerySet, offers: models.QuerySet | None = None) -> Q:
        """The condition "has a pledge that counts in `donations` or an offer that counts in `offers`"."""
        condition = Q(Exists(donations.active().filter(municipality=OuterRef("pk"))))
        if offers is not None:
            condition |= Q(Exists(offers.counting().filter(municipality=OuterRef("pk"))))
        return condition

    def named_publicly(self) -> MunicipalityQuerySet:
        """Municipalities that chose to be named, with their figures, on the public pages."""
        return self.filter(named_publicly=True)


class Municipality(models.Model):
    """One of the 342 Dutch municipalities (CBS list)."""

    code = models.CharField(_("CBS code"), max_length=6, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province = models.CharField(_("province"), max_length=20, choices=Province.choices)
    # The municipality's own choice (its staff switch it on their dashboard; each switch is
    # an Event): without it the public page counts the municipality but never names it.
    named_publicly = models.BooleanField(_("named on the public page"), default=False)
    # Also the municipality's own choice: a team's mailbox that reads along with the contact
    # persons (pledges.core.mails.compose, copy_to). Never another municipality's mail.
    shared_mailbox = models.EmailField(
        _("shared mailbox"),
        blank=True,
        help_text=_(
            "Receives a copy of every mail about this municipality's pledges and offers, e.g. "
            "the mailbox of the finance team. Leave empty for no copies."
        ),
    )

    objects = MunicipalityQuerySet.as_manager()

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]
        indexes = [models.Index(fields=["province"], name="municipality_province")]
        constraints = [
            models.CheckConstraint(
                condition=Q(code__regex=r"^GM[0-9]{4}$"), name="municipality_code_is_cbs"
            ),
            # One municipality per shared mailbox: its copies never reach another municipality.
            models.UniqueConstraint(
                fields=["shared_mailbox"],
                condition=~Q(shared_mailbox=""),
                name="municipality_shared_mailbox_unique",
                violation_error_message=_("Another municipality already has this shared mailbox."),
            ),
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

    @classmethod
    def several_open(cls) -> bool:
        """Whether lists need an appeal column: with one open appeal it says the same on every row."""
        return cls.objects.filter(is_open=True)[:2].count() > 1

    @property
    def takes_money(self) -> bool:
        return self.accepts in (self.Accepts.MONEY, self.Accepts.BOTH)

    @property
    def iban_display(self) -> str:
        return stdnum_iban.format(self.iban)

    @property
    def target(self) -> Decimal | None:
        return None if self.target_cents is None else cents_to_euro(self.target_cents)


class Population(models.Model):
    """The number of inhabitants of a municipality on 1 January of a year, with where it comes from.

    Filled from CBS StatLine's CSV export (`manage.py load_population`, see
    pledges/reference/loader.py for the columns) and editable in the admin. A pledge per
    inhabitant reads the figure of its year; the demo data marks its own as demo values.
    """

    class Source(models.TextChoices):
        CBS = "cbs", _("CBS StatLine")
        MANUAL = "manual", _("entered by hand")
        DEMO = "demo", _("demo value (not from CBS)")

    municipality = models.ForeignKey(Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT,
                                     related_name="populations")
    year = models.PositiveSmallIntegerField(_("year"))
    inhabitants = models.PositiveIntegerField(_("inhabitants on 1 January"))
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    # Which table and file (CBS), or who and from where (by hand).
    source_detail = models.CharField(_("source detail"), max_length=200, blank=True)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    class Meta:
        verbose_name = _("population")
        verbose_name_plural = _("populations")
        ordering = ["municipality__name", "-year"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "year"], name="population_once_per_year"),
            models.CheckConstraint(condition=Q(inhabitants__gt=0), name="population_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.municipality} {self.year}: {self.inhabitants}"
