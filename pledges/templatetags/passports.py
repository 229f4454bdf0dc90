"""The item passport on other parts' pages: the shipment's units, the units that do not move, a summary of steps."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pledges.accounts.models import Role
from pledges.equipment.access import visible_offers
from pledges.passports.links import make_token
from pledges.passports.models import Step, Unit
from pledges.passports.services import not_moving, stale_days, steps_summary

register = template.Library()

# Units the coordinator's start page names; the rest is on the list.
START_ROWS = 5


@register.inclusion_tag("passports/shipment_units.html", takes_context=True)
def shipment_units(context, shipment) -> dict:
    """Each unit of `shipment` with its last step and, for fund staff, a link to its passport."""
    user = context["request"].user
    # Municipal staff see the units of their own municipality's offers only, as the rest of the page.
    offers = visible_offers(user).filter(shipment=shipment)
    units = list(Unit.objects.filter(offer__in=offers).select_related("offer").order_by("offer_id", "serial"))
    show_links = user.is_authenticated and user.is_fund_staff
    for unit in units:
        unit.passport_token = make_token(unit) if show_links else ""
    return {"units": units, "show_links": show_links, "can_replace": user.is_authenticated and user.role == Role.COORDINATOR}


@register.inclusion_tag("passports/start_not_moving.html", takes_context=True)
def units_not_moving_block(context) -> dict:
    """For the coordinator's start page: how many units have not moved, and the first few."""
    user = context["request"].user
    if user.role != Role.COORDINATOR:
        return {"show": False}
    units = not_moving()
    return {"show": True, "count": units.count(), "units": list(units[:START_ROWS]), "days": stale_days()}


def _step_phrase(count: int, step: str, site: str) -> str:
    if not step:
        return ngettext("%(count)d without a step yet", "%(count)d without a step yet", count) % {"count": count}
    label = step_label(step)
    if site:
        return _("%(count)d %(step)s in %(site)s") % {"count": count, "step": label, "site": site}
    return _("%(count)d %(step)s") % {"count": count, "step": label}


@register.filter
def unit_steps(units) -> str:
    """"3 units: 1 in use in Hospital No. 3, 2 received": the last steps of an offer's units (prefetched)."""
    units = list(units)
    if not units:
        return ""
    phrases = ", ".join(_step_phrase(count, step, site) for count, step, site in steps_summary(units))
    return ngettext("%(count)d unit: %(steps)s", "%(count)d units: %(steps)s", len(units)) % {
        "count": len(units), "steps": phrases,
    }


@register.filter
def step_label(code: str) -> str:
    """A step's code ("in_use") in the reader's language ("in use")."""
    return Step(code).label if code in Step.values else code
