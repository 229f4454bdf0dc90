"""E-mails the ledger sends. Called after commit, so a rolled-back change mails nobody."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage, mailers, send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.formats import date_format
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext

from pledges.models import Donation, EquipmentOffer, OfferStatus, Payment, Role, User
from pledges.money import format_euro


def instruction_recipients(donation: Donation, *also: str) -> list[str]:
    """Who receives a pledge's payment instructions: its contact person and its submitter (and `also`)."""
    return sorted({donation.contact_email, donation.created_by.email, *also})


def _label_column(rows: list[tuple[str, str]], width: int) -> str:
    """Lines of "label:  value" with every value starting in the same column, for a plain-text mail."""
    return "\n".join(f"  {label + ':':<{width}} {value}" for label, value in rows)


def send_payment_instructions(donation: Donation, *, changed: bool = False, also_to: tuple[str, ...] = ()) -> None:
    """Mail the contact person and the submitter what to transfer, where, with which reference.

    `changed`: the pledge was edited, and the mail says these instructions replace the earlier
    ones; `also_to` are further addresses that hold the earlier ones (a replaced contact person).
    """
    appeal = donation.appeal
    # Municipalities read Dutch; the mail is theirs whatever language the form was in.
    with translation.override("nl"):
        transfer = [
            (gettext("Amount"), format_euro(donation.amount_cents)),
            (gettext("To account (IBAN)"), appeal.iban_display),
            (gettext("In the name of"), appeal.account_name),
            (gettext("Description"), f"{appeal.transfer_keyword} {donation.reference}"),
            (gettext("Before"), date_format(donation.expected_date, "DATE_FORMAT")),
        ]
        pledge = [
            (gettext("Council/college decision"), donation.decision_reference),
            (gettext("Paying IBAN"), donation.iban_display),
        ]
        width = max(len(label) for label, _value in transfer + pledge) + 1
        context = {
            "donation": donation,
            "appeal": appeal,
            "changed": changed,
            "transfer": _label_column(transfer, width),
            "pledge": _label_column(pledge, width),
        }
        subject = render_to_string("emails/payment_instructions_subject.txt", context).strip()
        body = render_to_string("emails/payment_instructions.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, instruction_recipients(donation, *also_to))


def send_invitation(user: User, base_url: str) -> None:
    """Invite a new user: a password-reset link that lets them choose a first password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])
    with translation.override("nl"):
        body = render_to_string("emails/invitation.txt", {"user": user, "link": link})
        subject = render_to_string("emails/invitation_subject.txt", {"user": user}).strip()
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])


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


def send_payments_received(received: list[tuple[Payment, Donation]]) -> None:
    """Thank each municipality (contact person and submitter) for money that arrived on a pledge.

    All thanks of one import go through one mail connection: a statement may match hundreds.
    """
    messages = []
    with translation.override("nl"):
        for payment, donation in received:
            context = {"donation": donation, "payment": payment, "appeal": donation.appeal}
            subject = render_to_string("emails/payment_received_subject.txt", context).strip()
            body = render_to_string("emails/payment_received.txt", context)
            recipients = instruction_recipients(donation)
            messages.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, recipients))
    if messages:
        mailers.default.send_messages(messages)
