"""Create demo users for every role, pledges, needs and equipment offers to try the ledger with.

The work is pledges.demo.loader's (see there what the demo data holds); this command only
reports what it did. Only with DEBUG (the users share one known password). Safe to rerun.
"""

from django.core.management.base import BaseCommand, CommandError

from pledges.demo.loader import DEMO_PASSWORD, DemoDataRefused, load_demo_data


class Command(BaseCommand):
    help = "Create demo users (password: %s) and demo pledges." % DEMO_PASSWORD

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pledges", type=int, default=60, help="How many demo pledges.")

    def handle(self, *args, pledges: int, **options) -> None:
        try:
            demo = load_demo_data(pledges)
        except DemoDataRefused as refused:
            raise CommandError(str(refused)) from refused
        if not demo.added:
            self.stdout.write("Demo pledges exist already; nothing added.")
            return
        self.stdout.write(
            f"Demo data: {len(demo.users)} users (password {DEMO_PASSWORD!r}), {demo.pledges} pledges, "
            f"{len(demo.statements)} bank statements."
        )
