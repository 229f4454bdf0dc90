"""The money pledge form, and the appeal's form in the admin (its receiving account checked)."""


import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import EuroField, clean_iban_value, upcoming_date
from pledges.core.money import format_euro
from pledges.donations.models import Donation
from pledges.reference.models import Appeal, KnownIban

# How far ahead a transfer may be planned; further is almost always a typo in the year.
LATEST_EXPECTED_DAYS = 2 * 365


class DonationForm(forms.ModelForm):
    """A municipality's money pledge, as its staff type it."""

    amount = EuroField(
        label=_("Amount in euro"),
        help_text=_("For example 25,000 or 1,250.50."),
    )

    class Meta:
        model = Donation
        fields = [
            "appeal",
            "amount",
            "iban",
            "decision_reference",
            "expected_date",
            "contact_name",
            "contact_email",
        ]
        widgets = {
            "expected_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "iban": forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
            # WCAG 1.3.5: tell browsers which personal data a field asks for.
            "contact_name": forms.TextInput(attrs={"autocomplete": "name"}),
            "contact_email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }
        help_texts = {
            "iban": _("The account your municipality will pay from."),
            "decision_reference": _("The council or college decision that grants the money."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        appeals = Appeal.objects.filter(is_open=True).exclude(accepts=Appeal.Accepts.EQUIPMENT)
        self.fields["appeal"].queryset = appeals
        self.fields["appeal"].empty_label = None
        if self.instance.pk:
            self.fields["amount"].initial = format_euro(self.instance.amount_cents).removeprefix("€").strip()
            self.initial["iban"] = self.instance.iban_display
            self.fields["appeal"].disabled = True

    def clean_iban(self) -> str:
        value = clean_iban_value(self.cleaned_data["iban"])
        if Appeal.objects.filter(iban=value).exists():
            raise forms.ValidationError(
                _("This is the fund's own account. Enter the account your municipality pays from."),
                code="fund_iban",
            )
        return value

    def clean_expected_date(self) -> datetime.date:
        return upcoming_date(
            self, "expected_date", latest_days=LATEST_EXPECTED_DAYS,
            past=_("The expected transfer date cannot be in the past."),
            too_far=_("The expected transfer date is more than two years away."),
        )

    def save(self, commit: bool = True) -> Donation:
        self.instance.amount_cents = self.cleaned_data["amount"]
        return super().save(commit=commit)


class WithdrawForm(forms.Form):
    """Withdrawing a pledge: why, if the municipality wants to say."""

    note = forms.CharField(label=_("Reason for withdrawal (optional)"), required=False, max_length=500)


# What the payment instructions tell every municipality to type into its bank's transfer: only the
# characters every SEPA bank carries (the EPC's Latin set), without a leading, trailing or double
# slash, within the lengths of a SEPA transfer's name (70) and of the keyword before the RF
# reference in its 140-character description.
SEPA_TEXT = re.compile(r"^[A-Za-z0-9/?:().,'+ -]+$")
ACCOUNT_NAME_MAX = 70
KEYWORD_MAX = 35
# An RF reference in the keyword would be matched as a pledge's reference.
RF_LIKE = re.compile(r"\bRF\s*\d\d", re.IGNORECASE)


def clean_sepa_text(value: str, maximum: int) -> str:
    """`value` with its spaces tidied, or a ValidationError that says what a bank would refuse."""
    value = " ".join(value.split())
    if not value:
        raise forms.ValidationError(_("This field is required."), code="required")
    if len(value) > maximum:
        raise forms.ValidationError(
            _("A bank accepts at most %(max)d characters here; this is %(length)d."),
            code="sepa_length", params={"max": maximum, "length": len(value)},
        )
    if not SEPA_TEXT.match(value) or value.startswith("/") or value.endswith("/") or "//" in value:
        raise forms.ValidationError(
            _("Use only letters without accents (ë → e), digits, spaces and / - ? : ( ) . , ' +, "
              "with no slash at the start or end and no double slash: other characters are changed or "
              "refused by banks."),
            code="sepa_characters",
        )
    return value


class AppealForm(forms.ModelForm):
    """An appeal as the administrator edits it; its receiving account is what every pledge is told to pay to."""

    class Meta:
        model = Appeal
        fields = "__all__"
        help_texts = {
            "iban": _("Every open pledge's payment instructions show it at once; a change is recorded and "
                      "mailed to finance and the coordinators."),
        }

    def clean_iban(self) -> str:
        value = clean_iban_value(self.cleaned_data["iban"])
        if KnownIban.objects.filter(iban=value).exists():
            raise forms.ValidationError(
                _("A municipality pays from this IBAN: it cannot be the fund's receiving account."),
                code="municipal_iban",
            )
        return value

    def clean_account_name(self) -> str:
        return clean_sepa_text(self.cleaned_data["account_name"], ACCOUNT_NAME_MAX)

    def clean_transfer_keyword(self) -> str:
        value = clean_sepa_text(self.cleaned_data["transfer_keyword"], KEYWORD_MAX)
        if RF_LIKE.search(value):
            raise forms.ValidationError(
                _("The keyword must not look like an RF reference: the fund would match it as a pledge's."),
                code="rf_keyword",
            )
        return value
