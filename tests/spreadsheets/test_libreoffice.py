"""The money ledger's exports opened by another reader: LibreOffice Calc, headless.

Also printed by it: the finance report converted to PDF must come out on a few landscape
pages (one per sheet for a small period), not dozens of portrait ones.

LibreOffice converts the XLSX (and reads the ";" UTF-8 CSV) that /donaties/ serves and writes
what it read as a plain CSV of raw values, which we compare with the database: every amount
to the cent, every date, and user text that looks like a formula comes back as that text,
never evaluated. Without soffice the tests skip, except on CI (CI=true), where they must run.
"""

import csv
import datetime
import os
import re
import shutil
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from pledges.models import Donation
from tests import factories

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 6, 1, 12, 0, tzinfo=datetime.UTC)
# LibreOffice's CSV filter: token 1 separator (44 ","; 59 ";"), 2 text delimiter (34 '"'),
# 3 character set (76 UTF-8), 4 first line to read, 5 column formats, 6 language,
# 7 quoted fields as text, 8 detect special numbers (ISO dates), 9 save cell contents as
# shown (false: raw values, so numbers are not rounded to their format).
WRITE_RAW_CSV = 'csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,false,false'
# Dutch (1043): "1234,50" is a number with a decimal comma; ISO dates detected.
READ_OUR_CSV = 'Text - txt - csv (StarCalc):59,34,76,1,,1043,false,true'
TIMEOUT = 60

# Text a spreadsheet could take for a formula, a number or an error; accents and Ukrainian.
TEXTS = (
    "=1+1",
    "+31 6 1234 5678",
    "@SUM(A1:A3)",
    "-2+3",
    '=HYPERLINK("http://example.com","klik")',
    "#N/A",
    "Zoë Müller-Lüdenscheid, Çağlar Ñúñez",
    "Олена Шевченко, Запоріжжя",
)
STATUS_NL = {"pledged": "toegezegd", "partly_received": "deels ontvangen", "received": "ontvangen",
             "withdrawn": "ingetrokken"}


@pytest.fixture(scope="module")
def soffice() -> str:
    found = shutil.which("soffice")
    if found:
        return found
    reason = "LibreOffice not found: install the Debian package 'libreoffice-calc-nogui'."
    if os.environ.get("CI") == "true":
        pytest.fail(f"{reason} CI=true, so this test may not be skipped.", pytrace=False)
    pytest.skip(reason)


def convert(soffice: str, source: Path, *, infilter: str | None = None) -> list[list[str]]:
    """What LibreOffice reads in `source`, written out as raw values and parsed back."""
    converted = convert_to(soffice, source, WRITE_RAW_CSV, "csv", infilter=infilter)
    with converted.open(encoding="utf-8", newline="") as file:
        return list(csv.reader(file))


def convert_to(soffice: str, source: Path, target: str, suffix: str, *, infilter: str | None = None) -> Path:
    """`source` converted by LibreOffice with the filter `target`: the file it wrote."""
    command = [
        soffice, "--headless", "--norestore",
        # A profile of its own, so tests running side by side do not share (or lock) one.
        f"-env:UserInstallation={(source.parent / 'profile').as_uri()}",
        "--convert-to", target, "--outdir", str(source.parent / "out"), str(source),
    ]
    if infilter:
        command[3:3] = [f"--infilter={infilter}"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    converted = source.parent / "out" / f"{source.stem}.{suffix}"
    assert done.returncode == 0 and converted.exists(), f"soffice failed: {done.stdout}{done.stderr}"
    return converted


@pytest.fixture
def pledges(almere_staff, utrecht_staff, ukraine_appeal):
    """Pledges whose every exported value is known: cents, a large amount, odd text, a withdrawal."""
    almere, utrecht = almere_staff.municipality, utrecht_staff.municipality

    def pledge(municipality, user, cents: int, day: int, name: str, decision: str, expected_month: int = 7):
        return factories.donation(
            municipality, ukraine_appeal, user, amount_cents=cents, contact_name=name, decision_reference=decision,
            created_at=datetime.datetime(2026, 5, day, 22, 30, tzinfo=datetime.UTC),  # 00:30 the next day here
            expected_date=datetime.date(2026, expected_month, day),
        )

    rows = [
        pledge(almere, almere_staff, 1_234_56, 1, TEXTS[0], TEXTS[1]),
        pledge(almere, almere_staff, 9_999_999_99, 2, TEXTS[2], TEXTS[3], expected_month=5),  # overdue
        pledge(almere, almere_staff, 1, 3, TEXTS[4], TEXTS[5]),
        pledge(utrecht, utrecht_staff, 500_05, 4, TEXTS[6], TEXTS[7]),
        pledge(utrecht, utrecht_staff, 2_500_00, 5, "Piet Jansen", "Raadsbesluit 2026/14"),
    ]
    factories.receive(rows[0], 234_56)
    factories.receive(rows[3], 500_05)
    factories.withdraw(rows[4], utrecht_staff)
    for row in rows:
        row.refresh_from_db()
    return rows


def download(client, user, export_format: str, folder: Path) -> Path:
    client.force_login(user)
    # The CSV is written while it streams: read it within the same moment.
    with time_machine.travel(NOW, tick=False):
        response = client.get(f"{reverse('pledges:donation_list')}?sort=number&export={export_format}")
        assert response.status_code == 200
        path = folder / f"donaties.{export_format}"
        path.write_bytes(b"".join(response.streaming_content))
    return path


def by_number(rows: list[list[str]]) -> dict[str, dict[str, str]]:
    """The data rows under the header row ("Toezegging", ...), by pledge number."""
    start = next(index for index, row in enumerate(rows) if row and row[0] == "Toezegging")
    header = rows[start]
    return {row[0]: dict(zip(header, row, strict=True)) for row in rows[start + 1:] if row and row[0]}


def as_date(shown: str) -> datetime.date:
    """A date as LibreOffice writes it unformatted: MM/DD/YYYY (en-US), or ISO as it was read."""
    for layout in ("%m/%d/%Y", "%Y-%m-%d"):
        try:
            return datetime.datetime.strptime(shown, layout).date()
        except ValueError:
            pass
    raise AssertionError(f"not a date: {shown!r}")


def assert_same_as_database(read: dict[str, dict[str, str]], pledges: list[Donation]) -> None:
    assert set(read) == {pledge.number for pledge in pledges}
    for pledge in pledges:
        row = read[pledge.number]
        withdrawn = pledge.status == Donation.Status.WITHDRAWN
        # Numbers to the cent, read back as numbers (a formatted or text amount would differ).
        assert Decimal(row["Bedrag"]) * 100 == pledge.amount_cents, row
        assert Decimal(row["Ontvangen"]) * 100 == pledge.received_cents, row
        outstanding = 0 if withdrawn else pledge.amount_cents - pledge.received_cents
        assert Decimal(row["Openstaand"]) * 100 == outstanding, row
        assert as_date(row["Toegezegd op"]) == timezone.localdate(pledge.created_at), row
        assert as_date(row["Verwacht op"]) == pledge.expected_date, row
        # Text exactly as typed: "=1+1" stays "=1+1", not 2; "#N/A" is no error.
        assert row["Contactpersoon"] == pledge.contact_name
        assert row["Besluit"] == pledge.decision_reference
        assert row["Gemeente"] == pledge.municipality.name
        overdue = pledge.status in Donation.OPEN_STATUSES and pledge.expected_date < NOW.date()
        assert row["Achterstallig"] == ("ja" if overdue else "nee"), row
        assert row["Status"] == STATUS_NL[pledge.status]
        assert row["IBAN"].replace(" ", "") == pledge.iban
        assert row["Betalingskenmerk"].replace(" ", "") == pledge.reference


def test_libreoffice_reads_the_xlsx_as_the_database_holds_it(soffice, client, finance, pledges, tmp_path):
    path = download(client, finance, "xlsx", tmp_path)

    read = by_number(convert(soffice, path))

    assert_same_as_database(read, pledges)
    # In our file itself, every such text is a plain string cell: no formula, no error value.
    sheet = load_workbook(path)["Donaties"]
    typed = {cell.value: cell.data_type for row in sheet.iter_rows() for cell in row if cell.value in TEXTS}
    assert typed == dict.fromkeys(TEXTS, "s")
    # Dates of pledges made at 00:30 Amsterdam time (22:30 UTC the day before) are the Dutch date.
    assert as_date(read[pledges[0].number]["Toegezegd op"]) == datetime.date(2026, 5, 2)


def test_libreoffice_reads_the_csv_as_the_database_holds_it(soffice, client, finance, pledges, tmp_path):
    path = download(client, finance, "csv", tmp_path)

    read = by_number(convert(soffice, path, infilter=READ_OUR_CSV))

    # Text that starts like a formula carries the export's guard, a leading "'"; the rest is as typed.
    for row in read.values():
        for name in ("Contactpersoon", "Besluit"):
            if row[name].startswith("'"):
                assert row[name][1:].startswith(("=", "+", "-", "@")), row[name]
                row[name] = row[name][1:]
    assert_same_as_database(read, pledges)


def test_libreoffice_prints_the_finance_report_on_a_landscape_page_per_sheet(
    soffice, client, finance, pledges, ukraine_appeal, tmp_path
):
    client.force_login(finance)
    with time_machine.travel(NOW, tick=False):
        response = client.get(reverse("pledges:finance_report"), {
            "appeal": ukraine_appeal.pk, "start": "2026-05-01", "end": "2026-05-31",
        })
    assert response.status_code == 200
    report = tmp_path / "rapport.xlsx"
    report.write_bytes(b"".join(response.streaming_content))

    pdf = convert_to(soffice, report, "pdf", "pdf").read_bytes()

    # LibreOffice writes each page's dictionary uncompressed: "/Type /Page" (not "/Pages").
    sizes = [
        (float(width), float(height))
        for width, height in re.findall(rb"/Type\s*/Page\b.*?/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)", pdf, re.S)
    ]
    # Seven sheets of a few rows, the summary with its chart: one landscape A4 page each.
    assert len(sizes) == len(re.findall(rb"/Type\s*/Page\b", pdf)) == 7
    assert all(width > height and round(width) == 842 for width, height in sizes), sizes
