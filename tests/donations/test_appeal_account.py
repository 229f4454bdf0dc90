"""The fund's receiving account (IBAN, name, keyword) cannot change silently.

Every open pledge's payment instructions show the appeal's account, so a change of it
is checked as a bank would, recorded with who made it and from what to what, shown
with the date it holds from, and mailed to finance and the coordinators.
"""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format

from pledges.donations.mails import send_payment_instructions
from pledges.history.integrity import chain_findings
from pledges.history.rendering import show_all
from pledges.models import Appeal, Event, KnownIban
from tests import factories, pages
from tests.tasks import run_tasks

OLD_IBAN, NEW_IBAN = "NL94BNGH0285173715", "NL91ABNA0417164300"
NEW_SHOWN = "NL91 ABNA 0417 1643 00"
CHANGE_URL = "admin:pledges_appeal_change"


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


@pytest.fixture
def open_pledge(almere_staff, ukraine_appeal):
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)


def field(response, name: str) -> str:
    """The text of the element marked `data-field="name"` on the page."""
    found = re.search(rf'data-field="{name}"[^>]*>(.*?)</(?:dd|p)>', response.text, re.DOTALL)
    assert found, f"no {name} on the page"
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", found[1])).replace("\xa0", " ").split())


def appeal_form(appeal: Appeal, **changes) -> dict:
    """The appeal's admin form as it is, with `changes` typed over it."""
    data = {
        "title": appeal.title, "theme": appeal.theme, "description": appeal.description, "iban": appeal.iban,
        "account_name": appeal.account_name, "transfer_keyword": appeal.transfer_keyword,
        "target_cents": appeal.target_cents or "", "accepts": appeal.accepts,
    }
    if appeal.is_open:
        data["is_open"] = "on"
    return data | changes


def change(client, appeal: Appeal, **changes):
    return client.post(reverse(CHANGE_URL, args=[appeal.pk]), appeal_form(appeal, **changes))


def test_a_change_of_the_account_is_recorded_shown_and_mailed(
    admin_client, administrator, coordinator, finance, almere_staff, ukraine_appeal, open_pledge, client
):
    assert ukraine_appeal.iban == OLD_IBAN

    response = change(admin_client, ukraine_appeal, iban="nl91 abna 0417 1643 00", account_name="Stichting  VNG Fonds Noodhulp")

    assert response.status_code == 302
    ukraine_appeal.refresh_from_db()
    assert (ukraine_appeal.iban, ukraine_appeal.account_name) == (NEW_IBAN, "Stichting VNG Fonds Noodhulp")
    event = Event.objects.get(kind=Event.Kind.ACCOUNT_CHANGED)
    assert (event.appeal, event.actor) == (ukraine_appeal, administrator)
    assert event.changes == {
        "iban": [OLD_IBAN, NEW_IBAN], "account_name": ["Stichting VNG Fonds", "Stichting VNG Fonds Noodhulp"],
    }
    assert list(chain_findings()) == []  # the appeal's Event is in the hash chain like every other
    # Finance and the coordinators are told, in Dutch, who changed what from what to what.
    [told] = mail.outbox
    assert sorted(told.to) == sorted([coordinator.email, finance.email])
    assert ukraine_appeal.title in told.subject
    assert "NL94 BNGH 0285 1737 15 → NL91 ABNA 0417 1643 00" in told.body
    assert "Stichting VNG Fonds → Stichting VNG Fonds Noodhulp" in told.body
    assert str(administrator) in told.body
    # The municipality's open pledge now shows the new account, since when, and that it changed.
    client.force_login(almere_staff)
    page = client.get(open_pledge.get_absolute_url())
    today = date_format(timezone.localdate(), "DATE_FORMAT")
    assert field(page, "iban") == NEW_SHOWN
    assert field(page, "account-since") == today
    assert today in field(page, "account-changed")
    # The coordinators and finance see the account, since when, and its history on the appeal.
    for reader in (coordinator, finance):
        client.force_login(reader)
        dashboard = client.get(reverse("pledges:appeal_dashboard", args=[ukraine_appeal.pk]))
        assert field(dashboard, "iban") == NEW_SHOWN
        assert field(dashboard, "account-since") == today
        text = pages.plain(dashboard)
        assert "ontvangende rekening gewijzigd" in text and str(administrator) in text
        assert "NL94 BNGH 0285 1737 15 → NL91 ABNA 0417 1643 00" in text


def since_in_mail(body: str) -> str:
    line = next(line for line in body.splitlines() if "Rekening geldig sinds" in line)
    return line.split(":", 1)[1].strip()


def test_the_payment_instructions_mail_says_since_when_the_account_holds(admin_client, almere_staff, ukraine_appeal):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)

    send_payment_instructions.enqueue(pledge.pk)
    run_tasks()
    change(admin_client, ukraine_appeal, iban=NEW_IBAN)
    send_payment_instructions.enqueue(pledge.pk)
    run_tasks()

    before, after = mail.outbox[0].body, mail.outbox[-1].body
    assert since_in_mail(before) == "het begin van de oproep"
    assert NEW_SHOWN in after
    assert since_in_mail(after) == date_format(timezone.localdate(), "DATE_FORMAT")


@pytest.mark.parametrize(
    ("field", "typed", "error"),
    [
        ("iban", "NL92ABNA0417164300", "De controlecijfers van dit IBAN kloppen niet"),
        ("iban", "NL91ABNA041716430", "niet het juiste aantal tekens"),
        ("iban", "municipal", "Een gemeente betaalt vanaf deze IBAN"),
        ("account_name", "Stichting VNG Fonds Oekraïne", "letters zonder accenten"),
        ("account_name", "VNG <script>", "letters zonder accenten"),
        ("account_name", "Stichting VNG Fonds // Noodhulp", "dubbele schuine streep"),
        ("account_name", "S" * 71, "hoogstens 70 tekens"),
        ("account_name", "   ", "verplicht"),
        ("transfer_keyword", "Oekraïne", "letters zonder accenten"),
        ("transfer_keyword", "Oekraine\u202e", "letters zonder accenten"),
        ("transfer_keyword", "K" * 36, "niet meer dan 35 tekens"),
        ("transfer_keyword", "Oekraine RF18 5390", "RF-betalingskenmerk"),
    ],
    ids=[
        "IBAN checksum", "IBAN length", "a municipality's IBAN", "accent in the name", "markup in the name",
        "double slash", "name too long", "blank name", "accent in the keyword", "RTL override", "keyword too long",
        "RF reference as keyword",
    ],
)
def test_an_account_a_bank_would_refuse_is_refused_and_nothing_changes(
    admin_client, almere_staff, ukraine_appeal, open_pledge, field, typed, error
):
    if typed == "municipal":
        KnownIban.objects.create(municipality=almere_staff.municipality, iban=open_pledge.iban)
        typed = open_pledge.iban
    before = list(Appeal.objects.values()), Event.objects.count()

    response = change(admin_client, ukraine_appeal, **{field: typed})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert list(errors) == [field] and error in " ".join(errors[field]), errors
    assert (list(Appeal.objects.values()), Event.objects.count()) == before
    assert mail.outbox == []


def test_saving_the_appeal_without_touching_the_account_records_and_mails_nothing(admin_client, ukraine_appeal):
    response = change(admin_client, ukraine_appeal, title="Oekraïne: energie (winter 2026)")

    assert response.status_code == 302
    assert Appeal.objects.get(pk=ukraine_appeal.pk).title == "Oekraïne: energie (winter 2026)"
    assert not Event.objects.filter(appeal=ukraine_appeal).exists()
    assert mail.outbox == []


def test_a_new_appeal_records_the_account_it_starts_with(admin_client, administrator, ukraine_appeal):
    data = appeal_form(ukraine_appeal, title="Turkije: aardbeving", iban=NEW_IBAN, transfer_keyword="Turkije")

    response = admin_client.post(reverse("admin:pledges_appeal_add"), data)

    assert response.status_code == 302
    appeal = Appeal.objects.get(title="Turkije: aardbeving")
    event = appeal.events.get()
    assert (event.kind, event.actor) == (Event.Kind.CREATED, administrator)
    assert event.changes == {"iban": NEW_IBAN, "account_name": "Stichting VNG Fonds", "transfer_keyword": "Turkije"}


def test_the_change_reads_in_english_too(admin_client, ukraine_appeal):
    change(admin_client, ukraine_appeal, transfer_keyword="Oekraine winter")

    with translation.override("en"):
        [(event, shown)] = show_all(Event.objects.filter(appeal=ukraine_appeal))
        assert event.get_kind_display() == "receiving account changed"
    assert [(row.label, row.old, row.new) for row in shown.rows] == [("transfer keyword", "Oekraine", "Oekraine winter")]
