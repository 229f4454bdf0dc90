from django.apps import AppConfig
from django.apps import apps as installed_apps
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _

# Each running sum and the rows it adds up (see pledges/donations/summary.py, equipment/summary.py).
SUMMARIES_OF_ROWS = {
    "Donation": ("DonationSummary", "DonationSummaryByMonth", "DonationSummaryByMunicipality", "DonationSummaryByDueDate",
                 "ReceivedSummary", "ReceivedSummaryByMonth"),
    "Payment": ("ReceivedSummary", "ReceivedSummaryByMonth"),
    "EquipmentOffer": ("OfferSummaryByCategory", "OfferSummaryByMunicipality", "OfferSummaryByDestination",
                       "OfferSummaryByMunicipalityAndDestination"),
}


def empty_the_sums_of_emptied_rows(sender, using: str, apps=installed_apps, **kwargs) -> None:
    """After `flush` (Django sends post_migrate then), no sum may remain of rows that are gone.

    SQLite has no TRUNCATE: flush deletes table after table, in no fixed order, and each
    deleted row fires the summaries' triggers. A summary emptied before its rows gets their
    parts back, negated. With the rows gone, so go the sums; a ledger with rows is untouched.
    `migrate` sends the models of its plan's state as `apps`; flush sends none.
    """
    for rows_name, summary_names in SUMMARIES_OF_ROWS.items():
        try:
            rows, summaries = apps.get_model("pledges", rows_name), [apps.get_model("pledges", name) for name in summary_names]
        except LookupError:  # migrated only part of the way
            continue
        if not rows._default_manager.using(using).exists():
            for summary in summaries:
                summary._default_manager.using(using).all().delete()


class PledgesConfig(AppConfig):
    name = "pledges"
    verbose_name = _("Pledge ledger")

    def ready(self) -> None:
        from pledges.core.fields import refuse_unstorable_text

        refuse_unstorable_text()  # no form stores text a workbook (XML) cannot hold
        from pledges.accounts import checks as accounts_checks  # noqa: F401  (a proxy the throttle does not know)
        from pledges.accounts import sessions as sessions  # noqa: F401  (starts a session's clock at login)
        from pledges.core import checks as checks  # noqa: F401  (registers the system checks)
        from pledges.core import tasks as tasks  # noqa: F401  (retries failed mails in the worker)
        from pledges.usage import reminders as usage_reminders  # noqa: F401  (joins the daily reminder check)

        post_migrate.connect(empty_the_sums_of_emptied_rows, sender=self)
