#!/usr/bin/env python
"""Benchmark exporting the money ledger: our XLSX and CSV beside django-import-export and xlsxwriter.

Uses the 100,000 pledges of bench/ledger.py (the same database and seeding: generated
if missing), then runs each contender in a subprocess of its own, so that its peak
RSS is its own, one after the other on the same rows in the same run:

- ours-xlsx      the ledger's XLSX download, /donaties/?export=xlsx, requested with
                 django.test.Client as a finance user and streamed to a file;
- ours-csv       the same view with ?export=csv;
- xlsxwriter     xlsxwriter with {"constant_memory": True} writing the same rows
                 (pledges.donations.exports.donation_rows: same values, euro format, dates);
- import-export  django-import-export: a ModelResource with the same 17 columns,
                 exported as its admin does for XLSX (native types, tablib, openpyxl);
- openpyxl-plain the same rows appended as bare values to an openpyxl write-only sheet
                 (no number formats, no text guard): what openpyxl itself costs, the floor
                 under ours.

Every file is then read back (openpyxl read-only; the CSV with the csv module): the row
count, the pledge numbers in the ledger's order and every column of a sample of rows
are compared with the database, so a broken export cannot pass for a fast one.
Prints rows, seconds, CPU seconds, peak RSS, file size and the targets of issue 4.
It prints figures; it is not a test and asserts nothing.

    make bench-export                      # SQLite, bench/bench.sqlite3 (shared with ledger.py)
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench .venv/bin/python bench/export.py
    .venv/bin/python bench/export.py --rows 20000 --only ours-xlsx,ours-csv --profile

The contenders need the `bench` dependency group (pip install -e . --group bench).
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import ledger  # noqa: E402  (bench/ledger.py: settings, seeding, machine description)

FINANCE_EMAIL = "bench-finance@bench.vngfonds.nl"
# The ledger's default order, as the export of an unfiltered, unsorted ledger has it.
LEDGER_ORDER = ("-created_at", "-id")
SAMPLES = 200  # rows whose every value is compared with the database
TARGET_ROWS = 100_000  # issue 4's targets are for this many pledges


@dataclass(frozen=True)
class Contender:
    label: str
    suffix: str
    target_seconds: float | None = None
    target_mb: float | None = None
    elsewhere: str = ""  # the figures for it on this machine


CONTENDERS = {
    "ours-xlsx": Contender("ours, XLSX (/donaties/?export=xlsx)", "xlsx", 10.0, 100.0),
    "ours-csv": Contender("ours, CSV (/donaties/?export=csv)", "csv", 2.0),
    "xlsxwriter": Contender("xlsxwriter, constant_memory", "xlsx", elsewhere="issue: ~7 s"),
    "import-export": Contender("django-import-export, XLSX", "xlsx", elsewhere="issue: 43 s, 660 MB"),
    "openpyxl-plain": Contender("openpyxl write-only, bare values", "xlsx", elsewhere="openpyxl's floor"),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=TARGET_ROWS, help="pledges in the database (default 100000)")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL"),
        help="database to use (default: $DATABASE_URL, else sqlite:///bench/bench.sqlite3)",
    )
    parser.add_argument("--only", default=None, help=f"comma-separated contenders: {','.join(CONTENDERS)}")
    parser.add_argument("--profile", action="store_true",
                        help="cProfile each contender and print its 25 dearest functions (times grow)")
    parser.add_argument("--keep", action="store_true", help="keep the exported files (their folder is printed)")
    parser.add_argument("--regenerate", action="store_true", help="delete and regenerate the pledges")
    parser.add_argument("--analyze", choices=["auto", "yes", "no"], default="auto", help="as in bench/ledger.py")
    # Internal: run one contender in this process and print its figures as JSON.
    parser.add_argument("--contender", choices=list(CONTENDERS), help=argparse.SUPPRESS)
    parser.add_argument("--output", type=Path, help=argparse.SUPPRESS)
    return parser.parse_args()


def ensure_finance_user():
    from pledges.models import Role, User

    return User.objects.filter(email=FINANCE_EMAIL).first() or User.objects.create_user(
        FINANCE_EMAIL, None, first_name="Bench", last_name="Finance", role=Role.FINANCE
    )


def ledger_rows():
    """What finance sees in the ledger, in its default order (the view's queryset, unfiltered)."""
    from pledges.donations.access import visible_donations

    return visible_donations(ensure_finance_user()).for_table().order_by(*LEDGER_ORDER)


# --- the contenders (each runs in a process of its own) -----------------------------------


def run_view(output: Path, export_format: str) -> None:
    from django.test import Client

    client = Client()
    client.force_login(ensure_finance_user())
    response = client.get(f"/donaties/?export={export_format}")
    if response.status_code != 200:
        raise SystemExit(f"/donaties/?export={export_format} answered {response.status_code}")
    with output.open("wb") as file:
        for chunk in response.streaming_content:
            file.write(chunk if isinstance(chunk, bytes) else chunk.encode())
    response.close()


def run_xlsxwriter(output: Path) -> None:
    import xlsxwriter
    from django.utils import timezone

    from pledges.donations import exports
    from pledges.spreadsheets.columns import DATE, EURO
    from pledges.spreadsheets.xlsx_writer import NUMBER_FORMATS

    columns = exports.DONATION_COLUMNS
    book = xlsxwriter.Workbook(str(output), {"constant_memory": True})
    sheet = book.add_worksheet("Donaties")
    bold = book.add_format({"bold": True})
    formats = {kind: book.add_format({"num_format": number_format})
               for kind, number_format in NUMBER_FORMATS.items()}
    for index, column in enumerate(columns):
        sheet.set_column(index, index, column.width)
    sheet.write_string(0, 0, f"Geldregister · geëxporteerd op {timezone.localtime():%d-%m-%Y %H:%M}", bold)
    for index, column in enumerate(columns):
        sheet.write_string(1, index, column.header, bold)
    sheet.freeze_panes(2, 0)
    row_number = 1
    for row_number, row in enumerate(exports.donation_rows(ledger_rows()), start=2):
        for index, (column, value) in enumerate(zip(columns, row, strict=True)):
            if value is None or value == "":
                continue
            if column.kind == EURO:
                sheet.write_number(row_number, index, value, formats[EURO])
            elif column.kind == DATE:
                sheet.write_datetime(row_number, index, value, formats[DATE])
            else:
                sheet.write_string(row_number, index, str(value))
    sheet.autofilter(1, 0, row_number, len(columns) - 1)
    book.close()


def run_openpyxl_plain(output: Path) -> None:
    """The same rows appended to a write-only sheet as they are: no cells, formats or guards."""
    from openpyxl import Workbook

    from pledges.donations import exports

    book = Workbook(write_only=True)
    sheet = book.create_sheet("Donaties")
    sheet.append([column.header for column in exports.DONATION_COLUMNS])
    for row in exports.donation_rows(ledger_rows()):
        sheet.append(row)
    book.save(output)


def run_import_export(output: Path) -> None:
    from django.utils import timezone
    from import_export import fields, resources
    from import_export.formats.base_formats import XLSX

    from pledges.models import Donation
    from pledges.donations import exports

    today = timezone.localdate()

    class DonationResource(resources.ModelResource):
        """The ledger's 17 columns, in the ledger's order, as django-import-export declares them."""

        number = fields.Field(attribute="number", column_name="Toezegging")
        pledged_on = fields.Field(column_name="Toegezegd op")
        municipality_name = fields.Field(attribute="municipality__name", column_name="Gemeente")
        municipality_code = fields.Field(attribute="municipality__code", column_name="CBS-code")
        province = fields.Field(attribute="municipality__province", column_name="Provincie")
        appeal_title = fields.Field(attribute="appeal__title", column_name="Oproep")
        amount = fields.Field(attribute="amount", column_name="Bedrag")
        received = fields.Field(attribute="received", column_name="Ontvangen")
        outstanding = fields.Field(attribute="outstanding", column_name="Openstaand")
        status_nl = fields.Field(column_name="Status")
        expected = fields.Field(attribute="expected_date", column_name="Verwacht op")
        overdue = fields.Field(column_name="Achterstallig")
        payment_reference = fields.Field(attribute="reference_display", column_name="Betalingskenmerk")
        iban_shown = fields.Field(attribute="iban_display", column_name="IBAN")
        decision = fields.Field(attribute="decision_reference", column_name="Besluit")
        contact = fields.Field(attribute="contact_name", column_name="Contactpersoon")
        email = fields.Field(attribute="contact_email", column_name="E-mail contactpersoon")

        class Meta:
            model = Donation
            fields = ("number", "pledged_on", "municipality_name", "municipality_code", "province",
                      "appeal_title", "amount", "received", "outstanding", "status_nl", "expected",
                      "overdue", "payment_reference", "iban_shown", "decision", "contact", "email")
            export_order = fields

        def dehydrate_pledged_on(self, donation):
            return timezone.localdate(donation.created_at)

        def dehydrate_status_nl(self, donation):
            return exports.DONATION_STATUS_NL[donation.status]

        def dehydrate_overdue(self, donation):
            return "ja" if donation.status in donation.OPEN_STATUSES and donation.expected_date < today else "nee"

    # As ExportMixin.get_export_data does for a binary format: native values, then tablib.
    dataset = DonationResource().export(ledger_rows(), force_native_type=True)
    output.write_bytes(XLSX().export_data(dataset))


RUNNERS = {
    "ours-xlsx": lambda output: run_view(output, "xlsx"),
    "ours-csv": lambda output: run_view(output, "csv"),
    "xlsxwriter": run_xlsxwriter,
    "import-export": run_import_export,
    "openpyxl-plain": run_openpyxl_plain,
}


def peak_rss_mb() -> float:
    """This process's peak resident set size in MB.

    Linux's VmHWM, which starts afresh at exec. getrusage's ru_maxrss (self or children)
    does not: it keeps the high-water mark of the process before exec, so a child
    started from a bench process holding 100 MB would report at least 100 MB.
    """
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    # macOS counts ru_maxrss in bytes.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024


def run_contender(args: argparse.Namespace) -> None:
    """In the child: set up Django, export once, print seconds, CPU and peak RSS as JSON."""
    ledger.configure(args)
    ledger.start_django()
    from django.db import connection

    connection.ensure_connection()  # not part of the export
    before_mb = peak_rss_mb()
    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    started = time.perf_counter()
    RUNNERS[args.contender](args.output)
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_SELF)
    if profiler:
        import pstats

        profiler.disable()
        print(f"\nProfile of {args.contender} (tottime):", file=sys.stderr)
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(25)
    print(json.dumps({
        "seconds": seconds,
        "cpu": (after.ru_utime - usage.ru_utime) + (after.ru_stime - usage.ru_stime),
        "before_mb": before_mb,
        "peak_mb": peak_rss_mb(),
    }))


# --- checking the files -------------------------------------------------------------------


def expected_values():
    """The pledge numbers in ledger order, and every exported value of a sample, from the database."""
    from django.utils import timezone
    from stdnum import iban, iso11649

    from pledges.models import Donation

    pks = list(Donation.objects.order_by(*LEDGER_ORDER).values_list("pk", flat=True))
    step = max(1, len(pks) // SAMPLES)
    sample = {}
    for donation in Donation.objects.filter(pk__in=pks[::step] + pks[-1:]).select_related("municipality", "appeal"):
        withdrawn = donation.status == Donation.Status.WITHDRAWN
        sample[f"T-{donation.pk:06d}"] = {
            "Toegezegd op": timezone.localdate(donation.created_at),
            "Gemeente": donation.municipality.name,
            "CBS-code": donation.municipality.code,
            "Provincie": donation.municipality.province,
            "Oproep": donation.appeal.title,
            "Bedrag": Decimal(donation.amount_cents) / 100,
            "Ontvangen": Decimal(donation.received_cents) / 100,
            "Openstaand": Decimal(0 if withdrawn else max(donation.amount_cents - donation.received_cents, 0)) / 100,
            "Status": {"pledged": "toegezegd", "partly_received": "deels ontvangen", "received": "ontvangen",
                       "withdrawn": "ingetrokken"}[donation.status],
            "Verwacht op": donation.expected_date,
            "Betalingskenmerk": iso11649.format(donation.reference),
            "IBAN": iban.format(donation.iban),
            "Besluit": donation.decision_reference,
            "Contactpersoon": donation.contact_name,
            "E-mail contactpersoon": donation.contact_email,
        }
    return [f"T-{pk:06d}" for pk in pks], sample


def read_xlsx(path: Path):
    """The header and the data rows of the file's sheet, and the first row's number formats."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    rows = sheet.iter_rows()
    for header_cells in rows:
        header = [cell.value for cell in header_cells]
        if header and header[0] == "Toezegging":
            break
    else:
        raise AssertionError("no header row starting with 'Toezegging'")
    first = next(rows)
    formats = {name: cell.number_format for name, cell in zip(header, first, strict=False)}
    data = [[cell.value for cell in first]]
    data += sheet.iter_rows(min_row=first[0].row + 1, values_only=True)
    book.close()
    return header, data, formats


def read_csv(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as file:
        reader = csv.reader(file, delimiter=";")
        header = next(reader)
        return header, list(reader), {}


def as_expected(value, expected) -> bool:
    """A cell value (XLSX native, or CSV text) equals the database's value."""
    if isinstance(expected, Decimal):
        if isinstance(value, str):
            value = value.replace(",", ".")
        return value not in (None, "") and Decimal(str(value)).quantize(Decimal("0.01")) == expected
    if isinstance(expected, datetime.date):
        if isinstance(value, datetime.datetime):
            return value.date() == expected and value.time() == datetime.time()
        return value == expected or value == expected.isoformat()
    return (value or "") == expected


def verify(path: Path, suffix: str, numbers: list[str], sample: dict) -> str:
    """Compare the file with the database; return what was checked, or raise AssertionError."""
    header, rows, formats = read_xlsx(path) if suffix == "xlsx" else read_csv(path)
    assert len(rows) == len(numbers), f"{len(rows):,} rows, the database holds {len(numbers):,}"
    got = [row[0] for row in rows]
    assert got == numbers, "pledge numbers not in the ledger's order (first difference at row " \
        f"{next(i for i, (a, b) in enumerate(zip(got, numbers, strict=True)) if a != b) + 1})"
    position = {name: index for index, name in enumerate(header)}
    checked = 0
    for row in rows:
        expected = sample.get(row[0])
        if expected is None:
            continue
        for name, value in expected.items():
            assert as_expected(row[position[name]], value), f"{row[0]} {name}: {row[position[name]]!r} != {value!r}"
        checked += 1
    assert checked == len(sample), f"{checked} of {len(sample)} sampled pledges found"
    notes = f"{len(header)} cols, {checked} rows x {len(next(iter(sample.values())))} values ok"
    if formats:
        euro = "€" in (formats.get("Bedrag") or "")
        notes += "; euro format" + ("" if euro else ": NO") + f" ({formats.get('Bedrag')})"
    return notes


# --- the run ------------------------------------------------------------------------------


@dataclass
class Result:
    key: str
    contender: Contender
    seconds: float = 0.0
    cpu: float = 0.0
    before_mb: float = 0.0
    peak_mb: float = 0.0
    size: int = 0
    check: str = ""
    ok: bool = False


def run_child(key: str, output: Path, args: argparse.Namespace) -> Result:
    command = [sys.executable, __file__, "--contender", key, "--output", str(output)]
    if args.profile:
        command.append("--profile")
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=False)
    result = Result(key, CONTENDERS[key])
    if done.returncode != 0:
        result.check = f"FAILED (exit {done.returncode})"
        return result
    figures = json.loads(done.stdout.strip().splitlines()[-1])
    result.seconds, result.cpu = figures["seconds"], figures["cpu"]
    result.before_mb, result.peak_mb = figures["before_mb"], figures["peak_mb"]
    result.size = output.stat().st_size
    return result


def mark(value: float, target: float | None, rows: int) -> str:
    if target is None:
        return ""
    if rows != TARGET_ROWS:  # the targets are for 100,000 pledges
        return f"≤ {target:g} n/a"
    return f"≤ {target:g} {'pass' if value <= target else 'FAIL'}"


def report(results: list[Result], rows: int, url: str, load_before) -> None:
    import django
    from django.db import connection

    if connection.vendor == "sqlite":
        database = f"SQLite {connection.Database.sqlite_version}"
    else:
        database = f"PostgreSQL {connection.pg_version // 10000}.{connection.pg_version % 10000}"
    load = " / ".join(f"{x:.1f}" for x in load_before) + " -> " + " / ".join(f"{x:.1f}" for x in os.getloadavg())
    print()
    print(f"Export benchmark: {rows:,} pledges on {database} ({url.rsplit('/', 1)[-1]})")
    print(f"Django {django.get_version()}, Python {sys.version.split()[0]}, {os.cpu_count()} CPUs "
          f"({ledger.cpu_model()}), load average {load}")
    print(f"App: {ledger.app_version()}. One run per contender, each in a process of its own; "
          "seconds = wall clock of the export, cpu = its CPU seconds, RSS = the process's peak "
          "(its RSS before the export, Django loaded, in brackets).")
    print()
    header = (f"{'contender':<38} {'rows':>8} {'seconds':>8} {'cpu':>6} {'peak RSS MB':>15} {'file MB':>8} | "
              f"{'target s':>11} {'target MB':>11} | check")
    print(header)
    print("-" * len(header))
    for r in results:
        c = r.contender
        memory = f"{r.peak_mb:6.0f} ({r.before_mb:.0f})"
        print(f"{c.label:<38} {f'{rows:,}' if r.ok else '-':>8} {r.seconds:>8.2f} {r.cpu:>6.2f} {memory:>15} "
              f"{r.size / 1e6:>8.1f} | {mark(r.seconds, c.target_seconds, rows):>11} {mark(r.peak_mb, c.target_mb, rows):>11} | "
              f"{r.check}{'; ' + c.elsewhere if c.elsewhere else ''}")
    print("-" * len(header))
    print("Targets (issue 4): XLSX ≤ 10 s and ≤ 100 MB peak RSS, CSV ≤ 2 s, for 100,000 pledges. "
          "The issue measured django-import-export at 43 s / 660 MB and xlsxwriter at about 7 s here.")
    busiest = max(load_before[0], os.getloadavg()[0])
    if busiest > (os.cpu_count() or 1) - 1:  # the bench itself is one
        print(f"NOTE: the machine was busy (1-min load average up to {busiest:.1f}): seconds are inflated, cpu far less.")


def main() -> None:
    args = parse_args()
    if args.contender:
        run_contender(args)
        return
    url = ledger.configure(args)
    ledger.start_django()
    ledger.prepare_database(url)
    ensure_finance_user()
    ledger.generate(args.rows, args.regenerate, args.analyze)
    numbers, sample = expected_values()
    keys = args.only.split(",") if args.only else list(CONTENDERS)
    folder = Path(tempfile.mkdtemp(prefix="bench-export-"))
    load_before = os.getloadavg()
    results = []
    for key in keys:
        output = folder / f"{key}.{CONTENDERS[key].suffix}"
        print(f"Exporting with {key} ...", flush=True)
        result = run_child(key, output, args)
        if result.size:
            try:
                result.check, result.ok = verify(output, CONTENDERS[key].suffix, numbers, sample), True
            except AssertionError as error:
                result.check = f"BROKEN FILE: {error}"
        results.append(result)
        if not args.keep:
            output.unlink(missing_ok=True)
    report(results, len(numbers), url, load_before)
    if args.keep:
        print(f"Files kept in {folder}")
    else:
        folder.rmdir()


if __name__ == "__main__":
    main()
