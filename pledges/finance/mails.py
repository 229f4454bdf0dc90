
from django.conf import settings
from django.core.mail import EmailMessage, mailers
from django.template.loader import render_to_string
from django.utils import translation

from pledges.donations.mails import instruction_recipients
from pledges.donations.models import Donation
from pledges.finance.models import Payment


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
