"""What every long job keeps for its progress page: queued, running, done or failed."""

import contextlib

from django.conf import settings
from django.db import models, transaction
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

    @classmethod
    def queue(cls, task, **fields):
        """A new job and its task, in one transaction: the task exists exactly when the job does."""
        with transaction.atomic():
            job = cls.objects.create(**fields)
            job.task_id = task.enqueue(job.pk).id
            job.save(update_fields=["task_id"])
        return job

    @property
    def is_pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @contextlib.contextmanager
    def running(self):
        """Running while the block runs; failed if it raises (the traceback goes to the task, in the admin)."""
        self.status, self.started_at = self.Status.RUNNING, timezone.now()
        self.save(update_fields=["status", "started_at"])
        try:
            yield
        except Exception:
            self.fail("")
            raise

    def finish(self, *fields: str) -> None:
        """Done; `fields` are the result fields the job set on the row."""
        self.status, self.finished_at = self.Status.DONE, timezone.now()
        self.save(update_fields=["status", "finished_at", *fields])

    def fail(self, message: str) -> None:
        self.status, self.finished_at, self.message = self.Status.FAILED, timezone.now(), message
        self.save(update_fields=["status", "finished_at", "message"])


class UsedFormToken(models.Model):
    """A form that books money, sent once: its token (pledges.core.once), kept from the moment it was used.

    Written in the transaction of the booking, so a token is used exactly when the booking committed.
    """

    token = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=40)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    used_at = models.DateTimeField(default=timezone.now)
    # Where the first submission led (the payment it recorded), to show again on a second one.
    outcome = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("used form token")
        verbose_name_plural = _("used form tokens")
