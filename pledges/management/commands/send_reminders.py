"""Queue today's payment reminders (run daily by cron or a systemd timer), or start the worker's daily check.

The work is pledges.donations.reminders'; see there which reminder goes when.
"""

from django.core.management.base import BaseCommand

from pledges.donations.reminders import queue_reminders, start_daily_reminders


class Command(BaseCommand):
    help = (
        "Queue the payment reminders whose day has come (each once); the task worker sends them. "
        "With --daily: queue a task that does this every morning in the worker instead."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--daily", action="store_true",
                            help="Let the task worker run the check now and every morning (queued once).")

    def handle(self, *args, daily: bool, **options) -> None:
        if daily:
            started = start_daily_reminders()
            self.stdout.write("Daily reminder check queued." if started else "The daily reminder check is queued already.")
            return
        self.stdout.write(f"{queue_reminders()} payment reminder(s) queued.")
