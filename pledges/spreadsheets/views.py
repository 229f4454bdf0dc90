"""The one export path of every ledger table: its filtered, sorted rows as XLSX or CSV.

A list view builds its filtered, ordered queryset as for the screen, then, when the
query string asks `?export=xlsx` or `?export=csv`, hands a `TableExport` to
`export_response`, which

- records the export in `ExportLog` (who, which table, the filter and sort without
  `export` and paging, the format, the rows as written),
- writes a title row: what the table is, for municipal staff their municipality (the
  only one they see), the applied filters and sort, the moment,
- streams the rows: a write-only XLSX sheet (pledges.spreadsheets.xlsx_writer.write_sheet) that prints
  landscape and one page wide (pledges.spreadsheets.printing), or a CSV for Dutch Excel
  (pledges.spreadsheets.csv_writer.csv_lines).

The column orders are documented in pledges.donations.exports (money ledger), pledges.equipment.exports,
pledges.logistics.exports and pledges.finance.exports (equipment, shipments, bank lines).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from django import forms
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from pledges.core.fields import EuroField
from pledges.core.money import format_euro
from pledges.spreadsheets.columns import Column, Counted
from pledges.spreadsheets.csv_writer import csv_lines
from pledges.spreadsheets.models import ExportLog
from pledges.spreadsheets.printing import PrintedWorkbook
from pledges.spreadsheets.xlsx_writer import write_sheet, xlsx_response


@dataclass(frozen=True)
class TableExport:
    """What one ledger table exports: its name in the log, sheet and file, columns and rows."""

    table: str  # ExportLog.table: "donations", "offers", "shipments", "payments", "outstanding"
    heading: str  # the first words of the title row, in the reader's language
    sheet_title: str  # the XLSX sheet, Dutch like the column headers
    file_stem: str  # the download's name before the moment: "materieel"
    columns: Sequence[Column]
    rows: Callable[[], Iterable[Sequence[object]]]  # the rows in column order, read lazily


def requested_format(request: HttpRequest) -> str | None:
    """The export format the query string asks for, or None to show the page."""
    export_format = request.GET.get("export")
    return export_format if export_format in ExportLog.Format.values else None


def filter_summary(form: forms.Form | None, table=None) -> str:
    """The applied filters and the sort, as a person reads them: "Status: pledged; Province: …"."""
    parts = []
    for name, value in getattr(form, "cleaned_data", {}).items():
        if value in (None, "", False) or name not in form.fields:
            continue
        field = form.fields[name]
        choices = dict(getattr(field, "choices", ()) or ())
        if isinstance(value, bool):
            shown = _("yes")
        elif isinstance(field, EuroField):
            shown = format_euro(value)  # cleaned to cents
        elif str(value) in map(str, choices) and not hasattr(field, "queryset"):
            shown = next(label for key, label in choices.items() if str(key) == str(value))
        else:
            shown = formats.localize(value) if not isinstance(value, str) else value
        parts.append(f"{field.label}: {shown}")
    summary = "; ".join(parts) or _("no filters")
    if table is not None:
        sort = ", ".join(
            f"{table.columns[order.bare].verbose_name} {'↓' if order.is_descending else '↑'}"
            for order in table.order_by or ()
            if order.bare in table.columns.names()
        )
        if sort:
            summary += " · " + _("sorted by %(sort)s") % {"sort": sort}
    return summary


def export_moment(now) -> str:
    return _("exported on %(moment)s") % {"moment": formats.date_format(now, "SHORT_DATETIME_FORMAT")}


def export_heading(user, heading: str) -> str:
    """The title row's first words: for municipal staff, with the one municipality they see."""
    if user.is_municipal_staff and user.municipality_id:
        return f"{heading} · {user.municipality.name}"
    return heading


def log_export(
    request: HttpRequest, table: str, export_format: str, rows: int, now=None, *, querystring: str | None = None
) -> ExportLog:
    """Record an export: who, which table, the filter without `export` and paging (or `querystring`), the rows."""
    query = request.GET.copy()
    for name in ("export", "page", "per_page"):
        query.pop(name, None)
    return ExportLog.objects.create(
        user=request.user,
        table=table,
        querystring=query.urlencode() if querystring is None else querystring,
        format=export_format,
        row_count=rows,
        created_at=now or timezone.localtime(),
    )


def export_response(
    request: HttpRequest, export_format: str, export: TableExport, summary: str, expected_rows: int
) -> HttpResponse:
    """The table's rows as a streamed download, the export recorded with the rows written."""
    now = timezone.localtime()
    filename = f"{export.file_stem}-{now:%Y%m%d-%H%M}.{export_format}"
    rows = Counted(export.rows())

    if export_format == ExportLog.Format.CSV:
        # Rows stream out as they are read: logged as the stream starts, with the rows that
        # went out once it ends, also when it breaks off.
        log = log_export(request, export.table, export_format, expected_rows, now)

        def lines():
            try:
                yield from csv_lines(export.columns, rows)
            finally:
                if rows.count != log.row_count:
                    ExportLog.objects.filter(pk=log.pk).update(row_count=rows.count)

        response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response
    book = PrintedWorkbook()
    title = f"{export_heading(request.user, export.heading)} · {summary} · {export_moment(now)}"
    write_sheet(book, export.sheet_title, export.columns, rows, title=title)
    response = xlsx_response(book, filename)
    # Logged once complete: a workbook that fails halfway is never sent, so it is no export.
    # (No transaction around the build: on SQLite it would hold the write lock throughout.)
    log_export(request, export.table, export_format, rows.count, now)
    return response
