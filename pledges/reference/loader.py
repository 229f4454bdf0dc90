"""Load the reference data: the 342 municipalities, the Ukrainian destinations and the Ukraine appeal.

The municipalities and destinations come from the files in pledges/reference/data/ (CBS's
list of municipalities; the Ukrainian cities and oblasts in English, Dutch and Ukrainian).
Safe to rerun: rows are updated in place, and the appeal is created only once.
"""

import csv
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction

from pledges.reference.models import Appeal, Destination, Municipality

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
