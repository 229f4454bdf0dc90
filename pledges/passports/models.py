from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.equipment.models import PHOTO_FOLDER, EquipmentOffer


class Step(models.TextChoices):
    """A custody step of a unit, from the hub in the Netherlands to its use in Ukraine."""

    LOADED = "loaded", _("loaded")
    AT_HUB = "at_hub", _("at the hub")
    CROSSED_BORDER = "crossed_border", _("crossed the border")
    RECEIVED = "received", _("received")
    INSTALLED = "installed", _("installed")
    IN_USE = "in_use", _("in use")
    BROKEN = "broken", _("broken")


# Where a unit's journey ends for now: it is placed or it is out of order. A unit whose last
# step is one of these is not "not moving" (the coordinator's list leaves it out).
FINAL_STEPS = (Step.INSTALLED, Step.IN_USE, Step.BROKEN)


class Unit(models.Model):
    """One physical unit of an offer that leaves on a shipment (an offer of 3 generators: 3 units).

    Its custody steps are Events of the unit; the last one is kept here too, so the
    contribution page and the list of units that have not moved read one row.
    """

    offer = models.ForeignKey(EquipmentOffer, verbose_name=_("offer"), on_delete=models.PROTECT, related_name="units")
    serial = models.PositiveIntegerField(_("unit"))
    created_at = models.DateTimeField(default=timezone.now)
    # Raised when a coordinator replaces the label: links signed with an earlier version say so.
    link_version = models.PositiveIntegerField(default=0, editable=False)
    last_step = models.CharField(_("last step"), max_length=16, choices=Step.choices, blank=True)
    last_step_at = models.DateTimeField(_("last step at"), null=True, blank=True)
    last_site = models.CharField(_("site"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("unit")
        verbose_name_plural = _("units")
        ordering = ["offer", "serial"]
        constraints = [
            models.UniqueConstraint(fields=["offer", "serial"], name="unit_serial_per_offer"),
            models.CheckConstraint(condition=models.Q(serial__gt=0), name="unit_serial_positive"),
        ]
        indexes = [models.Index(fields=["last_step_at"], name="unit_last_step_at")]

    def __str__(self) -> str:
        return self.number

    @property
    def number(self) -> str:
        """The offer's number and the unit's place in it, as printed on the label: M-000123/3."""
        return f"{self.offer.number}/{self.serial}"


class CustodyPhoto(models.Model):
    """A photo sent with a custody step (stored without metadata); its Event names it."""

    unit = models.ForeignKey(Unit, verbose_name=_("unit"), on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(upload_to=PHOTO_FOLDER)
    content_type = models.CharField(max_length=20)
    uploaded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("custody photo")
        verbose_name_plural = _("custody photos")
        ordering = ["uploaded_at", "id"]

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.image.name}"
