"""The header's search box: a number opens its page, a name lists what it names, within what one may see."""

import re

import pytest
from django.urls import reverse

from pledges.models import Donation, OfferStatus, Shipment
from tests import factories, pages

SEARCH = reverse("pledges:search")


def results(response, group: str) -> list[str]:
    """The titles of one group of results (pledges, offers, municipalities, ...), top to bottom."""
    found = re.search(rf'data-group="{group}">(.*?)</section>', response.text, re.DOTALL)
    if not found:
        return []
    return re.findall(r'class="search-title" href="[^"]*">([^<]*)<', found.group(1))


def groups(response) -> list[str]:
    return re.findall(r'data-group="([^"]*)"', response.text)


@pytest.fixture
def rows(ukraine_appeal, almere, utrecht, almere_staff, utrecht_staff):
    """A pledge and an offer of Almere and of Utrecht, and a shipment to Kyiv."""
    kyiv = factories.destination("Kyiv")
    return {
        "almere_pledge": factories.donation(almere, ukraine_appeal, almere_staff),
        "utrecht_pledge": factories.donation(utrecht, ukraine_appeal, utrecht_staff),
        "almere_offer": factories.offer(almere, ukraine_appeal, almere_staff),
        "utrecht_offer": factories.offer(utrecht, ukraine_appeal, utrecht_staff),
        "shipment": factories.shipment(ukraine_appeal, kyiv),
    }


@pytest.mark.parametrize("typed", ["{number}", "{lower}", " {number} ", "t-{pk}", "T{pk}"])
def test_a_pledge_number_however_typed_opens_the_pledge(client, almere_staff, rows, typed):
    pledge = rows["almere_pledge"]
    client.force_login(almere_staff)
    text = typed.format(number=pledge.number, lower=pledge.number.lower(), pk=pledge.pk)

    response = client.get(SEARCH, {"q": text})

    assert response.status_code == 302
    assert response["Location"] == pledge.get_absolute_url()


def test_staff_never_find_another_municipalitys_pledge_or_offer(client, almere_staff, rows):
    client.force_login(almere_staff)

    for row in (rows["utrecht_pledge"], rows["utrecht_offer"]):
        response = client.get(SEARCH, {"q": row.number})
        assert response.status_code == 200
        # Word for word what a number that does not exist gets: nothing tells that it does.
        assert pages.text(response).count(f"Er is geen {row.number} die u mag zien.") == 1
    by_reference = client.get(SEARCH, {"q": rows["utrecht_pledge"].reference_display})
    assert by_reference.status_code == 200 and "die u mag zien" in by_reference.text
    by_digits = client.get(SEARCH, {"q": str(rows["utrecht_pledge"].pk)})
    assert results(by_digits, "pledges") == [] and results(by_digits, "offers") == []
    by_name = client.get(SEARCH, {"q": "Utrecht"})
    assert groups(by_name) == [] and "Niets gevonden voor “Utrecht”." in pages.text(by_name)


def test_an_unknown_number_says_so_and_suggests_what_can_be_searched(client, coordinator, rows):
    client.force_login(coordinator)

    response = client.get(SEARCH, {"q": "T-999999"})

    assert response.status_code == 200
    text = pages.text(response)
    assert "Er is geen T-999999 die u mag zien." in text
    assert "Waarop u kunt zoeken" in text and "TR-00012" in text


def test_an_offer_a_shipment_and_an_rf_reference_open_their_pages(client, coordinator, rows):
    client.force_login(coordinator)
    pledge, offer, shipment = rows["utrecht_pledge"], rows["utrecht_offer"], rows["shipment"]

    assert client.get(SEARCH, {"q": offer.number.lower()})["Location"] == offer.get_absolute_url()
    assert client.get(SEARCH, {"q": f" {shipment.number} "})["Location"] == shipment.get_absolute_url()
    assert client.get(SEARCH, {"q": f"tr{shipment.pk}"})["Location"] == shipment.get_absolute_url()
    # As printed on the payment instructions (in groups of four), and in lower case.
    assert client.get(SEARCH, {"q": pledge.reference_display.lower()})["Location"] == pledge.get_absolute_url()
    assert client.get(SEARCH, {"q": "gm0344"})["Location"] == reverse(
        "pledges:municipality_dashboard", args=["GM0344"]
    )


def test_staff_find_only_the_shipments_that_carry_their_offers(client, almere_staff, rows):
    client.force_login(almere_staff)
    shipment = rows["shipment"]

    response = client.get(SEARCH, {"q": shipment.number})
    assert response.status_code == 200
    assert f"Er is geen {shipment.number} die u mag zien." in pages.text(response)

    factories.on_board(shipment, rows["almere_offer"])
    assert client.get(SEARCH, {"q": shipment.number})["Location"] == shipment.get_absolute_url()


def test_a_bare_number_lists_each_kind_numbered_so(client, coordinator, rows):
    client.force_login(coordinator)
    offer = rows["utrecht_offer"]

    response = client.get(SEARCH, {"q": str(offer.pk)})

    assert results(response, "offers") == [offer.number]
    assert results(response, "pledges") == [p.number for p in Donation.objects.filter(pk=offer.pk)]
    assert results(response, "shipments") == [s.number for s in Shipment.objects.filter(pk=offer.pk)]


def test_a_name_finds_municipalities_and_cities_grouped_by_kind(client, coordinator, reference_data):
    client.force_login(coordinator)

    response = client.get(SEARCH, {"q": "dam"})

    assert groups(response) == ["municipalities"]
    found = results(response, "municipalities")
    assert "Amsterdam" in found and "Rotterdam" in found and "Schiedam" in found
    assert all("dam" in name.lower() for name in found)
    assert 'href="/donaties/?municipality=' in response.text  # each with its pledges, offers and pages

    kyiv = client.get(SEARCH, {"q": "kyiv"})
    assert "destinations" in groups(kyiv)
    kyiv_city = factories.destination("Kyiv")
    assert f'href="{reverse("pledges:need_city", args=[kyiv_city.pk])}"' in kyiv.text
    assert f'href="/materieel/?destination={kyiv_city.pk}"' in kyiv.text
    in_ukrainian = client.get(SEARCH, {"q": kyiv_city.name_uk})
    assert kyiv_city.name_nl in results(in_ukrainian, "destinations")


def test_staff_find_their_own_municipality_by_name(client, almere_staff, reference_data):
    client.force_login(almere_staff)

    response = client.get(SEARCH, {"q": "almere"})

    assert results(response, "municipalities") == ["Almere"]
    assert 'href="/donaties/"' in response.text  # their own ledger: no filter needed


def test_nothing_found_says_so_and_suggests_what_can_be_searched(client, almere_staff, reference_data):
    client.force_login(almere_staff)

    response = client.get(SEARCH, {"q": "zonnepaneel"})

    text = pages.text(response)
    assert "Niets gevonden voor “zonnepaneel”." in text
    assert "Waarop u kunt zoeken" in text and "M-000123" in text


def test_the_search_box_is_in_the_header_of_every_page_for_those_logged_in(client, almere_staff, rows):
    client.force_login(almere_staff)

    for url in (reverse("pledges:home"), reverse("pledges:donation_list"), rows["almere_offer"].get_absolute_url()):
        response = client.get(url)
        assert '<form class="header-search" role="search"' in response.text
        assert '<label for="header-search-q">Zoeken</label>' in response.text
    # The results page keeps what was typed in the box.
    response = client.get(SEARCH, {"q": "zonnepaneel"})
    assert 'name="q" value="zonnepaneel"' in response.text
    client.logout()
    assert "header-search" not in client.get(reverse("login")).text


def test_an_empty_search_explains_what_can_be_searched(client, coordinator):
    client.force_login(coordinator)

    response = client.get(SEARCH, {"q": "   "})

    assert response.status_code == 200
    assert "Waarop u kunt zoeken" in pages.text(response)


def test_a_delivered_offer_is_found_with_its_status(client, coordinator, rows, ukraine_appeal, almere, almere_staff):
    delivered = factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    client.force_login(coordinator)

    response = client.get(SEARCH, {"q": str(delivered.pk)})

    assert results(response, "offers") == [delivered.number]
    assert "afgeleverd" in pages.text(response)


@pytest.mark.parametrize("typed", ["99999999999999999999", "T-99999999999999999999", "²", "٣", "<b>dam</b>", "RF"])
def test_odd_input_is_answered_never_an_error(client, coordinator, reference_data, typed):
    client.force_login(coordinator)

    response = client.get(SEARCH, {"q": typed})

    assert response.status_code == 200
    assert "<b>dam</b>" not in response.text  # shown escaped


@pytest.mark.parametrize("typed", ["T-000052\x00", "a" * 101])
def test_what_no_database_holds_is_refused_with_the_reason(client, coordinator, reference_data, typed):
    client.force_login(coordinator)

    response = client.get(SEARCH, {"q": typed})

    assert response.status_code == 200
    assert re.findall(r'data-search="refused">([^<]+)<', response.text)
    assert "Waarop u kunt zoeken" in pages.text(response)
