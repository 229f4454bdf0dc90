"""The printable packing list in Chromium: all sixteen columns fit landscape A4 and the screen.

Measured, not assumed: the page is laid out as the browser prints it (print media, the
width of landscape A4 inside the page's margins) and as a 1280-pixel screen shows it, with
long descriptions and large amounts, and its table must not be wider than its box.
"""

from decimal import Decimal

import pytest

from pledges.models import OfferStatus
from tests import factories

# Landscape A4 (297 mm) less the 1 cm margins of @page, in CSS pixels (96 per inch).
PRINTABLE_WIDTH = round((297 - 20) / 25.4 * 96)
A4_LANDSCAPE_HEIGHT = round(210 / 25.4 * 96)


@pytest.fixture
def loaded_shipment(ukraine_appeal, almere_staff):
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(ukraine_appeal, kyiv)
    offers = [
        factories.offer(
            almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED, destination=kyiv,
            category=category, description=f"Aggregaat Atlas Copco QAS 250 met verdeelkast en kabelhaspel, nr. {n}",
            quantity=12, power_kva=Decimal("1250.5"), weight_kg=Decimal("2500.5"), value_cents=124_999_99,
            condition="needs_repair", year=2019, fuel_in_tank=True, lithium_batteries=True,
        )
        for n, category in enumerate(["generator", "battery", "transformer", "solar"])
    ]
    factories.on_board(shipment, *offers)
    return shipment


def table_overflow(page) -> dict:
    """How wide the packing list's table is against the box it sits in, in CSS pixels."""
    return page.evaluate(
        """() => {
            const box = document.querySelector('.packing-list .table-scroll');
            const table = box.querySelector('table');
            return {table: table.scrollWidth, box: box.clientWidth, page: document.documentElement.scrollWidth};
        }"""
    )


def test_the_packing_list_fits_landscape_a4_when_printed(open_context, log_in_as, coordinator, loaded_shipment):
    context = open_context(viewport={"width": PRINTABLE_WIDTH, "height": A4_LANDSCAPE_HEIGHT})
    log_in_as(context, coordinator)
    page = context.new_page()
    page.goto(f"/transporten/{loaded_shipment.pk}/paklijst/")
    page.emulate_media(media="print")

    widths = table_overflow(page)

    assert widths["table"] <= widths["box"] <= PRINTABLE_WIDTH, widths
    assert widths["page"] <= PRINTABLE_WIDTH, widths


def test_the_packing_list_fits_a_laptop_screen(open_context, log_in_as, coordinator, loaded_shipment):
    context = open_context(viewport={"width": 1280, "height": 800})
    log_in_as(context, coordinator)
    page = context.new_page()
    page.goto(f"/transporten/{loaded_shipment.pk}/paklijst/")

    widths = table_overflow(page)

    assert widths["table"] <= widths["box"], widths
    assert widths["page"] <= 1280, widths
