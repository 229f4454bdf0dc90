"""How the ledger's spreadsheets print: A4 landscape, one page wide, the header on every page.

Finance prints what it exports. A sheet made by a `PrintedWorkbook` prints in landscape on
A4, scaled to one page wide and as many pages tall as it takes, with margins of about 1 cm,
the sheet's name and page number in the footer, and the rows frozen on screen (the title
and header rows that `pledges.spreadsheets.xlsx_writer.write_sheet` writes) repeated atop every page.

    book = PrintedWorkbook()
    write_sheet(book, "Donaties", COLUMNS, rows, title="...")
    on_one_page(book["Donaties"])  # a short sheet, such as a summary, also one page tall

A write-only sheet streams its properties, among them "fit to page", with its first row,
so they are set as the sheet is made; the page setup, margins and print titles are written
when the workbook is saved and may be set until then.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.utils.cell import coordinate_from_string
from openpyxl.worksheet.page import PageMargins

A4 = 9  # the paper size code of OOXML (and Excel)
MARGINS_INCH = {"left": 0.4, "right": 0.4, "top": 0.6, "bottom": 0.6, "header": 0.25, "footer": 0.25}
# "&A" the sheet's name, "&P" the page, "&N" the pages: the same in every language.
FOOTER = "&A · &P / &N"


def print_landscape(sheet) -> None:
    """Print `sheet` on A4 landscape, one page wide (any number tall), with ~1 cm margins."""
    sheet.sheet_properties.pageSetUpPr.fitToPage = True  # else Excel ignores fitToWidth
    setup = sheet.page_setup
    setup.orientation = "landscape"
    setup.paperSize = A4
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # 0: as many pages tall as the rows take
    sheet.page_margins = PageMargins(**MARGINS_INCH)
    sheet.oddFooter.center.text = FOOTER


def on_one_page(sheet) -> None:
    """Scale `sheet` to fit one page, tall as well as wide."""
    sheet.page_setup.fitToHeight = 1


def repeat_frozen_rows(sheet) -> None:
    """Print the rows frozen on screen (title and header) atop every page."""
    if not sheet.freeze_panes:
        return
    _, first_scrolling_row = coordinate_from_string(sheet.freeze_panes)
    if first_scrolling_row > 1:
        sheet.print_title_rows = f"1:{first_scrolling_row - 1}"


class PrintedWorkbook(Workbook):
    """A streamed (write-only) workbook whose every sheet prints as this module describes."""

    def __init__(self) -> None:
        super().__init__(write_only=True)

    def _add_sheet(self, sheet, index=None):
        # Every sheet passes here: those of create_sheet and those pledges.spreadsheets.xlsx_writer.write_sheet makes.
        print_landscape(sheet)
        super()._add_sheet(sheet, index)

    def save(self, filename) -> None:
        # The frozen rows are known once a sheet is written, so they are named at the end.
        for sheet in self.worksheets:
            repeat_frozen_rows(sheet)
        super().save(filename)
