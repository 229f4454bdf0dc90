"""Load municipalities, Ukrainian destinations and the Ukraine energy appeal. Safe to rerun.

The work is pledges.reference.loader's; this command only reports what it did.
"""

from django.core.management.base import BaseCommand

from pledges.reference.loader import load_reference_data


class Command(BaseCommand):
    help = "Load the 342 municipalities, the Ukrainian destinations and the Ukraine appeal."

    def handle(self, *args, **options) -> None:
        self.stdout.write(str(load_reference_data()))
