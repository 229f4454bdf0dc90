"""What a shipment still lacks before it may depart: the documents need its recipient, the rate and the goods.

`missing_for_departure(shipment)` lists the problems as codes and values; their words are
chosen when they are shown (`Problem.text()`), in the reader's language. `move_shipment()`
refuses planned → in transit while the list is not empty, and the shipment page shows the
`checklist()` with a link to fix each item.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pledges.equipment.models import EquipmentOffer, Fuel, OfferStatus
from pledges.logistics.models import Shipment
from pledges.recipients.models import RecipientOrganisation

NO_RECIPIENT = "no_recipient"
RECIPIENT_ELSEWHERE = "recipient_elsewhere"
RECIPIENT_INCOMPLETE = "recipient_incomplete"
NO_RATE = "no_rate"
NO_WEIGHT = "no_weight"
FUEL_UNKNOWN = "fuel_unknown"
NOT_COLLECTED = "not_collected"
NO_OFFERS = "no_offers"


@dataclass(frozen=True)
class Problem:
    """One thing missing: a code, and the field names or offer numbers it is about."""

    code: str
    names: tuple[str, ...] = ()

    def text(self) -> str:
        listed = ", ".join(self.names)
        if self.code == NO_RECIPIENT:
            return _("no recipient organisation is named")
        if self.code == RECIPIENT_ELSEWHERE:
            return _("the recipient organisation is not one of the destination's")
        if self.code == RECIPIENT_INCOMPLETE:
            fields = ", ".join(str(RecipientOrganisation._meta.get_field(name).verbose_name) for name in self.names)
            return _("the recipient organisation lacks: %(fields)s") % {"fields": fields}
        if self.code == NO_RATE:
            return _("no NBU exchange rate is entered")
        if self.code == NO_WEIGHT:
            return _("no weight for %(offers)s") % {"offers": listed}
        if self.code == FUEL_UNKNOWN:
            return _("fuel in the tank, but which fuel is not stated, for %(offers)s (the dangerous-goods "
                     "summary needs it for the UN number)") % {"offers": listed}
        if self.code == NO_OFFERS:
            return _("no offers are on board")
        if self.code == NOT_COLLECTED:
            return _("not collected yet: %(offers)s") % {"offers": listed}
        return self.code


def _offer_problems(offers: list[EquipmentOffer]) -> list[Problem]:
    problems = []
    # The CMR and the packing list state every unit's weight (the database refuses 0, not a missing import).
    unweighed = tuple(offer.number for offer in offers if not offer.weight_kg or offer.weight_kg <= 0)
    if unweighed:
        problems.append(Problem(NO_WEIGHT, unweighed))
    # Fuel in the tank is UN 3528 (liquid) or UN 3529 (gas): the summary must know which.
    # Lithium batteries need nothing more than the units counted (UN 3481, packed with equipment).
    unknown_fuel = tuple(offer.number for offer in offers if offer.fuel_in_tank and offer.fuel in ("", Fuel.NONE))
    if unknown_fuel:
        problems.append(Problem(FUEL_UNKNOWN, unknown_fuel))
    return problems


def missing_for_departure(shipment: Shipment, offers: list[EquipmentOffer] | None = None) -> list[Problem]:
    """What the shipment's documents still need; empty when it may depart (as far as its papers go)."""
    problems = []
    recipient = shipment.recipient
    if recipient is None:
        problems.append(Problem(NO_RECIPIENT))
    elif recipient.destination_id != shipment.destination_id:
        problems.append(Problem(RECIPIENT_ELSEWHERE))
    else:
        fields = recipient.missing_for_departure()
        if fields:
            problems.append(Problem(RECIPIENT_INCOMPLETE, tuple(fields)))
    if shipment.exchange_rate_uah is None or shipment.exchange_rate_date is None:
        problems.append(Problem(NO_RATE))
    offers = list(shipment.offers.order_by("pk")) if offers is None else offers
    return problems + _offer_problems(offers)


@dataclass(frozen=True)
class Check:
    """One line of the "Before departure" checklist: what it is about, done or not, and where to fix it."""

    title: object
    problems: list[Problem]
    fix_url: str = ""
    fix_label: object = ""

    @property
    def done(self) -> bool:
        return not self.problems


RECIPIENT_TITLE = gettext_lazy("Recipient organisation named, with its details complete")
RATE_TITLE = gettext_lazy("NBU exchange rate of the day entered")
GOODS_TITLE = gettext_lazy("Every offer weighed, dangerous goods described")
COLLECTED_TITLE = gettext_lazy("Offers on board, every one collected")


def checklist(shipment: Shipment) -> list[Check]:
    """What must be done before `shipment` departs, each item done or with its problems and a link to fix it."""
    offers = list(shipment.offers.order_by("pk"))
    problems = missing_for_departure(shipment, offers)
    by_code = {problem.code: problem for problem in problems}
    recipient_problems = [
        by_code[code] for code in (NO_RECIPIENT, RECIPIENT_ELSEWHERE, RECIPIENT_INCOMPLETE) if code in by_code
    ]
    if RECIPIENT_INCOMPLETE in by_code:
        recipient_fix = (reverse("pledges:recipient_edit", args=[shipment.recipient_id]),
                         gettext_lazy("Complete the organisation's details"))
    else:
        recipient_fix = (reverse("pledges:shipment_edit", args=[shipment.pk]), gettext_lazy("Name the recipient"))
    not_collected = tuple(offer.number for offer in offers if offer.status != OfferStatus.COLLECTED)
    collected_problems = [Problem(NOT_COLLECTED, not_collected)] if not_collected else []
    if not offers:
        collected_problems = [Problem(NO_OFFERS)]
    return [
        Check(RECIPIENT_TITLE, recipient_problems, *recipient_fix),
        Check(RATE_TITLE, [by_code[NO_RATE]] if NO_RATE in by_code else [], "#rate-heading",
              gettext_lazy("Enter the rate")),
        Check(GOODS_TITLE, [by_code[code] for code in (NO_WEIGHT, FUEL_UNKNOWN) if code in by_code], "#totals-heading",
              gettext_lazy("See the offers on board")),
        Check(COLLECTED_TITLE, collected_problems, "#totals-heading", gettext_lazy("See the offers on board")),
    ]


def refusal_text(shipment: Shipment, problems: list[Problem]) -> str:
    """Why `shipment` may not depart yet, naming everything missing, in the active language."""
    return _("%(number)s cannot depart yet: %(missing)s. Nothing was changed.") % {
        "number": shipment.number, "missing": "; ".join(problem.text() for problem in problems),
    }

