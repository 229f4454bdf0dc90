"""Reading the documents back: a PDF's text (pypdf), its fonts and its images, for tests to check."""

import hashlib
import io
import re

from pypdf import PdfReader


def pdf_reader(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-"), data[:40]
    return PdfReader(io.BytesIO(data))


def pdf_text(data: bytes) -> str:
    """Every page's text, with runs of white space (line breaks, no-break spaces) as one space."""
    text = " ".join(page.extract_text() for page in pdf_reader(data).pages)
    return re.sub(r"\s+", " ", text.replace("\xa0", " "))


def pdf_fonts(data: bytes) -> set[str]:
    """The base names of the fonts the PDF embeds, without their subset prefix ("DejaVuSans-Bold")."""
    fonts = set()
    for page in pdf_reader(data).pages:
        for font in (page.get("/Resources", {}).get("/Font") or {}).values():
            fonts.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return fonts


def pdf_image_count(data: bytes) -> int:
    """How many different images the PDF shows (one drawn on two pages counts once)."""
    return len({hashlib.sha256(image.data).hexdigest() for page in pdf_reader(data).pages for image in page.images})
