"""The recipient in Kyiv, on a small phone without JavaScript, reports one item short and confirms the rest.

Then the coordinator finds the shortfall in their mail and on the shipment page, and the
municipality's staff on the read-only view of the shipment their offer travelled on.
"""

import re

from django.core import mail
from playwright.sync_api import expect

from pledges.equipment.workflow import Actor
from pledges.logistics.receipts import make_token
from pledges.logistics.services import move_shipment
from pledges.models import EquipmentOffer, OfferStatus, ReceiptConfirmation, Shipment
from tests import factories
from tests.browser.helpers import t
from tests.browser.test_accessibility import AxeReport
from tests.tasks import run_tasks

PHONE = {"width": 360, "height": 740}


def fits(page) -> bool:
    """No sideways scrolling of the whole page."""
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def delivered_shipment(coordinator, almere_staff, appeal) -> tuple[Shipment, EquipmentOffer, EquipmentOffer]:
    """A shipment delivered to Kyiv with two generators and seven cable reels of Almere; its mails sent."""
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(appeal, kyiv)
    generator, cables = [
        factories.offer(
            almere_staff.municipality, appeal, almere_staff, status=OfferStatus.COLLECTED,
            destination=kyiv, quantity=quantity, description=description, **fields,
        )
        for description, quantity, fields in (
            ("Aggregaat Caterpillar 100 kVA op aanhanger met verdeelkast", 2, {"power_kva": "100.0", "fuel": "diesel"}),
            ("Kabelhaspel 50 m", 7, {"category": "cable"}),
        )
    ]
    factories.on_board(shipment, generator, cables)
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    move_shipment(shipment, Shipment.Status.DELIVERED, Actor.of(coordinator))
    run_tasks()
    mail.outbox.clear()
    return shipment, generator, cables


def report_two_reels_short(page, generator: EquipmentOffer, cables: EquipmentOffer) -> None:
    """On the recipient's page in Ukrainian: five of the seven reels arrived, the rest all as sent."""
    item = page.locator(f"#item-{cables.pk}")
    expect(item).to_contain_text(t("cable", "uk"))
    # Seven reels were sent, five arrived.
    item.get_by_role("radio", name=t("fewer received", "uk")).check()
    item.get_by_label(t("Quantity received", "uk")).fill("5")
    item.get_by_label(t("Note (optional)", "uk")).fill("Двох котушок бракує.")
    item.get_by_role("button", name=re.compile(re.escape(cables.number))).click()
    expect(page.locator(f"#item-{cables.pk} .status")).to_contain_text("5 з 7")
    # The generators arrived as sent: the one button for the rest.
    page.get_by_role("button", name=t("Confirm all as received", "uk")).click()
    expect(page.locator(f"#item-{generator.pk} .status")).to_contain_text("2 з 2")
    expect(page.get_by_role("button", name=t("Confirm all as received", "uk"))).to_have_count(0)


def test_the_recipient_reports_a_shortfall_on_a_360_pixel_phone(
    open_context, live_server, coordinator, almere_staff, ukraine_appeal, log_in_as
):
    shipment, generator, cables = delivered_shipment(coordinator, almere_staff, ukraine_appeal)
    link = f"/ontvangst/{make_token(shipment)}/"

    phone = open_context(locale="uk-UA", viewport=PHONE, java_script_enabled=False).new_page()
    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "uk")
    report_two_reels_short(phone, generator, cables)

    receipts = {receipt.offer_id: receipt for receipt in ReceiptConfirmation.objects.all()}
    assert (receipts[cables.pk].outcome, receipts[cables.pk].quantity_received) == ("fewer", 5)
    assert (receipts[generator.pk].outcome, receipts[generator.pk].quantity_received) == ("received", 2)

    # The same page, with JavaScript for the measuring only: it fits the phone and passes axe.
    measured = open_context(locale="uk-UA", viewport=PHONE).new_page()
    measured.goto(link)
    assert fits(measured)
    axe = AxeReport()
    axe.check(measured)
    measured.goto(f"{link}?lang=en")
    assert fits(measured)
    axe.check(measured)

    # The coordinator hears of it and sees it on the shipment page.
    run_tasks()
    [alert] = [message for message in mail.outbox if message.to == [coordinator.email]]
    assert shipment.number in alert.subject and cables.number in alert.subject
    context = open_context(viewport={"width": 1280, "height": 800})
    log_in_as(context, coordinator)
    fund_page = context.new_page()
    fund_page.goto(shipment.get_absolute_url())
    shortfall = fund_page.get_by_role("region", name=t("Shortfall reported by the recipient"))
    expect(shortfall).to_contain_text(cables.number)
    expect(shortfall).to_contain_text("Двох котушок бракує.")
    axe.check(fund_page)

    # Almere's staff follow their offer to the shipment: read-only, on their phone too.
    staff_context = open_context(viewport=PHONE)
    log_in_as(staff_context, almere_staff)
    staff_page = staff_context.new_page()
    staff_page.goto(cables.get_absolute_url())
    staff_page.get_by_role("link", name=str(shipment)).click()
    expect(staff_page.get_by_role("region", name=t("Shortfall reported by the recipient"))).to_contain_text(
        cables.number
    )
    expect(staff_page.locator("main button")).to_have_count(0)  # nothing to change here
    assert fits(staff_page)
    axe.check(staff_page)
    axe.assert_clean()
