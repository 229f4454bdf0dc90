"""The usage report's reminder: USAGE_REMINDER_DAYS_BEFORE days before the due date, once per shipment.

Run by the daily check of the payment reminders (pledges.donations.reminders sends `daily_check`
after its own; connected in PledgesConfig.ready()), so cron, the systemd timer and the
worker's self-requeuing daily task all run it. The reminder goes from its day until the due
date: a check that missed that window (a worker down for weeks, shipments delivered before
this existed) sends none late; the coordinator's list shows the shipment as late instead.
Each is an Event USAGE_REMINDER of the shipment, written with its mail task in one
transaction: a second run the same day, or the next, finds it and sends nothing again.
"""

from __future__ import annotations

import datetime

from django.dispatch import receiver
from django.utils import timezone

from pledges.donations.reminders import daily_check
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.usage.mails import send_usage_reminder
from pledges.usage.services import due_date, due_soon


def queue_usage_reminders(today: datetime.date | None = None) -> int:
    """Queue every usage reminder whose day has come and that was not queued before; return how many."""
    today = today or timezone.localdate()
    queued = 0
    with writing():
        waiting = (
            due_soon(today)
            .filter(recipient__isnull=False)
            .exclude(recipient__contact_email="")
            .exclude(events__kind=Event.Kind.USAGE_REMINDER)
        )
        for shipment in waiting:
            # The organisation, not its contact's address: the history is kept for good, unerasable.
            record(Event.Kind.USAGE_REMINDER, shipment, data={"usage_reminder": {
                "due": due_date(shipment).isoformat(), "recipient": shipment.recipient.legal_name_en,
            }})
            send_usage_reminder.enqueue(shipment.pk)
            queued += 1
    return queued


@receiver(daily_check, dispatch_uid="pledges.usage.reminders")
def _daily(sender, today: datetime.date, **kwargs) -> None:
    queue_usage_reminders(today)
