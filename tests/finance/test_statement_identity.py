"""Each euro booked once: the same transfer from MT940 and CAMT.053 or wrapped otherwise is one line,
only the fund's own accounts are imported, currencies are never added to euro, statements follow each other."""

import datetime
import importlib
import re
import textwrap
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Sum
from django.urls import reverse

from pledges.core.money import format_euro
from pledges.finance import continuity
from pledges.finance.matching import EVERYTHING, match
from pledges.finance.parsers import StatementRefused, parse
from pledges.finance.report import ReportScope, summary_figures, summary_rows
from pledges.finance.statements import fingerprint, import_statement
from pledges.finance.suggestions import suggestions
from pledges.finance.tasks import queue_statement_import
from pledges.models import BankStatement, Donation, HeldLine, Payment, StatementImport
from tests import factories

FUND = "NL94BNGH0285173715"
MT940 = "bng_2026-03-02_03.sta"  # statements 42 (2 March) and 43 (3 March)
CAMT = "bng_2026-03-03.camt053.xml"  # statement 43 (3 March) as CAMT.053


@pytest.fixture
def pledges(ukraine_appeal, almere_staff) -> dict[int, Donation]:
    return factories.sample_pledges(ukraine_appeal, almere_staff)


def import_bytes(data: bytes, name: str, user):
    return import_statement(data, file_name=name, user=user)


def import_file(name: str, user):
    return import_bytes(factories.statement_bytes(name), name, user)


def booked_total() -> int:
    return Payment.objects.aggregate(total=Sum("amount_cents"))["total"]


def upload(client, name: str, content: bytes):
    return client.post(
        reverse("pledges:finance_statement_upload"),
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


# --------------------------------------------------------------------------- one transfer, one line


def test_the_same_day_as_camt053_after_mt940_adds_nothing_and_says_from_which_file(client, finance, pledges):
    import_file(MT940, finance)
    groningen_before = Donation.objects.get(pk=90001204).received_cents
    client.force_login(finance)

    response = upload(client, CAMT, factories.statement_bytes(CAMT))

    statement = BankStatement.objects.get(file_name=CAMT)
    assert (statement.line_count, statement.added_count, statement.skipped_count, statement.held_count) == (6, 0, 6, 0)
    assert Payment.objects.count() == 10
    # Every euro once: the account moved from the first opening balance to the last closing balance.
    assert booked_total() == 1_212_487_50 - 1_204_550_00
    assert Donation.objects.get(pk=90001204).received_cents == groningen_before == 5_000_00
    page = client.get(response["Location"]).text
    assert "0 nieuwe regels, 6 al bekend" in page
    assert "6 regels van dit bestand waren al geboekt" in page
    assert page.count(MT940) >= 6  # each line names the file it was booked from
    assert "GEMEENTE GRONINGEN" in page


def test_the_mt940_after_the_camt053_of_its_second_day_adds_only_the_first_day(finance, pledges):
    import_file(CAMT, finance)
    result = import_file(MT940, finance)
    assert (result.statement.added_count, result.statement.skipped_count) == (4, 6)
    assert Payment.objects.count() == 10
    assert booked_total() == 1_212_487_50 - 1_204_550_00


def rewrap(data: bytes, width: int) -> bytes:
    """The same MT940 with every :86: field wrapped anew at `width` columns between words, the space at
    each break dropped (as a bank that wraps by words does), so words at a break are glued together."""
    lines = data.decode().split("\n")
    out, field = [], None
    for line in [*lines, ":END:"]:
        if field is not None and not line.startswith((":", "-")):
            field += line
            continue
        if field is not None:
            out += textwrap.wrap(field, width=width, break_on_hyphens=False)
            field = None
        if line.startswith(":86:"):
            field = line
        elif line != ":END:":
            out.append(line)
    return "\n".join(out).encode()


def test_the_same_mt940_wrapped_at_64_columns_adds_nothing(finance, pledges):
    original = factories.statement_bytes(MT940)
    wrapped = rewrap(original, 64)
    before, after = parse(original).lines, parse(wrapped).lines
    # The rewrapping really changes what the parser reads: words glued at a break.
    assert [line.remittance for line in before] != [line.remittance for line in after]
    import_bytes(original, MT940, finance)

    result = import_bytes(wrapped, "wrapped.sta", finance)

    assert (result.statement.added_count, result.statement.skipped_count, result.statement.held_count) == (0, 10, 0)
    assert Payment.objects.count() == 10


def test_a_line_without_an_id_that_differs_only_in_its_text_is_held_not_added(client, finance, pledges):
    import_file(MT940, finance)
    # One of J de Vries's two identical gifts, as the CAMT file words it otherwise (no id in either format).
    data = factories.statement_bytes(CAMT).replace(b"Gift Oekraine</Ustrd>", b"Gift Oekraine familie</Ustrd>", 1)

    result = import_bytes(data, "anders.xml", finance)

    assert (result.statement.added_count, result.statement.skipped_count, result.statement.held_count) == (0, 5, 1)
    assert Payment.objects.count() == 10
    held = HeldLine.objects.get()
    assert held.amount_cents == 100_00 and held.remittance == "Gift Oekraine familie"
    assert held.resembles.counterparty_name == "J DE VRIES" and not held.decision
    client.force_login(finance)
    statements = client.get(reverse("pledges:finance_statements")).text
    assert "Gift Oekraine familie" in statements and "Toevoegen als nieuwe regel" in statements
    # Every finance page says a line waits.
    assert "1 bankregel wacht op uw beslissing" in client.get(reverse("pledges:finance_lines")).text

    client.post(reverse("pledges:finance_held_line_decide", args=[held.pk]), {"decision": "same"})

    held.refresh_from_db()
    assert (held.decision, held.decided_by, held.payment) == ("same", finance, None)
    assert Payment.objects.count() == 10
    # Decided once: a second decision is refused and adds nothing.
    response = client.post(
        reverse("pledges:finance_held_line_decide", args=[held.pk]), {"decision": "added"}, follow=True
    )
    assert "heeft al over deze regel beslist" in response.text
    assert Payment.objects.count() == 10
    # The same file exported once more (another file, the same words): the decision holds, nothing is asked again.
    again = import_bytes(data.replace(b"<MsgId>", b"<MsgId>2-"), "anders-2.xml", finance)
    assert (again.statement.added_count, again.statement.skipped_count, again.statement.held_count) == (0, 6, 0)


def test_a_held_line_finance_adds_is_booked_and_matched_like_an_imported_line(client, finance, pledges):
    import_file(MT940, finance)
    # The Kyiv gift without its bank reference and in other words: nothing tells it apart from the booked one.
    data = factories.statement_bytes(CAMT).replace(b"<AcctSvcrRef>BNG26030300022</AcctSvcrRef>", b"")
    data = data.replace(b"Gift voor generatoren Kyiv", b"Gift generatoren Kyiv RF23VNG90001209")
    import_bytes(data, "anders.xml", finance)
    held = HeldLine.objects.get()
    client.force_login(finance)

    response = client.post(reverse("pledges:finance_held_line_decide", args=[held.pk]), {"decision": "added"})

    assert response.status_code == 302
    held.refresh_from_db()
    assert held.decision == "added" and held.payment.amount_cents == 250_00
    assert held.payment.statement == held.statement and held.statement.added_count == 1
    assert Payment.objects.count() == 11
    # Matched as an imported line is: Leiden's open pledge by the RF in its text.
    assert held.payment.donation_id == 90001209


def test_a_different_end_to_end_id_is_another_transfer(finance, pledges):
    import_file(MT940, finance)
    data = factories.statement_bytes(CAMT).replace(b"BRG-0303-118", b"BRG-0303-119")
    result = import_bytes(data, "tweede.xml", finance)
    assert (result.statement.added_count, result.statement.skipped_count, result.statement.held_count) == (1, 5, 0)


def test_verify_ledger_names_a_pledge_credited_by_two_lines_of_one_transfer(finance, pledges):
    import_file(MT940, finance)
    call_command("verify_ledger", stdout=StringIO())  # clean
    groningen = Payment.objects.get(donation_id=90001204)
    # What importing the CAMT.053 file did before: the same transfer stored again under another key, matched again.
    other = BankStatement.objects.create(
        uploaded_by=finance, file_name=CAMT, format="camt053", sha256="c" * 64, account_iban=FUND,
        from_date=groningen.booking_date, to_date=groningen.booking_date, opening_balance_cents=0,
        closing_balance_cents=0, line_count=1, added_count=1, skipped_count=0,
    )
    copy = factories.bank_line(
        groningen.amount_cents, statement=other, booking_date=groningen.booking_date,
        counterparty_iban=groningen.counterparty_iban, end_to_end_id=groningen.end_to_end_id,
        counterparty_name="Gemeente Groningen", remittance="1e termijn Oekraine",
    )
    match(copy.pk, 90001204, finance, confirmed=EVERYTHING)

    out = StringIO()
    with pytest.raises(CommandError):
        call_command("verify_ledger", stdout=out)

    assert "T-90001204" in out.getvalue() and "credited twice with one transfer" in out.getvalue()
    assert f"bank lines {groningen.pk} and {copy.pk}" in out.getvalue()


def test_the_migration_gives_existing_lines_the_key_an_import_gives_them(finance, pledges):
    import_file(MT940, finance)
    expected = dict(Payment.objects.values_list("pk", "line_key"))
    for number, line in enumerate(Payment.objects.order_by("pk")):
        Payment.objects.filter(pk=line.pk).update(line_key=f"old:{number}")
    migration = importlib.import_module("pledges.migrations.0019_finance_line_identity_continuity")

    migration.new_line_keys(django_apps, None)

    assert dict(Payment.objects.values_list("pk", "line_key")) == expected
    line = Payment.objects.get(donation_id=90001201)
    assert line.line_key.startswith(fingerprint(FUND, line))


# --------------------------------------------------------------------------- only the fund's own accounts


@pytest.mark.parametrize("name", ["abnamro_2026-03-06.sta", "rabobank_2026-03-06.sta", "ing_2026-03-06.sta"])
def test_a_statement_of_another_account_is_refused_before_anything_is_stored(finance, pledges, name):
    before = factories.finance_snapshot()
    account = parse(factories.statement_bytes(name)).statements[0].account

    with pytest.raises(StatementRefused) as refused:
        queue_statement_import(factories.statement_bytes(name), file_name=name, user=finance)
    with pytest.raises(StatementRefused):
        import_file(name, finance)

    assert re.sub(r"\s", "", str(refused.value)).count(account) == 1
    assert "geen rekening van het fonds" in str(refused.value)
    assert factories.finance_snapshot() == before
    assert not StatementImport.objects.exists()  # not even the file's bytes are kept


# --------------------------------------------------------------------------- statements that follow each other


def _amount(cents: int) -> str:
    return f"{abs(cents) // 100},{abs(cents) % 100:02d}"


def mt940(number: int, first: datetime.date, last: datetime.date, opening: int,
          lines: list[tuple[datetime.date, int, str]], currency: str = "EUR", account: str = FUND) -> bytes:
    """One BNG-style MT940 statement: its opening balance dated the day before `first`, closing on `last`."""
    closing = opening + sum(cents for _day, cents, _text in lines)
    out = [
        "{1:F01BNGHNL2GAXXX0000000000}{2:I940BNGHNL2GXXXXN}{4:",
        f":20:T{number:08d}",
        f":25:{account}",
        f":28C:{number:05d}/00001",
        f":60F:{'C' if opening >= 0 else 'D'}{first - datetime.timedelta(days=1):%y%m%d}{currency}{_amount(opening)}",
    ]
    for i, (day, cents, text) in enumerate(lines):
        out.append(f":61:{day:%y%m%d%m%d}{'C' if cents > 0 else 'D'}{_amount(cents)}NTRFNONREF//T{number}{i:05d}")
        out.append(f":86:/CNTP/NL36INGB0007654321/INGBNL2A/GEVER {number}//REMI/USTD//{text}/")
    out += [f":62F:{'C' if closing >= 0 else 'D'}{last:%y%m%d}{currency}{_amount(closing)}", "-}"]
    return ("\n".join(out) + "\n").encode()


def month(number: int, year: int, month_number: int, opening: int, cents: int = 100_00) -> bytes:
    first = datetime.date(year, month_number, 1)
    last = (first + datetime.timedelta(days=32)).replace(day=1) - datetime.timedelta(days=1)
    return mt940(number, first, last, opening, [(first + datetime.timedelta(days=9), cents, f"Gift {number}")])


def test_a_missing_statement_is_named_with_its_number_and_period(client, finance, ukraine_appeal):
    import_bytes(month(11, 2026, 9, 1_000_00), "sep.sta", finance)
    client.force_login(finance)

    response = upload(client, "nov.sta", month(13, 2026, 11, 1_200_00))

    # The import says what is missing, and so do the statements page and every finance page.
    expected = "Afschrift 12 (1–31 oktober 2026) ontbreekt tussen 11 en 13."
    assert expected in client.get(response["Location"]).text
    assert expected in client.get(reverse("pledges:finance_statements")).text
    assert "De bankafschriften sluiten op 1 plek niet op elkaar aan" in client.get(reverse("pledges:finance_lines")).text

    import_bytes(month(12, 2026, 10, 1_100_00), "okt.sta", finance)

    assert continuity.findings() == []
    assert "sluiten op" not in client.get(reverse("pledges:finance_statements")).text


def test_a_statement_imported_out_of_order_says_what_is_missing_and_that_the_balance_jumps(finance, ukraine_appeal):
    import_bytes(month(11, 2026, 11, 5_000_00), "nov.sta", finance)

    result = import_bytes(month(3, 2026, 3, 1_000_00), "mrt.sta", finance)

    [finding] = result.continuity
    assert finding.kind == "missing"
    assert finding.message == (
        "Afschriften 4–10 (1 april – 31 oktober 2026) ontbreken tussen 3 en 11. "
        "Afschrift 3 sluit op € 1.100,00, afschrift 11 opent op € 5.000,00."
    )


def test_a_balance_that_does_not_carry_on_between_consecutive_statements_is_shown(finance, ukraine_appeal):
    import_bytes(month(11, 2026, 9, 1_000_00), "sep.sta", finance)
    result = import_bytes(month(12, 2026, 10, 1_000_00), "okt.sta", finance)
    [finding] = result.continuity
    assert "Afschrift 11 sluit op € 1.100,00, afschrift 12 opent op € 1.000,00." in finding.message


def test_overlapping_statements_that_do_not_follow_are_shown(finance, ukraine_appeal):
    import_bytes(month(11, 2026, 9, 1_000_00), "sep.sta", finance)
    september_again = mt940(
        12, datetime.date(2026, 9, 15), datetime.date(2026, 10, 31), 7_000_00,
        [(datetime.date(2026, 9, 20), 50_00, "Gift")],
    )
    [finding] = import_bytes(september_again, "anders.sta", finance).continuity
    assert finding.kind == "overlap"
    assert finding.message.startswith("Afschrift 12 (15 september – 31 oktober 2026) overlapt afschrift 11 (1–30 september 2026)")


def test_the_same_statement_in_two_files_counts_once(finance, pledges):
    import_file("bng_2026-03-02_03.sta", finance)
    import_file("bng_2026-03-03_04.sta", finance)  # statement 43 again, and 44
    import_file(CAMT, finance)  # 43 once more, as CAMT.053
    import_file("bng_2026-03-05.camt053.xml", finance)  # 45
    assert continuity.findings() == []


def test_a_line_booked_outside_its_statements_period_is_refused_and_named(finance, ukraine_appeal):
    data = mt940(12, datetime.date(2026, 10, 1), datetime.date(2026, 10, 31), 1_000_00, [
        (datetime.date(2026, 10, 5), 10_00, "Gift"),
        (datetime.date(2026, 11, 2), 25_00, "Gift november"),
    ])
    with pytest.raises(StatementRefused) as refused:
        import_bytes(data, "okt.sta", finance)
    assert str(refused.value) == (
        "Regel 2 van afschrift T00000012 (€ 25,00, GEVER 12) is geboekt op 2 november 2026, buiten de periode "
        "van het afschrift (1 oktober 2026 – 31 oktober 2026); er is niets ingelezen."
    )
    assert not BankStatement.objects.exists() and not Payment.objects.exists()


# --------------------------------------------------------------------------- currencies


def usd_statement(number: int = 1, opening: int = 0) -> bytes:
    """A statement of the fund's account in US dollars (a currency sub-account), with a valid pledge's RF."""
    return mt940(number, datetime.date(2026, 3, 2), datetime.date(2026, 3, 2), opening, [
        (datetime.date(2026, 3, 2), 1_000_00, "Oekraine RF18VNG90001202"),
    ], currency="USD")


def test_dollars_are_shown_with_their_code_never_added_to_euro_and_never_matched(client, finance, pledges):
    import_file(MT940, finance)
    euro_lines = Payment.objects.count()
    result = import_bytes(usd_statement(), "usd.sta", finance)

    line = Payment.objects.get(currency="USD")
    assert result.matched == 0 and line.donation_id is None  # Utrecht's RF, but not in euro
    assert suggestions([line]) == {}  # nor suggested for a euro pledge
    # Euro statements and the dollar statement each follow in their own currency.
    assert continuity.findings() == []
    client.force_login(finance)
    page = client.get(reverse("pledges:finance_lines"), {"state": "all"}).text
    assert "USD 1.000,00" in page and "€ 1.000,00" not in page
    euro = Payment.objects.filter(currency="EUR").aggregate(total=Sum("amount_cents"))["total"]
    assert f"Totaal in euro</dt><dd data-total=\"EUR\">{format_euro(euro)}" in page
    assert "In USD, niet in het eurototaal" in page
    totals = Payment.objects.all().totals()
    assert totals["other"] == Decimal("-40012.50")  # the euro debits, no dollar in it
    [usd] = totals["other_currencies"]
    assert (usd.currency, usd.cents, usd.rows, usd.display) == ("USD", 1_000_00, 1, "USD 1.000,00")
    assert Payment.objects.count() == euro_lines + 1
    # The download keeps dollars out of the euro column too.
    response = client.get(reverse("pledges:finance_lines"), {"state": "all", "export": "csv"})
    csv = b"".join(response.streaming_content).decode("utf-8-sig")
    [row] = [row.split(";") for row in csv.splitlines() if "USD" in row]
    assert (row[1], row[2], row[-1]) == ("", "USD", "USD 1.000,00")


def test_the_finance_report_keeps_dollars_out_of_overig(finance, pledges, ukraine_appeal):
    import_file(MT940, finance)
    scope = ReportScope(ukraine_appeal, datetime.date(2026, 3, 1), datetime.date(2026, 3, 31))
    before = summary_figures(scope)["payments"]["other"]

    import_bytes(usd_statement(), "usd.sta", finance)

    figures = summary_figures(scope)
    assert figures["payments"]["other"] == before  # debits in euro only
    rows = {row[0]: row for row in summary_rows(scope, figures)}
    assert rows["  in USD, niet in euro opgeteld"][1:] == [None, 1, "USD 1.000,00"]


def test_a_line_in_another_currency_than_its_statement_is_refused(finance, pledges):
    data = factories.statement_bytes(CAMT)
    # Bergen's 2.500 in dollars on a euro statement (the closing balance adjusted, so only the currency is wrong).
    data = data.replace(b'<Amt Ccy="EUR">2500.00</Amt>', b'<Amt Ccy="USD">2500.00</Amt>')
    data = data.replace(b"1212487.50</Amt>", b"1209987.50</Amt>")
    with pytest.raises(StatementRefused) as refused:
        import_bytes(data, "usd.xml", finance)
    assert "Regel 5 van afschrift BNG2603030043" in str(refused.value)
    assert "is in USD, maar de saldi van het afschrift zijn in EUR" in str(refused.value)
    assert not Payment.objects.exists()
