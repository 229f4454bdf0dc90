"""Tools for the attack tests: a fingerprint of the whole database and the objects of a victim.

The walks in tests/test_attack_*.py go over every URL pattern (tests.routes.project_routes),
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
from django.utils import timezone

from pledges.core.money import format_euro
from pledges.logistics.receipts import make_token
from pledges.models import (
    AnnualAccount,
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


def row_kind(route) -> str:
    """What a URL's `pk` names, read from the URL's name: pledges:offer_edit names an offer."""
    return route.name.removeprefix("pledges:").split("_", 1)[0]


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
    # A second pledge, paid in full by a matched line: the line's receipt (pledges/finance/receipts.py).
    received: Payment
    # A yearly account asked for (queued, so its page shows and its download waits).
    account: AnnualAccount

    @property
    def code(self) -> str:
        return self.donation.municipality.code

    def kwargs(self, route) -> dict:
        """URL arguments that point at this victim's rows, guessed from the argument name and the URL's name."""
        by_kind = {
            "donation": self.donation.pk,
            "offer": self.offer.pk,
            "need": self.need.pk,
            "shipment": self.shipment.pk,
            "finance": self.payment.pk,
        }
        values = {
            "pk": by_kind.get(row_kind(route), self.donation.pk),
            "photo_pk": self.photo.pk,
            "offer_pk": self.delivered.pk,
            "code": self.code,
            "destination_pk": self.need.destination_id,
            "token": make_token(self.shipment),
            "payment_pk": self.received.pk,
            "account_pk": self.account.pk,
        }
        return {name: values.get(name, self.donation.pk) for name in route.kwargs}

    def owns(self, route) -> bool:
        """Whether the URL names a row of this municipality (a pledge, offer, photo, its page)."""
        return bool({"photo_pk", "offer_pk", "code", "payment_pk", "account_pk"} & set(route.kwargs)) or (
            "pk" in route.kwargs and row_kind(route) in ("donation", "offer")
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
    receipt = ReceiptConfirmation(
        offer=delivered, quantity_received=delivered.quantity, note=f"{marker} ontvangen", photo_content_type="image/png"
    )
    receipt.photo.save("ontvangst.png", ContentFile(factories.image_bytes("PNG")), save=True)
    statement_line = factories.bank_line(
        cents, counterparty_name=f"{marker} GEMEENTE", remittance=f"{marker} {donation.reference}",
    )
    paid = factories.donation(
        municipality, appeal, staff, amount_cents=100_00, decision_reference=f"{marker}-BETAALD",
        contact_name=f"{marker} Contact", contact_email=f"{marker.lower()}@example.nl",
    )
    received = factories.bank_line(
        100_00, counterparty_name=f"{marker} GEMEENTE", remittance=f"{marker} {paid.reference}", donation=paid,
        match_method=Payment.Method.REFERENCE, matched_at=timezone.now(),
    )
    factories.receive(paid, 100_00)
    account = AnnualAccount.objects.create(requested_by=staff, municipality=municipality, year=timezone.localdate().year)
    return Victim(
        marker=marker, amount_text=format_euro(cents).removeprefix("€").strip(), donation=donation, offer=offer,
        delivered=delivered,
        photo=photo, need=need, shipment=shipment, payment=statement_line, received=received,
        account=account,
    )


def export_text(content: bytes) -> str:
    """Everything an export holds, as text: every XML part of an XLSX, or the CSV itself."""
    if content.startswith(b"PK"):
        with zipfile.ZipFile(io.BytesIO(content)) as book:
            return "\n".join(book.read(name).decode("utf-8") for name in book.namelist())
    return "\n".join(",".join(row) for row in csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def body(response) -> bytes:
    """What a response sends, streamed or not."""
    return b"".join(response.streaming_content) if response.streaming else response.content


# Hostile XML: a statement that would expand entities, read a local file or fetch a DTD.
BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&lol3;</BkToCstmrStmt></Document>"""

EXTERNAL_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&secret;</BkToCstmrStmt></Document>"""

DOCTYPE_ONLY = b"""<?xml version="1.0"?>
<!DOCTYPE Document SYSTEM "http://example.invalid/camt.dtd">
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt/></Document>"""
