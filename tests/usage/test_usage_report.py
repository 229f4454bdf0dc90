"""The 90-day follow-up: the usage report's due date, its signed page in Ukrainian and English, the reminder, the late list."""

import datetime
import io
import zipfile

import pytest
import time_machine
from django.core import mail, signing
from django.core.exceptions import ImproperlyConfigured
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from pledges.donations.reminders import check_reminders
from pledges.history.rendering import show_all
from pledges.logistics.receipts import confirm_receipt
from pledges.models import Event, Shipment, UsageReport
from pledges.usage.files import REPORT_MAX_BYTES
from pledges.usage.links import SALT, make_token
from pledges.usage.reminders import queue_usage_reminders
from pledges.usage.services import due_date, submit_report
from tests import factories, pages
from tests.environment import load_settings
from tests.tasks import queued, run_tasks
from tests.usage.conftest import CONTACT, usage_delivered

UK_TITLE = "Звіт про використання допомоги"
EN_TITLE = "Report on the use of the aid"
UK_BROKEN = "Це посилання не працює"
EN_BROKEN = "This link does not work"
UK_THANKS = "Дякуємо. Ваш звіт про використання допомоги отримано."
EN_THANKS = "Thank you. Your report on the use of the aid is received."
PDF_BYTES = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def page_url(shipment: Shipment, lang: str = "uk", token: str | None = None) -> str:
    return reverse("pledges:usage_report", args=[token or make_token(shipment)]) + f"?lang={lang}"


def pdf(name: str = "zvit.pdf", content: bytes = PDF_BYTES, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type)


def office_bytes(part: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(part, "<document/>")
    return buffer.getvalue()


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


# The due date


def test_the_report_is_due_the_configured_days_after_arrival(settings, delivered):
    assert due_date(delivered) == delivered.arrived_on + datetime.timedelta(days=90)
    settings.USAGE_REPORT_DAYS = 30
    assert due_date(delivered) == delivered.arrived_on + datetime.timedelta(days=30)


def test_a_shipment_not_delivered_has_no_due_date(ukraine_appeal, reference_data):
    planned = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))
    assert due_date(planned) is None


def test_without_an_arrival_day_the_period_counts_from_the_first_confirmation(delivered):
    offer = delivered.offers.get()
    confirmed = timezone.now() - datetime.timedelta(days=3)
    with time_machine.travel(confirmed, tick=False):
        confirm_receipt(delivered, offer.pk)
    Shipment.objects.filter(pk=delivered.pk).update(arrived_on=None)
    delivered.refresh_from_db()

    assert due_date(delivered) == timezone.localdate(confirmed) + datetime.timedelta(days=90)


@pytest.mark.parametrize(
    "variables",
    [{"USAGE_REPORT_DAYS": "0"}, {"USAGE_REMINDER_DAYS_BEFORE": "90"}, {"USAGE_REMINDER_DAYS_BEFORE": "-1"}],
)
def test_it_refuses_a_reminder_that_would_not_come_before_the_due_date(monkeypatch, variables):
    with pytest.raises(ImproperlyConfigured, match="USAGE_REMINDER_DAYS_BEFORE"):
        load_settings(monkeypatch, **variables)


# The recipient's page


def test_the_page_is_in_ukrainian_by_default_and_english_on_request(client, delivered):
    uk = client.get(page_url(delivered).removesuffix("?lang=uk"))
    en = client.get(page_url(delivered, "en"))

    assert uk.status_code == en.status_code == 200
    assert uk["Content-Language"] == "uk" and en["Content-Language"] == "en"
    assert UK_TITLE in pages.plain(uk) and EN_TITLE not in pages.plain(uk)
    assert EN_TITLE in pages.plain(en) and UK_TITLE not in pages.plain(en)
    assert "Київська міська рада" in pages.plain(uk) and "Kyiv City Council" in pages.plain(en)
    due = delivered.arrived_on + datetime.timedelta(days=90)
    with translation.override("en"):
        assert f"Please report by {date_format(due)}" in pages.plain(en)
    assert "<script" not in uk.text
    assert delivered.offers.get().number in pages.plain(uk)


def test_a_pdf_report_is_kept_with_its_event_and_the_coordinator_downloads_it(client, coordinator, delivered):
    response = client.post(page_url(delivered), {"file": pdf(), "description": "  Встановлено в лікарні №3.  "})
    shown = client.get(response["Location"])

    assert response.status_code == 302
    assert UK_THANKS in pages.plain(shown)
    report = UsageReport.objects.get(shipment=delivered)
    assert (report.file_name, report.file_content_type, report.description) == (
        "zvit.pdf", "application/pdf", "Встановлено в лікарні №3.")
    assert "zvit" not in report.file.name and report.file.name.endswith(".pdf")
    event = delivered.events.get(kind=Event.Kind.USAGE_REPORT)
    assert event.data == {"by": "recipient", "usage_report": {
        "file": "zvit.pdf", "content_type": "application/pdf", "size": len(PDF_BYTES), "described": True,
        "due": (delivered.arrived_on + datetime.timedelta(days=90)).isoformat(), "late": False}}
    assert event.note == "Встановлено в лікарні №3."
    assert event.actor_label == "Kyiv City Council"
    # Shown once made: no form any more.
    assert 'type="file"' not in shown.text

    client.force_login(coordinator)
    download = client.get(reverse("pledges:usage_report_file", args=[delivered.pk]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF_BYTES
    assert 'filename="zvit.pdf"' in download["Content-Disposition"]
    detail = pages.plain(client.get(delivered.get_absolute_url()))
    assert "Gebruiksrapport" in detail and "zvit.pdf" in detail
    with translation.override("nl"):
        [(_event, words)] = show_all([event])
    assert "Bestand van het gebruiksrapport: zvit.pdf." in words.lines


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("vykorystannya.docx", office_bytes("word/document.xml"), "application/octet-stream"),
        ("oblik.xlsx", office_bytes("xl/workbook.xml"), "application/zip"),
        ("foto.jpg", factories.image_bytes(), "image/jpeg"),
    ],
    ids=["docx", "xlsx", "photo"],
)
def test_word_excel_and_photos_are_accepted_by_their_content(client, delivered, name, content, content_type):
    response = client.post(page_url(delivered, "en"), {"file": SimpleUploadedFile(name, content, content_type)})

    assert response.status_code == 302
    assert UsageReport.objects.get(shipment=delivered).file_name == name


def test_a_description_alone_is_a_report(client, delivered):
    response = client.post(page_url(delivered, "en"), {"description": "Powers the water pumping station."})

    assert response.status_code == 302
    report = UsageReport.objects.get(shipment=delivered)
    assert (report.file, report.description) == ("", "Powers the water pumping station.")


@pytest.mark.parametrize(
    ("data", "uk_error", "en_error"),
    [
        (lambda: {"file": pdf("zvit.pdf", b"MZ\x90\x00 not a pdf at all", "application/pdf")},
         "«zvit.pdf» не є файлом PDF, Word (DOCX), Excel (XLSX), JPEG, PNG або WebP.",
         "“zvit.pdf” is not a PDF, Word (DOCX), Excel (XLSX), JPEG, PNG or WebP file."),
        (lambda: {"file": pdf("archive.docx", office_bytes("other/thing.xml"), "application/zip")},
         "«archive.docx» не є файлом PDF",
         "“archive.docx” is not a PDF"),
        (lambda: {"file": pdf("great.pdf", b"%PDF-" + b"0" * REPORT_MAX_BYTES)},
         "«great.pdf» більший за 10 МБ.",
         "“great.pdf” is larger than 10 MB."),
        (lambda: {"description": "   "},
         "Завантажте файл звіту або опишіть використання (або і те, і інше).",
         "Upload a report file or describe the use (or both)."),
    ],
    ids=["wrong type", "zip that is no office file", "too big", "empty"],
)
def test_a_refused_report_says_why_in_the_pages_language_and_keeps_nothing(client, delivered, data, uk_error, en_error):
    for lang, error in (("uk", uk_error), ("en", en_error)):
        response = client.post(page_url(delivered, lang), data())

        assert response.status_code == 400
        assert error in pages.plain(response)
    assert not UsageReport.objects.exists()
    assert not delivered.events.filter(kind=Event.Kind.USAGE_REPORT).exists()


def test_a_double_submit_books_once_and_says_so(client, delivered):
    first = client.post(page_url(delivered, "en"), {"description": "Installed at the hospital."})
    second = client.post(page_url(delivered, "en"), {"description": "Installed at the hospital."})

    assert first.status_code == 302 and second.status_code == 409
    assert "Your report was already received on" in pages.plain(second)
    assert UsageReport.objects.count() == 1
    assert delivered.events.filter(kind=Event.Kind.USAGE_REPORT).count() == 1


@pytest.mark.parametrize(
    "forge",
    [
        lambda token, pk: token[:-1] + ("A" if token[-1] != "A" else "B"),
        lambda token, pk: f"{pk + 1}:" + token.split(":", 1)[1],
        lambda token, pk: signing.TimestampSigner(salt="pledges.receipts.recipient-link").sign(str(pk)),
        lambda token, pk: signing.TimestampSigner(salt=SALT).sign("x"),
        lambda token, pk: "not-a-link",
    ],
    ids=["tampered signature", "another shipment id", "the receipt link's salt", "not a number", "malformed"],
)
def test_a_tampered_link_is_refused_in_the_pages_language(client, delivered, forge):
    token = forge(make_token(delivered), delivered.pk)

    uk = client.get(page_url(delivered, "uk", token))
    en = client.post(page_url(delivered, "en", token), {"description": "Installed."})

    assert uk.status_code == en.status_code == 400
    assert pages.plain(uk).index(UK_BROKEN) < pages.plain(uk).index(EN_BROKEN)
    assert pages.plain(en).index(EN_BROKEN) < pages.plain(en).index(UK_BROKEN)
    assert "This link is not valid" in pages.plain(en) and uk["Content-Language"] == "uk"
    assert not UsageReport.objects.exists()


def test_an_expired_link_is_refused(client, delivered):
    made = timezone.now()
    with time_machine.travel(made, tick=False):
        url = page_url(delivered, "en")
    with time_machine.travel(made + datetime.timedelta(days=31), tick=False):
        response = client.get(url)

    assert response.status_code == 410
    assert "This link to the usage report has expired" in pages.plain(response)


def test_a_shipment_not_delivered_has_no_page(client, ukraine_appeal, reference_data):
    planned = factories.shipment(ukraine_appeal, factories.destination("Kyiv"))
    assert client.get(page_url(planned)).status_code == 404


# The reminder


def check_and_deliver() -> list:
    """The daily check of the reminders (payment and usage), then the worker; the mails it sent."""
    mail.outbox.clear()
    call_command("send_reminders", stdout=io.StringIO())
    run_tasks()
    return list(mail.outbox)


def test_the_reminder_goes_once_to_the_contact_with_a_working_link(client, settings, coordinator, almere_staff,
                                                                   ukraine_appeal):
    settings.LEDGER_URL = "https://giften.vngfonds.nl"
    shipment = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=90 - 14)

    [message] = check_and_deliver()
    again = check_and_deliver()

    assert again == []
    assert message.to == [CONTACT]
    assert message.subject == (f"Звіт про використання для відправлення {shipment.number} / "
                               f"Usage report for shipment {shipment.number}")
    assert "Київська міська рада" in message.body and "Kyiv City Council" in message.body
    uk_link = next(word for word in message.body.split() if word.startswith("https://giften.vngfonds.nl/gebruik/"))
    assert uk_link.endswith("?lang=uk") and "?lang=en" in message.body
    page = client.get(uk_link.removeprefix("https://giften.vngfonds.nl"))
    assert page.status_code == 200 and UK_TITLE in pages.plain(page)
    event = shipment.events.get(kind=Event.Kind.USAGE_REMINDER)
    assert event.data == {"usage_reminder": {"due": due_date(shipment).isoformat(), "recipient": "Kyiv City Council"}}
    with translation.override("nl"):
        [(_event, words)] = show_all([event])
        due = date_format(due_date(shipment))
    assert words.lines == [f"Herinnering aan het gebruiksrapport (uiterlijk {due}) gemaild naar de contactpersoon van "
                           "Kyiv City Council."]


def test_the_worker_daily_task_runs_the_usage_check_too(paused_worker, coordinator, almere_staff, ukraine_appeal):
    shipment = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80)
    check_reminders.enqueue(repeat=True)
    assert [name for name, _args, _kwargs in queued()] == ["check_reminders"]

    run_tasks(queues=("default",))

    assert ("send_usage_reminder", [shipment.pk], {}) in queued()
    run_tasks()
    assert [message.to for message in mail.outbox] == [[CONTACT]]


@pytest.mark.parametrize("arrived_days_ago", [75, 91, 400], ids=["too early", "past the due date", "long ago"])
def test_no_reminder_outside_its_window(coordinator, almere_staff, ukraine_appeal, arrived_days_ago):
    usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=arrived_days_ago)
    assert check_and_deliver() == []


def test_no_reminder_once_the_report_is_in(coordinator, almere_staff, ukraine_appeal):
    shipment = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80)
    submit_report(shipment, description="In use at the boiler house.")

    assert check_and_deliver() == []
    assert not shipment.events.filter(kind=Event.Kind.USAGE_REMINDER).exists()


def test_a_reminder_queued_before_the_report_came_is_not_sent(paused_worker, coordinator, almere_staff, ukraine_appeal):
    shipment = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80)
    assert queue_usage_reminders() == 1
    submit_report(shipment, description="In use at the boiler house.")
    mail.outbox.clear()

    run_tasks()

    assert mail.outbox == []


def test_no_reminder_without_a_recipient_or_its_e_mail(coordinator, almere_staff, ukraine_appeal):
    usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80, recipient=False)
    assert check_and_deliver() == []
    Shipment.objects.update(recipient=None)
    usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80, contact_email="")
    assert check_and_deliver() == []


# The coordinator's view


def test_the_coordinator_sees_who_is_late_and_who_is_due_soon(client, coordinator, almere_staff, ukraine_appeal):
    late = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=100)
    due_today = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=90)
    soon = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=80)
    fresh = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=10)
    reported = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=120)
    submit_report(reported, description="Installed.")
    client.force_login(coordinator)

    page = client.get(reverse("pledges:usage_list"))

    late_part, soon_part = page.text.split('data-section="late"')[1].split('data-section="due-soon"')
    soon_part = soon_part.split('id="usage-reported"')[0]
    assert late.number in late_part and due_today.number not in late_part
    assert due_today.number in soon_part and soon.number in soon_part and late.number not in soon_part
    for other in (fresh, reported):
        assert other.number not in late_part and other.number not in soon_part
    assert reported.number in page.text.split('id="usage-reported"')[1]

    start = client.get(reverse("pledges:home"))
    block = start.text.split('data-block="usage-reports"')[1].split("</section>")[0]
    assert 'data-count="usage-reports">1<' in block and late.number in block
    shipment_page = pages.plain(client.get(late.get_absolute_url()))
    assert "Nog niet ontvangen; verwacht uiterlijk" in shipment_page and "te laat" in shipment_page.lower()


def test_only_fund_staff_see_the_list_and_the_file(client, almere_staff, delivered):
    submit_report(delivered, description="x")
    client.force_login(almere_staff)
    assert client.get(reverse("pledges:usage_list")).status_code == 403
    assert client.get(reverse("pledges:usage_report_file", args=[delivered.pk])).status_code == 403
    assert "Gebruiksrapport" not in pages.plain(client.get(delivered.get_absolute_url()))


def test_a_late_report_is_taken_and_its_history_says_it_was_late(client, coordinator, almere_staff, ukraine_appeal):
    shipment = usage_delivered(coordinator, almere_staff, ukraine_appeal, arrived_days_ago=100)

    assert client.post(page_url(shipment, "en"), {"description": "In use since March."}).status_code == 302

    event = shipment.events.get(kind=Event.Kind.USAGE_REPORT)
    assert event.data["usage_report"]["late"] is True
    with translation.override("nl"):
        [(_event, words)] = show_all([event])
        due = date_format(due_date(shipment))
    assert words.lines == ["Het gebruik is beschreven in de notitie.", f"Verstuurd na de termijn, {due}."]
    assert words.note == "In use since March."
