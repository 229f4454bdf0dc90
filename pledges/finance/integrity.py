from __future__ import annotations

from collections.abc import Iterator

from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce

from pledges.core.money import format_euro
from pledges.donations.models import Donation, Instalment
from pledges.finance.models import Payment


def split_findings() -> Iterator[str]:
    """Split lines whose parts do not add up to them, and parts paying a pledge of a line that is not split."""
    parts = Sum("parts__amount_cents", filter=Q(parts__donation__isnull=False), default=0)
    lines = Payment.objects.annotate(paid=parts).filter(
        Q(match_method=Payment.Method.SPLIT) & ~Q(paid=F("amount_cents"))
        | ~Q(match_method=Payment.Method.SPLIT) & ~Q(paid=0)
    )
    for line in lines.order_by("pk").iterator(chunk_size=2000):
        yield (
            f"Bank line id {line.pk} ({line.match_method or 'open'}) of "
            f"{format_euro(line.amount_cents, 'en')}: its parts pay pledges {format_euro(line.paid, 'en')}"
        )


def donation_findings() -> Iterator[str]:
    """Pledges whose received amount or status disagrees with their matched bank lines."""
    pledges = (
        Donation.objects.annotate(matched=Coalesce(Sum("payments__amount_cents"), 0))
        .only("pk", "status", "received_cents", "amount_cents", "written_off_cents")
        .order_by("pk")
    )
    for donation in pledges.iterator(chunk_size=2000):
        if donation.received_cents != donation.matched:
            yield (
                f"Donation {donation.number} (id {donation.pk}): received "
                f"{format_euro(donation.received_cents, 'en')} but its matched bank lines add up to "
                f"{format_euro(donation.matched, 'en')}"
            )
        elif donation.status != donation.status_from_received():
            yield (
                f"Donation {donation.number} (id {donation.pk}): status {donation.status!r} does not follow "
                f"from {format_euro(donation.received_cents, 'en')} received"
            )



def schedule_findings() -> Iterator[str]:
    """Pledges whose instalments do not make their amount, or whose write-off does not fit what was lacking."""
    instalments = Instalment.objects.filter(donation=OuterRef("pk")).order_by().values("donation")
    scheduled = (
        Donation.objects.filter(schedule=Donation.Schedule.INSTALMENTS)
        .annotate(
            planned=Coalesce(Subquery(instalments.annotate(total=Sum("amount_cents")).values("total")), 0),
            rows=Coalesce(Subquery(instalments.annotate(count=Count("*")).values("count")), 0),
        )
        .exclude(planned=F("amount_cents"), rows__gte=2)
        .only("pk", "amount_cents")
        .order_by("pk")
    )
    for donation in scheduled:
        yield (
            f"Donation {donation.number} (id {donation.pk}): its {donation.rows} instalments add up to "
            f"{format_euro(donation.planned, 'en')}, not to its amount {format_euro(donation.amount_cents, 'en')}"
        )
    # Written off: what the pledge lacked at the write-off, so received + written off is never more than
    # the amount, unless money came afterwards (still booked, and the pledge stays closed).
    odd = Donation.objects.filter(
        Q(status=Donation.Status.WRITTEN_OFF, written_off_cents__lte=0)
        | Q(~Q(status=Donation.Status.WRITTEN_OFF), written_off_cents__gt=0)
    ).only("pk", "status", "written_off_cents").order_by("pk")
    for donation in odd:
        yield (
            f"Donation {donation.number} (id {donation.pk}): status {donation.status!r} with "
            f"{format_euro(donation.written_off_cents, 'en')} written off"
        )


def transfer_findings() -> Iterator[str]:
    """Pledges credited twice with one transfer: two matched lines of different files that share
    account, booking date, amount, currency, counterparty account and end-to-end id (or bank reference).

    Lines of one file are two bookings of the bank, and stay allowed.
    """
    lines = (
        Payment.objects.filter(donation__isnull=False, statement__isnull=False)
        .exclude(end_to_end_id="", account_servicer_reference="")
        .order_by("pk")
        .values_list(
            "pk", "donation_id", "statement_id", "account_iban", "booking_date", "amount_cents", "currency",
            "counterparty_iban", "end_to_end_id", "account_servicer_reference",
        )
    )
    seen: dict[tuple, tuple[int, int]] = {}
    for pk, donation, statement, *where, end_to_end, reference in lines.iterator(chunk_size=2000):
        key = (donation, *where, ("e2e", end_to_end) if end_to_end else ("ref", reference))
        first = seen.setdefault(key, (pk, statement))
        if first[0] != pk and first[1] != statement:
            yield (
                f"Donation {Donation.number_for(donation)} (id {donation}): credited twice with one transfer, "
                f"bank lines {first[0]} and {pk} ({format_euro(where[2], 'en')} on {where[1]:%Y-%m-%d}, "
                f"{'end-to-end id' if end_to_end else 'bank reference'} {end_to_end or reference})"
            )
