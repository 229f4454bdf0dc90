"""The 90-day follow-up: when a delivered shipment's usage report is due, who is late, and the report itself.

The period counts from the day the shipment arrived (`Shipment.arrived_on`, set when the
coordinator marks it delivered), not from the recipient's confirmation: the recipient owes
the report from the day it received the goods, and a confirmation made late (or never) must
not move or erase the due date. Only a delivered shipment without `arrived_on` (none is made
so) counts from its first receipt confirmation.

The report is the recipient organisation's act through its signed link, made once: a file
(PDF, DOCX, XLSX or a photo), a description of the use, or both. A second submit, from a
double click or a second tab, changes nothing and says when the report was made; what the
recipient wants to add later goes to the fund by mail, as the page says.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models import Min, QuerySet
from django.utils import timezone

from pledges.history.models import Event
from pledges.history.rendering import RECIPIENT
from pledges.history.services import record, writing
from pledges.logistics.models import Shipment
from pledges.usage.models import UsageReport


class AlreadyReported(Exception):
    """The shipment's usage report was submitted before; nothing was changed."""

    def __init__(self, report: UsageReport) -> None:
        super().__init__(report.shipment_id)
        self.report = report


class NotReportable(Exception):
    """The shipment is not (or no longer) delivered: there is nothing to report on."""


class EmptyReport(Exception):
    """Neither a file nor a description."""


@dataclasses.dataclass(frozen=True)
class ReportFile:
    """A report file whose type its content proved (pledges.usage.files), as the recipient named it."""

    content: ContentFile
    content_type: str
    name: str
    size: int


def report_days() -> datetime.timedelta:
    return datetime.timedelta(days=settings.USAGE_REPORT_DAYS)


def received_on(shipment: Shipment) -> datetime.date | None:
    """The day the recipient received the goods: the shipment's arrival (else its first confirmation)."""
    if shipment.status != Shipment.Status.DELIVERED:
        return None
    if shipment.arrived_on:
        return shipment.arrived_on
    first = shipment.offers.aggregate(first=Min("receipt__confirmed_at"))["first"]
    return timezone.localdate(first) if first else None


def due_date(shipment: Shipment) -> datetime.date | None:
    """The last day of the usage report: USAGE_REPORT_DAYS after receipt; None before delivery."""
    received = received_on(shipment)
    return received + report_days() if received else None


def reminder_date(due: datetime.date) -> datetime.date:
    return due - datetime.timedelta(days=settings.USAGE_REMINDER_DAYS_BEFORE)


def awaiting_report() -> QuerySet[Shipment]:
    """Delivered shipments whose usage report has not come in (each with an arrival day)."""
    return Shipment.objects.filter(
        status=Shipment.Status.DELIVERED, usage_report__isnull=True, arrived_on__isnull=False
    ).select_related("destination", "recipient")


def late(today: datetime.date | None = None) -> QuerySet[Shipment]:
    """Awaiting a report whose due date passed (the due date itself is not late), longest late first."""
    today = today or timezone.localdate()
    return awaiting_report().filter(arrived_on__lt=today - report_days()).order_by("arrived_on", "pk")


def due_soon(today: datetime.date | None = None) -> QuerySet[Shipment]:
    """Awaiting a report due from today to USAGE_REMINDER_DAYS_BEFORE days ahead (reminded, or about to be)."""
    today = today or timezone.localdate()
    first = today - report_days()
    return awaiting_report().filter(
        arrived_on__gte=first, arrived_on__lte=first + datetime.timedelta(days=settings.USAGE_REMINDER_DAYS_BEFORE)
    ).order_by("arrived_on", "pk")


def recipient_label(shipment: Shipment) -> str:
    """Who reports, for the history: the recipient organisation, else the city."""
    return shipment.recipient.legal_name_en if shipment.recipient_id else shipment.destination.name_nl


def submit_report(shipment: Shipment, *, description: str = "", file: ReportFile | None = None) -> UsageReport:
    """Record the recipient's usage report of `shipment`, all or nothing, with its Event.

    EmptyReport, NotReportable and AlreadyReported change nothing.
    """
    description = description.strip()
    if not description and file is None:
        raise EmptyReport
    stored = ""
    try:
        with writing():
            current = Shipment.objects.select_for_update().filter(pk=shipment.pk).first()
            if current is None or current.status != Shipment.Status.DELIVERED:
                raise NotReportable
            existing = UsageReport.objects.filter(shipment=current).select_related("shipment").first()
            if existing:
                raise AlreadyReported(existing)
            due = due_date(current)
            report = UsageReport(shipment=current, description=description)
            if file:
                report.file_name, report.file_content_type, report.file_size = file.name[:200], file.content_type, file.size
                report.file.save("report", file.content, save=False)
                stored = report.file.name
            report.save()
            submitted_on = timezone.localdate(report.submitted_at)
            record(
                Event.Kind.USAGE_REPORT, current, actor_label=recipient_label(current),
                data={"by": RECIPIENT, "usage_report": {
                    "file": report.file_name, "content_type": report.file_content_type, "size": report.file_size,
                    "described": bool(description), "due": due.isoformat() if due else "",
                    "late": bool(due and submitted_on > due),
                }},
                note=description,
            )
    except BaseException:
        # The rows were rolled back; the file must not outlive them.
        if stored:
            default_storage.delete(stored)
        raise
    return report
