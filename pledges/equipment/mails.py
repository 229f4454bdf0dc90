"""The equipment offer's e-mails, as tasks: queued with the move they report, sent by the worker."""

from pledges.accounts.models import Role, User
from pledges.core.mails import compose, ledger_link
from pledges.core.tasks import mail_task
from pledges.equipment.models import EquipmentOffer, OfferStatus


def _offer(offer_pk: int) -> EquipmentOffer:
    return EquipmentOffer.objects.select_related(
        "municipality", "created_by", "destination", "need"
    ).get(pk=offer_pk)


def _municipality_staff(offer: EquipmentOffer) -> list[str]:
    """The submitter and the municipality's other active staff users."""
    emails = set(
        User.objects.filter(municipality_id=offer.municipality_id, is_active=True).values_list("email", flat=True)
    )
    emails.add(offer.created_by.email)
    return sorted(emails)


@mail_task
def offer_moved(offer_pk: int, to_status: str, note: str) -> None:
    """Tell the municipality its offer was accepted, declined, collected, delivered or confirmed."""
    offer = _offer(offer_pk)
    context = {
        "offer": offer,
        "status": OfferStatus(to_status).label,
        "note": note,
        "url": ledger_link(offer.get_absolute_url()),
    }
    compose(
        "equipment/emails/offer_moved", context, _municipality_staff(offer), copy_to=offer.municipality.shared_mailbox
    ).send()


@mail_task
def new_offer(offer_pk: int) -> None:
    """Tell the coordinators a municipality offered equipment."""
    coordinators = sorted(
        User.objects.filter(role=Role.COORDINATOR, is_active=True).values_list("email", flat=True)
    )
    if coordinators:
        offer = _offer(offer_pk)
        context = {"offer": offer, "url": ledger_link(offer.get_absolute_url())}
        compose("equipment/emails/new_offer", context, coordinators).send()
