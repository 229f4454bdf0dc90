"""Dashboards: an appeal for fund staff, a municipality's own, and the public page per appeal."""

import datetime
import re

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.dashboards.charts import Chart, Row, bar_chart, line_chart, value_ticks
from pledges.models import Event, Municipality, OfferStatus
from tests import factories, pages
from tests.environment import load_settings

# Values that must never reach the public page.
PERSON = "Marijke Geheimhouder"
EMAIL = "marijke.geheim@almere.example.nl"
IBAN = "NL91ABNA0417164300"
DECISION = "RAADSBESLUIT-GEHEIM-4711"
PHONE = "06-98765432"
ADDRESS = "Geheimstraat 13"
UTRECHT_AMOUNT = "4.321,09"  # Utrecht's pledge, and Utrecht did not opt in


def appeal_url(appeal) -> str:
    return reverse("pledges:appeal_dashboard", args=[appeal.pk])


def municipality_url(municipality) -> str:
    return reverse("pledges:municipality_dashboard", args=[municipality.code])


def public_url(appeal) -> str:
    return reverse("pledges:public_appeal", args=[appeal.pk])


@pytest.fixture
def contributions(ukraine_appeal, almere, utrecht, almere_staff, utrecht_staff):
    """Almere pledged twice (one partly paid) and delivered generators; Utrecht pledged once."""
    kyiv = factories.destination("Kyiv")
    paid = factories.donation(
        almere, ukraine_appeal, almere_staff, amount_cents=1_000_00, contact_name=PERSON, contact_email=EMAIL,
        iban=IBAN, decision_reference=DECISION,
    )
    factories.receive(paid, 400_50)
    factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=250_25, contact_name=PERSON)
    factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=4_321_09, iban=IBAN)
    generators = factories.need(ukraine_appeal, kyiv, quantity=10)
    factories.offer(
        almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED, quantity=3, destination=kyiv,
        need=generators, contact_name=PERSON, contact_email=EMAIL, contact_phone=PHONE, pickup_address=ADDRESS,
    )
    factories.offer(utrecht, ukraine_appeal, utrecht_staff, quantity=2, contact_name=PERSON, pickup_address=ADDRESS)


# The appeal dashboard


def test_it_shows_fund_staff_the_appeals_figures_each_linked_to_its_table(
    client, fund_staff, contributions, ukraine_appeal
):
    for user in fund_staff:
        client.force_login(user)
        response = client.get(appeal_url(ukraine_appeal))
        assert response.status_code == 200
        assert pages.figure(response, "pledged") == "€ 5.571,34"
        assert pages.figure(response, "received") == "€ 400,50"
        assert pages.figure(response, "outstanding") == "€ 5.170,84"
        assert pages.figure(response, "participating") == "2"
        assert pages.figure(response, "units") == "5"
        assert pages.figure_link(response, "pledged") == f"/donaties/?appeal={ukraine_appeal.pk}"
        assert pages.figure_link(response, "overdue") == f"/donaties/?appeal={ukraine_appeal.pk}&overdue=on"
        assert pages.figure_link(response, "outstanding") == f"/financien/openstaand/?appeal={ukraine_appeal.pk}"
        assert f'href="/materieel/?appeal={ukraine_appeal.pk}&amp;status=delivered"' in response.text
        assert f'href="/donaties/?appeal={ukraine_appeal.pk}&amp;province=Flevoland"' in response.text


def test_it_agrees_with_the_ledger_it_links_to(client, coordinator, contributions, ukraine_appeal):
    client.force_login(coordinator)
    dashboard = client.get(appeal_url(ukraine_appeal))
    ledger = client.get(pages.figure_link(dashboard, "pledged"))
    outstanding = client.get(pages.figure_link(dashboard, "outstanding"))
    assert pages.total(ledger, "pledged") == pages.figure(dashboard, "pledged")
    assert pages.total(ledger, "received") == pages.figure(dashboard, "received")
    assert pages.total(outstanding, "outstanding") == pages.figure(dashboard, "outstanding")
    offers = client.get(pages.figure_link(dashboard, "in-kind"))
    assert pages.total(offers, "value") == pages.figure(dashboard, "in-kind")


def test_it_lists_exactly_the_participating_municipalities_it_counts(
    client, coordinator, contributions, ukraine_appeal, utrecht_staff
):
    zutphen = Municipality.objects.get(name="Zutphen")
    factories.withdraw(factories.donation(zutphen, ukraine_appeal, utrecht_staff, amount_cents=10_000_00), utrecht_staff)
    client.force_login(coordinator)
    dashboard = client.get(appeal_url(ukraine_appeal))
    assert pages.figure(dashboard, "participating") == "2"
    assert pages.figure(dashboard, "rows") == "4"
    assert pages.figure(dashboard, "withdrawn") == "1 ingetrokken"
    assert pages.figure_link(dashboard, "withdrawn") == f"/donaties/?appeal={ukraine_appeal.pk}&status=withdrawn"

    listed = client.get(pages.figure_link(dashboard, "participating"))
    participating = re.search(r'data-list="participating">(.*?)</ul>', listed.text, flags=re.DOTALL).group(1)
    assert re.findall(r">([^<]+)</a>", participating) == ["Almere", "Utrecht"]
    no_longer = re.search(r'data-list="no-longer">(.*?)</ul>', listed.text, flags=re.DOTALL).group(1)
    assert re.findall(r">([^<]+)</a>", no_longer) == ["Zutphen"]


def test_it_keeps_the_appeal_dashboard_from_municipal_staff(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)
    assert client.get(appeal_url(ukraine_appeal)).status_code == 403


@pytest.mark.parametrize("dashboard", ["appeal", "municipality", "public"])
def test_it_costs_the_same_queries_with_little_or_much_data(
    client, dashboard, coordinator, ukraine_appeal, almere, almere_staff, utrecht_staff, settings
):
    settings.PUBLIC_DASHBOARDS = True
    url = {"appeal": appeal_url(ukraine_appeal), "municipality": municipality_url(almere),
           "public": public_url(ukraine_appeal)}[dashboard]
    client.force_login(almere_staff if dashboard == "municipality" else coordinator)

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(url).status_code == 200
        return len(context)

    factories.donation(almere, ukraine_appeal, almere_staff)
    few = queries()
    factories.donations(20, almere, ukraine_appeal, almere_staff)
    factories.donations(20, utrecht_staff.municipality, ukraine_appeal, utrecht_staff)
    factories.offers(15, almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.CONFIRMED, destination=factories.destination("Dnipro"))
    for name in ("Kyiv", "Kharkiv", "Dnipro"):
        factories.need(ukraine_appeal, factories.destination(name))
    Municipality.objects.filter(pk=almere.pk).update(named_publicly=True)
    assert queries() == few


def test_it_draws_accessible_charts_without_script(client, coordinator, contributions, ukraine_appeal):
    client.force_login(coordinator)
    response = client.get(appeal_url(ukraine_appeal))
    svgs = re.findall(r"<svg\b.*?</svg>", response.text, flags=re.DOTALL)
    assert len(svgs) == 4
    for svg in svgs:
        title_id, desc_id = re.search(r'role="img" aria-labelledby="([^" ]+) ([^"]+)"', svg).groups()
        assert f'<title id="{title_id}">' in svg and f'<desc id="{desc_id}">' in svg
    assert "<script" not in response.text
    # Each chart has its data table next to it.
    assert response.text.count('class="ledger chart-table"') == 4


def test_it_escapes_what_it_draws():
    chart = bar_chart("x", "<b>Titel</b>", "Beschrijving & meer", "Label", ["Stuks"], [Row("<script>", [3])])
    assert "<script>" not in chart.svg and "&lt;script&gt;" in chart.svg
    assert "<b>" not in chart.svg


def _axis_texts(svg: str) -> list[str]:
    return re.findall(r'<text x="[^"]+" y="[^"]+" class="chart-text" text-anchor="(?:end|start|middle)">([^<]*)</text>', svg)


def _over_time(points) -> Chart:
    return line_chart("t", "Titel", "Beschrijving", "Datum", ["Toegezegd", "Ontvangen"], points,
                             axis_fmt=lambda value: f"{value:,}")


def test_it_puts_the_value_gridlines_at_round_numbers():
    assert value_ticks(1_275_946) == [0, 500_000, 1_000_000, 1_500_000]
    assert value_ticks(10) == [0, 2.5, 5, 7.5, 10]
    assert value_ticks(7) == [0, 2, 4, 6, 8]
    assert value_ticks(0) == [0, 1]
    chart = _over_time([(datetime.date(2026, 3, 1), [425_315, 0]), (datetime.date(2026, 11, 23), [1_275_946, 850_631])])
    labels = _axis_texts(chart.svg)
    assert labels[:4] == ["0", "500,000", "1,000,000", "1,500,000"]
    assert "425,315" not in labels and "1,275,946" not in labels


def test_it_dates_the_time_axis_at_both_ends_and_between():
    first, last = datetime.date(2026, 3, 23), datetime.date(2026, 11, 23)
    points = [(first + datetime.timedelta(days=day), [day, day // 2]) for day in range(0, (last - first).days + 1, 7)]
    points.append((last, [300, 150]))
    dates = [label for label in _axis_texts(_over_time(points).svg) if label.count("-") == 2]
    assert dates[0] == "23-3-2026" and dates[-1] == "23-11-2026"
    assert 3 <= len(dates) - 2 <= 3 and len(set(dates)) == len(dates)
    assert "<polyline" in _over_time(points).svg


def test_it_draws_a_single_day_as_one_mark_over_one_date():
    svg = _over_time([(datetime.date(2026, 11, 23), [5_000, 0])]).svg
    dates = [label for label in _axis_texts(svg) if label.count("-") == 2]
    assert dates == ["23-11-2026"]
    # The marks stand in the middle of the plot (110 to 700), above their date, not on its left edge.
    assert re.findall(r'<circle cx="([^"]+)"', svg) == ["405.0", "405.0"]
    assert 'text-anchor="middle">23-11-2026' in svg


# A municipality's own dashboard


def test_it_shows_staff_their_own_municipality_only(client, almere_staff, utrecht, contributions):
    client.force_login(almere_staff)
    response = client.get(reverse("pledges:my_dashboard"), follow=True)
    assert response.redirect_chain[-1][0] == "/overzicht/gemeenten/GM0034/"
    assert pages.figure(response, "pledged") == "€ 1.250,25"
    assert pages.figure(response, "received") == "€ 400,50"
    assert pages.figure(response, "delivered") == "3"
    assert UTRECHT_AMOUNT not in pages.text(response)
    assert client.get(municipality_url(utrecht)).status_code == 404


def test_it_shows_fund_staff_any_municipality_with_links_filtered_to_it(client, coordinator, utrecht, contributions):
    client.force_login(coordinator)
    response = client.get(municipality_url(utrecht))
    assert pages.figure(response, "pledged") == f"€ {UTRECHT_AMOUNT}"
    assert pages.figure_link(response, "pledged") == f"/donaties/?municipality={utrecht.pk}"
    ledger = client.get(pages.figure_link(response, "pledged"))
    assert pages.total(ledger, "pledged") == f"€ {UTRECHT_AMOUNT}"
    assert 'name="named_publicly"' not in response.text  # only the municipality itself chooses


def test_it_lets_staff_choose_to_be_named_and_records_who_did(client, almere_staff, almere):
    client.force_login(almere_staff)
    url = reverse("pledges:municipality_naming", args=[almere.code])

    response = client.post(url, {"named_publicly": "on"}, follow=True)

    almere.refresh_from_db()
    assert almere.named_publicly is True
    assert pages.messages(response) == ["Almere wordt nu genoemd op de openbare pagina."]
    [event] = Event.objects.filter(municipality=almere)
    assert (event.kind, event.actor) == (Event.Kind.NAMED_PUBLICLY, almere_staff)
    assert "anouk@almere.nl" in pages.text(response) or str(almere_staff) in pages.text(response)

    client.post(url, {})
    almere.refresh_from_db()
    assert almere.named_publicly is False
    assert Event.objects.filter(municipality=almere).count() == 2
    client.post(url, {})  # no change, no event
    assert Event.objects.filter(municipality=almere).count() == 2


def test_it_lets_no_one_else_choose_for_a_municipality(client, utrecht_staff, coordinator, almere):
    url = reverse("pledges:municipality_naming", args=[almere.code])
    client.force_login(utrecht_staff)
    assert client.post(url, {"named_publicly": "on"}).status_code == 404
    client.force_login(coordinator)
    assert client.post(url, {"named_publicly": "on"}).status_code == 403
    assert client.get(url).status_code == 403
    almere.refresh_from_db()
    assert almere.named_publicly is False
    assert not Event.objects.filter(municipality=almere).exists()


# The public page


def test_it_publishes_nothing_unless_the_environment_says_so(monkeypatch):
    monkeypatch.delenv("PUBLIC_DASHBOARDS", raising=False)
    assert load_settings(monkeypatch)["PUBLIC_DASHBOARDS"] is False
    assert load_settings(monkeypatch, PUBLIC_DASHBOARDS="true")["PUBLIC_DASHBOARDS"] is True
    with pytest.raises(ImproperlyConfigured, match="PUBLIC_DASHBOARDS"):
        load_settings(monkeypatch, PUBLIC_DASHBOARDS="ja")


def test_it_keeps_the_public_page_off_unless_the_setting_turns_it_on(client, ukraine_appeal, settings):
    settings.PUBLIC_DASHBOARDS = False
    assert client.get(public_url(ukraine_appeal)).status_code == 404
    settings.PUBLIC_DASHBOARDS = True
    assert client.get(public_url(ukraine_appeal)).status_code == 200


def test_it_says_in_words_on_the_public_page_that_nothing_was_delivered_yet(
    client, ukraine_appeal, almere, almere_staff, settings
):
    settings.PUBLIC_DASHBOARDS = True
    factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_000_00)
    response = client.get(public_url(ukraine_appeal))
    assert "<svg" not in response.text
    assert re.search(r'data-empty="delivered">Er is nog niets afgeleverd\.', response.text)


def test_it_shows_the_public_totals_and_deliveries_without_logging_in(client, contributions, ukraine_appeal, settings):
    settings.PUBLIC_DASHBOARDS = True
    response = client.get(public_url(ukraine_appeal))
    assert response.status_code == 200
    assert pages.figure(response, "pledged") == "€ 5.571,34"
    assert pages.figure(response, "received") == "€ 400,50"
    assert pages.figure(response, "participating") == "2"
    assert pages.figure(response, "delivered") == "3"
    assert "Kyiv" in pages.plain(response)


def test_it_never_shows_people_accounts_or_unnamed_municipalities_in_public(
    client, contributions, ukraine_appeal, almere, settings
):
    settings.PUBLIC_DASHBOARDS = True
    Municipality.objects.filter(pk=almere.pk).update(named_publicly=True)

    text = pages.text(client.get(public_url(ukraine_appeal)))

    for secret in (PERSON, EMAIL, IBAN, "NL91 ABNA", DECISION, PHONE, ADDRESS, UTRECHT_AMOUNT, "Utrecht", "GM0344"):
        assert secret not in text, secret
    # Almere chose to be named: its name and its own amounts are shown.
    assert "Almere" in text and "€ 1.250,25" in text and "€ 400,50" in text


def test_it_names_no_municipality_that_did_not_opt_in(client, contributions, ukraine_appeal, settings):
    settings.PUBLIC_DASHBOARDS = True
    text = pages.plain(client.get(public_url(ukraine_appeal)))
    assert "Almere" not in text and "Utrecht" not in text and "1.250,25" not in text
    assert "Nog geen gemeente heeft ervoor gekozen om genoemd te worden." in text


def test_it_leaves_the_choice_to_the_municipality_not_the_admin(client, administrator, almere):
    client.force_login(administrator)
    response = client.get(reverse("admin:pledges_municipality_change", args=[almere.pk]))
    assert response.status_code == 200
    assert 'name="named_publicly"' not in response.text
