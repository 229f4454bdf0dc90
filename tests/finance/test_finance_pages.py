"""The finance pages: finance imports and matches, coordinators look, municipal staff never get in."""

import datetime

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.finance.statements import import_statement
from pledges.models import BankStatement, Donation, Payment, StatementImport
from tests import factories, pages


@pytest.fixture
def pledges(ukraine_appeal, almere_staff) -> dict[int, Donation]:
    return factories.sample_pledges(ukraine_appeal, almere_staff)


@pytest.fixture
def imported(finance, pledges) -> BankStatement:
    name = "bng_2026-03-02_03.sta"
    return import_statement(factories.statement_bytes(name), file_name=name, user=finance).statement


def upload(client, name: str, data: bytes | None = None):
    content = factories.statement_bytes(name) if data is None else data
    return client.post(
        reverse("pledges:finance_statement_upload"),
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


def open_line(name: str) -> Payment:
    return Payment.objects.get(counterparty_name=name, match_method="")


def test_finance_uploads_a_statement_and_sees_its_lines(client, finance, pledges):
    client.force_login(finance)
    response = upload(client, "bng_2026-03-02_03.sta")

    # The worker imported it (tests run it after each request); the upload's page says what it did.
    statement = BankStatement.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:finance_statement_import", args=[StatementImport.objects.get().pk])
    progress = client.get(response["Location"])
    assert "10 nieuwe regels, 0 al bekend, 4 automatisch gekoppeld aan toezeggingen" in progress.text
    assert "onderweg" in progress.text  # the thank-you mails
    page = client.get(reverse("pledges:finance_statement", args=[statement.pk]))
    assert page.status_code == 200 and page.request["PATH_INFO"] in progress.text
    assert "GEMEENTE BERGEN NH" in page.text
    assert "NL94 BNGH 0285 1737 15" in page.text
    # Four pledges matched, each municipality thanked.
    assert len(mail.outbox) == 4


def test_the_same_file_again_adds_nothing_and_says_so(client, finance, imported):
    client.force_login(finance)
    before = factories.finance_snapshot()

    response = upload(client, "bng_2026-03-02_03.sta", factories.statement_bytes("bng_2026-03-02_03.sta"))

    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:finance_statement", args=[imported.pk])
    assert "al op" in (page := client.get(response["Location"]).text) and "geïmporteerd door" in page
    assert factories.finance_snapshot() == before


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("bng_broken_balance.sta", None, "klopt niet"),
        ("rekening.csv", b"datum;bedrag\n2026-03-02;100,00\n", "geen bankafschrift"),
        ("bom.xml", b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "b">]><d>&a;</d>', "documenttype of entiteiten"),
    ],
)
def test_a_refused_upload_shows_why_on_the_form_and_stores_nothing(client, finance, pledges, name, data, says):
    client.force_login(finance)
    before = factories.finance_snapshot()

    response = upload(client, name, data)

    assert response.status_code == 200
    assert says in response.text
    assert 'class="error-summary"' in response.text
    assert factories.finance_snapshot() == before


def test_an_oversized_upload_is_refused(client, finance, settings):
    settings.BANK_STATEMENT_MAX_BYTES = 500
    client.force_login(finance)
    response = upload(client, "bng_2026-03-02_03.sta")
    assert response.status_code == 200
    assert "mag maximaal" in response.text
    assert not BankStatement.objects.exists()


def test_the_lines_page_lists_open_lines_with_suggestions(client, finance, imported):
    client.force_login(finance)

    response = client.get(reverse("pledges:finance_lines"))

    assert response.status_code == 200
    text = response.text
    # Open credit lines on the fund's account only: Bergen, the gift, J de Vries twice.
    assert "GEMEENTE BERGEN NH" in text and "STICHTING VRIENDEN VAN KYIV" in text
    assert "LOGISTIEK PARTNER" not in text  # a debit
    assert "GEMEENTE ALMERE" not in text  # matched on import
    assert "T-90001211" in text  # Bergen (NH.)'s pledge, suggested by name and amount
    assert "naam van de rekeninghouder bevat Bergen (NH.)" in text


def test_the_filters_show_matched_lines_and_search(client, finance, imported):
    client.force_login(finance)
    matched = client.get(reverse("pledges:finance_lines"), {"state": "matched"})
    assert "GEMEENTE ALMERE" in matched.text and "GEMEENTE BERGEN NH" not in matched.text
    other = client.get(reverse("pledges:finance_lines"), {"state": "other"})
    assert "LOGISTIEK PARTNER BV" in other.text and "GEMEENTE ALMERE" not in other.text
    found = client.get(reverse("pledges:finance_lines"), {"state": "all", "q": "vrienden"})
    assert "STICHTING VRIENDEN VAN KYIV" in found.text and "J DE VRIES" not in found.text
    by_pledge = client.get(reverse("pledges:finance_lines"), {"state": "all", "q": "T-90001203"})
    assert "GEMEENTE ZWOLLE" in by_pledge.text and "GEMEENTE UTRECHT" not in by_pledge.text


def test_finance_confirms_a_suggestion_and_returns_to_the_list(client, finance, imported, django_capture_on_commit_callbacks):
    client.force_login(finance)
    line = open_line("GEMEENTE BERGEN NH")
    back = reverse("pledges:finance_lines") + "?state=open"

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("pledges:finance_line_match", args=[line.pk]), factories.once({"donation": 90001211, "next": back})
        )

    assert response.status_code == 302 and response["Location"] == back
    line.refresh_from_db()
    assert (line.donation_id, line.match_method, line.matched_by) == (90001211, Payment.Method.MANUAL, finance)
    pledge = Donation.objects.get(pk=90001211)
    assert (pledge.received_cents, pledge.status) == (2_500_00, Donation.Status.RECEIVED)
    assert mail.outbox[-1].to == sorted({"financien@gm0373.example.nl", pledge.created_by.email})


def test_finance_assigns_a_line_by_pledge_number(client, finance, imported):
    client.force_login(finance)
    line = open_line("STICHTING VRIENDEN VAN KYIV")

    form = factories.once({"pledge": "T-90001204"})
    asked = client.post(reverse("pledges:finance_line_match", args=[line.pk]), form)

    # € 250,00 is not what the pledge awaits: a second step names it, and nothing is matched yet.
    assert asked.status_code == 200 and "minder dan de" in pages.plain(asked)
    line.refresh_from_db()
    assert line.is_open
    response = client.post(reverse("pledges:finance_line_match", args=[line.pk]),
                           form | {"confirmed": "T-90001204:amount"})

    assert response.status_code == 302
    line.refresh_from_db()
    assert line.donation_id == 90001204
    assert Donation.objects.get(pk=90001204).received_cents == 5_000_00 + 250_00


def test_an_unknown_pledge_number_is_an_error_not_a_crash(client, finance, imported):
    client.force_login(finance)
    line = open_line("STICHTING VRIENDEN VAN KYIV")
    response = client.post(reverse("pledges:finance_line_match", args=[line.pk]), factories.once({"pledge": "T-999999"}))
    assert "Geen toezegging gevonden" in response.text
    line.refresh_from_db()
    assert line.is_open


def test_finance_marks_a_gift_and_undoes_it(client, finance, imported):
    client.force_login(finance)
    line = open_line("STICHTING VRIENDEN VAN KYIV")

    client.post(reverse("pledges:finance_line_gift", args=[line.pk]), factories.once({"note": "Eenmalige gift"}))
    line.refresh_from_db()
    assert line.match_method == Payment.Method.GIFT
    detail = client.get(reverse("pledges:finance_line", args=[line.pk]))
    assert "Eenmalige gift" in detail.text

    client.post(reverse("pledges:finance_line_unmatch", args=[line.pk]), factories.once({"note": "Toch een toezegging"}))
    line.refresh_from_db()
    assert line.is_open


def test_matching_a_debit_line_is_refused_with_a_message(client, finance, imported):
    client.force_login(finance)
    debit = Payment.objects.filter(amount_cents__lt=0).first()
    response = client.post(
        reverse("pledges:finance_line_match", args=[debit.pk]), factories.once({"donation": 90001211}), follow=True
    )
    assert "Dit is een afschrijving" in response.text
    debit.refresh_from_db()
    assert debit.is_open


def test_the_outstanding_page_lists_overdue_pledges_first(client, finance, ukraine_appeal, almere, almere_staff):
    today = datetime.date.today()
    later = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=300_00,
                               expected_date=today + datetime.timedelta(days=5))
    overdue = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=200_00,
                                 expected_date=today - datetime.timedelta(days=3))
    paid = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=100_00)
    Donation.objects.filter(pk=paid.pk).update(received_cents=100_00, status=Donation.Status.RECEIVED)
    client.force_login(finance)

    response = client.get(reverse("pledges:finance_outstanding"))

    assert response.status_code == 200
    text = response.text
    assert text.index(overdue.number) < text.index(later.number)
    assert paid.number not in text
    assert 'data-total="outstanding">€ 500,00' in text


def test_coordinators_look_but_do_not_touch(client, coordinator, imported):
    client.force_login(coordinator)
    line = open_line("GEMEENTE BERGEN NH")
    for name, args in [("finance_statements", []), ("finance_statement", [imported.pk]),
                       ("finance_lines", []), ("finance_line", [line.pk]), ("finance_outstanding", [])]:
        response = client.get(reverse(f"pledges:{name}", args=args))
        assert response.status_code == 200, name
        assert "finance_line_match" not in response.text
        assert 'name="donation"' not in response.text and 'type="file"' not in response.text
    assert client.post(reverse("pledges:finance_line_match", args=[line.pk]), {"donation": 90001211}).status_code == 403
    assert upload(client, "bng_2026-03-03_04.sta").status_code == 403
    line.refresh_from_db()
    assert line.is_open


def finance_urls(statement: BankStatement, line: Payment) -> list[tuple[str, str]]:
    return [
        ("get", reverse("pledges:finance_statements")),
        ("get", reverse("pledges:finance_statement", args=[statement.pk])),
        ("get", reverse("pledges:finance_lines")),
        ("get", reverse("pledges:finance_line", args=[line.pk])),
        ("get", reverse("pledges:finance_outstanding")),
        ("post", reverse("pledges:finance_statement_upload")),
        ("post", reverse("pledges:finance_lines_rematch")),
        ("post", reverse("pledges:finance_line_match", args=[line.pk])),
        ("post", reverse("pledges:finance_line_gift", args=[line.pk])),
        ("post", reverse("pledges:finance_line_unmatch", args=[line.pk])),
    ]


def test_municipal_staff_never_get_into_finance(client, almere_staff, imported):
    client.force_login(almere_staff)
    line = Payment.objects.get(donation_id=90001201)  # Almere's own payment, even
    before = factories.finance_snapshot()
    for method, url in finance_urls(imported, line):
        response = getattr(client, method)(url, {"donation": 90001201})
        assert response.status_code in (403, 404), url
        assert "GEMEENTE" not in response.text
    assert factories.finance_snapshot() == before


def test_logged_out_visitors_are_sent_to_log_in(client, imported):
    line = Payment.objects.first()
    for method, url in finance_urls(imported, line):
        response = getattr(client, method)(url)
        assert response.status_code == 302, url
        assert response["Location"].startswith(reverse("login")), url


def test_the_finance_link_is_in_the_menu_for_finance_and_coordinators(client, finance, coordinator, almere_staff):
    link = reverse("pledges:finance_statements")
    for user, shown in [(finance, True), (coordinator, True), (almere_staff, False)]:
        client.force_login(user)
        assert (f'href="{link}"' in client.get(reverse("pledges:donation_list")).text) is shown


def test_the_lines_page_costs_the_same_queries_for_few_or_many_lines(client, finance, imported, django_assert_max_num_queries):
    client.force_login(finance)
    url = reverse("pledges:finance_lines") + "?state=all"
    with django_assert_max_num_queries(20):
        client.get(url)
    for day in range(40):
        factories.bank_line(amount_cents=1_00 + day, counterparty_name=f"GEMEENTE X{day}")
    with django_assert_max_num_queries(20):
        client.get(url)


def test_a_statement_of_an_account_no_appeal_collects_on_is_refused_on_the_form(client, finance, pledges):
    client.force_login(finance)
    response = upload(client, "abnamro_2026-03-06.sta")
    assert response.status_code == 200
    assert "NL74 ABNA 0612 3456 78" in response.text and "geen rekening van het fonds" in response.text
    assert not Payment.objects.exists() and not StatementImport.objects.exists()


def test_the_municipality_sees_the_money_arrive_in_its_pledges_history(client, almere_staff, imported):
    client.force_login(almere_staff)
    response = client.get(reverse("pledges:donation_detail", args=[90001201]))
    assert response.status_code == 200
    assert "betaling gekoppeld" in response.text
    assert "€ 25.000,00" in response.text and "RF-kenmerk" in response.text


def test_every_finance_page_counts_the_open_lines_in_its_menu(client, finance, imported):
    client.force_login(finance)
    line = Payment.objects.unmatched().first()
    count = Payment.objects.unmatched().count()
    pages_shown = [url for method, url in finance_urls(imported, line) if method == "get"]
    pages_shown += [reverse("pledges:finance_manual_payments"), reverse("pledges:finance_report")]

    for url in pages_shown:
        menu = client.get(url).text.split("</nav>")[1]  # the site menu first, then the finance menu
        assert f"Te koppelen bankregels ({count})" in menu, url


def test_other_pages_do_not_count_open_lines(client, finance, imported):
    client.force_login(finance)
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("pledges:donation_list"))
    assert not [query for query in queries.captured_queries if "pledges_payment" in query["sql"]]


def test_reloading_the_upload_address_shows_the_statements(client, finance, coordinator):
    client.force_login(finance)
    response = client.get(reverse("pledges:finance_statement_upload"))
    assert response.status_code == 302
    assert response["Location"] == reverse("pledges:finance_statements")
    client.force_login(coordinator)
    assert client.get(reverse("pledges:finance_statement_upload")).status_code == 403


def test_a_suggestion_says_when_the_payer_appears_to_be_another_municipality(
    client, finance, utrecht_staff, ukraine_appeal
):
    utrecht = factories.donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=15_000_00)
    line = factories.bank_line(15_000_00, counterparty_name="GEMEENTE HAARLEM")
    client.force_login(finance)

    for url in (reverse("pledges:finance_line", args=[line.pk]), reverse("pledges:finance_lines")):
        text = client.get(url).text
        assert utrecht.number in text
        assert "maar de betaler lijkt Haarlem te zijn, dat geen openstaande toezegging heeft" in text, url
