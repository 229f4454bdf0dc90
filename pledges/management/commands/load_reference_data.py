"""Load municipalities, Ukrainian destinations and the Ukraine energy appeal. Safe to rerun."""

import csv
from pathlib import Path

from django.core.management.base import BaseCommand
from django.db import transaction

from pledges.reference.models import Appeal, Destination, Municipality

DATA = Path(__file__).resolve().parents[2] / "data"

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


class Command(BaseCommand):
    help = "Load the 342 municipalities, the Ukrainian destinations and the Ukraine appeal."

    @transaction.atomic
    def handle(self, *args, **options) -> None:
        with open(DATA / "gemeenten.csv", encoding="utf-8", newline="") as f:
            municipalities = list(csv.DictReader(f))
        for row in municipalities:
            Municipality.objects.update_or_create(
                code=row["code"], defaults={"name": row["name"], "province": row["province"]}
            )
        with open(DATA / "ua_places.csv", encoding="utf-8", newline="") as f:
            places = list(csv.DictReader(f))
        for row in places:
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
        self.stdout.write(
            f"Reference data: {Municipality.objects.count()} municipalities, "
            f"{Destination.objects.count()} destinations, {Appeal.objects.count()} appeal(s)."
        )
