"""Finance in a real browser: import a bank statement, confirm a suggestion, record a gift; axe-clean."""

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from pledges.models import Donation, Payment
from tests import factories
from tests.browser.helpers import t
from tests.tasks import run_tasks

BLOCKING = ("critical", "serious")


def blocking_violations(page) -> list[str]:
    violations = Axe().run(page).response["violations"]
    return [f"{page.url}: {v['id']} ({v['impact']})" for v in violations if v["impact"] in BLOCKING]


def test_finance_imports_a_statement_and_matches_its_lines(page, finance, almere_staff, ukraine_appeal, log_in_as):
    factories.sample_pledges(ukraine_appeal, almere_staff)
    log_in_as(page.context, finance)
    problems: list[str] = []

    page.goto("/donaties/")
    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("Finance")).click()
    problems += blocking_violations(page)

    # A statement that does not add up is refused on the form, nothing stored.
    page.locator("input[type=file]").set_input_files(str(factories.STATEMENTS / "bng_broken_balance.sta"))
    page.get_by_role("button", name=t("Import statement")).click()
    expect(page.get_by_role("alert")).to_contain_text("€ 1.244.537,51")
    problems += blocking_violations(page)
    assert not Payment.objects.exists()

    page.locator("input[type=file]").set_input_files(str(factories.STATEMENTS / "bng_2026-03-02_03.sta"))
    page.get_by_role("button", name=t("Import statement")).click()
    # The upload's page: queued for the worker, with a link to look again (no automatic refresh).
    expect(page.get_by_role("status")).to_contain_text(t("It waits for its turn and starts in a moment."))
    problems += blocking_violations(page)
    assert run_tasks() == 1 + 4  # the import, then its thank-you mails
    page.get_by_role("link", name=t("Reload")).click()
    expect(page.get_by_text("4 automatisch gekoppeld")).to_be_visible()
    assert Payment.objects.count() == 10
    problems += blocking_violations(page)

    page.get_by_role("link", name=t("Bank lines to match")).click()
    expect(page.get_by_text("GEMEENTE BERGEN NH")).to_be_visible()
    problems += blocking_violations(page)
    page.get_by_role("button", name=t("Match to %(number)s") % {"number": "T-90001211"}).click()
    expect(page.get_by_role("status")).to_contain_text("T-90001211")
    assert Donation.objects.get(pk=90001211).status == Donation.Status.RECEIVED

    gift = Payment.objects.get(counterparty_name="STICHTING VRIENDEN VAN KYIV")
    page.goto(f"/financien/regels/{gift.pk}/")
    problems += blocking_violations(page)
    page.get_by_role("button", name=t("Record as gift without pledge")).click()
    expect(page.get_by_role("status")).to_contain_text("€ 250,00")
    gift.refresh_from_db()
    assert gift.match_method == Payment.Method.GIFT
    problems += blocking_violations(page)

    page.goto("/financien/openstaand/")
    expect(page.get_by_role("table")).to_be_visible()
    problems += blocking_violations(page)
    assert problems == []


def test_finance_enters_a_cash_payment_for_a_pledge(page, finance, almere_staff, ukraine_appeal, log_in_as):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=800_00)
    log_in_as(page.context, finance)
    problems: list[str] = []

    page.goto("/financien/openstaand/")
    page.get_by_role("link", name=t("Payments entered by hand")).click()
    problems += blocking_violations(page)

    # A mistyped amount is refused on the form, nothing stored.
    page.get_by_label(t("Date received")).fill(str(pledge.created_at.date()))
    page.get_by_label(t("Amount")).fill("achthonderd")
    page.get_by_label(t("Paid by")).fill("Wethouder J. de Boer, contant")
    page.get_by_label(t("Description")).fill("Opbrengst benefietavond")
    page.get_by_label(t("Pays pledge (optional)")).fill(pledge.number)
    page.get_by_role("button", name=t("Record payment")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    problems += blocking_violations(page)
    assert not Payment.objects.exists()

    page.get_by_label(t("Amount")).fill("800")
    page.get_by_role("button", name=t("Record payment")).click()
    expect(page.get_by_role("status")).to_contain_text(pledge.number)
    problems += blocking_violations(page)
    pledge.refresh_from_db()
    assert pledge.status == Donation.Status.RECEIVED

    # The report form: a period that runs backwards is refused on the form.
    page.get_by_role("link", name=t("Finance report")).click()
    problems += blocking_violations(page)
    page.get_by_label(t("From")).fill("2026-05-31")
    page.get_by_label(t("Until (included)")).fill("2026-05-01")
    page.get_by_role("button", name=t("Download report (XLSX)")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    problems += blocking_violations(page)
    assert problems == []


def test_a_match_by_hand_against_the_ledger_is_confirmed_and_a_double_click_books_once(
    page, finance, almere_staff, utrecht_staff, ukraine_appeal, log_in_as
):
    """Typed short, the number is refused; another municipality's pledge asks first; a double click records once."""
    from pledges.models import Event, KnownIban

    almere_pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=800_00)
    utrecht_pledge = factories.donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=800_00)
    KnownIban.objects.create(municipality=almere_staff.municipality, iban="NL38BNGH0285012345")
    line = factories.bank_line(800_00, counterparty_iban="NL38BNGH0285012345", counterparty_name="GEMEENTE ALMERE")
    log_in_as(page.context, finance)
    problems: list[str] = []

    page.goto(f"/financien/regels/{line.pk}/")
    page.get_by_label(t("Pledge number or RF reference")).fill(str(utrecht_pledge.pk))
    page.get_by_role("button", name=t("Match to this pledge")).click()
    expect(page.get_by_role("alert")).to_contain_text(utrecht_pledge.number)
    page.get_by_label(t("Pledge number or RF reference")).fill(utrecht_pledge.number)
    page.get_by_role("button", name=t("Match to this pledge")).click()
    confirmation = page.get_by_role("alert").filter(has_text=t("Confirm this match"))
    expect(confirmation).to_contain_text("Almere")
    problems += blocking_violations(page)
    line.refresh_from_db()
    assert line.is_open
    confirmation.get_by_role("button", name=t("Confirm despite this")).click()
    expect(page.get_by_role("status")).to_contain_text(utrecht_pledge.number)
    assert Event.objects.get(kind=Event.Kind.PAYMENT_MATCHED, payment=line).data["confirmed"][0]["code"] == "other_payer"

    page.goto("/financien/betalingen/")
    page.get_by_label(t("Date received")).fill(str(almere_pledge.created_at.date()))
    page.get_by_label(t("Amount")).fill("800")
    page.get_by_label(t("Paid by")).fill("Gemeente Almere, kas")
    page.get_by_label(t("Description")).fill("Contant")
    page.get_by_label(t("Pays pledge (optional)")).fill(almere_pledge.number)
    page.get_by_role("button", name=t("Record payment")).dblclick()
    expect(page.get_by_role("heading", level=1)).to_contain_text("800,00")
    page.wait_for_load_state("networkidle")
    assert Payment.objects.filter(statement__isnull=True, donation=almere_pledge).count() == 1
    assert Event.objects.filter(kind=Event.Kind.PAYMENT_MATCHED, donation=almere_pledge).count() == 1
    assert problems == []
