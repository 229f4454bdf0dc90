"""The XLSX writer every workbook of the ledger is built on.

Every workbook follows DESIGN.md ("Spreadsheets"): an openpyxl write-only workbook
(streamed, lxml installed), a title row, a bold header row that stays frozen, an
autofilter over header and data, widths that fit, numbers as numbers with a number
format (euro as "€ #,##0.00"), dates as dates, totals as plain values (no formula
anywhere), and user text always written as a text cell: a description such as
"=HYPERLINK(...)", "+31..." or "@foo" is stored as a string, never as a formula. No
stored text can make a workbook fail: a character XML cannot hold (U+FFFF, a control
character) is written as U+FFFD, and the sheet's title row then says so (`replaced_note`).
The data rows skip openpyxl's cell objects: `_ValueRows` writes each row as the XML
openpyxl would write for it, into the sheet's own lxml stream (a test holds them equal).

Build a sheet from `Column`s (pledges.spreadsheets.columns) and rows of plain Python values
in column order:

    book = new_workbook()
    write_sheet(book, "Donaties", COLUMNS, rows, title="...", totals=[...])
    return xlsx_response(book, "donaties.xlsx")

Columns without a width are fitted to their header and values (the rows are then
read into memory first); give every column a width to stream a long list.
"""

from __future__ import annotations

import datetime
import math
import os
import shutil
import tempfile
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext
from lxml import etree
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import WINDOWS_EPOCH
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from pledges.spreadsheets.columns import (
    DATE,
    DECIMAL,
    EURO,
    INTEGER,
    MAX_CELL_TEXT,
    TEXT,
    YEAR,
    CleanedTexts,
    Column,
    clean_text,
    replace_unsafe,
)

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

NUMBER_FORMATS = {
    INTEGER: "#,##0",
    YEAR: "0",
    DECIMAL: "#,##0.0",
    EURO: '"€" #,##0.00',
    DATE: "DD-MM-YYYY",
}

# Values Excel stores as numbers or dates; everything else is written as text.
_NATIVE = (int, float, Decimal, datetime.date, datetime.time)

MAX_WIDTH = 60
LINE_HEIGHT = 15



def new_workbook() -> Workbook:
    """A streaming (write-only) workbook with no sheets yet."""
    return Workbook(write_only=True)


def _sheet_text(sheet, value: object) -> str:
    """`value` as a cell can hold it; a replaced character is noted on the sheet for its title row."""
    text, replaced = replace_unsafe(value)
    if replaced and isinstance(sheet, _ValueSheet):
        sheet.replaced_text = True
    return text


def text_cell(sheet, value: object, *, font: Font | None = None, alignment: Alignment | None = None) -> WriteOnlyCell:
    """A cell that holds `value` as text, whatever it starts with (=, +, -, @, tab, CR)."""
    cell = WriteOnlyCell(sheet, _sheet_text(sheet, value))
    # openpyxl reads a leading "=" as a formula (and "#N/A" as an error); the data type makes
    # it a plain string again.
    cell.data_type = "s"
    if font:
        cell.font = font
    if alignment:
        cell.alignment = alignment
    return cell


def value_cell(sheet, value: object, kind: str = TEXT, *, font: Font | None = None) -> WriteOnlyCell:
    """A cell for `value` written as its column's kind: numbers as numbers, dates as dates."""
    if value is None or value == "":
        cell = WriteOnlyCell(sheet)
    elif not isinstance(value, _NATIVE):
        # Text, lazy translations, anything else: shown as its text, never evaluated.
        return text_cell(sheet, value, font=font)
    else:
        if isinstance(value, datetime.datetime) and timezone.is_aware(value):
            # Excel has no time zones: show the time as people here read it.
            value = timezone.make_naive(value)
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = NUMBER_FORMATS.get(kind, "General")
    if font:
        cell.font = font
    return cell


def _column_style(sheet, kind: str) -> StyleArray | None:
    """The style of a `kind` column's cells, looked up once per sheet instead of once per cell."""
    number_format = NUMBER_FORMATS.get(kind)
    if number_format is None:
        return None
    template = WriteOnlyCell(sheet)
    template.number_format = number_format
    return template._style


def _data_cell(sheet, value: object, kind: str, style: StyleArray | None) -> object:
    """What `value_cell` writes, as openpyxl's own cells: the rows `_ValueRows` leaves to openpyxl.

    Plain text goes in as a string, which openpyxl writes through one reused cell, and a
    number or date gets its column's ready-made style instead of a format lookup per cell.
    Anything else takes `value_cell`'s way.
    """
    if value is None or value == "":
        return None
    if type(value) is str:
        text = _sheet_text(sheet, value)
        # As a plain string openpyxl would read "=..." as a formula and "#N/A" as an error.
        return text_cell(sheet, text) if text.startswith(("=", "#")) else text
    if style is not None and isinstance(value, (int, float, Decimal, datetime.date)) and not (
        isinstance(value, datetime.datetime) and timezone.is_aware(value)
    ):
        return Cell(sheet, row=1, column=1, value=value, style_array=style)
    return value_cell(sheet, value, kind)


def _escaped(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _xml_text(sheet, text: str) -> str:
    """What follows `<c r="A1"` for a text cell: an inline string, as openpyxl writes one."""
    text = _sheet_text(sheet, text)
    escaped = _escaped(text).replace("\r", "&#13;")
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f' t="inlineStr"><is><t{space}>{escaped}</t></is></c>'


# Excel's day 0 (the 1900 date system); serial numbers from 1 March 1900 on count days from it.
_EXCEL_DAY_ZERO = datetime.date(1899, 12, 30).toordinal()
_NUMBER_TYPES = (int, float, Decimal)


class _ValueRows:
    """Rows of plain values written as the <row> XML openpyxl writes for them, without its cells.

    openpyxl's write-only sheet turns every value into a cell (type binding, coordinate,
    style id) and writes it element by element: about 9 µs a value, 15 of the 20 seconds
    the ledger's 100,000 rows took (bench/export.py). Here each column's coordinate letter,
    style id and text memo are made once and a row becomes one string, parsed by lxml
    (which checks it is well-formed XML) and written to the sheet's own lxml stream. The
    cells are the same: text as an inline string (never a formula, however it starts;
    unsafe characters replaced), numbers and dates (as Excel serial numbers) with their
    column's style. A row holding any other value (a bool, a datetime, NaN, a date before
    March 1900, a number in a text column) goes through openpyxl's own cells (`_data_cell`).
    A character XML cannot hold is replaced on either way (`_sheet_text`).
    """

    def __init__(self, sheet: _ValueSheet, columns: Sequence[Column], rows: Iterable[Sequence[object]]):
        self.sheet, self.rows, self.count = sheet, rows, 0
        self.columns = columns
        self.styles = [_column_style(sheet, column.kind) for column in columns]
        self.style_ids = [None if style is None else str(Cell(sheet, style_array=style).style_id) for style in self.styles]
        self.letters = [get_column_letter(index) for index in range(1, len(columns) + 1)]
        self.texts = [CleanedTexts(lambda text: _xml_text(sheet, text)) for _column in columns]
        book = sheet.parent
        self.dates = book.epoch == WINDOWS_EPOCH and not book.iso_dates

    def row_xml(self, values: Sequence[object], row_idx: int) -> str | None:
        """The row as XML, or None when a value needs openpyxl's own cells."""
        number = str(row_idx)
        parts = [f'<row r="{number}">']
        for letter, style_id, texts, value in zip(self.letters, self.style_ids, self.texts, values, strict=True):
            value_type = type(value)
            if value_type is str:
                if value:
                    parts.append(f'<c r="{letter}{number}"{texts[value]}')
                continue
            if value is None:
                continue
            if style_id is None:
                return None
            if value_type is datetime.date:
                serial = value.toordinal() - _EXCEL_DAY_ZERO
                if serial <= 60 or not self.dates:  # Excel's 1900 leap day: openpyxl knows
                    return None
                shown = str(serial)
            elif value_type in _NUMBER_TYPES and (value.is_finite() if value_type is Decimal else math.isfinite(value)):
                shown = "%.16g" % value  # as openpyxl writes numbers
            else:
                return None
            parts.append(f'<c r="{letter}{number}" s="{style_id}" t="n"><v>{shown}</v></c>')
        parts.append("</row>")
        return "".join(parts)

    def write(self, xf, row_idx: int) -> int:
        """Write the rows from `row_idx` on; returns the next row's number."""
        sheet = self.sheet
        for values in self.rows:
            xml = None if row_idx in sheet.row_dimensions else self.row_xml(values, row_idx)
            if xml is None:
                cells = [
                    _data_cell(sheet, value, column.kind, style)
                    for column, style, value in zip(self.columns, self.styles, values, strict=True)
                ]
                sheet._writer.write_row(xf, sheet._values_to_row(cells, row_idx), row_idx)
            else:
                xf.write(etree.fromstring(xml))
            row_idx += 1
            self.count += 1
        return row_idx


class _ValueSheet(WriteOnlyWorksheet):
    """openpyxl's write-only sheet, plus `write_values` for rows of plain values (see _ValueRows).

    When a text had a character replaced (`replaced_text`), `replacement_note` is added to the
    title row as the sheet is closed: the rows stream after the title, so only then is it known.
    """

    replaced_text = False
    replacement_note: str | None = None

    def close(self) -> None:
        super().close()
        if self.replaced_text and self.replacement_note:
            _add_to_title(self._writer.out, f" · {self.replacement_note}")

    def write_values(self, columns: Sequence[Column], rows: Iterable[Sequence[object]]) -> int:
        """Append rows of values in `columns` order after the rows appended so far; returns how many."""
        self._get_writer()
        if self._rows is None:
            self._rows = self._write_rows()
            next(self._rows)
        block = _ValueRows(self, columns, rows)
        self._rows.send(block)
        return block.count

    def _write_rows(self):
        """openpyxl 3.1.5's `WriteOnlyWorksheet._write_rows`, also taking a block of `_ValueRows`."""
        xf = self._writer.xf.send(True)
        with xf.element("sheetData"):
            row_idx = 1
            try:
                while True:
                    row = yield
                    if isinstance(row, _ValueRows):
                        row_idx = row.write(xf, row_idx)
                    else:
                        self._writer.write_row(xf, self._values_to_row(row, row_idx), row_idx)
                        row_idx += 1
            except GeneratorExit:
                pass
        self._writer.xf.send(None)


def _add_to_title(path: str, addition: str) -> None:
    """Append `addition` to the title cell of a written sheet: the first text in its sheetData."""
    with open(path, "rb") as source:
        head = b""
        while True:
            start = head.find(b"<sheetData")
            end = head.find(b"</t>", start) if start >= 0 else -1
            if end >= 0:
                break
            piece = source.read(1 << 16)
            if not piece:
                return  # no text at all
            head += piece
        with tempfile.NamedTemporaryFile(dir=os.path.dirname(path), delete=False) as target:
            target.write(head[:end] + _escaped(addition).encode() + head[end:])
            shutil.copyfileobj(source, target)
    os.replace(target.name, path)


def _shown_length(value: object, kind: str) -> int:
    """Roughly how many characters Excel shows for `value` in a column of `kind`."""
    if value is None or value == "":
        return 0
    if kind == EURO and isinstance(value, (int, float, Decimal)):
        return len(f"{value:,.2f}") + 2
    if kind in (INTEGER, DECIMAL) and isinstance(value, (int, float, Decimal)):
        return len(f"{value:,}")
    if kind == DATE:
        return 10
    return max((len(line) for line in str(value).splitlines()), default=0)


def header_parts(header: str) -> list[str]:
    """A header's languages ("Omschrijving / Description / Опис"): one per line when wrapped."""
    return header.split(" / ")


def fit_widths(columns: Sequence[Column], rows: Sequence[Sequence[object]]) -> list[float]:
    """Widths that fit each column's longest value and longest header part."""
    widths = []
    for index, column in enumerate(columns):
        if column.width:
            widths.append(column.width)
            continue
        longest = max((len(part) for part in header_parts(column.header)), default=0)
        for row in rows:
            longest = max(longest, _shown_length(row[index], column.kind))
        widths.append(min(longest + 2, MAX_WIDTH))
    return widths


def _header_lines(columns: Sequence[Column], widths: Sequence[float]) -> int:
    lines = 1
    for column, width in zip(columns, widths, strict=True):
        needed = sum(math.ceil((len(part) + 2) / max(width - 1, 1)) for part in header_parts(column.header))
        lines = max(lines, needed)
    return lines


def write_sheet(
    workbook: Workbook,
    sheet_title: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[object]],
    *,
    title: str = "",
    totals: Sequence[object] | None = None,
    replaced_note: str | None = None,
) -> None:
    """Add a sheet: optional title row, frozen bold header with autofilter, the rows, a totals row.

    `totals` is one value per column (None for blank); it comes after the
    autofilter range so sorting and filtering never move it. `replaced_note` ends the title
    when a text had a character replaced (default: in the active language).
    """
    if any(column.width is None for column in columns):
        rows = list(rows)
        widths = fit_widths(columns, rows)
    else:
        widths = [column.width for column in columns]
    sheet = _ValueSheet(workbook, safe_sheet_title(sheet_title))
    workbook._add_sheet(sheet)  # what create_sheet does with its own write-only sheet
    # A write-only sheet takes its layout before the first row.
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    header_row = 2 if title else 1
    sheet.row_dimensions[header_row].height = LINE_HEIGHT * _header_lines(columns, widths)
    sheet.freeze_panes = f"A{header_row + 1}"
    bold = Font(bold=True)
    if title:
        sheet.replacement_note = replaced_note or gettext("characters a spreadsheet cannot hold are shown as �")
        # Room for the note in the one cell (Excel holds 32,767 characters).
        title = title[: MAX_CELL_TEXT - len(sheet.replacement_note) - 3]
        sheet.append([text_cell(sheet, title, font=Font(bold=True, size=14))])
    wrap = Alignment(wrap_text=True, vertical="top")
    sheet.append([text_cell(sheet, column.header, font=bold, alignment=wrap) for column in columns])
    last_row = header_row + sheet.write_values(columns, rows)
    sheet.auto_filter.ref = f"A{header_row}:{get_column_letter(len(columns))}{last_row}"
    if totals is not None:
        sheet.append(
            [value_cell(sheet, value, column.kind, font=bold) for column, value in zip(columns, totals, strict=True)]
        )


def safe_sheet_title(title: str) -> str:
    """Excel's sheet names: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(" " if char in "[]:*?/\\" else char for char in clean_text(title)).strip()
    return cleaned[:31] or "Sheet"


def xlsx_response(workbook: Workbook, filename: str) -> FileResponse:
    """Stream a finished workbook as a download; the file lives only as long as the response."""
    spool = tempfile.TemporaryFile()
    workbook.save(spool)
    spool.seek(0)
    return FileResponse(spool, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE)
