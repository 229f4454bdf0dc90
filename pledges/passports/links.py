"""The signed link a unit's QR label opens: the unit's id and label version, signed, without expiry.

A label is stuck on a generator for years, so its link does not expire; a coordinator who
replaces a label raises the unit's `link_version`, and the old label's link then says it was
replaced. The salt is used for nothing else, so no other signed value opens a passport.
"""

from __future__ import annotations

from django.core import signing
from django.urls import reverse

from pledges.passports.models import Unit

SALT = "pledges.passports.unit-link"


class LinkInvalid(Exception):
    """The link was altered, signed for something else, or is not a link at all."""


class LinkReplaced(Exception):
    """The link was genuine, but the unit's label was replaced by a newer one."""


def _signer() -> signing.Signer:
    return signing.Signer(salt=SALT)


def make_token(unit: Unit) -> str:
    return _signer().sign(f"{unit.pk}.{unit.link_version}")


def passport_path(unit: Unit) -> str:
    """The path of the unit's passport page (make it absolute with the site's address)."""
    return reverse("pledges:unit_passport", args=[make_token(unit)])


def unit_from(token: str) -> Unit:
    """The unit `token` names, or LinkInvalid / LinkReplaced."""
    try:
        value = _signer().unsign(token)
    except signing.BadSignature:
        raise LinkInvalid from None
    pk, _, version = value.partition(".")
    if not (pk.isascii() and pk.isdigit() and version.isascii() and version.isdigit()):
        raise LinkInvalid
    unit = Unit.objects.select_related("offer__municipality", "offer__appeal", "offer__shipment__destination").filter(pk=int(pk)).first()
    if unit is None:
        raise LinkInvalid
    if int(version) != unit.link_version:
        raise LinkReplaced
    return unit
