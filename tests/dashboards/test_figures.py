"""Dashboard and report figures: named QuerySet methods, exact to the cent, in a fixed number of queries."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from pledges.donations import models as donation_models
from pledges.models import Donation, EquipmentOffer, Municipality, Need, OfferStatus, Payment, Province
from tests import factories


@pytest.fixture
def other_appeal(reference_data):
    return factories.appeal(title="Aardbeving")


@pytest.fixture
def money(ukraine_appeal, other_appeal, almere, utrecht, almere_staff, utrecht_staff):
    """Almere: two pledges (one partly paid, one overpaid) and a withdrawn one; Utrecht: one cent."""
    late = timezone.localdate() - datetime.timedelta(days=1)
    partly = factories.receive(
        factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_000_10, expected_date=late), 250_05
    )
    overpaid = factories.receive(factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=100_00), 120_00)
    withdrawn = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=5_000_00)
    factories.withdraw(withdrawn, almere_staff)
    cent = factories.donation(utrecht, ukraine_appeal, utrecht_staff, amount_cents=1)
    elsewhere = factories.donation(utrecht, other_appeal, utrecht_staff, amount_cents=777_77)
    return {"partly": partly, "overpaid": overpaid, "withdrawn": withdrawn, "cent": cent, "elsewhere": elsewhere}


def test_it_sums_each_municipality_exactly_without_counting_withdrawn_money(
    money, ukraine_appeal, almere, utrecht, django_assert_num_queries
):
    with django_assert_num_queries(2):
        rows = Donation.objects.filter(appeal=ukraine_appeal).by_municipality()
    assert rows == [
        {
            "id": almere.pk, "name": "Almere", "code": "GM0034", "province": "Flevoland", "pledges": 3,
            "pledged": Decimal("1100.10"), "received": Decimal("370.05"), "outstanding": Decimal("750.05"),
            "overdue": 1, "overdue_outstanding": Decimal("750.05"),
        },
        {
            "id": utrecht.pk, "name": "Utrecht", "code": "GM0344", "province": "Utrecht", "pledges": 1,
            "pledged": Decimal("0.01"), "received": Decimal("0.00"), "outstanding": Decimal("0.01"),
            "overdue": 0, "overdue_outstanding": Decimal("0.00"),
        },
    ]


def test_it_agrees_with_the_totals_of_the_same_pledges(money, ukraine_appeal):
    pledges = Donation.objects.filter(appeal=ukraine_appeal)
    totals = pledges.totals()
    overdue = pledges.overdue().totals()
    for rows in (pledges.by_municipality(), pledges.by_province()):
        added = Donation.objects.add_up(rows)
        assert {key: added[key] for key in totals} == totals
        assert (added["overdue"], added["overdue_outstanding"]) == (overdue["rows"], overdue["outstanding"])


def test_it_sums_many_cents_exactly(ukraine_appeal, almere, almere_staff):
    factories.copies(factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1), 2_999)
    [row] = Donation.objects.by_municipality()
    assert row["pledged"] == Decimal("30.00")
    [flevoland] = [row for row in Donation.objects.by_province() if row["province"] == "Flevoland"]
    assert flevoland["pledged"] == Decimal("30.00")


def test_it_lists_every_province_with_its_municipalities_and_who_takes_part(
    money, ukraine_appeal, almere, django_assert_num_queries
):
    factories.offer(
        Municipality.objects.get(code="GM0363"), ukraine_appeal, money["partly"].created_by
    )
    pledges = Donation.objects.filter(appeal=ukraine_appeal)
    with django_assert_num_queries(2):
        rows = pledges.by_province(offers=EquipmentOffer.objects.filter(appeal=ukraine_appeal))
    assert [row["province"] for row in rows] == Province.values
    by_name = {row["province"]: row for row in rows}
    assert by_name["Flevoland"]["municipalities"] == Municipality.objects.filter(province="Flevoland").count()
    assert by_name["Flevoland"]["participating"] == 1
    assert by_name["Flevoland"]["pledged"] == Decimal("1100.10")
    # Amsterdam takes part with its offer only, and has no money.
    assert by_name["Noord-Holland"]["participating"] == 1
    assert by_name["Noord-Holland"]["pledged"] == Decimal("0.00")
    assert by_name["Zeeland"] == {
        "province": "Zeeland", "municipalities": Municipality.objects.filter(province="Zeeland").count(),
        "participating": 0, "pledges": 0, "pledged": Decimal("0.00"), "received": Decimal("0.00"),
        "outstanding": Decimal("0.00"), "overdue": 0, "overdue_outstanding": Decimal("0.00"),
    }
    assert sum(row["municipalities"] for row in rows) == 342
    # Without offers only pledges count.
    assert {row["province"]: row["participating"] for row in pledges.by_province()}["Noord-Holland"] == 0


def test_it_counts_as_participating_only_pledges_and_offers_that_count(
    ukraine_appeal, other_appeal, almere, utrecht, almere_staff, utrecht_staff
):
    amsterdam, rotterdam = Municipality.objects.get(code="GM0363"), Municipality.objects.get(code="GM0599")
    factories.withdraw(factories.donation(almere, ukraine_appeal, almere_staff), almere_staff)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.DECLINED)
    factories.offer(amsterdam, ukraine_appeal, almere_staff, status=OfferStatus.WITHDRAWN)
    factories.donation(utrecht, ukraine_appeal, utrecht_staff)
    factories.offer(rotterdam, other_appeal, almere_staff)
    assert list(Municipality.objects.participating(ukraine_appeal)) == [utrecht]
    assert list(Municipality.objects.participating(other_appeal)) == [rotterdam]
    assert set(Municipality.objects.participating()) == {utrecht, rotterdam}


def test_it_shows_the_equipment_pipeline_in_workflow_order(
    ukraine_appeal, almere, almere_staff, django_assert_num_queries
):
    factories.offers(2, almere, ukraine_appeal, almere_staff, quantity=3, value_cents=1_000_01)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.IN_TRANSIT, quantity=5)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.DECLINED, quantity=7)
    with django_assert_num_queries(1):
        rows = EquipmentOffer.objects.pipeline()
    assert [row["status"] for row in rows] == [
        "offered", "accepted", "pickup_planned", "collected", "in_transit", "delivered", "confirmed",
        "declined", "withdrawn",
    ]
    assert rows[0] == {
        "status": "offered", "label": OfferStatus.OFFERED.label, "ended": False,
        "offers": 2, "units": 6, "value": Decimal("6000.06"),
    }
    assert (rows[4]["offers"], rows[4]["units"]) == (1, 5)
    assert EquipmentOffer.objects.add_up(rows) == EquipmentOffer.objects.totals()
    assert (rows[7]["offers"], rows[7]["units"], rows[7]["ended"]) == (1, 7, True)
    assert rows[1]["units"] == 0 and rows[1]["value"] == Decimal("0.00")


def test_it_counts_pledged_by_day_and_received_by_booking_date(
    ukraine_appeal, almere, almere_staff, django_assert_num_queries
):
    tz = timezone.get_current_timezone()
    with time_machine.travel(datetime.datetime(2026, 3, 1, 0, 30, tzinfo=tz), tick=False):
        # Just after midnight in the Netherlands, still 28 February in UTC: the local day counts.
        first = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=500_00)
    with time_machine.travel(datetime.datetime(2026, 3, 5, 9, 0, tzinfo=tz), tick=False):
        second = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=250_50)
        withdrawn = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=9_999_00)
    factories.withdraw(withdrawn, almere_staff)
    for pledge, cents, day in ((first, 200_00, 3), (first, 300_00, 10), (second, 50, 10)):
        factories.bank_line(
            cents, donation=pledge, match_method=Payment.Method.REFERENCE, matched_at=timezone.now(),
            booking_date=datetime.date(2026, 3, day),
        )
        factories.receive(pledge, pledge.received_cents + cents)
    with django_assert_num_queries(3):
        series = Donation.objects.filter(appeal=ukraine_appeal).over_time(today=datetime.date(2026, 3, 12))
    assert [row["end"] for row in series] == [datetime.date(2026, 3, day) for day in range(1, 13)]
    by_day = {row["end"].day: (row["pledged"], row["received"]) for row in series}
    assert by_day[1] == (Decimal("500.00"), Decimal("0.00"))
    assert by_day[3] == by_day[4] == (Decimal("500.00"), Decimal("200.00"))
    assert by_day[5] == (Decimal("750.50"), Decimal("200.00"))
    assert by_day[10] == by_day[12] == (Decimal("750.50"), Decimal("500.50"))
    totals = Donation.objects.filter(appeal=ukraine_appeal).totals()
    assert by_day[12] == (totals["pledged"], totals["received"])


def test_it_counts_a_pledge_in_the_month_of_its_dutch_day(ukraine_appeal, almere, almere_staff):
    tz = timezone.get_current_timezone()
    for moment, cents in (((3, 31, 23, 30), 1), ((4, 1, 0, 30), 10)):  # 21:30 and 22:30 UTC on 31 March
        month, day, hour, minute = moment
        with time_machine.travel(datetime.datetime(2026, month, day, hour, minute, tzinfo=tz), tick=False):
            factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=cents)
    series = Donation.objects.over_time(today=datetime.date(2027, 12, 31))
    assert [(row["start"], row["pledged"]) for row in series[:2]] == [
        (datetime.date(2026, 3, 1), Decimal("0.01")),
        (datetime.date(2026, 4, 1), Decimal("0.11")),
    ]
    assert len(series) == 22 and series[-1]["end"] == datetime.date(2027, 12, 31)


@pytest.mark.parametrize(
    ("first", "today", "starts"),
    [
        (datetime.date(2026, 1, 1), datetime.date(2026, 1, 10), [datetime.date(2026, 1, day) for day in range(1, 11)]),
        # Thursday 1 January 2026: weeks from Monday 29 December 2025.
        (datetime.date(2026, 1, 1), datetime.date(2026, 6, 30),
         [datetime.date(2025, 12, 29) + datetime.timedelta(weeks=n) for n in range(27)]),
        (datetime.date(2023, 11, 15), datetime.date(2026, 11, 23),
         [datetime.date(2023 + (10 + n) // 12, (10 + n) % 12 + 1, 1) for n in range(37)]),
    ],
)
def test_it_chooses_days_weeks_or_months_to_show_the_history_in_a_few_points(first, today, starts):
    assert donation_models._period_starts(first, today, 60) == starts


def test_it_has_no_history_without_pledges(ukraine_appeal):
    assert Donation.objects.filter(appeal=ukraine_appeal).over_time() == []


def test_it_shows_needs_coverage_per_city_without_letting_surplus_hide_a_shortage(
    ukraine_appeal, almere, almere_staff, django_assert_num_queries
):
    kyiv, kharkiv = factories.destination("Kyiv"), factories.destination("Kharkiv")
    generators = factories.need(ukraine_appeal, kyiv, quantity=10)
    pumps = factories.need(ukraine_appeal, kyiv, category="pump", quantity=4, min_power_kva=None)
    factories.need(ukraine_appeal, kharkiv, quantity=2)
    factories.offer(almere, ukraine_appeal, almere_staff, need=generators, status=OfferStatus.DELIVERED, quantity=12)
    factories.offer(almere, ukraine_appeal, almere_staff, need=pumps, status=OfferStatus.IN_TRANSIT, quantity=1)
    factories.offer(almere, ukraine_appeal, almere_staff, need=pumps, status=OfferStatus.OFFERED, quantity=3)
    with django_assert_num_queries(1):
        cities = Need.objects.filter(appeal=ukraine_appeal).coverage_per_city()
    assert [str(city["destination"]) for city in cities] == sorted([str(kharkiv), str(kyiv)])
    by_city = {city["destination"]: city for city in cities}
    assert by_city[kyiv] | {"destination": None} == {
        "destination": None, "needs": 2, "needed": 14, "pledged": 13, "in_transit": 1, "delivered": 12,
        "covered": 11, "percent": 79,
    }
    assert (by_city[kharkiv]["needed"], by_city[kharkiv]["covered"], by_city[kharkiv]["percent"]) == (2, 0, 0)


def test_it_counts_equipment_delivered_per_city(ukraine_appeal, almere, almere_staff, django_assert_num_queries):
    kyiv, dnipro = factories.destination("Kyiv"), factories.destination("Dnipro")
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED, quantity=2, destination=kyiv)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.CONFIRMED, quantity=3, destination=kyiv)
    factories.offer(almere, ukraine_appeal, almere_staff, status=OfferStatus.IN_TRANSIT, quantity=9, destination=dnipro)
    with django_assert_num_queries(1):
        rows = EquipmentOffer.objects.delivered_per_destination()
    assert rows == [{"destination_id": kyiv.pk, "name": kyiv.name_nl, "offers": 2, "units": 5}]
