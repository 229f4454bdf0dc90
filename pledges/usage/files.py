"""The report file a recipient uploads: PDF, Word (DOCX), Excel (XLSX) or a photo, its type read from its content.

The name and the browser's content type say nothing: a PDF starts with "%PDF-", a DOCX or
XLSX is a zip with the parts of a Word or Excel document (only its directory is read, so a
zip bomb costs nothing), a photo is what Pillow proves (pledges.core.fields) and is stored
re-encoded without its metadata (a photo from Ukraine may show where equipment stands).
"""

from __future__ import annotations

import zipfile

from django import forms
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _

from pledges.core.fields import PHOTO_TYPES, verified_image_type
from pledges.equipment.photos import stripped_photo

# The largest report file: within what pledges.core.uploads passes on (file_cap()).
REPORT_MAX_BYTES = 10 * 1024 * 1024

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
EXTENSIONS = {
    PDF: ".pdf", DOCX: ".docx", XLSX: ".xlsx",
    "image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp",
}
ACCEPT = ",".join([".pdf", ".docx", ".xlsx", *PHOTO_TYPES.values()])
# The part that makes an Office zip a Word or an Excel document.
OFFICE_PARTS = {"word/document.xml": DOCX, "xl/workbook.xml": XLSX}


def _office_type(upload) -> str | None:
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        upload.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    return next((kind for part, kind in OFFICE_PARTS.items() if part in names), None)


def checked_report_file(upload) -> tuple[ContentFile, str]:
    """The file to store and its content type; a ValidationError in the active language if it is none of ours."""
    name = upload.name
    if upload.size > REPORT_MAX_BYTES:
        raise forms.ValidationError(
            _("“%(name)s” is larger than 10 MB. Send a smaller file, or describe the use below."),
            code="report_size", params={"name": name},
        )
    upload.seek(0)
    head = upload.read(5)
    upload.seek(0)
    if head == b"%PDF-":
        return ContentFile(upload.read()), PDF
    if head.startswith(b"PK\x03\x04"):
        kind = _office_type(upload)
        if kind:
            return ContentFile(upload.read()), kind
    else:
        try:
            content_type = verified_image_type(upload)
        except forms.ValidationError as refused:
            if refused.code == "photo_size":  # a photo, over 5 MB: say so
                raise
        else:
            return stripped_photo(upload, content_type), content_type
    raise forms.ValidationError(
        _("“%(name)s” is not a PDF, Word (DOCX), Excel (XLSX), JPEG, PNG or WebP file."),
        code="report_type", params={"name": name},
    )
