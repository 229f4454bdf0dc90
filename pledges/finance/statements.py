"""Bank statements in: read MT940 and CAMT.053 files, refuse what does not belong, store each line once.

A file is read completely and checked before anything is stored: it must be a
statement, within the size cap, free of XML document types and entities, of one
of the fund's own accounts (an appeal's IBAN: another account's statement, a private
person's transactions, is never stored), every statement in it must balance
(opening balance + lines = closing balance, in the statement's currency) and every
line must be booked within its statement's period. Then all its lines are stored in
one transaction, or none.

Each line gets a `line_key`: a hash of the transfer as every format tells it alike
(account, booking date, amount, currency, counterparty account, and the end-to-end
id, else the bank's reference, else the text with all whitespace taken out, so a
file wrapped at another width gives the same key), plus its occurrence among
identical lines of the same file. The key is unique in the database, so importing
a file twice, the same day as MT940 and as CAMT.053, or two statements that overlap,
stores every line once, while two genuinely identical transfers on one day are both
kept. A line whose key is new but which equals a booked line of the same transfer
in all but its text, with no stable id to tell them apart, is held (HeldLine) for
finance to decide: never added blindly. Matching the new lines to pledges is
`pledges.finance.matching`'s job; the order of statements is `pledges.finance.continuity`'s.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from django.conf import settings
from django.db import IntegrityError, connection
from django.db.models import F
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from pledges.accounts.models import User
from pledges.finance.continuity import findings_for_file
from pledges.finance.matching import MatchRefused, auto_match, fund_accounts
from pledges.finance.models import (
    AccountStatement,
    BankStatement,
    HeldLine,
    Payment,
    format_account,
    format_amount,
)
from pledges.finance.parsers import (
    Line,
    ParsedFile,
    Statement,
    StatementRefused,
    parse,
    raise_too_big,
)
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


def _compact_text(line) -> str:
    """A line's words without any whitespace, case folded: the same however the bank wrapped them."""
    text = f"{line.counterparty_name}\x1f{line.remittance}\x1f{line.structured_reference}"
    return "".join(text.split()).casefold()


def _stable_id(line) -> str:
    """The id a transfer keeps in every format: the end-to-end id, else the bank's reference."""
    if line.end_to_end_id:
        return "e2e\x1f" + "".join(line.end_to_end_id.split())
    if line.account_servicer_reference:
        return "ref\x1f" + "".join(line.account_servicer_reference.split())
    return ""


def transfer(account: str, line) -> tuple:
    """What a line and its copy in any format share, whatever the text: where, when, how much, with whom."""
    return (account, line.booking_date, line.amount_cents, line.currency, line.counterparty_iban)


def fingerprint(account: str, line) -> str:
    """The line's identity: the transfer and its stable id, or its compacted text when it has none."""
    account, day, cents, currency, counterparty = transfer(account, line)
    parts = [account, day.isoformat(), str(cents), currency, counterparty, _stable_id(line) or "text\x1f" + _compact_text(line)]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def line_keys(account: str, lines: Iterable) -> list[str]:
    """A key per line: its fingerprint and its occurrence among identical lines of the file."""
    seen: Counter[str] = Counter()
    keys = []
    for line in lines:
        key = fingerprint(account, line)
        seen[key] += 1
        keys.append(f"{key}:{seen[key]}")
    return keys


SAME, HELD, DISTINCT = "same", "held", "distinct"


def relation(line, line_format: str, booked, booked_format: str) -> str:
    """Whether `line` (of a new file) is the booked line of the same transfer, another one, or unknown.

    Two end-to-end ids, or two bank references of one format, that differ are two
    transfers; the same id, or the same text, is the same line. Otherwise nothing
    tells them apart: finance decides (HELD).
    """
    if line.end_to_end_id and booked.end_to_end_id:
        return SAME if _stable_id(line) == _stable_id(booked) else DISTINCT
    if line.account_servicer_reference and booked.account_servicer_reference:
        if "".join(line.account_servicer_reference.split()) == "".join(booked.account_servicer_reference.split()):
            return SAME
        if line_format == booked_format:
            return DISTINCT
    return SAME if _compact_text(line) == _compact_text(booked) else HELD


class _Booked(NamedTuple):
    """A bank line already in the ledger, as much of it as the comparison reads."""

    pk: int
    line_key: str
    booking_date: datetime.date
    amount_cents: int
    currency: str
    counterparty_iban: str
    counterparty_name: str
    remittance: str
    structured_reference: str
    end_to_end_id: str
    account_servicer_reference: str
    statement_format: str


def _booked_lines(account: str, lines: Sequence[Line]) -> list[_Booked]:
    if not lines:
        return []
    days = [line.booking_date for line in lines]
    # The parts of a split line repeat its account and day but are finance's, not the bank's.
    rows = Payment.objects.filter(
        account_iban=account, booking_date__gte=min(days), booking_date__lte=max(days), split_of__isnull=True
    ).values_list(*(field if field != "statement_format" else "statement__format" for field in _Booked._fields))
    return [_Booked(*row) for row in rows]


def _decided_same(account: str, lines: Sequence[Line]) -> dict[str, int]:
    days = [line.booking_date for line in lines]
    return dict(
        HeldLine.objects.filter(
            statement__account_iban=account,
            booking_date__gte=min(days),
            booking_date__lte=max(days),
            decision=HeldLine.Decision.SAME,
        ).values_list("line_key", "resembles_id")
    )


@dataclasses.dataclass
class Sorted:
    """A file's lines sorted against the ledger: new, already booked (their ids), held (with the line they resemble)."""

    new: list[tuple[Line, str]]
    known: list[int]
    held: list[tuple[Line, str, int]]


def sort_lines(account: str, parsed: ParsedFile) -> Sorted:
    lines = parsed.lines
    keys = line_keys(account, lines)
    booked = _booked_lines(account, lines)
    by_key = {row.line_key: row for row in booked}
    by_transfer: dict[tuple, list[_Booked]] = defaultdict(list)
    for row in booked:
        if row.statement_format:  # a payment entered by hand is on no statement to compare with
            by_transfer[transfer(account, row)].append(row)
    claimed: set[int] = set()
    result = Sorted([], [], [])
    pending = []
    for line, key in zip(lines, keys):
        row = by_key.get(key)
        if row is not None and row.pk not in claimed:
            claimed.add(row.pk)
            result.known.append(row.pk)
        else:
            pending.append((line, key))
    # A line finance already called "the same line" is that line again, not a question again.
    decided_same = _decided_same(account, lines) if pending else {}
    for line, key in pending:
        same = decided_same.get(key)
        if same is not None and same not in claimed:
            claimed.add(same)
            result.known.append(same)
            continue
        found: dict[str, _Booked] = {}
        for row in by_transfer.get(transfer(account, line), ()):
            if row.pk not in claimed:
                found.setdefault(relation(line, parsed.format, row, row.statement_format), row)
        if SAME in found:
            claimed.add(found[SAME].pk)
            result.known.append(found[SAME].pk)
        elif HELD in found:
            claimed.add(found[HELD].pk)
            result.held.append((line, key, found[HELD].pk))
        else:
            result.new.append((line, key))
    return result


# --------------------------------------------------------------------------- what may be imported


def _line_label(statement: Statement, number: int, line: Line) -> dict:
    return {
        "number": number,
        "id": statement.statement_id or statement.number or "?",
        "date": date_format(line.booking_date, "DATE_FORMAT"),
        "amount": format_amount(line.amount_cents, line.currency or statement.currency),
        "counterparty": line.counterparty_name or format_account(line.counterparty_iban) or "—",
    }


def _period(start: datetime.date, end: datetime.date) -> str:
    if start == end:
        return date_format(start, "DATE_FORMAT")
    return f"{date_format(start, 'DATE_FORMAT')} – {date_format(end, 'DATE_FORMAT')}"


def refuse_what_does_not_belong(parsed: ParsedFile) -> None:
    """Refuse a file of another account than the fund's, a line in another currency than its
    statement's, or a line booked outside its statement's period; before anything is stored.
    """
    account = parsed.statements[0].account
    accounts = fund_accounts()
    if account not in accounts:
        raise StatementRefused(
            _("This is a statement of account %(account)s, which is not an account of the fund (%(fund)s). "
              "Only the fund's own statements are imported; nothing was stored."),
            account=format_account(account),
            fund=", ".join(format_account(own) for own in sorted(accounts)) or "—",
        )
    for statement in parsed.statements:
        for number, line in enumerate(statement.lines, start=1):
            if line.currency != statement.currency:
                raise StatementRefused(
                    _("Line %(number)s of statement %(id)s (%(date)s, %(amount)s, %(counterparty)s) is in "
                      "%(currency)s, but the statement's balances are in %(own)s; nothing was imported."),
                    currency=line.currency or "?",
                    own=statement.currency,
                    **_line_label(statement, number, line),
                )
            if not statement.period_start <= line.booking_date <= statement.period_end:
                raise StatementRefused(
                    _("Line %(number)s of statement %(id)s (%(amount)s, %(counterparty)s) is booked on %(date)s, "
                      "outside the statement's period (%(period)s); nothing was imported."),
                    period=_period(statement.period_start, statement.period_end),
                    **_line_label(statement, number, line),
                )


def read_statement(data: bytes) -> ParsedFile:
    """Read a statement file and refuse it unless it belongs in the ledger (StatementRefused)."""
    parsed = parse(data)
    refuse_what_does_not_belong(parsed)
    return parsed


# --------------------------------------------------------------------------- importing


@dataclasses.dataclass
class ImportResult:
    statement: BankStatement
    added: list[Payment]
    matched: int
    # Where this file's statements do not follow the account's others (pledges.finance.continuity).
    continuity: list = dataclasses.field(default_factory=list)

    @property
    def known(self) -> int:
        return self.statement.skipped_count

    @property
    def held(self) -> int:
        return self.statement.held_count


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
    parsed = read_statement(data)
    for attempt in range(3):
        try:
            # The chain lock first: a payment by hand or a match to the same pledge waits its turn.
            with writing():
                statement, added = _store(parsed, digest, file_name, user)
                matched = auto_match(added, user)
                if matched:
                    statement.matched_count = matched
                    statement.save(update_fields=["matched_count"])
                # Inside the transaction: an import that cannot say how it fits in has not happened.
                continuity = findings_for_file(statement.pk, statement.account_iban)
            return ImportResult(statement, added, matched, continuity)
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
    found = sort_lines(account, parsed)
    statement = BankStatement.objects.create(
        uploaded_by=user,
        file_name=file_name[:255],
        format=parsed.format,
        sha256=digest,
        account_iban=account,
        currency=first.currency[:3],
        statement_id=first.statement_id,
        sequence=first.sequence if first is last else f"{first.sequence}–{last.sequence}"[:35],
        from_date=min(part.period_start for part in parsed.statements),
        to_date=max(part.period_end for part in parsed.statements),
        opening_balance_cents=first.opening_cents,
        closing_balance_cents=last.closing_cents,
        line_count=len(lines),
        added_count=len(found.new),
        skipped_count=len(found.known),
        held_count=len(found.held),
        known_lines=found.known,
    )
    AccountStatement.objects.bulk_create(
        AccountStatement(
            file=statement,
            account_iban=account,
            currency=part.currency[:3],
            statement_id=part.statement_id,
            number=part.number,
            period_start=part.period_start,
            period_end=part.period_end,
            opening_balance_cents=part.opening_cents,
            closing_balance_cents=part.closing_cents,
            line_count=len(part.lines),
        )
        for part in parsed.statements
    )
    HeldLine.objects.bulk_create(
        HeldLine(
            statement=statement,
            resembles_id=resembles,
            line_key=key,
            line=_as_data(line),
            booking_date=line.booking_date,
            amount_cents=line.amount_cents,
            currency=line.currency[:3],
        )
        for line, key, resembles in found.held
    )
    _insert_lines(statement, found.new)
    payments = list(Payment.objects.filter(statement=statement).order_by("pk"))
    return statement, payments


def _as_data(line: Line) -> dict:
    return {
        name: value.isoformat() if isinstance(value, datetime.date) else value
        for name, value in dataclasses.asdict(line).items()
    }


def _from_data(data: dict) -> Line:
    fields = dict(data)
    for name in ("booking_date", "value_date"):
        fields[name] = datetime.date.fromisoformat(fields[name]) if fields.get(name) else None
    return Line(**fields)


# --------------------------------------------------------------------------- held lines


class HeldLineRefused(MatchRefused):
    """A decision on a held line that may not be taken; `message` says why."""


def decide_held_line(held_pk: int, decision: str, user: User) -> HeldLine:
    """Finance's decision on a held line: add it as a new bank line (and match it), or it is the booked one."""
    with writing():
        held = HeldLine.objects.select_for_update().select_related("statement").filter(pk=held_pk).first()
        if held is None:
            raise HeldLineRefused(_("This held line does not exist."))
        if held.decision:
            raise HeldLineRefused(
                _("%(user)s already decided on this line: %(decision)s."),
                user=held.decided_by or "?",
                decision=held.get_decision_display(),
            )
        now = timezone.now()
        if decision == HeldLine.Decision.ADDED:
            if Payment.objects.filter(line_key=held.line_key).exists():
                raise HeldLineRefused(_("This line has been booked meanwhile from another file; nothing was added."))
            _insert_lines(held.statement, [(_from_data(held.line), held.line_key)], created=now)
            held.payment = Payment.objects.get(line_key=held.line_key)
            BankStatement.objects.filter(pk=held.statement_id).update(added_count=F("added_count") + 1)
        elif decision != HeldLine.Decision.SAME:
            raise HeldLineRefused(_("Choose whether this is a new line or the line already booked."))
        held.decision, held.decided_by, held.decided_at = decision, user, now
        held.save(update_fields=["decision", "decided_by", "decided_at", "payment"])
        if held.payment is not None:
            auto_match([held.payment], user)
    return held


# The columns an imported line fills; the others (the match, who entered it by hand) start empty.
_LINE_COLUMNS = (
    "statement", "line_key", "account_iban", "booking_date", "value_date", "amount_cents", "currency",
    "counterparty_iban", "counterparty_name", "remittance", "structured_reference", "end_to_end_id",
    "bank_reference", "account_servicer_reference", "transaction_code", "created_at", "match_method",
)


def _insert_lines(statement: BankStatement, new: list[tuple[Line, str]], created=None) -> None:
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
    created = ops.adapt_datetimefield_value(created or statement.uploaded_at)
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
