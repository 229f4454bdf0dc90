from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Sum
from django.db.models.functions import Coalesce

from pledges.core.money import format_euro
from pledges.donations.models import Donation


def donation_findings() -> Iterator[str]:
    """Pledges whose received amount or status disagrees with their matched bank lines."""
    pledges = (
        Donation.objects.annotate(matched=Coalesce(Sum("payments__amount_cents"), 0))
        .only("pk", "status", "received_cents", "amount_cents")
        .order_by("pk")
    )
    for donation in pledges.iterator(chunk_size=2000):
        if donation.received_cents != donation.matched:
            yield (
                f"Donation {donation.number} (id {donation.pk}): received "
                f"{format_euro(donation.received_cents, 'en')} but its matched bank lines add up to "
                f"{format_euro(donation.matched, 'en')}"
            )
        elif donation.status != donation.status_from_received():
            yield (
                f"Donation {donation.number} (id {donation.pk}): status {donation.status!r} does not follow "
                f"from {format_euro(donation.received_cents, 'en')} received"
            )
