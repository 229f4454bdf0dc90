"""Finance documents: the payment instructions with their EPC QR code, receipts and their public check,
the yearly account; every PDF read back for what it says."""

import base64
import datetime
import io

import pytest
import segno
import time_machine
import zxingcpp
from django.core import mail
from django.core.files.base import ContentFile
from django.urls import reverse
from PIL import Image

from pledges.core.pdf import FONT_FAMILY, html_to_pdf
from pledges.donations.epc import epc_qr
from pledges.finance.matching import EVERYTHING, match, unmatch
from pledges.finance.receipts import verification_code
from pledges.models import AnnualAccount, OfferPhoto, OfferStatus, ReceiptConfirmation
from tests import factories
from tests.documents import pdf_fonts, pdf_image_count, pdf_reader, pdf_text
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

FUND_IBAN = "NL94BNGH0285173715"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def pledge(almere_staff, ukraine_appeal):
    return factories.donation(
        almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=2_500_50,
        decision_reference="Collegebesluit 2026-117", contact_name="Anouk de Vries",
        contact_email="anouk.devries@almere.nl",
    )


def _decode(qr: segno.QRCode) -> str:
    """What a banking app reads from the QR code: the image decoded, not the data we put in."""
    out = io.BytesIO()
    qr.save(out, kind="png", scale=6, border=4)
    out.seek(0)
    return _read(Image.open(out))


def _read(image: Image.Image) -> str:
    [found] = zxingcpp.read_barcodes(image)
    return found.text


def _qr_in_pdf(data: bytes) -> str:
    """The QR code printed in a PDF, decoded from the image in the file."""
    [page] = pdf_reader(data).pages
    [image] = page.images
    return _read(image.image)


EPC_LINES = ["BCD", "002", "2", "SCT", "", "Stichting VNG Fonds", FUND_IBAN]


# --------------------------------------------------------------------------- EPC QR code


def test_the_qr_code_holds_the_epc_fields_of_what_is_outstanding(pledge, finance):
    factories.receive(pledge, 500_00)  # part paid: the code asks for the rest
    lines = _decode(epc_qr(pledge)).split("\n")

    assert lines == [*EPC_LINES, "EUR2000.5", "", pledge.reference]
    assert pledge.reference.startswith("RF") and len(pledge.reference) <= 25


def test_nothing_outstanding_gives_no_qr_code(pledge):
    factories.receive(pledge, pledge.amount_cents)
    assert epc_qr(pledge) is None


def test_the_payment_instructions_page_shows_the_qr_code_as_an_image(client, pledge, almere_staff):
    client.force_login(almere_staff)
    page = client.get(pledge.get_absolute_url()).content.decode()

    expected = segno.helpers.make_epc_qr(
        name="Stichting VNG Fonds", iban=FUND_IBAN, amount="2500.50", reference=pledge.reference
    ).svg_data_uri(scale=4, border=4)
    assert f'src="{expected}"' in page
    assert reverse("pledges:donation_instructions_pdf", args=[pledge.pk]) in page
    # An <img> of a data: URI, as the two-step login's QR: no inline <svg> with style attributes.
    assert "<svg" not in page


def test_the_instructions_pdf_says_what_to_transfer_and_carries_the_qr_code(client, pledge, almere_staff):
    client.force_login(almere_staff)
    response = client.get(reverse("pledges:donation_instructions_pdf", args=[pledge.pk]))

    assert response["Content-Type"] == "application/pdf"
    assert f"betaalinstructie-{pledge.number}.pdf" in response["Content-Disposition"]
    text = pdf_text(response.content)
    for expected in ("Betaalinstructie", pledge.number, "Almere", "€ 2.500,50", "NL94 BNGH 0285 1737 15",
                     "Stichting VNG Fonds", pledge.reference, "Collegebesluit 2026-117"):
        assert expected in text, expected
    assert _qr_in_pdf(response.content).split("\n") == [*EPC_LINES, "EUR2500.5", "", pledge.reference]
    # Only DejaVu (Latin and Cyrillic), embedded: the PDF reads the same on every machine.
    assert "DejaVu-Sans" in pdf_fonts(response.content) and FONT_FAMILY == "DejaVu Sans"
    assert all(font.startswith("DejaVu-Sans") for font in pdf_fonts(response.content))


def test_another_municipality_gets_no_instructions_pdf(client, pledge, utrecht_staff):
    client.force_login(utrecht_staff)
    assert client.get(reverse("pledges:donation_instructions_pdf", args=[pledge.pk])).status_code == 404


def test_the_instructions_mail_carries_the_pdf_with_the_qr_code(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)
    client.post(reverse("pledges:donation_create"), factories.pledge_form(ukraine_appeal, amount="1.234,00"))

    [message] = mail.outbox
    [(name, content, mimetype)] = message.attachments
    assert mimetype == "application/pdf" and name.startswith("betaalinstructie-T-")
    text = pdf_text(content)
    assert "€ 1.234,00" in text and "NL94 BNGH 0285 1737 15" in text
    reference = message.body.split("Oekraine ", 1)[1].split()[0]
    assert _qr_in_pdf(content).split("\n") == [*EPC_LINES, "EUR1234", "", reference]


# --------------------------------------------------------------------------- receipts


@pytest.fixture
def received(pledge, finance):
    line = factories.bank_line(
        1_000_00, booking_date=datetime.date(2026, 5, 28), bank_reference="BNG-20260528-0042",
        counterparty_name="GEMEENTE ALMERE", remittance=f"Oekraine {pledge.reference}",
    )
    return match(line.pk, pledge.pk, finance, confirmed=EVERYTHING)


def test_a_receipt_states_the_payment_the_pledge_and_the_fund(client, received, pledge, almere_staff):
    client.force_login(almere_staff)
    response = client.get(reverse("pledges:finance_receipt", args=[received.pk]))

    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    code = verification_code(received)
    for expected in (
        "Ontvangstbewijs", f"K-{received.pk:06d}", pledge.number, "Almere", "Collegebesluit 2026-117",
        "€ 1.000,00", "28 mei 2026", "BNG-20260528-0042", "Stichting VNG Fonds", "NL94 BNGH 0285 1737 15",
        code, "/kwitantie/",
    ):
        assert expected in text, expected


def test_receipts_are_the_municipalitys_own_and_finances(client, received, utrecht_staff, coordinator, finance):
    url = reverse("pledges:finance_receipt", args=[received.pk])
    client.force_login(utrecht_staff)
    assert client.get(url).status_code == 404
    client.force_login(coordinator)
    assert client.get(url).status_code == 403
    client.force_login(finance)
    assert client.get(url).status_code == 200
    assert url in client.get(reverse("pledges:finance_line", args=[received.pk])).content.decode()


def test_a_line_without_a_pledge_has_no_receipt(client, finance):
    line = factories.bank_line(50_00)
    client.force_login(finance)
    assert client.get(reverse("pledges:finance_receipt", args=[line.pk])).status_code == 404


def test_the_pledge_page_lists_the_payments_with_their_receipts(client, received, pledge, almere_staff):
    client.force_login(almere_staff)
    page = client.get(pledge.get_absolute_url()).content.decode()
    assert reverse("pledges:finance_receipt", args=[received.pk]) in page


def test_anyone_with_the_code_sees_that_the_ledger_confirms_the_receipt(client, received):
    response = client.get(reverse("pledges:receipt_check"), {"code": verification_code(received).lower()})

    page = response.content.decode()
    assert response.status_code == 200
    assert "bevestigt" in page
    assert "€ 1.000,00" in page and "28 mei 2026" in page and "Almere" in page
    # No person, e-mail address, account or decision on a public page.
    for private in ("Anouk de Vries", "anouk.devries@almere.nl", "GEMEENTE ALMERE", "Collegebesluit", "NL91"):
        assert private not in page, private


def test_a_wrong_code_says_so(client, received):
    code = verification_code(received)
    wrong = code[:-1] + ("A" if code[-1] != "A" else "B")
    for attempt in (wrong, "123", "x" * 500, f"{received.pk + 1:06d}{code[6:]}"):
        page = client.get(reverse("pledges:receipt_check"), {"code": attempt}).content.decode()
        assert "komt niet overeen" in page, attempt
        assert "€ 1.000,00" not in page


def test_a_receipt_whose_match_was_undone_no_longer_verifies(client, received, finance):
    code = verification_code(received)
    unmatch(received.pk, finance, "verkeerde toezegging")

    page = client.get(reverse("pledges:receipt_check"), {"code": code}).content.decode()
    assert "komt niet overeen" in page


def test_a_receipt_issued_before_a_key_rotation_still_verifies(client, received, settings):
    code = verification_code(received)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-secret-key-" + "x" * 40

    assert "bevestigt" in client.get(reverse("pledges:receipt_check"), {"code": code}).content.decode()


# --------------------------------------------------------------------------- the yearly account


@pytest.fixture
def year_of_almere(media, pledge, received, almere_staff, ukraine_appeal):
    """Almere's 2026: the pledge, a payment, a delivered and confirmed generator with photos; and a 2025 pledge."""
    with time_machine.travel(datetime.datetime(2025, 11, 3, 9, 0, tzinfo=datetime.UTC), tick=False):
        old = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=777_00,
                                 decision_reference="Raadsbesluit 2025-9")
    kharkiv = factories.destination("Kharkiv")
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.CONFIRMED,
                            destination=kharkiv, description="Aggregaat Atlas Copco QAS 60", quantity=2)
    factories.on_board(factories.shipment(ukraine_appeal, kharkiv, status="delivered"), offer)
    photo = OfferPhoto(offer=offer, content_type="image/jpeg")
    photo.image.save("offer.jpg", ContentFile(factories.image_bytes("JPEG", (400, 300))), save=True)
    receipt = ReceiptConfirmation(
        offer=offer, quantity_received=offer.quantity, note="Дякуємо! Aangekomen in goede staat", photo_content_type="image/png"
    )
    receipt.photo.save("arrival.png", ContentFile(factories.image_bytes("PNG", (300, 200))), save=True)
    return {"offer": offer, "old": old, "kharkiv": kharkiv}


def test_staff_ask_for_their_yearly_account_on_the_contribution_page(client, year_of_almere, pledge, received,
                                                                     almere_staff):
    client.force_login(almere_staff)
    response = client.post(reverse("pledges:annual_account_queue"), {"municipality": "GM0034", "year": "2026"})

    job = AnnualAccount.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("pledges:annual_account_job", args=[job.pk])
    job.refresh_from_db()
    assert job.status == AnnualAccount.Status.DONE  # the worker ran after the POST
    assert reverse("pledges:annual_account_download", args=[job.pk]) in client.get(response["Location"]).content.decode()

    download = client.get(reverse("pledges:annual_account_download", args=[job.pk]))
    data = b"".join(download.streaming_content)
    assert "jaarverantwoording-GM0034-2026.pdf" in download["Content-Disposition"]
    text = pdf_text(data)
    offer = year_of_almere["offer"]
    for expected in (
        "Jaarverantwoording 2026 van Almere", pledge.number, "Collegebesluit 2026-117", "€ 2.500,50",
        "€ 1.000,00", "28-5-2026", verification_code(received), offer.number, "Atlas Copco QAS 60",
        "Charkiv", "Харків", "Дякуємо! Aangekomen in goede staat",
        # The paragraph for the council information letter, in Dutch, with the year's figures.
        "raadsinformatiebrief", "In 2026 heeft de gemeente Almere via het VNG Fonds € 2.500,50 toegezegd",
        "2 eenheden",
    ):
        assert expected in text, expected
    # Another year's pledge is not in this year's account.
    assert year_of_almere["old"].number not in text and "Raadsbesluit 2025-9" not in text
    assert pdf_image_count(data) == 2  # the offer's photo and the arrival photo, as thumbnails


def test_the_yearly_account_of_another_municipality_is_not_theirs(client, year_of_almere, almere_staff,
                                                                 utrecht_staff):
    client.force_login(utrecht_staff)
    refused = client.post(reverse("pledges:annual_account_queue"), {"municipality": "GM0034", "year": "2026"})
    assert refused.status_code == 302 and not AnnualAccount.objects.exists()

    client.force_login(almere_staff)
    client.post(reverse("pledges:annual_account_queue"), {"municipality": "GM0034", "year": "2026"})
    job = AnnualAccount.objects.get()
    client.force_login(utrecht_staff)
    assert client.get(reverse("pledges:annual_account_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("pledges:annual_account_download", args=[job.pk])).status_code == 404


def test_finance_chooses_a_municipality_and_a_year(client, year_of_almere, finance):
    client.force_login(finance)
    page = client.get(reverse("pledges:annual_accounts")).content.decode()
    assert 'name="municipality"' in page and '<option value="2026"' in page

    client.post(reverse("pledges:annual_account_queue"), {"municipality": "GM0034", "year": "2025"})

    job = AnnualAccount.objects.get()
    assert (job.municipality.code, job.year, job.status) == ("GM0034", 2025, AnnualAccount.Status.DONE)
    text = pdf_text(job.file.read())
    assert year_of_almere["old"].number in text and "€ 777,00" in text and "Raadsbesluit 2025-9" in text
    assert "Geen betalingen geboekt in 2025" in text


def test_a_bad_year_is_refused_on_the_form(client, finance):
    client.force_login(finance)
    response = client.post(reverse("pledges:annual_account_queue"), {"municipality": "GM0034", "year": "1999"})
    assert response.status_code == 400 and not AnnualAccount.objects.exists()
    assert "1999" in response.content.decode()


def test_the_yearly_account_leaves_out_a_photo_whose_file_is_gone(client, year_of_almere, finance):
    photo = year_of_almere["offer"].photos.get()
    photo.image.storage.delete(photo.image.name)
    client.force_login(finance)
    client.post(reverse("pledges:annual_account_queue"), {"municipality": "GM0034", "year": "2026"})

    job = AnnualAccount.objects.get()
    assert job.status == AnnualAccount.Status.DONE
    assert pdf_image_count(job.file.read()) == 1


def test_a_document_loads_nothing_from_outside(tmp_path):
    picture = tmp_path / "local.png"
    Image.new("RGB", (20, 20), "red").save(picture)
    inline = "data:image/png;base64," + base64.b64encode(picture.read_bytes()).decode()

    document = html_to_pdf(f'<p>x</p><img src="file://{picture}"><img src="http://127.0.0.1:9/x.png"><img src="{inline}">')

    assert pdf_image_count(document) == 1  # the data: URI only


def test_the_yearly_run_queues_an_account_for_each_municipality_that_took_part(year_of_almere, utrecht_staff,
                                                                             finance, ukraine_appeal):
    from django.core.management import CommandError, call_command

    with time_machine.travel(datetime.datetime(2024, 3, 1, 9, 0, tzinfo=datetime.UTC), tick=False):
        factories.donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff)  # 2024: not in 2026's run
    out = io.StringIO()

    call_command("queue_annual_accounts", year=2026, requested_by=finance.email, stdout=out)
    run_tasks()

    assert "1 yearly account(s) for 2026 queued." in out.getvalue()
    [job] = AnnualAccount.objects.all()
    assert (job.municipality.code, job.year, job.status, job.requested_by) == (
        "GM0034", 2026, AnnualAccount.Status.DONE, finance
    )
    call_command("queue_annual_accounts", year=2025, requested_by=finance.email, stdout=out)  # Almere's old pledge
    assert AnnualAccount.objects.filter(year=2025, municipality__code="GM0034").exists()
    with pytest.raises(CommandError, match="No active finance user"):
        call_command("queue_annual_accounts", year=2026, requested_by=utrecht_staff.email, stdout=out)
