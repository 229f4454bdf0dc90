"""Equipment offers: the form, its photos, the offer page and its moves, the table and bulk moves."""

import re
import datetime
import zoneinfo
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation

from pledges.core.fields import PHOTO_MAX_BYTES
from pledges.core.measures import format_measure
from pledges.equipment import services as equipment_services
from pledges.equipment.services import OfferLocked, update_offer
from pledges.equipment.tables import OfferTable
from pledges.models import Category, EquipmentOffer, Event, OfferPhoto, OfferStatus, Role
from tests import factories, pages
from tests.conftest import make_user

TODAY = timezone.localdate


@pytest.fixture(autouse=True)
def english(settings) -> None:
    """Read the pages in English, the language of the message ids these tests quote."""
    settings.LANGUAGE_CODE = "en"


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    """Uploaded photos go to a fresh folder, so a test sees every file left behind."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def jpeg(name: str = "aggregaat.jpg", **kwargs) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, factories.image_bytes("JPEG", **kwargs), content_type="image/jpeg")


def png(name: str = "typeplaatje.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, factories.image_bytes("PNG"), content_type="image/png")


@pytest.fixture
def almere_offer(almere_staff, ukraine_appeal) -> EquipmentOffer:
    return factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, description="Almere-aggregaat")


@pytest.fixture
def utrecht_offer(utrecht_staff, ukraine_appeal) -> EquipmentOffer:
    return factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, description="Utrecht-aggregaat")


def _move(client, offer, to_status, **fields):
    data = {"to_status": to_status, f"{to_status}-expected_status": fields.pop("expected_status", offer.status)}
    if "confirmed" in fields:
        data["confirmed"] = fields.pop("confirmed")
    data |= {f"{to_status}-{name}": value for name, value in fields.items()}
    return client.post(reverse("pledges:offer_move", args=[offer.pk]), data)


def _messages(response) -> list[str]:
    return [str(message) for message in response.wsgi_request._messages]


# The offer form


def test_it_records_an_offer_with_its_photos_and_one_event(
    client, almere_staff, coordinator, ukraine_appeal, media, mailoutbox, django_capture_on_commit_callbacks
):
    kyiv_need = factories.need(ukraine_appeal, factories.destination("Kyiv"))
    client.force_login(almere_staff)
    data = factories.offer_form(ukraine_appeal, need=kyiv_need.pk) | {"photos": [jpeg(), png()]}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pledges:offer_create"), data)

    offer = EquipmentOffer.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("pledges:offer_detail", args=[offer.pk])
    assert offer.municipality == almere_staff.municipality
    assert offer.created_by == almere_staff
    assert offer.status == OfferStatus.OFFERED
    assert offer.pickup_postcode == "1315 HR"
    assert offer.power_kva == Decimal("60.5")
    assert offer.value_cents == 12_500_00
    assert offer.need == kyiv_need
    assert sorted(OfferPhoto.objects.values_list("content_type", flat=True)) == ["image/jpeg", "image/png"]
    assert len(stored_files(media)) == 2
    assert [(e.kind, e.to_status, e.actor) for e in offer.events.all()] == [
        (Event.Kind.CREATED, OfferStatus.OFFERED, almere_staff)
    ]
    [mail] = mailoutbox
    assert mail.to == [coordinator.email]
    assert offer.number in mail.subject
    assert "Almere" in mail.body


def test_it_shows_the_open_needs_with_what_is_still_missing(client, almere_staff, utrecht_staff, ukraine_appeal):
    kyiv, dnipro = factories.destination("Kyiv"), factories.destination("Dnipro")
    kyiv_need = factories.need(ukraine_appeal, kyiv, quantity=10)
    factories.need(ukraine_appeal, dnipro, quantity=4, category="transformer", min_power_kva=None)
    factories.need(ukraine_appeal, dnipro, quantity=99, category="pump", is_open=False)
    factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, quantity=3, need=kyiv_need, status=OfferStatus.ACCEPTED)
    client.force_login(almere_staff)

    response = client.get(reverse("pledges:offer_create"))

    page = response.text
    assert response.status_code == 200
    assert "Kyiv" in page and "Dnipro" in page
    assert "7 of 10 still missing" in page
    assert "4 of 4 still missing" in page
    assert "of 99 still missing" not in page  # a closed need is not offered to answer


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        ("pickup_postcode", "1315", "four digits and two letters"),
        ("pickup_postcode", "0315 HR", "four digits and two letters"),
        ("pickup_postcode", "1315 SS", "does not exist"),
        ("quantity", "0", "at least 1"),
        ("quantity", "-3", "at least 1"),
        ("quantity", "10001", "At most 10,000 units"),
        ("quantity", "twee", "whole number"),
        ("power_kva", "0", "more than 0 kVA"),
        ("power_kva", "-10", "more than 0 kVA"),
        ("power_kva", "", "Enter the power in kVA"),
        ("year", str(TODAY().year + 1), "cannot be in the future"),
        ("year", "1949", "1950 or later"),
        ("available_from", (TODAY() - datetime.timedelta(days=1)).isoformat(), "cannot be in the past"),
        ("available_from", (TODAY() + datetime.timedelta(days=400)).isoformat(), "more than a year away"),
        ("value", "0", "above zero"),
        ("value", "veel", "Enter an amount in euro"),
        ("weight_kg", "0", "more than 0 kg"),
    ],
)
def test_it_refuses_bad_input_with_a_clear_error_and_stores_nothing(
    field, typed, message, client, almere_staff, coordinator, ukraine_appeal, media, mailoutbox, django_capture_on_commit_callbacks
):
    client.force_login(almere_staff)
    data = factories.offer_form(ukraine_appeal, **{field: typed}) | {"photos": [jpeg()]}

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("pledges:offer_create"), data)

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert list(errors) == [field], errors
    assert message in " ".join(errors[field])
    assert message in response.text.replace("&#x27;", "'")
    assert factories.equipment_snapshot() == {"offers": [], "photos": [], "needs": [], "events": []}
    assert stored_files(media) == []
    assert mailoutbox == []


def _photo_error(client, ukraine_appeal, photos) -> str:
    response = client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": photos})
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["photos"]
    return " ".join(response.context["form"].errors["photos"])


def test_it_refuses_a_photo_over_five_megabytes(client, almere_staff, ukraine_appeal, media):
    client.force_login(almere_staff)
    oversized = SimpleUploadedFile("groot.jpg", factories.image_bytes("JPEG") + b"\0" * PHOTO_MAX_BYTES)

    assert "“groot.jpg” is larger than 5 MB" in _photo_error(client, ukraine_appeal, [jpeg(), oversized])
    assert EquipmentOffer.objects.count() == OfferPhoto.objects.count() == 0
    assert stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("factuur.jpg", b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n"),
        ("script.jpg", b"<script>alert(1)</script>"),
        ("leeg.jpg", b""),
        ("animatie.jpg", factories.image_bytes("GIF")),
        ("afgekapt.png", factories.image_bytes("PNG")[:40]),
    ],
)
def test_it_refuses_a_file_that_is_no_photo_whatever_its_name(name, content, client, almere_staff, ukraine_appeal, media):
    client.force_login(almere_staff)
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")

    error = _photo_error(client, ukraine_appeal, [jpeg(), upload])

    assert f"“{name}” is not a JPEG, PNG or WebP photo" in error or (not content and "empty" in error)
    assert EquipmentOffer.objects.count() == OfferPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_it_refuses_a_picture_of_absurd_size(client, almere_staff, ukraine_appeal, media, monkeypatch):
    from PIL import Image

    # A decompression bomb in miniature: more pixels than Pillow is told to accept.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)
    client.force_login(almere_staff)

    error = _photo_error(client, ukraine_appeal, [jpeg("bom.jpg", size=(20, 10))])

    assert "“bom.jpg” is not a JPEG, PNG or WebP photo" in error
    assert stored_files(media) == []


def test_it_refuses_more_than_five_photos(client, almere_staff, ukraine_appeal, media):
    client.force_login(almere_staff)

    error = _photo_error(client, ukraine_appeal, [jpeg(f"foto{i}.jpg") for i in range(6)])

    assert "at most 5 photos" in error
    assert EquipmentOffer.objects.count() == OfferPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_it_accepts_webp_photos(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)
    webp = SimpleUploadedFile("foto.webp", factories.image_bytes("WEBP"))

    response = client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": [webp]})

    assert response.status_code == 302
    assert OfferPhoto.objects.get().content_type == "image/webp"


def test_it_removes_stored_photos_when_the_offer_cannot_be_saved(client, almere_staff, ukraine_appeal, media, monkeypatch):
    def history_fails(*args, **fields):
        raise RuntimeError("the database went away after the photos were stored")

    monkeypatch.setattr(equipment_services, "record", history_fails)
    client.force_login(almere_staff)
    client.raise_request_exception = True

    with pytest.raises(RuntimeError):
        client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": [jpeg(), png()]})

    assert EquipmentOffer.objects.count() == OfferPhoto.objects.count() == 0
    assert stored_files(media) == []


def test_it_checks_that_the_offer_fits_the_need_it_answers(client, almere_staff, ukraine_appeal):
    kyiv = factories.destination()
    big_need = factories.need(ukraine_appeal, kyiv, min_power_kva=100)
    pump_need = factories.need(ukraine_appeal, kyiv, category="pump", min_power_kva=None)
    closed_need = factories.need(ukraine_appeal, kyiv, is_open=False)
    other_appeal_need = factories.need(factories.appeal(accepts="equipment"), kyiv)
    client.force_login(almere_staff)

    def need_error(need) -> str:
        response = client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal, need=need.pk))
        assert response.status_code == 200
        return " ".join(response.context["form"].errors["need"])

    assert "at least 100" in need_error(big_need)
    assert "asks for: pump" in need_error(pump_need)
    assert "Select a valid choice" in need_error(closed_need)
    assert "another appeal" in need_error(other_appeal_need)
    assert EquipmentOffer.objects.count() == 0


@pytest.mark.parametrize("user", ["coordinator", "finance", "administrator"])
def test_it_lets_only_municipal_staff_offer(user, client, request, ukraine_appeal):
    client.force_login(request.getfixturevalue(user))

    assert client.get(reverse("pledges:offer_create")).status_code == 403
    assert client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal)).status_code == 403
    assert EquipmentOffer.objects.count() == 0


# Editing and withdrawing, by the municipality


def test_it_records_an_edit_as_from_and_to(client, almere_staff, almere_offer, ukraine_appeal, media):
    client.force_login(almere_staff)
    data = factories.offer_form(
        ukraine_appeal,
        quantity="3",
        pickup_postcode="1315hr",
        available_from=almere_offer.available_from.isoformat(),
    ) | {"photos": [png()]}

    response = client.post(reverse("pledges:offer_edit", args=[almere_offer.pk]), data)

    assert response.status_code == 302
    almere_offer.refresh_from_db()
    assert almere_offer.quantity == 3
    edit = almere_offer.events.get(kind=Event.Kind.EDITED)
    assert edit.actor == almere_staff
    assert edit.changes["quantity"] == [1, 3]
    assert edit.changes["photos"] == [0, 1]
    assert "pickup_postcode" not in edit.changes
    assert almere_offer.photos.count() == 1


def test_it_keeps_an_offer_that_was_not_changed_without_an_edit_event(client, almere_staff, almere_offer, ukraine_appeal):
    client.force_login(almere_staff)
    data = factories.offer_form(
        ukraine_appeal,
        quantity=str(almere_offer.quantity),
        description=almere_offer.description,
        power_kva="60",
        value="12500",
        weight_kg="1250",
        length_cm="",
        width_cm="",
        height_cm="",
        contact_phone="",
        available_from=almere_offer.available_from.isoformat(),
    )

    client.post(reverse("pledges:offer_edit", args=[almere_offer.pk]), data)

    assert list(almere_offer.events.filter(kind=Event.Kind.EDITED).values_list("changes", flat=True)) == []


def test_it_locks_an_offer_once_the_fund_has_decided(client, almere_staff, coordinator, almere_offer, ukraine_appeal):
    factories_destination = factories.destination()
    from pledges.equipment import workflow as workflow

    workflow.transition(almere_offer, OfferStatus.ACCEPTED, workflow.Actor.of(coordinator), destination=factories_destination)
    before = factories.equipment_snapshot()
    client.force_login(almere_staff)

    response = client.post(
        reverse("pledges:offer_edit", args=[almere_offer.pk]), factories.offer_form(ukraine_appeal, quantity="9")
    )

    assert response.status_code == 302
    assert "can no longer be changed" in _messages(response)[0]
    assert factories.equipment_snapshot() == before


def test_it_refuses_an_edit_saved_after_the_fund_decided(almere_staff, coordinator, almere_offer, ukraine_appeal):
    from pledges.equipment import workflow as workflow
    from pledges.equipment.forms import OfferForm

    form = OfferForm(factories.offer_form(ukraine_appeal, quantity="9"), instance=almere_offer)
    assert form.is_valid(), form.errors
    workflow.transition(
        EquipmentOffer.objects.get(pk=almere_offer.pk), OfferStatus.DECLINED, workflow.Actor.of(coordinator), note="Te oud"
    )
    before = factories.equipment_snapshot()

    with pytest.raises(OfferLocked):
        update_offer(form, almere_staff)

    assert factories.equipment_snapshot() == before


def test_it_lets_staff_withdraw_their_offer(client, almere_staff, almere_offer):
    client.force_login(almere_staff)

    asked = _move(client, almere_offer, OfferStatus.WITHDRAWN, note="Toch zelf nodig")
    almere_offer.refresh_from_db()
    assert asked.status_code == 200 and almere_offer.status == OfferStatus.OFFERED

    response = _move(client, almere_offer, OfferStatus.WITHDRAWN, note="Toch zelf nodig", confirmed="yes")

    assert response.status_code == 302
    almere_offer.refresh_from_db()
    assert almere_offer.status == OfferStatus.WITHDRAWN
    event = almere_offer.events.get(kind=Event.Kind.STATUS)
    assert (event.actor, event.note) == (almere_staff, "Toch zelf nodig")


def test_it_asks_to_confirm_an_offers_withdrawal_and_says_it_cannot_be_undone(client, almere_staff, almere_offer):
    client.force_login(almere_staff)
    before = factories.equipment_snapshot()

    asked = _move(client, almere_offer, OfferStatus.WITHDRAWN, note="Toch zelf nodig")
    refused = _move(client, almere_offer, OfferStatus.WITHDRAWN, confirmed="no")

    assert factories.equipment_snapshot() == before
    shown = pages.plain(asked)
    assert f"Withdraw offer {almere_offer.number}?" in shown
    assert "Withdrawing cannot be undone." in shown
    # The confirmation sends the same move again, with the reason typed before.
    page = asked.text
    assert 'name="to_status" value="withdrawn"' in page and 'name="confirmed" value="yes"' in page
    assert f'name="withdrawn-expected_status" value="{OfferStatus.OFFERED}"' in page
    assert 'value="Toch zelf nodig"' in page
    assert refused.status_code == 200


@pytest.mark.parametrize(
    ("from_status", "to_status", "fields"),
    [
        (OfferStatus.OFFERED, OfferStatus.ACCEPTED, {"destination": "DESTINATION"}),
        (OfferStatus.OFFERED, OfferStatus.DECLINED, {"note": "zelf"}),
        (OfferStatus.ACCEPTED, OfferStatus.PICKUP_PLANNED, {"pickup_date": "TODAY"}),
        (OfferStatus.PICKUP_PLANNED, OfferStatus.COLLECTED, {}),
    ],
)
def test_it_lets_staff_make_no_move_but_withdraw(from_status, to_status, fields, client, almere_staff, ukraine_appeal):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=from_status)
    values = {"DESTINATION": factories.destination().pk, "TODAY": TODAY().isoformat()}
    before = factories.equipment_snapshot()
    client.force_login(almere_staff)

    response = _move(client, offer, to_status, **{name: values.get(value, value) for name, value in fields.items()})

    assert response.status_code == 302
    assert "cannot" in _messages(response)[0]
    assert factories.equipment_snapshot() == before


@pytest.mark.parametrize("user", ["finance", "administrator"])
def test_it_lets_finance_and_administrators_watch_but_not_move(user, client, request, almere_offer):
    client.force_login(request.getfixturevalue(user))
    before = factories.equipment_snapshot()

    assert client.get(reverse("pledges:offer_detail", args=[almere_offer.pk])).status_code == 200
    assert _move(client, almere_offer, OfferStatus.DECLINED, note="nee").status_code == 403
    assert factories.equipment_snapshot() == before


# Another municipality's offer is a 404, everywhere


def test_it_hides_another_municipalitys_offer_and_photos(client, utrecht_staff, almere_offer, media):
    photo = OfferPhoto(offer=almere_offer, content_type="image/jpeg")
    photo.image.save("x.jpg", jpeg(), save=True)
    before = factories.equipment_snapshot()
    client.force_login(utrecht_staff)

    assert client.get(reverse("pledges:offer_detail", args=[almere_offer.pk])).status_code == 404
    assert client.get(reverse("pledges:offer_edit", args=[almere_offer.pk])).status_code == 404
    assert client.get(reverse("pledges:offer_photo", args=[almere_offer.pk, photo.pk])).status_code == 404
    assert _move(client, almere_offer, OfferStatus.WITHDRAWN).status_code == 404
    list_page = client.get(reverse("pledges:offer_list"))
    assert "Almere-aggregaat" not in list_page.text
    assert list_page.context["totals"]["rows"] == 0
    assert factories.equipment_snapshot() == before


def test_it_serves_a_photo_as_the_verified_image_type(client, almere_staff, finance, almere_offer):
    photo = OfferPhoto(offer=almere_offer, content_type="image/png")
    photo.image.save("typeplaatje.png", png(), save=True)
    other = factories.offer(almere_staff.municipality, almere_offer.appeal, almere_staff)

    for user in (almere_staff, finance):
        client.force_login(user)
        response = client.get(reverse("pledges:offer_photo", args=[almere_offer.pk, photo.pk]))
        assert response.status_code == 200
        assert response["Content-Type"] == "image/png"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Disposition"].startswith("inline")
        assert b"".join(response.streaming_content) == factories.image_bytes("PNG")
    # A photo is reached only through its own offer.
    assert client.get(reverse("pledges:offer_photo", args=[other.pk, photo.pk])).status_code == 404


def test_it_shows_the_offer_with_its_photos_and_history(client, almere_staff, almere_offer):
    photo = OfferPhoto(offer=almere_offer, content_type="image/jpeg")
    photo.image.save("x.jpg", jpeg(), save=True)
    client.force_login(almere_staff)

    response = client.get(reverse("pledges:offer_detail", args=[almere_offer.pk]))

    page = response.text
    assert almere_offer.number in page
    assert reverse("pledges:offer_photo", args=[almere_offer.pk, photo.pk]) in page
    assert "1315 HR" in page
    assert 'class="timeline"' in page
    assert reverse("pledges:offer_edit", args=[almere_offer.pk]) in page
    assert 'name="to_status" value="withdrawn"' in page
    assert 'value="accepted"' not in page


def test_it_links_the_shipment_for_everyone_who_sees_the_offer(client, almere_staff, coordinator, almere_offer):
    shipment = factories.shipment(almere_offer.appeal, factories.destination("Kyiv"))
    factories.on_board(shipment, almere_offer)
    shipment_url = reverse("pledges:shipment_detail", args=[shipment.pk])

    client.force_login(almere_staff)
    page = client.get(reverse("pledges:offer_detail", args=[almere_offer.pk])).text
    # Municipal staff open a read-only view of it (tests/logistics/test_shipment_reports.py).
    assert shipment_url in page
    assert client.get(shipment_url).status_code == 200

    client.force_login(coordinator)
    assert shipment_url in client.get(reverse("pledges:offer_detail", args=[almere_offer.pk])).text


def test_the_offer_form_has_no_english_blank_choice_on_a_dutch_page(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)

    dutch = client.get(reverse("pledges:offer_create"), HTTP_ACCEPT_LANGUAGE="nl").text
    english = client.get(reverse("pledges:offer_create"), HTTP_ACCEPT_LANGUAGE="en").text

    assert "Select an option" not in dutch
    assert "— Kies een optie —" in dutch
    assert "- Select an option -" in english


@pytest.mark.parametrize(
    ("language", "need", "weight"),
    [("nl", "Kyiv: 8 × aggregaat ≥ 20,0 kVA", "1.450,0 kg"), ("en", "Kyiv: 8 × generator ≥ 20.0 kVA", "1,450.0 kg")],
)
def test_it_writes_power_and_weight_in_the_readers_number_style(ukraine_appeal, language, need, weight):
    row = factories.need(ukraine_appeal, factories.destination("Kyiv"), quantity=8, min_power_kva=Decimal("20.0"))

    with translation.override(language):
        assert str(row) == need
        assert format_measure(Decimal("1450.0"), "kg") == weight


# Moves by the coordinator, one offer at a time


def test_it_offers_the_coordinator_the_next_moves_with_the_needs_destination(client, coordinator, almere_staff, ukraine_appeal):
    dnipro = factories.destination("Dnipro")
    offer = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, need=factories.need(ukraine_appeal, dnipro)
    )
    client.force_login(coordinator)

    response = client.get(reverse("pledges:offer_detail", args=[offer.pk]))

    statuses = [form.to_status for form in response.context["move_forms"]]
    assert statuses == [OfferStatus.ACCEPTED, OfferStatus.DECLINED]
    accept = response.context["move_forms"][0]
    assert accept["destination"].value() == dnipro.pk
    assert accept["expected_status"].value() == OfferStatus.OFFERED
    assert reverse("pledges:offer_edit", args=[offer.pk]) not in response.text


def test_it_accepts_an_offer_with_a_destination(client, coordinator, almere_offer, mailoutbox, django_capture_on_commit_callbacks):
    kyiv = factories.destination()
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = _move(client, almere_offer, OfferStatus.ACCEPTED, destination=kyiv.pk, note="Voor het ziekenhuis")

    assert response.status_code == 302
    almere_offer.refresh_from_db()
    assert (almere_offer.status, almere_offer.destination) == (OfferStatus.ACCEPTED, kyiv)
    event = almere_offer.events.get(kind=Event.Kind.STATUS)
    assert (event.actor, event.note, event.changes) == (coordinator, "Voor het ziekenhuis", {"destination": kyiv.pk})
    [mail] = mailoutbox
    assert mail.to == [almere_offer.created_by.email]
    assert "Kyiv" in mail.body


@pytest.mark.parametrize(
    ("from_status", "to_status", "fields", "message"),
    [
        (OfferStatus.OFFERED, OfferStatus.ACCEPTED, {}, "Choose the city or oblast"),
        (OfferStatus.OFFERED, OfferStatus.DECLINED, {"note": ""}, "Say why the offer is declined"),
        (OfferStatus.ACCEPTED, OfferStatus.PICKUP_PLANNED, {}, "Choose the day the carrier collects it"),
        (OfferStatus.ACCEPTED, OfferStatus.PICKUP_PLANNED, {"pickup_date": "YESTERDAY"}, "cannot be in the past"),
        (OfferStatus.ACCEPTED, OfferStatus.PICKUP_PLANNED, {"pickup_date": "TODAY"}, "is available only from"),
    ],
)
def test_it_asks_for_what_a_move_needs(from_status, to_status, fields, message, client, coordinator, almere_staff, ukraine_appeal):
    offer = factories.offer(
        almere_staff.municipality,
        ukraine_appeal,
        almere_staff,
        status=from_status,
        available_from=TODAY() + datetime.timedelta(days=3),
    )
    values = {"YESTERDAY": (TODAY() - datetime.timedelta(days=1)).isoformat(), "TODAY": TODAY().isoformat()}
    before = factories.equipment_snapshot()
    client.force_login(coordinator)

    response = _move(client, offer, to_status, **{name: values.get(value, value) for name, value in fields.items()})

    assert response.status_code == 200
    assert message in response.text
    assert factories.equipment_snapshot() == before


def test_it_plans_a_pickup_and_marks_it_collected(client, coordinator, almere_staff, ukraine_appeal, mailoutbox, django_capture_on_commit_callbacks):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.ACCEPTED)
    pickup = TODAY() + datetime.timedelta(days=2)
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        _move(client, offer, OfferStatus.PICKUP_PLANNED, pickup_date=pickup.isoformat())
        offer.refresh_from_db()
        _move(client, offer, OfferStatus.COLLECTED, note="Opgehaald door Van der Wal")

    offer.refresh_from_db()
    assert (offer.status, offer.pickup_date) == (OfferStatus.COLLECTED, pickup)
    assert list(offer.events.filter(kind=Event.Kind.STATUS).values_list("to_status", flat=True)) == [
        OfferStatus.PICKUP_PLANNED,
        OfferStatus.COLLECTED,
    ]
    # The municipality hears of the collection; planning the pickup is the fund's business.
    [mail] = mailoutbox
    assert "Van der Wal" in mail.body


def test_it_declines_with_a_reason_the_municipality_reads(client, coordinator, almere_offer, mailoutbox, django_capture_on_commit_callbacks):
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        _move(client, almere_offer, OfferStatus.DECLINED, note="Eenfasig; de steden vragen driefasig.")

    almere_offer.refresh_from_db()
    assert almere_offer.status == OfferStatus.DECLINED
    [mail] = mailoutbox
    assert "Eenfasig; de steden vragen driefasig." in mail.body


def test_it_tells_the_second_coordinator_that_the_offer_moved_meanwhile(client, coordinator, almere_offer):
    from pledges.equipment import workflow as workflow

    workflow.transition(almere_offer, OfferStatus.DECLINED, workflow.Actor.of(coordinator), note="Te oud")
    before = factories.equipment_snapshot()
    client.force_login(make_user("henk@vngfonds.nl", Role.COORDINATOR))

    response = _move(
        client, almere_offer, OfferStatus.ACCEPTED, expected_status=OfferStatus.OFFERED, destination=factories.destination().pk
    )

    assert response.status_code == 302
    assert response.url == reverse("pledges:offer_detail", args=[almere_offer.pk])
    [message] = _messages(response)
    assert almere_offer.number in message and "someone else" in message
    assert factories.equipment_snapshot() == before


def test_it_refuses_a_move_that_does_not_exist(client, coordinator, almere_offer):
    client.force_login(coordinator)
    before = factories.equipment_snapshot()

    response = client.post(reverse("pledges:offer_move", args=[almere_offer.pk]), {"to_status": "delivered"})

    assert response.status_code == 302
    assert factories.equipment_snapshot() == before


@pytest.mark.parametrize("name", ["pledges:offer_move", "pledges:offer_bulk"])
def test_it_changes_offers_only_by_post(name, client, coordinator, almere_offer):
    client.force_login(coordinator)
    url = reverse(name, args=[almere_offer.pk]) if name == "pledges:offer_move" else reverse(name)

    assert client.get(url).status_code == 405


# Bulk moves on the coordinator's table


def _bulk(client, offers, action, **fields):
    data = {"offers": [offer.pk for offer in offers], "action": action, "query": "status=offered&page=2"} | fields
    return client.post(reverse("pledges:offer_bulk"), data)


def test_it_accepts_many_offers_at_once(client, coordinator, almere_staff, utrecht_staff, ukraine_appeal, mailoutbox, django_capture_on_commit_callbacks):
    offers = [
        factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff),
        factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff),
    ]
    kyiv = factories.destination()
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = _bulk(client, offers, OfferStatus.ACCEPTED, destination=kyiv.pk)

    assert response.status_code == 302
    assert response.url == reverse("pledges:offer_list") + "?status=offered&page=2"
    assert "2 offers are now" in _messages(response)[0]
    assert set(EquipmentOffer.objects.values_list("status", "destination")) == {(OfferStatus.ACCEPTED, kyiv.pk)}
    assert Event.objects.filter(kind=Event.Kind.STATUS).count() == 2
    assert sorted(address for mail in mailoutbox for address in mail.to) == sorted([almere_staff.email, utrecht_staff.email])


def test_it_moves_none_of_the_selected_offers_when_one_cannot_move(client, coordinator, almere_staff, ukraine_appeal, mailoutbox, django_capture_on_commit_callbacks):
    movable = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    withdrawn = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.WITHDRAWN)
    before = factories.equipment_snapshot()
    client.force_login(coordinator)

    with django_capture_on_commit_callbacks(execute=True):
        response = _bulk(client, [movable, withdrawn], OfferStatus.DECLINED, reason="Geen vraag naar")

    assert response.status_code == 302
    [message] = _messages(response)
    assert "Nothing was changed" in message and withdrawn.number in message
    assert factories.equipment_snapshot() == before
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("action", "fields", "message"),
    [
        ("", {}, "Choose what to do"),
        (OfferStatus.ACCEPTED, {}, "Choose the city or oblast"),
        (OfferStatus.DECLINED, {}, "Say why the offers are declined"),
        (OfferStatus.PICKUP_PLANNED, {}, "Choose the day"),
        (OfferStatus.WITHDRAWN, {}, "Select a valid choice"),
    ],
)
def test_it_asks_for_what_a_bulk_move_needs(action, fields, message, client, coordinator, almere_offer):
    before = factories.equipment_snapshot()
    client.force_login(coordinator)

    response = _bulk(client, [almere_offer], action, **fields)

    assert response.status_code == 302
    assert any(message in text for text in _messages(response)), _messages(response)
    assert factories.equipment_snapshot() == before


def test_it_asks_to_select_offers_first(client, coordinator):
    client.force_login(coordinator)

    response = _bulk(client, [], OfferStatus.COLLECTED)

    assert "Select at least one offer" in _messages(response)[0]


def test_it_plans_one_pickup_for_many_offers_only_when_all_are_available(client, coordinator, almere_staff, ukraine_appeal):
    ready = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.ACCEPTED)
    later = factories.offer(
        almere_staff.municipality,
        ukraine_appeal,
        almere_staff,
        status=OfferStatus.ACCEPTED,
        available_from=TODAY() + datetime.timedelta(days=10),
    )
    client.force_login(coordinator)

    refused = _bulk(client, [ready, later], OfferStatus.PICKUP_PLANNED, pickup_date=TODAY().isoformat())
    accepted = _bulk(client, [ready, later], OfferStatus.PICKUP_PLANNED, pickup_date=later.available_from.isoformat())

    assert later.number in _messages(refused)[-1]
    assert "2 offers are now" in _messages(accepted)[-1]
    assert set(EquipmentOffer.objects.values_list("pickup_date", flat=True)) == {later.available_from}


@pytest.mark.parametrize("user", ["almere_staff", "finance", "administrator"])
def test_it_lets_only_coordinators_move_in_bulk(user, client, request, almere_offer):
    client.force_login(request.getfixturevalue(user))
    before = factories.equipment_snapshot()

    assert _bulk(client, [almere_offer], OfferStatus.DECLINED, reason="nee").status_code == 403
    assert factories.equipment_snapshot() == before


# The equipment table


def test_it_lists_only_the_municipalitys_own_offers_for_its_staff(client, almere_staff, almere_offer, utrecht_offer):
    client.force_login(almere_staff)

    response = client.get(reverse("pledges:offer_list"))

    assert "Almere-aggregaat" in response.text
    assert "Utrecht-aggregaat" not in response.text
    assert response.context["totals"]["rows"] == 1
    assert 'name="offers"' not in response.text  # no bulk selection for staff
    assert "municipality" not in response.context["filter"].form.fields


def test_it_gives_the_coordinator_a_selectable_table_that_works_without_javascript(client, coordinator, almere_offer):
    client.force_login(coordinator)

    response = client.get(reverse("pledges:offer_list"))

    page = response.text
    assert f'name="offers" value="{almere_offer.pk}"' in page
    assert f'aria-label="Select {almere_offer.number}"' in page
    assert f'action="{reverse("pledges:offer_bulk")}"' in page
    assert "<script" not in page


def test_it_totals_units_and_value_of_the_offers_that_count(client, coordinator, almere_staff, utrecht_staff, ukraine_appeal):
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, quantity=2, value_cents=1_000_01)
    factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, quantity=3, value_cents=500_00, status=OfferStatus.ACCEPTED)
    factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, quantity=7, value_cents=9_999_00, status=OfferStatus.DECLINED)
    client.force_login(coordinator)

    totals = client.get(reverse("pledges:offer_list")).context["totals"]

    assert totals == {"rows": 3, "units": 5, "value": Decimal("3500.02")}


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({}, {"almere-diesel", "utrecht-trafo", "utrecht-oud"}),
        ({"status": "accepted"}, {"utrecht-trafo"}),
        ({"category": "transformer"}, {"utrecht-trafo"}),
        ({"municipality": "UTRECHT"}, {"utrecht-trafo", "utrecht-oud"}),
        ({"province": "Flevoland"}, {"almere-diesel"}),
        ({"destination": "KYIV"}, {"utrecht-trafo"}),
        ({"q": "diesel"}, {"almere-diesel"}),
        ({"q": "utrecht"}, {"utrecht-trafo", "utrecht-oud"}),
        ({"q": "NUMBER"}, {"utrecht-oud"}),
        ({"offered_from": "DAYS_AGO_5"}, {"almere-diesel", "utrecht-trafo"}),
        ({"offered_until": "DAYS_AGO_5"}, {"utrecht-oud"}),
        ({"appeal": "OTHER_APPEAL"}, set()),
    ],
)
def test_it_filters_the_equipment_table(query, expected, client, coordinator, almere_staff, utrecht_staff, ukraine_appeal):
    now = timezone.now()
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, description="almere-diesel")
    factories.offer(
        utrecht_staff.municipality, ukraine_appeal, utrecht_staff, description="utrecht-trafo",
        category="transformer", status=OfferStatus.ACCEPTED,
    )
    old = factories.offer(
        utrecht_staff.municipality, ukraine_appeal, utrecht_staff, description="utrecht-oud",
        created_at=now - datetime.timedelta(days=30),
    )
    values = {
        "UTRECHT": utrecht_staff.municipality_id,
        "KYIV": factories.destination().pk,
        "NUMBER": old.number,
        "DAYS_AGO_5": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
        "OTHER_APPEAL": factories.appeal(accepts="equipment").pk,
    }
    client.force_login(coordinator)

    response = client.get(reverse("pledges:offer_list"), {k: values.get(v, v) for k, v in query.items()})

    assert response.status_code == 200
    shown = {row.record.description for row in response.context["table"].page.object_list}
    assert shown == expected
    assert response.context["totals"]["rows"] == len(expected)


def test_it_sorts_the_equipment_table(client, coordinator, almere_staff, utrecht_staff, ukraine_appeal):
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, quantity=5)
    factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, quantity=1)
    client.force_login(coordinator)

    for sort, expected in [("quantity", [1, 5]), ("-quantity", [5, 1]), ("municipality", [5, 1]), ("-municipality", [1, 5])]:
        response = client.get(reverse("pledges:offer_list"), {"sort": sort})
        assert [row.record.quantity for row in response.context["table"].page.object_list] == expected, sort


def test_the_equipment_table_keeps_numbers_whole_and_puts_details_under_their_row(
    client, coordinator, almere_staff, ukraine_appeal
):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, fuel_in_tank=True)
    client.force_login(coordinator)

    page = client.get(reverse("pledges:offer_list")).text

    assert f'<td class="nowrap"><a href="{offer.get_absolute_url()}">{offer.number}</a></td>' in page
    assert 'Almere<br><span class="help">Flevoland</span>' in page
    assert "generator · " not in page and "generator</span>" in page  # one open appeal: not named on every row
    factories.appeal(title="Overstromingen Limburg")
    assert "generator · " + ukraine_appeal.title in client.get(reverse("pledges:offer_list")).text
    headers = [column.header for column in OfferTable(EquipmentOffer.objects.none(), selectable=True).columns]
    assert len(headers) == 12  # fifteen did not fit a 1280 px screen


def _queries_for_list(client, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("pledges:offer_list"), params)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("user", ["coordinator", "almere_staff"])
def test_it_costs_the_same_queries_for_any_page_size(user, client, request, almere_staff, utrecht_staff, ukraine_appeal):
    viewer = request.getfixturevalue(user)
    kyiv = factories.destination()
    factories.offers(3, almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(viewer)
    few = _queries_for_list(client, per_page=25)

    factories.offers(60, almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.ACCEPTED, destination=kyiv)
    factories.offers(60, utrecht_staff.municipality, ukraine_appeal, utrecht_staff, fuel_in_tank=True)

    assert _queries_for_list(client, per_page=100) == few
    assert _queries_for_list(client, per_page=25, page=3, sort="municipality") == few


def test_it_counts_and_totals_the_filtered_offers_from_their_summary(client, coordinator, almere_staff, ukraine_appeal):
    factories.offers(30, almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(coordinator)

    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("pledges:offer_list"), {"status": "offered", "page": 2})

    on_offers = [q["sql"] for q in queries if 'FROM "pledges_equipmentoffer"' in q["sql"]]
    # The page's keys, then its rows (pledges.core.keyset); the totals (with the count) from the summary.
    assert len(on_offers) == 2, on_offers
    assert [q for q in queries if 'FROM "pledges_offersummarybycategory"' in q["sql"]]


def test_the_offer_page_writes_power_and_weights_as_its_reader_does(client, almere_staff, ukraine_appeal):
    offer = factories.offer(
        almere_staff.municipality, ukraine_appeal, almere_staff, quantity=2, weight_kg=Decimal("725.0"),
        power_kva=Decimal("20.0"),
    )
    client.force_login(almere_staff)

    dutch = pages.plain(client.get(offer.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="nl"))
    english = pages.plain(client.get(offer.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en"))

    assert "20,0 kVA" in dutch and "725,0 kg" in dutch and "1.450,0 kg" in dutch
    assert "20.0 kVA" in english and "1,450.0 kg" in english


def test_a_refused_bulk_move_comes_back_with_the_same_offers_checked(client, coordinator, almere_staff, ukraine_appeal):
    movable = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    withdrawn = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.WITHDRAWN)
    other = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(coordinator)

    refused = client.post(
        reverse("pledges:offer_bulk"),
        {"offers": [movable.pk, withdrawn.pk], "action": OfferStatus.DECLINED, "reason": "Geen vraag naar", "query": "q=aggregaat"},
        follow=True,
    )

    checked = set(re.findall(r'name="offers" value="(\d+)" checked', refused.text))
    assert checked == {str(movable.pk), str(withdrawn.pk)}
    assert str(other.pk) not in checked
    form = refused.context["bulk_form"]
    assert (form["action"].value(), form["reason"].value()) == (OfferStatus.DECLINED, "Geen vraag naar")
    assert refused.context["filter"].form["q"].value() == "aggregaat"
    assert any("Nothing was changed" in message or "Er is niets gewijzigd" in message for message in map(str, refused.context["messages"]))


def test_a_bulk_move_that_is_missing_a_field_keeps_the_selection_too(client, coordinator, almere_offer):
    client.force_login(coordinator)

    refused = client.post(
        reverse("pledges:offer_bulk"), {"offers": [almere_offer.pk], "action": OfferStatus.ACCEPTED, "query": ""}, follow=True
    )

    assert f'name="offers" value="{almere_offer.pk}" checked' in refused.text


def test_a_bulk_move_that_worked_leaves_nothing_checked(client, coordinator, almere_offer):
    kyiv = factories.destination()
    client.force_login(coordinator)

    done = client.post(
        reverse("pledges:offer_bulk"),
        {"offers": [almere_offer.pk], "action": OfferStatus.ACCEPTED, "destination": kyiv.pk, "query": f"selected={almere_offer.pk}"},
        follow=True,
    )

    assert " checked" not in done.text.split('class="bulk-form"')[1]


def test_each_row_of_the_equipment_table_reads_as_its_offer(client, coordinator, almere_staff, utrecht_staff,
                                                          ukraine_appeal, time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 20, 23, 30, tzinfo=zoneinfo.ZoneInfo("Europe/Amsterdam")),
                         tick=False)
    kyiv = factories.destination("Kyiv")
    generator = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, quantity=2,
                                power_kva=Decimal("60.5"), value_cents=12_500_00, fuel_in_tank=True,
                                available_from=datetime.date(2026, 12, 1))
    cable = factories.offer(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, category=Category.CABLE,
                            description="Kabelhaspel <25 m>", power_kva=None, value_cents=40_00, quantity=1_500,
                            status=OfferStatus.PICKUP_PLANNED, destination=kyiv,
                            pickup_date=datetime.date(2026, 12, 4), available_from=datetime.date(2026, 11, 21))
    client.force_login(coordinator)

    rows = pages.table_rows(client.get(reverse("pledges:offer_list"), {"sort": "created_at"}, HTTP_ACCEPT_LANGUAGE="nl"))

    # Offered late in the evening of 20 November, Amsterdam time (in UTC also the 20th, in Kyiv the 21st).
    assert rows == [
        ["[ ]", generator.number, "20-11-2026", "Almere · Flevoland",
         "Aggregaat Atlas Copco QAS 60 gevaarlijke stoffen · aggregaat", "2", "60,5", "€ 25.000,00", "—", "aangeboden",
         "1-12-2026", "—"],
        ["[ ]", cable.number, "20-11-2026", "Utrecht · Utrecht", "Kabelhaspel <25 m> · kabel", "1500", "—",
         "€ 60.000,00", "Kyiv", "ophalen gepland", "21-11-2026", "4-12-2026"],
    ]
    client.force_login(almere_staff)
    assert pages.table_rows(client.get(reverse("pledges:offer_list"), HTTP_ACCEPT_LANGUAGE="nl")) == [
        [generator.number, "20-11-2026", "Aggregaat Atlas Copco QAS 60 gevaarlijke stoffen · aggregaat", "2", "60,5",
         "€ 25.000,00", "—", "aangeboden", "1-12-2026", "—"],
    ]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="only PostgreSQL has server-side cursors")
@pytest.mark.parametrize("url", ["pledges:offer_list", "pledges:donation_list"])
def test_the_table_pages_read_their_filters_options_without_a_server_side_cursor(url, client, coordinator,
                                                                                  ukraine_appeal):
    """Django reads a model choice field's options with .iterator(): DECLARE, FETCH and CLOSE on PostgreSQL."""
    factories.destination("Kyiv")
    client.force_login(coordinator)

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse(url), HTTP_ACCEPT_LANGUAGE="nl")

    assert ukraine_appeal.title in response.text and 'value="' in response.text
    assert [query["sql"] for query in queries if query["sql"].startswith("DECLARE")] == []
