"""The equipment table fits a 1280 px screen: every column visible, no number broken in two."""

from playwright.sync_api import expect

from pledges.models import OfferStatus
from tests import factories
from tests.browser.helpers import t
from tests.browser.test_accessibility import AxeReport


def test_the_equipment_table_fits_a_1280_pixel_screen(
    open_context, coordinator, almere_staff, utrecht_staff, ukraine_appeal, log_in_as
):
    kharkiv = factories.destination("Kharkiv")
    for staff, status in [(almere_staff, OfferStatus.OFFERED), (utrecht_staff, OfferStatus.ACCEPTED)]:
        factories.offer(
            staff.municipality, ukraine_appeal, staff, status=status, destination=kharkiv,
            description="Aggregaat Atlas Copco QAS 60, 3-fase, met kabelhaspel en verdeelkast",
            quantity=12, value_cents=12_345_678_00 // 12, fuel_in_tank=True,
        )
    context = open_context(viewport={"width": 1280, "height": 800})
    log_in_as(context, coordinator)
    page = context.new_page()

    page.goto("/materieel/")

    region = page.get_by_role("region", name=t("Table"))
    expect(region).to_have_attribute("tabindex", "0")
    widths = region.evaluate("r => ({region: r.clientWidth, table: r.querySelector('table').scrollWidth})")
    assert widths["table"] <= widths["region"], widths
    numbers = page.locator("table.ledger tbody td.nowrap a")
    expect(numbers).to_have_count(2)
    for number in numbers.all():
        assert number.evaluate("a => a.getClientRects().length") == 1  # "M-000004", not "M-/000004"
    axe = AxeReport()
    axe.check(page)
    axe.assert_clean()
