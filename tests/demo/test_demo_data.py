"""The demo data set: written through the app's own code paths, loaded twice changes nothing, and verifies."""

import datetime
import re
from collections import defaultdict
from io import StringIO
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.tasks import TaskResultStatus
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks_db.models import DBTaskResult
from stdnum import iban, iso11649

from pledges.demo.loader import DEMO_PASSWORD
from pledges.finance import continuity
from pledges.models import BankStatement, Donation, EquipmentOffer, Event, KnownIban, Payment, Role, Shipment, User
from tests.factories import load, row_counts
from tests.tasks import run_tasks


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


def test_it_changes_nothing_when_demo_data_is_loaded_twice(reference_data, tmp_path):
    load("load_demo_data", pledges=12, folder=tmp_path / "first")
    before = row_counts()

    load("load_demo_data", pledges=12, folder=tmp_path / "second")

    assert row_counts() == before
    # The files belong to the data written the first time; a second load writes none.
    assert sorted(path.name for path in (tmp_path / "first").iterdir()) == ["oefenafschrift.camt053.xml", "ontvangstlink.txt"]
    assert not (tmp_path / "second").exists()


def test_it_asks_for_reference_data_before_demo_data(empty):
    with pytest.raises(CommandError):
        load("load_demo_data", pledges=1)


@pytest.fixture
def demo_folder(tmp_path) -> Path:
    return tmp_path / "demo"


@pytest.fixture
def demo(reference_data, demo_folder) -> None:
    load("load_demo_data", pledges=40, folder=demo_folder)


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


def shipment_to(city: str, status: str) -> Shipment:
    return Shipment.objects.get(destination__name_en=city, status=status)


def test_it_ships_offers_in_every_state(demo, client):
    assert sorted(Shipment.objects.values_list("status", flat=True)) == [
        "delivered", "delivered", "delivered", "delivered", "in_transit", "planned"
    ]
    planned = shipment_to("Kharkiv", "planned")
    assert planned.planned_departure > timezone.localdate() and planned.offers.exists()
    assert set(shipment_to("Dnipro", "in_transit").offers.values_list("status", flat=True)) == {"in_transit"}
    waiting = EquipmentOffer.objects.filter(shipment__isnull=True)
    assert set(waiting.values_list("status", flat=True)) == {"collected", "offered"}
    # The coordinator sees every one of them in the list, with how far the city confirmed.
    client.force_login(User.objects.get(email="coordinator@demo.vngfonds.nl"))
    page = client.get(reverse("pledges:shipment_list")).text
    for status in ("gepland", "onderweg", "afgeleverd · 0 van 2 bevestigd", "afgeleverd · 2 van 2 bevestigd"):
        assert status in page
    for shipment in Shipment.objects.all():
        assert client.get(shipment.get_absolute_url()).status_code == 200


def test_the_city_confirmed_one_shipment_with_a_shortfall(demo, client):
    kyiv = shipment_to("Kyiv", "delivered")
    assert set(kyiv.offers.values_list("status", flat=True)) == {"confirmed"}
    short = kyiv.offers.get(receipt__outcome="fewer")
    assert (short.receipt.quantity_received, short.quantity) == (1, 2)
    assert short.receipt.note == "1 not on the truck on arrival."
    # The municipality whose offer fell short reads it on its contribution page, and so does the
    # coordinator on the shipment page.
    client.force_login(User.objects.get(email="almere@demo.vngfonds.nl"))
    with translation.override("nl"):
        report = short.receipt.report()
    page = client.get(reverse("pledges:contribution", args=["GM0034"])).text
    assert report in page and "1 not on the truck on arrival." in page
    client.force_login(User.objects.get(email="coordinator@demo.vngfonds.nl"))
    assert report in client.get(kyiv.get_absolute_url()).text


def test_the_receipt_link_in_the_demo_folder_opens_the_delivered_shipment(demo, demo_folder, client):
    kharkiv = shipment_to("Kharkiv", "delivered")
    text = (demo_folder / "ontvangstlink.txt").read_text()
    assert kharkiv.number in text
    [url] = re.findall(r"https?://\S+", text)
    assert url.startswith("http://127.0.0.1:8000/ontvangst/")

    page = client.get(url.removeprefix("http://127.0.0.1:8000"))

    assert page.status_code == 200
    # Every item can still be confirmed: the city has not answered yet.
    for offer in kharkiv.offers.all():
        assert offer.status == "delivered" and offer.description in page.text
        assert f'name="offer" value="{offer.pk}"' in page.text


def upload(client, path: Path):
    content = path.read_bytes()
    return client.post(
        reverse("pledges:finance_statement_upload"),
        {"file": SimpleUploadedFile(path.name, content, content_type="application/xml")},
    )


def test_finance_imports_the_practice_statement_once(demo, demo_folder, client):
    client.force_login(User.objects.get(email="finance@demo.vngfonds.nl"))
    statement = demo_folder / "oefenafschrift.camt053.xml"
    open_before = set(Donation.objects.exclude(status__in=["received", "withdrawn"]).values_list("pk", flat=True))
    overdue_before = Donation.objects.overdue().count()

    response = upload(client, statement)

    imported = BankStatement.objects.get(file_name=statement.name)
    assert response.status_code == 302
    lines = imported.payments.all()
    assert lines.count() == 5
    assert lines.filter(match_method=Payment.Method.REFERENCE).count() == 3
    assert lines.filter(match_method=Payment.Method.IBAN_AMOUNT).count() == 1
    assert lines.filter(match_method="").count() == 1  # from an account the ledger does not know
    paid = set(lines.exclude(donation=None).values_list("donation", flat=True))
    assert paid <= open_before
    assert set(Donation.objects.filter(pk__in=paid).values_list("status", flat=True)) == {"received"}
    # Finance still has overdue pledges to follow up, and pledges paid in part.
    assert 3 <= Donation.objects.overdue().count() < overdue_before
    assert Donation.objects.filter(status=Donation.Status.PARTLY_RECEIVED).exists()
    assert continuity.findings() == []

    before = row_counts()
    again = upload(client, statement)

    assert again.status_code == 302 and again["Location"] == reverse("pledges:finance_statement", args=[imported.pk])
    assert row_counts() == before
    out = StringIO()
    call_command("verify_ledger", stdout=out)
    assert "The ledger verifies" in out.getvalue()


def test_the_worker_sends_every_mail_the_demo_queued(demo, mailoutbox):
    assert run_tasks() > 0

    assert not DBTaskResult.objects.exclude(status=TaskResultStatus.SUCCESSFUL).exists()
    # Among them what staff hear of their offers: Almere's generators reached Kyiv.
    number = shipment_to("Kyiv", "delivered").offers.get(municipality__code="GM0034").number
    assert any(number in mail.subject and mail.to == ["almere@demo.vngfonds.nl"] for mail in mailoutbox)


def test_every_demo_shipment_names_its_citys_organisation_and_has_the_nbu_rate(demo, client):
    from stdnum.ua import edrpou

    from pledges.logistics.readiness import missing_for_departure

    for shipment in Shipment.objects.select_related("recipient", "destination"):
        recipient = shipment.recipient
        assert recipient.destination == shipment.destination and recipient.missing_for_departure() == []
        assert edrpou.is_valid(recipient.edrpou)
        assert shipment.exchange_rate_uah > 0 and shipment.exchange_rate_date <= timezone.localdate()
    # The planned one may leave as far as its papers go.
    assert missing_for_departure(shipment_to("Kharkiv", "planned")) == []
    assert shipment_to("Kharkiv", "planned").recipient.legal_name_uk == "Виконавчий комітет Харківської міської ради"
    client.force_login(User.objects.get(email="coordinator@demo.vngfonds.nl"))
    assert "Виконавчий комітет Дніпровської міської ради" in client.get(reverse("pledges:recipient_list")).text
