"""Money pledges: staff pledge, get exact payment instructions, change or withdraw until money arrives."""

import datetime
import re
import zoneinfo

import pytest
from django.core import mail
from django.db import transaction
from django.db.models import ProtectedError
from django.urls import reverse
from django.utils import timezone, translation
from stdnum import iso11649
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from pledges.core.fields import IBAN_ERRORS
from pledges.models import Appeal, Donation, Event, KnownIban
from tests import factories, pages
from tests.tasks import queued, run_tasks

FUND_IBAN_SHOWN = "NL94 BNGH 0285 1737 15"
CREATE = reverse("pledges:donation_create")
AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def pledge(client, almere_staff, ukraine_appeal, django_capture_on_commit_callbacks):
    """Pledge through the form as Almere's staff; return the response after the redirect."""

    def pledge(**typed):
        client.force_login(almere_staff)
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(CREATE, factories.pledge_form(ukraine_appeal, **typed), follow=True)

    return pledge


@pytest.fixture
def almere_pledge(almere_staff, ukraine_appeal) -> Donation:
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00)


def _error(message) -> str:
    """A form error as the page shows it in the default language."""
    with translation.override("nl"):
        return str(message)


def assert_nothing_stored() -> None:
    assert not Donation.objects.exists()
    assert not Event.objects.exists()
    assert not KnownIban.objects.exists()
    assert mail.outbox == []


# Pledging


@pytest.mark.parametrize(("typed", "cents"), [("1.250,50", 1_250_50), ("1250.50", 1_250_50), ("25.000", 25_000_00)])
def test_it_records_a_pledge_typed_the_dutch_or_the_english_way(pledge, almere_staff, typed, cents):
    response = pledge(amount=typed)

    donation = Donation.objects.get()
    assert response.redirect_chain == [(donation.get_absolute_url(), 302)]
    assert donation.amount_cents == cents
    assert donation.municipality == almere_staff.municipality
    assert donation.created_by == almere_staff
    assert donation.status == Donation.Status.PLEDGED
    assert donation.decision_reference == "Raadsbesluit 2026/17"


def test_it_gives_the_pledge_a_number_to_quote(pledge):
    response = pledge()

    donation = Donation.objects.get()
    assert re.fullmatch(r"T-\d{6}", donation.number)
    assert int(donation.number[2:]) == donation.pk
    assert donation.number in pages.plain(response)


def test_it_gives_every_pledge_its_own_valid_rf_reference(pledge):
    pledge()
    pledge(amount="300")
    pledge(amount="25.000")

    references = list(Donation.objects.values_list("reference", flat=True))
    assert len(references) == 3
    assert len(set(references)) == 3
    assert all(iso11649.is_valid(reference) for reference in references)
    assert all(reference == iso11649.compact(reference) for reference in references)


def test_it_shows_the_exact_payment_instructions_after_pledging(pledge):
    response = pledge(amount="1.250,50")

    donation = Donation.objects.get()
    shown = pages.plain(response)
    assert response.status_code == 200
    assert "€ 1.250,50" in shown
    assert FUND_IBAN_SHOWN in shown
    assert "Stichting VNG Fonds" in shown
    assert f"Oekraine {donation.reference}" in shown
    assert donation.number in shown


def test_it_mails_the_same_instructions_to_the_contact_and_the_submitter(pledge, almere_staff):
    pledge(amount="1.250,50", contact_email="financien@almere.nl")

    donation = Donation.objects.get()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert sorted(message.to) == sorted(["financien@almere.nl", almere_staff.email])
    assert donation.number in message.subject
    for instruction in ["€ 1.250,50", FUND_IBAN_SHOWN, "Stichting VNG Fonds", f"Oekraine {donation.reference}"]:
        assert instruction in message.body


def test_it_mails_only_once_when_the_submitter_is_the_contact(pledge, almere_staff):
    pledge(contact_email=almere_staff.email)

    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == [almere_staff.email]


def test_it_queues_the_instructions_with_the_pledge_for_the_worker_to_send(client, almere_staff, ukraine_appeal, paused_worker):
    client.force_login(almere_staff)
    client.post(CREATE, factories.pledge_form(ukraine_appeal))

    assert mail.outbox == []
    assert queued() == [("send_payment_instructions", [Donation.objects.get().pk], {})]
    assert run_tasks() == 1
    assert len(mail.outbox) == 1


def test_it_records_the_creation_in_the_history(pledge, almere_staff):
    response = pledge()

    event = Event.objects.get()
    assert event.donation == Donation.objects.get()
    assert event.kind == Event.Kind.CREATED
    assert event.actor == almere_staff
    assert event.to_status == Donation.Status.PLEDGED
    assert event.get_kind_display() in pages.plain(response)


def test_it_pledges_for_the_staff_members_own_municipality_whatever_is_posted(pledge, almere_staff, utrecht):
    pledge(municipality=utrecht.pk)

    assert Donation.objects.get().municipality == almere_staff.municipality


def test_it_offers_only_open_appeals_that_take_money(client, almere_staff, ukraine_appeal):
    closed = factories.appeal(title="Aardbeving (gesloten)", is_open=False)
    equipment_only = factories.appeal(title="Alleen materieel", accepts=Appeal.Accepts.EQUIPMENT)
    client.force_login(almere_staff)

    form = client.get(CREATE)
    refused = client.post(CREATE, factories.pledge_form(closed))

    assert ukraine_appeal.title in form.text
    assert closed.title not in form.text and equipment_only.title not in form.text
    assert refused.status_code == 200
    assert pages.errors(refused)
    assert not Donation.objects.exists()


# The paying IBAN


def test_it_stores_the_iban_compact_and_shows_it_formatted(pledge):
    response = pledge(iban="nl91 abna 0417 1643 00")

    assert Donation.objects.get().iban == "NL91ABNA0417164300"
    assert "NL91 ABNA 0417 1643 00" in pages.plain(response)


def test_it_remembers_the_municipalitys_iban(pledge, almere_staff):
    pledge(iban="NL91 ABNA 0417 1643 00")
    pledge(iban="NL91ABNA0417164300")
    pledge(iban="NL20 INGB 0001 2345 67")

    assert sorted(KnownIban.objects.filter(municipality=almere_staff.municipality).values_list("iban", flat=True)) == [
        "NL20INGB0001234567",
        "NL91ABNA0417164300",
    ]


@pytest.mark.parametrize(
    ("typed", "error"),
    [
        ("NL91 ABNA 0417 1643 01", InvalidChecksum),
        ("NL91 ABNA 0417 1643 0OO", InvalidLength),
        ("NL91 ABNA 0417 1643 0", InvalidLength),
        ("12345", InvalidFormat),
        ("XX91 ABNA 0417 1643 00", InvalidComponent),
    ],
)
def test_it_says_what_is_wrong_with_an_iban_and_stores_nothing(pledge, typed, error):
    response = pledge(iban=typed)

    assert response.status_code == 200
    assert pages.errors(response) == [_error(IBAN_ERRORS[error])]
    assert_nothing_stored()


def test_it_explains_a_wrong_iban_in_dutch(pledge):
    response = pledge(iban="NL91 ABNA 0417 1643 01")

    with translation.override("en"):
        english = str(IBAN_ERRORS[InvalidChecksum])
    assert pages.errors(response) != [english]
    assert pages.errors(response) == [
        "De controlecijfers van dit IBAN kloppen niet: waarschijnlijk is een van de tekens verkeerd getypt. "
        "Neem het nummer opnieuw over van het bankafschrift."
    ]


def test_it_refuses_the_funds_own_iban_as_the_paying_account(pledge):
    response = pledge(iban=FUND_IBAN_SHOWN)

    assert response.status_code == 200
    assert len(pages.errors(response)) == 1
    assert_nothing_stored()


# The amount and the date


@pytest.mark.parametrize("typed", ["0", "0,00", "-5", "-1.250,50", "10.000.000,01", "25.000.000", "1.2345", "veel", ""])
def test_it_refuses_an_amount_that_cannot_be_meant_and_stores_nothing(pledge, typed):
    response = pledge(amount=typed)

    assert response.status_code == 200
    assert len(pages.errors(response)) == 1
    assert_nothing_stored()


def test_it_accepts_the_largest_sane_pledge(pledge):
    pledge(amount="10.000.000")

    assert Donation.objects.get().amount_cents == 10_000_000_00


@pytest.fixture
def today(time_machine) -> datetime.date:
    time_machine.move_to(datetime.datetime(2026, 3, 2, 10, 0, tzinfo=AMSTERDAM), tick=False)
    return timezone.localdate()


@pytest.mark.parametrize(
    "expected_date", ["2026-03-01", "2020-01-01", "2028-12-31", "morgen", "2026-02-30"], ids=str
)
def test_it_refuses_an_expected_date_in_the_past_or_far_future_and_stores_nothing(pledge, today, expected_date):
    response = pledge(expected_date=expected_date)

    assert response.status_code == 200
    assert len(pages.errors(response)) == 1
    assert_nothing_stored()


def test_it_accepts_a_transfer_expected_today(pledge, today):
    pledge(expected_date=today.isoformat())

    assert Donation.objects.get().expected_date == today


@pytest.mark.parametrize(
    "field", ["amount", "iban", "decision_reference", "expected_date", "contact_name", "contact_email"]
)
def test_it_requires_every_field(pledge, field):
    response = pledge(**{field: ""})

    assert len(pages.errors(response)) == 1
    assert_nothing_stored()


# Changing and withdrawing


def edit(client, user, donation: Donation, **typed):
    client.force_login(user)
    return client.post(
        reverse("pledges:donation_edit", args=[donation.pk]), factories.edit_form(donation, **typed), follow=True
    )


def test_it_records_every_changed_field_from_old_to_new(client, almere_staff, almere_pledge):
    response = edit(client, almere_staff, almere_pledge, amount="2.000", contact_name="Piet Jansen", iban="NL20INGB0001234567")

    almere_pledge.refresh_from_db()
    assert almere_pledge.amount_cents == 2_000_00
    assert almere_pledge.contact_name == "Piet Jansen"
    event = Event.objects.get(kind=Event.Kind.EDITED)
    assert event.donation == almere_pledge
    assert event.actor == almere_staff
    assert event.changes == {
        "amount_cents": [1_000_00, 2_000_00],
        "contact_name": ["Contact Persoon", "Piet Jansen"],
        "iban": ["NL91 ABNA 0417 1643 00", "NL20 INGB 0001 2345 67"],
    }
    shown = pages.plain(response)
    assert "€ 1.000,00 → € 2.000,00" in shown
    assert "Contact Persoon → Piet Jansen" in shown


def test_the_history_shows_amounts_as_its_reader_writes_them(client, almere_staff, almere_pledge):
    edit(client, almere_staff, almere_pledge, amount="2.000")

    english = client.get(almere_pledge.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en")
    shown = pages.plain(english)
    assert "Amount: €1,000.00 → €2,000.00" in shown
    assert "€ 1.000,00" not in shown


def test_it_lets_staff_correct_an_overdue_pledge_without_moving_its_date(client, almere_staff, almere_pledge, today):
    Donation.objects.filter(pk=almere_pledge.pk).update(expected_date=today - datetime.timedelta(days=10))
    almere_pledge.refresh_from_db()

    edit(client, almere_staff, almere_pledge, contact_name="Piet Jansen")

    almere_pledge.refresh_from_db()
    assert almere_pledge.contact_name == "Piet Jansen"
    assert almere_pledge.is_overdue


def test_it_remembers_the_new_iban_after_a_change(client, almere_staff, almere_pledge):
    edit(client, almere_staff, almere_pledge, iban="NL20 INGB 0001 2345 67")

    assert KnownIban.objects.filter(municipality=almere_staff.municipality, iban="NL20INGB0001234567").exists()


def test_it_records_nothing_when_nothing_changed(client, almere_staff, almere_pledge):
    edit(client, almere_staff, almere_pledge)

    assert not Event.objects.filter(kind=Event.Kind.EDITED).exists()


def test_it_keeps_the_appeal_and_reference_of_a_changed_pledge(client, almere_staff, almere_pledge):
    other = factories.appeal(title="Overstroming")
    reference = almere_pledge.reference

    edit(client, almere_staff, almere_pledge, appeal=other.pk, amount="2.000")

    almere_pledge.refresh_from_db()
    assert almere_pledge.appeal.transfer_keyword == "Oekraine"
    assert almere_pledge.appeal != other
    assert almere_pledge.reference == reference


def test_it_refuses_a_bad_change_and_keeps_the_pledge(client, almere_staff, almere_pledge):
    before = factories.ledger_snapshot()

    response = edit(client, almere_staff, almere_pledge, amount="0", iban="NL91ABNA0417164301")

    assert len(pages.errors(response)) == 2
    assert factories.ledger_snapshot() == before


def test_it_mails_updated_payment_instructions_after_the_amount_changed(
    client, almere_staff, almere_pledge, paused_worker
):
    client.force_login(almere_staff)
    url = reverse("pledges:donation_edit", args=[almere_pledge.pk])
    client.post(url, factories.edit_form(almere_pledge, amount="1.250,75"))
    assert mail.outbox == []  # queued with the change, for the worker
    assert queued() == [("send_payment_instructions", [almere_pledge.pk], {"changed": True, "also_to": []})]
    run_tasks()
    mail.outbox.clear()

    response = client.post(url, factories.edit_form(almere_pledge, amount="1.500,25"), follow=True)
    run_tasks()

    [message] = mail.outbox
    assert sorted(message.to) == sorted([almere_pledge.contact_email, almere_staff.email])
    assert message.subject.startswith("Gewijzigde betaalinstructies") and almere_pledge.number in message.subject
    assert "€ 1.500,25" in message.body and "€ 1.000,00" not in message.body
    assert "vervangen" in message.body
    said = " ".join(pages.messages(response))
    assert "betaalinstructies" in said and almere_staff.email in said and almere_pledge.contact_email in said
    assert "€ 1.500,25" in pages.plain(response)


@pytest.mark.parametrize(
    "typed",
    [{"iban": "NL20INGB0001234567"}, {"expected_date": "2027-01-15"}],
    ids=["paying IBAN", "expected date"],
)
def test_it_mails_updated_instructions_when_what_they_show_changes(
    client, almere_staff, almere_pledge, django_capture_on_commit_callbacks, typed
):
    with django_capture_on_commit_callbacks(execute=True):
        edit(client, almere_staff, almere_pledge, **typed)

    [message] = mail.outbox
    assert "NL20 INGB 0001 2345 67" in message.body or "15 januari 2027" in message.body


def test_it_mails_a_replaced_contact_person_too(
    client, almere_staff, almere_pledge, django_capture_on_commit_callbacks
):
    earlier = almere_pledge.contact_email

    with django_capture_on_commit_callbacks(execute=True):
        edit(client, almere_staff, almere_pledge, contact_email="nieuw@almere.example.nl")

    [message] = mail.outbox
    assert sorted(message.to) == sorted([earlier, "nieuw@almere.example.nl", almere_staff.email])


def test_it_mails_nothing_and_says_so_when_the_instructions_stay_the_same(
    client, almere_staff, almere_pledge, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = edit(client, almere_staff, almere_pledge, contact_name="Piet Jansen")

    assert mail.outbox == []
    assert pages.messages(response) == ["Uw wijzigingen zijn opgeslagen. De betaalinstructies blijven zoals ze waren."]


def test_the_edit_page_promises_only_what_an_edit_does(client, almere_staff, almere_pledge):
    client.force_login(almere_staff)

    new = pages.plain(client.get(CREATE))
    changed = pages.plain(client.get(reverse("pledges:donation_edit", args=[almere_pledge.pk])))

    assert "Na het opslaan krijgt u de precieze betaalinstructies op het scherm en per e-mail." in new
    assert "Na het opslaan krijgt u" not in changed
    assert "bijgewerkte betaalinstructies" in changed


def test_the_instructions_mail_lines_up_its_labels_and_values(pledge):
    pledge(amount="1.250,50", decision_reference="Raadsbesluit 2026/17")

    body = mail.outbox[0].body
    rows = [line for line in body.splitlines() if re.match(r"  \S.*?: +\S", line)]
    labels = [line.split(":")[0].strip() for line in rows]
    assert labels == [
        "Bedrag", "Naar rekening (IBAN)", "Ten name van", "Omschrijving", "Vóór", "Rekening geldig sinds",
        "Raads-/collegebesluit", "IBAN van betaler",
    ]
    columns = {re.match(r"  \S.*?: +", line).end() for line in rows}
    assert len(columns) == 1, body


def withdraw(client, user, donation: Donation, **data):
    client.force_login(user)
    return client.post(reverse("pledges:donation_withdraw", args=[donation.pk]), data, follow=True)


def test_it_withdraws_a_pledge_and_records_why(client, almere_staff, almere_pledge):
    response = withdraw(client, almere_staff, almere_pledge, note="Raad heeft besluit ingetrokken", confirmed="yes")

    almere_pledge.refresh_from_db()
    assert almere_pledge.status == Donation.Status.WITHDRAWN
    event = Event.objects.get(kind=Event.Kind.WITHDRAWN)
    assert (event.donation, event.actor) == (almere_pledge, almere_staff)
    assert (event.from_status, event.to_status) == (Donation.Status.PLEDGED, Donation.Status.WITHDRAWN)
    assert event.note == "Raad heeft besluit ingetrokken"
    shown = pages.plain(response)
    assert "Raad heeft besluit ingetrokken" in shown
    assert FUND_IBAN_SHOWN not in shown  # no payment instructions for a withdrawn pledge
    assert Donation.objects.totals()["pledged"] == 0


def test_it_asks_to_confirm_a_withdrawal_and_says_it_cannot_be_undone(client, almere_staff, almere_pledge):
    before = factories.ledger_snapshot()
    client.force_login(almere_staff)
    detail = client.get(almere_pledge.get_absolute_url())
    assert f'action="{reverse("pledges:donation_withdraw", args=[almere_pledge.pk])}"' in detail.text

    from_the_pledge_page = withdraw(client, almere_staff, almere_pledge, note="Raad heeft besluit ingetrokken")
    opened = client.get(reverse("pledges:donation_withdraw", args=[almere_pledge.pk]))

    for response in (from_the_pledge_page, opened):
        assert response.status_code == 200
        shown = pages.plain(response)
        assert f"Toezegging {almere_pledge.number} intrekken?" in shown
        assert "Intrekken kan niet ongedaan worden gemaakt." in shown
        assert 'name="confirmed" value="yes"' in response.text
    # The reason typed on the pledge page is kept for the confirmation.
    assert 'value="Raad heeft besluit ingetrokken"' in from_the_pledge_page.text
    assert factories.ledger_snapshot() == before


def test_a_withdrawal_needs_the_confirmation_itself(client, almere_staff, almere_pledge):
    before = factories.ledger_snapshot()

    withdraw(client, almere_staff, almere_pledge, confirmed="no")
    withdraw(client, almere_staff, almere_pledge, confirmed="")

    assert factories.ledger_snapshot() == before


@pytest.mark.parametrize("state", ["partly received", "received", "withdrawn"])
def test_it_locks_a_pledge_once_money_arrived_or_it_was_withdrawn(client, almere_staff, almere_pledge, state):
    if state == "withdrawn":
        factories.withdraw(almere_pledge, almere_staff)
    else:
        factories.receive(almere_pledge, 500_00 if state == "partly received" else 1_000_00)
    before = factories.ledger_snapshot()
    client.force_login(almere_staff)

    detail = client.get(almere_pledge.get_absolute_url())
    form = client.get(reverse("pledges:donation_edit", args=[almere_pledge.pk]))
    changed = edit(client, almere_staff, almere_pledge, amount="1,00")
    withdrawn = withdraw(client, almere_staff, almere_pledge, confirmed="yes")

    assert reverse("pledges:donation_edit", args=[almere_pledge.pk]) not in detail.text
    assert reverse("pledges:donation_withdraw", args=[almere_pledge.pk]) not in detail.text
    assert form.status_code == 302 and form["Location"] == almere_pledge.get_absolute_url()
    assert pages.messages(changed) and pages.messages(withdrawn)
    assert factories.ledger_snapshot() == before


# History is append-only


def test_it_refuses_to_change_or_delete_history(almere_staff, almere_pledge):
    event = Event.objects.get()

    event.note = "anders"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).update(note="anders")
    with pytest.raises(PermissionError), transaction.atomic():
        Event.objects.bulk_update([event], ["note"])
    with pytest.raises(PermissionError):
        Event.objects.filter(pk=event.pk).delete()
    with pytest.raises(PermissionError):
        Event.objects.all().delete()
    with pytest.raises(PermissionError):
        event.delete()

    assert Event.objects.count() == 1
    event.refresh_from_db()
    assert event.note == ""


def test_it_refuses_to_delete_a_pledge_with_history(almere_pledge):
    with pytest.raises(ProtectedError):
        almere_pledge.delete()

    assert Donation.objects.filter(pk=almere_pledge.pk).exists()
    assert Event.objects.filter(donation=almere_pledge).count() == 1


def test_the_amount_hint_uses_the_readers_number_style(client, almere_staff):
    client.force_login(almere_staff)

    assert "Bijvoorbeeld 25.000 of 1.250,50." in pages.plain(client.get(CREATE))
    assert "For example 25,000 or 1,250.50." in pages.plain(client.get(CREATE, HTTP_ACCEPT_LANGUAGE="en"))
