"""Who sees what: deny by default, one municipality never sees another's pledges."""

import pytest
from django.urls import reverse

from pledges.models import Donation, Role
from tests import factories, pages
from tests.routes import ACCOUNT_PAGES, Route, is_public, project_routes

PLEDGES_ROUTES = [route for route in project_routes() if route.name.startswith("pledges:") and not is_public(route)]
DONATION_ROUTES_WITH_PK = [
    route
    for route in PLEDGES_ROUTES
    if route.callback.__module__ == "pledges.donations.views" and route.kwargs == ["pk"]
]


@pytest.fixture
def almere_pledge(almere_staff, ukraine_appeal) -> Donation:
    return factories.donation(
        almere_staff.municipality,
        ukraine_appeal,
        almere_staff,
        amount_cents=7_777_77,
        decision_reference="ALMERE-MARKER-4711",
    )


@pytest.fixture
def utrecht_pledge(utrecht_staff, ukraine_appeal) -> Donation:
    return factories.donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=1_000_00)


def _post_data(route: Route, donation: Donation) -> dict:
    """What a user would send to the page: a real change, so a missing check would show."""
    return factories.edit_form(donation, amount="5,00", contact_name="Inbreker") | {"note": "weg ermee"}


# Deny by default


def test_it_finds_the_ledger_pages_to_check():
    assert {"pledges:donation_list", "pledges:donation_detail", "pledges:donation_create"} <= {
        route.name for route in PLEDGES_ROUTES
    }
    assert {route.name for route in DONATION_ROUTES_WITH_PK} >= {
        "pledges:donation_detail",
        "pledges:donation_edit",
        "pledges:donation_withdraw",
    }


def test_it_gives_every_url_an_access_rule():
    """A new URL without @allow(...) or an explicit public marker fails here."""
    without_rule = [
        f"/{route.route} ({route.name or 'unnamed'})"
        for route in project_routes()
        if not hasattr(route.callback, "allowed_roles")
        and not is_public(route)
        and route.name not in ACCOUNT_PAGES
    ]
    assert without_rule == []


def test_it_admits_only_known_roles():
    for route in project_routes():
        roles = getattr(route.callback, "allowed_roles", None)
        if roles is not None:
            assert roles, f"{route} admits nobody"
            assert set(roles) <= set(Role.values), f"{route} names an unknown role"


def test_it_makes_a_ledger_page_public_only_on_purpose():
    """access.public() marks the pages a signed link opens; login_not_required alone is a slip."""
    accidental = [
        route.name
        for route in project_routes()
        if route.name.startswith("pledges:") and is_public(route) and not getattr(route.callback, "public", False)
    ]
    assert accidental == []


@pytest.mark.parametrize("route", PLEDGES_ROUTES, ids=str)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_sends_anonymous_visitors_to_the_login_page(client, route, method, almere_pledge):
    before = factories.ledger_snapshot()
    url = route.url(almere_pledge.pk)

    response = getattr(client, method)(url, _post_data(route, almere_pledge) if method == "post" else None)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login") + "?next=")
    assert factories.ledger_snapshot() == before


# One municipality never sees another's pledges


@pytest.mark.parametrize("route", DONATION_ROUTES_WITH_PK, ids=str)
@pytest.mark.parametrize("method", ["get", "post"])
def test_it_answers_staff_of_another_municipality_as_if_the_pledge_did_not_exist(
    client, route, method, almere_pledge, utrecht_staff
):
    before = factories.ledger_snapshot()
    client.force_login(utrecht_staff)
    send = getattr(client, method)
    data = _post_data(route, almere_pledge) if method == "post" else None

    response = send(route.url(almere_pledge.pk), data)
    missing = send(route.url(almere_pledge.pk + 1000), data)

    assert response.status_code == missing.status_code
    # A POST-only page refuses a GET before it looks anything up (405 for any number).
    assert response.status_code == 404 if method == "post" else response.status_code in (404, 405)
    assert "ALMERE-MARKER" not in response.text and almere_pledge.number not in response.text
    assert factories.ledger_snapshot() == before


def test_it_shows_staff_their_own_municipalitys_pledge(client, almere_staff, almere_pledge):
    client.force_login(almere_staff)
    response = client.get(almere_pledge.get_absolute_url())
    assert response.status_code == 200
    assert "ALMERE-MARKER-4711" in response.text


@pytest.mark.parametrize(
    "query",
    [
        {},
        {"q": "ALMERE-MARKER"},
        {"q": "Almere"},
        {"q": "Flevoland"},
        {"province": "Flevoland"},
        {"status": "pledged"},
        {"sort": "-amount_cents"},
        {"per_page": "100"},
    ],
    ids=lambda query: "&".join(f"{k}={v}" for k, v in query.items()) or "unfiltered",
)
def test_it_never_lists_or_counts_another_municipalitys_pledges(
    client, query, utrecht_staff, almere_pledge, utrecht_pledge
):
    client.force_login(utrecht_staff)

    response = client.get(reverse("pledges:donation_list"), query)

    assert response.status_code == 200
    assert almere_pledge.number not in pages.pledge_numbers(response)
    assert "7.777,77" not in response.text and "8.777,77" not in response.text
    assert pages.total(response, "rows") in ("0", "1")
    assert pages.total(response, "pledged") in ("€ 0,00", "€ 1.000,00")


@pytest.mark.parametrize(
    "search", [lambda pledge: pledge.number, lambda pledge: pledge.reference, lambda pledge: pledge.reference_display],
    ids=["pledge number", "RF reference", "RF reference with spaces"],
)
def test_it_finds_nothing_when_staff_search_for_another_municipalitys_pledge(
    client, search, utrecht_staff, almere_pledge, utrecht_pledge
):
    client.force_login(utrecht_staff)

    response = client.get(reverse("pledges:donation_list"), {"q": search(almere_pledge)})

    assert pages.pledge_numbers(response) == []
    assert pages.total(response, "rows") == "0"
    assert pages.total(response, "pledged") == "€ 0,00"


def test_it_ignores_a_municipality_filter_typed_into_the_address_bar_by_staff(
    client, utrecht_staff, almere, almere_pledge, utrecht_pledge
):
    client.force_login(utrecht_staff)

    response = client.get(reverse("pledges:donation_list"), {"municipality": almere.pk})

    assert pages.pledge_numbers(response) == [utrecht_pledge.number]
    assert pages.total(response, "pledged") == "€ 1.000,00"


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_it_shows_the_fund_every_municipalitys_pledges(client, request, role, almere_pledge, utrecht_pledge):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("pledges:donation_list"))
    detail = client.get(almere_pledge.get_absolute_url())

    assert sorted(pages.pledge_numbers(response)) == sorted([almere_pledge.number, utrecht_pledge.number])
    assert pages.total(response, "rows") == "2"
    assert pages.total(response, "pledged") == "€ 8.777,77"
    assert detail.status_code == 200
    assert "ALMERE-MARKER-4711" in detail.text


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_it_lets_the_fund_search_any_municipality(client, request, role, almere_pledge, utrecht_pledge):
    client.force_login(request.getfixturevalue(role))

    response = client.get(reverse("pledges:donation_list"), {"q": "ALMERE-MARKER"})

    assert pages.pledge_numbers(response) == [almere_pledge.number]


# Only municipal staff pledge, change and withdraw


@pytest.mark.parametrize("role", ["coordinator", "finance", "administrator"])
def test_it_refuses_the_pledge_form_to_everyone_but_municipal_staff(client, request, role, ukraine_appeal):
    client.force_login(request.getfixturevalue(role))

    shown = client.get(reverse("pledges:donation_create"))
    sent = client.post(reverse("pledges:donation_create"), factories.pledge_form(ukraine_appeal))

    assert shown.status_code == 403
    assert sent.status_code == 403
    assert not Donation.objects.exists()


@pytest.mark.parametrize("role", ["coordinator", "finance", "administrator"])
def test_it_refuses_changes_and_withdrawals_to_everyone_but_municipal_staff(client, request, role, almere_pledge):
    before = factories.ledger_snapshot()
    client.force_login(request.getfixturevalue(role))
    change = factories.edit_form(almere_pledge, amount="5,00")

    assert client.get(reverse("pledges:donation_edit", args=[almere_pledge.pk])).status_code == 403
    assert client.post(reverse("pledges:donation_edit", args=[almere_pledge.pk]), change).status_code == 403
    assert client.post(reverse("pledges:donation_withdraw", args=[almere_pledge.pk])).status_code == 403
    assert factories.ledger_snapshot() == before


@pytest.mark.parametrize("role", ["coordinator", "finance"])
def test_it_offers_no_pledge_button_to_the_fund(client, request, role, almere_pledge):
    client.force_login(request.getfixturevalue(role))

    ledger = client.get(reverse("pledges:donation_list"))
    detail = client.get(almere_pledge.get_absolute_url())

    assert reverse("pledges:donation_create") not in ledger.text
    assert reverse("pledges:donation_edit", args=[almere_pledge.pk]) not in detail.text
    assert reverse("pledges:donation_withdraw", args=[almere_pledge.pk]) not in detail.text


def test_it_offers_municipal_staff_the_pledge_form(client, almere_staff):
    client.force_login(almere_staff)

    ledger = client.get(reverse("pledges:donation_list"))
    form = client.get(reverse("pledges:donation_create"))

    assert reverse("pledges:donation_create") in ledger.text
    assert form.status_code == 200
    assert "Almere" in form.text
