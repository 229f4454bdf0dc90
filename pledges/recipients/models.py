from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from stdnum.exceptions import ValidationError as StdnumError
from stdnum.ua import edrpou

from pledges.reference.models import Destination


def validate_edrpou(value: str) -> None:
    """The EDRPOU code of a Ukrainian legal entity: 8 digits, the last a check digit."""
    try:
        edrpou.validate(value)
    except StdnumError:
        raise ValidationError(
            _("%(value)s is not a valid EDRPOU code: it has 8 digits, the last of them a check digit."),
            code="invalid_edrpou",
            params={"value": value},
        ) from None


class RecipientOrganisation(models.Model):
    """Who receives a shipment in Ukraine and registers the aid in AHARS: a city council or communal enterprise."""

    destination = models.ForeignKey(
        Destination, verbose_name=_("destination"), on_delete=models.PROTECT, related_name="recipients"
    )
    legal_name_uk = models.CharField(_("legal name (Ukrainian)"), max_length=300)
    legal_name_en = models.CharField(_("legal name (English)"), max_length=300)
    edrpou = models.CharField(
        _("EDRPOU code"), max_length=8, unique=True, validators=[validate_edrpou],
        help_text=_("The organisation's code in the Unified State Register of Ukraine (8 digits)."),
    )
    address = models.CharField(_("address"), max_length=300)
    signatory_name = models.CharField(_("signatory"), max_length=200, blank=True)
    signatory_position = models.CharField(_("signatory's position"), max_length=200, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    # The recipient's entry in the Unified Register of Recipients of Humanitarian Aid (AHARS).
    ahars_registration = models.CharField(_("AHARS recipient registration"), max_length=100, blank=True)
    ahars_registered_on = models.DateField(_("registered in AHARS on"), null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("recipient organisation")
        verbose_name_plural = _("recipient organisations")
        ordering = ["destination__name_nl", "legal_name_en"]

    def __str__(self) -> str:
        return self.legal_name_en

    # What a shipment's documents need of its recipient before it may depart.
    REQUIRED_FOR_DEPARTURE = (
        "legal_name_uk", "legal_name_en", "edrpou", "address", "signatory_name", "signatory_position",
        "contact_name", "ahars_registration",
    )

    def missing_for_departure(self) -> list[str]:
        """The names of the fields the documents need that are still empty."""
        return [name for name in self.REQUIRED_FOR_DEPARTURE if not getattr(self, name)]
