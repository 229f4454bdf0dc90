"""The recipient organisation reports the use of a delivered shipment on a 360 px phone, without JavaScript."""

from django.utils import timezone
from playwright.sync_api import expect

from pledges.models import Event, UsageReport
from pledges.usage.links import make_token
from tests.browser.helpers import t
from tests.browser.test_accessibility import AxeReport
from tests.browser.test_recipient_confirmation import PHONE, fits
from tests.usage.conftest import usage_delivered


def test_the_recipient_reports_the_use_on_a_360_pixel_phone(open_context, live_server, coordinator, almere_staff,
                                                            ukraine_appeal, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    shipment = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80)
    link = f"/gebruik/{make_token(shipment)}/"

    phone = open_context(locale="uk-UA", viewport=PHONE, java_script_enabled=False).new_page()
    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "uk")
    expect(phone.get_by_role("heading", level=1)).to_have_text(t("Report on the use of the aid", "uk"))
    phone.get_by_role("button", name=t("Send the report", "uk")).click()
    expect(phone.locator(".error-summary")).to_contain_text(t("Upload a report file or describe the use (or both).", "uk"))
    phone.get_by_label(t("How are the goods used?", "uk")).fill("Живить насосну станцію №2.")
    phone.get_by_role("button", name=t("Send the report", "uk")).click()
    expect(phone.locator(".message-success")).to_contain_text(
        t("Thank you. Your report on the use of the aid is received.", "uk"))

    assert UsageReport.objects.get(shipment=shipment).description == "Живить насосну станцію №2."
    assert shipment.events.filter(kind=Event.Kind.USAGE_REPORT).count() == 1
    assert timezone.localdate(UsageReport.objects.get().submitted_at) == timezone.localdate()

    measured = open_context(locale="uk-UA", viewport=PHONE).new_page()
    axe = AxeReport()
    for url in (link, f"{link}?lang=en", f"/gebruik/{make_token(shipment)}x/"):
        measured.goto(url)
        assert fits(measured), url
        axe.check(measured)
    axe.assert_clean()


def test_the_coordinator_finds_the_late_recipient_on_a_phone(open_context, live_server, coordinator, almere_staff,
                                                             ukraine_appeal, log_in_as, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    late = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=100)
    context = open_context(viewport=PHONE)
    log_in_as(context, coordinator)
    page = context.new_page()
    axe = AxeReport()

    page.goto("/")
    block = page.get_by_role("region", name=f"1 {t('Usage reports late')}")
    expect(block).to_contain_text(late.number)
    assert fits(page)
    block.get_by_role("link", name=t("All usage reports due and late")).click()
    late_section = page.get_by_role("region", name=f"{t('Late: due date passed, no report')} (1)")
    expect(late_section).to_contain_text(late.number)
    assert fits(page)
    axe.check(page)
    late_section.get_by_role("link", name=late.number).click()
    usage = page.get_by_role("region", name=t("Usage report"))
    expect(usage).to_contain_text(t("overdue"))
    link = usage.locator("[data-usage-link]").get_attribute("href")
    assert fits(page)
    axe.check(page)
    axe.assert_clean()

    phone = open_context(viewport=PHONE, java_script_enabled=False).new_page()
    phone.goto(link.replace(settings.LEDGER_URL, live_server.url))
    expect(phone.get_by_role("heading", level=1)).to_have_text(t("Report on the use of the aid", "uk"))
