"""The footer of every page, and the pages it links to: privacy, accessibility, contact, colophon; the favicon."""

from importlib import metadata

import pytest
from defusedxml import ElementTree
from django.contrib.staticfiles import finders
from django.urls import reverse
from PIL import Image

from pledges.logistics.models import Shipment
from pledges.logistics.receipts import make_token
from pledges.logistics.services import Actor, move_shipment
from pledges.models import OfferStatus
from tests import factories, pages

FOOTER_PAGES = ["pledges:privacy", "pledges:accessibility", "pledges:contact", "pledges:colophon"]


def footer(response) -> str:
    html = response.content.decode()
    assert html.count('<footer class="site-footer">') == 1
    return html[html.index('<footer class="site-footer">'):html.index("</footer>")]


def assert_footer_links(response, suffix: str = "") -> None:
    links = footer(response)
    for name in FOOTER_PAGES:
        assert f'href="{reverse(name)}{suffix}"' in links, name


@pytest.fixture
def recipient_link(coordinator, almere_staff, ukraine_appeal) -> str:
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(ukraine_appeal, kyiv)
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
                            destination=kyiv)
    factories.on_board(shipment, offer)
    for status in (Shipment.Status.IN_TRANSIT, Shipment.Status.DELIVERED):
        move_shipment(shipment, status, Actor.of(coordinator))
    return reverse("pledges:recipient", args=[make_token(shipment)])


# The footer


def test_it_shows_the_footer_to_a_visitor_and_to_a_logged_in_user(client, almere_staff, ukraine_appeal):
    assert_footer_links(client.get(reverse("login")))
    assert_footer_links(client.get("/no-such-page/"))

    client.force_login(almere_staff)
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    for url in (reverse("pledges:donation_list"), pledge.get_absolute_url(), "/no-such-page/"):
        assert_footer_links(client.get(url))
    english = client.get(reverse("pledges:donation_list"), HTTP_ACCEPT_LANGUAGE="en")
    assert "Privacy statement" in footer(english) and "Accessibility statement" in footer(english)
    assert "Privacyverklaring" in footer(client.get(reverse("pledges:donation_list")))


def test_it_shows_the_footer_on_the_public_appeal_page(client, settings, ukraine_appeal):
    settings.PUBLIC_DASHBOARDS = True

    assert_footer_links(client.get(reverse("pledges:public_appeal", args=[ukraine_appeal.pk])))


def test_it_labels_the_footer_in_ukrainian_on_the_recipient_page_and_links_the_english_statements(
    client, recipient_link
):
    ukrainian = client.get(recipient_link)
    english = client.get(f"{recipient_link}?lang=en")

    assert_footer_links(ukrainian, "?lang=en")
    assert "Заява про конфіденційність" in footer(ukrainian) and "Заява про доступність" in footer(ukrainian)
    assert 'hreflang="en"' in footer(ukrainian)
    assert_footer_links(english, "?lang=en")
    assert "Privacy statement" in footer(english)


def test_it_marks_the_footer_link_of_the_page_you_are_on(client, db):
    links = footer(client.get(reverse("pledges:contact")))

    assert f'href="{reverse("pledges:contact")}" aria-current="page"' in links
    assert links.count('aria-current="page"') == 1


# The pages


@pytest.mark.parametrize("name", FOOTER_PAGES)
def test_it_opens_each_footer_page_to_anyone_in_dutch_and_in_english(client, db, name):
    dutch = client.get(reverse(name))
    english = client.get(reverse(name), HTTP_ACCEPT_LANGUAGE="en")
    asked = client.get(reverse(name) + "?lang=en", HTTP_ACCEPT_LANGUAGE="uk")

    assert dutch.status_code == english.status_code == asked.status_code == 200
    assert '<html lang="nl">' in dutch.text and '<html lang="en">' in english.text
    assert '<html lang="en">' in asked.text and asked["Content-Language"] == "en"
    assert pages.plain(english) == pages.plain(asked)
    assert pages.plain(dutch) != pages.plain(english)


def test_it_keeps_the_language_chosen_with_the_switch_on_a_page_opened_in_english(client, db):
    opened = reverse("pledges:privacy") + "?lang=en"
    assert '<html lang="en">' in client.get(opened).text

    switched = client.post(reverse("set_language"), {"language": "nl", "next": opened}, follow=True)

    assert switched.redirect_chain[-1][0] == opened
    assert '<html lang="nl">' in switched.text and "Privacyverklaring" in pages.plain(switched)


@pytest.mark.parametrize("name", FOOTER_PAGES)
def test_it_changes_nothing_through_a_footer_page(client, db, name):
    assert client.post(reverse(name)).status_code == 405


def test_it_states_the_retention_the_code_enforces(client, settings, db):
    settings.SESSION_IDLE_TIMEOUT = 45
    settings.SESSION_ABSOLUTE_TIMEOUT = 6
    settings.LOGIN_FAILURE_WINDOW_SECONDS = 20 * 60
    settings.PASSWORD_LINK_WINDOW_SECONDS = 2 * 3600
    settings.RECIPIENT_LINK_MAX_AGE_DAYS = 21

    dutch = pages.plain(client.get(reverse("pledges:privacy")))
    english = pages.plain(client.get(reverse("pledges:privacy"), HTTP_ACCEPT_LANGUAGE="en"))

    assert "ends after 45 minutes without activity, and 6 hours after logging in" in english
    assert "count for 20 minutes" in english and "count for 120 minutes" in english
    assert "180 days, in your browser" in english and "valid for 21 days" in english
    assert "kept without an end date" in english and "append-only" in english
    assert "eindigt na 45 minuten zonder activiteit, en 6 uur na het inloggen" in dutch
    assert "tellen 20 minuten mee" in dutch and "21 dagen geldig" in dutch
    for text in (dutch, english):
        assert "6, lid 1, onder e" in text or "6(1)(e)" in text
        assert "Autoriteit Persoonsgegevens" in text


def test_it_names_the_privacy_contact_from_the_settings(client, settings, db):
    settings.PRIVACY_CONTACT_EMAIL = "fg@fonds.example.nl"

    response = client.get(reverse("pledges:privacy"))

    assert 'href="mailto:fg@fonds.example.nl"' in response.text
    assert 'href="mailto:fg@fonds.example.nl"' in client.get(reverse("pledges:contact")).text


def test_the_accessibility_statement_says_its_status_date_known_problems_and_where_to_report(
    client, settings, db
):
    settings.CONTACT_EMAIL = "toegankelijkheid@fonds.example.nl"

    dutch = client.get(reverse("pledges:accessibility"))
    english = pages.plain(client.get(reverse("pledges:accessibility"), HTTP_ACCEPT_LANGUAGE="en"))

    text = pages.plain(dutch)
    assert "Nalevingsstatus B: voldoet gedeeltelijk" in text
    assert "Datum van deze verklaring 3 december 2026" in text
    assert "WCAG 2.1 op niveau AA" in text and "op 320 en op 1920 CSS-pixels breed" in text
    assert "Herschikken" not in text  # reflow at 320 px is no longer a known problem
    assert 'href="mailto:toegankelijkheid@fonds.example.nl"' in dutch.text
    assert "Compliance status B: partially compliant" in english
    assert "Date of this statement 3 Dec 2026" in english and "at 320 and at 1920 CSS pixels wide" in english


def test_the_colophon_names_who_runs_it_and_the_installed_version(client, db):
    text = pages.plain(client.get(reverse("pledges:colophon"), HTTP_ACCEPT_LANGUAGE="en"))

    assert "Run by Stichting VNG Fonds" in text
    assert "Django" in text
    assert f"Version {metadata.version('pledge-ledger')}" in text


# The favicon


@pytest.mark.parametrize("page", ["login", "recipient"])
def test_it_links_a_favicon_that_exists(client, recipient_link, page):
    html = client.get(reverse("login") if page == "login" else recipient_link).text

    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<link rel="icon" href="/static/favicon-32.png" sizes="32x32" type="image/png">' in html
    svg = ElementTree.parse(finders.find("favicon.svg")).getroot()
    assert svg.tag == "{http://www.w3.org/2000/svg}svg" and svg.find("{http://www.w3.org/2000/svg}script") is None
    with Image.open(finders.find("favicon-32.png")) as png:
        assert png.format == "PNG" and png.size == (32, 32)
