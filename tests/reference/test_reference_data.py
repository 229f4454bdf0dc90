"""Reference data loads from the project's own files, and loading twice changes nothing."""

import pytest

from pledges.models import Appeal, Destination, Municipality
from tests.conftest import MUNICIPALITY_COUNT
from tests.factories import load, row_counts

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
    before = row_counts(), list(Municipality.objects.values_list("pk", "code", "name", "province"))

    load("load_reference_data")

    assert (row_counts(), list(Municipality.objects.values_list("pk", "code", "name", "province"))) == before


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
