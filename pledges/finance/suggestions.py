from __future__ import annotations

import dataclasses
import difflib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence

from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from pledges.donations.models import Donation
from pledges.finance.matching import OPEN, fund_accounts, is_matchable, references_in
from pledges.finance.models import Payment
from pledges.reference.models import KnownIban, Municipality

# --------------------------------------------------------------------------- suggestions


@dataclasses.dataclass
class Suggestion:
    """A pledge a line may pay, with the reasons to think so and the doubts against it."""

    donation: Donation
    score: int = 0
    reasons: list[str] = dataclasses.field(default_factory=list)
    doubts: list[str] = dataclasses.field(default_factory=list)

    def add(self, score: int, reason: str | Promise) -> None:
        self.score += score
        reason = str(reason)
        if reason not in self.reasons:
            self.reasons.append(reason)


# How much each signal counts. They add up, so a pledge of the municipality that paid
# (its known account, its name) with the line's amount comes before a pledge elsewhere
# that shares only the amount: many pledges share round amounts, a payer is one.
SCORE_REFERENCE = 100
SCORE_REFERENCE_CLOSED = 60
SCORE_PLEDGE_NUMBER = 80
SCORE_KNOWN_ACCOUNT = 50
SCORE_SHARED_ACCOUNT = 15  # an account known for several municipalities (a shared service centre)
NAMED, RESEMBLES = "named", "resembles"
SCORE_NAMED = 40
SCORE_RESEMBLES = 20
SCORE_AMOUNT_OUTSTANDING = 30
SCORE_AMOUNT_PLEDGED = 20
# An amount that matches a pledge of another municipality than the one that evidently paid.
SCORE_AMOUNT_OTHER_PAYER = 5

# "T-000123", "T123" or "t-123" in a description: the pledge number people quote.
_PLEDGE_NUMBER_IN_TEXT = re.compile(r"(?<![A-Z0-9])T-?0*(\d{1,12})(?![0-9])", re.IGNORECASE)


def pledge_numbers_in(text: str) -> set[int]:
    """The pledge numbers quoted in a line's text, as primary keys."""
    return {int(number) for number in _PLEDGE_NUMBER_IN_TEXT.findall(text or "") if int(number)}


# Words that say nothing about which municipality paid.
_NAME_NOISE = {
    "gemeente", "gem", "college", "van", "burgemeester", "en", "wethouders", "bw", "b", "w",
    "inzake", "tnv", "afdeling", "financien", "crediteuren", "crediteurenadministratie",
}


def _name_tokens(name: str) -> tuple[str, ...]:
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    plain = plain.replace("'", "")
    return tuple(token for token in re.split(r"[^a-z0-9]+", plain) if token and token not in _NAME_NOISE)


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    size = len(needle)
    return size > 0 and any(haystack[i : i + size] == needle for i in range(len(haystack) - size + 1))


def similar_municipalities(name: str, municipalities: list[tuple[int, tuple[str, ...]]]) -> dict[int, str]:
    """Municipality ids whose name an account holder's name contains (NAMED) or resembles (RESEMBLES).

    Where a name is contained, only the longest such names count: "GEMEENTE BERGEN NH"
    names Bergen (NH.), not also a municipality called Bergen.
    """
    tokens = _name_tokens(name)
    if not tokens:
        return {}
    named: dict[int, int] = {}
    resembling: dict[int, str] = {}
    joined = " ".join(tokens)
    for municipality_id, own in municipalities:
        if _contains(tokens, own):
            named[municipality_id] = len(" ".join(own))
            continue
        own_joined = " ".join(own)
        matcher = difflib.SequenceMatcher(None, joined, own_joined)
        if matcher.real_quick_ratio() >= 0.85 and matcher.quick_ratio() >= 0.85 and matcher.ratio() >= 0.85:
            resembling[municipality_id] = RESEMBLES
    if named:
        longest = max(named.values())
        return {municipality_id: NAMED for municipality_id, size in named.items() if size == longest}
    return resembling


def suggestions(payments: Sequence[Payment], limit: int = 5) -> dict[int, list[Suggestion]]:
    """Up to `limit` likely pledges for each open matchable line, best first, in a fixed number of queries.

    Each signal adds to a pledge's score (see SCORE_*): its RF reference or pledge number
    in the text, the paying account known for its municipality, its municipality named
    by the account holder, the line's amount equal to what it still awaits or to what
    was pledged. When the account or the name shows which municipality paid, a pledge
    of another municipality that shares only the amount is said to be doubtful.
    """
    accounts = fund_accounts()
    lines = [p for p in payments if p.is_open and is_matchable(p, accounts)]
    if not lines:
        return {}
    related = ("appeal", "municipality")
    refs = {p.pk: references_in(p) for p in lines}
    all_refs = sorted({ref for found in refs.values() for ref in found})
    by_reference = {
        d.reference: d for d in Donation.objects.filter(reference__in=all_refs).select_related(*related)
    }
    numbers = {p.pk: pledge_numbers_in(f"{p.remittance} {p.structured_reference}") for p in lines}
    by_number = Donation.objects.filter(
        pk__in={n for found in numbers.values() for n in found}, status__in=OPEN
    ).select_related(*related).in_bulk()
    municipalities_of: dict[str, set[int]] = defaultdict(set)
    for iban, municipality_id in KnownIban.objects.filter(
        iban__in={p.counterparty_iban for p in lines if p.counterparty_iban}
    ).values_list("iban", "municipality_id"):
        municipalities_of[iban].add(municipality_id)
    municipalities = list(Municipality.objects.only("pk", "name"))
    names = {m.pk: m.name for m in municipalities}
    named = [(m.pk, _name_tokens(m.name)) for m in municipalities]
    similar = {p.pk: similar_municipalities(p.counterparty_name, named) for p in lines}
    municipality_ids = {m for ids in municipalities_of.values() for m in ids}
    municipality_ids |= {m for found in similar.values() for m in found}
    amounts = {p.amount_cents for p in lines}
    candidates = (
        Donation.objects.filter(status__in=OPEN)
        .annotate(open_cents=F("amount_cents") - F("received_cents"))
        .filter(
            Q(municipality_id__in=municipality_ids)
            | Q(open_cents__in=amounts)
            | Q(amount_cents__in=amounts)
        )
        .select_related(*related)
        .order_by("expected_date", "pk")[:1000]
    )
    by_municipality: dict[int, list[Donation]] = defaultdict(list)
    by_amount: dict[int, list[Donation]] = defaultdict(list)
    for donation in candidates:
        by_municipality[donation.municipality_id].append(donation)
        by_amount[donation.amount_cents - donation.received_cents].append(donation)
        if donation.received_cents:
            by_amount[donation.amount_cents].append(donation)

    result: dict[int, list[Suggestion]] = {}
    for line in lines:
        found: dict[int, Suggestion] = {}

        def suggest(donation: Donation, score: int, reason: str, found: dict[int, Suggestion] = found) -> None:
            found.setdefault(donation.pk, Suggestion(donation)).add(score, reason)

        for ref in refs[line.pk]:
            donation = by_reference.get(ref)
            if donation is None:
                continue
            if donation.status in OPEN:
                suggest(donation, SCORE_REFERENCE, _("its RF reference is in the description"))
            else:
                suggest(donation, SCORE_REFERENCE_CLOSED,
                        _("its RF reference is in the description, but the pledge is %(status)s")
                        % {"status": donation.get_status_display()})
        for number in sorted(numbers[line.pk]):
            if number in by_number:
                donation = by_number[number]
                suggest(donation, SCORE_PLEDGE_NUMBER,
                        _("its pledge number %(number)s is in the description") % {"number": donation.number})
        # Which municipality paid, as far as the account and the name tell.
        known_for = municipalities_of.get(line.counterparty_iban, set())
        payers = set(known_for) if len(known_for) == 1 else set()
        for municipality_id in sorted(known_for):
            for donation in by_municipality.get(municipality_id, ()):
                if len(known_for) == 1:
                    suggest(donation, SCORE_KNOWN_ACCOUNT,
                            _("paid from a known account of %(name)s") % {"name": donation.municipality})
                else:
                    others = len(known_for) - 1
                    suggest(donation, SCORE_SHARED_ACCOUNT,
                            ngettext("paid from an account known for %(name)s and %(count)s other municipality",
                                     "paid from an account known for %(name)s and %(count)s other municipalities",
                                     others)
                            % {"name": donation.municipality, "count": others})
        for municipality_id, how in similar[line.pk].items():
            if how == NAMED:
                payers.add(municipality_id)
            for donation in by_municipality.get(municipality_id, ()):
                if how == NAMED:
                    suggest(donation, SCORE_NAMED, _("the account holder's name contains %(name)s")
                            % {"name": donation.municipality})
                else:
                    suggest(donation, SCORE_RESEMBLES, _("the account holder's name resembles %(name)s")
                            % {"name": donation.municipality})
        for donation in by_amount.get(line.amount_cents, ()):
            other_payer = bool(payers) and donation.municipality_id not in payers
            if donation.amount_cents - donation.received_cents == line.amount_cents:
                score, reason = SCORE_AMOUNT_OUTSTANDING, _("the amount equals what is outstanding")
            else:
                score, reason = SCORE_AMOUNT_PLEDGED, _("the amount equals the amount pledged")
            suggest(donation, SCORE_AMOUNT_OTHER_PAYER if other_payer else score, reason)
        if payers:
            paying = sorted(names[m] for m in payers)
            without_pledge = [names[m] for m in sorted(payers) if not by_municipality.get(m)]
            for suggestion in found.values():
                if suggestion.donation.municipality_id in payers:
                    continue
                if without_pledge:
                    doubt = _("but the payer appears to be %(payer)s, which has no open pledge")
                else:
                    doubt = _("but the payer appears to be %(payer)s")
                suggestion.doubts.append(str(doubt % {"payer": " / ".join(without_pledge or paying)}))
        ranked = sorted(found.values(), key=lambda s: (-s.score, s.donation.expected_date, s.donation.pk))
        result[line.pk] = ranked[:limit]
    return result
