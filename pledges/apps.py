from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


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
