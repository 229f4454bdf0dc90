"""Euro amounts: parse what people type, convert cents, format per language.

The ledger stores integer cents. Everything shown or exported goes through
here, so no float ever touches an amount.
"""

from __future__ import annotations

import re
from decimal import Decimal

from django.utils import translation

CENT = Decimal("0.01")

# Digits with optional group separators, then an optional decimal part of 1-2 digits.
_THREE_DECIMALS = re.compile(r"^(?P<whole>\d{1,3}(?:[.,\s]\d{3})*|\d+)(?P<mark>[.,])(?P<decimals>\d{3})$")
_AMOUNT = re.compile(r"^\d{1,3}(?:[.,\s]\d{3})*(?:[.,]\d{1,2})?$|^\d+(?:[.,]\d{1,2})?$")


class AmountError(ValueError):
    """The text is not an amount in euro."""


class ThreeDecimals(AmountError):
    """The text has three digits after its decimal separator: a typo, cents have two.

    `whole` and `decimals` are the digits read before and after that separator,
    `decimal_mark` the separator itself.
    """

    def __init__(self, text: str, whole: str, decimals: str, decimal_mark: str, *, whole_is_plain: bool):
        super().__init__(text)
        self.text, self.whole, self.decimals, self.decimal_mark = text, whole, decimals, decimal_mark
        # "10,005" (not "1.250,505"): the reader may have meant ten thousand and five.
        self.whole_is_plain = whole_is_plain


def decimal_mark(language: str | None = None) -> str:
    """The decimal separator of the reader's language: "," in Dutch (and Ukrainian), "." in English."""
    language = language or translation.get_language() or "nl"
    return "." if language.startswith("en") else ","


def parse_euro(text: str, language: str | None = None) -> int:
    """Return the cents in `text`, accepting Dutch ("1.250,50") and English ("1250.50").

    The last separator is the decimal one when one or two digits follow it;
    every other separator must group thousands. "1.250" is therefore 1250 euro,
    as a Dutch user means it (cents never have three digits).

    A single separator followed by exactly three digits is ambiguous: the language
    decides. Its decimal mark ("," in Dutch, "." in English) followed by three digits
    is three decimals and refused (ThreeDecimals): Dutch "10,005" and English "10.005";
    the other mark groups thousands: Dutch "10.005" and English "10,005" are 10005 euro.
    Three digits after the last separator when both kinds appear ("1.250,505") are
    three decimals in any language.
    """
    cleaned = text.strip().replace("€", "").replace("\u00a0", " ").strip()
    cleaned = re.sub(r"^EUR\s*", "", cleaned, flags=re.IGNORECASE)
    if cleaned.endswith((",-", ".-")):
        cleaned = cleaned[:-2]
    three = _THREE_DECIMALS.match(cleaned)
    if three:
        whole, mark, decimals = three.group("whole"), three.group("mark"), three.group("decimals")
        marks = set(re.findall(r"[.,]", whole))
        if (marks and mark not in marks) or (not marks and mark == decimal_mark(language)):
            raise ThreeDecimals(text, re.sub(r"[.,\s]", "", whole), decimals, mark, whole_is_plain=whole.isdigit())
    if not cleaned or not _AMOUNT.match(cleaned):
        raise AmountError(text)
    match = re.search(r"[.,](\d{1,2})$", cleaned)
    if match:
        whole, fraction = cleaned[: match.start()], match.group(1).ljust(2, "0")
    else:
        whole, fraction = cleaned, "00"
    # Group separators must be consistent: "1.250.000" or "1 250 000", not "1.250,000".
    separators = set(re.findall(r"[.,\s]", whole))
    if len(separators) > 1 or (match and separators & {match.group(0)[0]}):
        raise AmountError(text)
    return int(re.sub(r"[.,\s]", "", whole)) * 100 + int(fraction)


def cents_to_euro(cents: int) -> Decimal:
    return (Decimal(cents) / 100).quantize(CENT)


def format_euro(amount: Decimal | int | None, language: str | None = None) -> str:
    """Show euro the way the reader writes it: "€ 1.234,56" (nl) or "€1,234.56" (en)."""
    if amount is None:
        return ""
    if isinstance(amount, int):
        amount = cents_to_euro(amount)
    language = language or translation.get_language() or "nl"
    sign = "-" if amount < 0 else ""
    grouped = f"{abs(amount):,.2f}"  # "1,234.56", exact for Decimal
    if language.startswith("en"):
        return f"{sign}€{grouped}"
    dutch = grouped.replace(",", "_").replace(".", ",").replace("_", ".")
    return f"{sign}€ {dutch}"

# A municipality's pledge above ten million euro is a typing error, not generosity.
MAX_PLEDGE_CENTS = 10_000_000_00
