"""Documents as PDF: an HTML template (gettext, filters, the pages' own) printed by WeasyPrint.

Every document of the ledger (payment instructions, receipts, the yearly account, later the
shipment papers) comes from here. The font is DejaVu (Debian's fonts-dejavu-core), which has
Latin and Cyrillic, so a Ukrainian document prints with the same code.

WeasyPrint fetches nothing here: images come in as data: URIs (`image_data_uri`), and any
other address a template or stored text might carry is refused, so a document never reads a
local file or calls out to the network.
"""

from __future__ import annotations

import base64
import io

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import translation
from PIL import Image

from pledges.core.mails import RECIPIENT_LANGUAGE

PDF_CONTENT_TYPE = "application/pdf"
# The one family the documents' stylesheet names (templates/includes/document.html).
FONT_FAMILY = "DejaVu Sans"


def render_pdf(template: str, context: dict, *, language: str = RECIPIENT_LANGUAGE) -> bytes:
    """The PDF bytes of `template` rendered with `context` in `language` (Dutch by default)."""
    with translation.override(language):
        html = render_to_string(template, context | {"document_language": language})
    return html_to_pdf(html)


def html_to_pdf(html: str) -> bytes:
    # Imported here: WeasyPrint loads Pango when imported, which only documents need.
    from weasyprint import HTML, URLFetcher

    # Only data: URIs: a file:// or http:// address in a template or in stored text is refused.
    fetcher = URLFetcher(allowed_protocols={"data"}, allow_redirects=False)
    return HTML(string=html, url_fetcher=fetcher).write_pdf()


def pdf_response(data: bytes, file_name: str, *, attachment: bool = True) -> HttpResponse:
    response = HttpResponse(data, content_type=PDF_CONTENT_TYPE)
    disposition = "attachment" if attachment else "inline"
    response["Content-Disposition"] = f'{disposition}; filename="{file_name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def image_data_uri(stream, *, size: tuple[int, int] = (240, 240)) -> str:
    """A stored photo as a small JPEG data: URI (a thumbnail), for a document to embed."""
    with Image.open(stream) as image:
        image.thumbnail(size)
        out = io.BytesIO()
        image.convert("RGB").save(out, "JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(out.getvalue()).decode("ascii")
