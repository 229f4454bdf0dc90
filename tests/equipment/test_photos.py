"""Photos are stored without their metadata: no GPS position, device or XMP, turned upright first.

A phone's photo of a generator in Ukraine carries where it stands. Every upload path
(an offer's photos, a recipient's receipt photo) stores only the pixels.
"""

import io
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from PIL import ExifTags, Image, PngImagePlugin

from pledges.equipment.photos import store_photo
from pledges.logistics.receipts import make_token
from pledges.models import OfferPhoto, OfferStatus, ReceiptConfirmation, Shipment
from tests import factories

# Kyiv's power plant, more or less; and what the phone says about itself.
LATITUDE, LONGITUDE = (50.0, 27.0, 3.0), (30.0, 31.0, 24.0)
DEVICE = "Pixel-of-Oksana-Serial-R58N90ABCDE"
XMP = (
    b'<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
    b'<rdf:Description xmlns:exif="http://ns.adobe.com/exif/1.0/" exif:GPSLatitude="50,27.05N"/>'
    b"</rdf:RDF></x:xmpmeta>"
)
RED, BLUE = (220, 0, 0), (0, 0, 220)


def geotagged(image_format: str) -> bytes:
    """A 40×20 photo, red left and blue right, that says "rotate 90° clockwise", with GPS, device and XMP."""
    image = Image.new("RGB", (40, 20), BLUE)
    image.paste(RED, (0, 0, 20, 20))
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "Google"
    exif[ExifTags.Base.Model] = DEVICE
    exif[ExifTags.Base.BodySerialNumber] = DEVICE
    exif.get_ifd(ExifTags.IFD.GPSInfo).update({
        ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: LATITUDE,
        ExifTags.GPS.GPSLongitudeRef: "E", ExifTags.GPS.GPSLongitude: LONGITUDE,
    })
    buffer = io.BytesIO()
    options = {"exif": exif, "xmp": XMP}
    if image_format == "JPEG":
        options["comment"] = DEVICE
    if image_format == "PNG":
        # PNG keeps XMP and comments in text chunks.
        options["pnginfo"] = PngImagePlugin.PngInfo()
        options["pnginfo"].add_itxt("XML:com.adobe.xmp", XMP.decode())
        options["pnginfo"].add_text("Comment", DEVICE)
    image.save(buffer, format=image_format, **options)
    data = buffer.getvalue()
    # The photo as sent really carries it all (else the test proves nothing).
    with Image.open(io.BytesIO(data)) as sent:
        assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)[ExifTags.GPS.GPSLatitude] == (50.0, 27.0, 3.0)
        assert sent.getexif()[ExifTags.Base.Orientation] == 6
    assert DEVICE.encode() in data and b"adobe:ns:meta" in data
    return data


def assert_bare_and_upright(stored: bytes, image_format: str) -> None:
    assert DEVICE.encode() not in stored
    assert b"adobe:ns:meta" not in stored and b"Exif" not in stored and b"eXIf" not in stored
    with Image.open(io.BytesIO(stored)) as image:
        assert image.format == image_format
        assert dict(image.getexif()) == {}
        assert not {"exif", "xmp", "XML:com.adobe.xmp", "comment", "Comment", "icc_profile"} & set(image.info)
        # Turned as the phone said, then the orientation dropped: upright, red on top.
        assert image.size == (20, 40)
        rgb = image.convert("RGB")
        assert all(abs(a - b) < 40 for a, b in zip(rgb.getpixel((10, 5)), RED))
        assert all(abs(a - b) < 40 for a, b in zip(rgb.getpixel((10, 35)), BLUE))


FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


@pytest.fixture(autouse=True)
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.parametrize("image_format", FORMATS)
def test_an_offer_photo_is_stored_without_position_device_or_xmp_and_upright(
    client, almere_staff, ukraine_appeal, image_format
):
    client.force_login(almere_staff)
    upload = SimpleUploadedFile("aggregaat.foto", geotagged(image_format), content_type=FORMATS[image_format])

    response = client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": [upload]})

    assert response.status_code == 302
    photo = OfferPhoto.objects.get()
    assert photo.content_type == FORMATS[image_format]
    assert_bare_and_upright(photo.image.read(), image_format)
    # And as it is served to whoever may see the offer.
    served = client.get(reverse("pledges:offer_photo", args=[photo.offer_id, photo.pk]))
    assert_bare_and_upright(b"".join(served.streaming_content), image_format)


@pytest.mark.parametrize("image_format", FORMATS)
def test_a_receipt_photo_from_ukraine_is_stored_without_position_device_or_xmp_and_upright(
    client, almere_staff, ukraine_appeal, image_format
):
    shipment = factories.shipment(ukraine_appeal, factories.destination(), status=Shipment.Status.DELIVERED)
    item = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    factories.on_board(shipment, item)
    url = reverse("pledges:recipient", args=[make_token(shipment)]) + "?lang=uk"
    upload = SimpleUploadedFile("foto.jpg", geotagged(image_format), content_type=FORMATS[image_format])

    response = client.post(url, {"offer": item.pk, f"item{item.pk}-note": "", f"item{item.pk}-photo": upload})

    assert response.status_code == 302
    receipt = ReceiptConfirmation.objects.get()
    assert receipt.photo_content_type == FORMATS[image_format]
    assert_bare_and_upright(receipt.photo.read(), image_format)


def test_a_photo_is_stored_only_without_its_metadata(almere_staff, ukraine_appeal):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    photo = OfferPhoto(offer=offer, content_type="image/jpeg")

    with pytest.raises(TypeError, match="without their metadata"):
        store_photo(photo.image, SimpleUploadedFile("raw.jpg", geotagged("JPEG"), content_type="image/jpeg"))


def test_photos_stored_before_are_stripped_by_a_command_that_can_rerun(almere_staff, ukraine_appeal, media):
    from django.core.files.base import ContentFile
    from django.core.management import call_command

    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    # As the upload path stored them before: the file as sent.
    old = OfferPhoto(offer=offer, content_type="image/jpeg")
    old.image.save("oud", ContentFile(geotagged("JPEG")), save=True)
    receipt = ReceiptConfirmation(offer=offer, quantity_received=offer.quantity, photo_content_type="image/png")
    receipt.photo.save("ontvangst", ContentFile(geotagged("PNG")), save=True)
    bare = OfferPhoto(offer=offer, content_type="image/jpeg")
    bare.image.save("kaal", ContentFile(factories.image_bytes()), save=True)
    bare_bytes = bare.image.read()
    old_files = {old.image.path, receipt.photo.path}

    call_command("strip_photo_metadata", stdout=io.StringIO())

    old.refresh_from_db()
    receipt.refresh_from_db()
    assert_bare_and_upright(old.image.read(), "JPEG")
    assert_bare_and_upright(receipt.photo.read(), "PNG")
    assert not any(Path(path).exists() for path in old_files)
    assert OfferPhoto.objects.get(pk=bare.pk).image.read() == bare_bytes  # nothing to strip: untouched
    names = sorted(path.name for path in media.rglob("*") if path.is_file())
    call_command("strip_photo_metadata", stdout=io.StringIO())
    assert sorted(path.name for path in media.rglob("*") if path.is_file()) == names
