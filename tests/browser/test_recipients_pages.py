"""The recipient organisations' pages and the shipment's "Before departure": accessible, on a desk and a phone."""

import pytest
from playwright.sync_api import expect

from pledges.models import OfferStatus
from tests import factories
from tests.browser.helpers import t
from tests.browser.test_accessibility import AxeReport
from tests.browser.test_equipment_journey import label

pytestmark = pytest.mark.browser


@pytest.mark.parametrize("width", [1280, 360])
def test_a_coordinator_adds_an_organisation_and_plans_its_shipment_on_accessible_pages(
    page, coordinator, almere_staff, ukraine_appeal, log_in_as, width
):
    axe = AxeReport()
    page.set_viewport_size({"width": width, "height": 800})
    kharkiv = factories.destination("Kharkiv")
    log_in_as(page.context, coordinator)

    page.goto("/transporten/")
    page.get_by_role("link", name=t("Recipient organisations")).click()
    axe.check(page)
    page.get_by_role("link", name=t("Add a recipient organisation")).click()
    form = page.locator("main form.form")
    form.get_by_label(label("destination"), exact=True).select_option(value=str(kharkiv.pk))
    form.get_by_label(label("legal name (Ukrainian)"), exact=True).fill("Виконавчий комітет Харківської міської ради")
    form.get_by_label(label("legal name (English)"), exact=True).fill("Executive Committee of Kharkiv City Council")
    form.get_by_label(label("EDRPOU code"), exact=True).fill("34059241")
    form.get_by_label(label("address"), exact=True).fill("майдан Конституції, 7, м. Харків")
    form.get_by_role("button", name=t("Add organisation")).click()
    expect(page.get_by_role("alert")).to_contain_text("34059241")  # the check digit does not match
    axe.check(page)

    form.get_by_label(label("EDRPOU code"), exact=True).fill("3405 9240")
    form.get_by_role("button", name=t("Add organisation")).click()
    expect(page.locator("[data-field=missing]")).to_be_visible()  # no signatory, contact or AHARS yet
    axe.check(page)

    shipment = factories.shipment(ukraine_appeal, kharkiv, ready=False)
    factories.on_board(shipment, factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff,
                                                 status=OfferStatus.COLLECTED, destination=kharkiv))
    page.goto(shipment.get_absolute_url())
    expect(page.get_by_role("heading", name=t("Before departure"))).to_be_visible()
    axe.check(page)
    page.get_by_role("link", name=t("Name the recipient")).click()
    axe.check(page)
    axe.assert_clean()
