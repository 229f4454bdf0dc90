"""Needs are kept like every other part of the ledger: creation and each edit leave an Event."""

import pytest
from django.urls import reverse

from pledges.history.integrity import chain_findings
from pledges.models import Event, Need
from tests import factories, pages


@pytest.fixture
def kyiv():
    return factories.destination("Kyiv")


def _form(appeal, city, **overrides) -> dict:
    data = {
        "appeal": appeal.pk, "destination": city.pk, "category": "generator", "min_power_kva": "62,5",
        "quantity": "12", "priority": "1", "note": "Voor de waterzuivering", "is_open": "on",
    }
    return data | overrides


def test_a_need_is_recorded_when_it_is_made_and_each_time_it_changes(client, coordinator, ukraine_appeal, kyiv):
    client.force_login(coordinator)
    client.post(reverse("pledges:need_create"), _form(ukraine_appeal, kyiv))
    need = Need.objects.get()
    edit = reverse("pledges:need_edit", args=[need.pk])

    client.post(edit, _form(ukraine_appeal, kyiv, quantity="20", min_power_kva="62,5"))
    client.post(edit, _form(ukraine_appeal, kyiv, quantity="20", is_open=""))
    client.post(edit, _form(ukraine_appeal, kyiv, quantity="20", is_open=""))  # nothing changed: nothing recorded

    created, more, closed = need.events.order_by("id")
    assert (created.kind, created.actor, created.changes["quantity"]) == (Event.Kind.CREATED, coordinator, 12)
    assert (more.kind, more.actor, more.changes) == (Event.Kind.EDITED, coordinator, {"quantity": [12, 20]})
    assert closed.changes == {"is_open": [True, False]}
    assert list(chain_findings()) == []
    history = pages.plain(client.get(edit))
    assert "Aantal: 12 → 20" in history and "Open: ja → nee" in history
    assert "Quantity: 12 → 20" in pages.plain(client.get(edit, HTTP_ACCEPT_LANGUAGE="en"))
