"""Queue again the tasks a killed worker left RUNNING (the backend never notices a dead worker)."""

import datetime

from django.core.management.base import BaseCommand

from pledges.core.tasks import reset_stale


class Command(BaseCommand):
    help = (
        "Put tasks that have been RUNNING for longer than --minutes back in the queue. "
        "Run it before starting the workers (ExecStartPre); with workers running, keep "
        "--minutes above the longest job."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--minutes", type=int, default=60, help="only tasks started longer ago (default 60)")

    def handle(self, *args, minutes: int, **options) -> None:
        count = reset_stale(datetime.timedelta(minutes=minutes))
        self.stdout.write(f"{count} stale task(s) queued again.")
