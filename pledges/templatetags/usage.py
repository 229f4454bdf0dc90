"""The usage report where fund staff look: on the shipment's page and on the coordinator's start page."""

from django import template
from django.conf import settings
from django.utils import timezone

from pledges.accounts.models import Role
from pledges.core.mails import ledger_link
from pledges.logistics.models import Shipment
from pledges.usage import links
from pledges.usage.models import UsageReport
from pledges.usage.services import due_date, due_soon, late

register = template.Library()

# The rows the start page's block shows; the rest is on the list.
START_ROWS = 5


@register.inclusion_tag("usage/shipment_usage.html", takes_context=True)
def shipment_usage(context, shipment: Shipment) -> dict:
    """`{% shipment_usage shipment %}`: the report, or its due date and the link to send (fund staff only)."""
    user = context["request"].user
    shown = user.is_fund_staff and shipment.status == Shipment.Status.DELIVERED
    if not shown:
        return {"shown": False}
    report = UsageReport.objects.filter(shipment=shipment).first()
    due = due_date(shipment)
    link = None
    if report is None and user.role == Role.COORDINATOR:
        link = {"url": ledger_link(links.usage_path(shipment)), "expires": links.expires_on()}
    return {
        "shown": True, "shipment": shipment, "report": report, "due": due, "link": link,
        "late": report is None and due is not None and due < timezone.localdate(),
    }


@register.inclusion_tag("usage/start_block.html", takes_context=True)
def usage_start_block(context) -> dict:
    """`{% usage_start_block %}`: the coordinator's start page block of late usage reports and those due soon."""
    user = context["request"].user
    if user.role not in (Role.COORDINATOR, Role.ADMINISTRATOR):
        return {"shown": False}
    today = timezone.localdate()
    overdue, soon = late(today), due_soon(today)
    rows = [(shipment, due_date(shipment), True) for shipment in overdue[:START_ROWS]]
    rows += [(shipment, due_date(shipment), False) for shipment in soon[: max(START_ROWS - len(rows), 0)]]
    return {
        "shown": True, "late_count": overdue.count(), "soon_count": soon.count(), "rows": rows,
        "days": settings.USAGE_REMINDER_DAYS_BEFORE,
    }
