"""Units come into being for the offers of a shipment: when its labels are printed, at the latest when it departs."""

from __future__ import annotations

from collections.abc import Iterable

from pledges.equipment.models import EquipmentOffer
from pledges.passports.models import Unit


def ensure_units(offers: Iterable[EquipmentOffer]) -> list[Unit]:
    """Every unit of `offers` (serials 1..quantity), creating those not there yet; in offer and serial order.

    Called inside a writing transaction that holds the offers' rows; creating units writes no
    history (their passport begins with their first custody step).
    """
    offers = list(offers)
    have = {(offer_id, serial) for offer_id, serial in Unit.objects.filter(offer__in=offers).values_list("offer_id", "serial")}
    Unit.objects.bulk_create(
        Unit(offer=offer, serial=serial)
        for offer in offers
        for serial in range(1, offer.quantity + 1)
        if (offer.pk, serial) not in have
    )
    return list(Unit.objects.filter(offer__in=offers).select_related("offer").order_by("offer_id", "serial"))
