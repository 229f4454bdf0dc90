"""The append-only history of everything that happens in the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models.donations import Donation
from pledges.models.equipment import EquipmentOffer, OfferStatus, Shipment
from pledges.models.payments import Payment
from pledges.models.reference import Municipality


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
        SHIPMENT = "shipment", _("shipment changed")
        PAYMENT_MATCHED = "payment_matched", _("payment matched")
        PAYMENT_UNMATCHED = "payment_unmatched", _("payment match undone")
        GIFT = "gift", _("marked as gift without pledge")
        GIFT_UNDONE = "gift_undone", _("gift marking undone")
        NAMED_PUBLICLY = "named_publicly", _("public naming changed")
        PAYMENT_ENTERED = "payment_entered", _("payment entered by hand")

    # Exactly one subject per event (see the constraint below).
    donation = models.ForeignKey(
        Donation, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    offer = models.ForeignKey(
        EquipmentOffer, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    shipment = models.ForeignKey(
        Shipment, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    # The bank line of a match (beside its donation) or of a gift marking (alone).
    payment = models.ForeignKey(
        Payment, on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    # A municipality's own choices, such as being named on the public page.
    municipality = models.ForeignKey(
        Municipality, on_delete=models.PROTECT, related_name="events", null=True, blank=True
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
    # Who acted when it was not a user, e.g. "recipient via link (Kyiv)".
    actor_label = models.CharField(_("by (no account)"), max_length=200, blank=True)
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
        indexes = [
            models.Index(fields=["donation", "at"], name="event_donation_at"),
            models.Index(fields=["offer", "at"], name="event_offer_at"),
            models.Index(fields=["shipment", "at"], name="event_shipment_at"),
            models.Index(fields=["payment", "at"], name="event_payment_at"),
        ]
        constraints = [
            models.CheckConstraint(
                # A match or unmatch is the donation's event and names its bank
                # line too; a gift marking has only the bank line.
                condition=(
                    Q(donation__isnull=False, offer__isnull=True, shipment__isnull=True)
                    | Q(
                        donation__isnull=True,
                        offer__isnull=False,
                        shipment__isnull=True,
                        payment__isnull=True,
                    )
                    | Q(
                        donation__isnull=True,
                        offer__isnull=True,
                        shipment__isnull=False,
                        payment__isnull=True,
                    )
                    | Q(
                        donation__isnull=True,
                        offer__isnull=True,
                        shipment__isnull=True,
                        payment__isnull=False,
                    )
                    | Q(
                        donation__isnull=True,
                        offer__isnull=True,
                        shipment__isnull=True,
                        payment__isnull=True,
                        municipality__isnull=False,
                    )
                ),
                name="event_has_one_subject",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def _status_label(self, value: str) -> str:
        if self.offer_id:
            choices = OfferStatus
        elif self.shipment_id:
            choices = Shipment.Status
        else:
            choices = Donation.Status
        return choices(value).label if value in choices.values else value

    @property
    def actor_display(self) -> str:
        return str(self.actor) if self.actor_id else self.actor_label

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
