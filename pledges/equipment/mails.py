
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation

from pledges.accounts.models import Role, User
from pledges.equipment.models import EquipmentOffer, OfferStatus


def _municipality_staff(offer: EquipmentOffer) -> list[str]:
    """The submitter and the municipality's other active staff users."""
    emails = set(
        User.objects.filter(municipality_id=offer.municipality_id, is_active=True).values_list("email", flat=True)
    )
    emails.add(offer.created_by.email)
    return sorted(emails)


def offer_moved(offer: EquipmentOffer, to_status: str, note: str) -> None:
    """Tell the municipality its offer was accepted, declined, collected, delivered or confirmed."""
    with translation.override("nl"):
        context = {"offer": offer, "status": OfferStatus(to_status).label, "note": note}
        subject = render_to_string("emails/offer_moved_subject.txt", context).strip()
        body = render_to_string("emails/offer_moved.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, _municipality_staff(offer))


def new_offer(offer: EquipmentOffer) -> None:
    """Tell the coordinators a municipality offered equipment."""
    coordinators = list(
        User.objects.filter(role=Role.COORDINATOR, is_active=True).values_list("email", flat=True)
    )
    if not coordinators:
        return
    with translation.override("nl"):
        context = {"offer": offer}
        subject = render_to_string("emails/new_offer_subject.txt", context).strip()
        body = render_to_string("emails/new_offer.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, sorted(coordinators))
