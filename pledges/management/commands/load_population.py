"""Load inhabitants per municipality and year from a CBS StatLine CSV export. Safe to rerun.

The work and the columns read are pledges.reference.loader's (`load_population`).
"""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pledges.reference.loader import PopulationFileRefused, load_population


class Command(BaseCommand):
    help = (
        "Load the population on 1 January per municipality from a CBS StatLine CSV export of table "
        "03759ned or 37230ned (columns RegioS, Perioden and the figure); replaces figures of the same year."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", type=Path, help="The CSV file as downloaded from CBS StatLine (open data).")

    def handle(self, *args, file: Path, **options) -> None:
        try:
            text = file.read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            counts = load_population(text, file.name)
        except PopulationFileRefused as refused:
            raise CommandError(f"{file}: {refused}") from refused
        self.stdout.write(str(counts))
