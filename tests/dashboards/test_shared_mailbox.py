"""A municipality's shared mailbox: chosen by its own staff (or the administrator), it gets a copy
of each of the municipality's mails, once, and never another municipality's."""

import pytest
from django.core import mail
from django.urls import reverse

from pledges.donations.mails import send_payment_instructions
from pledges.equipment.mails import new_offer, offer_moved
from pledges.equipment.models import OfferStatus
from pledges.finance.mails import send_payment_received
from pledges.history.models import Event
from pledges.models import Municipality
from tests import factories, pages
from tests.core.test_mail_links import offer, pledge  # noqa: F401  (fixtures: Almere's pledge and offer)

MAILBOX = "giften@almere.nl"


def mailbox_page(municipality: Municipality) -> str:
    return reverse("pledges:municipality_mailbox", args=[municipality.code])


@pytest.fixture
def with_mailbox(almere) -> Municipality:
    almere.shared_mailbox = MAILBOX
    almere.save()
    return almere


# The page


def test_staff_choose_their_municipalitys_mailbox_and_the_choice_is_recorded(client, almere_staff, almere):
    client.force_login(almere_staff)

    response = client.post(mailbox_page(almere), {"shared_mailbox": " Giften@Almere.nl "}, follow=True)

    almere.refresh_from_db()
    assert almere.shared_mailbox == MAILBOX
    assert "Kopieën van de e-mails over Almere gaan nu naar giften@almere.nl." in pages.plain(response)
    [event] = almere.events.filter(kind=Event.Kind.EDITED)
    assert event.actor == almere_staff
    assert event.changes == {"shared_mailbox": ["", MAILBOX]}
    assert "Gedeelde mailbox: giften@almere.nl" in pages.plain(client.get(mailbox_page(almere)))


def test_staff_empty_the_mailbox_to_stop_the_copies(client, almere_staff, with_mailbox):
    client.force_login(almere_staff)

    response = client.post(mailbox_page(with_mailbox), {"shared_mailbox": ""}, follow=True)

    with_mailbox.refresh_from_db()
    assert with_mailbox.shared_mailbox == ""
    assert "Almere heeft geen gedeelde mailbox: er worden geen kopieën verstuurd." in pages.plain(response)


def test_the_dashboard_leads_its_staff_to_the_mailbox_page(client, almere_staff, almere):
    client.force_login(almere_staff)

    page = client.get(reverse("pledges:municipality_dashboard", args=[almere.code])).text

    assert mailbox_page(almere) in page


@pytest.mark.parametrize(
    ("address", "message"),
    [
        ("giften-almere.nl", "Voer een geldig e-mailadres in."),
        ("bram@utrecht.nl", "Dit is het adres van iemand buiten Almere. Kies een mailbox van Almere."),
        ("carla@vngfonds.nl", "Dit is het adres van iemand buiten Almere. Kies een mailbox van Almere."),
    ],
    ids=["not an address", "someone of another municipality", "someone of the fund"],
)
def test_it_refuses_an_address_that_is_no_mailbox_of_the_municipality(
    address, message, client, almere_staff, utrecht_staff, coordinator, almere
):
    client.force_login(almere_staff)

    response = client.post(mailbox_page(almere), {"shared_mailbox": address})

    assert response.status_code == 200
    assert message in pages.plain(response)
    almere.refresh_from_db()
    assert almere.shared_mailbox == ""


def test_one_mailbox_belongs_to_one_municipality(client, utrecht_staff, utrecht, with_mailbox):
    client.force_login(utrecht_staff)

    response = client.post(mailbox_page(utrecht), {"shared_mailbox": MAILBOX})

    assert "Een andere gemeente heeft deze gedeelde mailbox al." in pages.plain(response)
    utrecht.refresh_from_db()
    assert utrecht.shared_mailbox == ""


def test_only_the_municipalitys_own_staff_open_its_mailbox_page(client, utrecht_staff, coordinator, almere):
    client.force_login(utrecht_staff)
    assert client.get(mailbox_page(almere)).status_code == 404
    assert client.post(mailbox_page(almere), {"shared_mailbox": "ik@utrecht.nl"}).status_code == 404
    client.force_login(coordinator)
    assert client.get(mailbox_page(almere)).status_code == 403
    almere.refresh_from_db()
    assert almere.shared_mailbox == ""


def test_the_administrator_sets_the_mailbox_in_the_admin(client, administrator, almere):
    client.force_login(administrator)
    change = reverse("admin:pledges_municipality_change", args=[almere.pk])

    client.post(change, {"code": almere.code, "name": almere.name, "province": almere.province, "shared_mailbox": MAILBOX})

    almere.refresh_from_db()
    assert almere.shared_mailbox == MAILBOX


# The copies


def test_the_mailbox_gets_a_copy_of_the_payment_instructions_in_the_same_mail(with_mailbox, pledge, almere_staff):
    send_payment_instructions.call(pledge.pk)

    [message] = mail.outbox
    assert sorted(message.to) == sorted(["penningmeester@almere.nl", almere_staff.email])
    assert message.cc == [MAILBOX]
    assert message.recipients().count(MAILBOX) == 1


def test_the_mailbox_gets_payment_and_offer_news_too(with_mailbox, pledge, offer):
    send_payment_received.call(factories.bank_line(amount_cents=pledge.amount_cents).pk, pledge.pk, pledge.amount_cents)
    offer_moved.call(offer.pk, OfferStatus.ACCEPTED, "")

    assert [message.cc for message in mail.outbox] == [[MAILBOX], [MAILBOX]]


def test_a_mailbox_that_is_already_a_recipient_gets_the_mail_once(almere, almere_staff, ukraine_appeal):
    almere.shared_mailbox = "penningmeester@almere.nl"
    almere.save()
    pledge = factories.donation(almere, ukraine_appeal, almere_staff, contact_email="Penningmeester@almere.nl")

    send_payment_instructions.call(pledge.pk)

    [message] = mail.outbox
    assert message.cc == []


def test_no_copy_without_a_mailbox_nor_to_another_municipalitys(almere, pledge, utrecht, utrecht_staff, ukraine_appeal):
    utrecht.shared_mailbox = "giften@utrecht.nl"
    utrecht.save()

    send_payment_instructions.call(pledge.pk)

    [message] = mail.outbox
    assert message.cc == []
    assert "giften@utrecht.nl" not in message.recipients()


def test_the_fund_internal_mail_about_an_offer_is_not_copied(with_mailbox, offer, coordinator):
    new_offer.call(offer.pk)

    [message] = mail.outbox
    assert MAILBOX not in message.recipients()
