"""Django's loaddata, but the running sums of a fixture are left out: the triggers make them from the rows.

A dump of the app holds the summaries' rows beside the pledges, bank lines and offers they
add up. Every loaded row fires the summaries' triggers, as any INSERT does, so loading the
dump's sums as well would count each row twice (or clash with the sums the triggers just
wrote under the same key). The rows alone give the sums again.
"""

from django.core.management.commands import loaddata

from pledges.apps import SUMMARIES_OF_ROWS

SUMMARIES = sorted({f"pledges.{name}" for names in SUMMARIES_OF_ROWS.values() for name in names})


class Command(loaddata.Command):
    help = loaddata.Command.help + " The running sums (pledge, money received and equipment totals) are not loaded: " \
        "the triggers make them from the loaded rows."

    def handle(self, *fixture_labels, **options):
        options["exclude"] = [*(options.get("exclude") or []), *SUMMARIES]
        return super().handle(*fixture_labels, **options)
