"""The search box answers from an index and finds exactly what a scan of the text finds.

The scan (`icontains` on municipality, decision and contact person) is what the search
did before it had an index; every term a user might type must find the same pledges.
Writes of every kind keep the index in step: the form's services, an update, a bulk
insert, a delete.
"""

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from pledges.donations import search
from pledges.models import Donation, Municipality
from tests import factories, pages

LEDGER = reverse("pledges:donation_list")

TEXTS = [
    ("B&W-besluit 2024/1250", "Anouk de Vries"),
    ("Raadsbesluit 2025-12 (dam)", "Jan Damen"),
    ("RV 100% steun_Oekraïne", "Émile Çelik"),
    ("besluit \"noodhulp\" 7", "ÉMILE ÇELIK"),
    ("Collegebesluit DAM-3", "Sanne van Dam"),
    ("raadsbesluit 12", "Pieter Paul ter Horst"),
]

TERMS = [
    "dam", "DAM", "Dam", "de vries", "DE VRIES", "2024/12", "besluit", "Besluit 2",
    "100%", "_", "%", "steun_", '"noodhulp"', 'noodhulp" 7', "oekraïne", "OEKRAÏNE", "émile", "ÉMILE",
    "çelik", "a", "ab", "an", "x", "xyz", "Almere", "almere", "utrecht", "GRONINGEN", "ter h",
    "  dam  ", "'", "'; drop table", "*", "dam*", "NEAR(dam)", "-", "(", "1250",
]


@pytest.fixture
def pledges(almere_staff, utrecht_staff, ukraine_appeal) -> list[Donation]:
    groningen = factories.staff(Municipality.objects.get(code="GM0014"))
    rows = []
    for index, (decision, contact) in enumerate(TEXTS * 3):
        staff = (almere_staff, utrecht_staff, groningen)[index % 3]
        rows.append(factories.donation(staff.municipality, ukraine_appeal, staff,
                                       decision_reference=decision, contact_name=contact,
                                       amount_cents=(index % 4 + 1) * 250_00))
    return rows


def scanned(term: str) -> set[str]:
    """What the search found before it had an index: a case-insensitive scan of the text."""
    term = term.strip()
    return {
        row.number
        for row in Donation.objects.filter(
            Q(municipality__name__icontains=term)
            | Q(decision_reference__icontains=term)
            | Q(contact_name__icontains=term)
        )
    }


def found(client, term: str) -> set[str]:
    response = client.get(LEDGER, {"q": term, "per_page": "100"})
    assert response.status_code == 200
    return set(pages.pledge_numbers(response))


@pytest.mark.parametrize("term", TERMS)
def test_the_search_finds_what_a_scan_of_the_text_finds(fund, pledges, term):
    assert found(fund, term) == scanned(term)


def test_some_terms_find_something_and_others_nothing(fund, pledges):
    """The comparison above is only worth something if the terms do find pledges."""
    assert len(found(fund, "dam")) == 6  # "(dam)" with "Jan Damen" and "DAM-3" with "van Dam", three times
    assert found(fund, "ÉMILE") >= {pledges[2].number, pledges[3].number}
    assert found(fund, "xyz") == set()


def test_a_pledge_is_found_by_what_it_says_after_every_kind_of_write(fund, almere_staff, ukraine_appeal):
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff,
                                decision_reference="Raadsbesluit Zeewolde-dijk", contact_name="Karel Appel")
    assert found(fund, "zeewolde") == {pledge.number}

    pledge.decision_reference = "Raadsbesluit Lelystad-sluis"
    pledge.save()
    assert found(fund, "zeewolde") == set()
    assert found(fund, "lelystad-sl") == {pledge.number}

    Donation.objects.filter(pk=pledge.pk).update(contact_name="Marlies Dekkers")
    assert found(fund, "appel") == set()
    assert found(fund, "dekkers") == {pledge.number}

    many = Donation.objects.bulk_create(  # no history, so that one can be deleted
        factories.unsaved_donation(almere_staff.municipality, ukraine_appeal, almere_staff,
                                   {"decision_reference": "Besluit Urk-haven"})
        for _ in range(3)
    )
    assert found(fund, "urk-ha") == {row.number for row in many}

    Donation.objects.filter(pk=many[0].pk).delete()
    assert found(fund, "urk-ha") == {row.number for row in many[1:]}


def test_a_pledge_made_through_the_form_is_found(client, almere_staff, ukraine_appeal, coordinator):
    client.force_login(almere_staff)
    form = factories.pledge_form(ukraine_appeal, decision_reference="Raadsvoorstel Kraggenburg", contact_name="Ida Gerhardt")
    assert client.post(reverse("pledges:donation_create"), form).status_code == 302
    client.force_login(coordinator)

    assert len(found(client, "kraggenburg")) == 1
    assert found(client, "kraggenburg") == found(client, "IDA GERH")


@pytest.mark.parametrize(
    ("term", "amounts"),
    [("€ 250", [250_00]), ("€250,00", [250_00]), ("EUR 1.000", [1_000_00]), ("€ 750,-", [750_00]), ("€ 999", [])],
)
def test_an_amount_with_a_euro_sign_finds_the_pledges_of_that_amount(fund, pledges, term, amounts):
    expected = {row.number for row in pledges if row.amount_cents in amounts}

    assert found(fund, term) == expected
    assert expected or amounts == []


def test_a_number_without_euro_sign_is_still_searched_as_text(fund, pledges):
    assert found(fund, "1250") == scanned("1250") == {row.number for row in pledges if "1250" in row.decision_reference}


def test_pledge_numbers_and_references_go_to_their_own_key(fund, pledges):
    pledge = pledges[4]

    assert found(fund, pledge.number) == {pledge.number}
    assert found(fund, pledge.number.replace("-", "").lower()) == {pledge.number}
    assert found(fund, pledge.reference_display) == {pledge.number}


def plan(term: str) -> str:
    queryset = Donation.objects.filter(search.pledges_matching(term)).order_by()
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            return "\n".join(row[3] for row in cursor.fetchall())
        cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is small enough to scan
        cursor.execute("EXPLAIN " + sql, params)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_the_text_search_reads_an_index(pledges):
    found_by = plan("de vries")

    if connection.vendor == "sqlite":
        assert "VIRTUAL TABLE INDEX" in found_by and search.DONATION_SEARCH in found_by, found_by
    else:
        assert "donation_decision_trgm" in found_by and "donation_contact_trgm" in found_by, found_by


def test_an_amount_reads_the_amount_index(pledges):
    assert "donation_amount" in plan("€ 250")


def test_the_ledger_page_searches_with_the_same_number_of_queries(fund, pledges):
    fund.get(LEDGER, {"q": "dam"})
    with CaptureQueriesContext(connection) as plain:
        fund.get(LEDGER)
    with CaptureQueriesContext(connection) as searched:
        fund.get(LEDGER, {"q": "dam"})

    # One more: the totals of the municipalities named come from the summary, the rest from the rows.
    assert len(searched) == len(plain) + 1
