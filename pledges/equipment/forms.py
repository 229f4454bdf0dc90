"""Equipment: the offer and need forms, and the moves people make on offers (one or many)."""


import datetime
from decimal import Decimal

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import (
    PHOTO_MAX_COUNT,
    EuroField,
    FastSelect,
    ListedModelChoiceField,
    NumberField,
    PhotosField,
    centimetres,
    clean_postcode_value,
    upcoming_date,
)
from pledges.core.money import format_euro
from pledges.equipment.models import (
    OFFER_EDITABLE_FIELDS,
    Category,
    EquipmentOffer,
    Fuel,
    Need,
    OfferStatus,
)
from pledges.equipment.photos import stripped_photo
from pledges.reference.models import Appeal, Destination

OFFER_MAX_QUANTITY = 10_000
OLDEST_YEAR = 1950
# How far ahead an offer may become available; further is almost always a typo in the year.
LATEST_AVAILABLE_DAYS = 365


# Categories whose offers are matched to needs by power, so they must state it.
POWERED_CATEGORIES = {Category.GENERATOR, Category.TRANSFORMER}


class NeedChoiceField(forms.ModelChoiceField):
    """An open need, labelled with what is still missing."""

    def label_from_instance(self, need: Need) -> str:
        missing = max(need.quantity - need.pledged_units, 0)
        return _("%(need)s (%(priority)s), still missing %(missing)d") % {
            "need": need,
            "priority": need.get_priority_display(),
            "missing": missing,
        }


def equipment_appeals():
    """Appeals that collect equipment, open ones first."""
    return Appeal.objects.exclude(accepts=Appeal.Accepts.MONEY)


def open_needs(also: int | None = None):
    """The open needs of open equipment appeals (and need `also`), with progress."""
    condition = Q(is_open=True, appeal__is_open=True) & ~Q(appeal__accepts=Appeal.Accepts.MONEY)
    if also:
        condition |= Q(pk=also)
    return (
        Need.objects.filter(condition)
        .with_progress()
        .select_related("destination", "appeal")
        .order_by("destination__name_nl", "priority", "category", "pk")
    )


def quantity_field(*, too_many: str, invalid: str | None = None) -> forms.IntegerField:
    """Units of an offer or a need: a whole number from 1 to OFFER_MAX_QUANTITY."""
    messages = {"min_value": _("Enter a quantity of at least 1."), "max_value": too_many}
    if invalid:
        messages["invalid"] = invalid
    return forms.IntegerField(
        label=_("Quantity"), min_value=1, max_value=OFFER_MAX_QUANTITY, error_messages=messages
    )


def power_field(label: str, help_text: str, *, too_much: str = "", too_precise: str = "") -> NumberField:
    """Power per unit in kVA, optional, with one decimal (offers state it, needs ask for a minimum)."""
    messages = {
        "min_value": _("The power must be more than 0 kVA."),
        "invalid": _("Enter the power as a number, such as 50 or 12,5."),
    }
    if too_much:
        messages |= {"max_digits": too_much, "max_whole_digits": too_much}
    if too_precise:
        messages["max_decimal_places"] = too_precise
    return NumberField(
        label=label, required=False, max_digits=7, decimal_places=1, min_value=Decimal("0.1"),
        help_text=help_text, error_messages=messages,
    )


class OfferForm(forms.ModelForm):
    """Equipment a municipality offers, as its staff describe it."""

    need = NeedChoiceField(
        label=_("Answers need"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=_("No specific need"),
        help_text=_("Choose the need of a Ukrainian city that your offer answers, if any."),
    )
    quantity = quantity_field(
        too_many=_("At most 10,000 units per offer. Split a larger offer, or contact the fund."),
        invalid=_("Enter the quantity as a whole number, such as 2."),
    )
    power_kva = power_field(
        _("Power (kVA)"),
        _("Per unit. For generators and transformers. 1 kVA is roughly 0.8 kW."),
        too_much=_("That is more power than any single item we ship; enter kVA, not VA or W."),
        too_precise=_("Enter the power with at most one decimal, such as 12,5."),
    )
    year = forms.IntegerField(
        label=_("Year of manufacture"),
        required=False,
        error_messages={"invalid": _("Enter the year as four digits, such as 2019.")},
    )
    value = EuroField(
        label=_("Estimated value per unit in euro"),
        help_text=_("What one unit is worth today, roughly. Used for the in-kind total and for customs."),
        error_messages={
            "min": _("Enter an estimated value above zero, even if it is a rough estimate."),
            "max": _("The value per unit may be at most %(max)s. Check the amount."),
        },
    )
    weight_kg = NumberField(
        label=_("Weight per unit (kg)"),
        max_digits=8,
        decimal_places=1,
        min_value=Decimal("0.1"),
        error_messages={
            "min_value": _("The weight must be more than 0 kg."),
            "max_digits": _("That is heavier than anything we can ship; enter the weight in kg."),
            "max_whole_digits": _("That is heavier than anything we can ship; enter the weight in kg."),
            "max_decimal_places": _("Enter the weight with at most one decimal, such as 85,5."),
            "invalid": _("Enter the weight as a number, such as 85 or 85,5."),
        },
    )
    length_cm = centimetres(_("Length (cm)"))
    width_cm = centimetres(_("Width (cm)"))
    height_cm = centimetres(_("Height (cm)"))
    photos = PhotosField(
        label=_("Photos (optional)"),
        help_text=_("At most 5 photos, JPEG, PNG or WebP, each at most 5 MB."),
    )

    class Meta:
        model = EquipmentOffer
        fields = ["appeal", *("value" if name == "value_cents" else name for name in OFFER_EDITABLE_FIELDS)]
        widgets = {
            "available_from": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
            "pickup_postcode": forms.TextInput(attrs={"autocomplete": "postal-code", "size": 8}),
            "pickup_address": forms.TextInput(attrs={"autocomplete": "street-address"}),
            "pickup_city": forms.TextInput(attrs={"autocomplete": "address-level2"}),
        }
        help_texts = {
            "description": _("Make, model and anything the receiving city should know."),
            "fuel_in_tank": _("Dangerous goods: the carrier must know."),
            "lithium_batteries": _("Dangerous goods: the carrier must know."),
            "pickup_address": _("Street and number where the fund's carrier collects it."),
            "available_from": _("The first day the carrier can collect it."),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        appeals = equipment_appeals().filter(is_open=True)
        self.fields["appeal"].queryset = appeals
        self.fields["appeal"].empty_label = None
        self.fields["need"].queryset = open_needs()
        if self.instance.pk:
            self.fields["appeal"].disabled = True
            self.fields["value"].initial = format_euro(self.instance.value_cents).removeprefix("€").strip()
            self.fields["photos"].max_count = max(PHOTO_MAX_COUNT - self.instance.photos.count(), 0)
            # The need answered so far stays choosable even if it closed meanwhile.
            self.fields["need"].queryset = open_needs(also=self.instance.need_id)

    def clean_pickup_postcode(self) -> str:
        return clean_postcode_value(self.cleaned_data["pickup_postcode"])

    def clean_photos(self) -> list[tuple]:
        """The verified photos without their metadata (place, device), as they will be stored."""
        photos = self.cleaned_data["photos"]
        return [(stripped_photo(upload, content_type), content_type) for upload, content_type in photos]

    def clean_year(self) -> int | None:
        year = self.cleaned_data["year"]
        if year is None:
            return None
        this_year = timezone.localdate().year
        if year > this_year:
            raise forms.ValidationError(
                _("The year of manufacture cannot be in the future (after %(year)d)."),
                params={"year": this_year},
            )
        if year < OLDEST_YEAR:
            raise forms.ValidationError(
                _("The year of manufacture must be %(year)d or later."), params={"year": OLDEST_YEAR}
            )
        return year

    def clean_available_from(self) -> datetime.date:
        return upcoming_date(
            self, "available_from", latest_days=LATEST_AVAILABLE_DAYS,
            past=_("The date it is available from cannot be in the past."),
            too_far=_("The date it is available from is more than a year away."),
        )

    def clean(self) -> dict:
        data = super().clean()
        category, power = data.get("category"), data.get("power_kva")
        if category in POWERED_CATEGORIES and "power_kva" not in self.errors and power is None:
            self.add_error("power_kva", _("Enter the power in kVA: the cities ask for it."))
        if data.get("fuel_in_tank") and data.get("fuel") == Fuel.NONE:
            self.add_error("fuel_in_tank", _("An item that uses no fuel cannot have fuel in its tank."))
        need, appeal = data.get("need"), data.get("appeal")
        if need and appeal and need.appeal_id != appeal.pk:
            self.add_error("need", _("This need belongs to another appeal."))
        elif need and category and need.category != category:
            self.add_error(
                "need",
                _("This need asks for: %(category)s. Choose the category of the need, or no need.")
                % {"category": need.get_category_display()},
            )
        elif need and need.min_power_kva and power is not None and power < need.min_power_kva:
            self.add_error(
                "need",
                _("This need asks for at least %(power)s kVA per unit.") % {"power": need.min_power_kva},
            )
        return data

    def save(self, commit: bool = True) -> EquipmentOffer:
        self.instance.value_cents = self.cleaned_data["value"]
        return super().save(commit=commit)


class NeedForm(forms.ModelForm):
    """What a Ukrainian city asked for, as a coordinator records it."""

    quantity = quantity_field(too_many=_("Enter a quantity of at most 10,000."))
    min_power_kva = power_field(_("Minimum power (kVA)"), _("Per unit; leave empty when power does not matter."))

    class Meta:
        model = Need
        fields = ["appeal", "destination", "category", "min_power_kva", "quantity", "priority", "note", "is_open"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}
        help_texts = {"is_open": _("Closed needs are no longer shown to municipalities.")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["appeal"].queryset = equipment_appeals()
        self.fields["appeal"].empty_label = None


# Moves of an offer ---------------------------------------------------------------------------


class MoveForm(forms.Form):
    """One move of one offer. `expected_status` is the status the person saw on screen."""

    to_status: str = ""
    title = ""
    submit_label = ""
    expected_status = forms.ChoiceField(choices=OfferStatus.choices, widget=forms.HiddenInput)
    note = forms.CharField(label=_("Note (optional)"), required=False, max_length=500)

    def __init__(self, *args, offer: EquipmentOffer, **kwargs):
        kwargs.setdefault("prefix", self.to_status)
        kwargs.setdefault("initial", {"expected_status": offer.status})
        super().__init__(*args, **kwargs)
        self.offer = offer

    def changes(self) -> dict:
        """The offer fields this move sets."""
        return {}


class AcceptForm(MoveForm):
    to_status = OfferStatus.ACCEPTED
    title = _("Accept")
    submit_label = _("Accept offer")
    destination = forms.ModelChoiceField(
        label=_("Destination"),
        queryset=Destination.objects.all(),
        error_messages={"required": _("Choose the city or oblast the offer goes to.")},
    )

    def __init__(self, *args, offer: EquipmentOffer, **kwargs):
        super().__init__(*args, offer=offer, **kwargs)
        destination = offer.destination_id or (offer.need.destination_id if offer.need_id else None)
        self.fields["destination"].initial = destination

    def changes(self) -> dict:
        return {"destination": self.cleaned_data["destination"]}


class DeclineForm(MoveForm):
    to_status = OfferStatus.DECLINED
    title = _("Decline")
    submit_label = _("Decline offer")
    note = forms.CharField(
        label=_("Reason"),
        max_length=500,
        help_text=_("The municipality reads this in its e-mail."),
        error_messages={"required": _("Say why the offer is declined; the municipality reads it.")},
    )


def check_pickup_date(value: datetime.date, offers) -> datetime.date:
    """A pickup is planned for today or later, and not before an offer is available."""
    if value < timezone.localdate():
        raise forms.ValidationError(_("The pickup date cannot be in the past."), code="past")
    for offer in offers:
        if value < offer.available_from:
            raise forms.ValidationError(
                _("%(number)s is available only from %(date)s; plan the pickup on or after that day."),
                code="too_early",
                params={"number": offer.number, "date": date_format(offer.available_from)},
            )
    return value


class PlanPickupForm(MoveForm):
    to_status = OfferStatus.PICKUP_PLANNED
    title = _("Plan pickup")
    submit_label = _("Plan pickup")
    pickup_date = forms.DateField(
        label=_("Pickup date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"required": _("Choose the day the carrier collects it.")},
    )

    def __init__(self, *args, offer: EquipmentOffer, **kwargs):
        super().__init__(*args, offer=offer, **kwargs)
        self.fields["pickup_date"].initial = max(offer.available_from, timezone.localdate())

    def clean_pickup_date(self) -> datetime.date:
        return check_pickup_date(self.cleaned_data["pickup_date"], [self.offer])

    def changes(self) -> dict:
        return {"pickup_date": self.cleaned_data["pickup_date"]}


class CollectForm(MoveForm):
    to_status = OfferStatus.COLLECTED
    title = _("Collected")
    submit_label = _("Mark as collected")


class WithdrawForm(MoveForm):
    to_status = OfferStatus.WITHDRAWN
    title = _("Withdraw")
    submit_label = _("Withdraw offer")
    note = forms.CharField(label=_("Reason for withdrawal (optional)"), required=False, max_length=500)


# The moves people make on an offer's page; shipments make the others.
MOVE_FORMS: dict[str, type[MoveForm]] = {
    form.to_status: form for form in (AcceptForm, DeclineForm, PlanPickupForm, CollectForm, WithdrawForm)
}


class BulkMoveForm(forms.Form):
    """One move for many offers at once, chosen on the coordinator's equipment table."""

    ACTIONS = [
        ("", _("Choose an action")),
        (OfferStatus.ACCEPTED, _("Accept (choose a destination)")),
        (OfferStatus.DECLINED, _("Decline (give a reason)")),
        (OfferStatus.PICKUP_PLANNED, _("Plan pickup (choose a date)")),
        (OfferStatus.COLLECTED, _("Mark collected")),
    ]

    offers = forms.ModelMultipleChoiceField(
        label=_("Offers"),
        queryset=EquipmentOffer.objects.none(),
        # The boxes are the table's checkboxes; the form itself shows none.
        widget=forms.MultipleHiddenInput,
        error_messages={
            "required": _("Select at least one offer in the table."),
            "invalid_choice": _("One of the selected offers no longer exists."),
            "invalid_pk_value": _("One of the selected offers no longer exists."),
        },
    )
    action = forms.ChoiceField(
        label=_("Action"),
        choices=ACTIONS,
        widget=FastSelect,
        error_messages={"required": _("Choose what to do with the selected offers.")},
    )
    destination = ListedModelChoiceField(
        label=_("Destination (when accepting)"),
        queryset=Destination.objects.all(),
        required=False,
        empty_label="—",
        widget=FastSelect,  # 84 destinations on every page of the equipment table
    )
    reason = forms.CharField(label=_("Reason (when declining)"), required=False, max_length=500)
    pickup_date = forms.DateField(
        label=_("Pickup date (when planning pickup)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )

    def __init__(self, *args, offers, **kwargs):
        # Its own ids: the filter form on the same page has a destination field too.
        kwargs.setdefault("auto_id", "bulk_%s")
        super().__init__(*args, **kwargs)
        self.fields["offers"].queryset = offers

    def clean(self) -> dict:
        data = super().clean()
        action = data.get("action")
        if action == OfferStatus.ACCEPTED and not data.get("destination"):
            self.add_error("destination", _("Choose the city or oblast the offers go to."))
        if action == OfferStatus.DECLINED and not data.get("reason"):
            self.add_error("reason", _("Say why the offers are declined; the municipalities read it."))
        if action == OfferStatus.PICKUP_PLANNED:
            if not data.get("pickup_date"):
                self.add_error("pickup_date", _("Choose the day the carrier collects them."))
            elif data.get("offers"):
                try:
                    check_pickup_date(data["pickup_date"], data["offers"])
                except forms.ValidationError as error:
                    self.add_error("pickup_date", error)
        return data

    def changes(self) -> dict:
        action = self.cleaned_data["action"]
        if action == OfferStatus.ACCEPTED:
            return {"destination": self.cleaned_data["destination"]}
        if action == OfferStatus.PICKUP_PLANNED:
            return {"pickup_date": self.cleaned_data["pickup_date"]}
        return {}

    def note(self) -> str:
        return self.cleaned_data["reason"] if self.cleaned_data["action"] == OfferStatus.DECLINED else ""
