"""Recipient organisations: coordinators add and change them, the EDRPOU code is checked, every change is kept."""

import pytest
from django.urls import reverse
from django.utils import translation

from pledges.models import Event, RecipientOrganisation
from pledges.recipients.forms import RecipientForm
from tests import factories, pages

ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en"}
# A code with a valid check digit (made up, not the real council's).
VALID = "34059240"


@pytest.fixture
def kharkiv(reference_data):
    return factories.destination("Kharkiv")


def organisation_form(destination, **overrides) -> dict:
    data = {
        "destination": destination.pk,
        "legal_name_uk": "Виконавчий комітет Харківської міської ради",
        "legal_name_en": "Executive Committee of Kharkiv City Council",
        "edrpou": "3405 9240",
        "address": "майдан Конституції, 7, м. Харків, 61003",
        "signatory_name": "Олександр Петренко",
        "signatory_position": "перший заступник міського голови",
        "contact_name": "Ірина Савченко",
        "contact_email": "aid@kharkiv.example.ua",
        "contact_phone": "+380 57 725 2010",
        "ahars_registration": "ГД-2024-000127",
        "ahars_registered_on": "2024-04-03",
    }
    return data | overrides


def test_a_coordinator_adds_an_organisation_and_its_history_keeps_the_values(client, coordinator, kharkiv):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:recipient_create"), organisation_form(kharkiv), follow=True, **ENGLISH)

    organisation = RecipientOrganisation.objects.get()
    assert response.redirect_chain[-1][0] == reverse("pledges:recipient_detail", args=[organisation.pk])
    assert organisation.edrpou == VALID  # typed with a space, kept as 8 digits
    assert organisation.destination == kharkiv and organisation.missing_for_departure() == []
    created = organisation.events.get()
    assert created.kind == Event.Kind.CREATED and created.actor == coordinator
    assert created.changes["edrpou"] == VALID and created.changes["destination"] == kharkiv.pk
    assert created.changes["ahars_registered_on"] == "2024-04-03"
    assert "Executive Committee of Kharkiv City Council is saved." in pages.messages(response)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("34059241", "The check digit (the last one) of EDRPOU code 34059241 does not match"),
        ("3405924", "An EDRPOU code has 8 digits; “3405924” has 7."),
        ("3405924A", "An EDRPOU code has only digits (8 of them); “3405924A” has other characters."),
    ],
)
def test_a_wrong_edrpou_code_is_refused_saying_what_is_wrong(client, coordinator, kharkiv, typed, message):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:recipient_create"), organisation_form(kharkiv, edrpou=typed), **ENGLISH)

    assert response.status_code == 200
    assert any(error.startswith(message) for error in pages.errors(response)), pages.errors(response)
    assert not RecipientOrganisation.objects.exists()
    assert not Event.objects.filter(recipient__isnull=False).exists()


def test_the_refusal_is_in_dutch_for_the_funds_staff(client, coordinator, kharkiv):
    client.force_login(coordinator)

    response = client.post(reverse("pledges:recipient_create"), organisation_form(kharkiv, edrpou="3405924"),
                           HTTP_ACCEPT_LANGUAGE="nl")

    assert "Een EDRPOU-code heeft 8 cijfers; “3405924” heeft er 7." in pages.errors(response)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("3405924", "Код ЄДРПОУ має 8 цифр; у «3405924» їх 7."),
        ("34059241", "Контрольна цифра (остання) коду ЄДРПОУ 34059241 не збігається"),
        ("3405924Б", "Код ЄДРПОУ складається лише з цифр (їх 8); «3405924Б» містить інші символи."),
    ],
)
def test_the_refusal_reads_in_ukrainian_for_a_ukrainian_reader(kharkiv, typed, message):
    with translation.override("uk"):
        form = RecipientForm(organisation_form(kharkiv, edrpou=typed))
        assert not form.is_valid()
        assert form.errors["edrpou"][0].startswith(message), form.errors["edrpou"]


def test_an_edrpou_code_already_registered_is_refused_naming_the_organisation(client, coordinator, kharkiv):
    factories.recipients_organisation(kharkiv, edrpou=VALID, legal_name_en="Kharkivteplomerezha")
    client.force_login(coordinator)

    response = client.post(reverse("pledges:recipient_create"), organisation_form(kharkiv), **ENGLISH)

    assert pages.errors(response) == [
        f"EDRPOU code {VALID} is already registered for Kharkivteplomerezha (Charkiv). An organisation is "
        "registered once; change that one instead."
    ]
    assert RecipientOrganisation.objects.count() == 1


def test_an_edit_is_recorded_from_old_to_new_and_shown_on_the_organisations_page(client, coordinator, kharkiv):
    client.force_login(coordinator)
    client.post(reverse("pledges:recipient_create"), organisation_form(kharkiv))
    organisation = RecipientOrganisation.objects.get()
    form = organisation_form(kharkiv, signatory_name="Марія Іваненко")
    del form["destination"]

    response = client.post(reverse("pledges:recipient_edit", args=[organisation.pk]), form, follow=True, **ENGLISH)

    edited = organisation.events.get(kind=Event.Kind.EDITED)
    assert edited.changes == {"signatory_name": ["Олександр Петренко", "Марія Іваненко"]}
    assert "Signatory: Олександр Петренко → Марія Іваненко" in pages.plain(response)
    # Saved again unchanged: nothing new in the history.
    client.post(reverse("pledges:recipient_edit", args=[organisation.pk]), form)
    assert organisation.events.count() == 2


def test_an_organisation_lacking_what_the_documents_need_says_which(client, coordinator, kharkiv):
    organisation = factories.recipients_organisation(kharkiv, signatory_name="", ahars_registration="")
    client.force_login(coordinator)

    response = client.get(reverse("pledges:recipient_detail", args=[organisation.pk]), **ENGLISH)

    assert ("Shipments to this organisation cannot depart until these are filled in: signatory, "
            "AHARS recipient registration.") in pages.plain(response)
    listed = client.get(reverse("pledges:recipient_list"), **ENGLISH)
    assert "details missing" in pages.plain(listed)


def test_finance_reads_but_does_not_change_and_municipalities_see_nothing(client, finance, almere_staff, kharkiv):
    organisation = factories.recipients_organisation(kharkiv)
    client.force_login(finance)
    assert client.get(reverse("pledges:recipient_list")).status_code == 200
    assert client.get(reverse("pledges:recipient_detail", args=[organisation.pk])).status_code == 200
    assert client.get(reverse("pledges:recipient_create")).status_code == 403
    assert client.post(reverse("pledges:recipient_edit", args=[organisation.pk]), {}).status_code == 403

    client.force_login(almere_staff)
    assert client.get(reverse("pledges:recipient_list")).status_code == 403
    assert client.get(reverse("pledges:recipient_detail", args=[organisation.pk])).status_code == 403


def test_the_shipments_page_links_to_the_organisations(client, coordinator):
    client.force_login(coordinator)

    response = client.get(reverse("pledges:shipment_list"))

    assert reverse("pledges:recipient_list") in response.text
