"""Finance's e-mail, as tasks: the thank-you for money received, queued with the match, and its correction."""

from pledges.core.mails import compose, ledger_link
from pledges.core.tasks import mail_task
from pledges.donations.mails import instruction_recipients
from pledges.donations.models import Donation
from pledges.finance.models import Payment


@mail_task
def send_payment_received(payment_pk: int, donation_pk: int, received_cents: int) -> None:
    """Thank the municipality (contact person and submitter) for money that arrived on a pledge.

    The pledge and its total come with the task, as they were at the match: a statement that
    pays a pledge in several lines thanks for each with the total as it stood then, and a
    line unmatched meanwhile still reports what happened.
    """
    payment = Payment.objects.get(pk=payment_pk)
    donation = Donation.objects.select_related("appeal", "municipality", "created_by").get(pk=donation_pk)
    donation.received_cents = received_cents
    _thank_or_correct("finance/emails/payment_received", payment, donation)


@mail_task
def send_match_corrected(payment_pk: int, donation_pk: int, received_cents: int) -> None:
    """Correct a thank-you: the money it reported was matched to this pledge by mistake and taken off again.

    To the same people as the thank-you, with the pledge's total as it stood after the correction.
    """
    payment = Payment.objects.get(pk=payment_pk)
    donation = Donation.objects.select_related("appeal", "municipality", "created_by").get(pk=donation_pk)
    donation.received_cents = received_cents
    _thank_or_correct("finance/emails/match_corrected", payment, donation)


def _thank_or_correct(template: str, payment: Payment, donation: Donation) -> None:
    """Mail the pledge's people (and the municipality's shared mailbox) about a payment, linking the pledge."""
    context = {
        "donation": donation,
        "payment": payment,
        "appeal": donation.appeal,
        "url": ledger_link(donation.get_absolute_url()),
    }
    recipients = instruction_recipients(donation)
    compose(template, context, recipients, copy_to=donation.municipality.shared_mailbox).send()
