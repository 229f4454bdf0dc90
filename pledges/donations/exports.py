"""The money ledger's sheet: its columns, its rows, and its TableExport.

The money ledger (/donaties/?export=xlsx or ?export=csv) exports exactly the rows the
screen shows, filtered and sorted alike, all pages. One sheet, "Donaties", with a title
row (the applied filters, the sort and the moment of export), the header row, the rows;
in this fixed order (the CSV has the same columns, without the title row):

    A  Toezegging          pledge number, T-000123 (text)
    B  Toegezegd op        pledged on (date)
    C  Gemeente            municipality
    D  CBS-code            the municipality's CBS code, GM0034
    E  Provincie           province
    F  Oproep              appeal
    G  Bedrag              amount in euro (number, euro format)
    H  Ontvangen           received in euro
    I  Openstaand          outstanding in euro (0 for a withdrawn pledge)
    J  Status              toegezegd / deels ontvangen / ontvangen / ingetrokken
    K  Verwacht op         expected transfer date (date)
    L  Achterstallig       overdue: "ja" or "nee"
    M  Betalingskenmerk    RF creditor reference, grouped by four (text)
    N  IBAN                paying IBAN, grouped by four (text)
    O  Besluit             council/college decision reference (text, never a formula)
    P  Contactpersoon      contact person
    Q  E-mail contactpersoon
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence

from django.utils import timezone

from pledges.core.money import cents_to_euro
from pledges.donations.models import Donation
from pledges.spreadsheets.columns import CHUNK, DATE, EURO, TEXT, Column
from pledges.spreadsheets.views import TableExport

# The money ledger (column order: see the module docstring) ---------------------------------

DONATION_COLUMNS = [
    Column("Toezegging", TEXT, 12),
    Column("Toegezegd op", DATE, 13),
    Column("Gemeente", TEXT, 24),
    Column("CBS-code", TEXT, 10),
    Column("Provincie", TEXT, 14),
    Column("Oproep", TEXT, 28),
    Column("Bedrag", EURO, 16),
    Column("Ontvangen", EURO, 16),
    Column("Openstaand", EURO, 16),
    Column("Status", TEXT, 16),
    Column("Verwacht op", DATE, 13),
    Column("Achterstallig", TEXT, 13),
    Column("Betalingskenmerk", TEXT, 28),
    Column("IBAN", TEXT, 26),
    Column("Besluit", TEXT, 30),
    Column("Contactpersoon", TEXT, 24),
    Column("E-mail contactpersoon", TEXT, 32),
]

# Dutch, whatever the language of the screen: other sheets and tools read these values.
DONATION_STATUS_NL = {
    "pledged": "toegezegd",
    "partly_received": "deels ontvangen",
    "received": "ontvangen",
    "withdrawn": "ingetrokken",
    "written_off": "afgeschreven",
}


def in_fours(compact: str) -> str:
    """A compact IBAN or RF reference as people read it, "NL91 ABNA 0417 ...".

    What stdnum's format() gives for a value stored compact, without its character-by-character
    clean-up, which took a third of the CSV export's time.
    """
    return " ".join([compact[start:start + 4] for start in range(0, len(compact), 4)])


# What `donation_rows` reads of each pledge: plain values, no model instances.
DONATION_FIELDS = (
    "pk", "created_at", "municipality__name", "municipality__code", "municipality__province", "appeal__title",
    "amount_cents", "received_cents", "status", "expected_date", "reference", "iban",
    "decision_reference", "contact_name", "contact_email",
)


def donation_row(values: Sequence[object], today: datetime.date, tz: datetime.tzinfo | None = None) -> list[object]:
    """One pledge, read as `DONATION_FIELDS`, as values in `DONATION_COLUMNS` order.

    `tz`: the current time zone, if known.
    """
    (pk, created_at, municipality, code, province, appeal, amount_cents, received_cents, status,
     expected_date, reference, iban, decision_reference, contact_name, contact_email) = values
    return [
        Donation.number_for(pk),
        timezone.localdate(created_at, tz),
        municipality,
        code,
        province,
        appeal,
        cents_to_euro(amount_cents),
        cents_to_euro(received_cents),
        cents_to_euro(Donation.outstanding_cents_for(status, amount_cents, received_cents)),
        DONATION_STATUS_NL.get(status, status),
        expected_date,
        "ja" if status in Donation.OPEN_STATUSES and expected_date < today else "nee",
        in_fours(reference),
        in_fours(iban),
        decision_reference,
        contact_name,
        contact_email,
    ]


def donation_rows(queryset) -> Iterable[list[object]]:
    """The pledges of `queryset`, in its order, read in chunks as tuples."""
    today, tz = timezone.localdate(), timezone.get_current_timezone()
    for values in queryset.values_list(*DONATION_FIELDS).iterator(chunk_size=CHUNK):
        yield donation_row(values, today, tz)


def donation_export(queryset, heading: str, table: str = "donations") -> TableExport:
    """A list of pledges as the money ledger's sheet (column order: DONATION_COLUMNS above)."""
    return TableExport(
        table=table,
        heading=heading,
        sheet_title="Donaties",
        file_stem="donaties" if table == "donations" else "openstaand",
        columns=DONATION_COLUMNS,
        rows=lambda: donation_rows(queryset),
    )
