"""E-mails the ledger sends. Called after commit, so a rolled-back change mails nobody."""

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from pledges.models import Donation, User


def send_payment_instructions(donation: Donation) -> None:
    """Mail the contact person and the submitter what to transfer, where, with which reference."""
    recipients = sorted({donation.contact_email, donation.created_by.email})
    # Municipalities read Dutch; the mail is theirs whatever language the form was in.
    with translation.override("nl"):
        context = {"donation": donation, "appeal": donation.appeal}
        subject = render_to_string("emails/payment_instructions_subject.txt", context).strip()
        body = render_to_string("emails/payment_instructions.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)


def send_invitation(user: User, base_url: str) -> None:
    """Invite a new user: a password-reset link that lets them choose a first password."""
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    link = base_url.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])
    with translation.override("nl"):
        body = render_to_string("emails/invitation.txt", {"user": user, "link": link})
        subject = render_to_string("emails/invitation_subject.txt", {"user": user}).strip()
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
