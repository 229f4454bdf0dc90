"""Forms that return typed, validated values with errors in the user's language."""

import datetime
import re
import warnings
from decimal import Decimal

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.core.validators import MaxLengthValidator
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from PIL import Image
from stdnum import iban as stdnum_iban
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.nl import postcode as stdnum_postcode

from pledges.models import (
    MAX_PLEDGE_CENTS,
    Appeal,
    Category,
    Destination,
    Donation,
    EquipmentOffer,
    Fuel,
    Need,
    OfferStatus,
    Shipment,
    User,
)
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


IBAN_SHAPE = re.compile(r"^[A-Z]{2}[0-9]{2}[A-Z0-9]+$")


def iban_problem(value: str) -> type[ValueError] | None:
    """Name what is wrong with an IBAN, the most basic problem first.

    python-stdnum checks the check digits before the country and the length, so a
    missing digit would be reported as a mistyped one and people fix the wrong thing.
    """
    compact = stdnum_iban.compact(value)
    if not IBAN_SHAPE.match(compact):
        return InvalidFormat
    country = stdnum_iban._ibandb.info(compact)[0][1]  # the pinned python-stdnum's registry
    if not country:
        return InvalidComponent
    # The BBAN structure, e.g. "4!a10!n": 4 letters then 10 digits, 14 characters.
    bban_length = sum(int(n) for n in re.findall(r"(\d+)!?[anc]", country["bban"]))
    if len(compact) != 4 + bban_length:
        return InvalidLength
    try:
        stdnum_iban.validate(compact)
    except ValueError as error:
        return type(error)
    return None


def clean_iban_value(value: str) -> str:
    """Return the compact IBAN, or raise a ValidationError that says what is wrong."""
    problem = iban_problem(value)
    if problem is None:
        return stdnum_iban.compact(value)
    message = next(
        (text for kind, text in IBAN_ERRORS.items() if issubclass(problem, kind)),
        IBAN_ERRORS[InvalidFormat],
    )
    raise forms.ValidationError(message, code="iban")


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


class SecondFactorForm(forms.Form):
    """The code step of the login: six digits from the app, or a recovery code."""

    code = forms.CharField(
        label=_("Code"),
        max_length=32,
        help_text=_("The six digits your authenticator app shows now, or one of your recovery codes."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "autocapitalize": "off", "spellcheck": "false"}),
    )

    error_messages = {
        "wrong_code": _("This code is not right, or it was already used. Type the code your app shows now."),
    }


class FirstCodeForm(SecondFactorForm):
    """Confirm a newly scanned authenticator app with the first code it shows."""

    code = forms.CharField(
        label=_("Code from the app"),
        max_length=32,
        help_text=_("The six digits the app shows after you scanned the code or typed in the key."),
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


class PasswordConfirmForm(forms.Form):
    """Ask for the password again before a change to the second factor."""

    password = forms.CharField(
        label=_("Your password"), strip=False, widget=forms.PasswordInput(attrs={"autocomplete": "current-password"})
    )

    def __init__(self, user, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise forms.ValidationError(_("This password is not right."), code="wrong_password")
        return password


# Equipment (materieel) ---------------------------------------------------------------------

OFFER_MAX_QUANTITY = 10_000
OLDEST_YEAR = 1950
# How far ahead an offer may become available; further is almost always a typo in the year.
LATEST_AVAILABLE_DAYS = 365
MAX_CENTIMETRES = 2_000
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 5
# The formats Pillow may parse, and the content type each is served with.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
# Categories whose offers are matched to needs by power, so they must state it.
POWERED_CATEGORIES = {Category.GENERATOR, Category.TRANSFORMER}

POSTCODE_ERRORS = {
    InvalidComponent: _(
        "This postcode does not exist: the letter combinations SA, SD and SS are not used. "
        "Check the letters."
    ),
    InvalidFormat: _("A Dutch postcode is four digits and two letters, for example 2611 ET."),
}


def clean_postcode_value(value: str) -> str:
    """Return the postcode the way PostNL writes it ("2611 ET"), or say what is wrong."""
    try:
        return stdnum_postcode.validate(value)
    except ValueError as error:
        message = next(
            (text for kind, text in POSTCODE_ERRORS.items() if isinstance(error, kind)),
            POSTCODE_ERRORS[InvalidFormat],
        )
        raise forms.ValidationError(message, code="postcode") from None


def verified_image_type(upload) -> str:
    """Return the content type of an uploaded photo that Pillow proves is a JPEG, PNG or WebP."""
    name = upload.name
    if upload.size > PHOTO_MAX_BYTES:
        raise forms.ValidationError(
            _("“%(name)s” is larger than 5 MB. Send a smaller photo."),
            code="photo_size",
            params={"name": name},
        )
    not_an_image = forms.ValidationError(
        _("“%(name)s” is not a JPEG, PNG or WebP photo."), code="photo_type", params={"name": name}
    )
    try:
        upload.seek(0)
        with warnings.catch_warnings():
            # A picture of absurd pixel dimensions is a decompression bomb, not a photo.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(upload, formats=list(PHOTO_TYPES)) as image:
                image_format = image.format
                image.verify()
    except Exception:
        # Pillow raises many kinds of error on hostile input; all mean "not a photo".
        raise not_an_image from None
    finally:
        upload.seek(0)
    if image_format not in PHOTO_TYPES:
        raise not_an_image
    return PHOTO_TYPES[image_format]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Optional photos; cleans to a list of (uploaded file, verified content type)."""

    widget = MultipleFileInput

    def __init__(self, *, max_count: int = PHOTO_MAX_COUNT, **kwargs):
        kwargs.setdefault("required", False)
        self.max_count = max_count
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs["accept"] = ",".join(PHOTO_TYPES.values())
        return attrs

    def clean(self, data, initial=None) -> list[tuple]:
        files = [f for f in (data if isinstance(data, (list, tuple)) else [data]) if f]
        if len(files) > self.max_count:
            raise forms.ValidationError(
                ngettext_lazy(
                    "Send at most %(max)d photo.",
                    "Send at most %(max)d photos.",
                    "max",
                ),
                code="photo_count",
                params={"max": self.max_count},
            )
        checked, errors = [], []
        for upload in files:
            try:
                checked.append((upload, verified_image_type(upload)))
            except forms.ValidationError as error:
                errors.append(error)
        if errors:
            raise forms.ValidationError(errors)
        return checked


def centimetres(label: str) -> forms.IntegerField:
    return forms.IntegerField(
        label=label,
        required=False,
        min_value=1,
        max_value=MAX_CENTIMETRES,
        error_messages={
            "min_value": _("Enter the size in whole centimetres, more than 0."),
            "max_value": _("That is longer than a trailer; enter the size in centimetres."),
            "invalid": _("Enter the size in whole centimetres, such as 120."),
        },
    )


# Digits grouped by thousands (1.250 or 1,250) or not, then at most two decimals after "," or ".".
_NUMBER = re.compile(r"(\d{1,3}(?:[.,]\d{3})+|\d+)(?:[.,](\d{1,2}))?")


class NumberField(forms.DecimalField):
    """A decimal typed the Dutch or English way: "12,5" and "12.5"; "1.250" and "1,250" are 1250.

    A separator followed by three digits groups thousands: these fields have at
    most two decimals, so it cannot be a decimal separator.
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("localize", True)
        super().__init__(**kwargs)

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        attrs.update(inputmode="decimal", autocomplete="off")
        return attrs

    def to_python(self, value):
        if isinstance(value, str):
            compact = value.strip().replace(" ", "").replace("\u00a0", "")
            match = _NUMBER.fullmatch(compact)
            if match:
                whole, fraction = match.group(1), match.group(2)
                value = re.sub(r"[.,]", "", whole) + (f".{fraction}" if fraction else "")
        return super().to_python(value)


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


class OfferForm(forms.ModelForm):
    """Equipment a municipality offers, as its staff describe it."""

    need = NeedChoiceField(
        label=_("Answers need"),
        queryset=Need.objects.none(),
        required=False,
        empty_label=_("No specific need"),
        help_text=_("Choose the need of a Ukrainian city that your offer answers, if any."),
    )
    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=OFFER_MAX_QUANTITY,
        error_messages={
            "min_value": _("Enter a quantity of at least 1."),
            "max_value": _("At most 10,000 units per offer. Split a larger offer, or contact the fund."),
            "invalid": _("Enter the quantity as a whole number, such as 2."),
        },
    )
    power_kva = NumberField(
        label=_("Power (kVA)"),
        required=False,
        max_digits=7,
        decimal_places=1,
        min_value=Decimal("0.1"),
        help_text=_("Per unit. For generators and transformers. 1 kVA is roughly 0.8 kW."),
        error_messages={
            "min_value": _("The power must be more than 0 kVA."),
            "max_digits": _("That is more power than any single item we ship; enter kVA, not VA or W."),
            "max_whole_digits": _("That is more power than any single item we ship; enter kVA, not VA or W."),
            "max_decimal_places": _("Enter the power with at most one decimal, such as 12,5."),
            "invalid": _("Enter the power as a number, such as 50 or 12,5."),
        },
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
        fields = [
            "appeal",
            "need",
            "category",
            "description",
            "quantity",
            "power_kva",
            "fuel",
            "phases",
            "condition",
            "year",
            "value",
            "weight_kg",
            "length_cm",
            "width_cm",
            "height_cm",
            "fuel_in_tank",
            "lithium_batteries",
            "pickup_address",
            "pickup_postcode",
            "pickup_city",
            "available_from",
            "contact_name",
            "contact_email",
            "contact_phone",
        ]
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
        value = self.cleaned_data["available_from"]
        today = timezone.localdate()
        unchanged = self.instance.pk and value == self.instance.available_from
        if value < today and not unchanged:
            raise forms.ValidationError(_("The date it is available from cannot be in the past."))
        if value > today + datetime.timedelta(days=LATEST_AVAILABLE_DAYS):
            raise forms.ValidationError(_("The date it is available from is more than a year away."))
        return value

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

    quantity = forms.IntegerField(
        label=_("Quantity"),
        min_value=1,
        max_value=OFFER_MAX_QUANTITY,
        error_messages={
            "min_value": _("Enter a quantity of at least 1."),
            "max_value": _("Enter a quantity of at most 10,000."),
        },
    )
    min_power_kva = NumberField(
        label=_("Minimum power (kVA)"),
        required=False,
        max_digits=7,
        decimal_places=1,
        min_value=Decimal("0.1"),
        help_text=_("Per unit; leave empty when power does not matter."),
        error_messages={
            "min_value": _("The power must be more than 0 kVA."),
            "invalid": _("Enter the power as a number, such as 50 or 12,5."),
        },
    )

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


class FastSelect(forms.Select):
    """A select that writes its options in Python instead of one template per option.

    The municipality filter offers 342 options on every ledger page; through Django's
    option template and option dicts that costs about 10 ms a page, this way about 1 ms.
    The HTML is the same as Select's.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        options = "".join(
            '<option value="%s"%s>%s</option>'
            % (escape(key), " selected" if str(key) in selected else "", escape(label))
            for key, label in self.choices
        )
        # In the attributes' own order, as Django's attrs.html writes them (flatatt sorts).
        html_attrs = "".join(
            format_html(" {}", key) if value is True else format_html(' {}="{}"', key, value)
            for key, value in self.build_attrs(self.attrs, attrs).items()
            if value is not False and value is not None
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, mark_safe(html_attrs), mark_safe(options)
        )


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
        error_messages={"required": _("Choose what to do with the selected offers.")},
    )
    destination = forms.ModelChoiceField(
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


# Shipments -----------------------------------------------------------------------------------

# How far ahead a shipment may be planned, and how long it may take; more is almost always a typo.
LATEST_DEPARTURE_DAYS = 365
LONGEST_JOURNEY_DAYS = 90


class ShipmentForm(forms.ModelForm):
    """A truck or consignment the coordinator plans (transport)."""

    class Meta:
        model = Shipment
        fields = ["appeal", "destination", "carrier", "reference", "hub", "planned_departure", "planned_arrival"]
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
        self.fields["appeal"].queryset = equipment_appeals().filter(is_open=True)
        self.fields["appeal"].empty_label = None

    def clean_planned_departure(self) -> datetime.date:
        value = self.cleaned_data["planned_departure"]
        today = timezone.localdate()
        if value < today:
            raise forms.ValidationError(_("The planned departure cannot be in the past."), code="past")
        if value > today + datetime.timedelta(days=LATEST_DEPARTURE_DAYS):
            raise forms.ValidationError(_("The planned departure is more than a year away."), code="too_far")
        return value

    def clean(self) -> dict:
        data = super().clean()
        departure, arrival = data.get("planned_departure"), data.get("planned_arrival")
        if departure and arrival:
            if arrival < departure:
                self.add_error("planned_arrival", _("The planned arrival cannot be before the planned departure."))
            elif arrival > departure + datetime.timedelta(days=LONGEST_JOURNEY_DAYS):
                self.add_error(
                    "planned_arrival", _("The planned arrival is more than 90 days after the departure.")
                )
        return data


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
    """One delivered item confirmed by the recipient: an optional note and photo (prefixed per item)."""

    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("For example the condition on arrival, or who received it."),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("A JPEG, PNG or WebP photo of at most 5 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(PHOTO_TYPES.values())}),
    )

    def clean_photo(self):
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        self.photo_content_type = verified_image_type(upload)
        return upload


class PasswordLinkForm(PasswordResetForm):
    """Send the password link also to invited users who never chose a password.

    Django skips accounts with an unusable password; here the reset page doubles
    as "first time here?", so an invited user who lost the invitation can ask again.
    """

    def get_users(self, email: str):
        return User.objects.filter(email__iexact=email.strip(), is_active=True)
