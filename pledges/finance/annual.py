"""A municipality's yearly account (jaarverantwoording): what it gave in a year and what became of it.

One PDF, in Dutch, for the municipality's council and books: every pledge made in the year,
every payment booked in the year for the municipality's pledges (with its receipt code), every
offer made or confirmed in the year with where it went and the recipient's confirmation,
photos as thumbnails, and a paragraph ready for a council information letter
(raadsinformatiebrief). Written by the task worker (pledges/finance/tasks.py), since the
photos make it slow.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from pledges.core.money import cents_to_euro
from pledges.core.pdf import image_data_uri, render_pdf
from pledges.donations.models import Donation
from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.finance.receipts import receipt_number, receipts, verification_code
from pledges.reference.models import Municipality

logger = logging.getLogger(__name__)

# Photos per offer in the document: enough to see the item, not a photo album.
PHOTOS_PER_OFFER = 2
# The first year a yearly account can be asked for: the ledger's first appeal.
FIRST_YEAR = 2022

_ARRIVED = (OfferStatus.DELIVERED, OfferStatus.CONFIRMED)


@dataclass(frozen=True)
class AnnualScope:
    municipality: Municipality | None
    year: int

    @property
    def start(self) -> datetime.datetime:
        """Local midnight of 1 January: the year as the municipality counts it."""
        return timezone.make_aware(datetime.datetime(self.year, 1, 1))

    @property
    def end(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime(self.year + 1, 1, 1))

    def pledges(self):
        return (
            Donation.objects.filter(municipality=self.municipality, created_at__gte=self.start, created_at__lt=self.end)
            .select_related("appeal")
            .order_by("created_at", "pk")
        )

    def payments(self):
        """Money booked in the year for the municipality's pledges, whichever year they were made."""
        return (
            receipts()
            .filter(donation__municipality=self.municipality, booking_date__year=self.year)
            .select_related("donation", "donation__appeal")
            .order_by("booking_date", "pk")
        )

    def offers(self):
        """Offers made in the year, and earlier ones whose arrival the recipient confirmed in it."""
        made = Q(created_at__gte=self.start, created_at__lt=self.end)
        confirmed = Q(receipt__confirmed_at__gte=self.start, receipt__confirmed_at__lt=self.end)
        return (
            EquipmentOffer.objects.filter(Q(municipality=self.municipality) & (made | confirmed))
            .select_related("appeal", "destination", "shipment", "receipt")
            .prefetch_related("photos")
            .order_by("created_at", "pk")
        )


def _thumbnail(field) -> str:
    """A stored photo as a thumbnail data: URI; "" when the file is gone or unreadable (the text still says it)."""
    try:
        with field.storage.open(field.name, "rb") as stream:
            return image_data_uri(stream)
    except (OSError, ValueError) as error:  # a missing file, or not an image Pillow reads
        logger.warning("Photo %s left out of a yearly account: %s", field.name, error)
        return ""


def account_context(scope: AnnualScope) -> dict:
    """Everything the document shows, with its totals summed in cents."""
    pledges = list(scope.pledges())
    counted = [pledge for pledge in pledges if pledge.status != Donation.Status.WITHDRAWN]
    payments = list(scope.payments())
    for payment in payments:
        payment.receipt_number, payment.receipt_code = receipt_number(payment), verification_code(payment)
    offers = list(scope.offers())
    for offer in offers:
        offer.thumbnails = [
            uri for uri in (_thumbnail(photo.image) for photo in list(offer.photos.all())[:PHOTOS_PER_OFFER]) if uri
        ]
        receipt = getattr(offer, "receipt", None)
        offer.receipt_thumbnail = _thumbnail(receipt.photo) if receipt and receipt.photo else ""
    counting = [offer for offer in offers if offer.status not in (OfferStatus.DECLINED, OfferStatus.WITHDRAWN)]
    arrived = [offer for offer in counting if offer.status in _ARRIVED]
    cities = sorted({offer.destination.name_nl for offer in arrived if offer.destination})
    return {
        "municipality": scope.municipality,
        "year": scope.year,
        "pledges": pledges,
        "payments": payments,
        "offers": offers,
        "pledged": cents_to_euro(sum(pledge.amount_cents for pledge in counted)),
        "pledge_count": len(counted),
        "received": cents_to_euro(sum(payment.amount_cents for payment in payments)),
        # What the year's pledges still await, however long ago the money came.
        "outstanding": cents_to_euro(
            sum(Donation.outstanding_cents_for(p.status, p.amount_cents, p.received_cents) for p in counted)
        ),
        "offer_count": len(counting),
        "units": sum(offer.quantity for offer in counting),
        "in_kind": cents_to_euro(sum(offer.quantity * offer.value_cents for offer in counting)),
        "arrived_count": len(arrived),
        "confirmed_count": sum(1 for offer in counting if offer.status == OfferStatus.CONFIRMED),
        "cities": ", ".join(cities),
        "generated_at": timezone.localtime(),
    }


def annual_account_pdf(scope: AnnualScope) -> bytes:
    return render_pdf("finance/documents/annual_account.html", account_context(scope))


def active_municipalities(year: int):
    """The municipalities with a pledge, an offer or a payment booked in `year`: those with an account to give."""
    scope = AnnualScope(None, year)
    made = Q(created_at__gte=scope.start, created_at__lt=scope.end)
    return Municipality.objects.filter(
        Exists(Donation.objects.filter(made, municipality=OuterRef("pk")))
        | Exists(EquipmentOffer.objects.filter(made, municipality=OuterRef("pk")))
        | Exists(receipts().filter(donation__municipality=OuterRef("pk"), booking_date__year=year))
    ).order_by("name")


def selectable_years() -> list[int]:
    """The years a yearly account can be asked for, newest first."""
    return list(range(timezone.localdate().year, FIRST_YEAR - 1, -1))
