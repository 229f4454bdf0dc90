"""What every long job keeps for its progress page: queued, running, done or failed."""

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A long job's own row: its page reads it, whatever becomes of the task result (pruned, retried)."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The task result's id, to find its traceback in the admin.
    task_id = models.CharField(max_length=64, blank=True)
    # Why it failed, in words for the page.
    message = models.TextField(blank=True)

    class Meta:
        abstract = True

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    def start(self) -> None:
        self.status, self.started_at = self.Status.RUNNING, timezone.now()
        self.save(update_fields=["status", "started_at"])

    def finish(self, *fields: str) -> None:
        """Done; `fields` are the result fields the job set on the row."""
        self.status, self.finished_at = self.Status.DONE, timezone.now()
        self.save(update_fields=["status", "finished_at", *fields])

    def fail(self, message: str) -> None:
        self.status, self.finished_at, self.message = self.Status.FAILED, timezone.now(), message
        self.save(update_fields=["status", "finished_at", "message"])
