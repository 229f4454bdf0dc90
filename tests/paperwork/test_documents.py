"""The shipment papers: gift letter, act of acceptance-transfer, CMR data, dangerous goods, labels; each PDF read back."""

import datetime
from decimal import Decimal

import pytest
import time_machine
import zxingcpp
from django.urls import reverse

from pledges.models import Event, OfferStatus, Unit
from pledges.paperwork.documents import kopiyky
from tests import factories
from tests.documents import pdf_reader, pdf_text

pytestmark = pytest.mark.django_db

RATE = Decimal("48.1234")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def shipment(ukraine_appeal, reference_data):
    kyiv = factories.destination("Kyiv")
    shipment = factories.shipment(ukraine_appeal, kyiv, carrier="Van der Wal Transport", reference="VDW-2026-118")
    shipment.recipient = factories.paperwork_recipient(kyiv)
    shipment.exchange_rate_uah = RATE
    shipment.exchange_rate_date = datetime.date(2026, 5, 29)
    shipment.save()
    return shipment


@pytest.fixture
def items(shipment, almere_staff, utrecht_staff, ukraine_appeal):
    kyiv = shipment.destination
    generator = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff,
        status=OfferStatus.COLLECTED, destination=kyiv, description="Aggregaat Caterpillar 100 kVA",
        quantity=2, weight_kg=Decimal("1250.5"), value_cents=10_000_33, condition="new", fuel="diesel",
        fuel_in_tank=True,
    )
    battery = factories.offer(
        utrecht_staff.municipality, ukraine_appeal, utrecht_staff,
        status=OfferStatus.COLLECTED, destination=kyiv, category="battery", description="Thuisbatterij 10 kWh",
        quantity=3, power_kva=None, weight_kg=Decimal("40"), value_cents=1_999_99, condition="used", year=2024,
        fuel="none", lithium_batteries=True,
    )
    factories.on_board(shipment, generator, battery)
    return generator, battery


def get(client, user, shipment, document, follow=False, **query):
    client.force_login(user)
    return client.get(reverse("pledges:shipment_document", args=[shipment.pk, document]), query, follow=follow)


def pdf(client, user, shipment, document, **query) -> str:
    response = get(client, user, shipment, document, **query)
    assert response.status_code == 200, response
    assert response["Content-Type"] == "application/pdf"
    return pdf_text(response.content)


# --------------------------------------------------------------------------- hryvnia


def test_hryvnia_are_kopiyky_of_the_cents_rounded_half_up():
    assert kopiyky(1, RATE) == 48  # 48.1234 kopiyky
    assert kopiyky(10_000_33, Decimal("48.1250")) == 48_126_588  # 48 126 588.1250 → 588
    assert kopiyky(2, Decimal("40.2500")) == 81  # 80.5 rounds up, not to even
    assert kopiyky(0, RATE) == 0


# --------------------------------------------------------------------------- gift letter


def test_the_gift_letter_names_the_parties_the_goods_and_the_ahars_fields(client, coordinator, shipment, items):
    generator, battery = items
    text = pdf(client, coordinator, shipment, "gift_letter")

    for expected in (
        "Дарчий лист", "Gift letter", shipment.number, "Stichting VNG Fonds", "Nassaulaan 12, 2514 JS Den Haag",
        "Виконавчий орган Київської міської ради", "Executive Body of the Kyiv City Council", "04058172",
        "AHARS-0012345", "14.03.2025", "Van der Wal Transport", "VDW-2026-118", "04.06.2026",
        "безоплатно", "гуманітарну допомогу", "free of charge", "humanitarian aid", "Aggregaat Caterpillar 100 kVA",
        "Thuisbatterij 10 kWh", "генератор", "generator",
    ):
        assert expected in text, expected
    # The generator is new: 10 000,33 a unit; the battery two years old: 80% of 1 999,99 = 1 599,99.
    assert "10 000,33 20 000,66" in text and "10,000.33 20,000.66" in text
    assert "1 599,99 4 799,97" in text and "1,599.99 4,799.97" in text
    assert "24 800,63 EUR" in text and "EUR 24,800.63" in text
    # 2 × 1 250,5 + 3 × 40 kg
    assert "2 621,0 kg" in text and "2,621.0 kg" in text
    assert "Dutch" not in text and "Schenkingsbrief" not in text


def test_the_fund_files_a_dutch_and_english_gift_letter(client, coordinator, shipment, items):
    text = pdf(client, coordinator, shipment, "gift_letter", language="nl")

    assert "Schenkingsbrief" in text and "Gift letter" in text and "Дарчий лист" not in text
    assert "kosteloos" in text and "EUR 24.800,63" in text and "EUR 24,800.63" in text


# --------------------------------------------------------------------------- act


def test_the_act_states_euro_and_hryvnia_at_the_printed_nbu_rate(client, coordinator, shipment, items):
    text = pdf(client, coordinator, shipment, "act")

    assert "Акт приймання-передачі" in text and "Act of acceptance-transfer" in text
    assert "офіційним курсом НБУ на 29.05.2026: 1 EUR = 48,1234 UAH" in text
    assert "official NBU rate of 29.05.2026: 1 EUR = 48.1234 UAH" in text
    # Generator: 10 000,33 EUR × 48,1234 = 481 249,88 UAH (481 249,8808); two of them 962 499,76.
    # Battery: 1 599,99 × 48,1234 = 76 996,96 (76 996,9588); three 230 990,88. Total 1 193 490,64.
    assert "481 249,88 962 499,76" in text and "481,249.88 962,499.76" in text
    assert "76 996,96 230 990,88" in text and "76,996.96 230,990.88" in text
    assert "1 193 490,64 грн" in text and "UAH 1,193,490.64" in text
    assert "24 800,63 EUR = 1 193 490,64 грн" in text
    for expected in ("04058172", "заступник голови Олена Петренко", "Олена Петренко, заступник голови", "Прийняв",
                     "Accepted by", "Stichting VNG Fonds"):
        assert expected in text, expected


def test_the_act_needs_a_rate(client, coordinator, shipment, items):
    shipment.exchange_rate_uah = shipment.exchange_rate_date = None
    shipment.save()
    events = Event.objects.count()

    response = get(client, coordinator, shipment, "act")

    assert response.status_code == 302 and response["Location"] == shipment.get_absolute_url()
    page = client.get(shipment.get_absolute_url()).content.decode()
    assert "Het document kan nog niet worden gemaakt. Ontbreekt: de NBU-wisselkoers en de datum ervan." in page
    assert "kan nog niet worden gemaakt, ontbreekt: de NBU-wisselkoers en de datum ervan." in page
    assert Event.objects.count() == events


def test_no_recipient_no_papers_for_it_and_the_page_says_so(client, coordinator, shipment, items):
    shipment.recipient = None
    shipment.save()

    for document in ("gift_letter", "act", "cmr"):
        response = get(client, coordinator, shipment, document)
        assert response.status_code == 302, document
    page = client.get(shipment.get_absolute_url()).content.decode()
    assert page.count("ontbreekt: de ontvangende organisatie") == 3
    # The dangerous goods and the labels do not need the recipient.
    assert get(client, coordinator, shipment, "dangerous_goods").status_code == 200


def test_a_recipient_without_ahars_registration_gets_no_gift_letter(client, coordinator, shipment, items):
    shipment.recipient.ahars_registration = ""
    shipment.recipient.save()

    response = get(client, coordinator, shipment, "gift_letter", follow=True)
    assert "Ontbreekt: registratie in AHARS van de ontvanger." in response.content.decode()


# --------------------------------------------------------------------------- CMR and dangerous goods


def test_the_cmr_sheet_gives_the_carrier_places_dates_goods_and_weights(client, coordinator, shipment, items):
    text = pdf(client, coordinator, shipment, "cmr")

    for expected in ("Відправник (дарувальник) / Consignor (donor)", "Stichting VNG Fonds", "Executive Body of the Kyiv City Council",
                     "Київ / Kyiv", "Depot Lelystad", "04.06.2026", "Van der Wal Transport", "VDW-2026-118",
                     "Aggregaat Caterpillar 100 kVA", "2 501,0 kg", "120,0 kg", "2 621,0 kg", "UN 3528", "UN 3480",
                     "UN 1202"):
        assert expected in text, expected


def test_the_dangerous_goods_summary_counts_units_per_un_number(client, coordinator, shipment, items):
    response = get(client, coordinator, shipment, "dangerous_goods")
    text = pdf_text(response.content)

    assert "UN 3528 ENGINE, INTERNAL COMBUSTION, FLAMMABLE LIQUID POWERED" in text
    assert "UN 3480 LITHIUM ION BATTERIES" in text
    assert "3 2 2 501,0 kg" in text  # UN 3528, class 3, 2 units
    assert "9 3 120,0 kg" in text  # UN 3480, class 9, 3 units
    assert "Одиниць / Units: 2 · UN 1202 паливо дизельне / diesel fuel" in text


def test_equipment_with_lithium_inside_and_petrol_engines(client, coordinator, shipment, items, almere_staff,
                                                         ukraine_appeal):
    generator, battery = items
    generator.fuel = "petrol"
    generator.save()
    lamp = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.COLLECTED,
                           category="lighting", description="Lichtmast LED", quantity=4, fuel="none",
                           weight_kg=Decimal("80"), lithium_batteries=True)
    factories.on_board(shipment, lamp)

    text = pdf(client, coordinator, shipment, "dangerous_goods")
    assert "UN 3481 LITHIUM ION BATTERIES CONTAINED IN EQUIPMENT" in text and "UN 1203" in text


def test_no_dangerous_goods_says_none(client, coordinator, shipment, items):
    for offer in items:
        offer.fuel_in_tank = offer.lithium_batteries = False
        offer.save()

    response = get(client, coordinator, shipment, "dangerous_goods")
    text = pdf_text(response.content)
    assert "UN 3528 ENGINE" not in text and "LITHIUM ION BATTERIES" not in text
    assert text.count("немає / none") == 3  # UN numbers, fuel in tanks, lithium batteries


# --------------------------------------------------------------------------- labels


def test_one_label_per_unit_whose_qr_opens_the_passport(client, coordinator, shipment, items):
    generator, battery = items
    response = get(client, coordinator, shipment, "labels")
    text = pdf_text(response.content)

    units = list(Unit.objects.filter(offer__shipment=shipment))
    assert len(units) == 5
    for unit in units:
        assert unit.number in text
    assert "Almere" in text and "Utrecht" in text and "Київ / Kyiv" in text and shipment.number in text
    decoded = sorted(
        found.text for page in pdf_reader(response.content).pages for image in page.images
        for found in zxingcpp.read_barcodes(image.image)
    )
    assert len(decoded) == 5 and all(url.startswith("http://testserver/paspoort/") for url in decoded)
    assert decoded[0] in text.replace(" ", "")
    # The passport page opens (logged in here: the passport page of main's foundation asks for a login).
    for url in decoded:
        assert client.get(url.removeprefix("http://testserver")).status_code == 200
    # Printing again makes no new units and no new entry.
    events = Event.objects.filter(kind=Event.Kind.DOCUMENTS).count()
    get(client, coordinator, shipment, "labels")
    assert Unit.objects.filter(offer__shipment=shipment).count() == 5
    assert Event.objects.filter(kind=Event.Kind.DOCUMENTS).count() == events


# --------------------------------------------------------------------------- history and access


def test_issuing_records_once_until_the_content_changes(client, coordinator, shipment, items):
    get(client, coordinator, shipment, "act")
    get(client, coordinator, shipment, "act")
    [event] = Event.objects.filter(kind=Event.Kind.DOCUMENTS, shipment=shipment)
    assert event.data | {"fingerprint": ""} == {"document": "act", "language": "uk", "rate": "48.1234",
                                                "rate_date": "2026-05-29", "fingerprint": ""}
    assert event.actor == coordinator

    shipment.exchange_rate_uah = Decimal("47.9000")
    shipment.save()
    get(client, coordinator, shipment, "act")
    get(client, coordinator, shipment, "act", language="nl")
    assert Event.objects.filter(kind=Event.Kind.DOCUMENTS, shipment=shipment).count() == 3

    page = client.get(shipment.get_absolute_url()).content.decode()
    assert "Akte van overdracht en aanvaarding uitgegeven (Oekraïens en Engels) tegen 1 EUR = 47,9000 UAH " \
        "(NBU-koers van 29 mei 2026)." in page
    assert "Akte van overdracht en aanvaarding uitgegeven (Nederlands en Engels)" in page


def test_the_shipment_page_links_the_papers_for_fund_staff(client, finance, shipment, items):
    client.force_login(finance)
    page = client.get(shipment.get_absolute_url()).content.decode()
    for document in ("gift_letter", "act", "cmr", "dangerous_goods", "labels"):
        assert reverse("pledges:shipment_document", args=[shipment.pk, document]) in page
    assert get(client, finance, shipment, "cmr").status_code == 200


def test_municipal_staff_get_no_papers(client, almere_staff, shipment, items):
    assert get(client, almere_staff, shipment, "gift_letter").status_code == 403
    page = client.get(shipment.get_absolute_url()).content.decode()
    assert "papieren" not in page and "Transportpapieren" not in page


def test_an_unknown_document_is_not_found(client, coordinator, shipment, items):
    assert get(client, coordinator, shipment, "invoice").status_code == 404


def test_an_empty_shipment_has_no_papers_yet(client, coordinator, shipment):
    client.force_login(coordinator)
    page = client.get(shipment.get_absolute_url()).content.decode()

    assert page.count("kan nog niet worden gemaakt, ontbreekt: aanbiedingen aan boord.") == 5
    assert get(client, coordinator, shipment, "labels").status_code == 302
    assert not Unit.objects.exists()
