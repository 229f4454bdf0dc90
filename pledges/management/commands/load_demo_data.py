"""Create demo users for every role, pledges, needs, equipment offers and shipments to try the ledger with.

The work is pledges.demo.loader's (see there what the demo data holds); this command only
reports what it did. Only with DEBUG (the users share one known password). Safe to rerun.
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pledges.demo.loader import DEMO_PASSWORD, DemoDataRefused, load_demo_data


class Command(BaseCommand):
    help = "Create demo users (password: %s), demo pledges and shipments." % DEMO_PASSWORD

    def add_arguments(self, parser) -> None:
        parser.add_argument("--pledges", type=int, default=60, help="How many demo pledges.")
        parser.add_argument(
            "--folder", type=Path,
            help="Write finance's practice statement and the city's receipt link here (make run: demo/).",
        )

    def handle(self, *args, pledges: int, folder: Path | None, **options) -> None:
        try:
            demo = load_demo_data(pledges, folder)
        except DemoDataRefused as refused:
            raise CommandError(str(refused)) from refused
        if not demo.added:
            self.stdout.write("Demo pledges exist already; nothing added (make reset-demo starts the demo afresh).")
            return
        self.stdout.write(
            f"Demo data: {len(demo.users)} users (password {DEMO_PASSWORD!r}), {demo.pledges} pledges, "
            f"{len(demo.statements)} bank statements, {demo.shipments} shipments."
        )
        for file in demo.files:
            self.stdout.write(f"  {file}")
