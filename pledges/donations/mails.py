"""The pledge's e-mails, as tasks: queued with the change they report, rendered and sent by the worker."""

from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext

from pledges.accounts.models import Role, User
from pledges.core.mails import RECIPIENT_LANGUAGE, compose, ledger_link
from pledges.core.money import format_euro
from pledges.core.pdf import PDF_CONTENT_TYPE, render_pdf
from pledges.core.tasks import mail_task
from pledges.donations.appeals import account_since
from pledges.donations.epc import epc_qr_png_data_uri
from pledges.donations.models import Donation, Due, Reminder
from pledges.history.models import Event
from pledges.history.rendering import show_all
from pledges.history.services import writing


def instruction_recipients(donation: Donation, *also: str) -> list[str]:
    """Who receives a pledge's payment instructions: its contact person and its submitter (and `also`)."""
    return sorted({donation.contact_email, donation.created_by.email, *also})


def payment_instructions_pdf(donation: Donation) -> bytes:
    """The printable payment instructions with the EPC QR code, in Dutch (the municipality's books)."""
    return render_pdf(
        "donations/payment_instructions_pdf.html", {"donation": donation, "epc_qr": epc_qr_png_data_uri(donation)}
    )


def _label_column(rows: list[tuple[str, str]], width: int) -> str:
    """Lines of "label:  value" with every value starting in the same column, for a plain-text mail."""
    return "\n".join(f"  {label + ':':<{width}} {value}" for label, value in rows)


@mail_task
def send_payment_instructions(donation_pk: int, changed: bool = False, also_to: list[str] = ()) -> None:
    """Mail the contact person and the submitter what to transfer, where, with which reference.

    `changed`: the pledge was edited, and the mail says these instructions replace the earlier
    ones; `also_to` are further addresses that hold the earlier ones (a replaced contact person).
    """
    donation = Donation.objects.select_related("appeal", "municipality", "created_by").get(pk=donation_pk)
    appeal = donation.appeal
    # The labels are laid out here, before the templates render: in the mail's language too.
    with translation.override(RECIPIENT_LANGUAGE):
        transfer = [
            (gettext("Amount"), format_euro(donation.amount_cents)),
            (gettext("To account (IBAN)"), appeal.iban_display),
            (gettext("In the name of"), appeal.account_name),
            (gettext("Description"), f"{appeal.transfer_keyword} {donation.reference}"),
            (gettext("Before"), date_format(donation.expected_date, "DATE_FORMAT")),
            (gettext("Account valid since"), since_text(account_since(appeal))),
        ]
        pledge = [
            (gettext("Council/college decision"), donation.decision_reference),
            (gettext("Paying IBAN"), donation.iban_display),
        ]
        # A pledge in instalments: each due date with its amount, after the whole.
        dues = donation.dues() if donation.schedule == Donation.Schedule.INSTALMENTS else []
        instalments = [(date_format(due.due_date, "DATE_FORMAT"), format_euro(due.amount_cents)) for due in dues]
    width = max(len(label) for label, _value in transfer + pledge + instalments) + 1
    context = {
        "donation": donation,
        "appeal": appeal,
        "changed": changed,
        "transfer": _label_column(transfer, width),
        "pledge": _label_column(pledge, width),
        "instalments": _label_column(instalments, width),
        "url": ledger_link(donation.get_absolute_url()),
    }
    recipients = instruction_recipients(donation, *also_to)
    message = compose(
        "donations/emails/payment_instructions",
        context,
        recipients,
        copy_to=donation.municipality.shared_mailbox,
    )
    # The QR code travels in the PDF: a plain-text mail cannot show it, and many mail programs
    # strip images from HTML mail; a banking app scans it from the printout or the screen.
    message.attach(f"betaalinstructie-{donation.number}.pdf", payment_instructions_pdf(donation), PDF_CONTENT_TYPE)
    message.send()


def since_text(since) -> str:
    """Since when an appeal's receiving account holds, in the active language."""
    return date_format(timezone.localtime(since), "DATE_FORMAT") if since else gettext("the start of the appeal")


@mail_task
def account_changed(event_pk: int) -> None:
    """Tell finance and the coordinators that an appeal's receiving account changed: who, when, from what to what."""
    event = Event.objects.select_related("appeal", "actor").get(pk=event_pk)
    recipients = sorted(
        User.objects.filter(role__in=[Role.FINANCE, Role.COORDINATOR], is_active=True).values_list("email", flat=True)
    )
    if not recipients:
        return
    with translation.override(RECIPIENT_LANGUAGE):
        [(_event, shown)] = show_all([event])
    context = {
        "event": event,
        "appeal": event.appeal,
        "shown": shown,
        # The appeal's page shows the account and every change of it, with who made it.
        "url": ledger_link(reverse("pledges:appeal_dashboard", args=[event.appeal_id]) + "#account-heading"),
    }
    compose("donations/emails/account_changed", context, recipients).send()


def still_due(reminder: Reminder) -> Due | None:
    """The due a reminder is about, if it is still unpaid on an open pledge whose reminders run."""
    donation = reminder.donation
    if donation.status not in Donation.OPEN_STATUSES or donation.reminders_paused:
        return None
    due = next((due for due in donation.dues() if due.due_date == reminder.due_date), None)
    return due if due is not None and not due.is_paid else None


@mail_task
def send_reminder(reminder_pk: int) -> None:
    """Mail one reminder (in Dutch, the pledge number in the subject, a link to the pledge), once."""
    reminder = Reminder.objects.select_related(
        "donation__appeal", "donation__municipality", "donation__created_by"
    ).get(pk=reminder_pk)
    if reminder.sent_at or reminder.dropped_at:
        return
    due = still_due(reminder)
    if due is None:
        with writing():
            Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(dropped_at=timezone.now())
        return
    donation = reminder.donation
    context = {
        "reminder": reminder,
        "donation": donation,
        "appeal": donation.appeal,
        "due": due,
        "dues": donation.dues(),
        "url": ledger_link(donation.get_absolute_url()),
    }
    compose(
        "donations/emails/reminder", context, reminder.recipients, copy_to=donation.municipality.shared_mailbox
    ).send()
    with writing():
        Reminder.objects.filter(pk=reminder.pk, sent_at__isnull=True).update(sent_at=timezone.now())
