"""Pledges on a schedule: instalments that add up to the pledge, or an amount per inhabitant of the CBS population."""

import datetime
import re

import pytest
import time_machine
from django.urls import reverse

from pledges.finance.matching import EVERYTHING, enter_payment, unmatch
from pledges.models import Donation, Event, Instalment, Population
from tests import factories, pages

CREATE = reverse("pledges:donation_create")
NOW = datetime.datetime(2026, 6, 1, 10, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


def instalments(*rows: tuple[str, str]) -> dict:
    """The instalments table of the pledge form, as typed: (due date, amount) per row."""
    data = {"schedule": "instalments", "instalment-TOTAL_FORMS": "12", "instalment-INITIAL_FORMS": "0"}
    for index, (day, amount) in enumerate(rows):
        data[f"instalment-{index}-due_date"] = day
        data[f"instalment-{index}-amount"] = amount
    return data


def pledge(client, staff, appeal, **typed):
    client.force_login(staff)
    return client.post(CREATE, factories.pledge_form(appeal, **typed), follow=True)


def test_it_records_a_pledge_in_instalments_that_add_up_to_the_cent(client, almere_staff, ukraine_appeal):
    response = pledge(client, almere_staff, ukraine_appeal, amount="10.000,01", expected_date="",
                      **instalments(("2026-09-01", "5.000"), ("2026-07-01", "5.000,01")))

    donation = Donation.objects.get()
    assert response.status_code == 200
    assert donation.schedule == Donation.Schedule.INSTALMENTS and donation.amount_cents == 10_000_01
    assert list(donation.instalments.values_list("due_date", "amount_cents")) == [
        (datetime.date(2026, 7, 1), 5_000_01), (datetime.date(2026, 9, 1), 5_000_00),
    ]
    # The pledge is due in full by its last instalment.
    assert donation.expected_date == datetime.date(2026, 9, 1)
    created = donation.events.get(kind=Event.Kind.CREATED)
    assert created.data == {"instalments": [["2026-07-01", 5_000_01], ["2026-09-01", 5_000_00]]}
    text = pages.plain(response)
    assert "In termijnen: 1 juli 2026 € 5.000,01; 1 september 2026 € 5.000,00" in text


@pytest.mark.parametrize(("rows", "message"), [
    ((("2026-07-01", "5.000"), ("2026-09-01", "4.999,99")),
     "De termijnen tellen op tot € 9.999,99, niet tot het bedrag van € 10.000,00."),
    ((("2026-07-01", "10.000"),), "Geef ten minste twee termijnen, elk met een vervaldatum en een bedrag."),
    ((("2026-07-01", "5.000"), ("2026-07-01", "5.000")), "Twee termijnen hebben dezelfde vervaldatum; geef elk een eigen."),
    ((("2026-05-01", "5.000"), ("2026-07-01", "5.000")), "De vervaldata moeten tussen vandaag en over twee jaar liggen."),
])
def test_it_refuses_instalments_that_do_not_make_the_pledge_and_stores_nothing(
        client, almere_staff, ukraine_appeal, rows, message):
    response = pledge(client, almere_staff, ukraine_appeal, amount="10.000", expected_date="", **instalments(*rows))

    assert message in pages.alerts(response)
    assert not Donation.objects.exists() and not Instalment.objects.exists() and not Event.objects.exists()


def test_a_half_filled_instalment_row_is_refused_next_to_the_row(client, almere_staff, ukraine_appeal):
    response = pledge(client, almere_staff, ukraine_appeal, amount="10.000", expected_date="",
                      **instalments(("2026-07-01", "5.000"), ("", "5.000")))

    assert "Geef zowel de vervaldatum als het bedrag van een termijn." in pages.errors(response)
    assert not Donation.objects.exists()


@pytest.fixture
def in_instalments(almere_staff, ukraine_appeal) -> Donation:
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=9_000_00,
                                  schedule=Donation.Schedule.INSTALMENTS, expected_date=datetime.date(2026, 9, 1))
    for day in (datetime.date(2026, 7, 1), datetime.date(2026, 8, 1), datetime.date(2026, 9, 1)):
        Instalment.objects.create(donation=donation, due_date=day, amount_cents=3_000_00)
    return donation


def pay(donation, cents, user, day=datetime.date(2026, 6, 1)):
    return enter_payment(confirmed=EVERYTHING, appeal=donation.appeal, booking_date=day, amount_cents=cents, counterparty_name="Gemeente",
                         counterparty_iban="", remittance="", donation=donation, user=user)


def dues_shown(response) -> list[tuple[str, str, str]]:
    """The pledge page's dues: (due date, paid, open) per row."""
    rows = re.findall(r'data-due="([\d-]+)">.*?data-paid>([^<]*)<.*?data-open>([^<]*)<', response.text, re.DOTALL)
    return [(day, paid.replace("\xa0", " "), open_.replace("\xa0", " ")) for day, paid, open_ in rows]


def test_payments_fill_the_instalments_in_date_order_and_the_page_shows_each(client, finance, in_instalments):
    pay(in_instalments, 4_000_00, finance)
    pay(in_instalments, 500_00, finance)
    client.force_login(finance)

    response = client.get(in_instalments.get_absolute_url())

    assert dues_shown(response) == [
        ("2026-07-01", "€ 3.000,00", "€ 0,00"),
        ("2026-08-01", "€ 1.500,00", "€ 1.500,00"),
        ("2026-09-01", "€ 0,00", "€ 3.000,00"),
    ]


def test_an_undone_match_empties_the_instalment_it_filled(client, finance, in_instalments):
    line = pay(in_instalments, 3_000_00, finance)
    unmatch(line.pk, finance, "verkeerde toezegging")
    in_instalments.refresh_from_db()

    assert [due.paid_cents for due in in_instalments.dues()] == [0, 0, 0]


def test_a_single_transfer_is_one_due_of_the_whole_amount(client, almere_staff, ukraine_appeal):
    donation = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00)
    client.force_login(almere_staff)

    assert dues_shown(client.get(donation.get_absolute_url())) == [
        (donation.expected_date.isoformat(), "€ 0,00", "€ 1.000,00"),
    ]


# Per inhabitant


def population(municipality, year, inhabitants, source=Population.Source.CBS):
    return Population.objects.create(municipality=municipality, year=year, inhabitants=inhabitants, source=source,
                                     source_detail="CBS StatLine 03759ned, test.csv")


def test_it_computes_a_pledge_per_inhabitant_from_the_population_of_the_year(client, almere_staff, ukraine_appeal):
    population(almere_staff.municipality, 2025, 218_096)

    response = pledge(client, almere_staff, ukraine_appeal, amount="", schedule="per_inhabitant",
                      per_inhabitant="0,25", population_year="2025")

    donation = Donation.objects.get()
    assert (donation.amount_cents, donation.per_inhabitant_cents, donation.inhabitants, donation.population_year) == (
        54_524_00, 25, 218_096, 2025,
    )
    assert donation.events.get().data["per_inhabitant"] == {
        "cents": 25, "inhabitants": 218_096, "year": 2025, "source": "cbs",
        "source_detail": "CBS StatLine 03759ned, test.csv",
    }
    text = pages.plain(response)
    assert "€ 0,25 per inwoner × 218.096 inwoners (2025, CBS StatLine 03759ned, test.csv)" in text
    assert "Betaalschema een bedrag per inwoner: € 0,25 per inwoner × 218.096 inwoners op 1 januari 2025" in text


def test_it_refuses_a_pledge_per_inhabitant_without_the_years_figure(client, almere_staff, ukraine_appeal):
    # Another municipality's figure, and Almere's of another year, are no figure for Almere in 2025.
    population(almere_staff.municipality, 2024, 215_000)
    population(factories.Municipality.objects.get(code="GM0344"), 2025, 374_238)

    response = pledge(client, almere_staff, ukraine_appeal, amount="", schedule="per_inhabitant",
                      per_inhabitant="0,25", population_year="2025")

    assert pages.errors(response) == [(
        "Het register heeft geen inwonertal van Almere voor 2025, dus het bedrag kan niet worden berekend. "
        "Kies een ander jaar, of zeg een vast bedrag toe; het fonds kan het inwonertal toevoegen."
    )]
    assert not Donation.objects.exists() and not Event.objects.exists()


def test_the_schedule_cannot_be_changed_afterwards_the_rest_can(client, almere_staff, in_instalments):
    client.force_login(almere_staff)
    data = factories.edit_form(in_instalments, amount="1,00", expected_date="2026-12-01", schedule="single",
                               contact_name="Petra Penning")

    response = client.post(reverse("pledges:donation_edit", args=[in_instalments.pk]), data, follow=True)

    assert "Uw wijzigingen zijn opgeslagen. De betaalinstructies blijven zoals ze waren." in pages.messages(response)
    in_instalments.refresh_from_db()
    assert (in_instalments.schedule, in_instalments.amount_cents, in_instalments.expected_date) == (
        Donation.Schedule.INSTALMENTS, 9_000_00, datetime.date(2026, 9, 1),
    )
    assert in_instalments.contact_name == "Petra Penning"
    assert in_instalments.instalments.count() == 3


def test_the_payment_instructions_list_the_instalments(client, almere_staff, ukraine_appeal):
    from django.core import mail

    pledge(client, almere_staff, ukraine_appeal, amount="10.000", expected_date="",
           **instalments(("2026-07-01", "4.000"), ("2026-09-01", "6.000")))

    [message] = mail.outbox
    assert "In termijnen, elk vóór de eigen datum:" in message.body
    assert "1 juli 2026:" in message.body and "€ 4.000,00" in message.body
    assert "1 september 2026:" in message.body and "€ 6.000,00" in message.body
