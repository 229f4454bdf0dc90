"""Reference data and demo data load from the project's own files, and loading twice changes nothing."""

import datetime
from collections import defaultdict
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone
from stdnum import iban, iso11649

from pledges.management.commands.load_demo_data import DEMO_PASSWORD
from pledges.models import (
    Appeal,
    BankStatement,
    Destination,
    Donation,
    Event,
    KnownIban,
    Municipality,
    Payment,
    Role,
    User,
)
from tests.conftest import MUNICIPALITY_COUNT

# CBS's list for 2025 and 2026, counted per province.
MUNICIPALITIES_PER_PROVINCE = {
    "Drenthe": 12,
    "Flevoland": 6,
    "Fryslân": 18,
    "Gelderland": 51,
    "Groningen": 10,
    "Limburg": 31,
    "Noord-Brabant": 56,
    "Noord-Holland": 44,
    "Overijssel": 25,
    "Utrecht": 26,
    "Zeeland": 13,
    "Zuid-Holland": 50,
}


def load(command: str, **options) -> None:
    with open("/dev/null", "w") as quiet:
        call_command(command, stdout=quiet, **options)


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Municipality, Destination, Appeal, User, Donation, Event, BankStatement, Payment, KnownIban)
    }


@pytest.fixture
def empty(db) -> None:
    """A database before anything was loaded."""
    Appeal.objects.all().delete()
    Destination.objects.all().delete()
    Municipality.objects.all().delete()


def test_it_loads_all_342_municipalities_with_their_province(empty):
    load("load_reference_data")

    assert Municipality.objects.count() == MUNICIPALITY_COUNT == 342
    per_province = {
        province: Municipality.objects.filter(province=province).count() for province in MUNICIPALITIES_PER_PROVINCE
    }
    assert per_province == MUNICIPALITIES_PER_PROVINCE


@pytest.mark.parametrize(
    ("code", "name", "province"),
    [
        ("GM0373", "Bergen (NH.)", "Noord-Holland"),
        ("GM0893", "Bergen (L.)", "Limburg"),
        ("GM0748", "Bergen op Zoom", "Noord-Brabant"),
        ("GM0034", "Almere", "Flevoland"),
        ("GM0344", "Utrecht", "Utrecht"),
        ("GM0518", "'s-Gravenhage", "Zuid-Holland"),
        ("GM1900", "Súdwest-Fryslân", "Fryslân"),
        ("GM0820", "Nuenen, Gerwen en Nederwetten", "Noord-Brabant"),
    ],
)
def test_it_keeps_cbs_names_and_provinces(reference_data, code, name, province):
    municipality = Municipality.objects.get(code=code)
    assert (municipality.name, municipality.province) == (name, province)


@pytest.mark.parametrize(
    ("english", "dutch", "ukrainian"),
    [
        ("Kyiv", "Kyiv", "Київ"),
        ("Kharkiv", "Charkiv", "Харків"),
        ("Zaporizhzhia", "Zaporizja", "Запоріжжя"),
        ("Odesa", "Odessa", "Одеса"),
        ("Dnipro", "Dnipro", "Дніпро"),
    ],
)
def test_it_loads_ukrainian_cities_in_three_languages(reference_data, english, dutch, ukrainian):
    city = Destination.objects.get(name_en=english, kind=Destination.Kind.CITY)
    assert (city.name_nl, city.name_uk) == (dutch, ukrainian)


def test_it_loads_oblasts_beside_cities(reference_data):
    oblast = Destination.objects.get(name_en="Kyiv Oblast")
    assert oblast.kind == Destination.Kind.OBLAST
    assert Destination.objects.get(name_en="Bucha").oblast_en == "Kyiv Oblast"


def test_it_opens_one_ukraine_appeal_with_the_funds_account(empty):
    load("load_reference_data")

    appeal = Appeal.objects.get()
    assert appeal.transfer_keyword == "Oekraine"
    assert appeal.iban == "NL94BNGH0285173715"
    assert appeal.iban_display == "NL94 BNGH 0285 1737 15"
    assert appeal.account_name == "Stichting VNG Fonds"
    assert appeal.theme == Appeal.Theme.EMERGENCY
    assert appeal.is_open and appeal.takes_money
    assert appeal.accepts == Appeal.Accepts.BOTH


def test_it_changes_nothing_when_loaded_twice(empty):
    load("load_reference_data")
    before = counts(), list(Municipality.objects.values_list("pk", "code", "name", "province"))

    load("load_reference_data")

    assert (counts(), list(Municipality.objects.values_list("pk", "code", "name", "province"))) == before


def test_it_keeps_the_administrators_wording_and_target_of_the_appeal(reference_data):
    appeal = Appeal.objects.get(transfer_keyword="Oekraine")
    appeal.description = "Nieuwe tekst van de beheerder"
    appeal.target_cents = 2_500_000_00
    appeal.save()

    load("load_reference_data")

    appeal.refresh_from_db()
    assert appeal.description == "Nieuwe tekst van de beheerder"
    assert appeal.target_cents == 2_500_000_00


def test_it_does_not_duplicate_the_appeal_after_the_administrator_retitled_it(reference_data):
    Appeal.objects.filter(transfer_keyword="Oekraine").update(title="Oekraïne: stroom en warmte")

    load("load_reference_data")

    assert Appeal.objects.count() == 1


# Demo data


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
    before = counts()

    load("load_demo_data", pledges=12)

    assert counts() == before


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
