"""The statement import as a task: checked in the request, imported by the worker, followed on its own page."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pledges.finance import tasks as finance_tasks
from pledges.models import BankStatement, Donation, Payment, StatementImport
from tests import factories, pages
from tests.tasks import queued, run_tasks

STATEMENT = "bng_2026-03-02_03.sta"


@pytest.fixture
def pledges(ukraine_appeal, almere_staff) -> dict[int, Donation]:
    return factories.sample_pledges(ukraine_appeal, almere_staff)


def upload(client, name: str = STATEMENT):
    return client.post(
        reverse("pledges:finance_statement_upload"),
        {"file": SimpleUploadedFile(name, factories.statement_bytes(name), content_type="application/octet-stream")},
    )


def received() -> list[tuple[int, int]]:
    return sorted(Donation.objects.values_list("pk", "received_cents"))


def test_the_upload_is_queued_and_its_page_follows_it_to_the_result(client, finance, pledges, paused_worker):
    client.force_login(finance)
    response = upload(client)

    job = StatementImport.objects.get()
    assert response["Location"] == reverse("pledges:finance_statement_import", args=[job.pk])
    assert queued() == [("import_statement_file", [job.pk], {})]
    assert not BankStatement.objects.exists()
    waiting = client.get(response["Location"])
    assert "in de wachtrij" in waiting.text and "Opnieuw laden" in waiting.text
    assert 'http-equiv="refresh"' not in waiting.text  # reloading is the reader's choice (WCAG 2.2.1)

    StatementImport.objects.filter(pk=job.pk).update(status=StatementImport.Status.RUNNING)
    assert "Het is nu bezig." in client.get(response["Location"]).text
    StatementImport.objects.filter(pk=job.pk).update(status=StatementImport.Status.QUEUED)

    # The import, then the thank-you mails it queued in its own transaction.
    assert run_tasks() == 1 + 4
    done = client.get(response["Location"])
    statement = BankStatement.objects.get()
    assert "10 nieuwe regels, 0 al bekend, 4 automatisch gekoppeld aan toezeggingen" in done.text
    assert reverse("pledges:finance_statement", args=[statement.pk]) in done.text
    assert "Opnieuw laden" not in done.text
    assert len(mail.outbox) == 4


def test_a_double_submit_imports_the_file_once(client, finance, pledges, paused_worker):
    client.force_login(finance)
    first, second = upload(client), upload(client)

    assert first["Location"] == second["Location"]
    assert StatementImport.objects.count() == 1 and len(queued()) == 1
    run_tasks()
    once = received()
    assert Payment.objects.count() == 10 and BankStatement.objects.count() == 1

    again = upload(client)  # once imported, the same file is refused in the request, as before
    assert again["Location"] == reverse("pledges:finance_statement", args=[BankStatement.objects.get().pk])
    assert "al op" in client.get(again["Location"]).text
    assert run_tasks() == 0
    assert received() == once and Payment.objects.count() == 10
    assert len(mail.outbox) == 4


def test_two_imports_of_one_file_that_both_got_queued_add_it_once(client, finance, pledges, paused_worker):
    """Two requests that raced past each other's check: the second import finds the file imported."""
    client.force_login(finance)
    upload(client)
    first = StatementImport.objects.get()
    data = factories.statement_bytes(STATEMENT)
    second = StatementImport.queue(
        finance_tasks.import_statement_file, uploaded_by=finance, file_name=STATEMENT, content=data,
        sha256="0" * 64,  # a real twin would meet the partial unique constraint
    )

    run_tasks()

    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.status, first.already_imported) == (StatementImport.Status.DONE, False)
    assert (second.status, second.already_imported) == (StatementImport.Status.DONE, True)
    assert Payment.objects.count() == 10 and len(mail.outbox) == 4
    page = client.get(reverse("pledges:finance_statement_import", args=[second.pk]))
    assert "al op" in page.text and "er is niets toegevoegd" in page.text


def test_a_failed_import_says_so_and_stores_nothing(client, finance, pledges, paused_worker, monkeypatch):
    client.force_login(finance)
    response = upload(client)

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(finance_tasks, "import_statement", broken)
    run_tasks()

    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "De import is mislukt: er is niets uit dit bestand geïmporteerd." in page.text
    assert not BankStatement.objects.exists() and not Payment.objects.exists()
    assert DBTaskResult.objects.get().status == TaskResultStatus.FAILED  # its traceback is in the admin
    monkeypatch.undo()
    assert upload(client)["Location"] != response["Location"]  # uploading again starts afresh
    run_tasks()
    assert Payment.objects.count() == 10


def test_an_import_a_killed_worker_left_running_runs_again_once(client, finance, pledges, paused_worker):
    client.force_login(finance)
    upload(client)
    job = StatementImport.objects.get()
    two_hours_ago = timezone.now() - datetime.timedelta(hours=2)
    StatementImport.objects.filter(pk=job.pk).update(status=StatementImport.Status.RUNNING, started_at=two_hours_ago)
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=two_hours_ago, worker_ids=["killed"])
    assert run_tasks() == 0

    call_command("reset_stale_tasks", stdout=StringIO())
    run_tasks()
    run_tasks()  # nothing left: the import is done once

    job.refresh_from_db()
    assert job.status == StatementImport.Status.DONE
    assert Payment.objects.count() == 10 and len(mail.outbox) == 4


def test_an_import_that_matches_succeeds_while_the_mail_server_is_down(client, finance, pledges, mail_server):
    mail_server.down()
    client.force_login(finance)

    response = upload(client)
    page = client.get(response["Location"])

    assert page.status_code == 200 and "Er ging iets mis" not in page.text
    assert "4 automatisch gekoppeld" in page.text and "onderweg" in page.text
    assert Payment.objects.matched().count() == 4 and mail.outbox == []
    mail_server.up()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=1), tick=False):
        assert run_tasks() == 4
    assert len(mail.outbox) == 4


def test_bad_input_is_refused_on_the_form_and_nothing_is_queued(client, finance, pledges, paused_worker):
    client.force_login(finance)
    response = upload(client, "bng_broken_balance.sta")

    assert response.status_code == 200 and "klopt niet" in " ".join(pages.errors(response))
    assert not StatementImport.objects.exists() and queued() == []
