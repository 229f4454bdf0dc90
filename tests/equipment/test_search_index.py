"""The equipment table's search box reads an index and finds exactly what a scan of the text finds."""

import re

import pytest
from django.db import connection
from django.db.models import Q
from django.urls import reverse

from pledges.equipment.filters import OFFER_SEARCH, OfferFilter
from pledges.models import EquipmentOffer
from tests import factories

EQUIPMENT = reverse("pledges:offer_list")
DESCRIPTIONS = ["Aggregaat Atlas Copco QAS 60", "Kabelhaspel 50 m (dam)", "Pomp Grundfos 100%_nat",
                "STROOMKAST \"noodhulp\"", "Aggregaat Émile Çelik"]
TERMS = ["dam", "DAM", "aggregaat", "atlas copco", "100%", "_", "%", '"noodhulp"', "émile", "ÇELIK", "a", "ab",
         "xyz", "almere", "Utrecht", "'; drop table", "*", "NEAR(dam)", "("]


@pytest.fixture
def offers(almere_staff, utrecht_staff, ukraine_appeal) -> list[EquipmentOffer]:
    return [factories.offer(staff.municipality, ukraine_appeal, staff, description=description)
            for staff in (almere_staff, utrecht_staff) for description in DESCRIPTIONS]


def found(client, term: str) -> set[int]:
    response = client.get(EQUIPMENT, {"q": term, "per_page": "100"})
    assert response.status_code == 200
    # The table's cells, not the search box's example "(M-000123)".
    return {int(number) for number in re.findall(r">\s*M-(\d{6})\s*<", response.text)}


def scanned(term: str) -> set[int]:
    term = term.strip()
    return set(EquipmentOffer.objects.filter(Q(description__icontains=term) | Q(municipality__name__icontains=term))
               .values_list("pk", flat=True))


@pytest.mark.parametrize("term", TERMS)
def test_the_search_finds_what_a_scan_of_the_text_finds(fund, offers, term):
    assert found(fund, term) == scanned(term)


def test_some_terms_find_something_and_an_offer_is_found_after_its_description_changes(fund, offers):
    assert len(found(fund, "aggregaat")) == 4
    EquipmentOffer.objects.filter(pk=offers[0].pk).update(description="Transformator Zeewolde")

    assert found(fund, "zeewolde") == {offers[0].pk}
    assert len(found(fund, "aggregaat")) == 3


def test_the_description_search_reads_an_index(fund, offers, coordinator):
    filterset = OfferFilter({"q": "atlas"}, queryset=EquipmentOffer.objects.all(), user=coordinator)
    sql, params = filterset.qs.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            plan = "\n".join(row[3] for row in cursor.fetchall())
            assert "VIRTUAL TABLE INDEX" in plan and OFFER_SEARCH in plan, plan
        else:
            cursor.execute("SET LOCAL enable_seqscan = off")  # a test table is small enough to scan
            cursor.execute("EXPLAIN " + sql, params)
            plan = "\n".join(row[0] for row in cursor.fetchall())
            assert "offer_description_trgm" in plan, plan
