"""The item passport behind a unit's QR label: what it is, where it comes from, its custody steps, in Ukrainian or English."""

import datetime
import io

import pytest
import time_machine
from django.core import signing
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from pledges.equipment.workflow import Actor
from pledges.logistics.services import add_offers, move_shipment
from pledges.models import CustodyPhoto, Event, OfferStatus, Shipment, Unit
from pledges.passports.links import make_token, passport_path
from pledges.passports.services import record_step
from tests import factories, pages


def step(client, unit: Unit, lang: str = "uk", **fields):
    return client.post(f"{passport_path(unit)}?lang={lang}", fields)


def gps_photo(name: str = "kharkiv.jpg") -> SimpleUploadedFile:
    """A phone's photo: EXIF with a GPS position and the device."""
    image = Image.new("RGB", (32, 24), "orange")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone 12"  # Model
    exif[0x8825] = {1: "N", 2: (50.0, 0.0, 0.0), 3: "E", 4: (36.0, 13.0, 0.0)}  # GPS
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", exif=exif)
    return SimpleUploadedFile(name, buffer.getvalue(), "image/jpeg")


# What the page shows


def test_it_shows_the_unit_in_ukrainian_without_an_account(client, units):
    unit = units[1]

    response = client.get(passport_path(unit))

    text = pages.plain(response)
    assert response.status_code == 200
    assert response["Content-Language"] == "uk" and '<html lang="uk">' in response.text
    assert f"Паспорт одиниці {unit.number}" in text
    assert "Aggregaat Pramac GSW30, 3-fase" in text and "Almere" in text and "Харків" in text
    assert "2 з 3" in text  # the second unit of three
    assert "Ще не записано жодного кроку" in text
    assert "<script" not in response.text and len(response.content) < 30_000


def test_it_switches_to_english(client, units):
    response = client.get(f"{passport_path(units[0])}?lang=en")

    text = pages.plain(response)
    assert response["Content-Language"] == "en"
    assert f"Passport of unit {units[0].number}" in text and "Kharkiv" in text and "A generator donated by the municipality of Almere" in text
    assert "1 of 3" in text and "No step recorded yet" in text


# Recording steps


def test_two_steps_become_the_units_history_and_its_last_step_shows_on_the_contribution_page(
    client, units, almere_staff, almere
):
    unit = units[0]
    with time_machine.travel(timezone.now() - datetime.timedelta(hours=3)):
        received = step(client, unit, step="received", note="Прийнято на складі")
    installed = step(client, unit, lang="en", step="installed", site="Hospital No. 3, Kharkiv", position="50.0 36.2167")

    assert received.status_code == 302 and installed.status_code == 302
    events = list(Event.objects.filter(unit=unit).order_by("at"))
    assert [event.kind for event in events] == [Event.Kind.CUSTODY] * 2
    assert [event.data["custody"]["step"] for event in events] == ["received", "installed"]
    assert events[1].data["custody"] == {"step": "installed", "site": "Hospital No. 3, Kharkiv", "position": "50.00000, 36.21670"}
    assert events[1].data["by"] == "label" and events[0].note == "Прийнято на складі"
    unit.refresh_from_db()
    assert (unit.last_step, unit.last_site) == ("installed", "Hospital No. 3, Kharkiv")

    page = pages.plain(client.get(f"{passport_path(unit)}?lang=en"))
    assert page.index("Installed · Hospital No. 3, Kharkiv") < page.index("Received")  # newest first
    assert "50.00000, 36.21670" in page

    client.force_login(almere_staff)
    contribution = pages.plain(client.get(reverse("pledges:contribution", args=[almere.code])))
    assert "3 eenheden: 2 nog zonder stap, 1 geïnstalleerd in Hospital No. 3, Kharkiv" in contribution


def test_in_use_after_installed_keeps_the_site(units):
    unit = units[0]
    record_step(unit, "installed", site="Школа № 12")
    record_step(unit, "in_use")

    unit.refresh_from_db()
    assert (unit.last_step, unit.last_site) == ("in_use", "Школа № 12")


def test_a_double_submit_records_the_step_once(client, units):
    unit = units[0]

    first = step(client, unit, step="crossed_border", position="Ягодин")
    second = step(client, unit, step="crossed_border", position="Ягодин")

    assert first.status_code == second.status_code == 302
    assert Event.objects.filter(unit=unit).count() == 1
    assert "Цей крок щойно записано" in pages.plain(client.get(second["Location"]))
    # The same step later (or other words) is a new step: reality repeats itself.
    with time_machine.travel(timezone.now() + datetime.timedelta(hours=1)):
        step(client, unit, step="crossed_border", position="Ягодин")
    assert Event.objects.filter(unit=unit).count() == 2


def test_any_step_may_follow_any_and_is_recorded_as_said(units):
    unit = units[0]
    for code in ("received", "loaded", "broken", "in_use"):
        record_step(unit, code)
    assert list(Event.objects.filter(unit=unit).order_by("at", "id").values_list("data__custody__step", flat=True)) == [
        "received", "loaded", "broken", "in_use"
    ]


def test_the_photo_is_kept_without_its_metadata_and_shown_to_the_link_only(client, units):
    unit = units[0]

    response = client.post(f"{passport_path(unit)}?lang=en", {"step": "received", "photo": gps_photo()})

    assert response.status_code == 302
    photo = CustodyPhoto.objects.get(unit=unit)
    event = Event.objects.get(unit=unit)
    assert event.data["custody"]["photo"] == photo.image.name
    with photo.image.open("rb"), Image.open(photo.image) as stored:
        assert not stored.getexif() and "exif" not in stored.info
    page = client.get(f"{passport_path(unit)}?lang=en")
    photo_url = reverse("pledges:unit_passport_photo", args=[make_token(unit), photo.pk])
    assert photo_url in page.text
    served = client.get(photo_url)
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert b"PhoneMaker" not in b"".join(served.streaming_content)
    # Another unit's link does not open this unit's photo.
    other = reverse("pledges:unit_passport_photo", args=[make_token(units[1]), photo.pk])
    assert client.get(other).status_code == 404


# Bad input, refused in the page's language


@pytest.mark.parametrize(
    ("lang", "fields", "error"),
    [
        ("uk", {"step": "installed"}, "Вкажіть місце, де встановлено одиницю."),
        ("en", {"step": "installed", "site": "  "}, "Name the site where the unit is installed."),
        ("uk", {"step": "received", "position": "x" * 201}, "Переконайтеся, що це значення містить не більше ніж 200 символів"),
        ("en", {"step": "received", "position": "x" * 201}, "Ensure this value has at most 200 characters"),
        ("en", {"step": "teleported"}, "Choose a step."),
        ("uk", {}, "Виберіть крок."),
    ],
)
def test_it_refuses_bad_input_in_the_pages_language(client, units, lang, fields, error):
    response = step(client, units[0], lang=lang, **fields)

    assert response.status_code == 400
    assert any(error in message for message in pages.errors(response)), pages.errors(response)
    assert not Event.objects.filter(unit=units[0]).exists()


@pytest.mark.parametrize(("lang", "error"), [("uk", "не є фотографією у форматі JPEG, PNG або WebP"), ("en", "is not a JPEG, PNG or WebP photo")])
def test_it_refuses_a_file_that_is_not_a_photo(client, units, lang, error):
    fake = SimpleUploadedFile("kharkiv.jpg", b"%PDF-1.4 not a photo", "image/jpeg")

    response = step(client, units[0], lang=lang, step="received", photo=fake)

    assert response.status_code == 400
    assert any(error in message for message in pages.errors(response)), pages.errors(response)
    assert not CustodyPhoto.objects.exists() and not Event.objects.filter(unit=units[0]).exists()


# Links that do not work


def test_a_tampered_link_is_refused_in_ukrainian_and_english(client, units):
    token = make_token(units[0])
    pk, rest = token.split(".", 1)
    tampered = f"{int(pk) + 1}.{rest}"
    forged = signing.Signer(salt="pledges.receipts.recipient-link").sign(f"{units[0].pk}.0")

    for bad in (tampered, forged, "nonsense"):
        response = client.get(reverse("pledges:unit_passport", args=[bad]))
        text = pages.plain(response)
        assert response.status_code == 400
        assert "Посилання цієї етикетки не працює" in text and "This label's link does not work" in text
        assert units[0].number not in text
    posted = client.post(reverse("pledges:unit_passport", args=[tampered]), {"step": "received"})
    assert posted.status_code == 400 and not Event.objects.filter(kind=Event.Kind.CUSTODY).exists()


def test_a_replaced_label_is_refused(client, units):
    unit = units[0]
    old = passport_path(unit)
    Unit.objects.filter(pk=unit.pk).update(link_version=1)

    response = client.get(old)
    posted = client.post(old, {"step": "received"})

    assert response.status_code == posted.status_code == 410
    assert "This label was replaced by a new one" in pages.plain(response)
    assert "Цю етикетку замінено новою" in pages.plain(response)
    assert not Event.objects.filter(unit=unit).exists()
    unit.refresh_from_db()
    assert client.get(passport_path(unit)).status_code == 200


# The coordinator's view


def test_the_shipment_page_lists_the_units_with_their_passports(client, coordinator, shipped, units):
    record_step(units[0], "received")
    client.force_login(coordinator)

    page = client.get(shipped.get_absolute_url())

    for unit in units:
        assert reverse("pledges:unit_passport", args=[make_token(unit)]) in page.text
    assert "ontvangen" in pages.plain(page)


def test_the_contribution_page_costs_the_same_queries_with_more_units(client, almere_staff, almere, units, ukraine_appeal):
    client.force_login(almere_staff)
    url = reverse("pledges:contribution", args=[almere.code])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for unit in units:
        record_step(unit, "received")
    record_step(units[0], "installed", site="Ziekenhuis")
    assert queries() == few


def test_the_public_page_counts_units_per_step_without_sites_or_positions(client, settings, units, ukraine_appeal,
                                                                          almere_staff, coordinator):
    settings.PUBLIC_DASHBOARDS = True
    record_step(units[0], "installed", site="Hospital No. 3", position="50.00000, 36.21670")
    record_step(units[1], "received")
    record_step(units[2], "received")
    # Another appeal's unit, shipped and received too, is not this page's.
    winter = factories.appeal(title="Winterhulp")
    kyiv = factories.destination("Kyiv")
    heater = factories.offer(almere_staff.municipality, winter, almere_staff, status=OfferStatus.COLLECTED,
                             destination=kyiv, quantity=1)
    shipment = factories.shipment(winter, kyiv)
    add_offers(shipment, [heater.pk], Actor.of(coordinator))
    move_shipment(shipment, Shipment.Status.IN_TRANSIT, Actor.of(coordinator))
    record_step(heater.units.get(), "received")
    url = reverse("pledges:public_appeal", args=[ukraine_appeal.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        return len(captured), response

    count, response = queries()
    text = pages.plain(response)
    assert "Geïnstalleerd 1" in text and "Ontvangen 2" in text
    assert "Hospital No. 3" not in text and "36.21670" not in text
    record_step(units[1], "in_use")
    assert queries()[0] == count


def test_municipal_staff_see_their_own_units_on_the_shipment_page_without_passport_links(
    client, coordinator, utrecht_staff, almere_staff, shipped, units, ukraine_appeal
):
    theirs = factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, quantity=1)
    factories.on_board(shipped, theirs)
    other = Unit.objects.create(offer=theirs, serial=1)
    client.force_login(almere_staff)

    page = client.get(shipped.get_absolute_url())

    assert units[0].number in page.text and other.number not in page.text
    assert reverse("pledges:unit_passport", args=[make_token(units[0])]) not in page.text


def test_the_coordinator_replaces_a_label_once_and_the_old_one_says_so(client, coordinator, finance, shipped, units):
    unit = units[0]
    old = passport_path(unit)
    client.force_login(coordinator)
    assert reverse("pledges:unit_replace_label", args=[unit.pk]) in client.get(shipped.get_absolute_url()).text
    data = factories.once()

    first = client.post(reverse("pledges:unit_replace_label", args=[unit.pk]), data)
    again = client.post(reverse("pledges:unit_replace_label", args=[unit.pk]), data)

    assert first.status_code == again.status_code == 302
    unit.refresh_from_db()
    assert unit.link_version == 1
    assert client.get(old).status_code == 410
    assert client.get(passport_path(unit)).status_code == 200
    event = Event.objects.get(unit=unit, kind=Event.Kind.EDITED)
    assert event.actor == coordinator and event.data == {"label_replaced": 1}
    client.force_login(finance)
    assert client.post(reverse("pledges:unit_replace_label", args=[unit.pk]), factories.once()).status_code == 403
