"""The administrator keeps reference data and users; ledger rows are read-only in the admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from pledges.models import Donation, Event, KnownIban, Municipality, Role, User
from tests import factories

REGISTERED = sorted(admin.site._registry, key=lambda model: model._meta.label)
SEARCHABLE = [model for model in REGISTERED if admin.site._registry[model].search_fields]
READ_ONLY = [Donation, Event, KnownIban]


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    row = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    KnownIban.objects.create(municipality=row.municipality, iban=row.iban)
    return row


@pytest.fixture
def admin_client(client, administrator):
    client.force_login(administrator)
    return client


def test_it_opens_the_admin_for_the_administrator(admin_client):
    response = admin_client.get(reverse("admin:index"))

    assert response.status_code == 200
    for model in (Municipality, User, Donation):
        assert admin_url(model, "changelist") in response.text


@pytest.mark.parametrize("model", REGISTERED, ids=lambda model: model._meta.label)
def test_it_lists_every_registered_model(admin_client, pledge, model):
    response = admin_client.get(admin_url(model, "changelist"))

    assert response.status_code == 200


@pytest.mark.parametrize("model", SEARCHABLE, ids=lambda model: model._meta.label)
def test_it_searches_every_list_that_has_a_search_box(admin_client, pledge, model):
    response = admin_client.get(admin_url(model, "changelist"), {"q": "Almere"})

    assert response.status_code == 200


@pytest.mark.parametrize("model", READ_ONLY, ids=lambda model: model._meta.label)
def test_it_shows_ledger_rows_read_only(admin_client, pledge, model):
    row = model.objects.first()
    before = factories.ledger_snapshot()

    changelist = admin_client.get(admin_url(model, "changelist"))
    add = admin_client.get(admin_url(model, "add"))
    view = admin_client.get(admin_url(model, "change", row.pk))
    change = admin_client.post(admin_url(model, "change", row.pk), {"note": "anders", "amount_cents": 1})
    delete = admin_client.post(admin_url(model, "delete", row.pk), {"post": "yes"})
    bulk_delete = admin_client.post(
        admin_url(model, "changelist"), {"action": "delete_selected", "_selected_action": [row.pk], "post": "yes"}
    )

    assert admin_url(model, "add") not in changelist.text
    assert 'value="delete_selected"' not in changelist.text
    assert add.status_code == 403
    assert view.status_code == 200
    assert 'name="_save"' not in view.text
    assert change.status_code == 403
    assert delete.status_code == 403
    assert bulk_delete.status_code in (200, 302)
    assert factories.ledger_snapshot() == before


def test_it_keeps_everyone_else_out_of_the_admin(client, coordinator, finance, almere_staff):
    for user in (coordinator, finance, almere_staff):
        client.force_login(user)
        response = client.get(reverse("admin:index"))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_it_refuses_municipal_staff_without_a_municipality(admin_client):
    response = admin_client.post(
        admin_url(User, "add"), {"email": "nieuw@almere.nl", "first_name": "Nina", "last_name": "de Wit", "role": Role.MUNICIPAL_STAFF}
    )

    assert response.status_code == 200
    assert not User.objects.filter(email="nieuw@almere.nl").exists()
    assert 'class="errornote"' in response.text


def test_it_lets_the_administrator_edit_a_municipality(admin_client, almere):
    response = admin_client.post(
        admin_url(Municipality, "change", almere.pk), {"code": "GM0034", "name": "Almere (stad)", "province": "Flevoland"}
    )

    assert response.status_code == 302
    almere.refresh_from_db()
    assert almere.name == "Almere (stad)"
