"""The column model of every exported table: a column's header, kind and width, and values by kind.

A table's export is a list of `Column`s and rows of plain Python values in column order;
the XLSX writer (pledges.spreadsheets.xlsx_writer) and the CSV writer
(pledges.spreadsheets.csv_writer) write the same columns and rows. Headers and labels are
Dutch whatever the screen's language (`dutch_labels`), so other sheets can refer to them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from functools import cache

from django.db.models import Choices
from django.utils import formats, translation
from pledges.core.fields import XML_UNSAFE_CHARACTERS
from pledges.core.money import format_euro

# Kinds of column: how a value is written, and which number format it gets in a workbook.
TEXT = "text"
INTEGER = "integer"
YEAR = "year"
DECIMAL = "decimal"  # weights, kVA: one decimal
EURO = "euro"
DATE = "date"

# Rows read from the database at a time: memory stays constant however long the table.
CHUNK = 2000

# Excel keeps at most this many characters in a cell.
MAX_CELL_TEXT = 32_767


@dataclass(frozen=True)
class Column:
    """One column of a sheet: its header, its kind, and optionally a fixed width."""

    header: str
    kind: str = TEXT
    width: float | None = None


# What stands in for a character XML cannot hold: "the character that was not readable".
REPLACEMENT_CHARACTER = "\ufffd"


def replace_unsafe(value: object) -> tuple[str, bool]:
    """Text as a cell can hold it, and whether a character XML cannot hold was replaced.

    The forms refuse such characters (pledges.core.fields.check_storable_text), but text
    stored before, or by other ways (a bank statement, the database itself), must never
    make an export fail: each one becomes U+FFFD, and the title row of the sheet says so.
    """
    text, replaced = XML_UNSAFE_CHARACTERS.subn(REPLACEMENT_CHARACTER, str(value))
    return text[:MAX_CELL_TEXT], bool(replaced)


def clean_text(value: object) -> str:
    """Text as Excel can hold it: unsafe characters replaced, no more than a cell takes."""
    return replace_unsafe(value)[0]


class CleanedTexts(dict):
    """One column's texts as `clean` makes them, each repeated text (a municipality, a status) made once.

    Only `str` keys: equal numbers can be written differently (Decimal 2.5 and 2.50). Holds
    at most `LIMIT` texts, so a column of unique values (e-mail addresses) keeps memory flat.
    """

    LIMIT = 2000

    def __init__(self, clean: Callable[[str], str]):
        super().__init__()
        self.clean = clean

    def __missing__(self, text: str) -> str:
        cleaned = self.clean(text)
        if len(self) < self.LIMIT:
            self[text] = cleaned
        return cleaned


def display_value(value: object, kind: str) -> str:
    """A cell value as text for screen, print or CSV, in the active language."""
    if value is None or value == "":
        return ""
    if kind == EURO:
        return format_euro(value)
    if kind in (INTEGER, DECIMAL):
        return formats.number_format(value, decimal_pos=1 if kind == DECIMAL else None, use_l10n=True, force_grouping=True)
    if kind == DATE:
        return formats.date_format(value, "SHORT_DATE_FORMAT")
    return str(value)


@cache
def dutch_labels(choices: type[Choices]) -> dict[str, str]:
    """A choice's values with their Dutch labels: sheets are Dutch whatever the screen's language."""
    with translation.override("nl"):
        return {value: str(label) for value, label in choices.choices}


class Counted:
    """Rows passed through unchanged, counted as they are written (for ExportLog)."""

    def __init__(self, rows: Iterable[Sequence[object]]):
        self.rows, self.count = rows, 0

    def __iter__(self) -> Iterator[Sequence[object]]:
        for row in self.rows:
            self.count += 1
            yield row


def yes_no(value: bool) -> str:
    return "ja" if value else "nee"
