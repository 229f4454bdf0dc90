"""The bank lines' sheet: its columns, its rows, and its TableExport.

Exported as every ledger table is (pledges.spreadsheets.views: the rows on screen, a title
row, the header, the rows; the CSV without the title row), Dutch whatever the screen's
language. The columns, in this fixed order:

Bank lines (/financien/regels/, sheet "Bankregels"):

    A  Boekdatum           booking date (date)
    B  Bedrag              amount in euro, negative for a debit (euro format); empty for another currency
    C  Valuta              currency, EUR (or the other currency's code)
    D  Tegenrekening       counterparty IBAN, grouped by four (text)
    E  Naam                counterparty name (text)
    F  Omschrijving        remittance text (text, never a formula)
    G  Kenmerk             structured reference as the bank gives it (text)
    H  Rekening            the account it was booked on
    I  Afschrift           the statement file, or "handmatig ingevoerd"
    J  Stand               te koppelen / gekoppeld / gift zonder toezegging / niet voor toezeggingen
    K  Toezegging          the pledge it pays, T-000123 (empty when not matched)
    L  Gemeente            that pledge's municipality
    M  Gekoppeld via       RF-kenmerk / bekend IBAN en bedrag / handmatig / gift zonder toezegging
    N  Gekoppeld door      who matched it (for an automatic match: who imported or re-ran the matching)
    O  Gekoppeld op        when (date)
    P  Ingevoerd door      who entered a payment by hand
    Q  Bedrag in valuta    a line in another currency than euro: its amount with its code, "USD 1.000,00"
                           (text), never in column B, so no euro sum counts it

The outstanding pledges (/financien/openstaand/) export as the money ledger does
(sheet "Donaties", columns as documented in pledges.donations.exports).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.finance.models import Payment, format_account, format_amount
from pledges.spreadsheets.columns import CHUNK, DATE, EURO, TEXT, Column, dutch_labels
from pledges.spreadsheets.views import TableExport

# --------------------------------------------------------------------------- bank lines

PAYMENT_COLUMNS = [
    Column("Boekdatum", DATE, 13),
    Column("Bedrag", EURO, 16),
    Column("Valuta", TEXT, 7),
    Column("Tegenrekening", TEXT, 26),
    Column("Naam", TEXT, 28),
    Column("Omschrijving", TEXT, 44),
    Column("Kenmerk", TEXT, 26),
    Column("Rekening", TEXT, 26),
    Column("Afschrift", TEXT, 24),
    Column("Stand", TEXT, 22),
    Column("Toezegging", TEXT, 12),
    Column("Gemeente", TEXT, 24),
    Column("Gekoppeld via", TEXT, 22),
    Column("Gekoppeld door", TEXT, 22),
    Column("Gekoppeld op", DATE, 13),
    Column("Ingevoerd door", TEXT, 22),
    Column("Bedrag in valuta", TEXT, 18),
]

MANUAL_ENTRY_NL = "handmatig ingevoerd"


def payment_state_nl(payment: Payment, accounts: frozenset[str]) -> str:
    """Where a bank line stands, in Dutch, as the bank lines page tells it."""
    if payment.donation_id:
        return "gekoppeld"
    if payment.match_method == Payment.Method.GIFT:
        return "gift zonder toezegging"
    if payment.currency != "EUR":
        return "andere valuta"
    if payment.amount_cents <= 0 or payment.account_iban not in accounts:
        return "niet voor toezeggingen"
    return "te koppelen"


def payment_row(payment: Payment, accounts: frozenset[str]) -> list[object]:
    """One bank line as values in `PAYMENT_COLUMNS` order."""
    donation = payment.donation
    euro = payment.currency == "EUR"
    return [
        payment.booking_date,
        payment.amount if euro else None,
        payment.currency,
        payment.counterparty_iban_display,
        payment.counterparty_name,
        payment.remittance,
        payment.structured_reference,
        format_account(payment.account_iban),
        payment.statement.file_name if payment.statement_id else MANUAL_ENTRY_NL,
        payment_state_nl(payment, accounts),
        donation.number if donation else "",
        donation.municipality.name if donation else "",
        dutch_labels(Payment.Method).get(payment.match_method, ""),
        str(payment.matched_by) if payment.matched_by_id else "",
        timezone.localdate(payment.matched_at) if payment.matched_at else None,
        str(payment.entered_by) if payment.entered_by_id else "",
        "" if euro else format_amount(payment.amount_cents, payment.currency, "nl"),
    ]


def payment_rows(queryset, accounts: frozenset[str]) -> Iterable[list[object]]:
    """The bank lines of `queryset`, in its order, read in chunks."""
    related = queryset.select_related("donation__municipality", "statement", "matched_by", "entered_by")
    for payment in related.iterator(chunk_size=CHUNK):
        yield payment_row(payment, accounts)


def payment_export(queryset, accounts: frozenset[str]) -> TableExport:
    """The bank lines' sheet (column order: PAYMENT_COLUMNS above); `accounts` are the fund's own."""
    return TableExport(
        table="payments",
        heading=_("Bank lines"),
        sheet_title="Bankregels",
        file_stem="bankregels",
        columns=PAYMENT_COLUMNS,
        rows=lambda: payment_rows(queryset, accounts),
    )
