from django import template
from django.utils.html import format_html

from pledges.core.measures import format_measure
from pledges.core import tables
from pledges.core.money import format_euro
from pledges.core.once import FIELD, new_token
from pledges.donations import overpayments

register = template.Library()


@register.filter
def euro(amount) -> str:
    """Format a Decimal euro amount (or integer cents) for the active language."""
    return format_euro(amount)


@register.filter
def unbroken(text) -> str:
    """`text` kept on one line: a number or amount in a heading, "T-000061" never "T-/000061"."""
    return format_html('<span class="nowrap">{}</span>', text)


@register.filter
def choice_label(obj, field_name: str):
    """`obj.get_<field>_display()`, quicker (see pledges.core.tables.choice_label)."""
    return tables.choice_label(obj, field_name)


@register.filter
def measure(value, unit: str) -> str:
    """A power or weight with its unit for the active language ("20,0 kVA"); "—" when unknown."""
    if value is None or value == "":
        return "—"
    return format_measure(value, unit)


@register.filter
def overpaid_flag(donation) -> str:
    """An overpaid pledge's flag with finance's decision (one query, made only for an overpaid row)."""
    return overpayments.flag(donation, overpayments.decisions([donation]).get(donation.pk))


@register.simple_tag
def once_field() -> str:
    """The hidden token of a template's own form that books money (see pledges.core.once)."""
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_token())
