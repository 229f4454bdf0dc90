"""What a timeline shows of an Event's recorded changes, for any subject (pledge, offer, shipment)."""

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.dateparse import parse_date
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pledges.core.money import format_euro
from pledges.donations.models import Donation
from pledges.equipment.models import EquipmentOffer
from pledges.history.models import Event
from pledges.logistics.models import Shipment

register = template.Library()

# Keys an Event's changes use that are not model fields.
LABELS = {
    "shipment": _("shipment"),
    "offer": _("offer"),
    "photos": _("photos"),
    "amount": _("amount"),
    "recipient_link_expires": _("receipt link valid until"),
}
DATE_KEYS = {
    "recipient_link_expires", "departed_on", "arrived_on", "pickup_date", "expected_date", "available_from",
    "planned_departure", "planned_arrival",
}


def _model(event: Event):
    if event.offer_id:
        return EquipmentOffer
    if event.shipment_id:
        return Shipment
    return Donation


def _label(model, key: str) -> str:
    if key in LABELS:
        return LABELS[key]
    try:
        return model._meta.get_field(key).verbose_name
    except FieldDoesNotExist:
        return key.replace("_", " ")


def _shown(key: str, value) -> str:
    # Money is kept in cents and shown in the reader's language; events written before
    # that keep the Dutch text they were written with.
    if key.endswith("_cents") and isinstance(value, int):
        return format_euro(value)
    if key in DATE_KEYS and isinstance(value, str):
        parsed = parse_date(value)
        if parsed:
            return date_format(parsed)
    return "" if value is None else str(value)


# Loading and unloading, as a sentence: {key: (put on, taken off)}.
LOADING = {
    "shipment": (_("Put on shipment %(number)s"), _("Taken off shipment %(number)s")),
    "offer": (_("%(number)s put on board"), _("%(number)s taken off")),
}


@register.filter
def change_rows(event: Event) -> list[dict]:
    """The event's changes as rows of label, old value (if any) and new value, or as a sentence."""
    model = _model(event)
    rows = []
    for key, value in (event.changes or {}).items():
        if event.kind == Event.Kind.SHIPMENT and key in LOADING and isinstance(value, (list, tuple)) and len(value) == 2:
            old, new = value
            put_on, taken_off = LOADING[key]
            rows.append({"sentence": (put_on if new else taken_off) % {"number": new or old}})
        elif isinstance(value, (list, tuple)) and len(value) == 2:
            old, new = value
            rows.append({"label": _label(model, key), "old": _shown(key, old), "new": _shown(key, new), "pair": True})
        else:
            rows.append({"label": _label(model, key), "old": "", "new": _shown(key, value), "pair": False})
    return rows
