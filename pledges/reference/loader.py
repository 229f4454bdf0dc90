"""Load the reference data: the 342 municipalities, the Ukrainian destinations and the Ukraine appeal.

The municipalities and destinations come from the files in pledges/reference/data/ (CBS's
list of municipalities; the Ukrainian cities and oblasts in English, Dutch and Ukrainian).
Safe to rerun: rows are updated in place, and the appeal is created only once.
"""

import csv
import io
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from pledges.reference.models import Appeal, Destination, Municipality, Population

DATA = Path(__file__).resolve().parent / "data"

UKRAINE_APPEAL = {
    "title": "Oekraïne: energie voor de winter",
    "theme": Appeal.Theme.EMERGENCY,
    "description": (
        "Geld en materieel (generatoren en andere energie-apparatuur) voor Oekraïense "
        "steden waarvan de stroomvoorziening is getroffen."
    ),
    "iban": "NL94BNGH0285173715",
    "account_name": "Stichting VNG Fonds",
    "transfer_keyword": "Oekraine",
    "accepts": Appeal.Accepts.BOTH,
    "is_open": True,
}


@dataclass(frozen=True)
class ReferenceCounts:
    municipalities: int
    destinations: int
    appeals: int

    def __str__(self) -> str:
        return (
            f"Reference data: {self.municipalities} municipalities, "
            f"{self.destinations} destinations, {self.appeals} appeal(s)."
        )


def _rows(file_name: str) -> list[dict[str, str]]:
    with open(DATA / file_name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


@transaction.atomic
def load_reference_data() -> ReferenceCounts:
    """Write the municipalities, destinations and the Ukraine appeal; return what the database holds."""
    for row in _rows("gemeenten.csv"):
        Municipality.objects.update_or_create(
            code=row["code"], defaults={"name": row["name"], "province": row["province"]}
        )
    for row in _rows("ua_places.csv"):
        Destination.objects.update_or_create(
            name_en=row["name_en"],
            kind=row["kind"],
            defaults={
                "name_nl": row["name_nl"],
                "name_uk": row["name_uk"],
                "oblast_en": row["oblast_en"],
            },
        )
    # Created once; after that the admin owns its wording and target.
    # Found by what identifies it on the bank statement, not by its (editable) title.
    ukraine = Appeal.objects.filter(
        transfer_keyword=UKRAINE_APPEAL["transfer_keyword"], iban=UKRAINE_APPEAL["iban"]
    )
    if not ukraine.exists():
        Appeal.objects.create(**UKRAINE_APPEAL)
    return ReferenceCounts(Municipality.objects.count(), Destination.objects.count(), Appeal.objects.count())


# --------------------------------------------------------------------------- population (CBS StatLine)

# The CSV export of CBS StatLine's open data (opendata.cbs.nl, "TypedDataSet" or "UntypedDataSet",
# as its download and the cbsodata clients write it), ";" or "," between fields, one header row:
#   RegioS    region code, padded with spaces ("GM0034    "); only municipalities (GM....) are read
#   Perioden  "2025JJ00" (the year, table 03759ned) or "2025MM01" (January, table 37230ned);
#             any other period (months after January, quarters) is skipped
#   the figure, per table:
POPULATION_COLUMNS = {
    # 03759ned "Bevolking op 1 januari en gemiddeld; geslacht, leeftijd en regio"
    "BevolkingOp1Januari_1": "03759ned",
    # 37230ned "Bevolkingsontwikkeling; regio per maand": the population at the start of January
    "BevolkingAanHetBeginVanDePeriode_1": "37230ned",
}
# 03759ned splits by sex, age and marital status: only the rows of all of them count.
TOTAL_ROWS = {"Geslacht": "T001038", "Leeftijd": "10000", "BurgerlijkeStaat": "T001019"}
# StatLine writes "." (or nothing) for a figure it does not have.
MISSING = {"", "."}


class PopulationFileRefused(Exception):
    """The file is not a StatLine CSV export of table 03759ned or 37230ned."""


@dataclass(frozen=True)
class PopulationCounts:
    table: str
    written: int
    years: list[int]
    unknown_codes: list[str]

    def __str__(self) -> str:
        text = f"Population ({self.table}): {self.written} figures for {', '.join(map(str, self.years)) or 'no year'}."
        if self.unknown_codes:
            text += f" Skipped {len(self.unknown_codes)} codes that are no current municipality: "
            text += ", ".join(self.unknown_codes[:10]) + (" ..." if len(self.unknown_codes) > 10 else "")
        return text


def _statline_year(period: str, table: str) -> int | None:
    period = period.strip()
    suffix = "JJ00" if table == "03759ned" else "MM01"
    if len(period) == 8 and period.endswith(suffix) and period[:4].isascii() and period[:4].isdigit():
        return int(period[:4])
    return None


def read_statline_population(text: str) -> tuple[str, dict[tuple[str, int], int]]:
    """The table and {(CBS code, year): inhabitants} of a StatLine CSV export."""
    text = text.removeprefix("\ufeff")
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=";,")
    except csv.Error:
        raise PopulationFileRefused("Not a CSV file with ';' or ',' between the fields.") from None
    reader = csv.DictReader(io.StringIO(text), dialect=dialect)
    columns = [name.strip() for name in reader.fieldnames or []]
    reader.fieldnames = columns
    figure = next((name for name in POPULATION_COLUMNS if name in columns), None)
    if "RegioS" not in columns or "Perioden" not in columns or figure is None:
        raise PopulationFileRefused(
            "Expected the columns RegioS, Perioden and BevolkingOp1Januari_1 (03759ned) or "
            f"BevolkingAanHetBeginVanDePeriode_1 (37230ned); the file has: {', '.join(columns)[:300]}"
        )
    table = POPULATION_COLUMNS[figure]
    figures: dict[tuple[str, int], int] = {}
    for line, row in enumerate(reader, start=2):
        code = (row["RegioS"] or "").strip()
        year = _statline_year(row["Perioden"] or "", table)
        if not code.startswith("GM") or year is None:
            continue
        if any((row.get(column) or "").strip() not in ("", total) for column, total in TOTAL_ROWS.items()
               if column in columns):
            continue
        value = (row[figure] or "").strip()
        if value in MISSING:
            continue
        try:
            inhabitants = int(value)
        except ValueError:
            raise PopulationFileRefused(f"Line {line}: {value[:20]!r} is not a number of inhabitants.") from None
        if inhabitants <= 0:
            raise PopulationFileRefused(f"Line {line}: {inhabitants} inhabitants.")
        figures[code, year] = inhabitants
    return table, figures


@transaction.atomic
def load_population(text: str, file_name: str) -> PopulationCounts:
    """Write the figures of a StatLine CSV export, replacing any figure of the same municipality and year."""
    table, figures = read_statline_population(text)
    municipalities = {m.code: m for m in Municipality.objects.all()}
    detail = f"CBS StatLine {table}, {Path(file_name).name}"[:200]
    written, unknown = 0, set()
    for (code, year), inhabitants in sorted(figures.items()):
        municipality = municipalities.get(code)
        if municipality is None:
            unknown.add(code)  # a former municipality (merged since): no row to attach it to
            continue
        Population.objects.update_or_create(
            municipality=municipality, year=year,
            defaults={"inhabitants": inhabitants, "source": Population.Source.CBS, "source_detail": detail},
        )
        written += 1
    years = sorted({year for (code, year) in figures if code in municipalities})
    return PopulationCounts(table, written, years, sorted(unknown))
