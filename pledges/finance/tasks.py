"""Finance's long jobs as tasks: a statement import (with its matching and thanks), a large report, a yearly account.

Each writes its progress on its own row (pledges.core.models.Job), which its page reads. A job
run again (a killed worker's, queued again) finds it finished and does nothing.
"""

import hashlib
import tempfile

from django.core.files import File
from django.core.files.base import ContentFile
from django.db import IntegrityError
from django.utils import timezone

from pledges.accounts.models import User
from pledges.core.models import Job
from pledges.core.tasks import job_task
from pledges.finance.annual import AnnualScope, active_municipalities, annual_account_pdf
from pledges.finance.models import AnnualAccount, BankStatement, FinanceReport, StatementImport
from pledges.finance.parsers import StatementRefused
from pledges.finance.report import ReportScope, report_workbook
from pledges.finance.statements import AlreadyImported, import_statement, read_statement
from pledges.history.services import writing

PENDING = [Job.Status.QUEUED, Job.Status.RUNNING]


def queue_statement_import(data: bytes, *, file_name: str, user: User) -> StatementImport:
    """Check a statement file now (a refusal shows on the form), then queue its import.

    Raises StatementRefused (another account's statement among others: its bytes are not
    even queued), or AlreadyImported for a file imported before. A file already waiting
    (a double submit) gives the import that waits: each file is imported once.
    """
    read_statement(data)
    digest = hashlib.sha256(data).hexdigest()
    previous = BankStatement.objects.filter(sha256=digest).select_related("uploaded_by").first()
    if previous:
        raise AlreadyImported(previous)
    try:
        return StatementImport.queue(
            import_statement_file, uploaded_by=user, file_name=file_name[:255], content=data, sha256=digest
        )
    except IntegrityError:
        return StatementImport.objects.get(sha256=digest, status__in=PENDING)


def queue_finance_report(scope: ReportScope, user: User) -> FinanceReport:
    return FinanceReport.queue(
        write_finance_report, requested_by=user, appeal=scope.appeal, period_start=scope.start, period_end=scope.end
    )


def queue_annual_account(municipality, year: int, user: User) -> AnnualAccount:
    """Have the worker write a municipality's yearly account; one that already waits is the one asked for."""
    waiting = AnnualAccount.objects.filter(municipality=municipality, year=year, status__in=PENDING).first()
    return waiting or AnnualAccount.queue(write_annual_account, requested_by=user, municipality=municipality, year=year)


def queue_annual_accounts(year: int, user: User) -> list[AnnualAccount]:
    """The yearly accounts of every municipality that took part in `year` (the January run)."""
    return [queue_annual_account(municipality, year, user) for municipality in active_municipalities(year)]


@job_task
def import_statement_file(import_pk: int) -> None:
    """Import an uploaded statement: store its new lines, match them, queue the thanks; all at once."""
    job = StatementImport.objects.select_related("uploaded_by").get(pk=import_pk)
    if not job.is_pending:
        return
    with job.running():
        try:
            # Done in the import's own transaction: a crash leaves the file unimported and the job unfinished.
            with writing():
                result = import_statement(bytes(job.content), file_name=job.file_name, user=job.uploaded_by)
                job.statement, job.matched = result.statement, result.matched
                job.finish("statement", "matched")
        except AlreadyImported as already:
            # The same file imported meanwhile (a double submit that raced): nothing added, as on a second upload.
            job.statement, job.already_imported = already.statement, True
            job.finish("statement", "already_imported")
        except StatementRefused as refusal:
            job.fail(str(refusal))


@job_task
def write_finance_report(report_pk: int) -> None:
    """Write the report workbook of an appeal and a period into a stored file."""
    job = FinanceReport.objects.select_related("appeal").get(pk=report_pk)
    if not job.is_pending:
        return
    with job.running():
        book, job.row_count = report_workbook(
            ReportScope(job.appeal, job.period_start, job.period_end), timezone.localtime()
        )
        with tempfile.TemporaryFile() as spool:
            book.save(spool)
            spool.seek(0)
            job.file.save(job.file_name, File(spool), save=False)
        job.finish("file", "row_count")


@job_task
def write_annual_account(account_pk: int) -> None:
    """Write a municipality's yearly account (pledges/finance/annual.py) into a stored PDF."""
    job = AnnualAccount.objects.select_related("municipality").get(pk=account_pk)
    if not job.is_pending:
        return
    with job.running():
        job.file.save(job.file_name, ContentFile(annual_account_pdf(AnnualScope(job.municipality, job.year))),
                      save=False)
        job.finish("file")
