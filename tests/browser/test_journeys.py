"""The core journeys, driven through Chromium the way people use the ledger."""

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pledges.models import Donation, Municipality
from tests import factories
from tests.browser.helpers import cents, log_in_through_form, t
from tests.conftest import PASSWORD
from tests.tasks import run_tasks

MISTYPED_IBAN = "NL91 ABNA 0417 1643 01"  # the last digit breaks the check digits
CORRECT_IBAN = "NL91 ABNA 0417 1643 00"


def record_pledge(page, amount: str, iban: str) -> None:
    """Fill in the new pledge form as staff do (a council decision, due in a month) and send it."""
    page.get_by_label(t("Amount in euro")).fill(amount)
    page.get_by_label(t("paying IBAN"), exact=False).fill(iban)
    page.get_by_label(t("council/college decision"), exact=False).fill("Raadsbesluit 2026/118")
    in_a_month = timezone.localdate() + datetime.timedelta(days=30)
    page.get_by_label(t("expected transfer date"), exact=False).fill(in_a_month.isoformat())
    page.get_by_role("button", name=t("Record pledge")).click()


@pytest.mark.parametrize("javascript", [True, False], ids=["with-js", "without-js"])
def test_it_lets_staff_pledge_money_and_shows_the_payment_instructions(
    open_context, live_server, almere_staff, ukraine_appeal, mailoutbox, javascript
):
    page = open_context(java_script_enabled=javascript).new_page()
    log_in_through_form(page, almere_staff.email, PASSWORD)

    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("New pledge")).click()
    record_pledge(page, "1.250,50", MISTYPED_IBAN)

    checksum_error = t(
        "The check digits of this IBAN do not match: one of the characters is probably "
        "mistyped. Copy it again from the bank statement."
    )
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text(checksum_error)
    # The summary links to the field, and the field itself says what is wrong.
    expect(summary.get_by_role("link", name=checksum_error, exact=False)).to_have_attribute(
        "href", "#id_iban"
    )
    iban_input = page.get_by_label(t("paying IBAN"), exact=False)
    expect(iban_input).to_have_attribute("aria-invalid", "true")
    expect(page.locator("#id_iban_error")).to_have_text(checksum_error)
    expect(iban_input).to_have_accessible_description(re.compile(re.escape(checksum_error)))
    # What was typed correctly is kept.
    expect(page.get_by_label(t("Amount in euro"))).to_have_value("1.250,50")
    assert not Donation.objects.exists()

    iban_input.fill(CORRECT_IBAN)
    page.get_by_role("button", name=t("Record pledge")).click()

    expect(page).to_have_url(re.compile(r"/donaties/\d+/$"))
    donation = Donation.objects.get()
    assert page.url == live_server.url + donation.get_absolute_url()
    assert donation.amount_cents == 1_250_50
    assert donation.iban == "NL91ABNA0417164300"
    assert donation.municipality == almere_staff.municipality
    instructions = page.get_by_role("region", name=t("Payment instructions"))
    expect(instructions.locator("[data-field=amount]")).to_have_text("€ 1.250,50")
    expect(instructions.locator("[data-field=iban]")).to_have_text("NL94 BNGH 0285 1737 15")
    expect(instructions.locator("[data-field=account-name]")).to_have_text("Stichting VNG Fonds")
    assert donation.reference.startswith("RF")
    expect(instructions.locator("[data-field=description]")).to_have_text(
        f"Oekraine {donation.reference}"
    )
    assert run_tasks() == 1  # the worker, as `make run` starts it beside the server
    [mail] = mailoutbox
    assert f"Oekraine {donation.reference}" in mail.body


def test_it_lets_a_coordinator_filter_the_ledger_down_to_one_pledge(
    page, coordinator, almere_staff, utrecht_staff, ukraine_appeal
):
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    lelystad = Municipality.objects.get(name="Lelystad")
    wanted = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_250_50)
    second = factories.donation(
        almere, ukraine_appeal, almere_staff, amount_cents=2_000_00, received_cents=500_00,
        status=Donation.Status.PARTLY_RECEIVED,
    )
    factories.donation(almere, ukraine_appeal, almere_staff, status=Donation.Status.WITHDRAWN)
    factories.donation(lelystad, ukraine_appeal, almere_staff, amount_cents=7_000_00)
    factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=9_999_99)

    log_in_through_form(page, coordinator.email, PASSWORD, factories.authenticator(coordinator).secret)
    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("Money ledger")).click()
    expect(page.locator("[data-total=rows]")).to_have_text("5")

    filters = page.locator("main").get_by_role("search")
    filters.get_by_label(t("Province")).select_option(label="Flevoland")
    filters.get_by_role("button", name=t("Apply filters")).click()
    expect(page).to_have_url(re.compile(r"province=Flevoland"))
    assert_totals_match_rows(page, expected_rows=4)

    filters.get_by_label(t("Status")).select_option(label=t("pledged"))
    filters.get_by_role("button", name=t("Apply filters")).click()
    expect(page).to_have_url(re.compile(r"status=pledged"))
    assert_totals_match_rows(page, expected_rows=2)  # Almere's and Lelystad's open pledges

    filters.get_by_label(t("Search")).fill("Almere")
    filters.get_by_role("button", name=t("Apply filters")).click()
    expect(page).to_have_url(re.compile(r"q=Almere"))
    rows = assert_totals_match_rows(page, expected_rows=1)
    expect(rows.first.get_by_role("link", name=wanted.number)).to_be_visible()
    expect(page.get_by_role("link", name=second.number)).to_have_count(0)
    # The filters stay filled in, so the reader sees what the totals are of.
    expect(filters.get_by_label(t("Province"))).to_have_value("Flevoland")
    expect(filters.get_by_label(t("Search"))).to_have_value("Almere")

    rows.first.get_by_role("link", name=wanted.number).click()
    expect(page.locator("[data-field=description]")).to_have_text(f"Oekraine {wanted.reference}")


def assert_totals_match_rows(page, expected_rows: int):
    """Check that the totals above the table are the sums of the rows shown; return the rows.

    Withdrawn pledges are listed but, as the page says, not counted in the money totals.
    """
    table = page.get_by_role("table")
    rows = table.locator("tbody tr")
    expect(rows).to_have_count(expected_rows)
    headers = table.locator("thead th").all_inner_texts()
    # A sortable header also holds a visually hidden "(sort)" for screen readers.
    column = {name.split("(")[0].strip(): i for i, name in enumerate(headers)}
    cells = [row.locator("td").all_inner_texts() for row in rows.all()]
    counted = [row for row in cells if row[column[t("Status")]] != t("withdrawn")]

    assert page.locator("[data-total=rows]").inner_text() == str(expected_rows)
    for total, name in [("pledged", "Amount"), ("received", "Received"), ("outstanding", "Outstanding")]:
        shown = cents(page.locator(f"[data-total={total}]").inner_text())
        summed = sum(cents(row[column[t(name)]]) for row in counted)
        assert shown == summed, f"{total}: the total says {shown} cents, the rows add up to {summed}"
    return rows


def test_it_switches_the_language_to_english_and_back_without_javascript(
    open_context, live_server, almere_staff, ukraine_appeal, log_in_as
):
    donation = factories.donation(
        almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_250_50
    )
    context = open_context(java_script_enabled=False)
    log_in_as(context, almere_staff)
    page = context.new_page()
    page.goto(donation.get_absolute_url())
    amount = page.locator("[data-field=amount]")
    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(amount).to_have_text("€ 1.250,50")
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Toezegging {donation.number}")

    # exact: "Taal" is also part of the name of the "Betaalinstructies" region.
    page.get_by_label(t("Language"), exact=True).select_option(label="English")
    page.get_by_role("button", name=t("Switch")).click()

    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page).to_have_url(live_server.url + donation.get_absolute_url())  # back where we were
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Pledge {donation.number}")
    expect(page.get_by_role("heading", name="Payment instructions")).to_be_visible()
    expect(amount).to_have_text("€1,250.50")

    page.get_by_label(t("Language", "en"), exact=True).select_option(label="Nederlands")
    page.get_by_role("button", name=t("Switch", "en")).click()

    expect(page.locator("html")).to_have_attribute("lang", "nl")
    expect(page.get_by_role("heading", name=t("Payment instructions"))).to_be_visible()
    expect(amount).to_have_text("€ 1.250,50")
