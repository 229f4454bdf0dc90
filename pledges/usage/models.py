"""The recipient's report on the use of a delivered shipment, due USAGE_REPORT_DAYS after its arrival."""

from __future__ import annotations

import uuid

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.logistics.models import Shipment
from pledges.usage.files import EXTENSIONS

# Reports are kept apart from photos: only fund staff download them.
REPORT_FOLDER = "usage-reports/"


def random_report_name(instance, filename: str) -> str:
    """A name that says nothing of the recipient's file name (kept in `file_name`), with the checked type's extension."""
    return f"{REPORT_FOLDER}{uuid.uuid4().hex}{instance.extension}"


class UsageReport(models.Model):
    """What the recipient organisation reported of a shipment's use: a file, a description, or both. Once."""

    shipment = models.OneToOneField(
        Shipment, verbose_name=_("shipment"), on_delete=models.PROTECT, related_name="usage_report"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    description = models.TextField(_("description of the use"), blank=True, max_length=5000)
    file = models.FileField(_("report file"), upload_to=random_report_name, blank=True)
    # As the recipient named it, and the type its content was checked as.
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_content_type = models.CharField(max_length=100, blank=True)
    file_size = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("usage report")
        verbose_name_plural = _("usage reports")
        constraints = [
            models.CheckConstraint(condition=~Q(description="") | ~Q(file=""), name="usage_report_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.shipment.number}: {self.submitted_at:%Y-%m-%d}"

    @property
    def extension(self) -> str:
        return EXTENSIONS.get(self.file_content_type, "")
