"""The equipment table's totals and the dashboards' pipeline come from running sums the database keeps."""

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from pledges.equipment import summary
from pledges.equipment.access import visible_offers
from pledges.equipment.filters import OfferFilter
from pledges.models import Category, EquipmentOffer, OfferStatus, OfferSummaryByCategory, OfferSummaryByMunicipality
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
]


@pytest.mark.parametrize("data", FILTERS)
@pytest.mark.parametrize("user", ["coordinator", "almere_staff"])
def test_the_totals_from_the_summary_are_those_of_the_rows(request, offers, user, data):
    viewer = request.getfixturevalue(user)
    filterset = OfferFilter(data, queryset=visible_offers(viewer), user=viewer)

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
