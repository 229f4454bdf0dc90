"""Forms that return typed, validated values with errors in the user's language."""

import datetime

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from pledges.models import MAX_PLEDGE_CENTS, Appeal, Donation
from pledges.money import AmountError, format_euro, parse_euro

# How far ahead a transfer may be planned; further is almost always a typo in the year.
LATEST_EXPECTED_DAYS = 2 * 365


class EuroField(forms.CharField):
    """An amount in euro typed the Dutch or English way; cleans to integer cents."""

    default_error_messages = {
        "invalid": _(
            "Enter an amount in euro, such as 1.250,50 or 1250.50 (at most two decimals)."
        ),
        "min": _("The amount must be more than € 0,00."),
        "max": _("The amount may be at most %(max)s. Contact the fund for a larger pledge."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(inputmode="decimal", autocomplete="off")
        return attrs

    def to_python(self, value) -> int | None:
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            cents = parse_euro(value)
        except AmountError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        if cents <= 0:
            raise forms.ValidationError(self.error_messages["min"], code="min")
        if cents > MAX_PLEDGE_CENTS:
            raise forms.ValidationError(
                self.error_messages["max"], code="max", params={"max": format_euro(MAX_PLEDGE_CENTS)}
            )
        return cents

    def run_validators(self, value) -> None:
        # The length limit applies to the text typed, which to_python already checked.
        self.validators = [v for v in self.validators if not isinstance(v, MaxLengthValidator)]
        super().run_validators(value)


IBAN_ERRORS = {
    InvalidChecksum: _(
        "The check digits of this IBAN do not match: one of the characters is probably "
        "mistyped. Copy it again from the bank statement."
    ),
    InvalidLength: _("This IBAN has the wrong number of characters for its country."),
    InvalidFormat: _(
        "An IBAN starts with a country code and two digits, for example NL91 ABNA 0417 1643 00."
    ),
    InvalidComponent: _("This IBAN contains an unknown country or bank code."),
}


def clean_iban_value(value: str) -> str:
    """Return the compact IBAN, or raise a ValidationError that says what is wrong."""
    try:
        return stdnum_iban.validate(value)
    except ValueError as error:
        message = next(
            (text for kind, text in IBAN_ERRORS.items() if isinstance(error, kind)),
            IBAN_ERRORS[InvalidFormat],
        )
        raise forms.ValidationError(message, code="iban") from None


class DonationForm(forms.ModelForm):
    """A municipality's money pledge, as its staff type it."""

    amount = EuroField(
        label=_("Amount in euro"),
        help_text=_("For example 25.000 or 1.250,50."),
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
        value = self.cleaned_data["expected_date"]
        today = timezone.localdate()
        unchanged = self.instance.pk and value == self.instance.expected_date
        if value < today and not unchanged:
            raise forms.ValidationError(_("The expected transfer date cannot be in the past."))
        if value > today + datetime.timedelta(days=LATEST_EXPECTED_DAYS):
            raise forms.ValidationError(_("The expected transfer date is more than two years away."))
        return value

    def save(self, commit: bool = True) -> Donation:
        self.instance.amount_cents = self.cleaned_data["amount"]
        return super().save(commit=commit)


class EmailLoginForm(AuthenticationForm):
    """Log in with the work e-mail address."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "This e-mail address and password do not match. Both are case-sensitive for the "
            "password only. Forgot your password? Request a new one below."
        ),
        "throttled": _(
            "Too many failed attempts from this address. Wait 15 minutes, or reset your password."
        ),
    }
