"""A record of every spreadsheet export: who took which rows out of the ledger."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ExportLog(models.Model):
    """One export of a ledger table: who, which table and filter, how many rows, which format, when."""

    class Format(models.TextChoices):
        XLSX = "xlsx", "XLSX"
        CSV = "csv", "CSV"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("exported by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    # Which table: "donations", "offers", "shipments", "payments", "outstanding", or "report"
    # (the finance report, whose rows are those of its detail sheets).
    table = models.CharField(_("table"), max_length=32)
    # The filter and sort as the screen had them, without "export" and paging.
    querystring = models.TextField(_("filter"), blank=True)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    row_count = models.PositiveIntegerField(_("rows"))
    created_at = models.DateTimeField(_("exported at"), default=timezone.now)

    class Meta:
        verbose_name = _("export")
        verbose_name_plural = _("exports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.table} {self.format} ({self.row_count})"
