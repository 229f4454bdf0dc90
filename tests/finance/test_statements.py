"""Bank statement import: MT940 and CAMT.053 as Dutch banks deliver them, once, whole, or not at all."""

import datetime

import mt940
import pytest
from django.db.models import Sum

from pledges.finance import matching, statements
from pledges.finance.matching import MatchRefused, match
from pledges.finance.parsers import UNSAFE_XML, Line, StatementRefused, parse
from pledges.finance.statements import AlreadyImported, ImportResult, _insert_lines, _store, import_statement, line_keys
from pledges.models import Appeal, BankStatement, Donation, Municipality, Payment
from tests import factories
from tests.attack import BILLION_LAUGHS, DOCTYPE_ONLY, EXTERNAL_ENTITY

FUND = "NL94BNGH0285173715"
ING_ACCOUNT = "NL70INGB0006677889"

MT940_FILES = [
    "bng_2026-03-02_03.sta",
    "bng_2026-03-03_04.sta",
    "ing_2026-03-06.sta",
    "abnamro_2026-03-06.sta",
    "rabobank_2026-03-06.sta",
]
# file, account, statements, lines, opening and closing balance in cents
SAMPLES = [
    ("bng_2026-03-02_03.sta", FUND, 2, 10, 1_204_550_00, 1_212_487_50),
    ("bng_2026-03-03_04.sta", FUND, 2, 9, 1_244_537_50, 1_226_480_00),
    ("ing_2026-03-06.sta", ING_ACCOUNT, 1, 3, 18_250_00, 23_285_00),
    ("abnamro_2026-03-06.sta", "NL74ABNA0612345678", 1, 3, 3_120_45, 4_599_50),
    ("rabobank_2026-03-06.sta", "NL74RABO0398765432", 1, 3, 9_870_10, 10_740_10),
    ("bng_2026-03-05.camt053.xml", FUND, 1, 7, 1_226_480_00, 1_270_830_00),
    ("ing_2026-03-09.camt053.xml", ING_ACCOUNT, 1, 2, 23_285_00, 24_535_00),
]


@pytest.fixture
def pledges(ukraine_appeal, almere_staff) -> dict[int, Donation]:
    return factories.sample_pledges(ukraine_appeal, almere_staff)


def import_file(name: str, user) -> ImportResult:
    return import_statement(factories.statement_bytes(name), file_name=name, user=user)


@pytest.mark.parametrize("name", MT940_FILES)
def test_the_mt940_library_reads_every_mt940_sample(name):
    statements = mt940.parse_statements(factories.statement_bytes(name).decode())
    assert statements
    assert all(len(statement) for statement in statements)


@pytest.mark.parametrize(("name", "account", "blocks", "lines", "opening", "closing"), SAMPLES)
def test_it_reads_every_sample_and_it_adds_up(name, account, blocks, lines, opening, closing):
    parsed = parse(factories.statement_bytes(name))
    assert [s.account for s in parsed.statements] == [account] * blocks
    assert len(parsed.lines) == lines
    assert parsed.statements[0].opening_cents == opening
    assert parsed.statements[-1].closing_cents == closing


def test_it_reads_what_a_bng_line_says():
    first = parse(factories.statement_bytes("bng_2026-03-02_03.sta")).lines[0]
    assert first.booking_date == datetime.date(2026, 3, 2)
    assert first.amount_cents == 25_000_00
    assert first.counterparty_iban == "NL38BNGH0285012345"
    assert first.counterparty_name == "GEMEENTE ALMERE"  # wrapped mid-word over two lines
    assert first.remittance == "Oekraine RF45 VNG9 0001 201 bijdrage energie winterhulp"
    assert first.end_to_end_id == "ALM-2026-0117"
    assert first.account_servicer_reference == "BNG26030200011"


def test_it_reads_structured_references_and_counterparties_of_each_bank():
    ing = parse(factories.statement_bytes("ing_2026-03-06.sta")).lines
    assert ing[0].structured_reference == "RF93VNG90001210"
    assert ing[0].counterparty_name == "GEMEENTE AMERSFOORT"
    # ING's closing :86: summary is not glued to the last line.
    assert ing[-1].remittance == "Aanbetaling transport week 11"
    abn = parse(factories.statement_bytes("abnamro_2026-03-06.sta")).lines
    assert (abn[0].counterparty_iban, abn[0].counterparty_name) == ("NL48BNGH0285078901", "GEMEENTE HAARLEM")
    assert abn[2].amount_cents == -45_95
    rabo = parse(factories.statement_bytes("rabobank_2026-03-06.sta")).lines
    # Rabobank puts the counterparty's IBAN on the second line of :61:.
    assert rabo[0].counterparty_iban == "NL03RABO0312456789"
    assert rabo[0].remittance == "Oekraine RF34VNG90001205 aanvulling"
    camt = parse(factories.statement_bytes("bng_2026-03-05.camt053.xml")).lines
    assert camt[0].structured_reference == "RF34VNG90001205"
    # A batch entry whose parts add up becomes one line per part.
    assert [line.amount_cents for line in camt[2:4]] == [15_000_00, 20_000_00]
    assert camt[3].remittance == "Noodhulp Oekraine energie raadsvoorstel 2026-044"


def test_it_imports_a_bng_statement_and_matches_what_matches(finance, pledges):
    result = import_file("bng_2026-03-02_03.sta", finance)

    statement = result.statement
    assert (statement.line_count, statement.added_count, statement.skipped_count) == (10, 10, 0)
    # The period the statements book: the opening balance is dated the day before (1 March).
    assert (statement.from_date, statement.to_date) == (datetime.date(2026, 3, 2), datetime.date(2026, 3, 3))
    assert (statement.opening_balance_cents, statement.closing_balance_cents) == (1_204_550_00, 1_212_487_50)
    assert statement.account_iban == FUND and statement.format == "mt940"
    assert Payment.objects.aggregate(total=Sum("amount_cents"))["total"] == 1_212_487_50 - 1_204_550_00
    methods = dict(Payment.objects.matched().values_list("donation_id", "match_method"))
    assert methods == {
        90001201: Payment.Method.REFERENCE,  # "RF45 VNG9 0001 201" in the description
        90001202: Payment.Method.REFERENCE,  # structured /REMI/STRD/
        90001203: Payment.Method.IBAN_AMOUNT,  # known account, exact amount
        90001204: Payment.Method.REFERENCE,  # "rf61vng90001204", a first instalment
    }
    assert result.matched == statement.matched_count == 4
    groningen = Donation.objects.get(pk=90001204)
    assert (groningen.received_cents, groningen.status) == (5_000_00, Donation.Status.PARTLY_RECEIVED)
    assert Donation.objects.get(pk=90001201).status == Donation.Status.RECEIVED


def test_importing_the_same_file_again_changes_nothing(finance, coordinator, pledges):
    import_file("bng_2026-03-02_03.sta", finance)
    before = factories.finance_snapshot()

    with pytest.raises(AlreadyImported) as refused:
        import_file("bng_2026-03-02_03.sta", finance)

    assert "is al op" in str(refused.value) and "geïmporteerd" in str(refused.value)
    assert factories.finance_snapshot() == before


def test_the_refusal_of_a_repeated_file_gives_the_local_date_in_words(finance, pledges, time_machine):
    # 23:30 UTC on 2 March is already 3 March in Amsterdam.
    time_machine.move_to(datetime.datetime(2026, 3, 2, 23, 30, tzinfo=datetime.UTC), tick=False)
    import_file("bng_2026-03-02_03.sta", finance)

    with pytest.raises(AlreadyImported) as refused:
        import_file("bng_2026-03-02_03.sta", finance)

    assert "is al op 3 maart 2026 geïmporteerd" in str(refused.value)


def test_the_same_content_under_another_name_is_the_same_file(finance, pledges):
    import_file("bng_2026-03-02_03.sta", finance)
    with pytest.raises(AlreadyImported):
        import_statement(
            factories.statement_bytes("bng_2026-03-02_03.sta"), file_name="kopie.sta", user=finance
        )


def test_an_overlapping_statement_adds_only_the_new_lines(finance, pledges):
    import_file("bng_2026-03-02_03.sta", finance)

    result = import_file("bng_2026-03-03_04.sta", finance)

    assert (result.statement.line_count, result.statement.added_count, result.statement.skipped_count) == (9, 3, 6)
    assert Payment.objects.count() == 13
    assert {line.booking_date for line in result.added} == {datetime.date(2026, 3, 4)}
    # Leiden's RF on the new day matches; Utrecht's second transfer does not (its pledge is paid).
    assert Payment.objects.get(donation_id=90001209).match_method == Payment.Method.REFERENCE
    assert Payment.objects.filter(donation_id=90001202).count() == 1
    # Every euro on the account is there exactly once: opening of the first file to closing of the last.
    assert Payment.objects.aggregate(total=Sum("amount_cents"))["total"] == 1_226_480_00 - 1_204_550_00


def test_the_overlap_imported_first_still_adds_only_new_lines(finance, pledges):
    import_file("bng_2026-03-03_04.sta", finance)
    result = import_file("bng_2026-03-02_03.sta", finance)
    assert (result.statement.added_count, result.statement.skipped_count) == (4, 6)
    assert Payment.objects.count() == 13


def test_two_identical_lines_in_one_statement_are_both_kept(finance):
    import_file("bng_2026-03-02_03.sta", finance)

    twins = Payment.objects.filter(counterparty_name="J DE VRIES").order_by("line_key")

    assert twins.count() == 2
    first, second = twins
    assert first.line_key.rsplit(":", 1)[0] == second.line_key.rsplit(":", 1)[0]
    assert {first.line_key[-2:], second.line_key[-2:]} == {":1", ":2"}


def test_two_identical_camt_entries_are_both_kept(finance):
    import_file("bng_2026-03-05.camt053.xml", finance)
    assert Payment.objects.filter(counterparty_name="M JANSEN", amount_cents=50_00).count() == 2
    # The pending entry is not on the account yet.
    assert not Payment.objects.filter(amount_cents=999_00).exists()


def test_the_database_refuses_a_line_twice(finance):
    import_file("bng_2026-03-02_03.sta", finance)
    line = Payment.objects.first()
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        factories.bank_line(line_key=line.line_key)


def test_it_imports_a_camt053_statement_and_matches_what_matches(finance, pledges):
    result = import_file("bng_2026-03-05.camt053.xml", finance)

    assert result.statement.format == "camt053"
    assert (result.statement.line_count, result.statement.added_count) == (7, 7)
    methods = dict(Payment.objects.matched().values_list("donation_id", "match_method"))
    assert methods == {
        90001205: Payment.Method.REFERENCE,  # CdtrRefInf
        90001206: Payment.Method.IBAN_AMOUNT,
        90001207: Payment.Method.REFERENCE,  # batch part, RF in Ustrd
        90001208: Payment.Method.IBAN_AMOUNT,  # batch part
    }


def test_debits_are_kept_but_never_matched_and_other_accounts_are_not_imported(finance, pledges):
    # ABN AMRO and Rabobank accounts collect for no appeal; their lines carry valid RFs all the same.
    for name in ("abnamro_2026-03-06.sta", "rabobank_2026-03-06.sta"):
        with pytest.raises(StatementRefused) as refused:
            import_file(name, finance)
        assert "geen rekening van het fonds" in str(refused.value)
    import_file("bng_2026-03-02_03.sta", finance)

    assert set(Payment.objects.values_list("account_iban", flat=True)) == {FUND}
    assert not Payment.objects.filter(amount_cents__lt=0).exclude(match_method="").exists()
    assert Donation.objects.get(pk=90001207).received_cents == 0
    debit = Payment.objects.filter(account_iban=FUND, amount_cents__lt=0).first()
    with pytest.raises(MatchRefused):
        match(debit.pk, 90001203, finance, confirmed=matching.EVERYTHING)


def test_a_second_appeal_on_its_own_account_matches_its_own_lines(finance, almere_staff, reference_data):
    earthquake = factories.appeal(title="Aardbeving", iban=ING_ACCOUNT)
    amersfoort = Municipality.objects.get(code="GM0307")
    pledge = factories.donation(amersfoort, earthquake, almere_staff, id=90001210, amount_cents=9_000_00)

    import_file("ing_2026-03-06.sta", finance)  # 7.500 by structured RF
    import_file("ing_2026-03-09.camt053.xml", finance)  # 1.500 by "rf93 vng9 0001 210"

    pledge.refresh_from_db()
    assert pledge.received_cents == 9_000_00
    assert pledge.status == Donation.Status.RECEIVED
    assert Appeal.objects.filter(iban=ING_ACCOUNT).exists()


@pytest.mark.parametrize("name", ["bng_broken_balance.sta", "bng_broken_balance.camt053.xml"])
def test_a_statement_that_does_not_add_up_is_refused_and_nothing_stored(finance, pledges, name):
    before = factories.finance_snapshot()

    with pytest.raises(StatementRefused) as refused:
        import_file(name, finance)

    assert "klopt niet" in str(refused.value)
    assert factories.finance_snapshot() == before


@pytest.mark.parametrize("data", [BILLION_LAUGHS, EXTERNAL_ENTITY, DOCTYPE_ONLY])
def test_xml_with_a_document_type_or_entities_is_refused(finance, data):
    before = factories.finance_snapshot()
    with pytest.raises(StatementRefused) as refused:
        import_statement(data, file_name="bomb.xml", user=finance)
    assert str(refused.value) == str(UNSAFE_XML)
    assert factories.finance_snapshot() == before


def test_an_oversized_file_is_refused_before_it_is_read(finance, settings):
    settings.BANK_STATEMENT_MAX_BYTES = 1000
    data = factories.statement_bytes("bng_2026-03-02_03.sta")
    with pytest.raises(StatementRefused) as refused:
        import_statement(data, file_name="groot.sta", user=finance)
    assert "mag maximaal" in str(refused.value)
    assert not BankStatement.objects.exists()


PAIN_001 = b"""<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.03"><CstmrCdtTrfInitn/></Document>"""


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"datum;bedrag;omschrijving\n2026-03-02;25000,00;Oekraine\n",
        b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n\x00\x00",
        b"PK\x03\x04\x14\x00\x06\x00\x08\x00\x00\x00!\x00",
        PAIN_001,
        b"<html><body>Inloggen bij uw bank</body></html>",
        b"<Document xmlns='urn:iso:std:iso:20022:tech:xsd:camt.053.001.02'><BkToCstmrStmt>",
        b":20:ONLYHEADER\n:25:NL94BNGH0285173715\n:28C:1\n:61:2603020302C5,00NTRFNONREF\n",
        b":20:X\n:25:NL94BNGH0285173715\n:60F:C260301EUR1,00\n:61:26XX02C5,00NTRF\n:62F:C260302EUR6,00\n",
    ],
    ids=["empty", "csv", "pdf", "xlsx", "pain001", "html", "truncated-xml", "no-balances", "bad-date"],
)
def test_files_that_are_not_statements_are_refused(finance, data):
    with pytest.raises(StatementRefused):
        import_statement(data, file_name="iets.txt", user=finance)
    assert not BankStatement.objects.exists()
    assert not Payment.objects.exists()


def test_a_file_with_two_accounts_is_refused(finance):
    bng = factories.statement_bytes("bng_2026-03-02_03.sta")
    ing = factories.statement_bytes("ing_2026-03-06.sta")
    with pytest.raises(StatementRefused) as refused:
        import_statement(bng + b"\n" + ing, file_name="twee.sta", user=finance)
    assert "meer dan één rekening" in str(refused.value)
    assert not Payment.objects.exists()


def test_an_import_stores_all_lines_or_none(finance, pledges, monkeypatch):
    def fail(*args, **kwargs):
        raise RuntimeError("the database went away halfway")

    monkeypatch.setattr(matching, "_settle", fail)
    with pytest.raises(RuntimeError):
        import_file("bng_2026-03-02_03.sta", finance)

    assert not BankStatement.objects.exists()
    assert not Payment.objects.exists()
    assert Donation.objects.filter(received_cents__gt=0).count() == 0


def test_line_keys_count_identical_lines_within_a_file():
    day = datetime.date(2026, 3, 3)
    line = Line(booking_date=day, value_date=day, amount_cents=100_00, currency="EUR",
                        counterparty_name="J  de   Vries", remittance="Gift\tOekraine")
    other = Line(booking_date=day, value_date=day, amount_cents=100_01, currency="EUR")
    keys = line_keys(FUND, [line, other, line])
    assert keys[0].endswith(":1") and keys[2].endswith(":2")
    assert keys[0][:-2] == keys[2][:-2] != keys[1][:-2]
    # Whitespace and spacing in names are normalised before hashing.
    same = Line(booking_date=day, value_date=day, amount_cents=100_00, currency="EUR",
                        counterparty_name="J de Vries", remittance="Gift Oekraine")
    assert line_keys(FUND, [same]) == keys[:1]
    # The same line on another account is another line.
    assert line_keys("NL70INGB0006677889", [line])[0] != keys[0]


def test_a_line_stored_meanwhile_by_someone_else_is_a_database_error(finance):
    """What an overlapping import running at the same moment meets: the unique line key."""
    from django.db import IntegrityError, transaction

    parsed = parse(factories.statement_bytes("bng_2026-03-02_03.sta"))
    statement, _added = _store(parsed, "a" * 64, "a.sta", finance)
    line, key = parsed.lines[0], line_keys(FUND, parsed.lines)[0]
    with pytest.raises(IntegrityError), transaction.atomic():
        _insert_lines(statement, [(line, key)])


def test_an_import_that_meets_a_concurrent_one_tries_again_with_what_is_known(finance, pledges, monkeypatch):
    from django.db import IntegrityError

    store, calls = _store, []

    def collide_once(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            store(*args, **kwargs)
            raise IntegrityError("duplicate key value violates unique constraint on line_key")
        return store(*args, **kwargs)

    monkeypatch.setattr(statements, "_store", collide_once)
    result = import_file("bng_2026-03-02_03.sta", finance)

    assert len(calls) == 2
    assert result.statement.added_count == 10
    assert BankStatement.objects.count() == 1 and Payment.objects.count() == 10
