"""Matching bank lines to pledges: automatically after an import, on demand, and by finance's hand.

Automatic matching, in this order:
1. an RF creditor reference in the line (structured field or description) that is
   an open pledge's reference;
2. otherwise the paying IBAN is a known account of a municipality that has exactly
   one open pledge whose outstanding amount is exactly the line's amount.
Anything else stays for finance, with suggestions.

Only credit lines in euro on an account an appeal collects on may pay a pledge, and
a person puts no money on a pledge already received in full. Every change runs in
`history.writing()`: the chain lock first, then the bank line, then the pledge
(always that order, so two finance users, an import and a payment by hand never
deadlock); it moves the pledge's received amount by exactly the line's amount,
writes an Event and queues the municipality's thank-you e-mail in the same transaction.
"""

from __future__ import annotations

import datetime
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence

from django.db import connection
from django.db.models import Case, IntegerField, Value, When
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from stdnum import iso11649

from pledges.accounts.models import User
from pledges.core.money import format_euro
from pledges.donations.models import Donation
from pledges.finance.mails import send_match_corrected, send_payment_received
from pledges.finance.models import Payment
from pledges.history.models import Event
from pledges.history.services import entry, record, record_all, writing
from pledges.reference.models import Appeal, KnownIban, Municipality

OPEN = Donation.OPEN_STATUSES
_RF = re.compile(r"R\s?F\s?\d\s?\d")
_REFERENCE_CHARS = re.compile(r"[A-Z0-9 ]")
# What a search for a pledge may contain: its number, leniently ("t123", "T-000123").
PLEDGE_NUMBER = re.compile(r"^\s*T-?0*(\d{1,12})\s*$", re.IGNORECASE)
# What a match by hand accepts: the number in full, as the pledge shows it ("T-000052").
FULL_PLEDGE_NUMBER = re.compile(r"^T-(\d{6,12})$")
_DIGITS = re.compile(r"\d+")

# Ways a match by hand disagrees with the ledger (worded by pledges.history.rendering.disagreement_text).
OTHER_PAYER, AMOUNT, WITHDRAWN, PAID = "other_payer", "amount", "withdrawn", "paid"


class PledgeNumberIncomplete(ValueError):
    """A pledge number typed short ("52", "T-52"): refused, it too easily names another pledge."""

    def __init__(self, text: str, example: str):
        self.text, self.example = text, example
        super().__init__(text)


class NeedsConfirmation(Exception):
    """A match by hand disagrees with the ledger; it happens only once finance confirms each `disagreement`."""

    def __init__(self, disagreements: list[dict]):
        self.disagreements = disagreements
        super().__init__(", ".join(confirmation_keys(disagreements)))


class _Everything:
    """`confirmed=EVERYTHING`: a caller with no person to ask (a script, a test of plain matching) accepts
    every disagreement; the history still records each one as confirmed."""

    def __contains__(self, key: str) -> bool:
        return True


EVERYTHING = _Everything()


def confirmation_keys(disagreements: list[dict]) -> list[str]:
    """What a confirmation names: each disagreement as "<pledge number>:<code>"."""
    return sorted(f"{item['pledge']}:{item['code']}" for item in disagreements)


class MatchRefused(Exception):
    """A match, gift marking or unmatch that may not happen; `message` says why."""

    def __init__(self, message: str | Promise, **params):
        self.message, self.params = message, params
        super().__init__(str(self))

    def __str__(self) -> str:
        return str(self.message) % self.params if self.params else str(self.message)


# --------------------------------------------------------------------------- reading lines


def fund_accounts() -> frozenset[str]:
    """The accounts appeals collect on: only lines booked there can pay a pledge."""
    return frozenset(Appeal.objects.values_list("iban", flat=True))


def is_matchable(payment: Payment, accounts: frozenset[str]) -> bool:
    return payment.amount_cents > 0 and payment.currency == "EUR" and payment.account_iban in accounts


def references_in(payment: Payment) -> list[str]:
    """Valid ISO 11649 references in the structured field and the description, compact."""
    found: list[str] = []
    for text in (payment.structured_reference, payment.remittance):
        for candidate in references_in_text(text):
            if candidate not in found:
                found.append(candidate)
    return found


def references_in_text(text: str) -> Iterator[str]:
    """Every valid RF reference in `text`, however spaced or cased.

    "rf47 vng0 0000 012" and "OekraineRF47VNG00000012" both yield RF47VNG00000012.
    After "RF" and two check digits up to 21 characters follow, but where the
    reference ends and the next word begins is unknown once spaces are gone, and
    one prefix in 97 passes the check by chance: every prefix that passes is a
    candidate, longest first, and the database says which one is a pledge's.
    """
    upper = (text or "").upper()
    for match in _RF.finditer(upper):
        tail = []
        for char in upper[match.end() :]:
            if not _REFERENCE_CHARS.match(char):
                break
            tail.append(char)
        head = match.group(0).replace(" ", "")
        body = "".join(tail)
        # Spaces may separate groups of the reference, or the reference from the next word.
        compact = head + body.replace(" ", "")
        for length in range(min(len(compact), 25), 4, -1):
            if iso11649.is_valid(compact[:length]):
                yield compact[:length]


def _chunks(items: Sequence, size: int = 500) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _line_data(payment: Payment) -> dict:
    """The bank line as its history keeps it (pledges.history.rendering words it for the reader)."""
    return {
        "line": {
            "booked_on": payment.booking_date.isoformat(),
            "amount_cents": payment.amount_cents,
            "counterparty": payment.counterparty_name or payment.counterparty_iban_display,
        }
    }


# --------------------------------------------------------------------------- automatic matching


def auto_match(payments: Iterable[Payment], user: User) -> int:
    """Match what matches exactly among `payments`; return how many were matched."""
    accounts = fund_accounts()
    lines = sorted(
        (p for p in payments if p.is_open and is_matchable(p, accounts)),
        key=lambda p: (p.booking_date, p.pk),
    )
    if not lines:
        return 0
    refs = {p.pk: references_in(p) for p in lines}
    donations: dict[int, Donation] = {}
    by_reference: dict[str, Donation] = {}
    all_refs = sorted({ref for found in refs.values() for ref in found})
    for chunk in _chunks(all_refs):
        for donation in Donation.objects.filter(reference__in=chunk).select_related("appeal"):
            donation = donations.setdefault(donation.pk, donation)
            by_reference[donation.reference] = donation
    municipalities_of: dict[str, set[int]] = defaultdict(set)
    ibans = sorted({p.counterparty_iban for p in lines if p.counterparty_iban})
    for chunk in _chunks(ibans):
        for iban, municipality_id in KnownIban.objects.filter(iban__in=chunk).values_list(
            "iban", "municipality_id"
        ):
            municipalities_of[iban].add(municipality_id)
    open_of: dict[int, list[Donation]] = defaultdict(list)
    municipality_ids = sorted({m for ids in municipalities_of.values() for m in ids})
    for chunk in _chunks(municipality_ids):
        for donation in Donation.objects.filter(
            municipality_id__in=chunk, status__in=OPEN
        ).select_related("appeal"):
            donation = donations.setdefault(donation.pk, donation)
            open_of[donation.municipality_id].append(donation)

    # Plan in booking order, counting what earlier lines of this run already paid.
    received = {pk: donation.received_cents for pk, donation in donations.items()}
    plans: list[tuple[Payment, Donation, str]] = []
    for line in lines:
        target, method = None, ""
        for ref in refs[line.pk]:
            donation = by_reference.get(ref)
            if donation and donation.status in OPEN and received[donation.pk] < donation.amount_cents:
                target, method = donation, Payment.Method.REFERENCE
                break
        if target is None and line.counterparty_iban:
            exact = [
                donation
                for municipality_id in municipalities_of.get(line.counterparty_iban, ())
                for donation in open_of[municipality_id]
                if donation.appeal.iban == line.account_iban
                and donation.amount_cents - received[donation.pk] == line.amount_cents
            ]
            if len(exact) == 1:
                target, method = exact[0], Payment.Method.IBAN_AMOUNT
        if target is not None:
            plans.append((line, target, method))
            received[target.pk] += line.amount_cents
    return _apply(plans, user) if plans else 0


def rematch(user: User) -> int:
    """Try the automatic rules again on every open line (new pledges may have arrived).

    A line a person unmatched before is left to people.
    """
    undone = Event.objects.filter(
        payment__isnull=False, kind__in=[Event.Kind.PAYMENT_UNMATCHED, Event.Kind.GIFT_UNDONE]
    ).values("payment_id")
    lines = Payment.objects.unmatched().exclude(pk__in=undone)
    return auto_match(lines, user)


@writing()
def _apply(plans: list[tuple[Payment, Donation, str]], user: User) -> int:
    """Write planned automatic matches under lock; a line matched meanwhile is left alone."""
    locked: dict[int, Payment] = {}
    for chunk in _chunks(sorted(p.pk for p, _d, _m in plans)):
        locked.update(
            (p.pk, p) for p in Payment.objects.select_for_update().filter(pk__in=chunk).order_by("pk")
        )
    pledges: dict[int, Donation] = {}
    for chunk in _chunks(sorted({d.pk for _p, d, _m in plans})):
        pledges.update(
            (d.pk, d)
            for d in Donation.objects.select_for_update()
            .filter(pk__in=chunk)
            .select_related("appeal", "municipality", "created_by")
            .order_by("pk")
        )
    now = timezone.now()
    applied: list[tuple[Payment, Donation]] = []
    # The plan was made before the locks: check each rule again on the locked rows.
    received = {pk: donation.received_cents for pk, donation in pledges.items()}
    for planned, target, method in plans:
        line, donation = locked[planned.pk], pledges[target.pk]
        outstanding = donation.amount_cents - received[donation.pk]
        still_holds = outstanding > 0 and (method == Payment.Method.REFERENCE or outstanding == line.amount_cents)
        if not line.is_open or donation.status not in OPEN or not still_holds:
            continue
        received[donation.pk] += line.amount_cents
        line.donation, line.match_method, line.matched_by, line.matched_at = donation, method, user, now
        applied.append((line, donation))
    if not applied:
        return 0
    # Compare-and-set again, as in match(): a line is written only while it is open.
    written = _update_rows(
        Payment,
        ["donation", "match_method", "matched_by", "matched_at"],
        [(donation.pk, line.match_method, user.pk, now, line.pk) for line, donation in applied],
        only_if=f"{connection.ops.quote_name('match_method')} = ''",
    )
    if written != len(applied):
        raise RuntimeError("a locked bank line changed under the lock; nothing was matched")
    _settle(applied, user, now, Event.Kind.PAYMENT_MATCHED, automatic=True)
    return len(applied)


# --------------------------------------------------------------------------- finance's actions


def _lock_line(payment_pk: int) -> Payment:
    try:
        return Payment.objects.select_for_update().get(pk=payment_pk)
    except Payment.DoesNotExist:
        raise MatchRefused(_("This bank line does not exist.")) from None


def _refuse_unless_matchable(line: Payment) -> None:
    if line.amount_cents <= 0:
        raise MatchRefused(_("This is a debit line (money leaving the account); it cannot pay a pledge."))
    if line.currency != "EUR":
        raise MatchRefused(_("This line is not in euro; pledges are paid in euro."))
    if line.account_iban not in fund_accounts():
        raise MatchRefused(
            _("This line was booked on %(account)s, which is not an account an appeal collects on."),
            account=line.account_display,
        )


def _refuse_unless_open(line: Payment) -> None:
    if line.donation_id:
        raise MatchRefused(
            _("This bank line is already matched to pledge %(number)s (by %(user)s). Undo that match first."),
            number=line.donation.number,
            user=line.matched_by or "?",
        )
    if line.match_method == Payment.Method.GIFT:
        raise MatchRefused(_("This bank line is already marked as a gift without pledge. Undo that first."))
    if line.match_method == Payment.Method.SPLIT:
        raise MatchRefused(_("This bank line is already split over pledges. Undo the split first."))
    if line.match_method == Payment.Method.VOIDED:
        raise MatchRefused(_("This payment was voided; it pays no pledge."))


def _lock_pledge(donation_pk: int) -> Donation:
    try:
        return (
            Donation.objects.select_for_update()
            .select_related("appeal", "municipality", "created_by")
            .get(pk=donation_pk)
        )
    except Donation.DoesNotExist:
        raise MatchRefused(_("There is no pledge with this number.")) from None


def disagreements(line: Payment, donation: Donation, amount_cents: int | None = None) -> list[dict]:
    """How matching `amount_cents` of `line` (all of it by default) to `donation` disagrees with the ledger.

    The paying account is known for another municipality; the amount is not what is
    outstanding; the pledge is withdrawn or already received in full. As codes and values,
    for the confirmation step and the history.
    """
    amount_cents = line.amount_cents if amount_cents is None else amount_cents
    found: list[dict] = []
    number = donation.number
    if line.counterparty_iban:
        known = set(KnownIban.objects.filter(iban=line.counterparty_iban).values_list("municipality_id", flat=True))
        if known and donation.municipality_id not in known:
            payers = Municipality.objects.filter(pk__in=known).order_by("name").values_list("name", flat=True)
            found.append({"code": OTHER_PAYER, "pledge": number, "payer": " / ".join(payers),
                          "pledged_by": donation.municipality.name})
    if donation.status == Donation.Status.WITHDRAWN:
        found.append({"code": WITHDRAWN, "pledge": number})
    elif donation.received_cents >= donation.amount_cents:
        found.append({"code": PAID, "pledge": number, "received_cents": donation.received_cents,
                      "amount_cents": donation.amount_cents})
    elif amount_cents != donation.amount_cents - donation.received_cents:
        found.append({"code": AMOUNT, "pledge": number, "line_cents": amount_cents,
                      "outstanding_cents": donation.amount_cents - donation.received_cents})
    return found


def _confirm(found: list[dict], confirmed) -> None:
    """Go on only if finance confirmed every disagreement there is now (the ledger may have moved since)."""
    if found and not all(key in confirmed for key in confirmation_keys(found)):
        raise NeedsConfirmation(found)


def match(payment_pk: int, donation_pk: int, user: User, note: str = "", confirmed=()) -> Payment:
    """Finance matches a bank line to a pledge (a suggestion confirmed, or chosen by hand).

    Where the match disagrees with the ledger (see `disagreements`) it happens only if
    `confirmed` names each disagreement ("T-000052:other_payer"); otherwise NeedsConfirmation.
    """
    with writing():
        line = _lock_line(payment_pk)
        _refuse_unless_open(line)
        _refuse_unless_matchable(line)
        donation = _lock_pledge(donation_pk)
        found = disagreements(line, donation)
        _confirm(found, confirmed)
        now = timezone.now()
        # Compare-and-set: the row changes only if it is still open, whatever the isolation level.
        changed = Payment.objects.filter(pk=line.pk, match_method="").update(
            donation=donation, match_method=Payment.Method.MANUAL, matched_by=user, matched_at=now
        )
        if changed != 1:
            raise MatchRefused(_("Someone else matched this bank line a moment ago."))
        line.donation, line.match_method, line.matched_by, line.matched_at = (
            donation, Payment.Method.MANUAL, user, now,
        )
        _settle([(line, donation)], user, now, Event.Kind.PAYMENT_MATCHED, note=note,
                extra={line.pk: {"confirmed": found}} if found else None)
    return line


def split(payment_pk: int, parts: Sequence[tuple[int, int]], user: User, note: str = "", confirmed=()) -> Payment:
    """Finance splits a bank line over several pledges: `parts` are (pledge pk, cents), adding up to the line.

    Each part becomes a line of its own (`split_of` the bank's line) matched to its pledge,
    with the pledge's Event and thank-you as for a whole line; the bank's line records the split.
    """
    with writing():
        line = _lock_line(payment_pk)
        _refuse_unless_open(line)
        _refuse_unless_matchable(line)
        if len(parts) < 2:
            raise MatchRefused(_("A split needs at least two pledges; match the line to one pledge otherwise."))
        if len({pk for pk, _cents in parts}) != len(parts):
            raise MatchRefused(_("Each pledge may appear only once in a split."))
        if any(cents <= 0 for _pk, cents in parts):
            raise MatchRefused(_("Each part of a split must be more than € 0,00."))
        total = sum(cents for _pk, cents in parts)
        if total != line.amount_cents:
            difference = line.amount_cents - total
            message = (
                _("The parts add up to %(total)s, the line is %(amount)s: %(difference)s is not assigned. Nothing was saved.")
                if difference > 0 else
                _("The parts add up to %(total)s, the line is %(amount)s: %(difference)s too much. Nothing was saved.")
            )
            raise MatchRefused(message, total=format_euro(total), amount=format_euro(line.amount_cents),
                               difference=format_euro(abs(difference)))
        pledges = {pk: _lock_pledge(pk) for pk in sorted(pk for pk, _cents in parts)}
        found = [item for pk, cents in parts for item in disagreements(line, pledges[pk], cents)]
        _confirm(found, confirmed)
        now = _close(line, Payment.Method.SPLIT, user)
        pieces = []
        for pk, cents in parts:
            piece = Payment.objects.create(
                line_key=f"split:{line.pk}:{uuid.uuid4().hex}",
                split_of=line,
                account_iban=line.account_iban,
                booking_date=line.booking_date,
                value_date=line.value_date,
                amount_cents=cents,
                currency=line.currency,
                counterparty_iban=line.counterparty_iban,
                counterparty_name=line.counterparty_name,
                remittance=line.remittance,
                structured_reference=line.structured_reference,
                created_at=now,
                donation=pledges[pk],
                match_method=Payment.Method.MANUAL,
                matched_by=user,
                matched_at=now,
            )
            pieces.append((piece, pledges[pk]))
        record(Event.Kind.PAYMENT_SPLIT, line, actor=user, at=now, note=note, data=_line_data(line) | {
            "parts": [{"pledge": donation.number, "amount_cents": piece.amount_cents} for piece, donation in pieces],
            **({"confirmed": found} if found else {}),
        })
        extra = {piece.pk: {"confirmed": [i for i in found if i["pledge"] == d.number]} for piece, d in pieces}
        _settle(pieces, user, now, Event.Kind.PAYMENT_MATCHED, note=note,
                extra={pk: data for pk, data in extra.items() if data["confirmed"]})
    return line


def _close(line: Payment, method: str, user: User):
    """Mark an open, locked line as a gift or a split (no pledge of its own); return the time it was done."""
    now = timezone.now()
    # Compare-and-set, as in match(): only while the line is open.
    changed = Payment.objects.filter(pk=line.pk, match_method="").update(
        match_method=method, matched_by=user, matched_at=now
    )
    if changed != 1:
        raise MatchRefused(_("Someone else matched this bank line a moment ago."))
    line.match_method, line.matched_by, line.matched_at = method, user, now
    return now


def mark_gift(payment_pk: int, user: User, note: str = "") -> Payment:
    """Finance records a bank line as a gift that answers no pledge."""
    with writing():
        line = _lock_line(payment_pk)
        _refuse_unless_open(line)
        _refuse_unless_matchable(line)
        now = _close(line, Payment.Method.GIFT, user)
        record(Event.Kind.GIFT, line, actor=user, at=now, data=_line_data(line), note=note)
    return line


def _refuse_without_reason(reason: str) -> None:
    if not reason.strip():
        raise MatchRefused(_("Give the reason; the history keeps it."))


def _undo(line: Payment, user: User, now, reason: str) -> None:
    """Undo a locked line's match, split or gift marking; each pledge's received amount follows.

    A pledge the municipality was thanked for gets a correction mail (in `_settle`).
    """
    if line.match_method == Payment.Method.SPLIT:
        pieces = list(Payment.objects.select_for_update().filter(split_of=line, donation__isnull=False).order_by("pk"))
        pledges = {pk: _lock_pledge(pk) for pk in sorted({piece.donation_id for piece in pieces})}
        Payment.objects.filter(pk__in=[piece.pk for piece in pieces]).update(
            donation=None, match_method=Payment.Method.VOIDED, matched_by=user, matched_at=now
        )
        Payment.objects.filter(pk=line.pk).update(donation=None, match_method="", matched_by=None, matched_at=None)
        line.match_method, line.matched_by, line.matched_at = "", None, None
        _settle([(piece, pledges[piece.donation_id]) for piece in pieces], user, now,
                Event.Kind.PAYMENT_UNMATCHED, note=reason)
        record(Event.Kind.SPLIT_UNDONE, line, actor=user, at=now, data=_line_data(line), note=reason)
        return
    donation = _lock_pledge(line.donation_id) if line.donation_id else None
    was_gift = line.match_method == Payment.Method.GIFT
    Payment.objects.filter(pk=line.pk).update(donation=None, match_method="", matched_by=None, matched_at=None)
    line.donation, line.match_method, line.matched_by, line.matched_at = None, "", None, None
    if donation is not None:
        _settle([(line, donation)], user, now, Event.Kind.PAYMENT_UNMATCHED, note=reason)
    elif was_gift:
        record(Event.Kind.GIFT_UNDONE, line, actor=user, at=now, data=_line_data(line), note=reason)


def unmatch(payment_pk: int, user: User, note: str = "") -> Payment:
    """Undo a line's match, split or gift marking, for the reason in `note`; the pledges' received amounts follow."""
    _refuse_without_reason(note)
    with writing():
        line = _lock_line(payment_pk)
        if line.split_of_id:
            raise MatchRefused(_("This is a part of a split bank line; undo the split on the line itself."))
        if line.match_method == Payment.Method.VOIDED:
            raise MatchRefused(_("This payment was voided; there is nothing to undo."))
        if line.is_open:
            raise MatchRefused(_("This bank line is not matched; there is nothing to undo."))
        _undo(line, user, timezone.now(), note)
    return line


def void(payment_pk: int, user: User, reason: str) -> Payment:
    """Void a payment finance entered by hand by mistake: its matches are undone, it counts no more."""
    _refuse_without_reason(reason)
    with writing():
        line = _lock_line(payment_pk)
        if line.statement_id or line.split_of_id or line.entered_by_id is None:
            raise MatchRefused(_("Only a payment entered by hand can be voided. A line of a bank statement is "
                                 "the bank's record: undo its match, or record it as a gift."))
        if line.match_method == Payment.Method.VOIDED:
            raise MatchRefused(_("This payment was already voided."))
        now = timezone.now()
        if not line.is_open:
            _undo(line, user, now, reason)
        Payment.objects.filter(pk=line.pk, match_method="").update(
            match_method=Payment.Method.VOIDED, matched_by=user, matched_at=now
        )
        line.match_method, line.matched_by, line.matched_at = Payment.Method.VOIDED, user, now
        record(Event.Kind.PAYMENT_VOIDED, line, actor=user, at=now, data=_line_data(line), note=reason)
    return line


def decide_overpayment(donation_pk: int, decision: str, excess_cents: int, user: User, note: str = "") -> Donation:
    """Finance decides what becomes of money received beyond a pledge: refund it or keep it (a history entry).

    `excess_cents` is the overpayment finance saw; if it changed meanwhile nothing is recorded.
    """
    if decision not in ("refund", "keep"):
        raise MatchRefused(_("Choose to refund or to keep the overpayment."))
    with writing():
        donation = _lock_pledge(donation_pk)
        if donation.overpaid_cents != excess_cents or not excess_cents:
            raise MatchRefused(_("The overpayment of pledge %(number)s changed meanwhile (now %(excess)s); "
                                 "nothing was saved. Look again and decide."),
                               number=donation.number, excess=format_euro(donation.overpaid_cents))
        record(Event.Kind.OVERPAYMENT_DECIDED, donation, actor=user, note=note,
               data={"overpayment": {"decision": decision, "cents": excess_cents}})
    return donation


def enter_payment(
    *,
    appeal: Appeal,
    booking_date: datetime.date,
    amount_cents: int,
    counterparty_name: str,
    counterparty_iban: str,
    remittance: str,
    donation: Donation | None,
    user: User,
    note: str = "",
    confirmed=(),
) -> Payment:
    """Record a payment that is on no imported statement, and match it to `donation` if given.

    The payment is booked on the appeal's account as a line of its own; a match goes
    through `match()`, so the pledge's received amount, status, Event and thank-you
    follow as for a bank line. All or nothing: a refused match stores no payment.
    """
    with writing():
        now = timezone.now()
        line = Payment.objects.create(
            # Unique like a bank line's key, but never equal to one (those are hashes).
            line_key=f"manual:{uuid.uuid4().hex}",
            account_iban=appeal.iban,
            booking_date=booking_date,
            value_date=booking_date,
            amount_cents=amount_cents,
            currency="EUR",
            counterparty_iban=counterparty_iban,
            counterparty_name=counterparty_name,
            remittance=remittance,
            entered_by=user,
            created_at=now,
        )
        record(Event.Kind.PAYMENT_ENTERED, line, actor=user, at=now, data=_line_data(line), note=note)
        if donation is not None:
            line = match(line.pk, donation.pk, user, note=note, confirmed=confirmed)
    return line


def _update_rows(model, fields: list[str], rows: list[tuple], only_if: str = "") -> int:
    """UPDATE many rows by primary key in one executemany; return how many rows changed.

    A matched statement touches a thousand lines and pledges: bulk_update builds a
    CASE per row, one UPDATE per row costs a round trip each; this costs neither.
    Each row is the new values of `fields`, then the primary key.
    """
    if not rows:
        return 0
    ops = connection.ops
    columns = [model._meta.get_field(name) for name in fields]
    assignments = ", ".join(f"{ops.quote_name(field.column)} = %s" for field in columns)
    sql = f"UPDATE {ops.quote_name(model._meta.db_table)} SET {assignments} WHERE {ops.quote_name(model._meta.pk.column)} = %s"
    if only_if:
        sql += f" AND {only_if}"
    adapted = [
        tuple(
            ops.adapt_datetimefield_value(value) if isinstance(value, datetime.datetime) else value
            for value in row
        )
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, adapted)
        return cursor.rowcount


def _settle(
    changes: list[tuple[Payment, Donation]],
    user: User,
    now,
    kind: str,
    *,
    automatic: bool = False,
    note: str = "",
    extra: dict[int, dict] | None = None,
) -> None:
    """Add (or take back) each line's amount on its pledge; record an Event per line; queue the thanks.

    Taking back a match the municipality was thanked for queues a correction to the same people.
    `extra` adds to the Event's data per line pk (the disagreements finance confirmed).

    Called with the lines and pledges locked and the lines already written, so
    the pledges' received amounts read here are current. The amount moves by
    exactly the line's amount, so money recorded otherwise (a legacy import)
    stays as it was.
    """
    pledges = {donation.pk: donation for _line, donation in changes}
    sign = 1 if kind == Event.Kind.PAYMENT_MATCHED else -1
    thanked: set[tuple[int, int]] = set()
    if sign < 0:
        # Every match written here queued a thank-you: its Event says one went out.
        thanked = set(
            Event.objects.filter(
                kind=Event.Kind.PAYMENT_MATCHED, payment__in=[line.pk for line, _d in changes]
            ).values_list("payment_id", "donation_id")
        )
    events = []
    for line, donation in changes:
        before_cents, before_status = donation.received_cents, donation.status
        donation.received_cents += sign * line.amount_cents
        donation.status = donation.status_from_received()
        donation.updated_at = now
        data = _line_data(line) | ({"method": line.match_method} if line.match_method else {})
        data |= (extra or {}).get(line.pk, {})
        corrected = (line.pk, donation.pk) in thanked
        if corrected:
            data["corrected"] = True
        events.append(
            entry(
                kind,
                donation,
                payment=line,
                actor=user,
                at=now,
                from_status=before_status,
                to_status=donation.status,
                changes={"received_cents": [before_cents, donation.received_cents]},
                data=data | ({"automatic": True} if automatic else {}),
                note=note,
            )
        )
        if kind == Event.Kind.PAYMENT_MATCHED:
            send_payment_received.enqueue(line.pk, donation.pk, donation.received_cents)
        elif corrected:
            send_match_corrected.enqueue(line.pk, donation.pk, donation.received_cents)
    _update_rows(
        Donation,
        ["received_cents", "status", "updated_at"],
        [(d.received_cents, d.status, now, d.pk) for d in pledges.values()],
    )
    record_all(events)


def find_pledge(text: str) -> Donation | None:
    """The pledge a person names by its full number ("T-000052") or its RF reference.

    A short number ("52", "T-52", "2") is refused (PledgeNumberIncomplete): a typo in it
    names another municipality's pledge as easily as the right one.
    """
    compact = re.sub(r"\s+", "", text or "").upper()
    full = FULL_PLEDGE_NUMBER.match(compact)
    if full and Donation.number_for(int(full.group(1))) == compact:
        return Donation.objects.filter(pk=int(full.group(1))).first()
    if compact.startswith("RF"):
        return Donation.objects.filter(reference=compact).first()
    digits = _DIGITS.search(compact) if compact.isascii() else None
    if digits and int(digits.group(0)) and re.fullmatch(r"(T-?)?\d+", compact):
        raise PledgeNumberIncomplete(text.strip(), Donation.number_for(int(digits.group(0))))
    return None


def outstanding_pledges(today: datetime.date | None = None):
    """Open pledges with money still to come: overdue ones first, then by expected transfer date."""
    today = today or timezone.localdate()
    return (
        Donation.objects.filter(status__in=OPEN)
        .annotate(
            overdue_first=Case(
                When(expected_date__lt=today, then=Value(0)), default=Value(1), output_field=IntegerField()
            )
        )
        .order_by("overdue_first", "expected_date", "id")
    )

