"""Every page passes axe-core with no serious or critical violations (WCAG 2.1 AA).

axe is injected with page.evaluate, which goes through the DevTools protocol and is not
subject to the page's Content-Security-Policy; so these tests run under the app's real,
strict CSP and need no bypass_csp.

Each test walks one person's pages and checks them all before failing, so one run shows
every page with a problem.
"""

import datetime
import re

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.contrib.auth.tokens import default_token_generator
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from playwright.sync_api import expect

from pledges.finance.statements import import_statement
from pledges.models import BankStatement, Donation
from tests import factories
from tests.browser.helpers import t

BLOCKING = ("critical", "serious")
# Moderate to axe, but two landmarks of one name leave a screen reader's list of regions
# ambiguous: a section and the table inside it were both named by the section's heading.
ALSO_BLOCKING = ("landmark-unique",)


class AxeReport:
    """Run axe on pages and collect what blocks; fail once, with every page's summary."""

    axe = Axe()

    def __init__(self) -> None:
        self.problems: list[str] = []

    def check(self, page) -> None:
        violations = self.axe.run(page).response["violations"]
        blocking = [v for v in violations if v["impact"] in BLOCKING or v["id"] in ALSO_BLOCKING]
        if blocking:
            self.problems.append(f"{page.url} ({page.title()}):\n{summarize(blocking)}")

    def assert_clean(self) -> None:
        assert not self.problems, "axe found serious or critical violations:\n\n" + "\n\n".join(
            self.problems
        )


def summarize(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        nodes = violation["nodes"]
        lines.append(f"  {violation['id']} ({violation['impact']}): {violation['help']}")
        lines.append(f"    {violation['helpUrl']}")
        for node in nodes[:5]:
            summary = node["failureSummary"].replace("\n", " ")
            lines.append(f"    {' '.join(map(str, node['target']))}: {summary}")
        if len(nodes) > 5:
            lines.append(f"    ... and {len(nodes) - 5} more")
    return "\n".join(lines)


@pytest.fixture
def axe():
    return AxeReport()


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)


@pytest.fixture
def ledger_rows(pledge, almere_staff, utrecht_staff, ukraine_appeal) -> list[Donation]:
    """Rows in every status, some overdue, and a second page at 25 rows per page."""
    long_ago = timezone.localdate() - datetime.timedelta(days=10)
    statuses = [*Donation.Status.values, Donation.Status.PLEDGED]
    rows = []
    for i in range(26):
        staff = utrecht_staff if i % 2 else almere_staff
        amount = (i + 1) * 1_000_00
        rows.append(factories.donation(
            staff.municipality,
            ukraine_appeal,
            staff,
            amount_cents=amount,
            status=statuses[i % 5],
            received_cents=[0, 500_00, amount, 0, 0][i % 5],
            expected_date=long_ago if i % 5 == 4 else pledge.expected_date,
        ))
    return rows


def test_it_has_accessible_pages_for_people_not_logged_in(page, axe, almere_staff):
    page.goto("/login/")
    axe.check(page)
    page.locator("main").get_by_role("button", name=t("Log in")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page)

    page.get_by_role("link", name=t("Forgot your password, or first time here?")).click()
    axe.check(page)
    email = page.locator("main").get_by_role("textbox")
    email.fill(almere_staff.email)
    page.locator("main").get_by_role("button").click()
    expect(page).to_have_url(re.compile(r"/password-reset/sent/$"))
    axe.check(page)

    uid = urlsafe_base64_encode(force_bytes(almere_staff.pk))
    page.goto(f"/password-reset/{uid}/{default_token_generator.make_token(almere_staff)}/")
    expect(page.locator("main form")).to_be_visible()
    axe.check(page)
    page.goto(f"/password-reset/{uid}/not-a-valid-token/")
    expect(page.locator("main form")).to_have_count(0)
    axe.check(page)
    page.goto("/password-reset/done/")
    axe.check(page)

    # The footer's pages, for anyone.
    for name in ("Privacy statement", "Accessibility statement", "Contact", "Colophon"):
        page.get_by_role("contentinfo").get_by_role("link", name=t(name)).click()
        expect(page.locator("h1")).to_have_text(t(name))
        axe.check(page)

    # A 500 cannot be provoked on purpose; its template is checked as the browser gets it.
    page.set_content(render_to_string("500.html"))
    axe.check(page)
    axe.assert_clean()


def test_it_has_accessible_pages_for_municipal_staff(page, axe, almere_staff, ledger_rows, log_in_as):
    log_in_as(page.context, almere_staff)
    page.goto("/donaties/")
    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name=t("Skip to content"))
    expect(skip_link).to_be_focused()  # the first tab stop, and visible when focused
    assert skip_link.bounding_box()["x"] >= 0, "the focused skip link is off screen"
    page.keyboard.press("Enter")
    expect(page.locator("main")).to_be_focused()

    for query in ["", "?status=withdrawn&q=Raadsbesluit&sort=expected_date"]:
        page.goto(f"/donaties/{query}")
        expect(page.get_by_role("table")).to_be_visible()
        axe.check(page)

    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("New pledge")).click()
    axe.check(page)
    page.get_by_label(t("Amount in euro")).fill("veel")
    page.get_by_label(t("paying IBAN"), exact=False).fill("NL00 0000")
    page.get_by_label(t("contact e-mail"), exact=False).fill("")
    page.locator("main").get_by_role("button", name=t("Record pledge")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page)

    pledge = ledger_rows[0]  # Almere's, open, nothing received
    page.goto(pledge.get_absolute_url())
    axe.check(page)
    page.get_by_role("link", name=t("Change pledge")).click()
    axe.check(page)
    page.get_by_label(t("Amount in euro")).fill("1.500")
    page.get_by_label(t("council/college decision"), exact=False).fill("Raadsbesluit 2026/200")
    page.locator("main").get_by_role("button", name=t("Save changes")).click()
    expect(page.get_by_role("status")).to_be_visible()
    expect(page.locator(".timeline > li")).to_have_count(2)  # created, edited
    axe.check(page)
    page.get_by_role("button", name=t("Withdraw pledge")).click()
    expect(page.get_by_role("button", name=t("Yes, withdraw"))).to_be_visible()  # the confirmation page
    axe.check(page)
    page.get_by_role("button", name=t("Yes, withdraw")).click()
    expect(page.locator(".timeline > li")).to_have_count(3)
    axe.check(page)

    page.goto("/password-change/")
    axe.check(page)
    page.goto("/password-change/done/")
    axe.check(page)

    utrecht_pledge = next(row for row in ledger_rows if row.municipality != almere_staff.municipality)
    response = page.goto(utrecht_pledge.get_absolute_url())
    assert response.status == 404
    axe.check(page)
    axe.assert_clean()


LEDGER_QUERIES = [
    "",
    "?province=Flevoland&status=pledged&q=Almere&sort=-amount_cents",
    "?overdue=on&per_page=50&sort=municipality",
    "?q=nothing-matches-this",
    "?status=withdrawn&amount_min=veel&pledged_from=2026-13-45",  # two filter errors
]


def test_it_has_accessible_pages_for_fund_staff(page, axe, coordinator, ledger_rows, log_in_as):
    log_in_as(page.context, coordinator)
    for query in LEDGER_QUERIES:
        page.goto(f"/donaties/{query}")
        expect(page.get_by_role("table")).to_be_visible()
        axe.check(page)
    expect(page.get_by_role("alert")).to_be_visible()  # the last query's filter errors

    page.goto(ledger_rows[-1].get_absolute_url())
    axe.check(page)

    response = page.goto("/donaties/nieuw/")  # only municipalities pledge
    assert response.status == 403
    axe.check(page)
    axe.assert_clean()


# Finance's menu is a part of the coordinator's.
@pytest.mark.parametrize("role", ["almere_staff", "coordinator"])
def test_it_has_accessible_pages_behind_every_menu_link(page, axe, role, request, pledge, log_in_as):
    """Walk the main menu as each role, so pages added later are checked without a new test."""
    log_in_as(page.context, request.getfixturevalue(role))
    page.goto("/")
    menu = page.get_by_role("navigation", name=t("Main menu"))
    hrefs = [link.get_attribute("href") for link in menu.get_by_role("link").all()]
    checked_above = {"/donaties/", "/donaties/nieuw/"}
    for href in hrefs:
        if href in checked_above or href.startswith("/admin/"):  # the admin is Django's own
            continue
        response = page.goto(href)
        assert response.ok, f"{href} answered {response.status}"
        axe.check(page)
        # A section's own menu (finance): every page behind it too.
        for sub_href in [link.get_attribute("href") for link in page.locator("nav.sub-nav a").all()][1:]:
            response = page.goto(sub_href)
            assert response.ok, f"{sub_href} answered {response.status}"
            axe.check(page)
    axe.assert_clean()


def test_it_shows_the_finance_menu_as_a_sub_menu_of_the_main_menu(page, finance, log_in_as):
    log_in_as(page.context, finance)
    page.goto("/")
    main_menu = page.get_by_role("navigation", name=t("Main menu"))
    main_menu.get_by_role("link", name=t("Finance")).click()
    sub_menu = page.locator("main").get_by_role("navigation", name=t("Finance"))

    # The main menu marks Finance; the sub-menu, inside the page, marks where in Finance you are.
    expect(main_menu.get_by_role("link", name=t("Finance"))).to_have_attribute("aria-current", "page")
    expect(sub_menu.get_by_role("link", name=t("Bank statements"))).to_have_attribute("aria-current", "page")
    expect(sub_menu.get_by_role("listitem")).to_have_count(7)

    def look(locator) -> dict:
        return locator.evaluate(
            "element => { const style = getComputedStyle(element);"
            " return {background: style.backgroundColor, color: style.color, size: parseFloat(style.fontSize)}; }"
        )

    main_link = look(main_menu.get_by_role("link", name=t("Equipment")))
    sub_link = look(sub_menu.get_by_role("link", name=t("Outstanding pledges")))
    main_bar = look(page.locator("nav.main-nav"))
    assert sub_link["background"] not in (main_bar["background"], main_link["background"])
    assert sub_link["color"] != main_link["color"]
    assert sub_link["size"] < main_link["size"]
    # Below the main menu, not beside it in the same bar.
    assert sub_menu.bounding_box()["y"] > main_menu.bounding_box()["y"] + main_menu.bounding_box()["height"]


def test_it_has_accessible_dashboards_and_charts(
    open_context, axe, coordinator, almere_staff, ledger_rows, ukraine_appeal, log_in_as, settings
):
    """The appeal dashboard, a municipality's own (with its naming switch) and the public page."""
    settings.PUBLIC_DASHBOARDS = True
    kyiv = factories.destination("Kyiv")
    need = factories.need(ukraine_appeal, kyiv)
    for status in ("offered", "in_transit", "delivered", "confirmed", "declined"):
        factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=status, need=need)

    page = open_context().new_page()
    log_in_as(page.context, coordinator)
    page.goto(f"/overzicht/oproepen/{ukraine_appeal.pk}/")
    expect(page.locator("svg[role=img]")).to_have_count(4)
    axe.check(page)
    page.goto(f"/overzicht/gemeenten/{almere_staff.municipality.code}/")
    axe.check(page)

    page = open_context().new_page()
    log_in_as(page.context, almere_staff)
    page.goto("/overzicht/")
    page.get_by_label(t("Name %(name)s on the public page") % {"name": "Almere"}).check()
    page.get_by_role("button", name=t("Save choice")).click()
    expect(page.get_by_role("status")).to_be_visible()
    axe.check(page)

    page = open_context().new_page()  # nobody logged in
    page.goto(f"/openbaar/{ukraine_appeal.pk}/")
    expect(page.locator('[data-table="named"]')).to_be_visible()
    axe.check(page)
    axe.assert_clean()


def test_it_has_one_name_per_landmark_on_the_finance_pages_with_rows(page, axe, finance, ledger_rows, log_in_as):
    """The four pages with a table of bank lines or statements, each with rows to show."""
    name = "bng_2026-03-02_03.sta"
    import_statement(factories.statement_bytes(name), file_name=name, user=finance)
    factories.bank_line(12_50, statement=None, entered_by=finance, remittance="Contant")
    log_in_as(page.context, finance)
    statement = BankStatement.objects.get()
    for url in ("/financien/afschriften/", f"/financien/afschriften/{statement.pk}/", "/financien/regels/?state=all",
                "/financien/betalingen/"):
        response = page.goto(url)
        assert response.ok, url
        expect(page.get_by_role("table")).to_be_visible()
        axe.check(page)
    axe.assert_clean()


def test_it_has_an_accessible_shared_mailbox_page(page, axe, almere_staff, log_in_as):
    log_in_as(page.context, almere_staff)
    page.goto(f"/overzicht/gemeenten/{almere_staff.municipality.code}/")
    page.get_by_role("link", name=t("Choose the shared mailbox")).click()
    axe.check(page)
    page.get_by_label(t("shared mailbox"), exact=False).fill("geen-adres")
    page.locator("main").get_by_role("button", name=t("Save mailbox")).click()
    expect(page.get_by_role("alert")).to_be_visible()
    axe.check(page)
    page.get_by_label(t("shared mailbox"), exact=False).fill("giften@almere.nl")
    page.locator("main").get_by_role("button", name=t("Save mailbox")).click()
    expect(page.get_by_role("status")).to_be_visible()
    axe.check(page)
    axe.assert_clean()
