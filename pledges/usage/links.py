"""The recipient's signed link to the usage page: the shipment id, signed with a salt of its own.

Not the receipt link (pledges.logistics.receipts): the usage link is handed out months later,
by the reminder, and must not reopen the receipt confirmation, nor stop working when a
coordinator revokes the receipt links. Like the receipt link it expires after
RECIPIENT_LINK_MAX_AGE_DAYS, so the reminder's link still works past the due date.
"""

from __future__ import annotations

import datetime

from django.core import signing
from django.urls import reverse
from django.utils import timezone

from pledges.logistics.models import Shipment
from pledges.logistics.receipts import LinkExpired, LinkInvalid, expires_at, max_age

__all__ = ["LinkExpired", "LinkInvalid", "make_token", "shipment_id_from", "usage_path"]

SALT = "pledges.usage.report-link"


def _signer() -> signing.TimestampSigner:
    return signing.TimestampSigner(salt=SALT)


def expires_on(issued: datetime.datetime | None = None) -> datetime.date:
    return timezone.localdate(expires_at(issued))


def make_token(shipment: Shipment) -> str:
    return _signer().sign(str(shipment.pk))


def usage_path(shipment: Shipment, language: str = "uk") -> str:
    return reverse("pledges:usage_report", args=[make_token(shipment)]) + f"?lang={language}"


def shipment_id_from(token: str) -> int:
    """The shipment id in `token`, or LinkExpired / LinkInvalid."""
    try:
        value = _signer().unsign(token, max_age=max_age())
    except signing.SignatureExpired:
        raise LinkExpired from None
    except signing.BadSignature:
        raise LinkInvalid from None
    if not value.isascii() or not value.isdigit():
        raise LinkInvalid
    return int(value)
