"""Forms and filters of the finance pages: statement upload, matching by hand, bank line lists."""

from __future__ import annotations

import datetime

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import EuroField, clean_iban_value
from pledges.core.filters import DateInput
from pledges.core.once import OnceField
from pledges.donations.models import Donation
from pledges.finance.matching import PledgeNumberIncomplete, find_pledge
from pledges.finance.parsers import StatementRefused
from pledges.finance.statements import read_upload
from pledges.reference.models import Appeal

# A payment entered by hand older than this is almost always a typo in the year.
OLDEST_MANUAL_PAYMENT_DAYS = 5 * 365

STATEMENT_SUFFIXES = ".sta,.940,.mt940,.swi,.txt,.xml,.053"


class StatementUploadForm(forms.Form):
    """One statement file; `clean_file` returns its bytes, read within the size cap."""

    file = forms.FileField(
        label=_("Statement file"),
        help_text=_(
            "MT940 (.sta, .940, .txt) or CAMT.053 (.xml), exactly as the bank exports it. "
            "Importing a file twice, or overlapping periods, adds only lines not seen before."
        ),
        widget=forms.FileInput(attrs={"accept": STATEMENT_SUFFIXES}),
    )

    def clean_file(self) -> bytes:
        upload = self.cleaned_data["file"]
        self.file_name = upload.name
        try:
            return read_upload(upload)
        except StatementRefused as refusal:
            raise forms.ValidationError(str(refusal), code="too_big") from None

    @staticmethod
    def max_megabytes() -> str:
        return f"{settings.BANK_STATEMENT_MAX_BYTES / 1_048_576:.0f}"


def pledge_named(text: str) -> Donation:
    """The pledge finance typed, in full ("T-000052") or as its RF reference; a short number is refused."""
    try:
        donation = find_pledge(text)
    except PledgeNumberIncomplete as short:
        raise forms.ValidationError(
            _("“%(text)s” is not a full pledge number. Type it in full, for example %(example)s, or choose "
              "one of the suggestions."),
            code="incomplete",
            params={"text": short.text, "example": short.example},
        ) from None
    if donation is None:
        raise forms.ValidationError(
            _("No pledge found for “%(text)s”. Enter a pledge number such as T-000123 or its RF reference."),
            code="unknown",
            params={"text": text},
        )
    return donation


class ConfirmedField(forms.CharField):
    """The disagreements finance confirmed in the second step ("T-000052:other_payer ..."), as a set."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, max_length=2000, **kwargs)

    def clean(self, value) -> frozenset[str]:
        return frozenset(super().clean(value).split())


class AssignForm(forms.Form):
    """Finance names the pledge a line pays: its full number or its RF reference."""

    once = OnceField()
    pledge = forms.CharField(
        label=_("Pledge number or RF reference"),
        max_length=40,
        help_text=_("In full, for example T-000123, or RF18 VNG0 0000 0123."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)
    confirmed = ConfirmedField()

    def clean_pledge(self) -> Donation:
        return pledge_named(self.cleaned_data["pledge"].strip())


class SuggestionForm(forms.Form):
    """A suggested pledge confirmed with one button: its primary key."""

    donation = forms.IntegerField(min_value=1)
    note = forms.CharField(max_length=500, required=False)
    confirmed = ConfirmedField()


class ReasonForm(forms.Form):
    """Undoing a match or voiding a payment: the reason is required, the history keeps it."""

    once = OnceField()
    note = forms.CharField(label=_("Reason"), max_length=500)


class SplitForm(forms.Form):
    """One bank line over several pledges: up to PARTS rows of pledge number and amount."""

    PARTS = 5

    once = OnceField()
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)
    confirmed = ConfirmedField()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for index in range(1, self.PARTS + 1):
            self.fields[f"pledge_{index}"] = forms.CharField(
                label=_("Pledge %(index)s") % {"index": index}, max_length=40, required=index <= 2,
                widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            )
            self.fields[f"amount_{index}"] = EuroField(label=_("Amount %(index)s") % {"index": index}, required=index <= 2)

    def rows(self):
        return [(self[f"pledge_{index}"], self[f"amount_{index}"]) for index in range(1, self.PARTS + 1)]

    def clean(self) -> dict:
        data = super().clean()
        parts = []
        for index in range(1, self.PARTS + 1):
            text, cents = (data.get(f"pledge_{index}") or "").strip(), data.get(f"amount_{index}")
            if not text and cents is None:
                continue
            if not text:
                self.add_error(f"pledge_{index}", forms.ValidationError(_("Name the pledge of this amount."),
                                                                        code="required"))
                continue
            try:
                donation = pledge_named(text)
            except forms.ValidationError as error:
                self.add_error(f"pledge_{index}", error)
                continue
            if cents is None:
                if f"amount_{index}" not in self.errors:
                    self.add_error(f"amount_{index}", forms.ValidationError(_("Enter the amount for this pledge."),
                                                                            code="required"))
                continue
            parts.append((donation.pk, cents))
        data["parts"] = parts
        return data


class OverpaymentForm(forms.Form):
    """Finance's decision on money received beyond a pledge."""

    once = OnceField()
    decision = forms.ChoiceField(
        label=_("Decision"), choices=[("refund", _("Refund the overpayment")), ("keep", _("Keep it as a gift"))],
        widget=forms.RadioSelect,
    )
    excess = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)


class ManualPaymentForm(forms.Form):
    """A payment that is on no imported statement (cash, another account), entered by finance.

    Cleans to typed values: `amount` in cents, a compact `counterparty_iban`, and
    `pledge` as the Donation it pays (or None).
    """

    once = OnceField()
    confirmed = ConfirmedField()

    appeal = forms.ModelChoiceField(
        label=_("Appeal"),
        queryset=Appeal.objects.exclude(accepts=Appeal.Accepts.EQUIPMENT).order_by("-is_open", "title"),
        empty_label=None,
        help_text=_("The payment is booked on this appeal's account."),
    )
    booking_date = forms.DateField(label=_("Date received"), widget=DateInput())
    amount = EuroField(label=_("Amount"), help_text=_("In euro, for example 1,250.00."))
    counterparty_name = forms.CharField(label=_("Paid by"), max_length=140)
    counterparty_iban = forms.CharField(
        label=_("IBAN of the payer (optional)"),
        max_length=42,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    remittance = forms.CharField(
        label=_("Description"),
        max_length=500,
        help_text=_("How it was paid and why, for example “cash at the charity concert of 12 May”."),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    pledge = forms.CharField(
        label=_("Pays pledge (optional)"),
        max_length=40,
        required=False,
        help_text=_("A pledge number in full such as T-000123, or its RF reference; leave empty if it pays no pledge "
                    "(yet)."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)

    def clean_booking_date(self) -> datetime.date:
        value = self.cleaned_data["booking_date"]
        today = timezone.localdate()
        if value > today:
            raise forms.ValidationError(_("A payment cannot be received in the future."), code="future")
        if value < today - datetime.timedelta(days=OLDEST_MANUAL_PAYMENT_DAYS):
            raise forms.ValidationError(_("This date is more than five years ago; check the year."), code="old")
        return value

    def clean_counterparty_iban(self) -> str:
        value = self.cleaned_data["counterparty_iban"]
        return clean_iban_value(value) if value.strip() else ""

    def clean_pledge(self) -> Donation | None:
        text = self.cleaned_data["pledge"].strip()
        return pledge_named(text) if text else None

    def clean(self) -> dict:
        data = super().clean()
        donation, appeal = data.get("pledge"), data.get("appeal")
        if donation is not None and appeal is not None and donation.appeal_id != appeal.pk:
            self.add_error(
                "pledge",
                forms.ValidationError(
                    _("Pledge %(number)s belongs to the appeal “%(appeal)s”; choose that appeal."),
                    code="other_appeal",
                    params={"number": donation.number, "appeal": donation.appeal},
                ),
            )
        return data


class ReportForm(forms.Form):
    """The appeal and the period (both dates included) of the finance report."""

    appeal = forms.ModelChoiceField(
        label=_("Appeal"), queryset=Appeal.objects.order_by("-is_open", "title"), empty_label=None
    )
    start = forms.DateField(label=_("From"), widget=DateInput())
    end = forms.DateField(label=_("Until (included)"), widget=DateInput())

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error(
                "end", forms.ValidationError(_("The end of the period lies before its start."), code="order")
            )
        return data


class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note (optional)"), max_length=500, required=False)
