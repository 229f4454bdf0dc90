"""Running queued tasks in a test, with the worker's own code (django-tasks-db's db_worker)."""

import smtplib
from unittest import mock

from django.core.mail.backends.base import BaseEmailBackend
from django.tasks import TaskResultStatus
from django_tasks_db.management.commands import db_worker
from django_tasks_db.models import DBTaskResult


def run_tasks(*, queues: tuple[str, ...] = ("*",)) -> int:
    """Run every task that is due, as `db_worker --batch` does; return how many ran.

    Works inside a test's transaction on SQLite and PostgreSQL: the worker's
    close_old_connections() would close PostgreSQL's connection in mid-test, so it is left out.
    """
    worker = db_worker.Worker(
        queue_names=list(queues), excluded_queue_names=[], interval=0, batch=True,
        backend_name="default", startup_delay=False, max_tasks=None, worker_id="test-worker",
    )
    with mock.patch.object(db_worker, "close_old_connections", lambda: None):
        worker.run()
    return worker._run_tasks


class BrokenMailBackend(BaseEmailBackend):
    """A mail server that is down."""

    def send_messages(self, email_messages):
        raise smtplib.SMTPServerDisconnected("the mail server is down")


class MailServer:
    """The mail server of a test: `down()` makes it refuse every message, `up()` brings it back."""

    def __init__(self, settings):
        self.settings, self.working = settings, settings.MAILERS

    def down(self) -> None:
        self.settings.MAILERS = {"default": {"BACKEND": "tests.tasks.BrokenMailBackend"}}

    def up(self) -> None:
        self.settings.MAILERS = self.working


def queued() -> list[tuple[str, list, dict]]:
    """The tasks waiting for the worker, oldest first: (function name, args, kwargs)."""
    return [
        (row.task_path.rsplit(".", 1)[-1], row.args_kwargs["args"], row.args_kwargs["kwargs"])
        for row in DBTaskResult.objects.filter(status=TaskResultStatus.READY).order_by("enqueued_at", "id")
    ]
