"""Each persona's day, from the start page, at 1280 px and on a 360 px phone (issue 12, "Done when").

Staff pledge money and offer a generator; the coordinator decides, plans, ships, delivers and makes the
receipt link; the recipient confirms with one shortfall, which the coordinator then sees; finance imports
a statement, matches a line and follows up an overdue pledge. Each person logs in through the form
(fund staff with their authenticator app) and moves by the links and buttons on the page: the start
page's blocks and the menu, which a phone folds away. Every page passes test_layout's measure (no
sideways scrolling, no table cut off, no amount out of its box) and axe (nothing serious or critical);
both are collected and fail once at the end, naming every page. One context per persona and width.
"""

import datetime
import re
from urllib.parse import urljoin

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pledges.models import Donation, EquipmentOffer, OfferStatus, Payment, Shipment
from tests import factories
from tests.browser.helpers import cents, log_in_through_form, t
from tests.browser.test_accessibility import AxeReport
from tests.browser.test_equipment_journey import fill_almere_pickup, label
from tests.browser.test_finance_month import imported, said
from tests.browser.test_journeys import CORRECT_IBAN, record_pledge
from tests.browser.test_layout import MEASURE
from tests.browser.test_recipient_confirmation import delivered_shipment, report_two_reels_short
from tests.conftest import PASSWORD
from tests.tasks import run_tasks

WIDTHS = {"1280px": {"width": 1280, "height": 800}, "360px": {"width": 360, "height": 740}}
widths = pytest.mark.parametrize("viewport", WIDTHS.values(), ids=WIDTHS.keys())


class Day:
    """One person's browser tab; `look()` at every page measures it and runs axe, `end()` fails once."""

    def __init__(self, page) -> None:
        self.page = page
        self.axe = AxeReport()
        self.problems: list[str] = []

    def look(self) -> None:
        width = self.page.viewport_size["width"]
        self.problems += [f"{self.page.url} at {width} px: {problem}" for problem in self.page.evaluate(MEASURE, False)]
        self.axe.check(self.page)

    def menu(self, name: str) -> None:
        """Follow a link of the main menu, opening it first where the screen folds it into "Menu"."""
        menu = self.page.get_by_role("navigation", name=t("Main menu"))
        fold = menu.get_by_text(t("Menu"), exact=True)
        if fold.is_visible():
            fold.click()
        self.follow(menu.get_by_role("link", name=name, exact=True))

    def follow(self, link) -> None:
        """Click a link and look at the page it opens once it is there, not at the one it leaves."""
        target = urljoin(self.page.url, link.get_attribute("href"))
        link.click()
        self.page.wait_for_url(lambda url: url == target)
        self.look()

    def start_page(self) -> None:
        """Back to what needs the person today, by the name of the ledger in the header."""
        self.follow(self.page.locator("header .brand"))
        expect(self.page.get_by_role("heading", level=1)).to_have_text(t("What needs you today"))

    def block(self, title: str):
        return self.page.get_by_role("region", name=t(title), exact=False)

    def end(self) -> None:
        assert not self.problems, "pages that do not fit:\n" + "\n".join(self.problems)
        self.axe.assert_clean()


def log_in(open_context, viewport, user, **options) -> Day:
    """A fresh context at `viewport`, logged in through the form; fund staff type their app's code."""
    page = open_context(viewport=viewport, **options).new_page()
    secret = factories.authenticator(user).secret if user.is_fund_staff else ""
    log_in_through_form(page, user.email, PASSWORD, secret)
    day = Day(page)
    day.look()
    return day


@widths
def test_staff_pledge_money_and_offer_a_generator(open_context, viewport, almere_staff, ukraine_appeal):
    day = log_in(open_context, viewport, almere_staff)
    page = day.page
    expect(day.block("Pledges awaiting payment")).to_contain_text(t("No pledge is waiting for a transfer."))

    day.menu(t("New pledge"))
    record_pledge(page, "25.000", CORRECT_IBAN)

    expect(page).to_have_url(re.compile(r"/donaties/\d+/$"))
    day.look()
    pledge = Donation.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(pledge.number)
    instructions = page.get_by_role("region", name=t("Payment instructions"))
    assert cents(instructions.locator("[data-field=amount]").inner_text()) == 25_000_00
    expect(instructions.locator("[data-field=description]")).to_have_text(f"Oekraine {pledge.reference}")
    run_tasks()  # the confirmation mail

    day.menu(t("Equipment"))
    day.follow(page.get_by_role("link", name=t("Offer equipment")))
    form = page.locator("main form").first
    form.get_by_label(label("category"), exact=True).select_option(value="generator")
    form.get_by_label(label("description"), exact=True).fill("Aggregaat Atlas Copco QAS 60, 3-fase")
    form.get_by_label(label("Quantity"), exact=True).fill("1")
    form.get_by_label(label("Power (kVA)"), exact=True).fill("60")
    form.get_by_label(label("fuel"), exact=True).select_option(value="diesel")
    form.get_by_label(label("phases"), exact=True).select_option(value="3")
    form.get_by_label(label("condition"), exact=True).select_option(value="used")
    form.get_by_label(label("Estimated value per unit in euro"), exact=True).fill("12.500")
    form.get_by_label(label("Weight per unit (kg)"), exact=True).fill("1250")
    fill_almere_pickup(form, timezone.localdate().isoformat())
    form.get_by_role("button", name=t("Record offer")).click()

    expect(page).to_have_url(re.compile(r"/materieel/\d+/$"))
    day.look()
    offer = EquipmentOffer.objects.get()
    expect(page.get_by_role("heading", level=1)).to_contain_text(offer.number)
    expect(page.locator("main .status")).to_have_text(t("offered"))

    # The start page now holds the pledge until the money is in.
    day.start_page()
    expect(day.block("Pledges awaiting payment").get_by_role("link", name=pledge.number)).to_be_visible()
    run_tasks()
    day.end()


@widths
def test_the_coordinator_decides_plans_ships_delivers_and_makes_the_receipt_link(
    open_context, viewport, coordinator, almere_staff, ukraine_appeal
):
    kyiv = factories.destination("Kyiv")
    need = factories.need(ukraine_appeal, kyiv, quantity=4, min_power_kva=50)
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, need=need)
    day = log_in(open_context, viewport, coordinator)
    page = day.page

    # Decide: the offer waits on the start page.
    day.follow(day.block("Offers awaiting a decision").get_by_role("link", name=offer.number))
    accept = page.get_by_role("form", name=t("Accept"), exact=True)
    expect(accept.get_by_label(label("Destination"), exact=True)).to_have_value(str(kyiv.pk))  # from the need
    accept.get_by_role("button", name=t("Accept offer")).click()
    expect(page.locator("main .status")).to_have_text(t("accepted"))
    day.look()

    # Plan the pickup for today; the truck comes and it is collected.
    plan = page.get_by_role("form", name=t("Plan pickup"), exact=True)
    plan.get_by_label(label("Pickup date"), exact=True).fill(timezone.localdate().isoformat())
    plan.get_by_role("button", name=t("Plan pickup")).click()
    expect(page.locator("main .status")).to_have_text(t("pickup planned"))
    day.look()
    page.get_by_role("form", name=t("Collected"), exact=True).get_by_role(
        "button", name=t("Mark as collected")).click()
    expect(page.locator("main .status")).to_have_text(t("collected"))
    day.look()

    # Ship: a shipment to Kyiv's council, the generator on board, the NBU rate entered, departed, delivered.
    council = factories.recipients_organisation(kyiv)
    day.menu(t("Shipments"))
    day.follow(page.get_by_role("link", name=t("Plan a shipment")))
    form = page.locator("main form.form")
    form.get_by_label(label("destination"), exact=True).select_option(value=str(kyiv.pk))
    form.get_by_label(label("carrier"), exact=True).fill("Van der Wal Transport")
    form.get_by_label(label("carrier reference"), exact=True).fill("VDW-2026-118")
    form.get_by_label(label("hub"), exact=True).fill("Depot Lelystad")
    form.get_by_label(label("planned departure"), exact=True).fill(timezone.localdate().isoformat())
    form.get_by_label(label("planned arrival"), exact=True).fill(
        (timezone.localdate() + datetime.timedelta(days=4)).isoformat())
    form.get_by_label(label("Recipient organisation"), exact=True).select_option(value=str(council.pk))
    form.get_by_role("button", name=t("Plan shipment")).click()
    expect(page).to_have_url(re.compile(r"/transporten/\d+/$"))
    day.look()
    shipment = Shipment.objects.get()
    page.get_by_label(re.compile(re.escape(offer.number))).check()
    page.get_by_role("button", name=t("Add to shipment")).click()
    expect(page.get_by_role("region", name=t("Offers on board"))).to_contain_text(offer.number)
    day.look()
    rate = page.get_by_role("region", name=t("NBU exchange rate"))
    rate.get_by_label(label("NBU rate (UAH per EUR)"), exact=True).fill("48,1234")
    rate.get_by_role("button", name=t("Save the rate")).click()
    expect(page.locator("[data-field=exchange-rate]")).to_contain_text("48,1234")
    page.get_by_role("button", name=t("Mark departed")).click()
    expect(page.locator("main .page-head .status")).to_have_text(t("in transit"))
    day.look()
    page.get_by_role("button", name=t("Mark delivered")).click()
    expect(page.locator("main .page-head .status")).to_have_text(t("delivered"))
    day.look()

    # Send the link: the delivery waits for its confirmation on the start page; its page makes the link.
    day.start_page()
    day.follow(day.block("Delivered, receipt not confirmed").get_by_role("link", name=shipment.number))
    page.get_by_role("button", name=t("Make a receipt link")).click()
    expect(page.locator("[data-field=recipient-link]")).to_contain_text("/ontvangst/")
    day.look()
    shipment.refresh_from_db()
    offer.refresh_from_db()
    assert (shipment.status, offer.status) == (Shipment.Status.DELIVERED, OfferStatus.DELIVERED)
    run_tasks()
    day.end()


@widths
def test_the_recipient_confirms_with_one_shortfall_and_the_coordinator_sees_it(
    open_context, viewport, coordinator, almere_staff, ukraine_appeal
):
    shipment, generator, cables = delivered_shipment(coordinator, almere_staff, ukraine_appeal)
    fund_page = open_context(viewport=viewport).new_page()
    log_in_through_form(fund_page, coordinator.email, PASSWORD, factories.authenticator(coordinator).secret)
    fund_page.get_by_role("region", name=t("Delivered, receipt not confirmed"), exact=False).get_by_role(
        "link", name=shipment.number).click()
    fund_page.get_by_role("button", name=t("Make a receipt link")).click()
    link = fund_page.locator("[data-field=recipient-link]").inner_text().strip()

    # The recipient opens the link from the coordinator's mail, in Ukrainian, without an account.
    recipient = Day(open_context(viewport=viewport, locale="uk-UA").new_page())
    recipient.page.goto(link)
    expect(recipient.page.locator("html")).to_have_attribute("lang", "uk")
    recipient.look()
    report_two_reels_short(recipient.page, generator, cables)
    recipient.look()

    # The coordinator's start page names the shortfall; its shipment's page says what is missing.
    coordinator_day = Day(fund_page)
    coordinator_day.start_page()
    expect(coordinator_day.block("Delivered, receipt not confirmed")).to_contain_text(
        t("Every delivered shipment has been confirmed by its recipient."))
    reported = coordinator_day.block("Shortfalls reported by recipients")
    expect(reported).to_contain_text(f"{cables.number} · Almere")
    coordinator_day.follow(reported.get_by_role("link", name=shipment.number))
    shortfall = fund_page.get_by_role("region", name=t("Shortfall reported by the recipient"))
    expect(shortfall).to_contain_text(cables.number)
    expect(shortfall).to_contain_text("Двох котушок бракує.")
    coordinator_day.look()
    run_tasks()
    recipient.end()
    coordinator_day.end()


@widths
def test_finance_imports_a_statement_matches_a_line_and_follows_up_an_overdue_pledge(
    open_context, viewport, finance, almere_staff, utrecht_staff, ukraine_appeal
):
    factories.sample_pledges(ukraine_appeal, almere_staff)
    overdue = factories.donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=5_000_00,
                                 expected_date=timezone.localdate() - datetime.timedelta(days=10))
    day = log_in(open_context, viewport, finance)
    page = day.page

    # Import: the statement file from the bank's website, uploaded on the statements page.
    day.menu(t("Finance"))
    day.follow(page.get_by_role("navigation", name=t("Finance")).get_by_role("link", name=t("Bank statements")))
    page.locator("input[type=file]").set_input_files(str(factories.STATEMENTS / "bng_2026-03-02_03.sta"))
    page.get_by_role("button", name=t("Import statement")).click()
    said(page, t("It waits for its turn and starts in a moment."))
    day.look()
    run_tasks()
    page.get_by_role("link", name=t("Reload")).click()
    expect(page.get_by_text(imported(10, 0, 4))).to_be_visible()
    day.look()

    # Match: the start page names the suggestion; its line's page matches it in one click.
    day.start_page()
    suggestion = day.block("Suggestions waiting").get_by_role("listitem").first
    number = re.search(r"T-\d+", suggestion.inner_text()).group()
    day.follow(suggestion.get_by_role("link"))
    line = Payment.objects.get(pk=int(re.search(r"/regels/(\d+)/", page.url).group(1)))
    page.get_by_role("button", name=t("Match to %(number)s") % {"number": number}).click()
    said(page, number)
    day.look()
    line.refresh_from_db()
    assert line.donation.number == number

    # Follow up: Utrecht's overdue pledge; finance called them and pauses the reminders, saying why.
    day.start_page()
    day.follow(day.block("Overdue pledges").get_by_role("link", name=overdue.number))
    expect(page.locator("main .status")).to_contain_text(t("overdue"))
    day.look()
    page.get_by_label(t("Note (optional)")).fill("Gebeld met Utrecht: betaalt na de raadsvergadering")
    page.get_by_role("button", name=t("Pause reminders")).click()
    expect(page.locator("[data-reminders=paused]")).to_be_visible()
    day.look()
    overdue.refresh_from_db()
    assert overdue.reminders_paused
    run_tasks()
    day.end()
