"""Finance enters a payment that is on no bank statement, and matches it to a pledge on the way."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from pledges.models import Donation, Event, Payment
from tests import factories

TODAY = datetime.date(2026, 6, 1)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC), tick=False):
        yield


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=2_500_00)


def form(appeal, **overrides) -> dict:
    data = {
        "appeal": appeal.pk,
        "booking_date": "2026-05-28",
        "amount": "1.000,50",
        "counterparty_name": "Gemeente Almere, kas",
        "counterparty_iban": "",
        "remittance": "Contant, benefietconcert 12 mei",
        "pledge": "",
        "note": "",
    }
    return factories.once(data | overrides)


def enter(client, data):
    return client.post(reverse("pledges:finance_manual_payment_create"), data)


def test_finance_enters_a_payment_that_pays_a_pledge(client, finance, pledge, ukraine_appeal,
                                                     django_capture_on_commit_callbacks):
    client.force_login(finance)
    with django_capture_on_commit_callbacks(execute=True):
        response = enter(client, form(ukraine_appeal, pledge=pledge.number, counterparty_iban="nl91 abna 0417 1643 00",
                                      note="Kwitantie 17", confirmed=f"{pledge.number}:amount"))

    line = Payment.objects.get()
    assert response.status_code == 302 and response.url == reverse("pledges:finance_line", args=[line.pk])
    assert line.statement is None and line.entered_by == finance
    assert (line.booking_date, line.amount_cents, line.account_iban) == (
        datetime.date(2026, 5, 28), 1_000_50, ukraine_appeal.iban,
    )
    assert line.counterparty_iban == "NL91ABNA0417164300"
    assert (line.donation, line.match_method, line.matched_by) == (pledge, Payment.Method.MANUAL, finance)
    pledge.refresh_from_db()
    assert (pledge.received_cents, pledge.status) == (1_000_50, Donation.Status.PARTLY_RECEIVED)
    kinds = list(Event.objects.filter(payment=line).values_list("kind", "donation", "actor"))
    assert kinds == [
        (Event.Kind.PAYMENT_ENTERED, None, finance.pk),
        (Event.Kind.PAYMENT_MATCHED, pledge.pk, finance.pk),
    ]
    assert Event.objects.get(kind=Event.Kind.PAYMENT_MATCHED).note == "Kwitantie 17"
    assert len(mail.outbox) == 1 and pledge.contact_email in mail.outbox[0].to
    assert "1.000,50" in mail.outbox[0].body


def test_a_payment_without_pledge_waits_to_be_matched(client, finance, pledge, ukraine_appeal):
    client.force_login(finance)
    response = enter(client, form(ukraine_appeal))

    line = Payment.objects.get()
    assert response.status_code == 302
    assert line.is_open and line in Payment.objects.unmatched()
    assert Event.objects.filter(payment=line, kind=Event.Kind.PAYMENT_ENTERED).count() == 1
    followed = client.get(response.url)
    assert "1.000,50" in followed.content.decode()

    # Later, matched from its own page like any bank line.
    client.post(reverse("pledges:finance_line_match", args=[line.pk]),
                factories.once({"donation": pledge.pk, "confirmed": f"{pledge.number}:amount"}))
    pledge.refresh_from_db()
    assert pledge.received_cents == 1_000_50


@pytest.mark.parametrize(
    ("overrides", "field", "says"),
    [
        ({"amount": "0"}, "amount", "hoger zijn dan € 0,00"),
        ({"amount": "1.000,505"}, "amount", "twee decimalen"),
        ({"amount": "=1+1"}, "amount", "bedrag in euro"),
        ({"booking_date": "2026-06-02"}, "booking_date", "toekomst"),
        ({"booking_date": "2016-06-01"}, "booking_date", "vijf jaar"),
        ({"booking_date": "31-02-2026"}, "booking_date", "geldige datum"),
        ({"counterparty_name": ""}, "counterparty_name", "verplicht"),
        ({"counterparty_name": "x" * 141}, "counterparty_name", "140"),
        ({"remittance": "x" * 501}, "remittance", "500"),
        ({"counterparty_iban": "NL91ABNA0417164301"}, "counterparty_iban", "IBAN"),
        ({"pledge": "T-999999"}, "pledge", "Geen toezegging gevonden"),
    ],
)
def test_invalid_input_is_refused_in_dutch_and_stores_nothing(client, finance, pledge, ukraine_appeal,
                                                              overrides, field, says):
    client.force_login(finance)
    before = factories.finance_snapshot()

    response = enter(client, form(ukraine_appeal, **overrides))

    assert response.status_code == 200
    errors = " ".join(response.context["form"].errors[field])
    assert says in errors, errors
    assert factories.finance_snapshot() == before


def test_a_withdrawn_pledge_asks_a_confirmation_and_another_appeals_pledge_is_refused(client, finance, almere_staff, pledge, ukraine_appeal):
    other = factories.appeal(title="Aardbeving Turkije", iban="NL19BNGH0285000123", transfer_keyword="Turkije")
    withdrawn = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    factories.withdraw(withdrawn, almere_staff)
    client.force_login(finance)
    before = factories.finance_snapshot()

    refused_withdrawn = enter(client, form(ukraine_appeal, pledge=withdrawn.number))
    refused_appeal = enter(client, form(other, pledge=pledge.reference))

    assert refused_withdrawn.context["confirmation"]["items"] == [f"Toezegging {withdrawn.number} is ingetrokken."]
    assert "Oekra" in " ".join(refused_appeal.context["form"].errors["pledge"])
    assert factories.finance_snapshot() == before


def test_coordinators_see_the_payments_but_cannot_enter_one(client, coordinator, finance, ukraine_appeal):
    client.force_login(finance)
    enter(client, form(ukraine_appeal))
    client.force_login(coordinator)

    page = client.get(reverse("pledges:finance_manual_payments"))
    refused = enter(client, form(ukraine_appeal, amount="5"))

    assert page.status_code == 200
    html = page.content.decode()
    assert "Contant, benefietconcert" in html
    assert 'name="amount"' not in html
    assert refused.status_code == 403
    assert Payment.objects.count() == 1


def test_municipal_staff_never_enter_payments(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)
    assert client.get(reverse("pledges:finance_manual_payments")).status_code == 403
    assert enter(client, form(ukraine_appeal)).status_code == 403
    assert not Payment.objects.exists()


def test_the_finance_pages_link_to_manual_entry(client, finance):
    client.force_login(finance)
    html = client.get(reverse("pledges:finance_outstanding")).content.decode()
    assert reverse("pledges:finance_manual_payments") in html
    page = client.get(reverse("pledges:finance_manual_payments")).content.decode()
    assert 'aria-current="page">Handmatig ingevoerde betalingen' in page
