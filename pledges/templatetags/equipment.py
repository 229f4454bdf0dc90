"""Template helpers for equipment offers and needs."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.translation import gettext_lazy as _

from pledges.models import EquipmentOffer

register = template.Library()

# Entries in an Event's changes that are not fields of the offer.
EXTRA_LABELS = {"photos": _("photos"), "value_cents": _("estimated value per unit")}


@register.filter
def offer_field_label(field: str) -> str:
    """The translated label of an EquipmentOffer field named in an Event's changes."""
    if field in EXTRA_LABELS:
        return EXTRA_LABELS[field]
    try:
        return EquipmentOffer._meta.get_field(field).verbose_name
    except FieldDoesNotExist:
        return field


@register.filter
def change_rows(changes: dict) -> list[tuple[str, str | None, str]]:
    """An Event's changes as (label, old or None, new): edits record [old, new], moves the new value."""
    rows = []
    for field, value in (changes or {}).items():
        label = offer_field_label(field)
        if isinstance(value, list) and len(value) == 2:
            rows.append((label, value[0], value[1]))
        else:
            rows.append((label, None, value))
    return rows
