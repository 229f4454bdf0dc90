"""Money received beyond a pledge, and finance's decision on it (refund or keep), read from the history.

The decision is an Event (OVERPAYMENT_DECIDED) naming the excess it was about: it holds as long as
the pledge is overpaid by exactly that much; another payment or an undone match asks for a new one.
"""

from __future__ import annotations

from collections.abc import Iterable

from pledges.donations.models import Donation
from pledges.history.models import Event
from pledges.history.rendering import overpayment_text


def decisions(donations: Iterable[Donation]) -> dict[int, Event]:
    """The decision that holds for each overpaid pledge among `donations`, in one query."""
    overpaid = {d.pk: d.overpaid_cents for d in donations if d.overpaid_cents}
    if not overpaid:
        return {}
    found: dict[int, Event] = {}
    events = Event.objects.filter(donation_id__in=sorted(overpaid), kind=Event.Kind.OVERPAYMENT_DECIDED)
    for event in events.select_related("actor").order_by("at", "pk"):
        if event.data["overpayment"]["cents"] == overpaid[event.donation_id]:
            found[event.donation_id] = event
        else:
            found.pop(event.donation_id, None)
    return found


def flag(donation: Donation, decision: Event | None) -> str:
    """What the pledge's overpayment flag says: the excess, and finance's decision if there is one."""
    if decision is None:
        return overpayment_text("", donation.overpaid_cents)
    return overpayment_text(decision.data["overpayment"]["decision"], donation.overpaid_cents)
