"""Receipt confirmed by the recipient city, through a signed link that needs no account.

The link carries only the shipment id and the version of its links, signed with a
salt used for nothing else and stamped with the time it was made; it expires after
RECIPIENT_LINK_MAX_AGE_DAYS. A coordinator who revokes the links raises the
shipment's version: a link of an earlier version is genuine but replaced, and says
so. Links of version 0 (and those made before versions existed) carry the bare id.
Each delivered item can be confirmed once.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone

from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.equipment.photos import store_photo
from pledges.equipment.workflow import RECIPIENT, Actor, transition
from pledges.history.services import writing
from pledges.logistics.models import ReceiptConfirmation, Shipment

SALT = "pledges.receipts.recipient-link"

# What the recipient sees of a shipment: what was delivered, and what they confirmed since.
SHOWN_STATUSES = (OfferStatus.DELIVERED, OfferStatus.CONFIRMED)


class LinkExpired(Exception):
    """The link was genuine but is older than RECIPIENT_LINK_MAX_AGE_DAYS."""


class LinkReplaced(Exception):
    """The link was genuine, but a coordinator revoked it and made a newer one."""


class LinkInvalid(Exception):
    """The link was altered, signed for something else, or is not a link at all."""


class AlreadyConfirmed(Exception):
    """This item's receipt was confirmed before."""


class NotConfirmable(Exception):
    """The item is not (or no longer) a delivered item of this shipment."""


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def max_age() -> datetime.timedelta:
    return datetime.timedelta(days=settings.RECIPIENT_LINK_MAX_AGE_DAYS)


def make_token(shipment: Shipment, version: int | None = None) -> str:
    """A signed, time-stamped token naming the shipment and the version of its links (its current one by default)."""
    version = shipment.recipient_link_version if version is None else version
    return _signer().sign(str(shipment.pk) if version == 0 else f"{shipment.pk}.{version}")


def expires_at(issued: datetime.datetime | None = None) -> datetime.datetime:
    return (issued or timezone.now()) + max_age()


def _number(text: str) -> int:
    if not text.isascii() or not text.isdigit():
        raise LinkInvalid
    return int(text)


def link_from(token: str) -> tuple[int, int]:
    """The shipment id and link version in `token`, or LinkExpired / LinkInvalid."""
    try:
        value = _signer().unsign(token, max_age=max_age())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    shipment_id, _dot, version = value.partition(".")
    return _number(shipment_id), _number(version) if version else 0


def check_version(shipment: Shipment, version: int) -> None:
    """LinkReplaced if the shipment's links were revoked since `version` was handed out."""
    if version < shipment.recipient_link_version:
        raise LinkReplaced
    if version > shipment.recipient_link_version:
        raise LinkInvalid  # never handed out: only a holder of the secret key could sign it


def recipient_actor(shipment: Shipment) -> Actor:
    """The city's contact, who has no account: the history names the city and words the rest on display."""
    return Actor(role=RECIPIENT, label=shipment.destination.name_nl)


def delivered_items(shipment: Shipment):
    """The items of `shipment` the recipient sees: only what was delivered."""
    return (
        shipment.offers.filter(status__in=SHOWN_STATUSES)
        .select_related("receipt")
        .order_by("pk")
    )


def confirm_receipt(
    shipment: Shipment,
    offer_id: int,
    *,
    version: int = 0,
    note: str = "",
    photo=None,
    photo_content_type: str = "",
) -> EquipmentOffer:
    """Record that the city received one item and move it to "receipt confirmed", all or nothing.

    `version`: of the link it came through; LinkReplaced if that link was revoked meanwhile.
    """
    stored = ""
    try:
        with writing():
            # A coordinator may have revoked the link since the page was shown.
            check_version(Shipment.objects.get(pk=shipment.pk), version)
            offer = (
                EquipmentOffer.objects.select_for_update()
                .filter(pk=offer_id, shipment_id=shipment.pk, status__in=SHOWN_STATUSES)
                .first()
            )
            if offer is None:
                raise NotConfirmable
            if offer.status == OfferStatus.CONFIRMED or ReceiptConfirmation.objects.filter(offer=offer).exists():
                raise AlreadyConfirmed
            transition(offer, OfferStatus.CONFIRMED, recipient_actor(shipment), note=note)
            receipt = ReceiptConfirmation(offer=offer, note=note, photo_content_type=photo_content_type if photo else "")
            if photo:
                stored = store_photo(receipt.photo, photo)
            receipt.save()
    except BaseException:
        # The rows were rolled back; the photo file must not outlive them.
        if stored:
            default_storage.delete(stored)
        raise
    return offer
