"""The append-only history of everything that happens in the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.models.donations import Donation


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
