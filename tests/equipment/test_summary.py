"""The equipment table's totals and the dashboards' pipeline come from running sums the database keeps."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges.equipment import summary
from pledges.equipment.access import visible_offers
from pledges.equipment.filters import OfferFilter
from pledges.models import (
    Category,
    EquipmentOffer,
    Need,
    OfferStatus,
    OfferSummaryByCategory,
    OfferSummaryByDestination,
    OfferSummaryByMunicipality,
    OfferSummaryByMunicipalityAndDestination,
    ReceiptConfirmation,
)
from tests import factories


@pytest.fixture
def offers(almere_staff, utrecht_staff, ukraine_appeal):
    """Offers of two municipalities in several statuses and categories, then changed and deleted behind the app's back."""
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    rows = [
        *factories.offers(3, almere, ukraine_appeal, almere_staff, quantity=2, value_cents=1_000_00),
        *factories.offers(2, almere, ukraine_appeal, almere_staff, status=OfferStatus.ACCEPTED,
                          category=Category.CABLE, quantity=10, value_cents=25_50),
        *factories.offers(2, utrecht, ukraine_appeal, utrecht_staff, status=OfferStatus.DECLINED, quantity=1,
                          value_cents=9_000_00),
        *factories.offers(1, utrecht, ukraine_appeal, utrecht_staff, status=OfferStatus.DELIVERED, quantity=4,
                          value_cents=300_00),
    ]
    # Plain UPDATE and DELETE: the triggers see every write, not only the services'.
    EquipmentOffer.objects.filter(pk=rows[0].pk).update(municipality=utrecht, status=OfferStatus.WITHDRAWN)
    EquipmentOffer.objects.filter(pk=rows[3].pk).update(quantity=7, value_cents=40_00)
    EquipmentOffer.objects.filter(pk=rows[1].pk).delete()
    return rows


FILTERS = [
    {},
    {"status": "accepted"},
    {"category": "cable"},
    {"status": "declined", "category": "generator"},
    {"province": "Utrecht"},
    {"province": "Flevoland", "status": "offered"},
    {"q": "aggregaat"},
    # Searches that name municipalities: their offers from the summary, the descriptions' matches from the rows.
    {"q": "utrecht"},
    {"q": "ALMERE", "status": "accepted"},
    {"q": "utrecht", "province": "Flevoland"},
    {"q": "utrecht", "category": "cable"},
    {"q": "M-1"},
]


@pytest.mark.parametrize("data", FILTERS)
@pytest.mark.parametrize("user", ["coordinator", "almere_staff"])
def test_the_totals_from_the_summary_are_those_of_the_rows(request, offers, user, data):
    viewer = request.getfixturevalue(user)
    filterset = OfferFilter(data, queryset=visible_offers(viewer), user=viewer)

    assert summary.totals(filterset) == filterset.qs.totals()


def test_a_search_counts_an_offer_once_when_its_description_names_its_municipality_too(
        offers, coordinator, almere_staff):
    EquipmentOffer.objects.filter(pk=offers[2].pk).update(description="Aggregaat van Almere")
    EquipmentOffer.objects.filter(pk=offers[4].pk).update(description="Kabels voor Utrecht")
    filterset = OfferFilter({"q": "almere"}, queryset=visible_offers(coordinator), user=coordinator)

    assert summary.totals(filterset) == filterset.qs.totals()
    assert summary.totals(filterset)["rows"] == EquipmentOffer.objects.filter(municipality=almere_staff.municipality).count()
    filterset = OfferFilter({"q": "utrecht"}, queryset=visible_offers(coordinator), user=coordinator)
    assert summary.totals(filterset) == filterset.qs.totals()


def test_the_pipeline_from_the_summary_is_that_of_the_rows(offers, ukraine_appeal, utrecht_staff):
    assert (summary.pipeline(OfferSummaryByCategory.objects.filter(appeal=ukraine_appeal))
            == EquipmentOffer.objects.filter(appeal=ukraine_appeal).pipeline())
    utrecht = utrecht_staff.municipality
    assert (summary.pipeline(OfferSummaryByMunicipality.objects.filter(municipality=utrecht))
            == EquipmentOffer.objects.filter(municipality=utrecht).pipeline())


def equipment_findings() -> tuple[list[str], int]:
    out, code = io.StringIO(), 0
    try:
        call_command("verify_ledger", stdout=out)
    except CommandError as error:
        code = error.returncode
    return [line for line in out.getvalue().splitlines() if line.startswith("Equipment totals")], code


def test_verify_ledger_names_equipment_totals_that_disagree_and_rebuilds_them(offers, ukraine_appeal):
    assert equipment_findings() == ([], 0)
    OfferSummaryByCategory.objects.filter(status=OfferStatus.ACCEPTED).update(units=99)

    findings, code = equipment_findings()

    assert code == 2
    assert findings == [
        f"Equipment totals per category of appeal {ukraine_appeal.pk}, accepted, category cable: the summary "
        "holds 2 offers, 99 units, €535.00 estimated, the offers add up to 2 offers, 17 units, €535.00 estimated"
    ]
    call_command("verify_ledger", "--rebuild-summary", stdout=io.StringIO())
    assert equipment_findings() == ([], 0)
    for level in summary.LEVELS:
        assert summary.stored(level, summary.SUMS) == summary.recomputed(level)


@pytest.fixture
def deliveries(almere_staff, utrecht_staff, ukraine_appeal):
    """Offers answering two cities' needs, what their recipients reported, then changes behind the app's back."""
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality
    kyiv, kharkiv = factories.destination("Kyiv"), factories.destination("Kharkiv")
    generators = factories.need(ukraine_appeal, kyiv, quantity=10)
    cables = factories.need(ukraine_appeal, kharkiv, category=Category.CABLE, quantity=30, min_power_kva=None)
    arrived = factories.offers(3, almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED, quantity=4,
                               destination=kyiv, need=generators)
    on_the_way = factories.offers(2, utrecht, ukraine_appeal, utrecht_staff, status=OfferStatus.IN_TRANSIT,
                                  category=Category.CABLE, quantity=10, destination=kharkiv, need=cables)
    factories.offers(1, utrecht, ukraine_appeal, utrecht_staff, status=OfferStatus.ACCEPTED, quantity=2, destination=kyiv)
    factories.offers(2, almere, ukraine_appeal, almere_staff, quantity=5)  # offered: no destination, no need
    # Reported: one short by three, one lost, one in full.
    ReceiptConfirmation.objects.create(offer=arrived[0], outcome="fewer", quantity_received=1)
    ReceiptConfirmation.objects.create(offer=arrived[1], outcome="not_received", quantity_received=0)
    in_full = ReceiptConfirmation.objects.create(offer=arrived[2], outcome="received", quantity_received=4)
    # Plain UPDATE and DELETE of both tables: the triggers see every write.
    EquipmentOffer.objects.filter(pk=arrived[0].pk).update(status=OfferStatus.CONFIRMED, quantity=6)
    ReceiptConfirmation.objects.filter(offer=arrived[1]).update(outcome="fewer", quantity_received=2)
    in_full.delete()
    EquipmentOffer.objects.filter(pk=arrived[2].pk).update(destination=kharkiv, need=cables, municipality=utrecht)
    EquipmentOffer.objects.filter(pk=on_the_way[0].pk).update(status=OfferStatus.DELIVERED)
    EquipmentOffer.objects.filter(pk=on_the_way[1].pk).delete()
    return kyiv, kharkiv


def test_the_needs_coverage_and_deliveries_from_the_summary_are_those_of_the_rows(deliveries, ukraine_appeal):
    kyiv, kharkiv = deliveries
    needs = Need.objects.filter(appeal=ukraine_appeal).open()

    cities = summary.coverage_per_city(needs)
    delivered = summary.delivered_per_destination(OfferSummaryByDestination.objects.filter(appeal=ukraine_appeal))

    assert summary.differences() == []
    assert cities == needs.coverage_per_city()
    assert delivered == EquipmentOffer.objects.filter(appeal=ukraine_appeal).delivered_per_destination()
    # Kyiv: 1 of the short one and 2 of the lost one's second report; Kharkiv: 4 arrived, 10 now delivered.
    assert {city["destination"]: (city["pledged"], city["delivered"]) for city in cities} == {
        kyiv: (3, 3), kharkiv: (14, 14),
    }
    assert {row["destination_id"]: (row["offers"], row["units"]) for row in delivered} == {
        kyiv.pk: (2, 3), kharkiv.pk: (2, 14),
    }


def test_each_municipalitys_deliveries_from_the_summary_are_those_of_its_rows(deliveries, almere_staff, utrecht_staff):
    kyiv, kharkiv = deliveries
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality

    delivered = {
        municipality: summary.delivered_per_destination(
            OfferSummaryByMunicipalityAndDestination.objects.filter(municipality=municipality)
        )
        for municipality in (almere, utrecht)
    }

    assert summary.differences() == []
    for municipality, rows in delivered.items():
        assert rows == EquipmentOffer.objects.filter(municipality=municipality).delivered_per_destination()
    # Almere's third delivery moved to Utrecht (and Kharkiv), its receipt withdrawn: all four units count.
    assert {municipality: {row["destination_id"]: (row["offers"], row["units"]) for row in rows}
            for municipality, rows in delivered.items()} == {
        almere: {kyiv.pk: (2, 3)}, utrecht: {kharkiv.pk: (2, 14)},
    }


def test_verify_ledger_names_destination_totals_that_disagree_and_rebuilds_them(deliveries, ukraine_appeal,
                                                                                almere_staff):
    kyiv, _ = deliveries
    OfferSummaryByDestination.objects.filter(destination_pk=kyiv.pk, status=OfferStatus.CONFIRMED).update(units=9)
    OfferSummaryByMunicipalityAndDestination.objects.filter(destination_pk=kyiv.pk, status=OfferStatus.CONFIRMED) \
        .update(offers=5)

    findings, code = equipment_findings()

    assert code == 2
    assert findings == [
        f"Equipment totals per destination of appeal {ukraine_appeal.pk}, destination id {kyiv.pk}, "
        f"need id {Need.objects.get(destination=kyiv).pk}, confirmed: the summary holds 1 offers, 9 units, "
        "the offers and receipts add up to 1 offers, 1 units",
        f"Equipment totals per municipality and destination of municipality id {almere_staff.municipality_id}, "
        f"appeal {ukraine_appeal.pk}, destination id {kyiv.pk}, confirmed: the summary holds 5 offers, 1 units, "
        "the offers and receipts add up to 1 offers, 1 units",
    ]
    call_command("verify_ledger", "--rebuild-summary", stdout=io.StringIO())
    assert equipment_findings() == ([], 0)
