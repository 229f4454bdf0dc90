"""Whoever holds a generator in Kharkiv scans its label on a 360 px phone without JavaScript and records that it is installed."""

from playwright.sync_api import expect

from pledges.equipment.workflow import Actor
from pledges.logistics.services import add_offers, move_shipment
from pledges.models import Event, OfferStatus, Shipment, Unit
from pledges.passports.links import passport_path
from tests import factories
from tests.browser.helpers import t

PHONE = {"width": 360, "height": 740}


def fits(page) -> bool:
    """No sideways scrolling of the whole page."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_the_holder_records_a_step_on_a_360_pixel_phone(open_context, live_server, coordinator, almere_staff, ukraine_appeal, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    kharkiv = factories.destination("Kharkiv")
    generator = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED, destination=kharkiv,
        quantity=2, description="Aggregaat Pramac GSW30 op aanhanger met verdeelkast en extra lange kabelhaspel",
    )
    shipment = factories.shipment(ukraine_appeal, kharkiv)
    add_offers(shipment, [generator.pk], Actor.of(coordinator))
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    unit = Unit.objects.get(offer=generator, serial=2)
    photo = tmp_path / "installed.jpg"
    photo.write_bytes(factories.image_bytes())

    phone = open_context(locale="uk-UA", viewport=PHONE, java_script_enabled=False).new_page()
    phone.goto(passport_path(unit))
    expect(phone.locator("html")).to_have_attribute("lang", "uk")
    expect(phone.locator("h1")).to_contain_text(unit.number)
    assert fits(phone)

    phone.get_by_role("radio", name=t("installed", "uk"), exact=True).check()
    phone.get_by_label(t("Site", "uk")).fill("Пологовий будинок № 1, Харків")
    phone.get_by_label(t("Position (optional)", "uk")).fill("49.9935 36.2304")
    phone.get_by_label(t("Photo (optional)", "uk")).set_input_files(str(photo))
    phone.get_by_role("button", name=t("Record this step", "uk")).click()

    expect(phone.locator(".message-success")).to_contain_text(t("installed", "uk"))
    step = phone.locator('#steps li[data-step="installed"]')
    expect(step).to_contain_text("Пологовий будинок № 1, Харків")
    expect(step).to_contain_text("49.99350, 36.23040")
    expect(step.get_by_role("link", name=t("Photo", "uk"))).to_have_count(1)
    assert fits(phone)
    event = Event.objects.get(unit=unit)
    assert event.data["custody"]["step"] == "installed"

    # Sent without choosing the site: refused in Ukrainian, still without sideways scrolling.
    phone.get_by_role("radio", name=t("installed", "uk"), exact=True).check()
    phone.get_by_role("button", name=t("Record this step", "uk")).click()
    expect(phone.locator(".error-summary")).to_contain_text(t("Name the site where the unit is installed.", "uk"))
    assert fits(phone)
    assert Event.objects.filter(unit=unit).count() == 1

    # A label's link cut short when typed over: refused in Ukrainian and English, on the phone too.
    phone.goto(passport_path(unit)[:-6] + "/")
    expect(phone.locator("h1")).to_have_text(t("This label's link does not work", "uk"))
    expect(phone.locator("main")).to_contain_text("This label's link does not work")
    assert fits(phone)
