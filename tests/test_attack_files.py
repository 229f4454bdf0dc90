"""Attacks with files: bombs, disguises and damaged statements, refused quickly in bounded memory.

Every hostile file goes twice: through the upload form (a clear message on the field, nothing
stored, no file left behind) and through the parser in a child process whose address space is
capped with setrlimit, so a file that makes the parser swell kills the child and fails the test
instead of the machine.
"""

import io
import json
import os
import random
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from pledges.logistics.receipts import make_token
from pledges.models import OfferStatus, ReceiptConfirmation, Shipment
from tests import factories, pages
from tests.attack import BILLION_LAUGHS, DOCTYPE_ONLY, EXTERNAL_ENTITY

MEMORY_LIMIT = 512 * 1024 * 1024
QUICKLY = 5.0  # CPU seconds (not wall clock: other jobs on a shared machine do not count); the slowest, a million XML elements, takes 1-4
CAMT = b'<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">'


def zip_bomb(member: str = "xl/worksheets/sheet1.xml", megabytes: int = 200) -> bytes:
    """A zip of about 200 KB that inflates to `megabytes` of zeros, dressed as a workbook."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as book:
        book.writestr("[Content_Types].xml", "<Types/>")
        with book.open(member, "w", force_zip64=True) as sheet:
            block = b"\0" * 1_048_576
            for _ in range(megabytes):
                sheet.write(block)
    return buffer.getvalue()


def workbook() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["Datum", "Bedrag", "Omschrijving"])
    book.active.append(["2026-03-02", "=1+1", "Oekraine"])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _sample() -> bytes:
    return factories.statement_bytes("bng_2026-03-02_03.sta")


def _at_first_line(insert: bytes) -> bytes:
    sample = _sample()
    first_line = sample.index(b":61:")
    return sample[:first_line] + insert + sample[first_line:]


_JUNK = random.Random(6).randbytes(50_000)

# Built when a test asks (the zip bomb alone takes half a second), not when tests are collected.
STATEMENT_ATTACKS = {
    "zip bomb named .xlsx": zip_bomb,
    "real workbook with a formula": workbook,
    "text named .xlsx": lambda: b"datum;bedrag\n2026-03-02;25000,00\n",
    "billion laughs": lambda: BILLION_LAUGHS,
    "external entity": lambda: EXTERNAL_ENTITY,
    "external DTD": lambda: DOCTYPE_ONLY,
    "parameter entity": lambda: (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY % p SYSTEM "http://example.invalid/p">%p;]>'
        + CAMT + b"</Document>"
    ),
    "deep nesting": lambda: CAMT + b"<a>" * 300_000 + b"</a>" * 300_000 + b"</Document>",
    "a million elements": lambda: (
        CAMT + b"<BkToCstmrStmt>" + b"<Stmt/>" * 1_000_000 + b"</BkToCstmrStmt></Document>"
    ),
    "MT940 that does not add up": lambda: factories.statement_bytes("bng_broken_balance.sta"),
    "MT940 cut in a line": lambda: _sample()[: _sample().index(b":61:") + 20],
    "MT940 without its closing balance": lambda: _sample()[: _sample().rindex(b":62F:")],
    "MT940 with binary junk": lambda: _at_first_line(_JUNK.replace(b"\0", b"")),
    "binary junk": lambda: _JUNK,
    # The mt-940 library skipped these two :61: lines without a word; the balance still added up.
    "MT940 with an absurd amount": lambda: _at_first_line(b":61:2603020302C" + b"9" * 5_000 + b",00NTRF//X\n"),
    "MT940 with an 8 MB line": lambda: _at_first_line(b":61:2603020302C" + b"1" * 8_000_000 + b"\n"),
}


def png_bomb(width: int = 60_000, height: int = 60_000) -> bytes:
    """A PNG header claiming 3.6 billion pixels over a small zlib stream of zeros."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    pixels = zlib.compress(b"\0" * 4_000_000, 9)
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def _jpeg_cut_short() -> bytes:
    jpeg = factories.image_bytes("JPEG")
    return jpeg[: len(jpeg) // 2]


IMAGE_ATTACKS = {
    "PNG decompression bomb": png_bomb,
    "PNG just over Pillow's limit": lambda: png_bomb(10_000, 9_000),
    "JPEG cut short": _jpeg_cut_short,
    "zip bomb named .jpg": lambda: zip_bomb("foto.jpg", megabytes=50),
    "SVG with a script": lambda: b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
    "GIF (not a type we keep)": lambda: factories.image_bytes("GIF"),
}


@pytest.fixture(scope="module")
def statements() -> dict[str, bytes]:
    return {name: build() for name, build in STATEMENT_ATTACKS.items()}


@pytest.fixture(scope="module")
def images() -> dict[str, bytes]:
    return {name: build() for name, build in IMAGE_ATTACKS.items()}


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


# Through the upload forms


@pytest.mark.parametrize("name", STATEMENT_ATTACKS)
def test_it_refuses_a_hostile_statement_quickly_with_a_clear_message(client, finance, statements, name):
    client.force_login(finance)
    before = factories.finance_snapshot()
    file_name = "afschrift.xlsx" if "xlsx" in name or "workbook" in name else "afschrift.sta"

    started = time.process_time()
    response = client.post(
        reverse("pledges:finance_statement_upload"), {"file": SimpleUploadedFile(file_name, statements[name])}
    )
    seconds = time.process_time() - started

    assert response.status_code == 200
    errors = pages.errors(response)
    assert len(errors) == 1 and len(errors[0]) > 40, errors  # a sentence that says what to do
    assert factories.finance_snapshot() == before
    assert seconds < QUICKLY, f"{name}: {seconds:.1f} s"


@pytest.mark.parametrize("name", IMAGE_ATTACKS)
def test_it_refuses_a_hostile_offer_photo(client, almere_staff, ukraine_appeal, media, images, name):
    client.force_login(almere_staff)
    before = factories.equipment_snapshot()
    photo = SimpleUploadedFile("foto.jpg", images[name], content_type="image/jpeg")

    started = time.process_time()
    response = client.post(reverse("pledges:offer_create"), factories.offer_form(ukraine_appeal) | {"photos": [photo]})

    assert time.process_time() - started < QUICKLY
    assert response.status_code == 200
    assert response.context["form"].errors["photos"] == ["‘foto.jpg’ is geen JPEG-, PNG- of WebP-foto."]
    assert factories.equipment_snapshot() == before
    assert stored_files(media) == []


@pytest.mark.parametrize("name", ["PNG decompression bomb", "zip bomb named .jpg", "SVG with a script"])
def test_it_refuses_a_hostile_photo_from_the_recipient(client, almere_staff, ukraine_appeal, media, images, name):
    shipment = factories.shipment(ukraine_appeal, factories.destination(), status=Shipment.Status.DELIVERED)
    item = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    factories.on_board(shipment, item)
    url = reverse("pledges:recipient", args=[make_token(shipment)]) + "?lang=en"
    photo = SimpleUploadedFile("foto.png", images[name], content_type="image/png")

    response = client.post(url, {"offer": item.pk, f"item{item.pk}-note": "", f"item{item.pk}-photo": photo})

    assert response.status_code == 400
    assert pages.errors(response) == ["“foto.png” is not a JPEG, PNG or WebP photo."]
    assert not ReceiptConfirmation.objects.exists()
    assert stored_files(media) == []


# In a child process with its memory capped

CHILD = """
import json, resource, sys, time
resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}))
import django
django.setup()
from django.core.files.uploadedfile import SimpleUploadedFile
from django import forms
from pledges.finance import parsers
from pledges.core.fields import verified_image_type

def refusal(kind, data):
    if kind == "statement":
        try:
            parsers.parse(data)
        except parsers.StatementRefused as refused:
            return str(refused)
    else:
        try:
            verified_image_type(SimpleUploadedFile("foto.jpg", data))
        except forms.ValidationError as refused:
            return " ".join(refused.messages)
    return None

for path in sys.argv[1:]:
    kind, data = path.rsplit(".", 1)[-1], open(path, "rb").read()
    started = time.process_time()
    message = refusal(kind, data)
    print(json.dumps({{"path": path, "refused": message, "seconds": time.process_time() - started}}), flush=True)
"""


def test_every_hostile_file_is_refused_within_512_mb_and_in_time(tmp_path, statements, images):
    paths = []
    for kind, attacks in (("statement", statements), ("image", images)):
        for number, data in enumerate(attacks.values()):
            path = tmp_path / f"{number:02d}.{kind}"
            path.write_bytes(data)
            paths.append(path)
    environment = os.environ | {"DJANGO_SETTINGS_MODULE": "fonds.settings", "PYTHONPATH": str(Path.cwd())}

    child = subprocess.run(
        [sys.executable, "-c", CHILD.format(limit=MEMORY_LIMIT), *map(str, paths)],
        capture_output=True, text=True, timeout=120, env=environment,
    )

    assert child.returncode == 0, child.stderr[-3000:]
    results = [json.loads(line) for line in child.stdout.splitlines()]
    assert len(results) == len(paths)
    names = [*statements, *images]
    for name, result in zip(names, results):
        assert result["refused"], f"{name} was accepted"
        assert result["seconds"] < QUICKLY, f"{name}: {result['seconds']:.1f} s"


def test_the_memory_cap_is_real(tmp_path):
    """The same child, asked to hold more than the cap, dies: the limit above means something."""
    swell = "import resource; resource.setrlimit(resource.RLIMIT_AS, ({0}, {0})); b = bytearray({0})"
    child = subprocess.run([sys.executable, "-c", swell.format(MEMORY_LIMIT)], capture_output=True, text=True)
    assert child.returncode != 0 and "MemoryError" in child.stderr
