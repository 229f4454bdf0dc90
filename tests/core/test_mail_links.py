"""Every mail leads somewhere: the number of what it is about in the subject, and the link to its page."""

import datetime

import pytest
from django.core import mail
from django.urls import reverse

from pledges.accounts.mails import TWO_FACTOR_SET_UP, send_two_factor_changed
from pledges.donations.mails import account_changed, send_payment_instructions
from pledges.donations.services import save_appeal
from pledges.equipment.mails import new_offer, offer_moved
from pledges.equipment.models import OfferStatus
from pledges.finance.mails import send_match_corrected, send_payment_received
from pledges.history.models import Event
from tests import factories

LEDGER = "https://giften.vngfonds.nl"


@pytest.fixture(autouse=True)
def _ledger_address(settings):
    settings.LEDGER_URL = LEDGER


@pytest.fixture
def pledge(almere_staff, ukraine_appeal):
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, contact_email="penningmeester@almere.nl")


@pytest.fixture
def offer(almere_staff, ukraine_appeal):
    return factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)


def the_mail() -> mail.EmailMessage:
    [message] = mail.outbox
    return message


def test_the_payment_instructions_name_the_pledge_and_link_to_it(pledge):
    send_payment_instructions.call(pledge.pk)

    message = the_mail()
    assert pledge.number in message.subject
    assert f"{LEDGER}/donaties/{pledge.pk}/" in message.body


@pytest.mark.parametrize("task", [send_payment_received, send_match_corrected], ids=["received", "corrected"])
def test_the_payment_mails_name_the_pledge_and_link_to_it(task, pledge):
    line = factories.bank_line(amount_cents=pledge.amount_cents)

    task.call(line.pk, pledge.pk, pledge.amount_cents)

    message = the_mail()
    assert pledge.number in message.subject
    assert f"Uw toezegging in het toezeggingenregister, met wat er is ontvangen:\n{LEDGER}/donaties/{pledge.pk}/" in message.body
    assert "giftenregister" not in message.body


def test_the_offer_news_names_the_offer_and_links_to_it(offer):
    offer_moved.call(offer.pk, OfferStatus.ACCEPTED, "")

    message = the_mail()
    assert message.subject == f"Uw aanbod {offer.number}: geaccepteerd"
    assert f"in het toezeggingenregister:\n{LEDGER}{offer.get_absolute_url()}" in message.body


def test_the_coordinators_hear_of_a_new_offer_with_its_number_and_link(offer, coordinator):
    new_offer.call(offer.pk)

    message = the_mail()
    assert message.to == [coordinator.email]
    assert offer.number in message.subject
    assert f"{LEDGER}{offer.get_absolute_url()}" in message.body


def test_a_change_of_the_receiving_account_links_to_the_appeal_and_its_history(ukraine_appeal, finance, administrator):
    ukraine_appeal.account_name = "Stichting VNG Fonds (nieuw)"
    save_appeal(ukraine_appeal, administrator)
    event = ukraine_appeal.events.get(kind=Event.Kind.ACCOUNT_CHANGED)
    mail.outbox.clear()

    account_changed.call(event.pk)

    assert f"{LEDGER}{reverse('pledges:appeal_dashboard', args=[ukraine_appeal.pk])}#account-heading" in the_mail().body


def test_the_two_step_mail_links_to_the_persons_two_step_page(almere_staff):
    send_two_factor_changed.call(almere_staff.pk, TWO_FACTOR_SET_UP, datetime.datetime(2026, 3, 2, 9, 0).isoformat())

    assert f"{LEDGER}{reverse('two_factor')}" in the_mail().body
