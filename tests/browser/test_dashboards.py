"""Dashboards in the browser: every figure agrees with the table it links to; the public page tells no secrets."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from pledges.models import OfferStatus
from tests import factories
from tests.browser.helpers import t

SECRETS = ("Marijke Geheimhouder", "geheim@almere.example.nl", "NL91ABNA0417164300", "NL91 ABNA 0417 1643 00",
           "BESLUIT-GEHEIM-4711", "Geheimstraat 13", "06-98765432")


@pytest.fixture
def appeal_data(ukraine_appeal, almere_staff, utrecht_staff, coordinator):
    """Almere: two pledges (one overdue and partly paid) and delivered generators; Utrecht: a pledge and an offer."""
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    kyiv, kharkiv = factories.destination("Kyiv"), factories.destination("Kharkiv")
    private = {"contact_name": "Marijke Geheimhouder", "contact_email": "geheim@almere.example.nl"}
    late = factories.donation(
        almere, ukraine_appeal, almere_staff, amount_cents=12_345_67, iban="NL91ABNA0417164300",
        decision_reference="BESLUIT-GEHEIM-4711", expected_date=timezone.localdate() - datetime.timedelta(days=3),
        **private,
    )
    factories.receive(late, 2_345_67)
    factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=500_00, **private)
    factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=4_321_09)
    need = factories.need(ukraine_appeal, kyiv, quantity=8)
    factories.offer(
        almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED, quantity=3, destination=kyiv, need=need,
        pickup_address="Geheimstraat 13", contact_phone="06-98765432", **private,
    )
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.CONFIRMED, quantity=2, destination=kharkiv)
    factories.offer(utrecht, ukraine_appeal, utrecht_staff, quantity=4, value_cents=1_000_00)
    return ukraine_appeal


def figure(page, name: str) -> str:
    return page.locator(f'[data-figure="{name}"]').inner_text().replace("\xa0", " ").strip()


def total(page, name: str) -> str:
    return page.locator(f'[data-total="{name}"]').inner_text().replace("\xa0", " ").strip()


def follow(page, name: str) -> None:
    """Click a dashboard figure and wait for the table behind it."""
    page.locator(f'a[data-figure="{name}"]').click()
    page.wait_for_load_state()


def chart_cell(page, chart: str, row: str, column: int = 0) -> str:
    table_row = page.locator(f'[data-chart="{chart}"] tbody tr').filter(has=page.get_by_role("rowheader", name=row))
    return table_row.locator("td").nth(column).inner_text().replace("\xa0", " ").strip()


def test_the_appeal_dashboard_agrees_with_the_tables_behind_it(page, coordinator, appeal_data, log_in_as):
    log_in_as(page.context, coordinator)
    page.goto("/")
    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("Dashboard")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(appeal_data.title)
    shown = {name: figure(page, name) for name in ("pledged", "received", "outstanding", "rows", "overdue", "in-kind")}
    assert shown["pledged"] == "€ 17.166,76"
    assert shown["received"] == "€ 2.345,67"
    assert shown["overdue"] == "1"
    dashboard = page.url

    follow(page, "pledged")
    assert (total(page, "pledged"), total(page, "received"), total(page, "rows")) == (
        shown["pledged"], shown["received"], shown["rows"],
    )
    page.goto(dashboard)
    follow(page, "outstanding")
    assert total(page, "outstanding") == shown["outstanding"]
    page.goto(dashboard)
    follow(page, "overdue")
    assert total(page, "rows") == shown["overdue"]
    page.goto(dashboard)
    follow(page, "in-kind")
    assert total(page, "value") == shown["in-kind"]

    # The pipeline's table: each status row links to the equipment table with that status.
    page.goto(dashboard)
    delivered = chart_cell(page, "pipeline", t("delivered").capitalize())
    page.locator('[data-chart="pipeline"]').get_by_role("link", name=t("delivered").capitalize()).click()
    assert total(page, "units") == delivered == "3"

    # Participation per province: Flevoland's row opens the ledger of Flevoland's pledges.
    page.goto(dashboard)
    assert chart_cell(page, "provinces", "Flevoland") == "1"
    page.locator('[data-chart="provinces"]').get_by_role("link", name="Flevoland").click()
    assert total(page, "pledged") == "€ 12.845,67"

    # Needs coverage: Kyiv's row opens Kyiv's needs.
    page.goto(dashboard)
    assert chart_cell(page, "needs", "Kyiv", 2) == "3"  # delivered of the 8 needed
    page.locator('[data-chart="needs"]').get_by_role("link", name="Kyiv").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Kyiv")


def test_a_municipality_sees_its_own_dashboard_and_chooses_to_be_named(page, almere_staff, appeal_data, log_in_as):
    log_in_as(page.context, almere_staff)
    page.goto("/")
    page.get_by_role("navigation", name=t("Main menu")).get_by_role("link", name=t("Our dashboard")).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Almere")
    pledged, delivered = figure(page, "pledged"), figure(page, "delivered")
    assert (pledged, delivered) == ("€ 12.845,67", "5")
    assert "4.321,09" not in page.locator("main").inner_text()  # Utrecht's
    assert chart_cell(page, "delivered", "Kyiv") == "3"
    assert chart_cell(page, "delivered", "Charkiv") == "2"
    follow(page, "pledged")
    assert total(page, "pledged") == pledged

    page.go_back()
    page.get_by_label(t("Name %(name)s on the public page") % {"name": "Almere"}).check()
    page.get_by_role("button", name=t("Save choice")).click()
    expect(page.get_by_role("status")).to_contain_text(t("%(name)s is now named on the public page.") % {"name": "Almere"})
    expect(page.locator(".timeline")).to_contain_text(str(almere_staff))


def test_the_public_page_shows_totals_and_names_only_who_opted_in(open_context, settings, appeal_data, almere_staff):
    settings.PUBLIC_DASHBOARDS = True
    almere = almere_staff.municipality
    almere.named_publicly = True
    almere.save(update_fields=["named_publicly"])
    # Nobody is logged in, and the page needs no JavaScript.
    page = open_context(java_script_enabled=False).new_page()
    page.goto(f"/openbaar/{appeal_data.pk}/")
    assert (figure(page, "pledged"), figure(page, "received"), figure(page, "participating"), figure(page, "delivered")) == (
        "€ 17.166,76", "€ 2.345,67", "2", "5",
    )
    expect(page.locator('[data-chart="delivered"] svg[role="img"]')).to_be_visible()
    named = page.locator('[data-table="named"] tbody tr')
    expect(named).to_have_count(1)
    expect(named.first).to_contain_text("Almere")
    expect(named.first).to_contain_text("€ 12.845,67")
    text = page.content()
    for secret in (*SECRETS, "Utrecht", "4.321,09", "GM0344"):
        assert secret not in text, secret
    expect(page.get_by_role("navigation", name=t("Main menu"))).to_have_count(0)

    settings.PUBLIC_DASHBOARDS = False
    assert page.goto(f"/openbaar/{appeal_data.pk}/").status == 404
