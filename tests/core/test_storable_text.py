"""No form stores a character XML cannot hold (U+FFFF, U+FFFE, control characters): it says which, next to the field.

One such character in a pledge made every workbook that showed it fail to be written
(tests/spreadsheets/test_unsafe_characters.py). The check sits in forms.CharField itself
(pledges.core.fields.refuse_unstorable_text), so it holds for every text field of every form:
the ledger's, the admin's, the recipient's and Django's own.
"""

import importlib
import pkgutil

import pytest
from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.test import RequestFactory
from django.urls import reverse

import pledges
from pledges.logistics.receipts import make_token
from pledges.models import Destination, Donation, OfferStatus, ReceiptConfirmation, Shipment
from tests import factories, pages

pytestmark = pytest.mark.django_db

UNSTORABLE = ["Besluit\uffff 12", "\ufffe", "bel\x07", "esc\x1b[31m", "form\x0cfeed", "null\x00"]


def every_form_class() -> list[type[forms.BaseForm]]:
    for module in pkgutil.walk_packages(pledges.__path__, "pledges."):
        if ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, todo = [], [forms.BaseForm]
    while todo:
        for subclass in todo.pop().__subclasses__():
            todo.append(subclass)
            if subclass.__module__.startswith("pledges."):
                found.append(subclass)
    return found


def admin_form_classes(administrator) -> list[type[forms.BaseForm]]:
    request = RequestFactory().get("/admin/")
    request.user = administrator
    return [model_admin.get_form(request) for model_admin in admin.site._registry.values()]


def text_fields(form_class) -> list[tuple[str, forms.CharField]]:
    return [(name, field) for name, field in form_class.base_fields.items() if isinstance(field, forms.CharField)]


def test_every_text_field_of_every_form_refuses_them(administrator):
    classes = every_form_class() + admin_form_classes(administrator)
    checked = 0
    for form_class in classes:
        for name, field in text_fields(form_class):
            for text in UNSTORABLE:
                with pytest.raises(ValidationError) as refused:
                    field.clean(text)
                if isinstance(field, forms.JSONField):
                    continue  # not JSON at all, refused as such (the admin shows Events read-only)
                assert "unstorable_character" in [error.code for error in refused.value.error_list], (
                    form_class, name, text,
                )
                checked += 1
    # The pledge, offer, need, shipment, receipt, login and password forms, the admin's.
    assert len(classes) > 30 and checked > 70 * len(UNSTORABLE)


def test_ordinary_text_still_passes():
    field = forms.CharField()

    for text in ["Raadsbesluit 2026/17", "tab\there", "regel\r\nregel", "Київ", "€ 1.234,56", "😀", "\ufffd"]:
        assert field.clean(text) == text.strip()


def test_a_pledge_with_such_a_character_is_refused_saying_which(client, almere_staff, ukraine_appeal):
    client.force_login(almere_staff)

    response = client.post(
        reverse("pledges:donation_create"),
        factories.pledge_form(ukraine_appeal, decision_reference="Besluit\uffff 12"),
    )

    assert response.status_code == 200
    assert pages.errors(response) == [
        "Deze tekst bevat een teken dat niet kan worden opgeslagen (U+FFFF, teken 8). "
        "Haal het weg, of typ de tekst in plaats van hem te plakken."
    ]
    assert not Donation.objects.exists()


def test_an_edit_with_such_a_character_keeps_the_pledge_as_it_was(client, almere_staff, ukraine_appeal):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    client.force_login(almere_staff)

    response = client.post(
        reverse("pledges:donation_edit", args=[pledge.pk]), factories.edit_form(pledge, contact_name="Jan\x07")
    )

    assert response.status_code == 200
    assert "U+0007" in pages.errors(response)[0]
    assert Donation.objects.get(pk=pledge.pk).contact_name == pledge.contact_name


def test_the_recipient_is_told_in_ukrainian(client, almere_staff, ukraine_appeal):
    shipment = factories.shipment(ukraine_appeal, factories.destination("Kyiv"), status=Shipment.Status.DELIVERED)
    item = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED)
    factories.on_board(shipment, item)

    response = client.post(
        reverse("pledges:recipient", args=[make_token(shipment)]),
        {"offer": item.pk, f"item{item.pk}-note": "Отримано\uffff"},
    )

    assert response.status_code == 400
    assert pages.errors(response) == [
        "Цей текст містить символ, який неможливо зберегти (U+FFFF, символ 9). "
        "Видаліть його або введіть текст вручну замість вставлення."
    ]
    assert not ReceiptConfirmation.objects.exists()


def test_the_admin_refuses_them_too(client, administrator):
    kyiv = factories.destination("Kyiv")
    client.force_login(administrator)
    url = reverse("admin:pledges_destination_change", args=[kyiv.pk])

    response = client.post(url, {
        "name_en": "Kyiv", "name_nl": "Kiev\uffff", "name_uk": kyiv.name_uk, "oblast_en": kyiv.oblast_en,
        "kind": kyiv.kind,
    })

    assert response.status_code == 200
    assert "U+FFFF" in response.text
    assert Destination.objects.get(pk=kyiv.pk).name_nl == kyiv.name_nl
