"""The money pledge form, and the appeal's form in the admin (its receiving account checked)."""


import datetime
import re

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import EuroField, clean_iban_value, upcoming_date
from pledges.core.money import MAX_PLEDGE_CENTS, format_euro
from pledges.donations.models import Donation
from pledges.reference.models import Appeal, KnownIban, Municipality, Population

# How far ahead a transfer may be planned; further is almost always a typo in the year.
LATEST_EXPECTED_DAYS = 2 * 365
# Rows of the instalments table: monthly for a year (no JavaScript adds rows).
INSTALMENT_ROWS = 12


class InstalmentForm(forms.Form):
    """One row of the instalments table; a row left empty is no instalment."""

    due_date = forms.DateField(
        label=_("Due date"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    amount = EuroField(label=_("Amount in euro"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The table's inputs have no label of their own: name each by its row.
        row = {"number": int(self.prefix.rsplit("-", 1)[-1]) + 1} if self.prefix else {"number": 1}
        self.fields["due_date"].widget.attrs["aria-label"] = _("Due date of instalment %(number)s") % row
        self.fields["amount"].widget.attrs["aria-label"] = _("Amount of instalment %(number)s in euro") % row

    def clean(self) -> dict:
        data = super().clean()
        due_date, amount = data.get("due_date"), data.get("amount")
        if (due_date is None) != (amount is None) and not self.errors:
            raise forms.ValidationError(_("Give both the due date and the amount of an instalment."), code="half")
        return data


InstalmentFormSet = forms.formset_factory(InstalmentForm, extra=INSTALMENT_ROWS, max_num=INSTALMENT_ROWS,
                                          absolute_max=INSTALMENT_ROWS)


class DonationForm(forms.ModelForm):
    """A municipality's money pledge, as its staff type it."""

    schedule = forms.ChoiceField(
        label=_("How will it be paid?"), choices=Donation.Schedule.choices, required=False,
        widget=forms.RadioSelect,
        help_text=_("In instalments: fill in the table of instalments below; they must add up to the amount. "
                    "Per inhabitant: the amount follows from the CBS population of the year you choose."),
    )
    amount = EuroField(
        label=_("Amount in euro"), required=False,
        help_text=_("For example 25,000 or 1,250.50."),
    )
    per_inhabitant = EuroField(
        label=_("Amount per inhabitant in euro"), required=False, help_text=_("For example 0.50."),
    )
    population_year = forms.IntegerField(
        label=_("Population of the year"), required=False, min_value=1900, max_value=2100,
        help_text=_("The number of inhabitants on 1 January of this year (CBS) is used."),
    )

    class Meta:
        model = Donation
        fields = [
            "appeal",
            "schedule",
            "amount",
            "per_inhabitant",
            "population_year",
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

    def __init__(self, *args, municipality: Municipality | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # Whose population a pledge per inhabitant reads: the pledging municipality.
        self.municipality = municipality or (self.instance.municipality if self.instance.municipality_id else None)
        appeals = Appeal.objects.filter(is_open=True).exclude(accepts=Appeal.Accepts.EQUIPMENT)
        self.fields["appeal"].queryset = appeals
        self.fields["appeal"].empty_label = None
        self.fields["expected_date"].required = False
        self.fields["expected_date"].help_text = _("Not needed for instalments: the last one's date is used.")
        # Read only for a pledge in instalments: other pledges post no table (or an ignored one).
        in_instalments = self.is_bound and self.data.get("schedule") == Donation.Schedule.INSTALMENTS
        self.instalment_rows = InstalmentFormSet(self.data if in_instalments else None, prefix="instalment")
        self.instalments: list[tuple[datetime.date, int]] = []
        self.population: Population | None = None
        if self.instance.pk:
            self.fields["amount"].initial = format_euro(self.instance.amount_cents).removeprefix("€").strip()
            self.initial["iban"] = self.instance.iban_display
            self.fields["appeal"].disabled = True
            # How a pledge is paid is fixed once it is made: its dues and reminders follow from it.
            for name in ("schedule", "per_inhabitant", "population_year"):
                del self.fields[name]
            if self.instance.schedule != Donation.Schedule.SINGLE:
                self.fields["amount"].disabled = self.fields["expected_date"].disabled = True
        else:
            self.fields["population_year"].initial = timezone.localdate().year

    def clean_schedule(self) -> str:
        return self.cleaned_data["schedule"] or Donation.Schedule.SINGLE

    def clean_iban(self) -> str:
        value = clean_iban_value(self.cleaned_data["iban"])
        if Appeal.objects.filter(iban=value).exists():
            raise forms.ValidationError(
                _("This is the fund's own account. Enter the account your municipality pays from."),
                code="fund_iban",
            )
        return value

    def clean_expected_date(self) -> datetime.date | None:
        if self.cleaned_data.get("expected_date") is None:
            return None
        return upcoming_date(
            self, "expected_date", latest_days=LATEST_EXPECTED_DAYS,
            past=_("The expected transfer date cannot be in the past."),
            too_far=_("The expected transfer date is more than two years away."),
        )

    def clean(self) -> dict:
        data = super().clean()
        # Only a new pledge chooses its schedule; an edit keeps it (and its amount and dates, if scheduled).
        schedule = data.get("schedule") if "schedule" in self.fields else None
        if schedule == Donation.Schedule.INSTALMENTS:
            self._clean_instalments(data)
        elif schedule == Donation.Schedule.PER_INHABITANT:
            self._clean_per_inhabitant(data)
        elif "amount" in data and data["amount"] is None:
            self.add_error("amount", forms.ValidationError(_("Enter the amount."), code="required"))
        if schedule != Donation.Schedule.INSTALMENTS and "expected_date" in data and data["expected_date"] is None:
            self.add_error("expected_date", forms.ValidationError(_("Enter the expected transfer date."),
                                                                  code="required"))
        return data

    def _clean_instalments(self, data: dict) -> None:
        if not self.instalment_rows.is_valid():
            self.add_error(None, _("Correct the instalments in the table."))
            return
        rows = sorted((row["due_date"], row["amount"]) for row in self.instalment_rows.cleaned_data
                      if row.get("due_date") is not None)
        if len(rows) < 2:
            self.add_error(None, _("Give at least two instalments, each with its due date and amount."))
            return
        days = [day for day, _cents in rows]
        if len(set(days)) != len(days):
            self.add_error(None, _("Two instalments have the same due date; give each its own."))
            return
        today = timezone.localdate()
        if days[0] < today or days[-1] > today + datetime.timedelta(days=LATEST_EXPECTED_DAYS):
            self.add_error(None, _("The due dates must lie between today and two years from now."))
            return
        total = sum(cents for _day, cents in rows)
        if data.get("amount") is not None and total != data["amount"]:
            self.add_error(None, _("The instalments add up to %(total)s, not to the amount of %(amount)s.")
                           % {"total": format_euro(total), "amount": format_euro(data["amount"])})
            return
        if data.get("amount") is None:
            self.add_error("amount", forms.ValidationError(_("Enter the amount."), code="required"))
            return
        self.instalments = rows
        data["expected_date"] = days[-1]

    def _clean_per_inhabitant(self, data: dict) -> None:
        rate, year = data.get("per_inhabitant"), data.get("population_year")
        if rate is None:
            self.add_error("per_inhabitant", forms.ValidationError(_("Enter the amount per inhabitant."),
                                                                   code="required"))
        if year is None:
            self.add_error("population_year", forms.ValidationError(_("Enter the year of the population."),
                                                                    code="required"))
        if rate is None or year is None:
            return
        if self.municipality is None:
            raise ValueError("A pledge per inhabitant needs DonationForm(municipality=...).")
        self.population = Population.objects.filter(municipality=self.municipality, year=year).first()
        if self.population is None:
            self.add_error("population_year", forms.ValidationError(
                _("The ledger has no population figure of %(municipality)s for %(year)s, so the amount cannot be "
                  "computed. Choose another year, or pledge a fixed amount; the fund can add the figure.")
                % {"municipality": self.municipality, "year": year}, code="no_population"))
            return
        if rate * self.population.inhabitants > MAX_PLEDGE_CENTS:
            self.add_error("per_inhabitant", forms.ValidationError(
                _("That makes more than %(max)s. Contact the fund for a larger pledge.")
                % {"max": format_euro(MAX_PLEDGE_CENTS)}, code="max"))
            return
        data["amount"] = rate * self.population.inhabitants

    def save(self, commit: bool = True) -> Donation:
        donation = self.instance
        if not self.fields["amount"].disabled:
            donation.amount_cents = self.cleaned_data["amount"]
        if "schedule" in self.cleaned_data:
            donation.schedule = self.cleaned_data["schedule"]
            if self.population is not None:
                donation.per_inhabitant_cents = self.cleaned_data["per_inhabitant"]
                donation.population_year = self.population.year
                donation.inhabitants = self.population.inhabitants
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
class WriteOffForm(forms.Form):
    """Finance writes off what a pledge still lacks, saying why."""

    reason = forms.CharField(label=_("Reason for the write-off"), max_length=500,
                             help_text=_("Recorded in the pledge's history, e.g. the council's decision."))


class RemindersForm(forms.Form):
    """Finance pauses or resumes a pledge's payment reminders, perhaps saying why."""

    paused = forms.BooleanField(required=False, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)
