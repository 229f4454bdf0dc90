from django import template

from pledges.models import Donation
from pledges.money import format_euro

register = template.Library()


@register.filter
def euro(amount) -> str:
    """Format a Decimal euro amount (or integer cents) for the active language."""
    return format_euro(amount)


@register.filter
def donation_field_label(field: str) -> str:
    """The translated label of a Donation field named in an Event's changes."""
    try:
        return Donation._meta.get_field(field).verbose_name
    except Exception:
        return field
