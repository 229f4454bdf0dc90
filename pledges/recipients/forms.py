"""The coordinator's form for a recipient organisation, with the EDRPOU code checked and explained."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import InvalidChecksum
from stdnum.ua import edrpou

from pledges.recipients.models import RecipientOrganisation

# The form's fields in the order the documents use them.
RECIPIENT_FIELDS = [
    "destination", "legal_name_uk", "legal_name_en", "edrpou", "address",
    "signatory_name", "signatory_position", "contact_name", "contact_email", "contact_phone",
    "ahars_registration", "ahars_registered_on",
]


def clean_edrpou_value(value: str) -> str:
    """The 8 digits of an EDRPOU code typed with or without spaces, or a refusal that says what is wrong."""
    compact = edrpou.compact(value)
    if not compact.isascii() or not compact.isdigit():
        raise forms.ValidationError(
            _("An EDRPOU code has only digits (8 of them); “%(value)s” has other characters."),
            code="edrpou_format", params={"value": value},
        )
    if len(compact) != 8:
        raise forms.ValidationError(
            _("An EDRPOU code has 8 digits; “%(value)s” has %(count)d."),
            code="edrpou_length", params={"value": value, "count": len(compact)},
        )
    try:
        edrpou.validate(compact)
    except InvalidChecksum:
        raise forms.ValidationError(
            _("The check digit (the last one) of EDRPOU code %(value)s does not match: a digit is probably "
              "mistyped. Copy the code again from the organisation's extract of the register."),
            code="edrpou_checksum", params={"value": compact},
        ) from None
    return compact


class RecipientForm(forms.ModelForm):
    """A city council or communal enterprise that receives shipments, as the coordinator records it."""

    # Typed as printed ("3405 9240"): longer than the 8 digits it is kept as.
    edrpou = forms.CharField(
        label=_("EDRPOU code"), max_length=20,
        help_text=_("8 digits, the last a check digit. Each organisation is registered once: the code is "
                    "its key in the Ukrainian register, so two organisations cannot share it."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    class Meta:
        model = RecipientOrganisation
        fields = RECIPIENT_FIELDS
        widgets = {"ahars_registered_on": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        help_texts = {
            "legal_name_uk": _("As in the register, for example “Виконавчий комітет Харківської міської ради”."),
            "signatory_name": _("Who signs the act of acceptance-transfer for the organisation."),
            "ahars_registration": _("The organisation's entry in the Unified Register of Recipients of "
                                    "Humanitarian Aid (AHARS)."),
        }

    def clean_edrpou(self) -> str:
        code = clean_edrpou_value(self.cleaned_data["edrpou"])
        other = RecipientOrganisation.objects.filter(edrpou=code).exclude(pk=self.instance.pk).first()
        if other is not None:
            raise forms.ValidationError(
                _("EDRPOU code %(code)s is already registered for %(name)s (%(city)s). An organisation is "
                  "registered once; change that one instead."),
                code="edrpou_taken", params={"code": code, "name": other.legal_name_en, "city": other.destination},
            )
        return code


class RecipientEditForm(RecipientForm):
    """The destination stays: shipments to it may already name the organisation."""

    class Meta(RecipientForm.Meta):
        fields = [name for name in RECIPIENT_FIELDS if name != "destination"]
