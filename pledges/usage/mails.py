"""The usage report's e-mail, as a task: the reminder to the recipient organisation, in Ukrainian and English."""

from pledges.core.mails import compose, ledger_link
from pledges.core.tasks import mail_task
from pledges.logistics.models import Shipment
from pledges.usage import links
from pledges.usage.models import UsageReport
from pledges.usage.services import due_date

# A Ukrainian organisation reads Ukrainian first; the English beneath is for whoever does not.
MAIL_LANGUAGE = "uk"


@mail_task
def send_usage_reminder(shipment_pk: int) -> None:
    """Mail the recipient's contact a fresh signed link to the usage page, unless the report came in meanwhile."""
    shipment = Shipment.objects.select_related("recipient", "destination").get(pk=shipment_pk)
    recipient = shipment.recipient
    if recipient is None or not recipient.contact_email or UsageReport.objects.filter(shipment=shipment).exists():
        return
    context = {
        "shipment": shipment,
        "recipient": recipient,
        "due": due_date(shipment),
        "expires": links.expires_on(),
        "url_uk": ledger_link(links.usage_path(shipment, "uk")),
        "url_en": ledger_link(links.usage_path(shipment, "en")),
    }
    compose("usage/emails/reminder", context, [recipient.contact_email], language=MAIL_LANGUAGE).send()
