"""Receipts for money received: a PDF the municipality files with its books, and its verification code.

A receipt exists for every payment matched to a pledge (a bank line or a payment entered by
hand). Nothing is stored for it: its verification code is an HMAC of what the receipt states
(the line, the pledge, the amount, the booking date) under the site's secret key, so the code
holds exactly as long as the ledger still says so. Undo the match or match the line to another
pledge, and the old receipt's code no longer verifies. The code carries the receipt number in
front, so the public check (`verify`) finds the line without a search.
"""

from __future__ import annotations

import base64
import hmac
import re

from django.conf import settings
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac

from pledges.core.pdf import render_pdf
from pledges.donations.access import visible_donations
from pledges.finance.models import Payment

_SALT = "pledges.finance.receipts"
# 12 base-32 characters: 60 bits, never guessed by someone who does not have the receipt.
_CHECK_LENGTH = 12
_CODE = re.compile(r"^(?P<number>[0-9]{1,12})(?P<check>[A-Z2-7]{12})$")


def receipt_number(payment: Payment) -> str:
    return f"K-{payment.pk:06d}"


def _check(payment: Payment, secret: str) -> str:
    statement = f"{payment.pk}:{payment.donation_id}:{payment.amount_cents}:{payment.booking_date.isoformat()}"
    digest = salted_hmac(_SALT, statement, secret=secret, algorithm="sha256").digest()
    return base64.b32encode(digest).decode("ascii")[:_CHECK_LENGTH]


def verification_code(payment: Payment) -> str:
    """The receipt's code, e.g. "000123-ABCD-EFGH-JKLM": the receipt number, then the check in groups."""
    check = _check(payment, settings.SECRET_KEY)
    return "-".join([f"{payment.pk:06d}", check[0:4], check[4:8], check[8:12]])


def receipts() -> QuerySet[Payment]:
    """Every payment that has a receipt: matched to a pledge (a gift without pledge or an open line has none)."""
    return Payment.objects.filter(donation__isnull=False, match_method__in=Payment.PLEDGE_METHODS)


def visible_receipts(user) -> QuerySet[Payment]:
    """The receipts `user` may download: of their own municipality's pledges, or all for the fund."""
    return receipts().filter(donation__in=visible_donations(user))


def verify(code: str) -> Payment | None:
    """The payment whose receipt carries `code`, as the ledger now stands; None for any other code."""
    compact = re.sub(r"[\s\-]", "", code or "").upper()
    found = _CODE.match(compact)
    if not found:
        return None
    payment = receipts().select_related("donation__municipality", "donation__appeal").filter(
        pk=int(found["number"])
    ).first()
    if payment is None:
        return None
    # A key rotated with SECRET_KEY_FALLBACKS keeps the receipts issued before.
    secrets = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]
    if any(hmac.compare_digest(_check(payment, secret), found["check"]) for secret in secrets):
        return payment
    return None


def bank_reference(payment: Payment) -> str:
    """What the bank calls the line (its reference, the end-to-end id, the servicer's); "" for one entered by hand."""
    return payment.bank_reference or payment.end_to_end_id or payment.account_servicer_reference


def receipt_pdf(payment: Payment, verify_url: str) -> bytes:
    """The receipt of `payment` as a PDF (Dutch): pledge, decision, amount, booked, bank reference, fund, code."""
    return render_pdf(
        "finance/documents/receipt.html",
        {
            "payment": payment,
            "donation": payment.donation,
            "appeal": payment.donation.appeal,
            "number": receipt_number(payment),
            "code": verification_code(payment),
            "bank_reference": bank_reference(payment),
            "verify_url": verify_url,
        },
    )
