"""The start page and the header's search in a real browser: after login, by keyboard, without JavaScript."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pledges.models import OfferStatus
from tests import factories
from tests.browser.helpers import log_in_through_form, t
from tests.browser.test_accessibility import AxeReport
from tests.conftest import PASSWORD


@pytest.fixture
def axe():
    return AxeReport()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_staff_land_on_their_start_page_and_find_a_pledge_by_typing_its_number(
    open_context, axe, almere_staff, utrecht_staff, ukraine_appeal, javascript
):
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    late = factories.donation(almere, ukraine_appeal, almere_staff,
                              expected_date=timezone.localdate() - datetime.timedelta(days=3))
    utrechts = factories.donation(utrecht, ukraine_appeal, utrecht_staff)
    page = open_context(java_script_enabled=javascript).new_page()

    log_in_through_form(page, almere_staff.email, PASSWORD)

    expect(page.get_by_role("heading", level=1)).to_have_text(t("What needs you today"))
    pledges_block = page.get_by_role("region", name=t("Pledges awaiting payment"), exact=False)
    expect(pledges_block.get_by_role("link", name=late.number)).to_be_visible()
    expect(pledges_block).to_contain_text(t("overdue"))
    if javascript:  # axe-core runs in the page: only where JavaScript does
        axe.check(page)

    # By keyboard: the box is labelled, and Enter sends it; a number typed loosely opens the pledge.
    box = page.get_by_role("search", name=t("Search the ledger")).get_by_label(t("Search"))
    box.focus()
    page.keyboard.type(f" t-{late.pk} ")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(re.escape(late.get_absolute_url()) + "$"))

    # Another municipality's number reads as a number that does not exist.
    box = page.get_by_role("search", name=t("Search the ledger")).get_by_label(t("Search"))
    box.fill(utrechts.number)
    box.press("Enter")
    expect(page.locator("[data-search=missing]")).to_be_visible()
    expect(page.get_by_role("heading", name=t("What you can search for"))).to_be_visible()
    expect(box).to_have_value(utrechts.number)
    if javascript:
        axe.check(page)
    axe.assert_clean()


def test_a_coordinator_works_from_the_start_page_and_searches_by_name(
    page, axe, log_in_as, coordinator, almere_staff, ukraine_appeal
):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff,
                            description="Aggregaat voor de start")
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.PICKUP_PLANNED,
                    pickup_date=timezone.localdate())
    log_in_as(page.context, coordinator)
    page.goto("/")

    awaiting = page.get_by_role("region", name=t("Offers awaiting a decision"), exact=False)
    expect(awaiting.get_by_role("link", name=offer.number)).to_be_visible()
    axe.check(page)
    awaiting.get_by_role("link", name=t("All offers awaiting a decision")).click()
    expect(page.get_by_role("link", name=offer.number)).to_be_visible()

    search = page.get_by_role("search", name=t("Search the ledger"))
    search.get_by_label(t("Search")).fill("dam")
    search.get_by_role("button", name=t("Find")).click()
    municipalities = page.get_by_role("region", name=t("Municipalities"), exact=False)
    expect(municipalities.get_by_role("link", name="Amsterdam", exact=True)).to_be_visible()
    axe.check(page)

    search.get_by_label(t("Search")).fill("Kyiv")
    search.get_by_role("button", name=t("Find")).click()
    page.get_by_role("region", name=t("Cities and regions in Ukraine"), exact=False).get_by_role(
        "link", name=t("Needs")).first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kyiv")

    search.get_by_label(t("Search")).fill("zonnepaneel")
    search.get_by_role("button", name=t("Find")).click()
    expect(page.locator("[data-search=nothing]")).to_be_visible()
    axe.check(page)
    axe.assert_clean()


def test_finance_start_page_is_accessible(page, axe, log_in_as, finance, almere_staff, ukraine_appeal):
    factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff,
                       expected_date=timezone.localdate() - datetime.timedelta(days=3))
    factories.bank_line(250_00, counterparty_name="GEMEENTE ALMERE")
    log_in_as(page.context, finance)
    page.goto("/")

    expect(page.get_by_role("region", name=t("Overdue pledges"), exact=False)).to_contain_text("Almere")
    expect(page.get_by_role("region", name=t("Bank lines to match"), exact=False)).to_contain_text("GEMEENTE ALMERE")
    axe.check(page)
    axe.assert_clean()
