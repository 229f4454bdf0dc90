"""“What happened with our contribution”: each offer and pledge of one municipality, with its timeline."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.equipment.photos import stripped_photo
from pledges.equipment.workflow import Actor
from pledges.logistics.receipts import confirm_receipt
from pledges.logistics.services import add_offers, move_shipment
from pledges.models import OfferStatus, Shipment
from tests import factories, pages


@pytest.fixture
def journey(coordinator, almere_staff, ukraine_appeal, reference_data):
    """Almere's generator went all the way to Kyiv and the city confirmed it."""
    kyiv = factories.destination("Kyiv")
    generator = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
        destination=kyiv, description="Aggregaat Caterpillar 100 kVA",
    )
    shipment = factories.shipment(ukraine_appeal, kyiv)
    actor = Actor.of(coordinator)
    add_offers(shipment, [generator.pk], actor)
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, actor)
    move_shipment(shipment, Shipment.Status.DELIVERED, actor)
    confirm_receipt(shipment, generator.pk, note="Draait in ziekenhuis nr. 3")
    generator.refresh_from_db()
    return generator, shipment


@pytest.fixture
def almere_pledge(almere_staff, ukraine_appeal):
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=2_500_00)


@pytest.fixture
def utrecht_offer(utrecht_staff, ukraine_appeal):
    return factories.offer(
        utrecht_staff.municipality, ukraine_appeal, utrecht_staff, description="UTRECHT-MARKER zonnepanelen"
    )


def contribution_url(municipality) -> str:
    return reverse("pledges:contribution", args=[municipality.code])


def test_it_sends_staff_to_their_own_municipalitys_stable_address(client, almere_staff, almere):
    client.force_login(almere_staff)

    response = client.get(reverse("pledges:contribution_home"))

    assert response.status_code == 302
    assert response["Location"] == "/bijdrage/GM0034/"


def test_it_shows_each_offer_and_pledge_with_its_timeline(
    client, almere_staff, almere, journey, almere_pledge, utrecht_offer
):
    generator, shipment = journey
    client.force_login(almere_staff)

    response = client.get(contribution_url(almere), HTTP_ACCEPT_LANGUAGE="en")

    text = pages.plain(response)
    assert response.status_code == 200
    assert generator.number in text and "Aggregaat Caterpillar 100 kVA" in text
    assert shipment.number in text
    for status in ("collected → in transit", "in transit → delivered", "delivered → receipt confirmed"):
        assert status in text
    assert "Kyiv (recipient via link)" in text
    assert "Draait in ziekenhuis nr. 3" in text
    assert almere_pledge.number in text and "€2,500.00" in text
    assert pages.total(response, "confirmed") == "1"
    assert "UTRECHT-MARKER" not in text and utrecht_offer.number not in text
    assert "http://testserver/bijdrage/GM0034/" in text


def test_it_answers_staff_of_another_municipality_as_if_it_did_not_exist(client, utrecht_staff, almere, journey):
    client.force_login(utrecht_staff)

    other = client.get(contribution_url(almere))
    unknown = client.get(reverse("pledges:contribution", args=["GM9999"]))

    assert other.status_code == unknown.status_code == 404
    assert journey[0].number not in other.text


@pytest.mark.parametrize("role", ["coordinator", "finance", "administrator"])
def test_it_shows_the_fund_any_municipality(client, request, role, almere, journey, utrecht_offer, utrecht):
    client.force_login(request.getfixturevalue(role))

    chooser = client.get(reverse("pledges:contribution_home"))
    page = client.get(contribution_url(almere))

    assert chooser.status_code == 200
    assert contribution_url(almere) in chooser.text and contribution_url(utrecht) in chooser.text
    assert "Amsterdam" not in pages.plain(chooser)  # listed only once it contributed
    assert page.status_code == 200 and journey[0].number in page.text


def test_it_costs_the_same_queries_for_one_offer_or_many(client, almere_staff, almere, ukraine_appeal, journey, almere_pledge):
    client.force_login(almere_staff)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(contribution_url(almere)).status_code == 200
        return len(captured)

    few = queries()
    for _ in range(5):
        factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
        factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    assert queries() == few


def test_it_shows_municipal_staff_the_way_to_their_contribution(client, almere_staff, coordinator):
    page = reverse("pledges:contribution_home")
    client.force_login(almere_staff)
    assert f'href="{page}"' in client.get(reverse("pledges:donation_list")).text
    client.force_login(coordinator)
    assert f'href="{page}"' not in client.get(reverse("pledges:donation_list")).text


def test_it_shows_the_citys_photo_to_the_municipality_only(
    client, settings, tmp_path, coordinator, almere_staff, utrecht_staff, almere, ukraine_appeal
):
    settings.MEDIA_ROOT = tmp_path
    kyiv = factories.destination("Kyiv")
    generator = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED, destination=kyiv
    )
    shipment = factories.shipment(ukraine_appeal, kyiv)
    factories.on_board(shipment, generator)
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    move_shipment(shipment, Shipment.Status.DELIVERED, Actor.of(coordinator))
    # As the receipt form hands it over: without metadata (pledges.equipment.photos).
    photo = stripped_photo(SimpleUploadedFile("x.png", factories.image_bytes("PNG")), "image/png")
    picture = photo.file.getvalue()
    confirm_receipt(shipment, generator.pk, photo=photo, photo_content_type="image/png")
    url = reverse("pledges:contribution_receipt_photo", args=[almere.code, generator.pk])

    client.force_login(almere_staff)
    page = client.get(contribution_url(almere))
    own = client.get(url)
    client.force_login(utrecht_staff)
    other = client.get(url)

    assert url in page.text
    assert own.status_code == 200 and own["Content-Type"] == "image/png"
    assert b"".join(own.streaming_content) == picture
    assert other.status_code == 404


def test_the_contribution_page_asks_for_the_yearly_account_of_its_municipality(
    client, settings, tmp_path, journey, almere_pledge, almere_staff
):
    """The page's own form (action, fields, years) queues the account that the worker writes as a PDF."""
    import re

    from pledges.finance.annual import selectable_years
    from pledges.models import AnnualAccount
    from tests.documents import pdf_text

    settings.MEDIA_ROOT = tmp_path / "media"
    client.force_login(almere_staff)
    page = client.get(reverse("pledges:contribution", args=["GM0034"])).content.decode()
    [form] = re.findall(r'<form method="post" action="([^"]+)"[^>]*>(.*?)</form>', page, re.S)
    assert form[0] == reverse("pledges:annual_account_queue")
    assert 'name="municipality" value="GM0034"' in form[1]
    years = re.findall(r'<option value="(\d{4})"', form[1])
    assert years == [str(year) for year in selectable_years()]

    response = client.post(form[0], {"municipality": "GM0034", "year": years[0]})

    job = AnnualAccount.objects.get()
    assert response["Location"] == reverse("pledges:annual_account_job", args=[job.pk])
    text = pdf_text(job.file.read())
    generator, _shipment = journey
    assert almere_pledge.number in text and generator.number in text and "Draait in ziekenhuis nr. 3" in text
