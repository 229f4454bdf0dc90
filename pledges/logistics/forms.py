"""Shipments, their loading and moves, and the receipt the recipient city confirms."""


import datetime
import re
from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import PHOTO_TYPES, upcoming_date
from pledges.equipment.forms import equipment_appeals
from pledges.equipment.models import EquipmentOffer
from pledges.equipment.photos import cleaned_photo
from pledges.logistics.models import ReceiptConfirmation, Shipment
from pledges.logistics.receipts import ReportRefused, received_units
from pledges.recipients.models import RecipientOrganisation

# How far ahead a shipment may be planned, and how long it may take; more is almost always a typo.
LATEST_DEPARTURE_DAYS = 365
LONGEST_JOURNEY_DAYS = 90


class RecipientChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: RecipientOrganisation) -> str:
        return f"{obj.legal_name_en} ({obj.destination})"


def recipient_elsewhere(destination) -> str:
    return _("That organisation does not receive in %(destination)s: choose one of the shipment's destination, "
             "or add it under Recipient organisations.") % {"destination": destination}


class ShipmentForm(forms.ModelForm):
    """A truck or consignment the coordinator plans (transport)."""

    recipient = RecipientChoiceField(
        label=_("Recipient organisation"),
        queryset=RecipientOrganisation.objects.select_related("destination"),
        required=False,
        empty_label=_("Not chosen yet"),
        help_text=_("The organisation of the destination that receives the goods and signs for them; "
                    "the shipment cannot depart without it."),
    )

    class Meta:
        model = Shipment
        fields = [
            "appeal", "destination", "carrier", "reference", "hub", "planned_departure", "planned_arrival", "recipient",
        ]
        widgets = {
            "planned_departure": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "planned_arrival": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        }
        help_texts = {
            "reference": _("The carrier's own reference for this transport, if it has one."),
            "destination": _("Only offers accepted for this city or oblast can go on the shipment."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "appeal" in self.fields:
            self.fields["appeal"].queryset = equipment_appeals().filter(is_open=True)
            self.fields["appeal"].empty_label = None

    def clean_planned_departure(self) -> datetime.date:
        return upcoming_date(
            self, "planned_departure", latest_days=LATEST_DEPARTURE_DAYS,
            past=_("The planned departure cannot be in the past."),
            too_far=_("The planned departure is more than a year away."),
        )

    def clean(self) -> dict:
        data = super().clean()
        destination = data.get("destination") if "destination" in self.fields else self.instance.destination
        recipient = data.get("recipient")
        if recipient and destination and recipient.destination_id != destination.pk:
            self.add_error("recipient", recipient_elsewhere(destination))
        departure, arrival = data.get("planned_departure"), data.get("planned_arrival")
        if departure and arrival:
            if arrival < departure:
                self.add_error("planned_arrival", _("The planned arrival cannot be before the planned departure."))
            elif arrival > departure + datetime.timedelta(days=LONGEST_JOURNEY_DAYS):
                self.add_error(
                    "planned_arrival", _("The planned arrival is more than 90 days after the departure.")
                )
        return data


class ShipmentEditForm(ShipmentForm):
    """The details of a planned shipment that may change before it leaves.

    Appeal and destination stay: the offers on board were accepted for them.
    """

    class Meta(ShipmentForm.Meta):
        fields = ["carrier", "reference", "hub", "planned_departure", "planned_arrival", "recipient"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Offered are the destination's own organisations; another's is refused in clean(), by name.
        self.fields["recipient"].widget.choices = RecipientChoiceField(
            queryset=self.fields["recipient"].queryset.filter(destination_id=self.instance.destination_id),
            required=False, empty_label=self.fields["recipient"].empty_label,
        ).choices


class ShipmentMoveForm(forms.Form):
    """A shipment leaves or arrives; `expected_status` is the status the coordinator saw."""

    to_status = forms.ChoiceField(
        choices=[(Shipment.Status.IN_TRANSIT, _("departed")), (Shipment.Status.DELIVERED, _("delivered"))],
        widget=forms.HiddenInput,
    )
    expected_status = forms.ChoiceField(choices=Shipment.Status.choices, widget=forms.HiddenInput)
    on = forms.DateField(
        label=_("Date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("Leave empty for today."),
    )
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)

    def __init__(self, *args, shipment: Shipment | None = None, to_status: str = "", **kwargs):
        if shipment is not None:
            kwargs.setdefault("initial", {"to_status": to_status, "expected_status": shipment.status})
        super().__init__(*args, **kwargs)
        if to_status == Shipment.Status.IN_TRANSIT:
            self.fields["on"].label = _("Departure date")
        elif to_status == Shipment.Status.DELIVERED:
            self.fields["on"].label = _("Arrival date")

    def clean_on(self) -> datetime.date:
        value = self.cleaned_data["on"] or timezone.localdate()
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")
        return value


# The NBU publishes the hryvnia per euro with four decimals ("48,1234"); five whole digits is the column's limit.
RATE_SHAPE = re.compile(r"(\d{1,5})(?:[.,](\d{1,4}))?")


class ExchangeRateForm(forms.Form):
    """The National Bank of Ukraine's official rate of a day, for the act of acceptance-transfer."""

    rate = forms.CharField(
        label=_("NBU rate (UAH per EUR)"),
        max_length=20,
        help_text=_("The official rate of the National Bank of Ukraine, such as 48,1234: hryvnia for one euro."),
        error_messages={"required": _("Enter the rate, such as 48,1234.")},
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )
    on = forms.DateField(
        label=_("Date of the rate"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Enter the date the NBU set this rate for.")},
    )

    def clean_rate(self) -> Decimal:
        typed = self.cleaned_data["rate"].strip().replace(" ", "").replace("\u00a0", "")
        if typed.startswith("-"):
            raise forms.ValidationError(_("The rate must be more than 0."), code="min")
        match = RATE_SHAPE.fullmatch(typed)
        if not match:
            raise forms.ValidationError(
                _("Enter the rate as a number with at most four decimals, such as 48,1234."), code="invalid"
            )
        whole, fraction = match.groups()
        rate = Decimal(f"{whole}.{fraction or '0'}")
        if rate <= 0:
            raise forms.ValidationError(_("The rate must be more than 0."), code="min")
        return rate

    def clean_on(self) -> datetime.date:
        value = self.cleaned_data["on"]
        if value > timezone.localdate():
            raise forms.ValidationError(_("The date cannot be in the future."), code="future")
        return value


class LoadingForm(forms.Form):
    """Offers put on a planned shipment, or one offer taken off it."""

    offers = forms.ModelMultipleChoiceField(
        label=_("Offers"),
        queryset=EquipmentOffer.objects.none(),
        required=False,
        error_messages={
            "invalid_choice": _("One of the chosen offers can no longer go on this shipment; look again."),
            "invalid_pk_value": _("One of the chosen offers no longer exists."),
        },
    )
    remove = forms.ModelChoiceField(
        queryset=EquipmentOffer.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("That offer is no longer on this shipment.")},
    )

    def __init__(self, *args, loadable, on_board, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["offers"].queryset = loadable
        self.fields["remove"].queryset = on_board

    def clean(self) -> dict:
        data = super().clean()
        if not self.errors and not data.get("offers") and not data.get("remove"):
            raise forms.ValidationError(_("Choose one or more offers to add."), code="empty")
        return data


# Receipt confirmed by the recipient city -----------------------------------------------------


class ReceiptForm(forms.Form):
    """What the recipient reports of one delivered item (prefixed per item): what arrived, a note, a photo."""

    outcome = forms.ChoiceField(
        label=_("What arrived?"),
        choices=ReceiptConfirmation.Outcome.choices,
        initial=ReceiptConfirmation.Outcome.RECEIVED,
        widget=forms.RadioSelect,
        # A page shown before items had outcomes sends none: it meant "received in full".
        required=False,
        error_messages={"invalid_choice": _("Choose what arrived.")},
    )
    quantity_received = forms.IntegerField(
        label=_("Quantity received"),
        required=False,
        min_value=0,
        help_text=_("Only for “fewer received” or “arrived damaged”: how many units arrived."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the condition on arrival, what is damaged, or who received it."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("A JPEG, PNG or WebP photo of at most 5 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(PHOTO_TYPES.values())}),
    )

    def __init__(self, *args, offer: EquipmentOffer, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer = offer
        self.fields["quantity_received"].widget.attrs["max"] = offer.quantity

    def clean_photo(self):
        return cleaned_photo(self)

    def clean_outcome(self) -> str:
        return self.cleaned_data["outcome"] or ReceiptConfirmation.Outcome.RECEIVED

    def clean(self) -> dict:
        data = super().clean()
        outcome = data.get("outcome")
        if outcome is None or "quantity_received" in self.errors:
            return data
        try:
            data["quantity_received"] = received_units(outcome, self.offer.quantity, data.get("quantity_received"))
        except ReportRefused as refusal:
            self.add_error("quantity_received", refusal.message)
        if outcome == ReceiptConfirmation.Outcome.DAMAGED and not data.get("note", "").strip():
            self.add_error("note", _("Say what is damaged, so the fund can follow it up."))
        return data

    def report(self) -> dict:
        """The keyword arguments of record_receipt() (and confirm_receipt())."""
        return {
            "outcome": self.cleaned_data["outcome"],
            "quantity_received": self.cleaned_data["quantity_received"],
            "note": self.cleaned_data["note"].strip(),
            "photo": self.cleaned_data["photo"],
            "photo_content_type": getattr(self, "photo_content_type", ""),
        }
