"""Whether an account's statements follow each other: no gap, no overlap, every balance carried on.

Per account and currency, the statements (pledges.finance.models.AccountStatement, one per
:20: block or CAMT Stmt of every imported file) are put in order of their period. Each must
open at the balance the one before it closed at, with the next statement number (the same
number again for a second page; 1 when the bank starts counting anew). The same statement
in two files (an overlap, or MT940 and CAMT.053 of one day) counts once. What does not follow
is a Finding, worded for the reader: a statement missing (with its number and period where
the neighbours tell them), two statements whose periods overlap, a balance that jumps.

Banks send no statement for a day without bookings, so days between two statements are no
gap as long as the balance and the numbers follow.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from itertools import groupby, pairwise

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pledges.finance.models import AccountStatement, format_account, format_amount

ONE_DAY = datetime.timedelta(days=1)


@dataclasses.dataclass(frozen=True)
class Finding:
    """Two statements of an account that do not follow each other, and what that means."""

    kind: str  # "missing" or "overlap"
    account: str
    currency: str
    message: str
    # The imported files (BankStatement ids) of the two statements.
    files: frozenset[int]

    @property
    def account_display(self) -> str:
        return format_account(self.account)


def period_label(start: datetime.date, end: datetime.date) -> str:
    """"1–31 October 2026", "30 September – 2 October 2026", "5 March 2026" in the reader's language."""
    if start == end:
        return date_format(end, "j F Y")
    if (start.year, start.month) == (end.year, end.month):
        return f"{start.day}–{date_format(end, 'j F Y')}"
    if start.year == end.year:
        return f"{date_format(start, 'j F')} – {date_format(end, 'j F Y')}"
    return f"{date_format(start, 'j F Y')} – {date_format(end, 'j F Y')}"


@dataclasses.dataclass
class _Statement:
    number: int | None
    statement_id: str
    start: datetime.date
    end: datetime.date
    opening: int
    closing: int
    files: set[int]

    @property
    def label(self) -> str:
        return str(self.number) if self.number is not None else (self.statement_id or "?")

    @property
    def period(self) -> str:
        return period_label(self.start, self.end)


def _numbers_follow(before: _Statement, after: _Statement) -> bool:
    if before.number is None or after.number is None:
        return True
    return after.number in (before.number + 1, before.number) or after.number == 1


def _between(before: _Statement, after: _Statement, currency: str) -> list[str]:
    """What lies between two statements that do not follow: a missing statement, a balance that jumps."""
    parts = []
    start, end = before.end + ONE_DAY, after.start - ONE_DAY
    period = period_label(start, end) if start <= end else ""
    numbers = (
        (before.number + 1, after.number - 1)
        if before.number is not None and after.number is not None and after.number > before.number + 1
        else None
    )
    if numbers:
        first, last = numbers
        missing = str(first) if first == last else f"{first}–{last}"
        count = last - first + 1
        if period:
            parts.append(ngettext(
                "Statement %(missing)s (%(period)s) is missing between %(before)s and %(after)s.",
                "Statements %(missing)s (%(period)s) are missing between %(before)s and %(after)s.",
                count,
            ) % {"missing": missing, "period": period, "before": before.label, "after": after.label})
        else:
            parts.append(ngettext(
                "Statement %(missing)s is missing between %(before)s and %(after)s.",
                "Statements %(missing)s are missing between %(before)s and %(after)s.",
                count,
            ) % {"missing": missing, "before": before.label, "after": after.label})
    elif not _numbers_follow(before, after):
        parts.append(_("Statement %(after)s follows statement %(before)s: the numbers do not follow each other.")
                     % {"before": before.label, "after": after.label})
    else:
        parts.append(_("A statement is missing between %(before)s (until %(end)s) and %(after)s (from %(start)s).")
                     % {"before": before.label, "after": after.label,
                        "end": date_format(before.end, "j F Y"), "start": date_format(after.start, "j F Y")})
    if after.opening != before.closing:
        parts.append(_("Statement %(before)s closes at %(closing)s, statement %(after)s opens at %(opening)s.")
                     % {"before": before.label, "after": after.label,
                        "closing": format_amount(before.closing, currency),
                        "opening": format_amount(after.opening, currency)})
    return parts


def _walk(account: str, currency: str, statements: list[_Statement]) -> Iterable[Finding]:
    for before, after in pairwise(statements):
        if after.opening == before.closing and _numbers_follow(before, after):
            continue
        files = frozenset(before.files | after.files)
        if after.start <= before.end:
            message = _(
                "Statement %(after)s (%(after_period)s) overlaps statement %(before)s (%(before_period)s) "
                "but does not follow from it."
            ) % {"after": after.label, "after_period": after.period,
                 "before": before.label, "before_period": before.period}
            if after.opening != before.closing:
                message += " " + _(
                    "Statement %(before)s closes at %(closing)s, statement %(after)s opens at %(opening)s."
                ) % {"before": before.label, "after": after.label,
                     "closing": format_amount(before.closing, currency),
                     "opening": format_amount(after.opening, currency)}
            yield Finding("overlap", account, currency, message, files)
        else:
            yield Finding("missing", account, currency, " ".join(_between(before, after, currency)), files)


def findings(account: str | None = None) -> list[Finding]:
    """Every place where an account's statements do not follow each other, per account and currency."""
    rows = AccountStatement.objects.order_by("account_iban", "currency", "period_start", "period_end", "number", "id")
    if account is not None:
        rows = rows.filter(account_iban=account)
    values = rows.values_list(
        "account_iban", "currency", "number", "statement_id", "period_start", "period_end",
        "opening_balance_cents", "closing_balance_cents", "file_id",
    )
    result: list[Finding] = []
    for (iban, currency), group in groupby(values, key=lambda row: (row[0], row[1])):
        by_content: dict[tuple, _Statement] = {}
        for _iban, _currency, number, statement_id, start, end, opening, closing, file_id in group:
            key = (number, start, end, opening, closing)
            if key in by_content:
                by_content[key].files.add(file_id)
            else:
                by_content[key] = _Statement(number, statement_id, start, end, opening, closing, {file_id})
        distinct = list(by_content.values())
        distinct.sort(key=lambda s: (s.start, s.end, s.number if s.number is not None else -1))
        result.extend(_walk(iban, currency, distinct))
    return result


def findings_for_file(file_pk: int, account: str) -> list[Finding]:
    """What does not follow around the statements of one imported file."""
    return [finding for finding in findings(account) if file_pk in finding.files]
