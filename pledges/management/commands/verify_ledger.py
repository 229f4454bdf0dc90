"""Check that the money adds up and the history is unbroken; exit non-zero on any finding."""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from pledges.core import triggers
from pledges.donations import summary
from pledges.equipment import summary as equipment_summary
from pledges.finance.integrity import donation_findings, schedule_findings, split_findings, transfer_findings
from pledges.history.integrity import chain_findings, chain_head


class Command(BaseCommand):
    help = (
        "Verify the ledger: every pledge's received amount equals its matched bank lines, "
        "the pledge and equipment totals equal the pledges and offers, and the Event hash chain is unbroken. "
        "Lists each row that was changed behind the app's back."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--rebuild-summary",
            action="store_true",
            help="First recompute the pledge and equipment totals (the running sums the tables' totals read) from the rows.",
        )

    def handle(self, *args, **options) -> None:
        if options["rebuild_summary"]:
            self.stdout.write(f"Pledge totals rebuilt from the pledges: {summary.rebuild()} rows.")
            self.stdout.write(f"Equipment totals rebuilt from the offers: {equipment_summary.rebuild()} rows.")
        findings = [
            *donation_findings(), *schedule_findings(), *split_findings(), *transfer_findings(),
            *triggers.findings(connection), *summary.differences(), *equipment_summary.differences(),
            *chain_findings(),
        ]
        for finding in findings:
            self.stdout.write(finding)
        count, head = chain_head()
        self.stdout.write(f"History: {count} events, chain head {head}")
        if findings:
            raise CommandError(f"The ledger does not verify: {len(findings)} finding(s).", returncode=2)
        self.stdout.write(self.style.SUCCESS("The ledger verifies: money adds up, history unbroken."))
