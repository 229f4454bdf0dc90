"""Issue 14's journey through Chromium: one generator from Almere's offer to "installed, in use" in Kyiv.

Almere's staff offer two diesel generators with fuel in the tank; a coordinator accepts, plans
the pickup, collects, plans a shipment to Kyiv, adds the city council as recipient organisation
(a mistyped EDRPOU code refused first), enters the NBU rate (refused while missing), sees
"Before departure" done and lets the truck leave. The five papers are downloaded from the
shipment page and read back; the QR code on the first label is decoded and opened on a 360 px
phone without an account, where the holder records "received", "installed" at a named site and
"in use" (and reads the page in English too); Almere's contribution page then shows the last
step, the public page counts the unit as in use. A label link with one character changed is
refused in Ukrainian and English.
"""

import datetime
import re
from pathlib import Path
from urllib.parse import urlsplit

import zxingcpp
from django.utils import timezone
from playwright.sync_api import expect

from pledges.models import EquipmentOffer, OfferStatus, RecipientOrganisation, Shipment, Unit
from tests import factories
from tests.browser.helpers import t
from tests.browser.test_equipment_journey import fill_almere_pickup, label
from tests.browser.test_passport_phone import PHONE, fits
from tests.documents import pdf_reader, pdf_text

COUNCIL_UK = "Виконавчий орган Київської міської ради (Київська міська державна адміністрація)"
COUNCIL_EN = "Executive Body of the Kyiv City Council (Kyiv City State Administration)"
SITE = "Лікарня № 17, вул. Салютна, 11, Київ"


def test_a_generator_goes_from_almeres_offer_to_installed_and_in_use_in_kyiv(
    open_context, log_in_as, almere_staff, coordinator, ukraine_appeal, tmp_path, settings
):
    settings.MEDIA_ROOT = tmp_path
    kyiv = factories.destination("Kyiv")
    today = timezone.localdate()
    rate_day = today - datetime.timedelta(days=1)

    # Almere's staff offer two new diesel generators, delivered with fuel in the tank.
    staff_context = open_context()
    log_in_as(staff_context, almere_staff)
    staff_page = staff_context.new_page()
    staff_page.goto("/materieel/nieuw/")
    form = staff_page.locator("main form").first
    form.get_by_label(label("category"), exact=True).select_option(value="generator")
    form.get_by_label(label("description"), exact=True).fill("Aggregaat Atlas Copco QAS 60")
    form.get_by_label(label("Quantity"), exact=True).fill("2")
    form.get_by_label(label("Power (kVA)"), exact=True).fill("60")
    form.get_by_label(label("fuel"), exact=True).select_option(value="diesel")
    form.get_by_label(label("fuel in tank"), exact=True).check()
    form.get_by_label(label("phases"), exact=True).select_option(value="3")
    form.get_by_label(label("condition"), exact=True).select_option(value="new")
    form.get_by_label(label("Estimated value per unit in euro"), exact=True).fill("12.345,67")
    form.get_by_label(label("Weight per unit (kg)"), exact=True).fill("850")
    fill_almere_pickup(form, today.isoformat())
    form.get_by_role("button", name=t("Record offer")).click()
    expect(staff_page).to_have_url(re.compile(r"/materieel/\d+/$"))
    expect(staff_page.locator("main .status")).to_have_text(t("offered"))
    offer = EquipmentOffer.objects.get()

    # A coordinator accepts it for Kyiv, plans the pickup and marks it collected.
    fund_context = open_context()
    log_in_as(fund_context, coordinator)
    fund = fund_context.new_page()
    fund.goto(offer.get_absolute_url())
    accept = fund.get_by_role("form", name=t("Accept"), exact=True)
    accept.get_by_label(label("Destination"), exact=True).select_option(value=str(kyiv.pk))
    accept.get_by_role("button", name=t("Accept offer")).click()
    expect(fund.locator("main .status")).to_have_text(t("accepted"))
    plan = fund.get_by_role("form", name=t("Plan pickup"), exact=True)
    plan.get_by_label(label("Pickup date"), exact=True).fill(today.isoformat())
    plan.get_by_role("button", name=t("Plan pickup")).click()
    expect(fund.locator("main .status")).to_have_text(t("pickup planned"))
    fund.get_by_role("form", name=t("Collected"), exact=True).get_by_role("button", name=t("Mark as collected")).click()
    expect(fund.locator("main .status")).to_have_text(t("collected"))

    # A shipment to Kyiv, not yet naming its recipient; the generators go on board.
    fund.goto("/transporten/nieuw/")
    shipment_form = fund.locator("main form.form")
    shipment_form.get_by_label(label("destination"), exact=True).select_option(value=str(kyiv.pk))
    shipment_form.get_by_label(label("carrier"), exact=True).fill("Van der Wal Transport")
    shipment_form.get_by_label(label("carrier reference"), exact=True).fill("VDW-2026-118")
    shipment_form.get_by_label(label("hub"), exact=True).fill("Depot Lelystad")
    shipment_form.get_by_label(label("planned departure"), exact=True).fill(today.isoformat())
    shipment_form.get_by_role("button", name=t("Plan shipment")).click()
    expect(fund).to_have_url(re.compile(r"/transporten/\d+/$"))
    shipment = Shipment.objects.get()
    shipment_url = fund.url
    fund.get_by_label(re.compile(re.escape(offer.number))).check()
    fund.get_by_role("button", name=t("Add to shipment")).click()
    expect(fund.locator("[data-total=offers]")).to_have_text("1")

    # "Before departure" names what is missing: the recipient and the rate.
    checklist = fund.get_by_role("region", name=t("Before departure"))
    expect(checklist.locator("li[data-done=no]")).to_have_count(2)
    expect(checklist.locator("li[data-done=no]").first).to_contain_text(
        t("Recipient organisation named, with its details complete"))
    expect(checklist.locator("li[data-done=no]").last).to_contain_text(t("NBU exchange rate of the day entered"))
    # Letting it leave anyway is refused with the same words, and nothing moves.
    fund.get_by_role("button", name=t("Mark departed")).click()
    refusal = t("%(number)s cannot depart yet: %(missing)s. Nothing was changed.") % {
        "number": shipment.number,
        "missing": f"{t('no recipient organisation is named')}; {t('no NBU exchange rate is entered')}",
    }
    expect(fund.locator(".message-error")).to_have_text(refusal)
    expect(fund.locator("main .page-head .status")).to_have_text(t("planned"))

    # Kyiv's council as recipient organisation: a mistyped EDRPOU code is refused, saying why.
    fund.goto("/ontvangers/nieuw/")
    organisation = fund.locator("main form.form")
    organisation.get_by_label(label("destination"), exact=True).select_option(value=str(kyiv.pk))
    organisation.get_by_label(label("legal name (Ukrainian)"), exact=True).fill(COUNCIL_UK)
    organisation.get_by_label(label("legal name (English)"), exact=True).fill(COUNCIL_EN)
    organisation.get_by_label(label("EDRPOU code"), exact=True).fill("04058173")
    organisation.get_by_label(label("address"), exact=True).fill("вул. Хрещатик, 36, м. Київ, 01044")
    organisation.get_by_label(label("signatory"), exact=True).fill("Олена Петренко")
    organisation.get_by_label(label("signatory's position"), exact=True).fill("заступник голови")
    organisation.get_by_label(label("contact person"), exact=True).fill("Іван Коваль")
    organisation.get_by_label(label("contact e-mail"), exact=True).fill("aid@kyivcity.gov.ua")
    organisation.get_by_label(label("contact phone"), exact=True).fill("+380 44 202 7600")
    organisation.get_by_label(label("AHARS recipient registration"), exact=True).fill("AHARS-0012345")
    organisation.get_by_label(label("registered in AHARS on"), exact=True).fill("2025-03-14")
    organisation.get_by_role("button", name=t("Add organisation")).click()
    checksum = t(
        "The check digit (the last one) of EDRPOU code %(value)s does not match: a digit is probably "
        "mistyped. Copy the code again from the organisation's extract of the register."
    ) % {"value": "04058173"}
    expect(fund.get_by_role("alert")).to_contain_text(checksum)
    assert not RecipientOrganisation.objects.exists()
    organisation.get_by_label(label("EDRPOU code"), exact=True).fill("0405 8172")
    organisation.get_by_role("button", name=t("Add organisation")).click()
    expect(fund.get_by_role("heading", level=1)).to_contain_text(COUNCIL_EN)
    expect(fund.locator("[data-field=missing]")).to_have_count(0)  # complete: nothing missing
    council = RecipientOrganisation.objects.get()
    assert council.edrpou == "04058172"

    # The shipment names it, through the checklist's link.
    fund.goto(shipment_url)
    checklist.get_by_role("link", name=t("Name the recipient")).click()
    fund.locator("main form.form").get_by_label(label("Recipient organisation"), exact=True).select_option(
        value=str(council.pk))
    fund.get_by_role("button", name=t("Save changes")).click()
    expect(fund.locator("[data-field=recipient]")).to_contain_text(COUNCIL_EN)

    # The rate sent empty is refused; then the NBU rate of yesterday is kept.
    rate = fund.get_by_role("region", name=t("NBU exchange rate"))
    rate.get_by_label(label("Date of the rate"), exact=True).fill(rate_day.isoformat())
    rate.get_by_role("button", name=t("Save the rate")).click()
    expect(fund.locator(".message-error")).to_contain_text(t("Enter the rate, such as 48,1234."))
    expect(fund.locator("[data-field=exchange-rate]")).to_have_text(t("not entered yet"))
    rate.get_by_label(label("NBU rate (UAH per EUR)"), exact=True).fill("41,2345")
    rate.get_by_label(label("Date of the rate"), exact=True).fill(rate_day.isoformat())
    rate.get_by_role("button", name=t("Save the rate")).click()
    expect(fund.locator("[data-field=exchange-rate]")).to_contain_text("41,2345")

    # Everything before departure is done; the truck leaves.
    expect(checklist.locator("li[data-done=yes]")).to_have_count(4)
    expect(checklist.locator("li[data-done=no]")).to_have_count(0)
    fund.get_by_role("button", name=t("Mark departed")).click()
    expect(fund.locator("main .page-head .status")).to_have_text(t("in transit"))

    # The five papers, downloaded from the shipment page and read back.
    def download(document: str) -> bytes:
        with fund.expect_download() as info:
            fund.locator(f'[data-document="{document}"] a').first.click()
        return Path(info.value.path()).read_bytes()

    date = rate_day.strftime("%d.%m.%Y")
    gift = pdf_text(download("gift_letter"))
    for expected in ("Дарчий лист", "Gift letter", "Stichting VNG Fonds", COUNCIL_UK, COUNCIL_EN, "04058172",
                     "AHARS-0012345", "14.03.2025", shipment.number, offer.number, "Aggregaat Atlas Copco QAS 60",
                     "гуманітарну допомогу", "humanitarian aid"):
        assert expected in gift, expected
    # Two at 12 345,67 EUR each.
    assert "2 12 345,67 24 691,34" in gift and "2 12,345.67 24,691.34" in gift
    assert "24 691,34 EUR" in gift and "EUR 24,691.34" in gift

    act = pdf_text(download("act"))
    for expected in ("Акт приймання-передачі", "Act of acceptance-transfer", "Stichting VNG Fonds", COUNCIL_UK,
                     COUNCIL_EN, "04058172", "Олена Петренко", offer.number):
        assert expected in act, expected
    assert f"офіційним курсом НБУ на {date}: 1 EUR = 41,2345 UAH" in act
    assert f"official NBU rate of {date}: 1 EUR = 41.2345 UAH" in act
    # 12 345,67 EUR × 41,2345 = 509 067,5300 UAH a unit; two are 1 018 135,06 UAH.
    assert "2 12 345,67 24 691,34 509 067,53 1 018 135,06" in act
    assert "2 12,345.67 24,691.34 509,067.53 1,018,135.06" in act
    assert "24 691,34 EUR = 1 018 135,06 грн" in act and "UAH 1,018,135.06" in act

    cmr = pdf_text(download("cmr"))
    for expected in ("Stichting VNG Fonds", COUNCIL_EN, "Київ / Kyiv", "Depot Lelystad", "Van der Wal Transport",
                     "VDW-2026-118", "Aggregaat Atlas Copco QAS 60", "1 700,0 kg", "UN 3528", "UN 1202"):
        assert expected in cmr, expected

    dangerous = pdf_text(download("dangerous_goods"))
    assert "UN 3528 ENGINE, INTERNAL COMBUSTION, FLAMMABLE LIQUID POWERED" in dangerous
    assert "3 2 1 700,0 kg" in dangerous  # class 3, two units
    assert "Одиниць / Units: 2 · UN 1202 паливо дизельне / diesel fuel" in dangerous
    assert "LITHIUM" not in dangerous

    labels = download("labels")
    labels_text = pdf_text(labels)
    for expected in (f"{offer.number}/1", f"{offer.number}/2", "Almere", "Київ / Kyiv", shipment.number):
        assert expected in labels_text, expected
    links = [found.text for page in pdf_reader(labels).pages for image in page.images
             for found in zxingcpp.read_barcodes(image.image)]
    assert len(set(links)) == 2, links
    link = links[0]
    assert urlsplit(link).path.startswith("/paspoort/")

    # The truck arrives.
    fund.get_by_role("button", name=t("Mark delivered")).click()
    expect(fund.locator("main .page-head .status")).to_have_text(t("delivered"))

    # The holder in Kyiv scans the first label: a 360 px phone, no account, no script.
    phone = open_context(locale="uk-UA", viewport=PHONE, java_script_enabled=False).new_page()
    phone.goto(link)
    expect(phone.locator("html")).to_have_attribute("lang", "uk")
    expect(phone.locator("h1")).to_contain_text(f"{offer.number}/1")
    expect(phone.locator("main")).to_contain_text("Aggregaat Atlas Copco QAS 60")
    expect(phone.locator("main")).to_contain_text("Almere")
    assert fits(phone)

    def record(step: str, site: str = "") -> None:
        phone.get_by_role("radio", name=t(step, "uk"), exact=True).check()
        if site:
            phone.get_by_label(t("Site", "uk")).fill(site)
        phone.get_by_role("button", name=t("Record this step", "uk")).click()
        expect(phone.locator(".message-success")).to_contain_text(t(step, "uk"))
        assert fits(phone)

    record("received")
    record("installed", SITE)
    record("in use")
    steps = phone.locator("#steps li")
    expect(steps).to_have_count(3)
    expect(steps.nth(0)).to_have_attribute("data-step", "in_use")
    expect(steps.nth(1)).to_have_attribute("data-step", "installed")
    expect(steps.nth(1)).to_contain_text(SITE)
    expect(steps.nth(2)).to_have_attribute("data-step", "received")
    expect(phone.locator("[data-field=last-step]")).to_contain_text(f"{t('in use', 'uk')} · {SITE}")
    unit = Unit.objects.get(offer=offer, serial=1)
    assert (unit.last_step, unit.last_site) == ("in_use", SITE)
    # The same page in English, for a holder who reads no Ukrainian.
    phone.get_by_role("link", name="English").click()
    expect(phone.locator("html")).to_have_attribute("lang", "en")
    expect(phone.locator("h1")).to_have_text(f"Passport of unit {offer.number}/1")
    expect(phone.locator("[data-field=last-step]")).to_contain_text(f"in use · {SITE}")
    assert fits(phone)

    # The public page of the appeal counts it among the units in use.
    settings.PUBLIC_DASHBOARDS = True
    public = open_context().new_page()
    public.goto(f"/openbaar/{ukraine_appeal.pk}/")
    steps_now = public.locator("[data-section=unit-steps]")
    expect(steps_now.locator("dd[data-step=in_use]")).to_have_text("1")
    expect(steps_now.locator("dd[data-step=none]")).to_have_text("1")

    # Almere's staff see it on their contribution page: one in use at the hospital, one not scanned yet.
    staff_page.goto(f"/bijdrage/{almere_staff.municipality.code}/")
    summary = staff_page.locator(f'article:has(#offer-{offer.pk}) [data-field="unit-steps"]')
    expect(summary).to_contain_text(t("%(count)d %(step)s in %(site)s") % {"count": 1, "step": t("in use"), "site": SITE})
    expect(summary).to_contain_text(t("%(count)d without a step yet") % {"count": 1})

    # The same label's link with one character changed: refused, in Ukrainian and in English.
    token = urlsplit(link).path.removeprefix("/paspoort/").strip("/")
    position = len(token) - 5
    swapped = "A" if token[position] != "A" else "B"
    tampered = link.replace(token, token[:position] + swapped + token[position + 1:])
    response = phone.goto(tampered)
    assert response.status == 400
    expect(phone.locator("h1")).to_have_text(t("This label's link does not work", "uk"))
    invalid = ("This link is not a valid unit label. Scan the label again, check that you copied the whole link, "
               "or ask the VNG Fonds.")
    expect(phone.locator("main [lang=uk]")).to_contain_text(t(invalid, "uk"))
    expect(phone.locator("main [lang=en]")).to_contain_text(invalid)
    expect(phone.locator("main")).not_to_contain_text(offer.number)
    assert fits(phone)
    assert Unit.objects.get(pk=unit.pk).last_step == "in_use"
