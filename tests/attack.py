"""Tools for the attack tests: a fingerprint of the whole database and the objects of a victim.

The walks in tests/test_attack_*.py go over every URL pattern (tests.test_access.project_routes),
so a page added later is attacked without anyone listing it here.
"""

import csv
import hashlib
import io
import zipfile
from dataclasses import dataclass

from django.apps import apps
from django.contrib.sessions.models import Session
from django.core.files.base import ContentFile

from pledges.core.money import format_euro
from pledges.logistics.receipts import make_token
from pledges.models import (
    Appeal,
    Donation,
    EquipmentOffer,
    Need,
    OfferPhoto,
    OfferStatus,
    Payment,
    ReceiptConfirmation,
    Shipment,
    User,
)
from tests import factories

# Log-in sessions change with every request; they are not ledger data.
NOT_LEDGER_DATA = {Session}


def database_fingerprint() -> dict[str, tuple[int, str]]:
    """Row count and a checksum of every row of every table, to prove a request changed nothing."""
    fingerprint = {}
    for model in apps.get_models():
        if model in NOT_LEDGER_DATA:
            continue
        digest = hashlib.sha256()
        rows = model._base_manager.order_by("pk").values_list()
        count = 0
        for row in rows.iterator():
            digest.update(repr(row).encode())
            count += 1
        fingerprint[model._meta.label] = (count, digest.hexdigest())
    return fingerprint


def _domain(route) -> str:
    """The part of the domain a view belongs to: pledges.equipment.views -> "equipment"."""
    return route.callback.__module__.split(".")[1]


@dataclass
class Victim:
    """One municipality's rows, each carrying a marker that must never show up elsewhere."""

    marker: str
    amount_text: str  # the pledge amount as a Dutch page shows it
    donation: Donation
    offer: EquipmentOffer
    delivered: EquipmentOffer
    photo: OfferPhoto
    need: Need
    shipment: Shipment
    payment: Payment

    @property
    def code(self) -> str:
        return self.donation.municipality.code

    def kwargs(self, route) -> dict:
        """URL arguments that point at this victim's rows, guessed from the argument name and view module."""
        by_module = {
            "donations": self.donation.pk,
            "equipment": self.need.pk if (route.name or "").startswith("need") else self.offer.pk,
            "logistics": self.shipment.pk,
            "finance": self.payment.pk,
        }
        module = _domain(route)
        values = {
            "pk": by_module.get(module, self.donation.pk),
            "photo_pk": self.photo.pk,
            "offer_pk": self.delivered.pk,
            "code": self.code,
            "destination_pk": self.need.destination_id,
            "token": make_token(self.shipment),
        }
        return {name: values.get(name, self.donation.pk) for name in route.kwargs}

    def owns(self, route) -> bool:
        """Whether the URL names a row of this municipality (a pledge, offer, photo, its page)."""
        return bool({"photo_pk", "offer_pk", "code"} & set(route.kwargs)) or (
            "pk" in route.kwargs and _domain(route) in ("donations", "equipment") and not (route.name or "").startswith("need")
        )


def make_victim(municipality, appeal: Appeal, staff: User, marker: str, cents: int) -> Victim:
    """A pledge of `cents`, offers (one delivered with a receipt photo), a photo and a bank line of `municipality`."""
    donation = factories.donation(
        municipality, appeal, staff, amount_cents=cents, decision_reference=f"{marker}-RAADSBESLUIT",
        contact_name=f"{marker} Contact", contact_email=f"{marker.lower()}@example.nl",
    )
    offer = factories.offer(
        municipality, appeal, staff, description=f"{marker} aggregaat", contact_name=f"{marker} Contact",
        pickup_address=f"{marker}straat 1",
    )
    photo = OfferPhoto(offer=offer, content_type="image/png")
    photo.image.save("marker.png", ContentFile(factories.image_bytes("PNG")), save=True)
    kyiv = factories.destination()
    need = factories.need(appeal, kyiv)  # needs are the city's, shown to every municipality
    shipment = factories.shipment(appeal, kyiv, status="delivered")
    delivered = factories.offer(
        municipality, appeal, staff, status=OfferStatus.DELIVERED, description=f"{marker} geleverd",
    )
    factories.on_board(shipment, delivered)
    receipt = ReceiptConfirmation(offer=delivered, note=f"{marker} ontvangen", photo_content_type="image/png")
    receipt.photo.save("ontvangst.png", ContentFile(factories.image_bytes("PNG")), save=True)
    statement_line = factories.bank_line(
        cents, counterparty_name=f"{marker} GEMEENTE", remittance=f"{marker} {donation.reference}",
    )
    return Victim(
        marker=marker, amount_text=format_euro(cents).removeprefix("€").strip(), donation=donation, offer=offer,
        delivered=delivered,
        photo=photo, need=need, shipment=shipment, payment=statement_line,
    )


def export_text(content: bytes) -> str:
    """Everything an export holds, as text: every XML part of an XLSX, or the CSV itself."""
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "\n".join(book.read(name).decode("utf-8") for name in book.namelist())
    return "\n".join(",".join(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))))
