"""The demo data set: written through the app's own code paths, loaded twice changes nothing, and verifies."""

import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from stdnum import iban, iso11649

from pledges.demo.loader import DEMO_PASSWORD
from pledges.finance import continuity
from pledges.models import BankStatement, Donation, Event, KnownIban, Payment, Role, User
from tests.factories import load, row_counts


@pytest.fixture(autouse=True)
def development(settings):
    """The demo data loads only on a development machine (DEBUG); the tests run without DEBUG."""
    settings.DEBUG = True


def test_without_debug_it_refuses_and_creates_no_user(reference_data, settings):
    settings.DEBUG = False
    before = row_counts()

    with pytest.raises(CommandError, match="DJANGO_DEBUG=true"):
        load("load_demo_data", pledges=12)

    assert row_counts() == before
    assert not User.objects.filter(email__endswith="@demo.vngfonds.nl").exists()


def test_it_creates_a_demo_user_for_every_role(reference_data, client):
    load("load_demo_data", pledges=12)

    demo_users = User.objects.filter(email__endswith="@demo.vngfonds.nl")
    assert set(demo_users.values_list("role", flat=True)) == set(Role.values)
    for email in ["almere@demo.vngfonds.nl", "coordinator@demo.vngfonds.nl", "finance@demo.vngfonds.nl"]:
        assert client.login(username=email, password=DEMO_PASSWORD), email
        client.logout()
    assert User.objects.get(email="almere@demo.vngfonds.nl").municipality.name == "Almere"
    assert User.objects.get(email="admin@demo.vngfonds.nl").is_superuser


def test_it_creates_demo_pledges_the_way_the_ledger_writes_them(reference_data):
    load("load_demo_data", pledges=12)

    assert Donation.objects.count() == 12
    assert all(iso11649.is_valid(reference) for reference in Donation.objects.values_list("reference", flat=True))
    assert Event.objects.filter(kind=Event.Kind.CREATED, donation__isnull=False).count() == 12
    assert Donation.objects.filter(status=Donation.Status.WITHDRAWN).exists()
    assert Donation.objects.overdue().exists()


def test_it_changes_nothing_when_demo_data_is_loaded_twice(reference_data):
    load("load_demo_data", pledges=12)
    before = row_counts()

    load("load_demo_data", pledges=12)

    assert row_counts() == before


def test_it_asks_for_reference_data_before_demo_data(empty):
    with pytest.raises(CommandError):
        load("load_demo_data", pledges=1)


@pytest.fixture
def demo(reference_data) -> None:
    load("load_demo_data", pledges=40)


def test_it_lets_every_demo_municipality_pay_from_an_account_of_its_own(demo):
    owners = defaultdict(set)
    for account, municipality_id in KnownIban.objects.values_list("iban", "municipality_id"):
        owners[account].add(municipality_id)
    assert len(owners) == Donation.objects.values("municipality").distinct().count() > 10
    assert all(len(municipalities) == 1 for municipalities in owners.values())
    assert all(iban.is_valid(account) and account.startswith("NL") for account in owners)
    for donation in Donation.objects.all():
        assert owners[donation.iban] == {donation.municipality_id}


def test_it_spreads_the_demo_appeal_over_the_past_months(demo):
    now = timezone.now()
    pledged_on = sorted(Donation.objects.values_list("created_at", flat=True))
    assert pledged_on[-1] <= now
    assert pledged_on[-1] - pledged_on[0] > datetime.timedelta(days=180)
    months = {(moment.year, moment.month) for moment in pledged_on}
    assert len(months) >= 7
    booked = Payment.objects.values_list("booking_date", flat=True)
    assert len({(day.year, day.month) for day in booked}) >= 5
    assert max(booked) < timezone.localdate()
    assert Donation.objects.overdue().count() >= 3
    # Written in order, so the history reads oldest first by id as well as by time.
    moments = list(Event.objects.order_by("id").values_list("at", flat=True))
    assert moments == sorted(moments)
    [created] = Event.objects.filter(donation=Donation.objects.earliest("created_at"), kind=Event.Kind.CREATED)
    assert created.at == pledged_on[0]


def test_it_imports_demo_statements_that_match_by_reference_by_account_and_by_hand(demo):
    methods = defaultdict(int)
    for method in Payment.objects.values_list("match_method", flat=True):
        methods[method] += 1
    assert methods[Payment.Method.REFERENCE] >= 5
    assert methods[Payment.Method.IBAN_AMOUNT] >= 1
    assert methods[""] >= 1  # left for finance to match from the suggestions
    assert sum(BankStatement.objects.values_list("matched_count", flat=True)) == Payment.objects.matched().count()
    assert Donation.objects.filter(status=Donation.Status.PARTLY_RECEIVED).exists()


def test_it_leaves_a_ledger_that_verifies_after_the_demo_data(demo):
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "The ledger verifies" in out.getvalue()
    # The monthly statements follow each other: balances carried on, numbers without a gap.
    assert BankStatement.objects.count() >= 2 and continuity.findings() == []


def test_the_demo_has_schedules_and_population_figures_marked_as_demo_values(demo):
    from pledges.donations.reminders import queue_reminders
    from pledges.models import Population

    pledged_by = set(Donation.objects.values_list("municipality", flat=True))
    figures = Population.objects.all()
    assert pledged_by <= set(figures.values_list("municipality", flat=True))
    assert set(figures.values_list("source", "source_detail")) == {("demo", "demo value, not from CBS")}
    in_instalments = Donation.objects.get(schedule=Donation.Schedule.INSTALMENTS)
    assert sum(in_instalments.instalments.values_list("amount_cents", flat=True)) == in_instalments.amount_cents
    per_inhabitant = Donation.objects.get(schedule=Donation.Schedule.PER_INHABITANT)
    figure = figures.get(municipality=per_inhabitant.municipality, year=per_inhabitant.population_year)
    assert per_inhabitant.amount_cents == per_inhabitant.per_inhabitant_cents * figure.inhabitants
    # Overdue demo pledges give the first run of the daily check something to remind.
    assert queue_reminders() > 0
