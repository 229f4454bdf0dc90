"""Payment reminders: a week before a due date, on the day and when overdue, each once, through the worker."""

import datetime
import io

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from pledges.donations.reminders import (
    check_reminders,
    queue_reminders,
    start_daily_reminders,
)
from pledges.donations.services import withdraw_donation
from pledges.finance.matching import EVERYTHING, enter_payment
from pledges.models import Donation, Event, Instalment, Reminder
from tests import factories, pages
from tests.tasks import queued, run_tasks

pytestmark = pytest.mark.django_db

DUE = datetime.date(2026, 7, 1)
MADE = datetime.datetime(2026, 6, 1, 9, 0, tzinfo=datetime.UTC)


def at(day: datetime.date, hour: int = 8):
    """Travel to `day`, a morning in Amsterdam."""
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(hour - 2), datetime.UTC), tick=False)


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    with time_machine.travel(MADE, tick=False):
        return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=5_000_00,
                                  expected_date=DUE, contact_email="penningmeester@almere.nl")


def check_and_deliver(day: datetime.date) -> list:
    """The daily check on `day`, then the worker; the mails it sent."""
    mail.outbox.clear()
    with at(day):
        queue_reminders()
        run_tasks()
    return list(mail.outbox)


def test_it_reminds_a_week_before_on_the_day_and_when_overdue_each_once(pledge, settings, almere_staff):
    settings.REMINDER_OVERDUE_DAYS = 10
    sent = {}
    for day in (datetime.date(2026, 6, 23), datetime.date(2026, 6, 24), datetime.date(2026, 6, 25),
                DUE, datetime.date(2026, 7, 2), datetime.date(2026, 7, 10), datetime.date(2026, 7, 11),
                datetime.date(2026, 7, 12), datetime.date(2026, 8, 30)):
        sent[day] = [message.subject for message in check_and_deliver(day)]

    assert {day: subjects for day, subjects in sent.items() if subjects} == {
        datetime.date(2026, 6, 24): [f"Herinnering: over een week verwacht voor toezegging {pledge.number} (€ 5.000,00)"],
        DUE: [f"Herinnering: vandaag verwacht voor toezegging {pledge.number} (€ 5.000,00)"],
        datetime.date(2026, 7, 11): [f"Betaling achterstallig: toezegging {pledge.number} (€ 5.000,00)"],
    }
    reminders = list(pledge.reminders.values_list("kind", "due_date", "recipients"))
    assert reminders == [
        (kind, DUE, sorted(["penningmeester@almere.nl", almere_staff.email]))
        for kind in (Reminder.Kind.BEFORE, Reminder.Kind.DUE, Reminder.Kind.OVERDUE)
    ]
    assert all(reminder.sent_at for reminder in pledge.reminders.all())


def test_a_reminder_goes_to_the_contact_and_the_submitter_in_dutch_with_a_link(pledge, almere_staff, settings):
    settings.LEDGER_URL = "https://giften.vngfonds.nl"

    [message] = check_and_deliver(DUE)

    assert sorted(message.to) == sorted(["penningmeester@almere.nl", almere_staff.email])
    assert f"https://giften.vngfonds.nl/donaties/{pledge.pk}/" in message.body
    assert "verwacht het VNG Fonds € 5.000,00 van de gemeente Almere" in message.body
    assert f"Oekraine {pledge.reference}" in message.body


def test_the_worker_delivers_each_reminder_once_however_often_the_check_runs(pledge, paused_worker):
    with at(DUE):
        assert queue_reminders() == 1
        assert queue_reminders() == 0
        call_command("send_reminders", stdout=io.StringIO())
        assert [name for name, _args, _kwargs in queued()].count("send_reminder") == 1
        run_tasks()
        run_tasks()
    assert len(mail.outbox) == 1
    # The same reminder's task run again (a worker killed after sending) sends nothing more.
    reminder = pledge.reminders.get()
    from pledges.donations.mails import send_reminder
    send_reminder.call(reminder.pk)
    assert len(mail.outbox) == 1


def test_no_reminder_for_a_moment_before_the_pledge_was_made(almere_staff, ukraine_appeal):
    # Made three days before its date: the payment instructions just went, no "a week before".
    with at(datetime.date(2026, 6, 28)):
        factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, expected_date=DUE)

    assert check_and_deliver(datetime.date(2026, 6, 29)) == []
    assert len(check_and_deliver(DUE)) == 1


def test_reminders_stop_once_the_money_is_matched(pledge, finance):
    with at(datetime.date(2026, 6, 30)):
        enter_payment(confirmed=EVERYTHING, appeal=pledge.appeal, booking_date=datetime.date(2026, 6, 30), amount_cents=5_000_00,
                      counterparty_name="Gemeente Almere", counterparty_iban="", remittance="", donation=pledge,
                      user=finance)
        run_tasks()

    assert check_and_deliver(DUE) == []
    assert check_and_deliver(datetime.date(2026, 8, 30)) == []
    assert not pledge.reminders.exists()


def test_a_reminder_queued_before_the_money_came_is_not_sent(pledge, finance, paused_worker):
    with at(DUE):
        queue_reminders()
        enter_payment(confirmed=EVERYTHING, appeal=pledge.appeal, booking_date=DUE, amount_cents=5_000_00, counterparty_name="Almere",
                      counterparty_iban="", remittance="", donation=pledge, user=finance)
        run_tasks()

    assert [message.subject for message in mail.outbox] == [
        f"Ontvangen: € 5.000,00 voor toezegging {pledge.number} ({pledge.appeal.title})"
    ]
    reminder = pledge.reminders.get()
    assert reminder.sent_at is None and reminder.dropped_at is not None


def test_a_withdrawn_pledge_is_not_reminded(pledge, almere_staff):
    with at(datetime.date(2026, 6, 20)):
        withdraw_donation(pledge, almere_staff, "")

    assert check_and_deliver(DUE) == []


def test_an_instalment_paid_in_full_is_not_reminded_the_next_is(almere_staff, finance, ukraine_appeal):
    with time_machine.travel(MADE, tick=False):
        donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=2_000_00,
                                      schedule=Donation.Schedule.INSTALMENTS, expected_date=datetime.date(2026, 8, 1))
        Instalment.objects.create(donation=donation, due_date=DUE, amount_cents=1_000_00)
        Instalment.objects.create(donation=donation, due_date=datetime.date(2026, 8, 1), amount_cents=1_000_00)
        enter_payment(confirmed=EVERYTHING, appeal=ukraine_appeal, booking_date=MADE.date(), amount_cents=1_200_00, counterparty_name="A",
                      counterparty_iban="", remittance="", donation=donation, user=finance)
        run_tasks()  # the thank-you

    assert check_and_deliver(DUE) == []
    [message] = check_and_deliver(datetime.date(2026, 8, 1))
    # What is still open of the second instalment: € 1.000,00 less the € 200,00 paid ahead.
    assert "€ 800,00" in message.subject
    assert list(donation.reminders.values_list("due_date", "kind")) == [(datetime.date(2026, 8, 1), "due")]


def test_finance_pauses_the_reminders_of_a_pledge_and_that_is_recorded(client, pledge, finance):
    client.force_login(finance)
    with at(datetime.date(2026, 6, 20)):
        response = client.post(reverse("pledges:finance_pledge_reminders", args=[pledge.pk]),
                               {"paused": "on", "note": "Gemeente belde: betaalt na raadsvergadering"}, follow=True)

    assert f"De betalingsherinneringen van toezegging {pledge.number} zijn gepauzeerd." in pages.messages(response)
    pledge.refresh_from_db()
    assert pledge.reminders_paused
    event = pledge.events.get(kind=Event.Kind.REMINDERS)
    assert (event.actor, event.data, event.note) == (finance, {"reminders_paused": True},
                                                     "Gemeente belde: betaalt na raadsvergadering")
    assert "Betalingsherinneringen gepauzeerd." in pages.plain(response)
    assert check_and_deliver(DUE) == []

    with at(datetime.date(2026, 7, 2)):
        client.force_login(finance)  # twelve days later: the session of 20 June has ended
        client.post(reverse("pledges:finance_pledge_reminders", args=[pledge.pk]), {"paused": ""})
    pledge.refresh_from_db()
    assert not pledge.reminders_paused
    assert pledge.events.filter(kind=Event.Kind.REMINDERS).count() == 2
    assert len(check_and_deliver(datetime.date(2026, 7, 3))) == 1


def test_only_finance_pauses_reminders(client, pledge, almere_staff, coordinator):
    for user in (almere_staff, coordinator):
        client.force_login(user)
        response = client.post(reverse("pledges:finance_pledge_reminders", args=[pledge.pk]), {"paused": "on"})
        assert response.status_code == 403
    pledge.refresh_from_db()
    assert not pledge.reminders_paused and not pledge.events.filter(kind=Event.Kind.REMINDERS).exists()


def test_finance_sees_who_was_reminded_when_on_the_pledge_and_the_outstanding_page(client, pledge, finance):
    check_and_deliver(DUE)
    client.force_login(finance)

    with at(datetime.date(2026, 7, 2)):
        detail = pages.plain(client.get(pledge.get_absolute_url()))
        outstanding = pages.plain(client.get(reverse("pledges:finance_outstanding")))

    reminded = f"1 juli 2026 op de vervaldatum {', '.join(sorted([pledge.created_by.email, 'penningmeester@almere.nl']))}"
    assert f"{reminded} 1 juli 2026 08:00 1 juli 2026 08:00" in detail
    assert "Laatste herinnering" in outstanding and "1-7-2026 1-7-2026 op de vervaldatum" in outstanding


def test_the_daily_check_queues_itself_for_the_next_morning(pledge, paused_worker, settings):
    settings.REMINDER_OVERDUE_DAYS = 10
    with at(DUE, hour=6):
        assert start_daily_reminders() is True
        assert start_daily_reminders() is False  # one waits already
        run_tasks()
    assert len(mail.outbox) == 1
    waiting = DBTaskResult.objects.filter(task_path=check_reminders.module_path, status="READY").get()
    assert timezone.localtime(waiting.run_after) == timezone.make_aware(datetime.datetime(2026, 7, 1, 7, 0))

    with at(datetime.date(2026, 7, 11), hour=7):
        run_tasks()
    # It ran (the overdue reminder went) and waits for the morning after.
    assert [message.subject.split(":")[0] for message in mail.outbox] == ["Herinnering", "Betaling achterstallig"]
    waiting = DBTaskResult.objects.filter(task_path=check_reminders.module_path, status="READY").get()
    assert timezone.localtime(waiting.run_after).date() == datetime.date(2026, 7, 12)


def test_the_overdue_reminder_needs_at_least_a_day(monkeypatch):
    from django.core.exceptions import ImproperlyConfigured

    from tests.environment import load_settings

    assert load_settings(monkeypatch, REMINDER_OVERDUE_DAYS="21")["REMINDER_OVERDUE_DAYS"] == 21
    with pytest.raises(ImproperlyConfigured, match="REMINDER_OVERDUE_DAYS"):
        load_settings(monkeypatch, REMINDER_OVERDUE_DAYS="0")
