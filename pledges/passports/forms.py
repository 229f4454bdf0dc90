"""The custody step a unit's holder records on its passport page."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import PHOTO_TYPES
from pledges.equipment.photos import cleaned_photo
from pledges.passports.models import Step

POSITION_MAX_LENGTH = 200
# "50.4501, 30.5234" or "50.4501 30.5234" (a phone's map app copies it like that): latitude, longitude.
LAT_LON = re.compile(r"^\s*(-?\d{1,2}(?:\.\d+)?)\s*(?:[,;]\s*|\s+)(-?\d{1,3}(?:\.\d+)?)\s*$")


def normalised_position(text: str) -> str:
    """`text` as typed, or, when it reads as latitude and longitude, as "50.45010, 30.52340"."""
    found = LAT_LON.match(text)
    if not found:
        return text.strip()
    lat, lon = float(found[1]), float(found[2])
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return text.strip()
    return f"{lat:.5f}, {lon:.5f}"


class CustodyForm(forms.Form):
    step = forms.ChoiceField(
        label=_("Where is the unit now?"),
        choices=Step.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose a step."), "invalid_choice": _("Choose a step.")},
    )
    site = forms.CharField(
        label=_("Site"),
        required=False,
        max_length=200,
        help_text=_("Required for “installed”: for example “Hospital No. 3, Kharkiv”."),
    )
    position = forms.CharField(
        label=_("Position (optional)"),
        required=False,
        max_length=POSITION_MAX_LENGTH,
        help_text=_("Typed by hand: coordinates such as 50.4501, 30.5234, or a description of the place."),
    )
    note = forms.CharField(
        label=_("Note (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    photo = forms.FileField(
        label=_("Photo (optional)"),
        required=False,
        help_text=_("A JPEG, PNG or WebP photo of at most 5 MB."),
        widget=forms.FileInput(attrs={"accept": ",".join(PHOTO_TYPES.values())}),
    )

    def clean_position(self) -> str:
        return normalised_position(self.cleaned_data.get("position", ""))

    def clean_photo(self):
        return cleaned_photo(self)

    def clean(self) -> dict:
        data = super().clean()
        if data.get("step") == Step.INSTALLED and not data.get("site", "").strip():
            self.add_error("site", _("Name the site where the unit is installed."))
        return data

    def step_fields(self) -> dict:
        """The keyword arguments of record_step() besides the unit and the step."""
        return {
            "site": self.cleaned_data["site"],
            "position": self.cleaned_data["position"],
            "note": self.cleaned_data["note"],
            "photo": self.cleaned_data["photo"],
            "photo_content_type": getattr(self, "photo_content_type", ""),
        }
