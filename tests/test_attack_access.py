"""Attacks on access: every URL, every role, another municipality's rows, extra fields, no login.

tests/accounts/test_access.py proves the rules one by one for the money ledger; this module walks every
URL pattern of the project (so pages added later are attacked too) and asserts that a refused
request changed no row of any table, and that one municipality's marker rows never reach
another municipality's pages, totals, exports or e-mails.
"""

import datetime

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from pledges.models import Donation, EquipmentOffer, Need, OfferStatus, Role, Shipment
from tests import attack, factories
from tests.attack import body
from tests.routes import ACCOUNT_PAGES, Route, is_public, project_routes

# The only pages a visitor without an account may open: log in, get a password link, confirm a
# delivery through a signed link, switch language, read the footer's statements. Add the public page
# here when it lands; test_it_lets_anonymous_visitors_reach_only_the_pages_meant_for_them fails until you do.
ANONYMOUS_PAGES = {
    "login",
    # The second step of logging in; without a pending login they send the visitor back to "login".
    "login_code",
    "login_enrol",
    "password_reset",
    "password_reset_done",
    "password_reset_confirm",
    "password_reset_complete",
    "set_language",
    "pledges:recipient",
    # The item passport a unit's QR label opens (signed link), and the photos of its steps.
    "pledges:unit_passport",
    "pledges:unit_passport_photo",
    # The recipient organisation's usage report, through a signed link of its own (pledges.usage.links).
    "pledges:usage_report",
    # The public page of an appeal (a 404 unless PUBLIC_DASHBOARDS is on).
    "pledges:public_appeal",
    # The footer's pages, which every visitor may read: they show no data of the ledger.
    "pledges:privacy",
    "pledges:accessibility",
    "pledges:contact",
    "pledges:colophon",
    # Checks a receipt's verification code: amount, date and municipality, no personal data.
    "pledges:receipt_check",
}

ROLES = {
    Role.MUNICIPAL_STAFF: "almere_staff",
    Role.COORDINATOR: "coordinator",
    Role.FINANCE: "finance",
    Role.ADMINISTRATOR: "administrator",
}

ROUTES = project_routes()
GUARDED = [route for route in ROUTES if not is_public(route) and route.name not in ACCOUNT_PAGES]
REFUSED = [
    (route, role) for route in GUARDED for role in ROLES if role not in getattr(route.callback, "allowed_roles", ())
]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def utrecht_rows(media, utrecht, utrecht_staff, ukraine_appeal) -> attack.Victim:
    return attack.make_victim(utrecht, ukraine_appeal, utrecht_staff, "UTRECHTMARKER", cents=4_321_987)


@pytest.fixture
def almere_rows(media, almere, almere_staff, ukraine_appeal) -> attack.Victim:
    return attack.make_victim(almere, ukraine_appeal, almere_staff, "ALMEREOWN", cents=1_234_506)


def attack_data(victim: attack.Victim) -> dict:
    """A POST that would change the victim's rows on any form, so a missing check shows."""
    appeal = victim.donation.appeal
    return (
        factories.edit_form(victim.donation, amount="5,00", contact_name="Inbreker")
        | factories.offer_form(appeal, description="Ingebroken")
        | {
            "note": "weg ermee",
            "to_status": OfferStatus.WITHDRAWN,
            f"{OfferStatus.WITHDRAWN}-expected_status": victim.offer.status,
            f"{OfferStatus.ACCEPTED}-expected_status": victim.offer.status,
            f"{OfferStatus.ACCEPTED}-destination": victim.need.destination_id,
            "offers": [victim.offer.pk],
            "donation": victim.donation.pk,
            "destination": victim.need.destination_id,
            "quantity": "1",
            "carrier": "Inbreker BV",
            "planned_departure": _soon(3),
            "planned_arrival": _soon(6),
        }
    )


def assert_no_trace(response, victim: attack.Victim) -> None:
    content = body(response)
    text = attack.export_text(content) if response.get("Content-Type", "").startswith(
        ("application/vnd.openxmlformats", "text/csv")
    ) else content.decode("utf-8", "replace")
    assert victim.marker not in text
    plain_amount = f"{victim.donation.amount_cents / 100:.2f}"
    assert victim.amount_text not in text and plain_amount not in text and plain_amount.replace(".", ",") not in text
    assert victim.donation.number not in text and victim.offer.number not in text


# Every URL, every role that it does not admit


@pytest.mark.parametrize(("route", "role"), REFUSED, ids=lambda value: str(value))
def test_it_refuses_every_page_to_every_role_it_does_not_admit_and_changes_nothing(
    client, request, route: Route, role, utrecht_rows
):
    client.force_login(request.getfixturevalue(ROLES[role]))
    url = reverse(route.name, kwargs=utrecht_rows.kwargs(route))
    before = attack.database_fingerprint()

    shown = client.get(url)
    sent = client.post(url, attack_data(utrecht_rows))

    assert shown.status_code in (403, 405)  # a POST-only page refuses a GET before anything else
    assert sent.status_code == 403
    assert attack.database_fingerprint() == before


# Staff of Almere against Utrecht's rows


MUNICIPAL_PAGES = [route for route in GUARDED if Role.MUNICIPAL_STAFF in getattr(route.callback, "allowed_roles", ())]


@pytest.mark.parametrize("route", [route for route in MUNICIPAL_PAGES if route.kwargs], ids=str)
def test_it_answers_staff_as_if_another_municipalitys_rows_did_not_exist(
    client, route: Route, almere_staff, utrecht_rows
):
    client.force_login(almere_staff)
    url = reverse(route.name, kwargs=utrecht_rows.kwargs(route))
    before = attack.database_fingerprint()

    shown = client.get(url)
    sent = client.post(url, attack_data(utrecht_rows))

    for response in (shown, sent):
        if utrecht_rows.owns(route):
            assert response.status_code in (403, 404, 405), f"{route} {response.status_code}"
        assert_no_trace(response, utrecht_rows)
    assert attack.database_fingerprint() == before


def _queries(route: Route, utrecht_rows: attack.Victim) -> list[dict]:
    """What staff may type into the address bar of a list: searches, filters, exports."""
    if route.kwargs:
        return [{}]
    victim = utrecht_rows
    # Pages echo the search box; a part of the marker or number finds the rows without being one.
    return [
        {},
        {"q": victim.marker[:-3]},
        {"q": victim.donation.number.removeprefix("T-")},
        {"q": victim.offer.number.removeprefix("M-")},
        {"municipality": victim.donation.municipality_id},
        {"municipality__code": victim.code, "province": "Utrecht"},
        {"export": "xlsx"},
        {"export": "csv"},
        {"export": "xlsx", "municipality": victim.donation.municipality_id},
    ]


def test_it_never_shows_another_municipalitys_rows_on_any_page_export_or_total(
    client, almere_staff, almere_rows, utrecht_rows
):
    client.force_login(almere_staff)
    visited = 0

    for route in MUNICIPAL_PAGES:
        url = reverse(route.name, kwargs=almere_rows.kwargs(route))
        for query in _queries(route, utrecht_rows):
            response = client.get(url, query)
            assert response.status_code in (200, 302, 405), f"{url} {query}: {response.status_code}"
            assert_no_trace(response, utrecht_rows)
            visited += response.status_code == 200

    assert visited >= 20  # the walk really opened the pages, exports included
    ledger = client.get(reverse("pledges:donation_list"), {"export": "csv"})
    assert almere_rows.donation.number in attack.export_text(body(ledger))


def test_it_never_mails_one_municipality_about_another(
    client, django_capture_on_commit_callbacks, almere_staff, utrecht_staff, coordinator, finance, almere_rows,
    utrecht_rows, ukraine_appeal,
):
    """Payment instructions, offer moves and thanks for money received go to their own municipality only."""
    with django_capture_on_commit_callbacks(execute=True):
        client.force_login(almere_staff)
        client.post(reverse("pledges:donation_create"), factories.pledge_form(ukraine_appeal))
        client.force_login(coordinator)
        for victim in (almere_rows, utrecht_rows):
            client.post(
                reverse("pledges:offer_move", args=[victim.offer.pk]),
                {
                    "to_status": OfferStatus.ACCEPTED,
                    f"{OfferStatus.ACCEPTED}-expected_status": OfferStatus.OFFERED,
                    f"{OfferStatus.ACCEPTED}-destination": victim.need.destination_id,
                },
            )
        client.force_login(finance)
        for victim in (almere_rows, utrecht_rows):
            line = reverse("pledges:finance_line_match", args=[victim.payment.pk])
            number = victim.donation.number
            client.post(line, factories.once({"donation": victim.donation.pk,
                                              "confirmed": f"{number}:amount {number}:other_payer"}))

    utrecht_addresses = {utrecht_staff.email, utrecht_rows.donation.contact_email}
    to_almere = [message for message in mail.outbox if not set(message.to) & utrecht_addresses]
    to_utrecht = [message for message in mail.outbox if set(message.to) & utrecht_addresses]
    assert len(to_almere) >= 3 and len(to_utrecht) >= 2, [message.subject for message in mail.outbox]
    for message in to_almere:
        text = message.message().as_string()  # subject, body and every alternative part
        assert utrecht_rows.marker not in text and utrecht_rows.donation.number not in text
    for message in to_utrecht:
        assert set(message.to) <= utrecht_addresses, message.to


# Mass assignment: fields the form does not show are never taken from the request


def _extra_fields(victim: attack.Victim, other_user) -> dict:
    return {
        "municipality": victim.donation.municipality_id,
        "municipality_id": victim.donation.municipality_id,
        "status": "received",
        "received_cents": "999999",
        "received": "9.999,99",
        "amount_received": "9.999,99",
        "created_by": other_user.pk,
        "created_by_id": other_user.pk,
        "reference": "RF18539007547034",
        "number": "T-999999",
        "id": "999999",
        "pk": "999999",
        "shipment": victim.shipment.pk,
        "sha256": "0" * 64,
    }


def _row(model, **lookup) -> dict:
    """A row's values without what differs between any two rows (keys, times, derived numbers)."""
    values = model.objects.filter(**lookup).values().get()
    return {
        name: value
        for name, value in values.items()
        if name not in ("id", "created_at", "updated_at", "reference") and not name.endswith("_at")
    }


def _soon(days: int) -> str:
    return (timezone.localdate() + datetime.timedelta(days=days)).isoformat()


def _post_twice(client, url: str, data: dict, extra: dict, model) -> tuple[dict, dict]:
    """Submit the same form plainly and with extra fields; return both rows it created."""
    known = set(model.objects.values_list("pk", flat=True))
    first = client.post(url, data)
    assert first.status_code == 302, first.context["form"].errors
    assert client.post(url, data | extra).status_code == 302
    plain, stuffed = model.objects.exclude(pk__in=known).order_by("pk").values_list("pk", flat=True)
    return _row(model, pk=plain), _row(model, pk=stuffed)


@pytest.mark.parametrize(
    ("user", "url_name", "form", "model"),
    [
        ("almere_staff", "pledges:donation_create", lambda appeal, victim: factories.pledge_form(appeal), Donation),
        ("almere_staff", "pledges:offer_create", lambda appeal, victim: factories.offer_form(appeal), EquipmentOffer),
        (
            "coordinator",
            "pledges:need_create",
            lambda appeal, victim: {
                "appeal": appeal.pk, "destination": victim.need.destination_id, "category": "generator",
                "min_power_kva": "20", "quantity": "3", "priority": "2", "note": "", "is_open": "on",
            },
            Need,
        ),
        (
            "coordinator",
            "pledges:shipment_create",
            lambda appeal, victim: {
                "appeal": appeal.pk, "destination": victim.need.destination_id, "carrier": "Van der Wal",
                "reference": "", "hub": "Lelystad", "planned_departure": _soon(3), "planned_arrival": _soon(6),
            },
            Shipment,
        ),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_it_takes_no_hidden_field_from_a_create_form(
    client, request, user, url_name, form, model, utrecht_rows, utrecht_staff, ukraine_appeal
):
    client.force_login(request.getfixturevalue(user))

    plain, stuffed = _post_twice(
        client, reverse(url_name), form(ukraine_appeal, utrecht_rows), _extra_fields(utrecht_rows, utrecht_staff), model
    )

    assert stuffed == plain


def test_it_takes_no_hidden_field_from_the_pledge_and_offer_edit_forms(
    client, almere_staff, almere_rows, utrecht_rows, utrecht_staff
):
    client.force_login(almere_staff)
    extra = _extra_fields(utrecht_rows, utrecht_staff)
    donation, offer = almere_rows.donation, almere_rows.offer
    kept_donation = _row(Donation, pk=donation.pk)
    kept_offer = _row(EquipmentOffer, pk=offer.pk)

    edited = client.post(
        reverse("pledges:donation_edit", args=[donation.pk]),
        factories.edit_form(donation, contact_name="Nieuw") | extra,
    )
    offer_data = factories.offer_form(donation.appeal, description="Nieuw")
    moved = client.post(reverse("pledges:offer_edit", args=[offer.pk]), offer_data | extra)

    assert edited.status_code == moved.status_code == 302
    assert _row(Donation, pk=donation.pk) == kept_donation | {"contact_name": "Nieuw"}
    changed_offer = _row(EquipmentOffer, pk=offer.pk)
    for field in ("municipality_id", "status", "created_by_id", "shipment_id", "destination_id", "appeal_id"):
        assert changed_offer[field] == kept_offer[field], field
    assert changed_offer["description"] == "Nieuw"


# Visitors without an account


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name or route.route)
def test_it_lets_anonymous_visitors_reach_only_the_pages_meant_for_them(client, route: Route, utrecht_rows):
    url = reverse(route.name, kwargs=utrecht_rows.kwargs(route)) if route.kwargs else reverse(route.name)
    before = attack.database_fingerprint()

    responses = [client.get(url), client.post(url, attack_data(utrecht_rows))]

    for response in responses:
        to_login = response.status_code == 302 and response["Location"].startswith(reverse("login") + "?next=")
        if route.name in ANONYMOUS_PAGES:
            assert not to_login, f"{route} should be open to visitors"
        else:
            assert to_login, f"{route} answered a visitor with {response.status_code}"
            assert_no_trace(response, utrecht_rows)
    assert is_public(route) == (route.name in ANONYMOUS_PAGES)
    if route.name not in ANONYMOUS_PAGES:
        assert attack.database_fingerprint() == before
