"""Every page fits a phone (320 px) and a large screen (1920 px), for every role (WCAG 1.4.10 reflow).

The walk goes over every URL pattern (tests.routes.project_routes), so a page added later is
measured without anyone listing it; the rows it shows are one municipality's (tests.attack), with a
bank statement imported. On every page, at both widths: the page itself never scrolls sideways, a
table wider than its place scrolls inside its own labelled, keyboard-focusable region, and no amount
runs out of its box. At 1920 px every table shows all its columns. One browser, one context per role.
Then the menu and the filters, which fold on a phone without JavaScript, and the print of the detail pages.
"""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from pledges.finance.statements import import_statement
from pledges.models import BankStatement, Role
from tests import attack, factories
from tests.browser.helpers import t
from tests.routes import ACCOUNT_PAGES, is_public, project_routes

PHONE = {"width": 320, "height": 800}
LARGE_SCREEN = {"width": 1920, "height": 1080}

# Who walks: each role's named user of tests/conftest.py, and a visitor without an account.
WALKERS = {
    Role.MUNICIPAL_STAFF: "almere_staff",
    Role.COORDINATOR: "coordinator",
    Role.FINANCE: "finance",
    Role.ADMINISTRATOR: "administrator",
    "visitor": None,
}

MEASURE = """(large) => {
    const width = document.documentElement.clientWidth;
    const problems = [];
    if (document.documentElement.scrollWidth > width) {
        const widest = [...document.body.querySelectorAll("*")].filter((e) => e.getBoundingClientRect().right > width)
            .map((e) => `${e.tagName.toLowerCase()}.${e.className}`).slice(-1);
        problems.push(`the page scrolls sideways: ${document.documentElement.scrollWidth} px on a ${width} px screen (${widest})`);
    }
    const scrolls = (element) => ["auto", "scroll"].includes(getComputedStyle(element).overflowX);
    document.querySelectorAll("table").forEach((table, index) => {
        if (!table.checkVisibility()) return;
        const name = `table ${index + 1} (${table.className || "no class"})`;
        let box = table.parentElement;
        while (box && box !== document.body && !scrolls(box)) box = box.parentElement;
        if (!box || box === document.body) {
            if (table.getBoundingClientRect().right > width + 0.5) problems.push(`${name} is cut off`);
            return;
        }
        const label = box.getAttribute("aria-label") || box.getAttribute("aria-labelledby");
        if (box.getAttribute("role") !== "region" || !label || box.tabIndex !== 0) {
            problems.push(`${name} scrolls in a box that is not a labelled, focusable region`);
        }
        if (large && box.scrollWidth > box.clientWidth) {
            problems.push(`${name} hides columns on a large screen: ${box.scrollWidth} px in ${box.clientWidth} px`);
        }
    });
    document.querySelectorAll(".totals dd, .details dd, .instruction-list dd").forEach((amount) => {
        if (amount.scrollWidth > amount.clientWidth + 0.5) problems.push(`"${amount.textContent.trim()}" runs out of its box`);
    });
    return problems;
}"""


@pytest.fixture
def rows(media_root, almere, almere_staff, finance, ukraine_appeal) -> attack.Victim:
    """Almere's pledges, offers, shipment and bank lines, and a bank statement to open."""
    name = "bng_2026-03-02_03.sta"
    import_statement(factories.statement_bytes(name), file_name=name, user=finance)
    return attack.make_victim(almere, ukraine_appeal, almere_staff, "ALMERE", cents=1_234_567_89)


@pytest.fixture
def media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.PUBLIC_DASHBOARDS = True  # so the public page of an appeal is measured too


def pages_of(role) -> list:
    """The URL patterns a role may open: its guarded pages, the account pages, or the public ones."""
    if role == "visitor":
        return [route for route in project_routes() if is_public(route)]
    return [
        route for route in project_routes()
        if role in getattr(route.callback, "allowed_roles", ()) or route.name in ACCOUNT_PAGES
    ]


def url_of(route, rows: attack.Victim) -> str:
    kwargs = rows.kwargs(route)
    if route.name in ("pledges:finance_statement", "pledges:finance_statement_import"):
        kwargs["pk"] = BankStatement.objects.get().pk
    if route.name in ("pledges:appeal_dashboard", "pledges:public_appeal"):
        kwargs["pk"] = rows.donation.appeal_id
    return reverse(route.name, kwargs=kwargs)


def walk(page, urls: list[str]) -> tuple[list[str], int]:
    """Measure each page that answers with HTML at both widths; return the problems and the count."""
    problems, measured = [], 0
    for url in urls:
        answer = page.request.get(url, max_redirects=0)
        if answer.status != 200 or not answer.headers.get("content-type", "").startswith("text/html"):
            continue  # a POST-only page, a download, a redirect
        page.set_viewport_size(PHONE)
        page.goto(url)
        measured += 1
        for size, large in ((PHONE, False), (LARGE_SCREEN, True)):
            page.set_viewport_size(size)
            problems += [f"{url} at {size['width']} px: {problem}" for problem in page.evaluate(MEASURE, large)]
    return problems, measured


@pytest.mark.parametrize("role", WALKERS, ids=str)
def test_every_page_fits_a_phone_and_a_large_screen(open_context, log_in_as, request, role, rows):
    context = open_context(viewport=PHONE)
    if WALKERS[role]:
        log_in_as(context, request.getfixturevalue(WALKERS[role]))
    page = context.new_page()

    problems, measured = walk(page, sorted({url_of(route, rows) for route in pages_of(role)}))

    assert measured >= 5, f"only {measured} pages measured"
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("role", ["almere_staff", "coordinator", "finance"])
def test_the_menu_folds_on_a_phone_and_opens_without_javascript(open_context, log_in_as, request, role):
    context = open_context(viewport=PHONE, java_script_enabled=False)
    log_in_as(context, request.getfixturevalue(role))
    page = context.new_page()
    page.goto("/donaties/")
    menu = page.get_by_role("navigation", name=t("Main menu"))
    log_out = menu.get_by_role("button", name=t("Log out"))

    header = page.locator("header").bounding_box()
    assert header["height"] <= PHONE["height"] / 4, header  # a bar, not half the screen
    expect(log_out).to_be_hidden()
    menu.get_by_text(t("Menu"), exact=True).click()

    expect(log_out).to_be_visible()
    box = log_out.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= PHONE["width"], box  # "Uitloggen" whole
    expect(menu.get_by_role("link", name=t("Equipment"))).to_be_visible()


def test_the_menu_and_the_filters_stay_open_on_a_large_screen(open_context, log_in_as, coordinator):
    context = open_context(viewport=LARGE_SCREEN, java_script_enabled=False)
    log_in_as(context, coordinator)
    page = context.new_page()
    page.goto("/donaties/")

    expect(page.get_by_role("navigation", name=t("Main menu")).get_by_role("button", name=t("Log out"))).to_be_visible()
    expect(page.get_by_text(t("Menu"), exact=True)).to_be_hidden()
    expect(page.get_by_role("search").get_by_role("button", name=t("Apply filters"))).to_be_visible()


@pytest.mark.parametrize("url", ["/donaties/", "/materieel/", "/transporten/", "/financien/openstaand/",
                                 "/financien/regels/"])
def test_every_list_has_its_filters_in_one_place_folded_on_a_phone(open_context, log_in_as, coordinator, url):
    context = open_context(viewport=PHONE, java_script_enabled=False)
    log_in_as(context, coordinator)
    page = context.new_page()
    page.goto(url)
    apply = page.get_by_role("search").get_by_role("button", name=t("Apply filters"))
    table = page.get_by_role("table").first

    expect(apply).to_be_hidden()
    page.locator("details.filters > summary").click()
    expect(apply).to_be_visible()
    # Above the table, on every list.
    assert page.locator("details.filters").bounding_box()["y"] < table.bounding_box()["y"]


# Portrait A4 (210 mm) less the 1.5 cm margins of @page, in CSS pixels (96 per inch).
A4_PORTRAIT_WIDTH = round((210 - 30) / 25.4 * 96)
DETAIL_PAGES = {
    "pledge": ("almere_staff", lambda rows: rows.donation.get_absolute_url()),
    "offer": ("almere_staff", lambda rows: rows.delivered.get_absolute_url()),
    "shipment": ("coordinator", lambda rows: rows.shipment.get_absolute_url()),
    "bank line": ("finance", lambda rows: reverse("pledges:finance_line", args=[rows.payment.pk])),
    "statement": ("finance", lambda rows: reverse("pledges:finance_statement", args=[BankStatement.objects.get().pk])),
    "contribution": ("almere_staff", lambda rows: reverse("pledges:contribution", args=[rows.code])),
}


@pytest.mark.parametrize("kind", DETAIL_PAGES)
def test_a_detail_page_prints_on_portrait_a4_without_menu_footer_or_buttons(
    open_context, log_in_as, request, rows, kind
):
    role, url = DETAIL_PAGES[kind]
    context = open_context(viewport={"width": A4_PORTRAIT_WIDTH, "height": 1000})
    log_in_as(context, request.getfixturevalue(role))
    page = context.new_page()
    page.goto(url(rows))
    page.emulate_media(media="print")

    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(page.get_by_role("navigation", name=t("Main menu"))).to_be_hidden()
    expect(page.get_by_role("contentinfo")).to_be_hidden()
    expect(page.locator("main").get_by_role("button").filter(visible=True)).to_have_count(0)
    expect(page.locator("main .button").filter(visible=True)).to_have_count(0)  # links that look like buttons
    expect(page.locator("main form:not(:has(table))").filter(visible=True)).to_have_count(0)
    assert page.evaluate(MEASURE, False) == []  # nothing wider than the paper
