"""The EPC QR code of a pledge's payment instructions: a banking app scans it and fills in the transfer.

European Payments Council, "Quick Response Code: guidelines to enable data capture for the
initiation of a SEPA credit transfer" (EPC069-12), version 002: BCD / 002 / character set /
SCT / BIC (optional within the EEA) / name / IBAN / EUR amount / purpose / structured
remittance / unstructured remittance. The guidelines allow the structured or the unstructured
remittance, not both: the pledge's RF reference goes in the structured field, so the bank
line matches by reference (pledges/finance/matching.py). segno draws it (error level M,
version 13 at most, as the guidelines ask) as SVG, shown as a data: URI in an <img> like the
two-step login's QR code (the CSP allows no inline style; an <img> of a data: URI is allowed).
"""

from __future__ import annotations

import segno
from segno import helpers

from pledges.core.money import cents_to_euro
from pledges.donations.models import Donation


def epc_qr(donation: Donation) -> segno.QRCode | None:
    """The QR code that transfers what is still outstanding on `donation`; None when nothing is."""
    outstanding = Donation.outstanding_cents_for(donation.status, donation.amount_cents, donation.received_cents)
    if outstanding <= 0:
        return None
    appeal = donation.appeal
    return helpers.make_epc_qr(
        name=appeal.account_name[:70],
        iban=appeal.iban,
        amount=cents_to_euro(outstanding),
        reference=donation.reference,
    )


def epc_qr_data_uri(donation: Donation, *, scale: int = 4) -> str:
    """The QR code as an SVG data: URI for the page's <img>; "" when nothing is outstanding."""
    qr = epc_qr(donation)
    # Border 4 modules: the quiet zone the QR standard asks for, or some apps do not find the code.
    return qr.svg_data_uri(scale=scale, border=4) if qr else ""


def epc_qr_png_data_uri(donation: Donation) -> str:
    """The QR code as a PNG data: URI for a PDF: one image in the file, sharp at 42 mm (10 px a module)."""
    qr = epc_qr(donation)
    return qr.png_data_uri(scale=10, border=4) if qr else ""
