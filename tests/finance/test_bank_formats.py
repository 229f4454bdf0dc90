"""The statement files of the Dutch banks import with what they say; other files are refused by what they are.

The files are in tests/data/statements/banks/; each names in its header the format
description it follows and what could not be verified.
"""

import datetime
import io
import zipfile

import openpyxl
import pytest
from django.utils import translation

from pledges.finance.matching import references_in_text
from pledges.finance.parsers import StatementRefused, parse
from pledges.finance.statements import import_statement
from pledges.models import BankStatement, Payment
from tests import factories

FUND = "NL94BNGH0285173715"
BANKS = factories.STATEMENTS / "banks"
MARCH_9, MARCH_10, MARCH_11 = datetime.date(2026, 3, 9), datetime.date(2026, 3, 10), datetime.date(2026, 3, 11)


def read(name: str) -> bytes:
    return (BANKS / name).read_bytes()


# name: account, (opening, its date), (closing, its date), lines as
# (amount, counterparty IBAN, counterparty name, RF reference, whether the RF is in a structured field)
BATCH, NO_RF = ("", "", None, False), (None, False)
MT940 = {
    "ing.mt940.sta": (FUND, (50_000_00, MARCH_9), (55_250_00, MARCH_10), [
        (12_500_00, "NL13BNGH0285045678", "GEMEENTE GRONINGEN", "RF61VNG90001204", True),
        (-7_500_00, *BATCH),
        (250_00, "NL66INGB0003344556", "LOGISTIEK PARTNER BV", *NO_RF),  # /RTRN/: a payment returned
    ]),
    "abnamro.mt940.sta": (FUND, (20_000_00, MARCH_9), (25_750_00, MARCH_10), [
        (15_000_00, "NL48BNGH0285078901", "GEMEENTE HAARLEM", "RF77VNG90001207", True),
        (-4_250_00, *BATCH),
        (-5_000_00, "NL86BNGH0285034567", "GEMEENTE ZWOLLE", *NO_RF),  # RC: a returned credit
    ]),
    "rabobank.mt940.sta": (FUND, (30_000_00, MARCH_9), (33_800_00, MARCH_10), [
        (7_500_00, "NL03RABO0312456789", "Gemeente Amersfoort", "RF34VNG90001205", True),
        (-1_200_00, *BATCH),
        (-2_500_00, "NL83BNGH0285099999", "Gemeente Bergen NH", *NO_RF),  # /RTRN/
    ]),
    "bng.mt940.sta": (FUND, (1_000_000_00, MARCH_9), (1_007_000_00, MARCH_10), [
        (20_000_00, "NL09BNGH0285089012", "GEMEENTE TILBURG", "RF50VNG90001208", True),
        (-9_000_00, *BATCH),
        (-4_000_00, "NL82BNGH0285090123", "GEMEENTE LEIDEN", *NO_RF),
    ]),
    "triodos.mt940.sta": (FUND, (8_000_00, MARCH_9), (8_400_00, MARCH_10), [
        (2_500_00, "NL83BNGH0285099999", "Gemeente Bergen NH", "RF66VNG90001211", True),
        (-1_800_00, *BATCH),
        (-300_00, "NL36INGB0007654321", "Stichting Vrienden van Kyiv", *NO_RF),
    ]),
    "triodos_classic.mt940.sta": ("NL49TRIO0390123456", (1_000_00, MARCH_9), (4_987_50, MARCH_10), [
        (4_000_00, "NL82BNGH0285090123", "", "RF23VNG90001209", False),
        (-12_50, *BATCH),
    ]),
    "volksbank.mt940.sta": (FUND, (5_000_00, MARCH_9), (6_400_00, MARCH_10), [
        (3_000_00, "NL40BNGH0285067890", "gemeente delft", "RF07VNG90001206", False),
        (-1_500_00, *BATCH),
        (-100_00, "NL09ABNA0456123789", "j de vries", *NO_RF),  # RC
    ]),
    "knab.mt940.sta": (FUND, (2_000_00, MARCH_9), (11_475_00, MARCH_10), [
        (10_000_00, "NL62BNGH0285023456", "GEMEENTE UTRECHT", "RF18VNG90001202", True),
        (-600_00, *BATCH),
        (75_00, "NL20INGB0001234567", "TELECOMBEDRIJF BV", *NO_RF),  # RD: a reversed direct debit
    ]),
    "bunq.mt940.sta": (FUND, (3_000_00, MARCH_9), (4_565_00, MARCH_10), [
        (2_500_00, "NL83BNGH0285099999", "GEMEENTE BERGEN NH", "RF66VNG90001211", True),
        (-900_00, *BATCH),
        (-35_00, "NL51BUNQ2045678901", "M JANSEN", *NO_RF),
    ]),
}
# Every CAMT.053 holds the same day: a single credit with a structured RF, a batch of two
# (NbOfTxs 2), a reversal of a credit (RvslInd) and a pending entry, which is not booked.
CAMT_LINES = [
    (25_000_00, "NL38BNGH0285012345", "Gemeente Almere", "RF45VNG90001201", True),
    (10_000_00, "NL62BNGH0285023456", "Gemeente Utrecht", "RF18VNG90001202", True),
    (5_000_00, "NL86BNGH0285034567", "Gemeente Zwolle", "RF88VNG90001203", False),
    (-4_000_00, "NL82BNGH0285090123", "Gemeente Leiden", "RF23VNG90001209", False),
]
CAMT053 = {
    f"{bank}.camt053.xml": (FUND, (100_000_00, MARCH_10 if bank == "ing" else MARCH_11), (136_000_00, MARCH_11),
                            CAMT_LINES)
    for bank in ("ing", "abnamro", "rabobank", "bng", "triodos", "volksbank", "knab", "bunq")
}
FILES = MT940 | CAMT053


@pytest.mark.parametrize("name", sorted(FILES))
def test_each_bank_file_reads_with_its_amounts_dates_counterparties_references_and_balances(name):
    account, (opening, opening_date), (closing, closing_date), expected = FILES[name]

    parsed = parse(read(name))

    first, last = parsed.statements[0], parsed.statements[-1]
    assert {statement.account for statement in parsed.statements} == {account}
    assert (first.opening_cents, first.opening_date) == (opening, opening_date)
    assert (last.closing_cents, last.closing_date) == (closing, closing_date)
    day = MARCH_10 if name.endswith(".sta") else MARCH_11
    assert {(line.booking_date, line.currency) for line in parsed.lines} == {(day, "EUR")}
    read_lines = []
    for line, (_amount, _iban, _name, rf, _structured) in zip(parsed.lines, expected, strict=True):
        # Every candidate in the text; matching asks the database which one is a pledge's.
        candidates = set(references_in_text(f"{line.structured_reference} {line.remittance}"))
        found = rf if rf in candidates else (sorted(candidates) or [None])[0]
        read_lines.append(
            (line.amount_cents, line.counterparty_iban, line.counterparty_name, found, bool(line.structured_reference))
        )
    assert read_lines == expected


def test_a_camt_statement_in_two_pages_meets_at_its_interim_balance():
    parsed = parse(read("abnamro.camt053.xml"))

    pages = [(s.opening_cents, s.closing_cents, len(s.lines)) for s in parsed.statements]
    assert pages == [(100_000_00, 140_000_00, 3), (140_000_00, 136_000_00, 1)]


def test_de_volksbank_puts_the_description_of_its_fixed_width_lines_back_together():
    delft = parse(read("volksbank.mt940.sta")).lines[0]
    # "... 2026-0" fills its 65 columns and "14" continues it on the next line.
    assert delft.remittance == "RF07VNG90001206 Bijdrage Oekraine energie, raadsbesluit nummer 2014"


def test_de_volksbank_is_recognised_by_its_lines_when_the_swift_header_is_missing():
    data = read("volksbank.mt940.sta").replace(b"{1:F01ASNBNL21XXXX0000000000}{2:O940ASNBNL21XXXXN}{3:}{4:\n", b"")

    lines = parse(data).lines

    assert [(line.amount_cents, line.counterparty_iban) for line in lines] == [
        (3_000_00, "NL40BNGH0285067890"), (-1_500_00, ""), (-100_00, "NL09ABNA0456123789"),
    ]


def test_a_batch_reported_in_two_entry_details_reads_as_its_transactions():
    data = _replaced("rabobank.camt053.xml", "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>1</NbOfTxs>").decode()
    data = data.replace("</TxDtls>\n<TxDtls>", "</TxDtls>\n</NtryDtls>\n<NtryDtls>\n<Btch><NbOfTxs>1</NbOfTxs></Btch>\n<TxDtls>", 1)

    lines = parse(data.encode()).lines

    assert [(line.amount_cents, line.counterparty_name) for line in lines[1:3]] == [
        (10_000_00, "Gemeente Utrecht"), (5_000_00, "Gemeente Zwolle"),
    ]


def test_a_reversal_keeps_the_original_payer_as_counterparty():
    leiden = parse(read("rabobank.camt053.xml")).lines[-1]
    assert (leiden.amount_cents, leiden.counterparty_name) == (-4_000_00, "Gemeente Leiden")  # not the fund itself


@pytest.mark.parametrize("name", sorted(set(FILES) - {"triodos_classic.mt940.sta"}))
def test_each_bank_file_imports_and_its_rf_references_settle_their_pledges(name, finance, ukraine_appeal, almere_staff):
    factories.sample_pledges(ukraine_appeal, almere_staff)
    account, (opening, _day), (closing, _end), expected = FILES[name]

    result = import_statement(read(name), file_name=name, user=finance)

    statement = result.statement
    assert (statement.account_iban, statement.opening_balance_cents, statement.closing_balance_cents) == (
        account, opening, closing,
    )
    assert sorted(Payment.objects.values_list("amount_cents", flat=True)) == sorted(line[0] for line in expected)
    by_reference = dict(Payment.objects.matched().filter(match_method=Payment.Method.REFERENCE)
                        .values_list("donation__reference", "amount_cents"))
    assert by_reference == {rf: cents for cents, _iban, _name, rf, _strd in expected if rf and cents > 0}


# --------------------------------------------------------------------------- refusals


def _without(name: str, *fragments: str) -> bytes:
    data = read(name).decode()
    for fragment in fragments:
        assert fragment in data
        data = data.replace(fragment, "")
    return data.encode()


def _replaced(name: str, old: str, new: str) -> bytes:
    data = read(name).decode()
    assert old in data
    return data.replace(old, new, 1).encode()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("ing.mt940.sta", read("ing.mt940.sta"))
    return buffer.getvalue()


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def _xlsx() -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Datum", "Bedrag", "Omschrijving"])
    workbook.active.append(["2026-03-10", 12500, "Oekraine RF61VNG90001204"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


MT942_FILE = b"""{1:F01INGBNL2ABXXX0000000000}{2:I942INGBNL2AXXXN}{4:
:20:P260310120000001
:25:NL94BNGH0285173715EUR
:28C:00000
:34F:EURC0,00
:13D:2603101200+0100
:61:2603100310C12500,00NTRFEREF//00000000005101
:86:/EREF/GRO-2026-0412//CNTP/NL13BNGH0285045678/BNGHNL2G/GEMEENTE GRONINGEN///REMI/STRD/CUR/RF61VNG90001204/
:90D:0EUR0,00
:90C:1EUR12500,00
-}
"""
MT101_FILE = b"""{1:F01BNGHNL2GAXXX0000000000}{2:I101BNGHNL2GXXXXN}{4:
:20:VNGF-2026-0311
:28D:1/1
:50H:/NL94BNGH0285173715
STICHTING VNG FONDS
:30:260311
:21:VNGF-2026-0311-1
:32B:EUR2500,00
:59:/NL66INGB0003344556
LOGISTIEK PARTNER BV
:70:TRANSPORT WEEK 11
:71A:SHA
-}
"""
ING_CSV = (
    b'"Datum";"Naam / Omschrijving";"Rekening";"Tegenrekening";"Code";"Af Bij";"Bedrag (EUR)"\r\n'
    b'"20260310";"GEMEENTE GRONINGEN";"NL94BNGH0285173715";"NL13BNGH0285045678";"OV";"Bij";"12500,00"\r\n'
    b'"20260310";"LOGISTIEK PARTNER BV";"NL94BNGH0285173715";"NL66INGB0003344556";"OV";"Af";"7500,00"\r\n'
)

# what, the file, the refusal in Dutch
REFUSALS = [
    ("mt942", MT942_FILE,
     ("Dit is een MT942-tussenrapportage (transacties in de loop van de dag), geen afschrift: er staat geen "
      "eindsaldo van een afgesloten dag in. Upload in plaats daarvan het MT940-afschrift van de dag.")),
    ("mt940-without-closing-balance", _without("ing.mt940.sta", ":62F:C260310EUR55250,00\n"),
     ("Afschrift P260310000000001 heeft geen eindsaldo (:62F:), dus de regels kunnen niet worden gecontroleerd. "
      "Het bestand is misschien afgebroken; exporteer het opnieuw bij uw bank.")),
    ("mt940-without-opening-balance", _without("bng.mt940.sta", ":60F:C260309EUR1000000,00\n"),
     ("Afschrift BNG2603100050 heeft geen beginsaldo (:60F:), dus de regels kunnen niet worden gecontroleerd. "
      "Het bestand is misschien afgebroken; exporteer het opnieuw bij uw bank.")),
    ("camt-without-closing-balance", _without(
        "rabobank.camt053.xml",
        '<Bal><Tp><CdOrPrtry><Cd>CLBD</Cd></CdOrPrtry></Tp><Amt Ccy="EUR">136000.00</Amt>'
        "<CdtDbtInd>CRDT</CdtDbtInd><Dt><Dt>2026-03-11</Dt></Dt></Bal>"),
     ("Afschrift RABO2026031101 heeft geen eindsaldo (CLBD), dus de regels kunnen niet worden gecontroleerd. "
      "Het bestand is misschien afgebroken; exporteer het opnieuw bij uw bank.")),
    ("camt-with-only-an-interim-balance", _replaced("rabobank.camt053.xml", "<Cd>CLBD</Cd>", "<Cd>ITBD</Cd>"),
     ("Afschrift RABO2026031101 eindigt met een tussensaldo (ITBD) in plaats van het eindsaldo van een "
      "afgesloten dag (CLBD). Lees het afschrift in als de dag is afgesloten.")),
    ("zip", _zip(),
     ("Dit is een ZIP-archief, geen afschrift. Pak het uit en upload de MT940- of CAMT.053-bestanden erin een "
      "voor een.")),
    ("camt052", _replaced("rabobank.camt053.xml", "xsd:camt.053.001.02", "xsd:camt.052.001.02"),
     ("Dit is een CAMT.052-rekeningrapport (transacties in de loop van de dag), geen afschrift: de saldi zijn "
      "niet definitief. Upload in plaats daarvan het CAMT.053-afschrift.")),
    ("camt054", _replaced("ing.camt053.xml", "xsd:camt.053.001.02", "xsd:camt.054.001.02"),
     ("Dit is een CAMT.054-bij- of afschrijvingsbericht, zonder saldi om de regels mee te controleren. Upload "
      "in plaats daarvan het CAMT.053-afschrift van de rekening.")),
    ("docx", _docx(),
     ("Dit bestand is geen bankafschrift. Upload het MT940- of CAMT.053-bestand precies zoals uw bank het "
      "exporteert.")),
    ("xlsx", _xlsx(),
     ("Dit is een spreadsheet (Excel of vergelijkbaar), geen afschrift: er staat geen begin- en eindsaldo in "
      "om de regels mee te controleren. Exporteer het afschrift bij uw bank als MT940 of CAMT.053.")),
    ("csv", ING_CSV,
     ("Dit is een CSV-tabel met transacties, geen afschrift: er staat geen begin- en eindsaldo in om de regels "
      "mee te controleren. Exporteer het afschrift bij uw bank als MT940 of CAMT.053.")),
    ("pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n",
     ("Dit is een pdf, een afschrift om af te drukken, dat niet als gegevens kan worden gelezen. Exporteer het "
      "afschrift bij uw bank als MT940 of CAMT.053.")),
    ("empty", b"\r\n",
     "Dit bestand is leeg. Upload het MT940- of CAMT.053-bestand precies zoals uw bank het exporteert."),
    ("swift-payment-order-with-unknown-fields", MT101_FILE,
     ("Dit bestand heeft velden die een MT940-afschrift niet heeft (:28D:, :30:, :32B:, :50H:, :59:, :70:, "
      ":71A:). Het is een ander soort SWIFT-bericht of een eigen formaat van een bank. Exporteer het "
      "afschrift als MT940 of CAMT.053.")),
    ("mt940-field-out-of-form", _replaced("bng.mt940.sta", ":61:2603100310C20000,00", ":61:26031X0310C20000,00"),
     ('Dit MT940-bestand kan niet worden gelezen: veld :61: ("26031X0310C20000,00NTRFEREF//BNG26031000…") '
      "heeft niet de vorm die MT940 voorschrijft. Exporteer het afschrift opnieuw bij uw bank.")),
    ("batch-that-does-not-add-up", _replaced("rabobank.camt053.xml", '<TxAmt><Amt Ccy="EUR">5000.00',
                                             '<TxAmt><Amt Ccy="EUR">4000.00'),
     ("De verzamelboeking van € 15.000,00 op 11-03-2026 noemt transacties die samen € 14.000,00 zijn. Het "
      "bestand is misschien gewijzigd; er is niets ingelezen.")),
    ("batch-with-a-transaction-missing", _replaced("ing.camt053.xml", "<NbOfTxs>2</NbOfTxs>", "<NbOfTxs>3</NbOfTxs>"),
     ("De verzamelboeking van € 15.000,00 op 11-03-2026 zegt 3 transacties te bevatten, maar noemt er 2. Het "
      "bestand is misschien onvolledig; er is niets ingelezen.")),
    ("camt-amount-in-fractions-of-a-cent", _replaced("triodos.camt053.xml", '<Amt Ccy="EUR">25000.00</Amt>',
                                                     '<Amt Ccy="EUR">25000.005</Amt>'),
     ('Dit CAMT.053-bestand kan niet worden gelezen: element Amt ("25000.005") heeft niet de vorm die CAMT.053 '
      "voorschrijft. Exporteer het afschrift opnieuw bij uw bank.")),
    ("camt-credit-or-debit-unknown", _replaced("volksbank.camt053.xml", "<CdtDbtInd>DBIT</CdtDbtInd>\n<RvslInd>",
                                               "<CdtDbtInd>DEBIT</CdtDbtInd>\n<RvslInd>"),
     ('Dit CAMT.053-bestand kan niet worden gelezen: element CdtDbtInd ("DEBIT") heeft niet de vorm die CAMT.053 '
      "voorschrijft. Exporteer het afschrift opnieuw bij uw bank.")),
    ("camt-impossible-date", _replaced("knab.camt053.xml", "<BookgDt><Dt>2026-03-11</Dt>", "<BookgDt><Dt>2026-02-30</Dt>"),
     ('Dit CAMT.053-bestand kan niet worden gelezen: element BookgDt ("2026-02-30") heeft niet de vorm die CAMT.053 '
      "voorschrijft. Exporteer het afschrift opnieuw bij uw bank.")),
    ("camt-entry-without-booking-date", _replaced("bunq.camt053.xml", "<BookgDt><Dt>2026-03-11</Dt></BookgDt>", ""),
     ("Dit CAMT.053-bestand kan niet worden gelezen: een geboekte post van € 25.000,00 heeft geen boekdatum "
      "(BookgDt). Exporteer het afschrift opnieuw bij uw bank.")),
    ("xml-cut-off", read("bng.camt053.xml")[:1500],
     ("Dit XML-bestand is beschadigd of onvolledig: het breekt af of klopt niet op regel 25. Er is niets "
      "ingelezen; exporteer het afschrift opnieuw bij uw bank.")),
]


@pytest.mark.parametrize(("data", "message"), [case[1:] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_a_file_that_is_no_statement_is_refused_with_what_it_is(finance, data, message):
    with pytest.raises(StatementRefused) as refused:
        import_statement(data, file_name="bestand", user=finance)

    assert str(refused.value) == message
    assert not BankStatement.objects.exists() and not Payment.objects.exists()


@pytest.mark.parametrize("data", [case[1] for case in REFUSALS], ids=[case[0] for case in REFUSALS])
def test_a_refusal_reads_in_english_for_an_english_reader_and_holds_no_parser_text(data):
    with pytest.raises(StatementRefused) as refused:
        parse(data)

    with translation.override("en"):
        english = str(refused.value)
    with translation.override("nl"):
        dutch = str(refused.value)
    assert english != dutch
    assert english.endswith((".", "again.", "instead.", "closed."))
    for parser_text in ("Unable to parse", "mt940", "column", "mismatched", "no element found", "Traceback"):
        assert parser_text not in english
