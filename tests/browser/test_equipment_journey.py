"""The equipment journey of issue 3, driven through Chromium from offer to confirmed receipt.

Staff of Almere offer a generator against Kyiv's need, a coordinator accepts it, plans the
pickup, marks it collected, puts it on a shipment to Kyiv and moves that to delivered; the
recipient confirms through the link in Ukrainian, without an account; Almere's staff then
see the whole timeline. Every step's e-mail must reach the right people.
"""

import datetime
import itertools
import re

from django.utils import timezone
from django.utils.text import capfirst
from playwright.sync_api import expect

from pledges.models import EquipmentOffer, OfferStatus, ReceiptConfirmation, Shipment
from tests import factories
from tests.browser.helpers import t
from tests.tasks import run_tasks


def test_a_generator_travels_from_almere_to_kyiv_and_the_city_confirms_it(
    open_context,
    live_server,
    log_in_as,
    almere_staff,
    coordinator,
    ukraine_appeal,
    mailoutbox,
):
    kyiv = factories.destination("Kyiv")
    # Kyiv's need, as a coordinator keeps it on the needs list.
    kyiv_need = factories.need(ukraine_appeal, kyiv, quantity=4, min_power_kva=50)
    today = timezone.localdate()

    # Staff of Almere offer a generator that answers Kyiv's need.
    staff_context = open_context()
    log_in_as(staff_context, almere_staff)
    staff_page = staff_context.new_page()
    staff_page.goto("/materieel/nieuw/")
    form = staff_page.locator("main form").first
    form.get_by_label(label("category"), exact=True).select_option(value="generator")
    form.get_by_label(label("description"), exact=True).fill(
        "Aggregaat Atlas Copco QAS 60, 3-fase"
    )
    form.get_by_label(label("Quantity"), exact=True).fill("1")
    form.get_by_label(label("Power (kVA)"), exact=True).fill("60,5")
    form.get_by_label(label("fuel"), exact=True).select_option(value="diesel")
    form.get_by_label(label("phases"), exact=True).select_option(value="3")
    form.get_by_label(label("condition"), exact=True).select_option(value="used")
    form.get_by_label(label("Estimated value per unit in euro"), exact=True).fill(
        "12.500"
    )
    form.get_by_label(label("Weight per unit (kg)"), exact=True).fill("1250")
    fill_almere_pickup(form, today.isoformat())
    form.get_by_label(label("Answers need"), exact=True).select_option(
        value=str(kyiv_need.pk)
    )
    form.get_by_role("button", name=t("Record offer")).click()

    expect(staff_page).to_have_url(re.compile(r"/materieel/\d+/$"))
    offer = EquipmentOffer.objects.get()
    assert offer.municipality == almere_staff.municipality
    assert offer.need == kyiv_need
    assert offer.pickup_postcode == "1315 RA"
    assert offer.status == OfferStatus.OFFERED
    expect(staff_page.locator("main .status")).to_have_text(t("offered"))
    assert_mail(
        mailoutbox,
        [coordinator.email],
        t("New equipment offer %(number)s from %(municipality)s")
        % {"number": offer.number, "municipality": "Almere"},
    )

    # The coordinator accepts it for Kyiv, plans the pickup and marks it collected.
    fund_context = open_context()
    log_in_as(fund_context, coordinator)
    fund_page = fund_context.new_page()
    fund_page.goto(offer.get_absolute_url())
    accept = fund_page.get_by_role("form", name=t("Accept"), exact=True)
    expect(accept.get_by_label(label("Destination"), exact=True)).to_have_value(
        str(kyiv.pk)
    )  # from the need
    accept.get_by_label(label("Destination"), exact=True).select_option(
        value=str(kyiv.pk)
    )
    accept.get_by_role("button", name=t("Accept offer")).click()
    expect(fund_page.locator("main .status")).to_have_text(t("accepted"))
    assert_mail(mailoutbox, [almere_staff.email], status_subject(offer, "accepted"))

    pickup_day = today + datetime.timedelta(days=1)
    plan = fund_page.get_by_role("form", name=t("Plan pickup"), exact=True)
    plan.get_by_label(label("Pickup date"), exact=True).fill(pickup_day.isoformat())
    plan.get_by_role("button", name=t("Plan pickup")).click()
    expect(fund_page.locator("main .status")).to_have_text(t("pickup planned"))
    offer.refresh_from_db()
    assert offer.pickup_date == pickup_day

    collect = fund_page.get_by_role("form", name=t("Collected"), exact=True)
    collect.get_by_role("button", name=t("Mark as collected")).click()
    expect(fund_page.locator("main .status")).to_have_text(t("collected"))
    assert_mail(mailoutbox, [almere_staff.email], status_subject(offer, "collected"))

    # A shipment to Kyiv takes it there, to the city's council, at the NBU rate of the day.
    council = factories.recipients_organisation(kyiv)
    fund_page.goto("/transporten/nieuw/")
    shipment_form = fund_page.locator("main form.form")
    shipment_form.get_by_label(label("destination"), exact=True).select_option(
        value=str(kyiv.pk)
    )
    shipment_form.get_by_label(label("carrier"), exact=True).fill(
        "Van der Wal Transport"
    )
    shipment_form.get_by_label(label("carrier reference"), exact=True).fill(
        "VDW-2026-118"
    )
    shipment_form.get_by_label(label("hub"), exact=True).fill("Depot Lelystad")
    shipment_form.get_by_label(label("planned departure"), exact=True).fill(
        today.isoformat()
    )
    shipment_form.get_by_label(label("planned arrival"), exact=True).fill(
        (today + datetime.timedelta(days=4)).isoformat()
    )
    shipment_form.get_by_label(label("Recipient organisation"), exact=True).select_option(value=str(council.pk))
    shipment_form.get_by_role("button", name=t("Plan shipment")).click()
    expect(fund_page).to_have_url(re.compile(r"/transporten/\d+/$"))
    shipment = Shipment.objects.get()
    assert shipment.destination == kyiv

    fund_page.get_by_label(re.compile(re.escape(offer.number))).check()
    fund_page.get_by_role("button", name=t("Add to shipment")).click()
    expect(fund_page.locator("[data-total=offers]")).to_have_text("1")
    expect(fund_page.get_by_role("region", name=t("Offers on board"))).to_contain_text(
        offer.number
    )

    rate = fund_page.get_by_role("region", name=t("NBU exchange rate"))
    rate.get_by_label(label("NBU rate (UAH per EUR)"), exact=True).fill("48,1234")
    rate.get_by_role("button", name=t("Save the rate")).click()
    expect(fund_page.locator("[data-field=exchange-rate]")).to_contain_text("48,1234")
    fund_page.get_by_role("button", name=t("Mark departed")).click()
    expect(fund_page.locator("main .page-head .status")).to_have_text(t("in transit"))
    offer.refresh_from_db()
    assert offer.status == OfferStatus.IN_TRANSIT

    fund_page.get_by_role("button", name=t("Mark delivered")).click()
    expect(fund_page.locator("main .page-head .status")).to_have_text(t("delivered"))
    offer.refresh_from_db()
    assert offer.status == OfferStatus.DELIVERED
    assert_mail(mailoutbox, [almere_staff.email], status_subject(offer, "delivered"))

    fund_page.get_by_role("button", name=t("Make a receipt link")).click()
    link_box = fund_page.locator("[data-field=recipient-link]")
    expect(link_box).to_contain_text("/ontvangst/")
    link = link_box.inner_text().strip()

    # The recipient in Kyiv opens the link without an account and confirms in Ukrainian.
    recipient_page = open_context(locale="uk-UA").new_page()
    recipient_page.goto(link)
    expect(recipient_page.locator("html")).to_have_attribute("lang", "uk")
    expect(recipient_page.get_by_role("heading", level=1)).to_have_text(
        "Підтвердження отримання"
    )
    item = recipient_page.locator(f"#item-{offer.pk}")
    expect(item).to_contain_text(offer.description)
    item.get_by_label(t("Note (optional)", "uk")).fill(
        "Отримано в доброму стані, працює."
    )
    item.get_by_role("button", name=re.compile(re.escape(offer.number))).click()
    expect(recipient_page.locator(f"#item-{offer.pk} .status")).to_be_visible()
    expect(recipient_page.locator("html")).to_have_attribute("lang", "uk")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.CONFIRMED
    receipt = ReceiptConfirmation.objects.get()
    assert receipt.note == "Отримано в доброму стані, працює."
    assert_mail(mailoutbox, [almere_staff.email], status_subject(offer, "confirmed"))

    # Almere's staff see the whole journey on the offer's page.
    staff_page.goto(offer.get_absolute_url())
    expect(staff_page.locator("main .status").first).to_have_text(
        t("receipt confirmed")
    )
    history = staff_page.get_by_role("region", name=t("History"))
    expect(history).to_contain_text(t("receipt confirmed"))
    moves = [
        re.sub(r"\s+", " ", text).strip()
        for text in history.locator(
            "li > p:not(.timeline-head):not(.note)"
        ).all_inner_texts()
    ]
    steps = [
        "offered",
        "accepted",
        "pickup planned",
        "collected",
        "in transit",
        "delivered",
        "receipt confirmed",
    ]
    expected = [t(steps[0])] + [
        f"{t(before)} → {t(after)}" for before, after in itertools.pairwise(steps)
    ]
    assert moves == expected, moves
    expect(history).to_contain_text(
        "Отримано в доброму стані, працює."
    )  # the recipient's note

    # One mail per step, each to the right people, and no other mail.
    run_tasks()
    assert len(mailoutbox) == 5, [(mail.subject, mail.to) for mail in mailoutbox]


def label(text: str) -> str:
    """A form field's label as Django renders it: translated, capitalised, with a colon."""
    return f"{capfirst(t(text))}:"


def fill_almere_pickup(form, available_from: str) -> None:
    """The offer form's pickup and contact fields, as Almere's staff fill them in."""
    form.get_by_label(label("pickup address"), exact=True).fill("Stadhuisplein 1")
    form.get_by_label(label("postcode"), exact=True).fill("1315 RA")
    form.get_by_label(label("place"), exact=True).fill("Almere")
    form.get_by_label(label("available from"), exact=True).fill(available_from)
    form.get_by_label(label("contact person"), exact=True).fill("Anouk de Vries")
    form.get_by_label(label("contact e-mail"), exact=True).fill("materieel@almere.nl")


def status_subject(offer: EquipmentOffer, status: str) -> str:
    label = t(OfferStatus(status).label)
    return t("Your offer %(number)s: %(status)s") % {
        "number": offer.number,
        "status": label,
    }


def assert_mail(mailoutbox, recipients: list[str], subject: str) -> None:
    """Exactly one mail with `subject` (or containing it) went to exactly `recipients`, once the worker ran."""
    run_tasks()
    matching = [mail for mail in mailoutbox if subject in mail.subject]
    assert len(matching) == 1, [(mail.subject, mail.to) for mail in mailoutbox]
    assert sorted(matching[0].to) == sorted(recipients)
