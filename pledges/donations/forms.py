"""The money pledge form."""


import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import EuroField, clean_iban_value, upcoming_date
from pledges.core.money import format_euro
from pledges.donations.models import Donation
from pledges.reference.models import Appeal

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
