"""Photos as the ledger stores them: the pixels only, upright, without any metadata.

Photos of offers and of receipts in Ukraine show where energy equipment stands; a
phone writes that place (EXIF GPS), the device and its owner into the file (EXIF,
XMP, comments, ICC profile names). Every photo upload passes `stripped_photo()` when
its form is cleaned, and is stored only through `store_photo()`, which accepts
nothing else: the stored file is re-encoded from the pixels, rotated as the EXIF
orientation said, so that no metadata (not even the orientation) is left.
"""

from __future__ import annotations

import io

from django import forms
from django.core.files.base import ContentFile
from django.db.models.fields.files import FieldFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps

from pledges.core.fields import PHOTO_TYPES, verified_image_type
from pledges.equipment.models import random_photo_name

# The content types the upload check admits, and the format Pillow writes each in.
FORMATS = {content_type: image_format for image_format, content_type in PHOTO_TYPES.items()}
# Close to what a phone writes; the file is re-encoded once, at upload.
QUALITY = 90


class StrippedPhoto(ContentFile):
    """A photo re-encoded from its pixels alone, with the content type it was verified as."""

    def __init__(self, content: bytes, content_type: str):
        super().__init__(content)
        self.content_type = content_type


def _pixels_only(image: Image.Image) -> Image.Image:
    """A new image with `image`'s pixels (and palette) and nothing else: its `info` stays behind."""
    bare = Image.frombytes(image.mode, image.size, image.tobytes())
    if image.mode in ("P", "PA"):
        bare.putpalette(image.getpalette())
    return bare


def stripped_photo(upload, content_type: str) -> StrippedPhoto:
    """`upload` (already verified as `content_type`) turned upright and re-encoded without metadata.

    A file that Pillow verified but cannot decode (cut short in its pixel data) is refused
    like any other file that is not a photo.
    """
    image_format = FORMATS[content_type]
    try:
        upload.seek(0)
        with Image.open(upload, formats=[image_format]) as image:
            upright = ImageOps.exif_transpose(image)
            bare = _pixels_only(upright)
            transparency = upright.info.get("transparency") if image_format == "PNG" else None
    except Exception:  # noqa: BLE001
        # Pillow raises many kinds of error on a damaged file; all mean "not a photo".
        raise forms.ValidationError(
            _("“%(name)s” is not a JPEG, PNG or WebP photo."), code="photo_type", params={"name": upload.name}
        ) from None
    finally:
        upload.seek(0)
    options = {"quality": QUALITY} if image_format in ("JPEG", "WEBP") else {}
    if transparency is not None and not isinstance(transparency, bytes):
        # A palette or grey PNG's transparent colour is part of the picture, not metadata.
        options["transparency"] = transparency
    buffer = io.BytesIO()
    bare.save(buffer, format=image_format, **options)
    return StrippedPhoto(buffer.getvalue(), content_type)


def cleaned_photo(form: forms.Form, name: str = "photo") -> StrippedPhoto | None:
    """A form's optional photo field cleaned: verified, stripped; its type kept as `form.photo_content_type`."""
    upload = form.cleaned_data.get(name)
    if not upload:
        return None
    form.photo_content_type = verified_image_type(upload)
    return stripped_photo(upload, form.photo_content_type)


def store_photo(field_file: FieldFile, photo: StrippedPhoto) -> str:
    """Store `photo` in `field_file` under a random name (the row is saved by the caller); the stored name."""
    if not isinstance(photo, StrippedPhoto):
        raise TypeError("Photos are stored only without their metadata: pass them through stripped_photo().")
    field_file.save(random_photo_name(), photo, save=False)
    return field_file.name



# What Pillow reads from a file `stripped_photo()` wrote: nothing about place, device or person.
BARE_INFO = {"jfif", "jfif_version", "jfif_unit", "jfif_density", "dpi", "progressive", "progression",
             "transparency", "gamma", "aspect", "loop", "background", "duration", "timestamp"}


def has_metadata(field_file: FieldFile) -> bool:
    """Whether a stored photo still carries metadata (stored before `stripped_photo()` existed)."""
    with field_file.open("rb"), Image.open(field_file) as image:
        # A JPEG's APP1 and later segments hold EXIF, XMP and IPTC; APP0 is the bare JFIF header.
        markers = {marker for marker, _data in getattr(image, "applist", [])} - {"APP0"}
        return bool(markers) or bool(set(image.info) - BARE_INFO) or bool(image.getexif())


def strip_stored(row, field: str, content_type: str) -> str | None:
    """Store `row`'s photo in `field` again without its metadata, under a new name; the old name to delete.

    None if it had no metadata. The caller saves the row inside `writing()` and deletes the
    old file once that committed.
    """
    field_file = getattr(row, field)
    if not has_metadata(field_file):
        return None
    old = field_file.name
    with field_file.open("rb"):
        photo = stripped_photo(field_file, content_type)
    store_photo(field_file, photo)
    return old
