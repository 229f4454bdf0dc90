"""Mails as tasks: a mail server that is down never fails a request, and every mail goes out once it is back."""

import datetime
from io import StringIO

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.core import mail
from django.core.management import call_command
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pledges.accounts.tokens import reset_tokens
from pledges.core import tasks
from pledges.donations.mails import send_payment_instructions
from pledges.models import Donation, Payment, Role
from tests import factories, pages
from tests.conftest import make_user
from tests.tasks import queued, run_tasks


def later(minutes: float):
    """The clock after `minutes`, when the next retry is due."""
    return time_machine.travel(timezone.now() + datetime.timedelta(minutes=minutes), tick=False)


@pytest.fixture
def mail_server_down(mail_server):
    mail_server.down()
    return mail_server


def test_pledging_editing_and_matching_succeed_while_the_mail_server_is_down(
    client, almere_staff, finance, ukraine_appeal, mail_server_down
):
    client.force_login(almere_staff)
    created = client.post(reverse("pledges:donation_create"), factories.pledge_form(ukraine_appeal), follow=True)
    donation = Donation.objects.get()
    edited = client.post(
        reverse("pledges:donation_edit", args=[donation.pk]), factories.edit_form(donation, amount="2.000"), follow=True
    )
    line = factories.bank_line(2_000_00, remittance=f"Oekraine {donation.reference}")
    client.force_login(finance)
    matched = client.post(reverse("pledges:finance_line_match", args=[line.pk]), factories.once({"donation": donation.pk}), follow=True)

    for response in (created, edited, matched):
        assert response.status_code == 200
        assert "Er ging iets mis" not in response.text
        assert "onderweg" in " ".join(pages.messages(response))
    assert Donation.objects.count() == 1
    donation.refresh_from_db()
    assert (donation.amount_cents, donation.received_cents) == (2_000_00, 2_000_00)
    assert Payment.objects.get().donation == donation
    assert mail.outbox == []
    # Each mail was tried once (by the worker after each request) and waits for its retry.
    assert sorted(name for name, _args, _kwargs in queued()) == [
        "send_payment_instructions", "send_payment_instructions", "send_payment_received"
    ]
    assert all(len(row.worker_ids) == 1 for row in DBTaskResult.objects.all())

    mail_server_down.up()
    assert run_tasks() == 0  # not due yet: the retry waits its backoff
    with later(minutes=1):
        assert run_tasks() == 3

    subjects = sorted(message.subject for message in mail.outbox)
    assert len(subjects) == 3
    assert subjects[0].startswith("Betaalinstructies voor toezegging")
    assert subjects[1].startswith("Gewijzigde betaalinstructies")
    assert subjects[2].startswith("Ontvangen: € 2.000,00")
    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()


def test_a_mail_is_tried_a_limited_number_of_times_with_growing_pauses_then_failed(
    almere_staff, ukraine_appeal, mail_server_down
):
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    row = send_payment_instructions.enqueue(donation.pk).db_result
    pauses = []
    for _attempt in range(tasks.MAIL_ATTEMPTS):
        with later(minutes=24 * 60 * len(pauses)):
            assert run_tasks() == 1
            row.refresh_from_db()
            if row.status == TaskResultStatus.READY:
                pauses.append((row.run_after - timezone.now()).total_seconds())

    assert row.status == TaskResultStatus.FAILED
    assert len(row.worker_ids) == tasks.MAIL_ATTEMPTS
    assert row.exception_class_path == "smtplib.SMTPServerDisconnected"
    assert len(pauses) == tasks.MAIL_ATTEMPTS - 1
    assert 0.8 * tasks.FIRST_RETRY_SECONDS <= pauses[0] <= 1.2 * tasks.FIRST_RETRY_SECONDS
    assert all(later_pause > pause for pause, later_pause in zip(pauses[:4], pauses[1:5]))
    assert max(pauses) <= 1.2 * tasks.LONGEST_RETRY_SECONDS
    assert mail.outbox == []


@pytest.fixture
def failed_mail(almere_staff, ukraine_appeal) -> DBTaskResult:
    """A payment-instructions mail that used up its tries."""
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    row = send_payment_instructions.enqueue(donation.pk).db_result
    DBTaskResult.objects.filter(id=row.id).update(
        status=TaskResultStatus.FAILED, worker_ids=["w"] * tasks.MAIL_ATTEMPTS, finished_at=timezone.now()
    )
    return row


def resend(client, row: DBTaskResult):
    return client.post(
        reverse("admin:django_tasks_database_dbtaskresult_changelist"),
        {"action": "resend_failed", "_selected_action": [str(row.id)]},
        follow=True,
    )


def test_the_administrator_sees_a_failed_mail_and_resends_it(client, administrator, failed_mail, paused_worker):
    client.force_login(administrator)
    listed = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"), {"status__exact": "FAILED"})
    assert "send_payment_instructions" in listed.text
    assert "resend_failed" in listed.text

    response = resend(client, failed_mail)

    assert "1 mislukte taak staat weer in de wachtrij." in response.text
    failed_mail.refresh_from_db()
    assert (failed_mail.status, failed_mail.worker_ids) == (TaskResultStatus.READY, [])
    assert run_tasks() == 1
    [message] = mail.outbox
    assert message.subject.startswith("Betaalinstructies")


def test_staff_without_the_change_permission_cannot_resend(client, failed_mail, paused_worker):
    clerk = make_user("admin-lezer@vngfonds.nl", Role.ADMINISTRATOR)
    clerk.is_staff = True
    clerk.save()
    clerk.user_permissions.add(Permission.objects.get(codename="view_dbtaskresult"))
    client.force_login(clerk)

    listed = client.get(reverse("admin:django_tasks_database_dbtaskresult_changelist"))
    assert listed.status_code == 200 and "resend_failed" not in listed.text
    resend(client, failed_mail)

    failed_mail.refresh_from_db()
    assert failed_mail.status == TaskResultStatus.FAILED
    assert run_tasks() == 0 and mail.outbox == []


def test_a_task_a_killed_worker_left_running_is_queued_again(almere_staff, ukraine_appeal, paused_worker):
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    stale = send_payment_instructions.enqueue(donation.pk).db_result
    fresh = send_payment_instructions.enqueue(donation.pk).db_result
    DBTaskResult.objects.filter(id=stale.id).update(
        status=TaskResultStatus.RUNNING, started_at=timezone.now() - datetime.timedelta(hours=2), worker_ids=["dead"]
    )
    DBTaskResult.objects.filter(id=fresh.id).update(status=TaskResultStatus.RUNNING, started_at=timezone.now())

    call_command("reset_stale_tasks", "--minutes", "60", stdout=StringIO())

    assert DBTaskResult.objects.get(id=fresh.id).status == TaskResultStatus.RUNNING  # a live worker's
    assert run_tasks() == 1
    assert DBTaskResult.objects.get(id=stale.id).status == TaskResultStatus.SUCCESSFUL
    assert len(mail.outbox) == 1


def test_inviting_and_the_password_link_work_while_the_mail_server_is_down(client, administrator, almere_staff, mail_server_down):
    client.force_login(administrator)
    invited = client.post(
        reverse("admin:pledges_user_changelist"), {"action": "invite", "_selected_action": [almere_staff.pk]}, follow=True
    )
    client.logout()
    asked = client.post(reverse("password_reset"), {"email": almere_staff.email}, follow=True)

    assert invited.status_code == asked.status_code == 200
    assert "De uitnodiging aan 1 gebruiker is onderweg." in invited.text
    # No token waits in the queue: the worker makes it when it writes the mail.
    assert [(name, args) for name, args, _kwargs in queued()] == [
        ("send_invitation", [almere_staff.pk, "http://testserver/"]),
        # The address as typed: the worker looks the account up, so a known one costs the request no more.
        ("send_password_link", [almere_staff.email, "testserver", "http", "nl"]),
    ]
    mail_server_down.up()
    with later(minutes=1):
        assert run_tasks() == 2
    assert [message.to for message in mail.outbox] == [[almere_staff.email]] * 2


def test_asking_for_a_password_link_only_queues_it(client, almere_staff, paused_worker, monkeypatch):
    """The request makes no token and writes no mail: the worker does both, once."""
    tokens = []
    real = reset_tokens.make_token
    monkeypatch.setattr(reset_tokens, "make_token", lambda user: tokens.append(user) or real(user))

    client.post(reverse("password_reset"), {"email": almere_staff.email.upper()})

    assert tokens == [] and mail.outbox == []
    assert [name for name, _args, _kwargs in queued()] == ["send_password_link"]
    run_tasks()
    assert tokens == [almere_staff] and [message.to for message in mail.outbox] == [[almere_staff.email]]
