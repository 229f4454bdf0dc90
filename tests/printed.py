"""How an exported sheet prints, as Excel and LibreOffice read it from the file (see pledges.spreadsheets.printing)."""

A4 = 9


def assert_prints_landscape_one_page_wide(sheet, *, header_row: int = 2, pages_tall: int = 0) -> None:
    """`sheet` prints on A4 landscape, one page wide, its title and header rows atop every page."""
    setup = sheet.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToWidth) == ("landscape", A4, 1), sheet.title
    assert setup.fitToHeight == pages_tall, sheet.title  # 0: as many pages tall as it takes
    assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title  # without it Excel ignores fitToWidth
    assert sheet.print_title_rows == f"$1:${header_row}", sheet.title
    margins = sheet.page_margins
    assert 0.2 <= margins.left <= 0.6 and 0.2 <= margins.right <= 0.6 and 0.4 <= margins.top <= 0.8, sheet.title
    assert "&P" in sheet.oddFooter.center.text, sheet.title  # the page number
