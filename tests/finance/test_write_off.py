"""Finance writes off the unpaid rest of a pledge: closed, out of the outstanding list and the totals, once."""

import datetime
import io

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from pledges.donations.reminders import queue_reminders
from pledges.donations.services import write_off
from pledges.finance.integrity import schedule_findings
from pledges.finance.matching import EVERYTHING, enter_payment
from pledges.models import Donation, Event
from tests import factories, pages

pytestmark = pytest.mark.django_db

OUTSTANDING = reverse("pledges:finance_outstanding")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 9, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def pledge(almere_staff, ukraine_appeal, finance) -> Donation:
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=10_000_00,
                                  expected_date=datetime.date(2026, 6, 1))
    enter_payment(confirmed=EVERYTHING, appeal=ukraine_appeal, booking_date=datetime.date(2026, 6, 2), amount_cents=6_000_00,
                  counterparty_name="Gemeente Almere", counterparty_iban="", remittance="", donation=donation,
                  user=finance)
    donation.refresh_from_db()
    return donation


def post_write_off(client, pledge, reason="Raad besloot 12-8-2026 de rest niet te betalen"):
    return client.post(reverse("pledges:finance_pledge_write_off", args=[pledge.pk]), {"reason": reason}, follow=True)


def test_finance_writes_off_the_unpaid_rest_with_a_reason(client, finance, pledge):
    client.force_login(finance)

    response = post_write_off(client, pledge)

    assert f"€ 4.000,00 van toezegging {pledge.number} is afgeschreven; de toezegging is gesloten." in pages.messages(
        response)
    pledge.refresh_from_db()
    assert (pledge.status, pledge.written_off_cents, pledge.received_cents, pledge.outstanding) == (
        Donation.Status.WRITTEN_OFF, 4_000_00, 6_000_00, 0,
    )
    event = pledge.events.get(kind=Event.Kind.WRITTEN_OFF)
    assert (event.actor, event.from_status, event.to_status, event.changes, event.note) == (
        finance, Donation.Status.PARTLY_RECEIVED, Donation.Status.WRITTEN_OFF, {"written_off_cents": [0, 4_000_00]},
        "Raad besloot 12-8-2026 de rest niet te betalen",
    )
    text = pages.plain(response)
    assert "onbetaalde rest afgeschreven" in text and "Afgeschreven: € 0,00 → € 4.000,00" in text
    assert "Raad besloot 12-8-2026 de rest niet te betalen" in text


def test_a_written_off_pledge_leaves_the_outstanding_list_and_totals(client, finance, pledge):
    client.force_login(finance)
    before = client.get(OUTSTANDING)
    assert pages.pledge_numbers(before) == [pledge.number]
    assert pages.total(before, "outstanding") == "€ 4.000,00"

    post_write_off(client, pledge)

    after = client.get(OUTSTANDING)
    assert pages.pledge_numbers(after) == [] and pages.total(after, "outstanding") == "€ 0,00"
    ledger = client.get(reverse("pledges:donation_list"))
    assert (pages.total(ledger, "pledged"), pages.total(ledger, "received"), pages.total(ledger, "outstanding")) == (
        "€ 10.000,00", "€ 6.000,00", "€ 0,00",
    )
    assert Donation.objects.overdue().count() == 0
    assert Donation.objects.totals()["outstanding"] == 0
    [row] = Donation.objects.by_municipality()
    assert (row["outstanding"], row["overdue"]) == (0, 0)
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert "The ledger verifies" in out.getvalue()


def test_a_second_write_off_does_nothing_and_says_so(client, finance, pledge):
    client.force_login(finance)
    post_write_off(client, pledge)

    again = post_write_off(client, pledge)

    assert f"Toezegging {pledge.number} is al gesloten (afgeschreven); er is niets afgeschreven." in pages.messages(again)
    assert pledge.events.filter(kind=Event.Kind.WRITTEN_OFF).count() == 1
    pledge.refresh_from_db()
    assert pledge.written_off_cents == 4_000_00


def test_a_write_off_needs_a_reason_and_finance(client, finance, coordinator, almere_staff, pledge):
    for user in (almere_staff, coordinator):
        client.force_login(user)
        assert client.post(reverse("pledges:finance_pledge_write_off", args=[pledge.pk]), {"reason": "x"}).status_code == 403
    client.force_login(finance)
    response = post_write_off(client, pledge, reason="")

    assert "Geef de reden van de afschrijving; er is niets afgeschreven." in pages.messages(response)
    pledge.refresh_from_db()
    assert pledge.status == Donation.Status.PARTLY_RECEIVED and not pledge.events.filter(kind=Event.Kind.WRITTEN_OFF)


def test_a_pledge_received_in_full_is_not_written_off(finance, almere_staff, ukraine_appeal):
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00)
    enter_payment(confirmed=EVERYTHING, appeal=ukraine_appeal, booking_date=datetime.date(2026, 8, 1), amount_cents=1_000_00,
                  counterparty_name="A", counterparty_iban="", remittance="", donation=donation, user=finance)

    assert write_off(donation.pk, finance, "te laat").done is False
    donation.refresh_from_db()
    assert (donation.status, donation.written_off_cents) == (Donation.Status.RECEIVED, 0)


def test_a_written_off_pledge_is_not_reminded(finance, pledge):
    write_off(pledge.pk, finance, "Raadsbesluit")

    assert queue_reminders() == 0 and not pledge.reminders.exists()


def test_verify_ledger_names_a_write_off_changed_behind_the_apps_back(finance, pledge):
    write_off(pledge.pk, finance, "Raadsbesluit")
    table, column = connection.ops.quote_name(Donation._meta.db_table), connection.ops.quote_name("status")
    with connection.cursor() as cursor:
        # Check constraints stop most tampering; a status set back to "received" they allow.
        cursor.execute(f"UPDATE {table} SET {column} = 'received', written_off_cents = 0 WHERE id = %s", [pledge.pk])
    assert list(schedule_findings()) == []
    out = io.StringIO()
    with pytest.raises(Exception, match="does not verify"):
        call_command("verify_ledger", stdout=out)
    assert f"Donation {pledge.number}" in out.getvalue()
