"""The population per municipality and year, read from CBS StatLine's CSV export (tables 03759ned and 37230ned)."""

import io

import pytest
from django.core.management import CommandError, call_command

from pledges.models import Municipality, Population
from pledges.reference.loader import PopulationFileRefused, load_population

pytestmark = pytest.mark.django_db

# As StatLine's open data download writes table 03759ned: every sex, age and marital status, padded codes.
T03759 = '''"ID";"Geslacht";"Leeftijd";"BurgerlijkeStaat";"RegioS";"Perioden";"BevolkingOp1Januari_1";"GemiddeldeBevolking_2"
"1";"T001038";"10000";"T001019";"NL01  ";"2025JJ00";"18044027";"18100000"
"2";"T001038";"10000";"T001019";"GM0034";"2024JJ00";"226500";"227000"
"3";"T001038";"10000";"T001019";"GM0034";"2025JJ00";"228330";"229000"
"4";"3000   ";"10000";"T001019";"GM0034";"2025JJ00";"112000";"113000"
"5";"T001038";"70100";"T001019";"GM0034";"2025JJ00";"2400";"2410"
"6";"T001038";"10000";"T001019";"GM0344";"2025JJ00";"374238";"375000"
"7";"T001038";"10000";"T001019";"GM0344";"2026JJ00";".";"."
"8";"T001038";"10000";"T001019";"GM1234";"2025JJ00";"9000";"9000"
'''
# Table 37230ned, month by month: the start of January is the population on 1 January.
T37230 = '''ID,RegioS,Perioden,BevolkingAanHetBeginVanDePeriode_1,LevendGeborenKinderen_2
1,GM0034    ,2026MM01,230100,210
2,GM0034    ,2026MM02,230250,190
3,PV24    ,2026MM01,450000,400
'''


def test_it_reads_the_totals_of_each_municipality_and_year_from_table_03759ned(reference_data):
    counts = load_population(T03759, "03759ned_TypedDataSet.csv")

    rows = set(Population.objects.values_list("municipality__code", "year", "inhabitants", "source", "source_detail"))
    assert rows == {
        ("GM0034", 2024, 226_500, "cbs", "CBS StatLine 03759ned, 03759ned_TypedDataSet.csv"),
        ("GM0034", 2025, 228_330, "cbs", "CBS StatLine 03759ned, 03759ned_TypedDataSet.csv"),
        ("GM0344", 2025, 374_238, "cbs", "CBS StatLine 03759ned, 03759ned_TypedDataSet.csv"),
    }
    # A former municipality's code is named, not attached to a current one.
    assert (counts.written, counts.years, counts.unknown_codes) == (3, [2024, 2025], ["GM1234"])


def test_it_reads_january_of_table_37230ned_and_replaces_a_figure_of_the_same_year(reference_data):
    almere = Municipality.objects.get(code="GM0034")
    Population.objects.create(municipality=almere, year=2026, inhabitants=1, source=Population.Source.DEMO)

    load_population(T37230, "37230ned.csv")

    assert list(Population.objects.values_list("municipality__code", "year", "inhabitants", "source")) == [
        ("GM0034", 2026, 230_100, "cbs"),
    ]


def test_a_rerun_changes_nothing(reference_data):
    load_population(T03759, "a.csv")
    before = list(Population.objects.order_by("pk").values_list("pk", "inhabitants"))

    load_population(T03759, "a.csv")

    assert list(Population.objects.order_by("pk").values_list("pk", "inhabitants")) == before


@pytest.mark.parametrize(("text", "message"), [
    ("Regio;Jaar;Inwoners\nAlmere;2025;228330\n", "Expected the columns RegioS, Perioden"),
    ('"RegioS";"Perioden";"BevolkingOp1Januari_1"\n"GM0034";"2025JJ00";"veel"\n', "Line 2: 'veel' is not a number"),
    ("\x00\x01 not a csv", "Not a CSV file"),
])
def test_it_refuses_another_file_and_stores_nothing(reference_data, text, message):
    with pytest.raises(PopulationFileRefused, match=message):
        load_population(text, "x.csv")
    assert not Population.objects.exists()


def test_the_command_reads_a_downloaded_file(reference_data, tmp_path):
    path = tmp_path / "03759ned.csv"
    path.write_text("\ufeff" + T03759, encoding="utf-8")
    out = io.StringIO()

    call_command("load_population", str(path), stdout=out)

    assert "Population (03759ned): 3 figures for 2024, 2025." in out.getvalue()
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("load_population", str(tmp_path / "missing.csv"), stdout=out)
