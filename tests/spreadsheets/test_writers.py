"""The spreadsheet writers themselves: the CSV in pieces and the lean XLSX rows are what the plain ways write."""

import csv
import datetime
import io
import zipfile
from decimal import Decimal

from lxml import etree
from openpyxl import load_workbook

from pledges.spreadsheets.columns import DATE, DECIMAL, EURO, INTEGER, CleanedTexts, Column
from pledges.spreadsheets.csv_writer import csv_lines, csv_value
from pledges.spreadsheets.xlsx_writer import _column_style, _data_cell, new_workbook, write_sheet


def csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith("\ufeff".encode())
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


# Rows of every kind, with texts that repeat (formatted once) and texts that need a guard.
MIXED_COLUMNS = [
    Column("Nummer"), Column("Datum", DATE), Column("Tekst"),
    Column("Bedrag", EURO), Column("Leeg"), Column("Aantal", INTEGER),
    Column("Gewicht", DECIMAL),
]
MIXED_ROWS = [
    [
        f"T-{n:06d}", datetime.date(2026, 5, 1 + n % 28), ("Almere", "=1+1", "bel\x07l", "-2", "\tTab", "\rCR")[n % 6],
        Decimal(n) / 4, None if n % 2 else "", n, n / 8,
    ]
    for n in range(1234)
]


def test_csv_in_pieces_is_every_field_as_csv_value_makes_it(monkeypatch):
    # Fewer texts remembered than the column holds: the ones after are formatted each time.
    monkeypatch.setattr(CleanedTexts, "LIMIT", 100)

    content = "".join(csv_lines(MIXED_COLUMNS, MIXED_ROWS)).encode()

    rows = csv_rows(content)
    assert rows[0] == [column.header for column in MIXED_COLUMNS]
    assert rows[1:] == [
        [csv_value(value, column.kind) for column, value in zip(MIXED_COLUMNS, row, strict=True)]
        for row in MIXED_ROWS
    ]
    assert rows[3][2] == "bel\ufffdl" and rows[4][2] == "'-2" and rows[6][2] == "'\rCR"


# Values the lean XLSX writer leaves to openpyxl's own cells, in rows of their own.
ODD_ROWS = [
    ["T-1", datetime.datetime(2026, 5, 1, 13, 45), True, Decimal("1.5"), None, 7, 0.5],
    ["T-2", datetime.date(1900, 2, 1), 42, 3, "", False, 0.5],
]


def sheet_cells(content: bytes) -> list[tuple]:
    """Every cell of the first sheet as a reader sees it: where, what, which type and format."""
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [
        (cell.coordinate, cell.value, cell.data_type, cell.number_format)
        for row in sheet.iter_rows(min_row=2) for cell in row
    ]


def sheet_rows_xml(content: bytes) -> list[bytes]:
    """The data rows' XML as lxml reads it, without style ids (numbered in order of first use)."""
    root = etree.fromstring(zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml"))
    rows = root.find("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}sheetData")[1:]
    for cell in root.iter("{http://schemas.openxmlformats.org/spreadsheetml/2006/main}c"):
        cell.attrib.pop("s", None)
    return [etree.tostring(row) for row in rows]


def test_xlsx_value_rows_are_the_cells_openpyxl_writes():
    rows = MIXED_ROWS[:50] + ODD_ROWS + MIXED_ROWS[50:]
    ours = new_workbook()
    write_sheet(ours, "Data", MIXED_COLUMNS, rows)
    # openpyxl's own cells for every value, as write_sheet wrote them before the lean writer.
    theirs = new_workbook()
    sheet = theirs.create_sheet("Data")
    sheet.append([column.header for column in MIXED_COLUMNS])
    styles = [_column_style(sheet, column.kind) for column in MIXED_COLUMNS]
    for row in rows:
        sheet.append([
            _data_cell(sheet, value, column.kind, style)
            for column, style, value in zip(MIXED_COLUMNS, styles, row, strict=True)
        ])
    contents = []
    for book in (ours, theirs):
        buffer = io.BytesIO()
        book.save(buffer)
        contents.append(buffer.getvalue())

    assert sheet_rows_xml(contents[0]) == sheet_rows_xml(contents[1])
    assert sheet_cells(contents[0]) == sheet_cells(contents[1])
    cells = {cell[0]: cell for cell in sheet_cells(contents[0])}
    assert cells["A2"][1:3] == ("T-000000", "s")
    assert cells["B2"][1:] == (datetime.datetime(2026, 5, 1), "d", "DD-MM-YYYY")
    assert cells["C3"][1:3] == ("=1+1", "s")
    assert cells["C6"][1:3] == ("\tTab", "s") and cells["C7"][1] == "\rCR"
    assert cells["D6"][1:] == (1, "n", '"€" #,##0.00')
