"""No stored text breaks an export: characters XML cannot hold become U+FFFD, and the title row says so.

The forms refuse such characters (tests/core/test_storable_text.py); here they are written into
every text field of every row an export reads, straight into the database (as an old row, a
bank file or a hand-made fix could), and every workbook is downloaded and opened with openpyxl.
"""

import collections
import datetime
import io
import re

import pytest
from django.db import connection, models
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from pledges.core.fields import XML_UNSAFE_CHARACTERS
from pledges.finance.matching import EVERYTHING, match
from pledges.models import (
    Appeal,
    BankStatement,
    Destination,
    Donation,
    EquipmentOffer,
    Municipality,
    OfferStatus,
    Payment,
    Shipment,
    User,
)
from tests import factories

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# What XML 1.0 cannot hold and a database can store: PostgreSQL stores no NUL, neither stores
# a lone surrogate (the writers replace those too: tests below).
UNSAFE = [chr(c) for c in range(0 if connection.vendor != "postgresql" else 1, 32) if chr(c) not in "\t\n\r"]
UNSAFE += ["\ufffe", "\uffff"]
UNSAFE_TEXT = st.tuples(
    st.text(alphabet="aé€ =-'\"<&>\t", max_size=4),
    st.sampled_from(UNSAFE),
    st.text(alphabet=st.sampled_from(UNSAFE + list("bø 1")), max_size=6),
).map("".join)

MODELS = [Donation, Payment, BankStatement, EquipmentOffer, Shipment, Municipality, Appeal, Destination, User]
# Of the reference data, the rows the others refer to.
ROWS = {
    Municipality: lambda: Municipality.objects.filter(pk__in=Donation.objects.values("municipality")),
    Appeal: lambda: Appeal.objects.filter(pk__in=Donation.objects.values("appeal")),
    Destination: lambda: Destination.objects.filter(pk__in=Shipment.objects.values("destination")),
}
NOT_TEXT = {"password"}  # a hash, never exported


def checked_fields(model: type[models.Model]) -> set[str]:
    """The fields a CHECK constraint of the database holds to a shape (a CBS code, an IBAN): no such text there."""
    names = set()

    def walk(condition) -> None:
        for child in getattr(condition, "children", ()):
            if isinstance(child, tuple):
                names.add(child[0].split("__")[0])
            else:
                walk(child)

    for constraint in model._meta.constraints:
        if isinstance(constraint, models.CheckConstraint):
            walk(constraint.condition)
    return names


def text_fields(model: type[models.Model]) -> list[models.Field]:
    """Every text column of the model that a person or a file fills in (choices come from the code)."""
    return [
        field for field in model._meta.concrete_fields
        if field.get_internal_type() in ("CharField", "TextField")
        and not field.choices and not field.primary_key
        and field.name not in NOT_TEXT | checked_fields(model)
    ]


@pytest.fixture
def books(finance, coordinator, almere_staff, ukraine_appeal):
    """A row of every kind an export reads: pledge, bank lines, offer on a shipment."""
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    line = factories.bank_line(100_00, booking_date=timezone.localdate())
    match(line.pk, pledge.pk, finance, confirmed=EVERYTHING)
    factories.bank_line(55_00, booking_date=timezone.localdate())
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.IN_TRANSIT)
    shipment = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))
    factories.on_board(shipment, offer)
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.IN_TRANSIT, departed_on=timezone.localdate())
    return {"shipment": shipment, "appeal": ukraine_appeal}


def poison(text: str) -> dict[str, list[str]]:
    """Write `text` (after a number of its own) into every text field of every row; returns what went where."""
    written, number = collections.defaultdict(list), 0
    for model in MODELS:
        for row in ROWS.get(model, model.objects.all)():
            values = {}
            for field in text_fields(model):
                number += 1
                values[field.name] = f"{number}{text}"[: field.max_length]
                written[f"{model.__name__}.{field.name}"].append(values[field.name])
            model.objects.filter(pk=row.pk).update(**values)
    return written


def exports(books) -> dict[str, str]:
    today = timezone.localdate()
    return {
        "ledger": f"{reverse('pledges:donation_list')}?export=xlsx",
        "outstanding": f"{reverse('pledges:finance_outstanding')}?export=xlsx",
        "equipment": f"{reverse('pledges:offer_list')}?export=xlsx",
        "shipments": f"{reverse('pledges:shipment_list')}?export=xlsx",
        "bank lines": f"{reverse('pledges:finance_lines')}?state=all&export=xlsx",
        "packing list": reverse("pledges:shipment_packing_list_xlsx", args=[books["shipment"].pk]),
        "finance report": (
            f"{reverse('pledges:finance_report')}?appeal={books['appeal'].pk}"
            f"&start={today - datetime.timedelta(days=1)}&end={today}"
        ),
    }


def workbook_texts(client, url: str) -> list[tuple[str, list[str]]]:
    """Each sheet's title and every text in it, from the workbook as openpyxl opens it."""
    response = client.get(url)
    assert response.status_code == 200, url
    content = b"".join(response.streaming_content) if response.streaming else response.content
    book = load_workbook(io.BytesIO(content))
    return [
        (sheet.title, [cell for row in sheet.iter_rows(values_only=True) for cell in row if isinstance(cell, str)])
        for sheet in book.worksheets
    ]


# Where each field must show up (shown as the cell shows it), as the exports' docstrings list them.
SHOWN_IN = {
    "ledger": ["Donation.decision_reference", "Donation.contact_name", "Municipality.name", "Appeal.title"],
    "outstanding": ["Donation.decision_reference", "Municipality.name"],
    "equipment": ["EquipmentOffer.description", "EquipmentOffer.contact_name", "Destination.name_nl"],
    "shipments": ["Shipment.carrier", "Shipment.reference", "Shipment.hub", "Destination.name_nl"],
    "bank lines": ["Payment.counterparty_name", "Payment.remittance"],
    "packing list": ["EquipmentOffer.description", "Shipment.carrier", "Destination.name_uk"],
    "finance report": [
        "Donation.decision_reference", "Payment.remittance", "EquipmentOffer.description", "Shipment.carrier",
        "Municipality.name", "Appeal.title",
    ],
}
NOTES = ("staan er als \ufffd", "shown as \ufffd", "показано як \ufffd")


def test_no_stored_text_breaks_an_export(client, finance, books):
    client.force_login(finance)

    @FUZZ
    @given(text=UNSAFE_TEXT)
    def export_everything(text: str) -> None:
        written = poison(text)
        for name, url in exports(books).items():
            sheets = workbook_texts(client, url)
            everything = "\n".join(cell for _title, cells in sheets for cell in cells)
            assert not XML_UNSAFE_CHARACTERS.search(everything), name
            for field in SHOWN_IN[name]:
                shown = [XML_UNSAFE_CHARACTERS.sub("\ufffd", value) for value in written[field]]
                assert any(value in everything for value in shown), (name, field)
            for sheet, cells in sheets:
                title, noted = cells[0], cells[0].endswith(NOTES)
                if noted:
                    title = title.rsplit(" · ", 1)[0]
                replaced = "\ufffd" in title or any("\ufffd" in cell for cell in cells[1:])
                assert replaced == noted, (name, sheet, cells[0])

    export_everything()


def test_text_exports_replace_the_same_characters(client, finance, books):
    text = "a\x07b\uffffc"
    poison(text)
    client.force_login(finance)

    for url in ("pledges:donation_list", "pledges:offer_list", "pledges:finance_lines"):
        response = client.get(f"{reverse(url)}?state=all&export=csv")
        content = b"".join(response.streaming_content).decode("utf-8-sig")
        assert not XML_UNSAFE_CHARACTERS.search(content.replace("\r\n", "")), url
        assert re.search("a\ufffdb\ufffdc", content), url


def test_a_sheet_without_such_characters_has_its_title_as_before(client, finance, books):
    client.force_login(finance)

    for name, url in exports(books).items():
        for title, cells in workbook_texts(client, url):
            assert not cells[0].endswith(NOTES), (name, title)


@pytest.mark.parametrize("text", ["\ud800", "x\udfffy", "\ufffe", "\x00", "\x1f"])
def test_the_writer_replaces_what_no_database_stores_either(text):
    from pledges.spreadsheets.columns import Column
    from pledges.spreadsheets.xlsx_writer import new_workbook, write_sheet

    book = new_workbook()
    write_sheet(book, "Test", [Column("Tekst")], [[text], [text]], title="Titel")
    buffer = io.BytesIO()
    book.save(buffer)

    sheet = load_workbook(buffer)["Test"]
    assert sheet["A3"].value == sheet["A4"].value == XML_UNSAFE_CHARACTERS.sub("\ufffd", text)
    assert sheet["A1"].value.startswith("Titel · ")
