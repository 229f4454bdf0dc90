"""Equipment (materieel): what cities need, what municipalities offer, how it travels."""

from __future__ import annotations

import datetime
import uuid
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.core.measures import format_measure
from pledges.core.money import cents_to_euro
from pledges.reference.models import Appeal, Destination, Municipality, Province


class Category(models.TextChoices):
    GENERATOR = "generator", _("generator")
    TRANSFORMER = "transformer", _("transformer")
    CABLE = "cable", _("cable")
    BATTERY = "battery", _("battery / storage")
    SOLAR = "solar", _("solar")
    HEATING = "heating", _("heating")
    LIGHTING = "lighting", _("lighting")
    PUMP = "pump", _("pump")
    OTHER = "other", _("other")


class Fuel(models.TextChoices):
    DIESEL = "diesel", _("diesel")
    PETROL = "petrol", _("petrol")
    GAS = "gas", _("gas")
    NONE = "none", _("none")


class Condition(models.TextChoices):
    NEW = "new", _("new")
    USED = "used", _("used")
    NEEDS_REPAIR = "needs_repair", _("needs repair")


class OfferStatus(models.TextChoices):
    """The journey of an offer; the allowed moves live in pledges.equipment.workflow."""

    OFFERED = "offered", _("offered")
    ACCEPTED = "accepted", _("accepted")
    DECLINED = "declined", _("declined")
    WITHDRAWN = "withdrawn", _("withdrawn")
    PICKUP_PLANNED = "pickup_planned", _("pickup planned")
    COLLECTED = "collected", _("collected")
    IN_TRANSIT = "in_transit", _("in transit")
    DELIVERED = "delivered", _("delivered")
    CONFIRMED = "confirmed", _("receipt confirmed")


# Statuses in which an offer counts towards a need, and the stages of the board.
PLEDGED_STATUSES = (
    OfferStatus.ACCEPTED,
    OfferStatus.PICKUP_PLANNED,
    OfferStatus.COLLECTED,
    OfferStatus.IN_TRANSIT,
    OfferStatus.DELIVERED,
    OfferStatus.CONFIRMED,
)
IN_TRANSIT_STATUSES = (OfferStatus.COLLECTED, OfferStatus.IN_TRANSIT)
DELIVERED_STATUSES = (OfferStatus.DELIVERED, OfferStatus.CONFIRMED)
# Offers that no longer count towards anything: declined by the fund or withdrawn.
ENDED_STATUSES = (OfferStatus.DECLINED, OfferStatus.WITHDRAWN)
# The road from offer to receipt, in the order an offer travels it.
PIPELINE = (
    OfferStatus.OFFERED,
    OfferStatus.ACCEPTED,
    OfferStatus.PICKUP_PLANNED,
    OfferStatus.COLLECTED,
    OfferStatus.IN_TRANSIT,
    OfferStatus.DELIVERED,
    OfferStatus.CONFIRMED,
)


# What a municipality fills in for an offer and may change until the fund decides, in the
# form's order: the offer form edits these (and the appeal, fixed once offered; the value is
# typed in euro as "value"), and an edit records each of them in the timeline.
OFFER_EDITABLE_FIELDS = (
    "need",
    "category",
    "description",
    "quantity",
    "power_kva",
    "fuel",
    "phases",
    "condition",
    "year",
    "value_cents",
    "weight_kg",
    "length_cm",
    "width_cm",
    "height_cm",
    "fuel_in_tank",
    "lithium_batteries",
    "pickup_address",
    "pickup_postcode",
    "pickup_city",
    "available_from",
    "contact_name",
    "contact_email",
    "contact_phone",
)


def units_counted(path: str = "") -> Coalesce:
    """The units of an offer (reached through `path`) that count as arrived: what the recipient
    reported received (pledges.logistics' ReceiptConfirmation), or all of them until they report."""
    return Coalesce(f"{path}receipt__quantity_received", f"{path}quantity")


def stages(per_status) -> list[dict]:
    """`OfferQuerySet.pipeline()` of rows with ``status``, ``offers``, ``units`` and ``value`` (cents) per status."""
    rows = {row["status"]: row for row in per_status}
    return [
        {
            "status": status,
            "label": status.label,
            "ended": status in ENDED_STATUSES,
            "offers": rows.get(status, {}).get("offers", 0),
            "units": rows.get(status, {}).get("units", 0),
            "value": cents_to_euro(rows.get(status, {}).get("value", 0)),
        }
        for status in (*PIPELINE, *ENDED_STATUSES)
    ]


class NeedQuerySet(models.QuerySet["Need"]):
    def with_progress(self) -> NeedQuerySet:
        """Annotate units pledged, in transit and delivered from the offers answering each need.

        An item the recipient reported counts with the units that arrived: a shortfall shows as missing again.
        """

        def units(statuses) -> Sum:
            return Sum(units_counted("offers__"), filter=Q(offers__status__in=statuses), default=0)

        return self.annotate(
            pledged_units=units(PLEDGED_STATUSES),
            in_transit_units=units(IN_TRANSIT_STATUSES),
            delivered_units=units(DELIVERED_STATUSES),
        )

    def open(self) -> NeedQuerySet:
        return self.filter(is_open=True)

    def coverage_per_city(self) -> list[dict]:
        """Per destination, by name: units needed, pledged, in transit and delivered, in one query.

        ``covered`` counts pledged units only up to what each need asked for, so one
        oversupplied need does not hide another that waits; ``percent`` is covered/needed.
        """
        return coverage_of(self.with_progress().select_related("destination").order_by())


def delivered_rows(rows) -> list[dict]:
    """`OfferQuerySet.delivered_per_destination()`'s rows of its query's (or the summary's) rows."""
    return [
        {"destination_id": row["destination_id"], "name": row["destination__name_nl"],
         "offers": row["offers"], "units": row["units"]}
        for row in rows
    ]


def coverage_of(needs) -> list[dict]:
    """`NeedQuerySet.coverage_per_city()` of needs that carry their progress (as `with_progress` annotates it)."""
    cities: dict[int, dict] = {}
    for need in needs:
        city = cities.setdefault(
            need.destination_id,
            {"destination": need.destination, "needs": 0, "needed": 0, "pledged": 0,
             "in_transit": 0, "delivered": 0, "covered": 0},
        )
        city["needs"] += 1
        city["needed"] += need.quantity
        city["pledged"] += need.pledged_units
        city["in_transit"] += need.in_transit_units
        city["delivered"] += need.delivered_units
        city["covered"] += min(need.pledged_units, need.quantity)
    for city in cities.values():
        city["percent"] = round(100 * city["covered"] / city["needed"]) if city["needed"] else 0
    return sorted(cities.values(), key=lambda city: str(city["destination"]))


class Need(models.Model):
    """What a destination asked for (behoefte)."""

    class Priority(models.IntegerChoices):
        URGENT = 1, _("urgent")
        HIGH = 2, _("high")
        NORMAL = 3, _("normal")

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="needs")
    destination = models.ForeignKey(
        Destination, verbose_name=_("destination"), on_delete=models.PROTECT, related_name="needs"
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    min_power_kva = models.DecimalField(
        _("minimum power (kVA)"), max_digits=7, decimal_places=1, null=True, blank=True
    )
    quantity = models.PositiveIntegerField(_("quantity"))
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    note = models.TextField(_("note"), blank=True, max_length=2000)
    is_open = models.BooleanField(_("open"), default=True)
    created_at = models.DateTimeField(default=timezone.now)

    objects = NeedQuerySet.as_manager()

    class Meta:
        verbose_name = _("need")
        verbose_name_plural = _("needs")
        ordering = ["priority", "destination__name_nl", "category"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0), name="need_quantity_positive"),
            models.CheckConstraint(
                condition=Q(min_power_kva__isnull=True) | Q(min_power_kva__gt=0),
                name="need_power_positive",
            ),
        ]

    def __str__(self) -> str:
        power = f" ≥ {format_measure(self.min_power_kva, 'kVA')}" if self.min_power_kva else ""
        return f"{self.destination}: {self.quantity} × {self.get_category_display()}{power}"


class OfferQuerySet(models.QuerySet["EquipmentOffer"]):
    def for_table(self) -> OfferQuerySet:
        """Join what the equipment table shows, so a page costs a fixed number of queries."""
        return self.select_related("municipality", "appeal", "destination")

    def counting(self) -> OfferQuerySet:
        """Offers that still count: everything but declined and withdrawn ones."""
        return self.exclude(status__in=ENDED_STATUSES)

    def pipeline(self) -> list[dict]:
        """Offers, units and estimated value (euro) per status, in one query.

        The stages of `PIPELINE` first, in workflow order from offered to receipt
        confirmed (each listed even when empty), then declined and withdrawn with
        ``ended`` set.
        """
        return stages(
            self.order_by()
            .values("status")
            .annotate(offers=Count("*"), units=Sum("quantity"), value=Sum(models.F("quantity") * models.F("value_cents")))
        )

    @staticmethod
    def add_up(pipeline: list[dict]) -> dict:
        """The rows of `pipeline()` added up: `totals()` of the same offers."""
        counting = [stage for stage in pipeline if not stage["ended"]]
        return {
            "rows": sum(stage["offers"] for stage in pipeline),
            "units": sum(stage["units"] for stage in counting),
            "value": sum((stage["value"] for stage in counting), Decimal("0.00")),
        }

    def delivered_per_destination(self) -> list[dict]:
        """Per destination (``destination_id``, ``name``): offers and units delivered, confirmed or not; one query.

        Units of a reported item are those the recipient received.
        """
        rows = (
            self.filter(status__in=DELIVERED_STATUSES)
            .order_by()
            .values("destination_id", "destination__name_nl")
            .annotate(offers=Count("*"), units=Sum(units_counted()))
            .order_by("destination__name_nl")
        )
        return delivered_rows(rows)

    def totals(self) -> dict:
        """Rows, units and estimated value (euro, exact) of the offers that still count."""
        counted = ~Q(status__in=ENDED_STATUSES)
        sums = self.aggregate(
            # COUNT(*), not COUNT(id): answered from the (status, quantity, value_cents) index.
            rows=Count("*"),
            units=Sum("quantity", filter=counted, default=0),
            value=Sum(models.F("quantity") * models.F("value_cents"), filter=counted, default=0),
        )
        return {"rows": sums["rows"], "units": sums["units"], "value": cents_to_euro(sums["value"])}

    def by_municipality(self) -> list[dict]:
        """Per municipality with offers that count here, by name, in one exact query.

        Each row: ``id``, ``name``, ``code`` (CBS), ``province``, ``offers`` and
        ``units`` that count (declined and withdrawn ones not), and ``value``, their
        estimated in-kind value in euro (Decimal), as `totals`.
        """
        rows = (
            self.counting()
            .order_by()
            .values("municipality_id", "municipality__name", "municipality__code", "municipality__province")
            .annotate(**_in_kind_sums())
            .order_by("municipality__name", "municipality_id")
        )
        return [
            {
                "id": row["municipality_id"],
                "name": row["municipality__name"],
                "code": row["municipality__code"],
                "province": row["municipality__province"],
                "offers": row["offers"],
                "units": row["units"],
                "value": cents_to_euro(row["value"]),
            }
            for row in rows
        ]

    def by_province(self) -> list[dict]:
        """Every one of the 12 provinces, in alphabetical order: ``province``, ``offers``,
        ``units`` and in-kind ``value`` (euro) of the offers that count, in one exact query."""
        sums = {
            row["municipality__province"]: row
            for row in self.counting().order_by().values("municipality__province").annotate(**_in_kind_sums())
        }
        return [
            {
                "province": province,
                "offers": sums.get(province, {}).get("offers", 0),
                "units": sums.get(province, {}).get("units", 0),
                "value": cents_to_euro(sums.get(province, {}).get("value", 0)),
            }
            for province in Province.values
        ]


def _in_kind_sums() -> dict:
    """Offers, units and estimated value in cents (quantity × value per unit), for annotate."""
    return {
        "offers": Count("*"),
        "units": Sum("quantity", default=0),
        "value": Sum(models.F("quantity") * models.F("value_cents"), default=0),
    }


class EquipmentOffer(models.Model):
    """Equipment a municipality offers (aanbod), followed until the city confirms receipt."""

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="offers")
    municipality = models.ForeignKey(
        Municipality, verbose_name=_("municipality"), on_delete=models.PROTECT, related_name="offers"
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    description = models.CharField(_("description"), max_length=300)
    quantity = models.PositiveIntegerField(_("quantity"))
    power_kva = models.DecimalField(_("power (kVA)"), max_digits=7, decimal_places=1, null=True, blank=True)
    fuel = models.CharField(_("fuel"), max_length=8, choices=Fuel.choices, default=Fuel.NONE)
    phases = models.PositiveSmallIntegerField(
        _("phases"), choices=[(1, _("single phase")), (3, _("three phase"))], null=True, blank=True
    )
    condition = models.CharField(_("condition"), max_length=12, choices=Condition.choices)
    year = models.PositiveSmallIntegerField(_("year of manufacture"), null=True, blank=True)
    value_cents = models.BigIntegerField(_("estimated value per unit"))
    weight_kg = models.DecimalField(_("weight per unit (kg)"), max_digits=8, decimal_places=1)
    length_cm = models.PositiveIntegerField(_("length (cm)"), null=True, blank=True)
    width_cm = models.PositiveIntegerField(_("width (cm)"), null=True, blank=True)
    height_cm = models.PositiveIntegerField(_("height (cm)"), null=True, blank=True)
    fuel_in_tank = models.BooleanField(_("fuel in tank"), default=False)
    lithium_batteries = models.BooleanField(_("lithium batteries"), default=False)
    pickup_address = models.CharField(_("pickup address"), max_length=200)
    pickup_postcode = models.CharField(_("postcode"), max_length=7)
    pickup_city = models.CharField(_("place"), max_length=100)
    available_from = models.DateField(_("available from"))
    contact_name = models.CharField(_("contact person"), max_length=100)
    contact_email = models.EmailField(_("contact e-mail"))
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    need = models.ForeignKey(
        Need, verbose_name=_("answers need"), on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    destination = models.ForeignKey(
        Destination, verbose_name=_("destination"), on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    shipment = models.ForeignKey(
        "pledges.Shipment", verbose_name=_("shipment"), on_delete=models.PROTECT, null=True, blank=True, related_name="offers"
    )
    pickup_date = models.DateField(_("pickup date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=OfferStatus.choices, default=OfferStatus.OFFERED)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("offered by"), on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(_("offered on"), default=timezone.now)
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = OfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("equipment offer")
        verbose_name_plural = _("equipment offers")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gt=0) & Q(quantity__lte=10_000), name="offer_quantity_in_range"),
            models.CheckConstraint(condition=Q(value_cents__gte=0), name="offer_value_not_negative"),
            models.CheckConstraint(condition=Q(weight_kg__gt=0), name="offer_weight_positive"),
            models.CheckConstraint(
                condition=Q(power_kva__isnull=True) | Q(power_kva__gt=0), name="offer_power_positive"
            ),
            # Once accepted, an offer always knows where it goes.
            models.CheckConstraint(
                condition=Q(status__in=("offered", "declined", "withdrawn")) | Q(destination__isnull=False),
                name="offer_destination_once_accepted",
            ),
        ]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="offer_newest"),
            models.Index(fields=["status", "-created_at"], name="offer_status_newest"),
            models.Index(fields=["municipality", "-created_at"], name="offer_muni_newest"),
            models.Index(fields=["appeal", "-created_at"], name="offer_appeal_newest"),
            models.Index(fields=["category", "-created_at"], name="offer_category_newest"),
            models.Index(fields=["destination", "status"], name="offer_destination_status"),
            # As the ledger's: province (an IN list of municipalities) and municipality with a status.
            models.Index(fields=["municipality", "status", "-created_at"], name="offer_muni_status_newest"),
            # Covers the totals (count, units, value) of everything or of one status.
            models.Index(fields=["status", "quantity", "value_cents"], name="offer_status_totals"),
            # The same for one appeal: its pipeline, in-kind value and deliveries per city on the
            # dashboards; and whether a municipality offered anything in it.
            models.Index(
                fields=["appeal", "status", "destination", "quantity", "value_cents"], name="offer_appeal_figures"
            ),
            models.Index(fields=["appeal", "municipality", "status"], name="offer_appeal_municipality"),
            # A need's progress (NeedQuerySet.with_progress) from the index alone.
            models.Index(fields=["need", "status", "quantity"], name="offer_need_progress"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.description}"

    def get_absolute_url(self) -> str:
        return reverse("pledges:offer_detail", args=[self.pk])

    @property
    def number(self) -> str:
        """The offer number people quote: M-000123."""
        return f"M-{self.pk:06d}"

    @property
    def value_per_unit(self) -> Decimal:
        return cents_to_euro(self.value_cents)

    @property
    def total_value(self) -> Decimal:
        return cents_to_euro(self.quantity * self.value_cents)

    @property
    def total_weight_kg(self) -> Decimal:
        return self.quantity * self.weight_kg

    @property
    def category_and_description(self) -> str:
        """"Aggregaat: Atlas Copco QAS 20", but not "Aggregaat: Aggregaat Atlas Copco…"."""
        category = str(self.get_category_display())
        if self.description.casefold().startswith(category.casefold()):
            return self.description
        return f"{category[:1].upper()}{category[1:]}: {self.description}"

    @property
    def is_editable(self) -> bool:
        """The municipality may change or withdraw an offer only while it is only offered."""
        return self.status == OfferStatus.OFFERED

    @property
    def is_dangerous_goods(self) -> bool:
        return self.fuel_in_tank or self.lithium_batteries

    def depreciated_value_cents(self, today: datetime.date | None = None) -> int:
        """Customs value per unit: 10% less per year of age, never below 30% of the estimate.

        Ukrainian humanitarian-aid registration asks for the present value of used
        goods; the fund applies this straight-line rule to every used item.
        """
        if self.condition == Condition.NEW or not self.year:
            return self.value_cents
        age = max((today or timezone.localdate()).year - self.year, 0)
        factor = max(Decimal("0.3"), Decimal("1") - Decimal("0.1") * age)
        return int((self.value_cents * factor).to_integral_value())


# Photos get random names (`random_photo_name`): nothing about the file or the offer can be guessed from them.
PHOTO_FOLDER = "offers/"


def random_photo_name() -> str:
    return uuid.uuid4().hex


class OfferPhoto(models.Model):
    """A photo of an offered item; served only to those who may see the offer."""

    offer = models.ForeignKey(EquipmentOffer, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(upload_to=PHOTO_FOLDER)
    content_type = models.CharField(max_length=20)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("photo")
        verbose_name_plural = _("photos")
        ordering = ["uploaded_at", "id"]


class _OfferSums(models.Model):
    """Running sums of the offers per key, kept by triggers (migration 0026_equipment_summary).

    Every inserted, changed or deleted offer row adds its part in the same statement, as
    the pledges' summary (pledges.donations.models.DonationSummary) is kept. `units` and
    `value_cents` (quantity × value per unit) of every status: whether it counts
    (declined and withdrawn do not) is decided when read, as `OfferQuerySet.totals()` does.
    """

    # Derived rows: no constraint in the database, so a flush may empty the tables in any order.
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    status = models.CharField(max_length=16, choices=OfferStatus.choices)
    offers = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)
    value_cents = models.BigIntegerField(default=0)

    class Meta:
        abstract = True


class OfferSummaryByCategory(_OfferSums):
    """The offers' running sums per appeal, status and category, all municipalities together (fund staff's)."""

    category = models.CharField(max_length=12, choices=Category.choices)

    class Meta:
        verbose_name = _("equipment totals per category")
        verbose_name_plural = _("equipment totals per category")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "status", "category"], name="offer_summary_category_key"),
        ]


class OfferSummaryByMunicipality(_OfferSums):
    """The offers' running sums per appeal, municipality and status (a municipality's or a province's)."""

    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False)

    class Meta:
        verbose_name = _("equipment totals per municipality")
        verbose_name_plural = _("equipment totals per municipality")
        constraints = [
            models.UniqueConstraint(fields=["appeal", "municipality", "status"], name="offer_summary_muni_key"),
        ]
        indexes = [models.Index(fields=["municipality", "status"], name="offer_summary_muni")]


class OfferSummaryByDestination(models.Model):
    """The offers' running sums per appeal, destination, need and status: the needs' coverage and the deliveries.

    `units` counts as `units_counted()` does: what the recipient reported received, else the
    offer's quantity; so triggers on the offers' table and on the receipt confirmations'
    keep it (migration 0031_dashboard_summaries). No destination or no need is 0, not NULL:
    a unique key holds no NULLs to add to.
    """

    # Derived rows: no constraint in the database, so a flush may empty the tables in any order.
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    destination_pk = models.BigIntegerField()
    need_pk = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=OfferStatus.choices)
    offers = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("equipment totals per destination")
        verbose_name_plural = _("equipment totals per destination")
        constraints = [
            models.UniqueConstraint(
                fields=["appeal", "destination_pk", "need_pk", "status"], name="offer_summary_destination_key"
            ),
        ]
        indexes = [models.Index(fields=["need_pk", "status"], name="offer_summary_need")]

    def __str__(self) -> str:
        return f"{self.appeal_id}/{self.destination_pk}/{self.need_pk}/{self.status}"


class OfferSummaryByMunicipalityAndDestination(models.Model):
    """The offers' running sums per municipality, appeal, destination and status: what a municipality delivered where.

    `units` as OfferSummaryByDestination's (received, else offered), kept by triggers on the
    same two tables (migration 0033_deliveries_per_municipality); its key begins with the
    municipality, whose dashboard reads it.
    """

    # Derived rows: no constraint in the database, so a flush may empty the tables in any order.
    municipality = models.ForeignKey(Municipality, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    appeal = models.ForeignKey(Appeal, on_delete=models.CASCADE, related_name="+", db_constraint=False)
    destination_pk = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=OfferStatus.choices)
    offers = models.BigIntegerField(default=0)
    units = models.BigIntegerField(default=0)

    class Meta:
        verbose_name = _("equipment totals per municipality and destination")
        verbose_name_plural = _("equipment totals per municipality and destination")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "appeal", "destination_pk", "status"], name="offer_summary_muni_dest_key"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.municipality_id}/{self.appeal_id}/{self.destination_pk}/{self.status}"
