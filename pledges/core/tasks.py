"""Side effects as tasks: Django's `django.tasks` on the database backend (django-tasks-db).

A task is a row written in the transaction of the change it reports, so it exists
exactly when that change committed; a worker (`manage.py db_worker --queue-name '*'`)
runs it afterwards, outside any request. Mails go on the `mails` queue, jobs someone
waits for on `default`, ahead of mails.

The backend has no retries. A mail that fails is re-armed here with exponential
backoff (30 s, 1, 2, 4 ... minutes, at most an hour apart) until it has had
MAIL_ATTEMPTS tries; then it stays FAILED, and the admin's action resends it.
"""

import datetime
import logging
import random

from django.dispatch import receiver
from django.tasks import TaskResultStatus, task
from django.tasks.signals import task_finished
from django.utils import timezone
from django_tasks_db.backend import DatabaseBackend
from django_tasks_db.models import DBTaskResult, get_date_max

logger = logging.getLogger(__name__)

MAILS = "mails"
# Jobs a person watches on a progress page run before the mails of earlier jobs.
JOB_PRIORITY = 10

# Eight tries over about an hour: a mail server's restart or a short outage passes unnoticed.
MAIL_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30.0
LONGEST_RETRY_SECONDS = 3600.0


def mail_task(function):
    """An e-mail as a task: arguments are JSON (pks, codes, ISO dates); the worker renders and sends."""
    return task(queue_name=MAILS)(function)


def job_task(function):
    """A long job (an import, a report) that writes its own progress where its page reads it."""
    return task(priority=JOB_PRIORITY)(function)


def retry_delay(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones, with jitter so retries spread."""
    delay = min(LONGEST_RETRY_SECONDS, FIRST_RETRY_SECONDS * 2 ** (attempts - 1))
    return delay * random.uniform(0.8, 1.2)  # noqa: S311 (spreading retries, not security)


@receiver(task_finished, sender=DatabaseBackend, dispatch_uid="pledges.core.tasks.retry_mail")
def retry_mail(sender, task_result, **kwargs) -> None:
    """Re-arm a failed mail (the same row: its id stays, its attempts count up) until it has had its tries."""
    if task_result.status != TaskResultStatus.FAILED or task_result.task.queue_name != MAILS:
        return
    attempts = task_result.attempts
    if attempts >= MAIL_ATTEMPTS:
        logger.error("Mail task %s failed %d times; resend it from the admin.", task_result.id, attempts)
        return
    DBTaskResult.objects.filter(id=task_result.id, status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY,
        run_after=timezone.now() + datetime.timedelta(seconds=retry_delay(attempts)),
        finished_at=None,
    )


def resend(results) -> int:
    """Queue failed tasks again, due now, with a fresh series of tries; return how many."""
    return results.filter(status=TaskResultStatus.FAILED).update(
        status=TaskResultStatus.READY, run_after=get_date_max(), finished_at=None, worker_ids=[]
    )


def reset_stale(older_than: datetime.timedelta) -> int:
    """Queue again the tasks a killed worker left RUNNING for longer than `older_than`; return how many.

    Every task here may run twice: mails say what happened, the jobs check what they already did.
    """
    return DBTaskResult.objects.filter(
        status=TaskResultStatus.RUNNING, started_at__lt=timezone.now() - older_than
    ).update(status=TaskResultStatus.READY, run_after=get_date_max())
