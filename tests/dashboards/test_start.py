"""The start page: after logging in, each person sees what needs them today, with links to the lists."""

import datetime
import html
import re

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from pledges.equipment.workflow import Actor, transition
from pledges.finance.statements import import_statement
from pledges.logistics.receipts import confirm_receipt
from pledges.models import Event, OfferStatus, Shipment
from tests import factories, pages
from tests.conftest import PASSWORD
from tests.finance.test_statement_identity import month

HOME = reverse("pledges:home")
TODAY = timezone.localdate()
DAY = datetime.timedelta(days=1)


def block(response, key: str) -> str:
    """One block of the start page, as HTML."""
    found = re.search(rf'<section class="start-block"[^>]*data-block="{key}">(.*?)</section>', response.text, re.DOTALL)
    assert found, f"no {key} block on the start page"
    return found.group(1)


def block_text(response, key: str) -> str:
    """One block of the start page as the reader sees it: tags gone, spaces collapsed."""
    text = re.sub(r"<[^>]+>", " ", block(response, key))
    return re.sub(r"\s+", " ", html.unescape(text).replace("\xa0", " ")).strip()


def count(response, key: str) -> int:
    return int(re.search(rf'data-count="{key}">(\d+)<', response.text).group(1))


def numbers(response, key: str) -> list[str]:
    """The numbers a block lists (T-…, M-…, TR-…, a date for a bank line), top to bottom."""
    return re.findall(r'class="start-number" href="[^"]*">([^<]*)<', block(response, key))


def links(response, key: str) -> list[str]:
    """Where the block's links to the full lists go."""
    links_list = re.search(r'<ul class="start-links">(.*?)</ul>', block(response, key), re.DOTALL).group(1)
    return [href.replace("&amp;", "&") for href in re.findall(r'href="([^"]*)"', links_list)]


def log_in(client, user) -> None:
    """Log in through the login form, as a person does (the start page's news counts from logins)."""
    response = client.post(reverse("login"), {"username": user.email, "password": PASSWORD})
    assert response.status_code == 302 and response["Location"] == HOME


# --------------------------------------------------------------------------- coordinators


@pytest.fixture
def equipment_day(ukraine_appeal, almere, utrecht, almere_staff, utrecht_staff):
    """Offers and shipments in every state a coordinator acts on, some due today, some not yet."""
    kyiv, dnipro = factories.destination("Kyiv"), factories.destination("Dnipro")
    offered = [
        factories.offer(almere, ukraine_appeal, almere_staff, description="Aggregaat Oud"),
        factories.offer(utrecht, ukraine_appeal, utrecht_staff, description="Aggregaat Nieuw"),
    ]
    late_pickup = factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.PICKUP_PLANNED,
                                  pickup_date=TODAY - 2 * DAY)
    today_pickup = factories.offer(utrecht, ukraine_appeal, utrecht_staff, status=OfferStatus.PICKUP_PLANNED,
                                   pickup_date=TODAY)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.PICKUP_PLANNED,
                    pickup_date=TODAY + 7 * DAY)  # next week: not due yet
    leaving = factories.shipment(ukraine_appeal, kyiv, planned_departure=TODAY, planned_arrival=TODAY + 3 * DAY)
    factories.shipment(ukraine_appeal, kyiv)  # leaves in three days
    late = factories.shipment(ukraine_appeal, dnipro, planned_departure=TODAY - 5 * DAY,
                              planned_arrival=TODAY - DAY)
    Shipment.objects.filter(pk=late.pk).update(status=Shipment.Status.IN_TRANSIT, departed_on=TODAY - 5 * DAY)
    unconfirmed = factories.shipment(ukraine_appeal, kyiv, planned_departure=TODAY - 9 * DAY,
                                     planned_arrival=TODAY - 6 * DAY)
    confirmed = factories.shipment(ukraine_appeal, dnipro, planned_departure=TODAY - 9 * DAY,
                                   planned_arrival=TODAY - 6 * DAY)
    Shipment.objects.filter(pk__in=[unconfirmed.pk, confirmed.pk]).update(
        status=Shipment.Status.DELIVERED, arrived_on=TODAY - 6 * DAY
    )
    factories.on_board(unconfirmed, factories.offer(almere, ukraine_appeal, almere_staff,
                                                    status=OfferStatus.DELIVERED))
    factories.on_board(confirmed, factories.offer(utrecht, ukraine_appeal, utrecht_staff,
                                                  status=OfferStatus.CONFIRMED))
    return {"offered": offered, "pickups": [late_pickup, today_pickup], "leaving": leaving, "late": late,
            "unconfirmed": unconfirmed}


def test_it_shows_a_coordinator_what_needs_deciding_planning_and_confirming_today(
    client, coordinator, equipment_day
):
    client.force_login(coordinator)
    response = client.get(HOME)

    assert response.status_code == 200
    assert count(response, "offers-offered") == 2
    # Oldest first: the one waiting longest is the most urgent.
    assert numbers(response, "offers-offered") == [offer.number for offer in equipment_day["offered"]]
    assert links(response, "offers-offered") == ["/materieel/?status=offered"]

    assert count(response, "pickups-due") == 2
    assert numbers(response, "pickups-due") == [offer.number for offer in equipment_day["pickups"]]
    assert "te laat" in block(response, "pickups-due")  # the one two days ago
    assert links(response, "pickups-due") == ["/materieel/?status=pickup_planned"]

    assert count(response, "shipments-due") == 2
    assert numbers(response, "shipments-due") == [equipment_day["late"].number, equipment_day["leaving"].number]
    assert "nog niet afgeleverd" in block(response, "shipments-due")
    assert links(response, "shipments-due") == ["/transporten/?status=planned", "/transporten/?status=in_transit"]

    assert count(response, "deliveries-unconfirmed") == 1
    assert numbers(response, "deliveries-unconfirmed") == [equipment_day["unconfirmed"].number]
    assert links(response, "deliveries-unconfirmed") == ["/materieel/?status=delivered"]


def test_the_lists_a_coordinator_block_links_to_hold_what_it_counts(client, coordinator, equipment_day):
    client.force_login(coordinator)
    response = client.get(HOME)

    awaiting = client.get(links(response, "offers-offered")[0])
    for offer in equipment_day["offered"]:
        assert offer.number in awaiting.text
    in_transit = client.get(links(response, "shipments-due")[1])
    assert equipment_day["late"].number in in_transit.text
    assert equipment_day["leaving"].number not in in_transit.text


def test_it_says_calmly_that_nothing_waits_for_a_coordinator(client, coordinator):
    client.force_login(coordinator)
    response = client.get(HOME)

    for key in ("offers-offered", "pickups-due", "shipments-due", "deliveries-unconfirmed", "shortfalls"):
        assert count(response, key) == 0
        assert 'class="start-empty"' in block(response, key)
    assert "Er wacht geen aanbod op een besluit." in pages.text(response)


def test_it_shows_a_coordinator_the_shortfalls_recipients_reported_in_the_last_two_weeks(
    client, coordinator, almere, almere_staff, ukraine_appeal
):
    shipment = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))
    Shipment.objects.filter(pk=shipment.pk).update(status=Shipment.Status.DELIVERED, arrived_on=TODAY)
    cables, generator, old = factories.offers(3, almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED,
                                              quantity=7, shipment=shipment)
    confirm_receipt(shipment, cables.pk, outcome="fewer", quantity_received=5)
    confirm_receipt(shipment, generator.pk)  # in full: nothing to follow up
    with time_machine.travel(timezone.now() - 15 * DAY):
        confirm_receipt(shipment, old.pk, outcome="not_received", quantity_received=0)  # followed up by now
    client.force_login(coordinator)
    response = client.get(HOME)

    assert count(response, "shortfalls") == 1
    assert numbers(response, "shortfalls") == [shipment.number]
    assert f"{cables.number} · Almere: " in block_text(response, "shortfalls")
    assert "5 van 7" in block_text(response, "shortfalls")
    assert links(response, "shortfalls") == ["/transporten/?status=delivered"]


# --------------------------------------------------------------------------- finance


@pytest.fixture
def finance_day(ukraine_appeal, almere, utrecht, almere_staff, utrecht_staff, finance):
    overdue = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=2_500_00,
                                 expected_date=TODAY - 10 * DAY)
    factories.donation(utrecht, ukraine_appeal, utrecht_staff, expected_date=TODAY + 10 * DAY)  # not yet due
    quoted = factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=750_00)
    plain = factories.bank_line(123_45, counterparty_name="STICHTING ONBEKEND", remittance="gift",
                                booking_date=TODAY - 3 * DAY)
    suggested = factories.bank_line(750_00, counterparty_name="GEMEENTE UTRECHT",
                                    remittance=f"Oekraine {quoted.number}", booking_date=TODAY - DAY)
    # September and November arrived, October did not.
    import_statement(month(11, 2026, 9, 1_000_00), file_name="sep.sta", user=finance)
    import_statement(month(13, 2026, 11, 1_200_00), file_name="nov.sta", user=finance)
    return {"overdue": overdue, "quoted": quoted, "plain": plain, "suggested": suggested}


def test_it_shows_finance_the_lines_to_match_suggestions_overdue_pledges_and_missing_statements(
    client, finance, finance_day
):
    client.force_login(finance)
    response = client.get(HOME)

    assert response.status_code == 200
    # Two lines of ours, and the two of the imported statements (gifts nobody matched yet).
    assert count(response, "bank-lines") == 4
    assert f'href="/financien/regels/{finance_day["plain"].pk}/"' in block(response, "bank-lines")
    assert links(response, "bank-lines") == ["/financien/regels/?state=open"]

    assert count(response, "suggestions") == 1
    assert (f"€ 750,00 van GEMEENTE UTRECHT: waarschijnlijk {finance_day['quoted'].number} van Utrecht"
            in block_text(response, "suggestions"))

    assert count(response, "overdue") == 1
    assert numbers(response, "overdue") == [finance_day["overdue"].number]
    assert "€ 2.500,00 van Almere nog te ontvangen" in pages.text(response)
    assert links(response, "overdue") == ["/financien/openstaand/?overdue=on"]
    outstanding = client.get(links(response, "overdue")[0])
    assert finance_day["overdue"].number in outstanding.text
    assert finance_day["quoted"].number not in outstanding.text

    assert count(response, "statements") == 1
    assert "Afschrift 12 (1–31 oktober 2026) ontbreekt tussen 11 en 13." in block(response, "statements")
    assert links(response, "statements") == ["/financien/afschriften/"]


def test_it_says_calmly_that_nothing_waits_for_finance(client, finance, reference_data):
    client.force_login(finance)
    response = client.get(HOME)

    for key in ("bank-lines", "suggestions", "overdue", "statements"):
        assert count(response, key) == 0
        assert 'class="start-empty"' in block(response, key)
    assert "Elke bankregel is gekoppeld." in pages.text(response)


# --------------------------------------------------------------------------- municipal staff


def test_it_shows_staff_their_own_pledges_awaiting_payment_overdue_first(
    client, almere_staff, utrecht_staff, ukraine_appeal
):
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    later = factories.donation(almere, ukraine_appeal, almere_staff, expected_date=TODAY + 20 * DAY)
    late = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_000_00,
                              expected_date=TODAY - 2 * DAY)
    factories.receive(late, 400_00)
    paid = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=500_00)
    factories.receive(paid, 500_00)
    utrechts = factories.donation(utrecht, ukraine_appeal, utrecht_staff, expected_date=TODAY - 9 * DAY)

    client.force_login(almere_staff)
    response = client.get(HOME)

    assert count(response, "pledges-open") == 2
    assert numbers(response, "pledges-open") == [late.number, later.number]
    assert "€ 600,00 van € 1.000,00 nog over te maken" in pages.text(response)
    assert utrechts.number not in response.text and paid.number not in response.text
    assert links(response, "pledges-open") == [
        "/donaties/?status=pledged", "/donaties/?status=partly_received", "/donaties/?overdue=on",
    ]
    assert late.number in client.get("/donaties/?overdue=on").text


def test_it_shows_staff_the_status_changes_of_their_offers_since_their_last_login(
    client, almere_staff, utrecht_staff, coordinator, ukraine_appeal
):
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    kyiv = factories.destination("Kyiv")
    moved = factories.offer(almere, ukraine_appeal, almere_staff, description="Aggregaat voor Kyiv")
    moved_before = factories.offer(almere, ukraine_appeal, almere_staff, description="Eerder besloten")
    utrechts = factories.offer(utrecht, ukraine_appeal, utrecht_staff)
    fund = Actor.of(coordinator)
    yesterday = timezone.now() - DAY
    with time_machine.travel(yesterday - datetime.timedelta(hours=2), tick=False):
        transition(moved_before, OfferStatus.ACCEPTED, fund, destination=kyiv)
    with time_machine.travel(yesterday, tick=False):
        log_in(client, almere_staff)
    client.logout()
    transition(moved, OfferStatus.ACCEPTED, fund, destination=kyiv)
    transition(utrechts, OfferStatus.ACCEPTED, fund, destination=kyiv)

    log_in(client, almere_staff)
    response = client.get(HOME)

    assert count(response, "offers-news") == 1
    assert numbers(response, "offers-news") == [moved.number]
    news = block_text(response, "offers-news")
    assert f"aangeboden → geaccepteerd op {timezone.localdate():%-d}" in news
    shown_login = timezone.localtime(yesterday)
    assert f"sinds uw vorige inlog op {shown_login:%-d}" in news and f"{shown_login:%H:%M}" in news
    assert moved_before.number not in response.text  # accepted before the last login: seen then
    assert utrechts.number not in response.text


def test_a_change_staff_made_themselves_is_no_news_to_them(client, almere_staff, ukraine_appeal):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    transition(offer, OfferStatus.WITHDRAWN, Actor.of(almere_staff))

    client.force_login(almere_staff)
    response = client.get(HOME)

    assert count(response, "offers-news") == 0
    assert "Geen nieuws over uw aanbod in de afgelopen 14 dagen." in pages.text(response)
    assert Event.objects.filter(offer=offer, kind=Event.Kind.STATUS).exists()


def test_it_says_calmly_that_nothing_waits_for_staff(client, almere_staff):
    client.force_login(almere_staff)
    response = client.get(HOME)

    assert count(response, "pledges-open") == 0 and count(response, "offers-news") == 0
    assert "Er wacht geen toezegging op een overmaking." in pages.text(response)


# --------------------------------------------------------------------------- every role


@pytest.mark.parametrize("role", ["almere_staff", "coordinator", "finance", "administrator"])
def test_login_lands_on_the_start_page_with_the_dashboards_one_click_away(client, request, role):
    user = request.getfixturevalue(role)
    client.force_login(user)
    response = client.get(HOME)

    assert response.status_code == 200
    assert "<h1>Wat er vandaag op u wacht</h1>" in response.text
    assert f'href="{reverse("pledges:my_dashboard")}"' in response.text


def test_it_speaks_english_to_those_who_chose_it(client, coordinator, equipment_day):
    client.force_login(coordinator)
    client.post(reverse("set_language"), {"language": "en", "next": HOME})
    response = client.get(HOME)

    assert "<h1>What needs you today</h1>" in response.text
    assert "Offers awaiting a decision" in response.text
