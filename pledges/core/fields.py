"""Form fields and checks shared by the ledger's forms: text, euro amounts, IBANs, postcodes, numbers, photos."""


import datetime
import html
import re
import warnings

from django import forms
from django.core.validators import MaxLengthValidator
from django.utils import timezone
from django.forms.renderers import DjangoTemplates
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy
from PIL import Image
from stdnum import iban as stdnum_iban
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.nl import postcode as stdnum_postcode

from pledges.core.money import (
    MAX_PLEDGE_CENTS,
    AmountError,
    ThreeDecimals,
    decimal_mark,
    format_euro,
    parse_euro,
)


# Characters XML 1.0 cannot hold (https://www.w3.org/TR/xml/#charsets): control characters
# other than tab, line feed and carriage return, UTF-16 surrogates, U+FFFE and U+FFFF. Every
# workbook is XML, so one of them stored in a pledge made every export that shows it fail.
XML_UNSAFE_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def check_storable_text(text: str) -> None:
    """Refuse text with a character XML cannot hold, naming it and where it is."""
    found = XML_UNSAFE_CHARACTERS.search(text)
    if found:
        raise forms.ValidationError(
            _(
                "This text contains a character that cannot be saved (%(character)s, character "
                "%(position)s). Remove it, or type the text instead of pasting it."
            ),
            code="unstorable_character",
            params={"character": f"U+{ord(found.group()):04X}", "position": found.start() + 1},
        )


def refuse_unstorable_text() -> None:
    """Make every text field of every form refuse what `check_storable_text` refuses.

    Called once, from PledgesConfig.ready(). The one common place: the ledger's own forms, the
    admin's, the recipient's and Django's (login, passwords) all clean their text through
    forms.CharField.to_python (EmailField, SlugField, EuroField... call it first), also the
    fields made before this ran, which a validator list set now would miss.
    """
    original = forms.CharField.to_python
    if getattr(original, "refuses_unstorable_text", False):
        return

    def to_python(self, value):
        value = original(self, value)
        if isinstance(value, str):
            check_storable_text(value)
        return value

    to_python.refuses_unstorable_text = True
    forms.CharField.to_python = to_python


class EuroField(forms.CharField):
    """An amount in euro typed the Dutch or English way; cleans to integer cents."""

    default_error_messages = {
        "invalid": _(
            "Enter an amount in euro, such as 1,250.50 or 1250.50 (at most two decimals)."
        ),
        "three_decimals": _(
            "“%(typed)s” has three digits after the decimal mark (read as %(read)s); an amount in euro has at "
            "most two decimals."
        ),
        "three_decimals_or_thousands": _(
            "“%(typed)s” has three digits after the decimal mark (read as %(read)s); an amount in euro has at "
            "most two decimals. For %(thousands)s type %(thousands_example)s."
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
        except ThreeDecimals as three:
            raise forms.ValidationError(
                self.error_messages["three_decimals_or_thousands" if three.whole_is_plain else "three_decimals"],
                code="three_decimals",
                params=_three_decimals(three),
            ) from None
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


def _three_decimals(three: ThreeDecimals) -> dict:
    """What was read, and (for "10,005") how to type ten thousand and five in the reader's notation."""
    mark = decimal_mark()
    group = "." if mark == "," else ","
    whole = int(three.whole)
    tenths_of_cents = int(three.decimals)
    thousands = whole * 1000 + int(three.decimals)
    return {
        "typed": three.text.strip(),
        "read": _("%(euro)s euro and %(cents)s cent") % {
            "euro": f"{whole:,}".replace(",", group),
            "cents": f"{tenths_of_cents // 10}{mark}{tenths_of_cents % 10}",
        },
        "thousands": format_euro(thousands * 100),
        "thousands_example": f"{thousands:,}".replace(",", group),
    }


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


# Longer or wider than 20 m is a typo in the unit.
MAX_CENTIMETRES = 2_000
PHOTO_MAX_BYTES = 5 * 1024 * 1024
PHOTO_MAX_COUNT = 5
# The formats Pillow may parse, and the content type each is served with.
PHOTO_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


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


class FastSelect(forms.Select):
    """A select that writes its options in Python instead of one template per option.

    The municipality filter offers 342 options on every ledger page; through Django's
    option template and option dicts that costs about 10 ms a page, this way about 1 ms.
    The HTML is the same as Select's.
    """

    def render(self, name, value, attrs=None, renderer=None):
        selected = {str(v) for v in self.format_value(value)}
        # The standard library's html.escape, which Django's escape() wraps in a lazy-aware
        # decorator costing more than the escaping; the same characters are escaped.
        options = "".join(
            '<option value="%s"%s>%s</option>'
            % (html.escape(str(key)), " selected" if str(key) in selected else "", html.escape(str(label)))
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


class ListedChoices(forms.models.ModelChoiceIterator):
    """A model choice field's options read in one query.

    Django's iterator reads them with `.iterator()`, which on PostgreSQL opens a server-side
    cursor (DECLARE, FETCH, CLOSE: three round trips) for the few dozen appeals or destinations
    of a filter on every page. The rows are kept on the field's queryset, so a second render
    reads none.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField whose options are read in one query (ListedChoices)."""

    iterator = ListedChoices


# Django's form templates that every field renders, written out here (FormRenderer).
_INPUT_TEMPLATES = frozenset(
    f"django/forms/widgets/{name}.html"
    for name in ("input", "checkbox", "color", "date", "datetime", "email", "file", "hidden", "number",
                 "password", "search", "tel", "text", "time", "url")
)


def _as_text(value) -> str:
    """`{{ value|stringformat:'s' }}`: the value as text, escaped unless it is marked safe."""
    text = "%s" % value
    return conditional_escape(mark_safe(text) if isinstance(value, SafeData) else text)


def _attributes(attrs) -> str:
    """django/forms/attrs.html: ` name="value"` each, a True value bare, a False one left out."""
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{_as_text(value)}"'
        for name, value in (attrs or {}).items()
        if value is not False
    )


class FormRenderer(DjangoTemplates):
    """Django's form renderer, with the label and the input widgets written in Python.

    Each field of a form renders `django/forms/label.html` and its widget's template, each
    including `attrs.html`: on the ledger's and the equipment table's filter and bulk forms
    about 3 ms of a page. The HTML is the same as those templates'; every other template
    (selects, radios, the form layouts, this project's own) goes through Django's.
    """

    def render(self, template_name, context, request=None):
        if template_name in _INPUT_TEMPLATES:
            widget = context["widget"]
            value = "" if widget["value"] is None else f' value="{_as_text(widget["value"])}"'
            return (f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"'
                    f'{value}{_attributes(widget["attrs"])}>')
        if template_name == "django/forms/label.html":
            label = conditional_escape(context["label"])
            if not context["use_tag"]:
                return label.strip()
            tag = conditional_escape(context["tag"])
            return f"<{tag}{_attributes(context['attrs'])}>{label}</{tag}>"
        return super().render(template_name, context, request)


def upcoming_date(form: forms.ModelForm, field: str, *, latest_days: int, past: str, too_far: str) -> datetime.date:
    """A planned date from today to `latest_days` ahead; further is almost always a typo in the year.

    A date already stored may stay as it is, even once passed: correcting another field
    must not force a new date.
    """
    value = form.cleaned_data[field]
    today = timezone.localdate()
    unchanged = form.instance.pk and value == getattr(form.instance, field)
    if value < today and not unchanged:
        raise forms.ValidationError(past, code="past")
    if value > today + datetime.timedelta(days=latest_days):
        raise forms.ValidationError(too_far, code="too_far")
    return value
