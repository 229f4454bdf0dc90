"""Queue the yearly account of every municipality that took part in a year (schedule it in January)."""

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from pledges.accounts.models import Role, User
from pledges.finance.tasks import queue_annual_accounts


class Command(BaseCommand):
    help = (
        "Queue a yearly account (PDF, written by the task worker) for every municipality with a pledge, "
        "an offer or a payment in --year (default: last year). --requested-by names the finance user "
        "the accounts are asked for by."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--year", type=int, default=None, help="the year (default: last year)")
        parser.add_argument("--requested-by", required=True, help="e-mail address of a finance user")

    def handle(self, *args, year: int | None, requested_by: str, **options) -> None:
        user = User.objects.filter(email__iexact=requested_by, role=Role.FINANCE, is_active=True).first()
        if user is None:
            raise CommandError(f"No active finance user with the e-mail address {requested_by!r}.")
        year = year or timezone.localdate().year - 1
        accounts = queue_annual_accounts(year, user)
        self.stdout.write(f"{len(accounts)} yearly account(s) for {year} queued.")
