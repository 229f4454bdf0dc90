"""The shipments' e-mails, as tasks: queued with the report they tell of, sent by the worker."""

from pledges.accounts.models import Role, User
from pledges.core.mails import compose, ledger_link
from pledges.core.tasks import mail_task
from pledges.logistics.models import ReceiptConfirmation


@mail_task
def receipt_shortfall(receipt_pk: int) -> None:
    """Tell the coordinators the recipient reported an item short, damaged or not received."""
    receipt = ReceiptConfirmation.objects.select_related(
        "offer__municipality", "offer__shipment__destination"
    ).get(pk=receipt_pk)
    coordinators = sorted(
        User.objects.filter(role=Role.COORDINATOR, is_active=True).values_list("email", flat=True)
    )
    if not coordinators:
        return
    shipment = receipt.offer.shipment
    context = {
        "receipt": receipt,
        "offer": receipt.offer,
        "shipment": shipment,
        "url": ledger_link(shipment.get_absolute_url()),
    }
    compose("logistics/emails/receipt_shortfall", context, coordinators).send()
