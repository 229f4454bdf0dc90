"""Bank statements in: read MT940 and CAMT.053 files, refuse what does not add up, store each line once.

A file is read completely and checked before anything is stored: it must be a
statement, within the size cap, free of XML document types and entities, and
every statement in it must balance (opening balance + lines = closing balance).
Then all its lines are stored in one transaction, or none.

Each line gets a `line_key`: a hash of what the bank says about it, plus its
occurrence among identical lines of the same file. The key is unique in the
database, so importing a file twice, or two statements that overlap, stores
every line once, while two genuinely identical transfers on one day are both
kept. Matching the new lines to pledges is `pledges.finance.matching`'s job.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pledges.accounts.models import User
from pledges.finance.matching import auto_match
from pledges.finance.models import BankStatement, Payment
from pledges.finance.parsers import Line, ParsedFile, StatementRefused, parse, raise_too_big
from pledges.history.services import writing


class AlreadyImported(StatementRefused):
    """This very file was imported before; nothing is added."""

    def __init__(self, statement: BankStatement):
        self.statement = statement
        super().__init__(
            _("This file was already imported on %(date)s by %(user)s; nothing was added."),
            date=date_format(timezone.localdate(statement.uploaded_at), "DATE_FORMAT"),
            user=statement.uploaded_by,
        )


# --------------------------------------------------------------------------- what a file holds



def line_keys(account: str, lines: Iterable[Line]) -> list[str]:
    """A key per line: its fingerprint and its occurrence among identical lines of the file."""
    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        fingerprint = line.fingerprint(account)
        seen[fingerprint] += 1
        keys.append(f"{fingerprint}:{seen[fingerprint]}")
    return keys


# --------------------------------------------------------------------------- importing


@dataclasses.dataclass
class ImportResult:
    statement: BankStatement
    added: list[Payment]
    matched: int


def read_upload(upload) -> bytes:
    """The bytes of an uploaded file, refusing it before reading when it is over the cap."""
    limit = settings.BANK_STATEMENT_MAX_BYTES
    if upload.size is not None and upload.size > limit:
        raise_too_big(upload.size)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise_too_big(len(data))
    return data


def import_statement(data: bytes, *, file_name: str, user: User) -> ImportResult:
    """Check and store a statement file: every new line, or nothing; then match what matches.

    Raises StatementRefused (nothing stored) or AlreadyImported (nothing added).
    """
    digest = hashlib.sha256(data).hexdigest()
    previous = BankStatement.objects.filter(sha256=digest).select_related("uploaded_by").first()
    if previous:
        raise AlreadyImported(previous)
    parsed = parse(data)
    for attempt in range(3):
        try:
            # The chain lock first: a payment by hand or a match to the same pledge waits its turn.
            with writing():
                statement, added = _store(parsed, digest, file_name, user)
                matched = auto_match(added, user)
                if matched:
                    statement.matched_count = matched
                    statement.save(update_fields=["matched_count"])
            return ImportResult(statement, added, matched)
        except IntegrityError:
            # Someone imported the same file, or an overlapping one, at this very moment.
            previous = BankStatement.objects.filter(sha256=digest).select_related("uploaded_by").first()
            if previous:
                raise AlreadyImported(previous) from None
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _store(parsed: ParsedFile, digest: str, file_name: str, user: User) -> tuple[BankStatement, list[Payment]]:
    first, last = parsed.statements[0], parsed.statements[-1]
    account = first.account
    lines = parsed.lines
    keys = line_keys(account, lines)
    if lines:
        days = [line.booking_date for line in lines]
        known = set(
            Payment.objects.filter(
                account_iban=account, booking_date__gte=min(days), booking_date__lte=max(days)
            ).values_list("line_key", flat=True)
        )
    else:
        known = set()
    new = [(line, key) for line, key in zip(lines, keys) if key not in known]
    from_date = min([first.opening_date, *(line.booking_date for line in lines)])
    to_date = max([last.closing_date, *(line.booking_date for line in lines)])
    statement = BankStatement.objects.create(
        uploaded_by=user,
        file_name=file_name[:255],
        format=parsed.format,
        sha256=digest,
        account_iban=account,
        currency=first.currency[:3],
        statement_id=first.statement_id,
        sequence=first.sequence if first is last else f"{first.sequence}–{last.sequence}"[:35],
        from_date=from_date,
        to_date=to_date,
        opening_balance_cents=first.opening_cents,
        closing_balance_cents=last.closing_cents,
        line_count=len(lines),
        added_count=len(new),
        skipped_count=len(lines) - len(new),
    )
    _insert_lines(statement, new)
    payments = list(Payment.objects.filter(statement=statement).order_by("pk"))
    return statement, payments


# The columns an imported line fills; the others (the match, who entered it by hand) start empty.
_LINE_COLUMNS = (
    "statement", "line_key", "account_iban", "booking_date", "value_date", "amount_cents", "currency",
    "counterparty_iban", "counterparty_name", "remittance", "structured_reference", "end_to_end_id",
    "bank_reference", "account_servicer_reference", "transaction_code", "created_at", "match_method",
)


def _insert_lines(statement: BankStatement, new: list[tuple[Line, str]]) -> None:
    """Insert the new lines: COPY on PostgreSQL, many rows per INSERT on SQLite.

    bulk_create compiles SQL value by value and spent seconds on a 10,000-line
    file (the issue allows five for the whole import); the values here are
    plain ones the backends adapt themselves.
    """
    if not new:
        return
    ops = connection.ops
    columns = [Payment._meta.get_field(name).column for name in _LINE_COLUMNS]
    limit = connection.features.max_query_params or 65_535
    rows_per_insert = max(1, min(500, limit // len(columns)))
    created = ops.adapt_datetimefield_value(statement.uploaded_at)
    day = ops.adapt_datefield_value
    rows = [
        (
            statement.pk, key, statement.account_iban, day(line.booking_date), day(line.value_date),
            line.amount_cents, line.currency[:3], line.counterparty_iban, line.counterparty_name,
            line.remittance, line.structured_reference, line.end_to_end_id, line.bank_reference,
            line.account_servicer_reference, line.transaction_code, created, "",
        )
        for line, key in new
    ]
    table = ops.quote_name(Payment._meta.db_table)
    column_list = ", ".join(ops.quote_name(column) for column in columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY streams the rows; binding 170,000 parameters costs the client seconds.
            # The raw cursor's errors are wrapped, so a duplicate line is an IntegrityError.
            with connection.wrap_database_errors, cursor.copy(
                f"COPY {table} ({column_list}) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            return
        head = f"INSERT INTO {table} ({column_list}) VALUES "
        one_row = "({})".format(", ".join(["%s"] * len(columns)))
        for start in range(0, len(rows), rows_per_insert):
            batch = rows[start : start + rows_per_insert]
            cursor.execute(head + ", ".join([one_row] * len(batch)), [value for row in batch for value in row])
