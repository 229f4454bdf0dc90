"""Faults: the database failing at any query of a request, an export breaking at row N, an import killed.

Each fault leaves no half-written row (a fingerprint of every table is the same as before), the
user sees the error page (templates/500.html) rather than a traceback, and doing the same thing
again afterwards gives exactly what it would have given without the fault.
"""

import contextlib
import itertools
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection, transaction
from django.test import Client
from django.urls import reverse

from pledges.donations import exports as donation_exports
from pledges.donations.exports import donation_row
from pledges.finance.statements import import_statement
from pledges.models import BankStatement, Donation, Event, ExportLog, OfferStatus, Payment
from tests import attack, factories
from tests.attack import body
from tests.tasks import queued, run_tasks

STATEMENT = "bng_2026-03-02_03.sta"


@contextlib.contextmanager
def database_fails_at(query_number: int):
    """Make the `query_number`-th query from now fail as a lost connection does; yields whether it did."""
    count, failed = [0], []

    def fail(execute, sql, params, many, context):
        count[0] += 1
        if count[0] == query_number:
            failed.append(sql)
            raise OperationalError("server closed the connection unexpectedly")
        return execute(sql, params, many, context)

    with connection.execute_wrapper(fail):
        yield failed


@pytest.fixture
def media(settings, tmp_path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def pledges(ukraine_appeal, almere_staff):
    return factories.sample_pledges(ukraine_appeal, almere_staff)


def _requests(world) -> dict:
    """Requests that write, each as (user, method, url, data); built fresh, files cannot be re-read."""
    appeal, offer, line = world["appeal"], world["offer"], world["line"]
    photo = SimpleUploadedFile("foto.png", factories.image_bytes("PNG"), content_type="image/png")
    return {
        "pledge": ("almere_staff", "post", reverse("pledges:donation_create"), factories.pledge_form(appeal)),
        "offer with photo": (
            "almere_staff", "post", reverse("pledges:offer_create"), factories.offer_form(appeal) | {"photos": [photo]}
        ),
        "accept offer": (
            "coordinator", "post", reverse("pledges:offer_move", args=[offer.pk]),
            {
                "to_status": OfferStatus.ACCEPTED,
                f"{OfferStatus.ACCEPTED}-expected_status": OfferStatus.OFFERED,
                f"{OfferStatus.ACCEPTED}-destination": factories.destination().pk,
            },
        ),
        "statement upload": (
            "finance", "post", reverse("pledges:finance_statement_upload"),
            {"file": SimpleUploadedFile("afschrift.sta", factories.statement_bytes(STATEMENT))},
        ),
        "match a line": (
            "finance", "post", reverse("pledges:finance_line_match", args=[line.pk]),
            factories.once({"donation": world["pledge"].pk}),
        ),
        "ledger export": ("finance", "get", reverse("pledges:donation_list"), {"export": "xlsx"}),
    }


@pytest.fixture
def world(media, ukraine_appeal, almere_staff, pledges) -> dict:
    pledge = pledges[90001201]
    return {
        "appeal": ukraine_appeal,
        "pledge": pledge,
        "offer": factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff),
        "line": factories.bank_line(pledge.amount_cents, remittance=pledge.reference),
    }


def row_counts(fingerprint: dict) -> dict[str, int]:
    return {table: count for table, (count, _checksum) in fingerprint.items()}


@pytest.mark.parametrize("name", ["pledge", "offer with photo", "accept offer", "statement upload", "match a line",
                                  "ledger export"])
def test_the_database_failing_at_any_query_leaves_nothing_half_written(
    request, name, world, media, django_capture_on_commit_callbacks, paused_worker
):
    """Fail the 1st, 2nd, ... query of the request until it needs fewer: each time, all or nothing.

    The queued mails and jobs are rows of the request too; the worker runs after it, as its own process.
    """
    client = Client(raise_request_exception=False)
    client.force_login(request.getfixturevalue(_requests(world)[name][0]))

    def attempt(failing: int | None):
        """Send the request with its `failing`-th query failing; return what happened, then undo it."""
        _user, method, url, data = _requests(world)[name]
        with transaction.atomic():
            with django_capture_on_commit_callbacks(execute=True), database_fails_at(failing or 0) as failed:
                response = getattr(client, method)(url, data)
            # In production the request runs in autocommit; here a failed save marks this test's
            # wrapping transaction for rollback. The failed query never ran, so read on.
            transaction.set_rollback(False)
            after = attack.database_fingerprint()
            run_tasks()
            sent, files = list(mail.outbox), stored_files(media)
            transaction.set_rollback(True)
        mail.outbox.clear()
        shutil.rmtree(media, ignore_errors=True)
        return response, bool(failed), after, sent, files

    before = attack.database_fingerprint()
    _response, _failed, done, _sent, _files = attempt(None)
    assert done != before  # the request really writes (or logs the export)

    for failing in itertools.count(1):
        response, failed, after, sent, files = attempt(failing)
        if not failed:
            break  # the request needs fewer queries than this: it went through
        if after == before:
            page = body(response).decode()
            assert response.status_code == 500, f"query {failing}: {response.status_code}"
            assert "Er ging iets mis" in page and "Traceback" not in page
            assert sent == [] and files == []
        else:
            # Django's constraint checks treat a database error as a pass; the database's own
            # constraints still hold. Either way the action is whole: every row it writes, or none.
            assert row_counts(after) == row_counts(done), f"query {failing} left part of the action behind"

    assert failing > 3
    assert response.status_code in (200, 302)  # once the database answers again, it simply works


def stored_files(media: Path) -> list[Path]:
    return [path for path in media.rglob("*") if path.is_file()] if media.exists() else []


def _import_outcome() -> dict:
    """What an import leaves, without keys and times that differ between two equal imports."""
    return {
        "lines": sorted(Payment.objects.values_list("line_key", "amount_cents", "match_method", "donation_id")),
        "received": sorted(Donation.objects.values_list("pk", "received_cents", "status")),
        "statements": list(
            BankStatement.objects.values_list("sha256", "added_count", "skipped_count", "matched_count")
        ),
        "events": sorted(Event.objects.values_list("kind", "donation_id", "to_status")),
        # The thanks queued, by pledge and received total (the lines' own keys differ between runs).
        "mails": sorted((name, args[1:]) for name, args, _kwargs in queued()),
    }


def test_an_import_that_fails_at_any_query_stores_nothing_and_a_rerun_gives_the_clean_result(finance, pledges):
    data = factories.statement_bytes(STATEMENT)

    def run():
        import_statement(data, file_name=STATEMENT, user=finance)

    with transaction.atomic():
        run()
        clean = _import_outcome()
        transaction.set_rollback(True)
    mail.outbox.clear()
    before = attack.database_fingerprint()

    for failing in itertools.count(1):
        with database_fails_at(failing) as failed:
            try:
                run()
            except OperationalError:
                pass
        if not failed:
            break  # the import needs fewer queries than this: it went through
        assert attack.database_fingerprint() == before, f"query {failing} left rows behind"
        assert queued() == []

    assert failing > 10
    assert _import_outcome() == clean
    assert clean["lines"] and any(method for _key, _cents, method, _pk in clean["lines"])
    assert clean["mails"]


def _failing_rows(monkeypatch, at_row: int) -> None:
    real = donation_row
    seen = [0]

    def row(*args, **kwargs):
        seen[0] += 1
        if seen[0] == at_row:
            raise OperationalError("server closed the connection unexpectedly")
        return real(*args, **kwargs)

    monkeypatch.setattr(donation_exports, "donation_row", row)


@pytest.fixture
def many_pledges(almere_staff, ukraine_appeal):
    return factories.donations(30, almere_staff.municipality, ukraine_appeal, almere_staff)


# openpyxl's write-only sheet leaves its row generators to the garbage collector after the failure.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_an_xlsx_export_that_fails_at_row_n_gives_the_error_page_and_logs_no_export(
    finance, many_pledges, monkeypatch
):
    client = Client(raise_request_exception=False)
    client.force_login(finance)
    url = reverse("pledges:donation_list")

    with monkeypatch.context() as patch:
        _failing_rows(patch, at_row=17)
        failed = client.get(url, {"export": "xlsx"})
    again = client.get(url, {"export": "xlsx"})

    assert failed.status_code == 500 and "Er ging iets mis" in failed.text
    assert again.status_code == 200
    assert len(re.findall(r"\bT-\d{6,}", attack.export_text(body(again)))) >= 30
    assert list(ExportLog.objects.values_list("format", "row_count")) == [("xlsx", 30)]


def test_a_csv_export_that_fails_at_row_n_is_cut_off_visibly_and_logged_as_far_as_it_went(
    finance, many_pledges, monkeypatch
):
    client = Client()
    client.force_login(finance)
    url = reverse("pledges:donation_list")
    clean = body(client.get(url, {"export": "csv"}))
    ExportLog.objects.all().delete()

    with monkeypatch.context() as patch:
        _failing_rows(patch, at_row=17)
        failed = client.get(url, {"export": "csv"})
        # The rows went out as they were read; the broken stream ends the response with an error
        # (gunicorn drops the connection, so the download is marked failed, never complete).
        with pytest.raises(OperationalError):
            body(failed)
    again = body(client.get(url, {"export": "csv"}))

    assert again == clean
    assert list(ExportLog.objects.order_by("pk").values_list("format", "row_count")) == [("csv", 16), ("csv", 30)]


# A killed import process ------------------------------------------------------------------

CHILD = """
import sys, time
import django
django.setup()
from pledges.finance import statements
from pledges.models import Role, User

finance, _ = User.objects.get_or_create(email="killed@vngfonds.nl", defaults={{"role": Role.FINANCE}})
insert_lines = statements._insert_lines

def insert_lines_then_pause(statement, new):
    # Every line is written (INSERTs on SQLite, COPY on PostgreSQL); the transaction is still open.
    insert_lines(statement, new)
    print("WRITING", flush=True)
    time.sleep(60)

if {pause}:
    statements._insert_lines = insert_lines_then_pause
result = statements.import_statement(open(sys.argv[1], "rb").read(), file_name="groot.sta", user=finance)
print("IMPORTED", result.statement.added_count, flush=True)
"""


def _big_statement(path: Path, lines: int = 3_000) -> Path:
    """An MT940 statement of `lines` credits that adds up."""
    body_lines = []
    for number in range(lines):
        body_lines.append(f":61:2603020302C{number + 1},00NTRFNONREF//B{number:06d}")
        body_lines.append(f":86:/REMI/USTD//Bijdrage {number}/")
    total = sum(range(1, lines + 1))
    path.write_text(
        ":20:KILLTEST\n:25:NL94BNGH0285173715\n:28C:1/1\n:60F:C260301EUR0,00\n"
        + "\n".join(body_lines)
        + f"\n:62F:C260302EUR{total},00\n"
    )
    return path


def _run_child(url: str, statement: Path, pause: bool) -> subprocess.Popen:
    environment = os.environ | {
        "DATABASE_URL": url,
        "DJANGO_SETTINGS_MODULE": "fonds.settings",
        "PYTHONPATH": str(Path.cwd()),
        "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
    }
    return subprocess.Popen(
        [sys.executable, "-c", CHILD.format(pause=pause), str(statement)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment,
    )


@pytest.fixture
def child_database(reference_data, tmp_path):
    """A real database the child process and this test both reach, and a way to count its rows."""
    if connection.vendor == "postgresql":
        settings = connection.settings_dict
        url = f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"

        def count(table: str) -> int:
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) FROM {table}")
                return cursor.fetchone()[0]

        return url, count
    # pytest-django keeps the SQLite test database in memory: give the child a file copy of it.
    path = tmp_path / "ledger.sqlite3"
    connection.ensure_connection()
    with contextlib.closing(sqlite3.connect(path)) as copy:
        connection.connection.backup(copy)

    def count(table: str) -> int:
        with contextlib.closing(sqlite3.connect(path)) as database:
            return database.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]

    return f"sqlite:///{path}", count


# Committed rows, so the child process sees them; the tables are emptied afterwards.
@pytest.mark.django_db(transaction=True)
def test_a_killed_import_leaves_no_partial_batch_and_a_rerun_imports_everything(child_database, tmp_path):
    url, count = child_database
    statement = _big_statement(tmp_path / "groot.sta")
    tables = (BankStatement._meta.db_table, Payment._meta.db_table)

    child = _run_child(url, statement, pause=True)
    try:
        assert child.stdout.readline().strip() == "WRITING", child.stderr.read()
        child.send_signal(signal.SIGKILL)
    finally:
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert [count(table) for table in tables] == [0, 0]

    rerun = _run_child(url, statement, pause=False)
    output, errors = rerun.communicate(timeout=120)
    assert rerun.returncode == 0, errors[-3000:]
    assert output.split() == ["IMPORTED", "3000"]
    assert [count(table) for table in tables] == [1, 3_000]
