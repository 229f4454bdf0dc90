"""No cache keeps a page or download of the ledger: `Cache-Control: no-store`, except the public page and static files."""

import pytest
from django.test import Client, override_settings
from django.urls import reverse
from django.utils import timezone

from pledges.logistics.receipts import make_token
from pledges.models import OfferStatus, Shipment
from tests import factories
from tests.routes import project_routes

pytestmark = pytest.mark.django_db


def no_store(response) -> bool:
    return "no-store" in [part.strip() for part in response.get("Cache-Control", "").split(",")]


@pytest.fixture
def rows(almere_staff, ukraine_appeal):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    shipment = factories.shipment(ukraine_appeal, factories.destination("Kyiv"), status=Shipment.Status.DELIVERED)
    factories.on_board(shipment, offer)
    return {"pledge": pledge, "offer": offer, "shipment": shipment}


@pytest.mark.parametrize("user", ["almere_staff", "coordinator", "finance"])
def test_every_page_a_logged_in_user_opens_is_never_stored(client, request, user, rows):
    client.force_login(request.getfixturevalue(user))
    for route in project_routes():
        if route.kwargs or route.name in ("logout", "set_language"):
            continue
        response = client.get(reverse(route.name))
        assert no_store(response), (route.name, response.status_code, response.get("Cache-Control"))


def test_pages_with_iban_and_contact_data_and_every_download_are_never_stored(client, finance, coordinator, rows):
    today = timezone.localdate()
    client.force_login(coordinator)
    coordinator_urls = [
        rows["pledge"].get_absolute_url(),
        reverse("pledges:shipment_packing_list_xlsx", args=[rows["shipment"].pk]),
        reverse("pledges:shipment_packing_list", args=[rows["shipment"].pk]),
    ]
    for url in coordinator_urls:
        response = client.get(url)
        assert response.status_code == 200 and no_store(response), url
    client.force_login(finance)
    finance_urls = [
        f"{reverse(name)}?export={fmt}"
        for name in ("pledges:donation_list", "pledges:offer_list", "pledges:finance_lines", "pledges:finance_outstanding")
        for fmt in ("xlsx", "csv")
    ] + [f"{reverse('pledges:finance_report')}?appeal={rows['pledge'].appeal_id}&start={today}&end={today}"]
    for url in finance_urls:
        response = client.get(url)
        assert response.status_code == 200 and no_store(response), url
        assert response.get("Content-Disposition", "").startswith("attachment"), url


def test_the_recipients_link_is_never_stored_either(client, rows):
    response = client.get(reverse("pledges:recipient", args=[make_token(rows["shipment"])]))

    assert response.status_code == 200
    assert no_store(response)


@override_settings(PUBLIC_DASHBOARDS=True)
def test_the_public_page_is_left_to_the_usual_rules_for_visitors(client, almere_staff, ukraine_appeal):
    url = reverse("pledges:public_appeal", args=[ukraine_appeal.pk])

    anonymous = client.get(url)
    client.force_login(almere_staff)
    logged_in = client.get(url)

    assert anonymous.status_code == 200 and not no_store(anonymous)
    # Logged in, the page shows the menu with the user's name: never stored.
    assert logged_in.status_code == 200 and no_store(logged_in)


@override_settings(WHITENOISE_USE_FINDERS=True, WHITENOISE_AUTOREFRESH=True)
def test_static_files_are_left_to_whitenoise(almere_staff):
    browser = Client()  # a new handler, whose WhiteNoise reads these settings
    browser.force_login(almere_staff)

    response = browser.get("/static/css/fonds.css")

    assert response.status_code == 200
    assert not no_store(response)
