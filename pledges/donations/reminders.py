"""Payment reminders: a friendly one a week before a due date, one on the day, one when overdue.

A pledge's dues are its instalments, or its whole amount by the expected date
(`Donation.dues`). Each day `queue_reminders()` looks at every open pledge whose reminders
are not paused and, for each due not yet paid, queues the reminder whose moment has come:

- `before`:  from 7 days before the due date, until the due date;
- `due`:     from the due date, until REMINDER_OVERDUE_DAYS after it;
- `overdue`: from REMINDER_OVERDUE_DAYS after the due date on.

A reminder whose moment passed before the check ran is not sent late (the next one is), and
none goes for a moment before the pledge was made (its payment instructions just went). Each
is a `Reminder` row, unique per due and kind, written with its mail task in one transaction:
never twice. The mail task (`mails.send_reminder`) sends it only if it is still due (the money not matched, the pledge
not withdrawn, written off or paused meanwhile), to the contact person and the submitter.

`manage.py send_reminders` runs the check once (cron or a systemd timer, daily);
`manage.py send_reminders --daily` queues `check_reminders`, which runs the check and queues
itself for the next morning, so a worker alone keeps reminding (`make run` starts it).
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.dispatch import Signal
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pledges.core.tasks import job_task
from pledges.donations.mails import instruction_recipients, send_reminder
from pledges.donations.models import Donation, Due, Reminder, dues_of
from pledges.history.services import writing

BEFORE_DAYS = 7
# When the daily check runs: early, so the reminders are in the inbox at the start of the day.
DAILY_AT = datetime.time(7, 0)
# Sent (with `today`) after each daily check: other parts' daily reminders hang on it (pledges.usage).
daily_check = Signal()


def reminder_moments(due_date: datetime.date) -> list[tuple[str, datetime.date]]:
    """Each kind of reminder of a due and the day from which it goes, in order."""
    return [
        (Reminder.Kind.BEFORE, due_date - datetime.timedelta(days=BEFORE_DAYS)),
        (Reminder.Kind.DUE, due_date),
        (Reminder.Kind.OVERDUE, due_date + datetime.timedelta(days=settings.REMINDER_OVERDUE_DAYS)),
    ]


def reminder_due(due: Due, today: datetime.date, pledged_on: datetime.date) -> str | None:
    """The kind of reminder `due` asks for today, if any."""
    if due.is_paid:
        return None
    moments = reminder_moments(due.due_date)
    for index, (kind, start) in enumerate(moments):
        end = moments[index + 1][1] if index + 1 < len(moments) else None
        if start <= today and (end is None or today < end):
            return kind if pledged_on < start else None
    return None


def queue_reminders(today: datetime.date | None = None) -> int:
    """Queue every reminder whose moment has come and that was not queued before; return how many."""
    today = today or timezone.localdate()
    queued = 0
    with writing():
        pledges = (
            Donation.objects.filter(status__in=Donation.OPEN_STATUSES, reminders_paused=False)
            .select_related("created_by")
            .prefetch_related("instalments", "reminders")
            .order_by("pk")
        )
        for donation in pledges:
            sent = {(reminder.due_date, reminder.kind) for reminder in donation.reminders.all()}
            pledged_on = timezone.localdate(donation.created_at)
            for due in dues_of(donation, list(donation.instalments.all())):
                kind = reminder_due(due, today, pledged_on)
                if kind is None or (due.due_date, kind) in sent:
                    continue
                reminder = Reminder.objects.create(
                    donation=donation, due_date=due.due_date, kind=kind, recipients=instruction_recipients(donation)
                )
                send_reminder.enqueue(reminder.pk)
                queued += 1
    daily_check.send(sender=queue_reminders, today=today)
    return queued


def next_morning(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next DAILY_AT, local time."""
    local = timezone.localtime(now)
    day = local.date() + datetime.timedelta(days=1) if local.time() >= DAILY_AT else local.date()
    return timezone.make_aware(datetime.datetime.combine(day, DAILY_AT))


@job_task
def check_reminders(repeat: bool = False) -> None:
    """The daily check; with `repeat`, the next morning's is queued first, so a failing check skips one day only."""
    if repeat:
        with writing():
            _queue_daily(run_after=next_morning())
    queue_reminders()


def _queue_daily(run_after: datetime.datetime | None = None) -> bool:
    """Queue the repeating check unless one waits already (one chain, whatever was restarted)."""
    waiting = DBTaskResult.objects.filter(task_path=check_reminders.module_path, status=TaskResultStatus.READY)
    if any(row.args_kwargs["kwargs"].get("repeat") for row in waiting):
        return False
    task = check_reminders.using(run_after=run_after) if run_after else check_reminders
    task.enqueue(repeat=True)
    return True


def start_daily_reminders() -> bool:
    """Queue the repeating daily check, due now, unless one waits already; return whether it was queued."""
    with writing():
        return _queue_daily()
