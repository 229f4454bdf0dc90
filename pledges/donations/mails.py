"""E-mails the ledger sends. Called after commit, so a rolled-back change mails nobody."""


from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from pledges.core.money import format_euro
from pledges.donations.models import Donation


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
