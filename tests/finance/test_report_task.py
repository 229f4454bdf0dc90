"""The finance report of a large appeal as a task: written by the worker, downloaded from its page."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from pledges.finance import tasks as finance_tasks
from pledges.models import ExportLog, FinanceReport
from tests import factories
from tests.tasks import queued, run_tasks

PERIOD = {"start": "2026-01-01", "end": "2026-12-31"}


@pytest.fixture
def large(settings, tmp_path, almere_staff, ukraine_appeal):
    """An appeal with more rows than a report written while the browser waits may hold."""
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.FINANCE_REPORT_DIRECT_ROWS = 3
    factories.donations(5, almere_staff.municipality, ukraine_appeal, almere_staff)
    return ukraine_appeal


def sheets(content: bytes) -> dict[str, list[tuple]]:
    """Every sheet's rows below the title row (which says when the workbook was made)."""
    book = load_workbook(io.BytesIO(content))
    return {sheet.title: list(sheet.iter_rows(min_row=2, values_only=True)) for sheet in book.worksheets}


def test_a_large_report_is_written_by_the_worker_and_downloaded_from_its_page(
    client, finance, large, settings, paused_worker
):
    client.force_login(finance)
    form = client.get(reverse("pledges:finance_report"), {"appeal": large.pk, **PERIOD})
    assert form["Content-Type"].startswith("text/html")
    assert "Een groot rapport" in form.text and "5 regels" in form.text

    response = client.post(reverse("pledges:finance_report_queue"), {"appeal": large.pk, **PERIOD})
    job = FinanceReport.objects.get()
    assert response["Location"] == reverse("pledges:finance_report_job", args=[job.pk])
    assert queued() == [("write_finance_report", [job.pk], {})]
    assert "in de wachtrij" in client.get(response["Location"]).text
    assert client.get(reverse("pledges:finance_report_download", args=[job.pk]))["Location"] == response["Location"]

    assert run_tasks() == 1
    page = client.get(response["Location"])
    assert "Het rapport is klaar: 5 regels in de detailbladen." in page.text
    download = client.get(reverse("pledges:finance_report_download", args=[job.pk]))
    assert download["Content-Disposition"] == 'attachment; filename="rapport-20260101-20261231.xlsx"'
    written = b"".join(download.streaming_content)
    log = ExportLog.objects.get()
    assert (log.user, log.table, log.row_count) == (finance, "report", 5)
    assert f"appeal={large.pk}" in log.querystring

    # The same workbook as one written while the browser waits.
    settings.FINANCE_REPORT_DIRECT_ROWS = 1_000
    direct = client.get(reverse("pledges:finance_report"), {"appeal": large.pk, **PERIOD})
    assert sheets(written) == sheets(b"".join(direct.streaming_content))


def test_a_report_is_its_requesters_own(client, finance, coordinator, large):
    client.force_login(finance)
    client.post(reverse("pledges:finance_report_queue"), {"appeal": large.pk, **PERIOD})
    job = FinanceReport.objects.get()
    assert job.status == FinanceReport.Status.DONE

    client.force_login(coordinator)
    assert client.get(reverse("pledges:finance_report_job", args=[job.pk])).status_code == 404
    assert client.get(reverse("pledges:finance_report_download", args=[job.pk])).status_code == 404


def test_a_failed_report_says_so(client, finance, large, paused_worker, monkeypatch):
    client.force_login(finance)
    response = client.post(reverse("pledges:finance_report_queue"), {"appeal": large.pk, **PERIOD})

    def broken(*args, **kwargs):
        raise MemoryError("too big")

    monkeypatch.setattr(finance_tasks, "report_workbook", broken)
    run_tasks()

    assert "Het rapport kon niet worden gemaakt." in client.get(response["Location"]).text


def test_a_small_report_still_downloads_at_once(client, finance, large, settings):
    settings.FINANCE_REPORT_DIRECT_ROWS = 5
    client.force_login(finance)
    response = client.get(reverse("pledges:finance_report"), {"appeal": large.pk, **PERIOD})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert not FinanceReport.objects.exists()
