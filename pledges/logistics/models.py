from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.core.money import cents_to_euro
from pledges.equipment.models import PHOTO_FOLDER, EquipmentOffer
from pledges.history.rendering import receipt_text
from pledges.recipients.models import RecipientOrganisation
from pledges.reference.models import Appeal, Destination


class Shipment(models.Model):
    """A truck or consignment carrying accepted offers to one destination (transport)."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("planned")
        IN_TRANSIT = "in_transit", _("in transit")
        DELIVERED = "delivered", _("delivered")

    appeal = models.ForeignKey(Appeal, verbose_name=_("appeal"), on_delete=models.PROTECT, related_name="shipments")
    destination = models.ForeignKey(
        Destination, verbose_name=_("destination"), on_delete=models.PROTECT, related_name="shipments"
    )
    carrier = models.CharField(_("carrier"), max_length=100)
    reference = models.CharField(_("carrier reference"), max_length=100, blank=True)
    hub = models.CharField(_("hub"), max_length=100, help_text=_("Where the offers are gathered before departure."))
    planned_departure = models.DateField(_("planned departure"))
    planned_arrival = models.DateField(_("planned arrival"), null=True, blank=True)
    departed_on = models.DateField(_("departed on"), null=True, blank=True)
    arrived_on = models.DateField(_("arrived on"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    created_at = models.DateTimeField(default=timezone.now)
    # The version of the receipt links that work: a coordinator who revokes the links raises it,
    # and a link signed with a lower version says it was replaced (pledges.logistics.receipts).
    recipient_link_version = models.PositiveIntegerField(_("receipt link version"), default=0, editable=False)
    # Who receives it in Ukraine: an organisation of the destination, named on every document.
    recipient = models.ForeignKey(
        RecipientOrganisation, verbose_name=_("recipient organisation"), on_delete=models.PROTECT,
        null=True, blank=True, related_name="shipments",
    )
    # The National Bank of Ukraine's official rate of the day the coordinator entered (hryvnia per
    # euro): the act of acceptance-transfer states the values in both currencies at this rate.
    exchange_rate_uah = models.DecimalField(
        _("NBU exchange rate (UAH per EUR)"), max_digits=9, decimal_places=4, null=True, blank=True
    )
    exchange_rate_date = models.DateField(_("date of the exchange rate"), null=True, blank=True)

    class Meta:
        verbose_name = _("shipment")
        verbose_name_plural = _("shipments")
        ordering = ["-planned_departure", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(planned_arrival__isnull=True) | Q(planned_arrival__gte=models.F("planned_departure")),
                name="shipment_arrival_after_departure",
            ),
            # A rate is kept with its date, or not at all.
            models.CheckConstraint(
                condition=Q(exchange_rate_uah__isnull=True, exchange_rate_date__isnull=True)
                | Q(exchange_rate_uah__gt=0, exchange_rate_date__isnull=False),
                name="shipment_rate_with_date",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.number} → {self.destination}"

    @property
    def number(self) -> str:
        return f"TR-{self.pk:05d}"

    def get_absolute_url(self) -> str:
        return reverse("pledges:shipment_detail", args=[self.pk])

    def totals(self) -> dict:
        """Units, weight, estimated value and dangerous goods of the offers on board."""
        offers = list(self.offers.all())
        return {
            "offers": len(offers),
            "units": sum(o.quantity for o in offers),
            "weight_kg": sum((o.total_weight_kg for o in offers), Decimal("0")),
            "value": cents_to_euro(sum(o.quantity * o.value_cents for o in offers)),
            "fuel_in_tank": sum(o.quantity for o in offers if o.fuel_in_tank),
            "lithium_batteries": sum(o.quantity for o in offers if o.lithium_batteries),
        }


class ReceiptConfirmation(models.Model):
    """What the recipient city reported of one delivered offer (through a signed link).

    Confirmations made before the outcome existed meant "received in full"; the migration
    that added it says so for each of them.
    """

    class Outcome(models.TextChoices):
        RECEIVED = "received", _("received in full")
        FEWER = "fewer", _("fewer received")
        DAMAGED = "damaged", _("arrived damaged")
        NOT_RECEIVED = "not_received", _("not received")

    offer = models.OneToOneField(EquipmentOffer, on_delete=models.PROTECT, related_name="receipt")
    confirmed_at = models.DateTimeField(default=timezone.now)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, default=Outcome.RECEIVED)
    # Units that arrived, damaged or not: what the needs board counts as delivered.
    quantity_received = models.PositiveIntegerField(_("quantity received"))
    note = models.TextField(blank=True, max_length=2000)
    photo = models.FileField(upload_to=PHOTO_FOLDER, blank=True)
    photo_content_type = models.CharField(max_length=20, blank=True)

    class Meta:
        verbose_name = _("receipt confirmation")
        verbose_name_plural = _("receipt confirmations")
        constraints = [
            # Not received is nothing received; fewer is at least one (none is "not received").
            models.CheckConstraint(
                condition=~Q(outcome="not_received") | Q(quantity_received=0),
                name="receipt_not_received_is_none",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="fewer") | Q(quantity_received__gt=0),
                name="receipt_fewer_is_some",
            ),
        ]

    @property
    def is_shortfall(self) -> bool:
        """Anything but "received in full": the coordinators hear of it."""
        return self.outcome in SHORTFALL_OUTCOMES

    @property
    def missing_units(self) -> int:
        return max(self.offer.quantity - self.quantity_received, 0)

    def report(self) -> str:
        """What the recipient reported, as one sentence in the active language."""
        return receipt_text({"outcome": self.outcome, "received": self.quantity_received, "quantity": self.offer.quantity})


# What the recipient may report but "received in full": a shortfall, which the coordinators hear of.
SHORTFALL_OUTCOMES = (
    ReceiptConfirmation.Outcome.FEWER, ReceiptConfirmation.Outcome.DAMAGED, ReceiptConfirmation.Outcome.NOT_RECEIVED,
)
