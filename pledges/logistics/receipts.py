"""Receipt confirmed by the recipient city, through a signed link that needs no account.

The link carries only the shipment id and the version of its links, signed with a
salt used for nothing else and stamped with the time it was made; it expires after
RECIPIENT_LINK_MAX_AGE_DAYS. A coordinator who revokes the links raises the
shipment's version: a link of an earlier version is genuine but replaced, and says
so. Links of version 0 (and those made before versions existed) carry the bare id.
Each delivered item is reported once: received in full, fewer, damaged or not received.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.core import signing
from django.core.files.storage import default_storage
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.equipment.photos import store_photo
from pledges.equipment.workflow import RECIPIENT, Actor, transition
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.logistics.mails import receipt_shortfall
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


Outcome = ReceiptConfirmation.Outcome


class ReportRefused(Exception):
    """The report does not add up (e.g. "fewer" with every unit); `message` says why, in the active language."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def received_units(outcome: str, quantity: int, quantity_received: int | None) -> int:
    """The units that arrived, for an item of `quantity` units reported as `outcome`; ReportRefused if impossible."""
    if outcome == Outcome.RECEIVED:
        return quantity
    if outcome == Outcome.NOT_RECEIVED:
        return 0
    if outcome == Outcome.FEWER:
        if quantity_received is None or not 0 < quantity_received < quantity:
            raise ReportRefused(
                _("Fewer received: enter how many arrived, from 1 to %(most)d. If nothing arrived, choose "
                  "“not received”.") % {"most": quantity - 1}
            )
        return quantity_received
    if outcome == Outcome.DAMAGED:
        received = quantity if quantity_received is None else quantity_received
        if not 0 < received <= quantity:
            raise ReportRefused(
                _("Damaged: enter how many arrived, damaged or not, from 1 to %(most)d.") % {"most": quantity}
            )
        return received
    raise ReportRefused(_("Choose what arrived."))


def record_receipt(
    offer: EquipmentOffer,
    outcome: str = Outcome.RECEIVED,
    *,
    quantity_received: int | None = None,
    note: str = "",
    photo=None,
    photo_content_type: str = "",
) -> ReceiptConfirmation:
    """Record what the recipient city reported of one delivered item, all or nothing.

    The item moves to "receipt confirmed" as the recipient's act; the history of the offer
    and of its shipment keep the outcome as codes and numbers. Anything but "received in
    full" queues a mail to the coordinators. `quantity_received` counts for "fewer" and
    "damaged" (damaged: all units unless given). NotConfirmable, AlreadyConfirmed or
    ReportRefused change nothing.
    """
    stored = ""
    try:
        with writing():
            current = (
                EquipmentOffer.objects.select_for_update()
                .select_related("shipment__destination")
                .filter(pk=offer.pk, shipment__isnull=False, status__in=SHOWN_STATUSES)
                .first()
            )
            if current is None:
                raise NotConfirmable
            if current.status == OfferStatus.CONFIRMED or ReceiptConfirmation.objects.filter(offer=current).exists():
                raise AlreadyConfirmed
            shipment = current.shipment
            received = received_units(outcome, current.quantity, quantity_received)
            report = {"outcome": str(outcome), "received": received, "quantity": current.quantity}
            actor = recipient_actor(shipment)
            transition(current, OfferStatus.CONFIRMED, actor, note=note, data={"receipt": report})
            receipt = ReceiptConfirmation(
                offer=current, outcome=outcome, quantity_received=received, note=note,
                photo_content_type=photo_content_type if photo else "",
            )
            if photo:
                stored = store_photo(receipt.photo, photo)
            receipt.save()
            record(
                Event.Kind.RECEIPT, shipment, actor_label=actor.label,
                data={"by": actor.role, "receipt": report | {"offer": current.number}}, note=note,
            )
            if receipt.is_shortfall:
                receipt_shortfall.enqueue(receipt.pk)
    except BaseException:
        # The rows were rolled back; the photo file must not outlive them.
        if stored:
            default_storage.delete(stored)
        raise
    return receipt


def confirm_receipt(shipment: Shipment, offer_id: int, *, version: int = 0, **report) -> ReceiptConfirmation:
    """`record_receipt()` for one item of `shipment`, through a link of `version`.

    LinkReplaced if that link was revoked since the page was shown; NotConfirmable if the
    item is not a delivered item of this shipment.
    """
    with writing():
        # A coordinator may have revoked the link since the page was shown.
        check_version(_locked_shipment(shipment), version)
        offer = EquipmentOffer.objects.filter(pk=offer_id, shipment_id=shipment.pk).first()
        if offer is None:
            raise NotConfirmable
        return record_receipt(offer, **report)


def confirm_all_received(shipment: Shipment, *, version: int = 0) -> list[ReceiptConfirmation]:
    """Every item of `shipment` not confirmed yet, received in full: the common case in one step."""
    with writing():
        check_version(_locked_shipment(shipment), version)
        waiting = shipment.offers.filter(status=OfferStatus.DELIVERED).order_by("pk")
        receipts = [record_receipt(offer) for offer in waiting]
        if not receipts:
            raise AlreadyConfirmed
        return receipts


def _locked_shipment(shipment: Shipment) -> Shipment:
    # In the lock order of every writer: the chain, the shipment, then its offers.
    return Shipment.objects.select_for_update().get(pk=shipment.pk)
