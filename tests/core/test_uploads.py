"""Uploads stop at a cap while they arrive: nothing over it reaches the disk, and the sender reads why.

The handlers that keep a file (in memory, or in a temporary file) are replaced here by one that
counts what it is given and writes it to a real temporary file, as Django's own does; the
handlers the settings put before them are kept, so without the cap it is given everything.
"""

import os

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import TemporaryFileUploadHandler
from django.test import override_settings
from django.urls import reverse

from pledges.models import BankStatement, Donation, EquipmentOffer
from tests import factories, pages

pytestmark = pytest.mark.django_db

MB = 1024 * 1024
KEPT: list[dict] = []


class RecordingHandler(TemporaryFileUploadHandler):
    """Django's temporary file handler, noting how many bytes of each file it was given and where."""

    def new_file(self, *args, **kwargs):
        super().new_file(*args, **kwargs)
        KEPT.append({"name": self.file_name, "bytes": 0, "path": self.file.temporary_file_path()})

    def receive_data_chunk(self, raw_data, start):
        KEPT[-1]["bytes"] += len(raw_data)
        return super().receive_data_chunk(raw_data, start)


@pytest.fixture
def recorded():
    """The settings' own handlers before the recording one (which replaces Django's two)."""
    KEPT.clear()
    own = [handler for handler in settings.FILE_UPLOAD_HANDLERS if not handler.startswith("django.")]
    with override_settings(FILE_UPLOAD_HANDLERS=[*own, f"{__name__}.RecordingHandler"]):
        yield KEPT
    for kept in KEPT:
        assert not os.path.exists(kept["path"]), "a temporary file was left behind"


def photo(name: str, size: int) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"\xff\xd8\xff" + b"\0" * (size - 3), content_type="image/jpeg")


def test_a_photo_far_too_large_is_refused_and_never_kept_whole(client, almere_staff, ukraine_appeal, recorded):
    client.force_login(almere_staff)

    response = client.post(
        reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": [photo("groot.jpg", 40 * MB)]}
    )

    assert response.status_code == 200
    assert "‘groot.jpg’ is groter dan 5 MB. Stuur een kleinere foto." in pages.errors(response)
    assert not EquipmentOffer.objects.exists()
    # At most the largest file any form takes (a 10 MB statement) was kept; the rest went nowhere.
    assert [kept["name"] for kept in recorded] == ["groot.jpg"]
    assert recorded[0]["bytes"] <= settings.BANK_STATEMENT_MAX_BYTES


def test_a_statement_far_too_large_says_its_real_size(client, finance, recorded):
    client.force_login(finance)
    data = b":20:STARTUMS\n" + b"x" * (25 * MB)

    response = client.post(reverse("pledges:finance_statement_upload"), {"file": SimpleUploadedFile("a.sta", data)})

    assert response.status_code == 200
    (error,) = pages.errors(response)
    assert error.startswith("Dit bestand is 25.0 MB; een bankafschrift mag maximaal 10.0 MB")
    assert not BankStatement.objects.exists()
    assert recorded[0]["bytes"] <= settings.BANK_STATEMENT_MAX_BYTES


def test_a_photo_within_the_cap_is_checked_by_its_form_as_before(client, almere_staff, ukraine_appeal, recorded):
    client.force_login(almere_staff)

    response = client.post(
        reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": [photo("zes.jpg", 6 * MB)]}
    )

    assert "‘zes.jpg’ is groter dan 5 MB. Stuur een kleinere foto." in pages.errors(response)
    assert recorded[0]["bytes"] == 6 * MB


@override_settings(UPLOAD_MAX_BYTES=12 * MB)
def test_a_request_over_the_cap_is_refused_before_it_is_read_saying_why(client, almere_staff, ukraine_appeal, recorded):
    client.force_login(almere_staff)
    photos = [photo(f"foto{number}.jpg", 3 * MB) for number in range(5)]

    response = client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": photos})

    assert response.status_code == 400
    assert "Wat u stuurde is samen groter dan 12 MB" in response.text
    assert "Stuur minder of kleinere bestanden" in response.text
    assert recorded == []
    assert not EquipmentOffer.objects.exists()


def test_form_text_over_the_cap_is_refused_in_the_users_language(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)

    response = client.post(
        reverse("pledges:donation_create"),
        factories.pledge_form(ukraine_appeal, contact_name="x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1)),
        HTTP_ACCEPT_LANGUAGE="en",
    )

    assert response.status_code == 400
    assert "What you sent is larger than any form of the ledger takes" in response.text
    assert not Donation.objects.exists()


def test_a_recipient_with_a_photo_far_too_large_is_told_in_ukrainian(client, almere_staff, ukraine_appeal, recorded):
    from pledges.logistics.receipts import make_token
    from pledges.models import OfferStatus, ReceiptConfirmation, Shipment

    shipment = factories.shipment(ukraine_appeal, factories.destination("Kyiv"), status=Shipment.Status.DELIVERED)
    item = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    factories.on_board(shipment, item)

    response = client.post(
        reverse("pledges:recipient", args=[make_token(shipment)]),
        {"offer": item.pk, f"item{item.pk}-photo": photo("фото.jpg", 30 * MB)},
    )

    assert response.status_code == 400
    assert pages.errors(response) == ["Файл «фото.jpg» більший за 5 МБ. Надішліть менше фото."]
    assert not ReceiptConfirmation.objects.exists()
    assert recorded[0]["bytes"] <= settings.BANK_STATEMENT_MAX_BYTES
