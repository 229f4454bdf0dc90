"""The start page: what needs this person today, per role, each block linking to its full list.

Coordinators see offers awaiting a decision, pickups due, shipments due to leave or late,
deliveries without confirmation and the shortfalls recipients reported; finance the bank lines
to match, the suggestions waiting, the overdue pledges and the statements that do not follow
each other; municipal staff their
pledges awaiting payment and the offers with news (a status change someone else made since
their previous login). Each block shows a count, the most urgent rows and a link to the list
it comes from, filtered with that list's own parameters.
"""

from __future__ import annotations

import dataclasses
import datetime

from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from pledges.accounts.access import EVERYONE, allow
from pledges.accounts.models import Role, User
from pledges.accounts.sessions import previous_login
from pledges.core.money import format_euro
from pledges.dashboards.views import filtered_url
from pledges.donations.access import visible_donations
from pledges.donations.models import Donation
from pledges.equipment.access import visible_offers
from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.finance import continuity
from pledges.finance.models import HeldLine, Payment
from pledges.finance.suggestions import suggestions
from pledges.history.models import Event
from pledges.logistics.models import SHORTFALL_OUTCOMES, ReceiptConfirmation, Shipment

# The rows a block shows; the rest is one click away in the list it links to.
URGENT_ROWS = 5
# Without a previous login (the first one), news is what changed in these last days.
NEWS_DAYS = 14
# Enough events to find URGENT_ROWS offers with news even when one offer moved several times.
NEWS_EVENTS = 100


@dataclasses.dataclass(frozen=True)
class Row:
    """One thing waiting: its number (linked to its page), what it is, and why it waits now."""

    number: str
    url: str
    text: str
    when: str = ""
    late: bool = False


@dataclasses.dataclass(frozen=True)
class Link:
    text: str
    url: str


@dataclasses.dataclass(frozen=True)
class Block:
    """A kind of work waiting: how many, the most urgent few, and where the full list is."""

    key: str
    title: str
    count: int
    rows: list[Row]
    links: list[Link]
    empty: str
    note: str = ""


def _day(day: datetime.date | None) -> str:
    return date_format(day, "DATE_FORMAT") if day else "—"


def _offer_row(offer: EquipmentOffer, when: str, late: bool = False) -> Row:
    text = f"{offer.category_and_description} · {offer.municipality.name}"
    return Row(offer.number, offer.get_absolute_url(), text, when, late)


def _shipment_row(shipment: Shipment, when: str, late: bool) -> Row:
    text = _("%(carrier)s to %(city)s") % {"carrier": shipment.carrier, "city": shipment.destination}
    return Row(shipment.number, shipment.get_absolute_url(), text, when, late)


# --------------------------------------------------------------------------- coordinators


def _offers_awaiting_decision() -> Block:
    offers = EquipmentOffer.objects.filter(status=OfferStatus.OFFERED).select_related("municipality")
    oldest = offers.order_by("created_at", "pk")[:URGENT_ROWS]
    return Block(
        "offers-offered",
        _("Offers awaiting a decision"),
        offers.count(),
        [_offer_row(offer, _("offered on %(day)s") % {"day": _day(timezone.localdate(offer.created_at))})
         for offer in oldest],
        [Link(_("All offers awaiting a decision"), filtered_url("pledges:offer_list", status=OfferStatus.OFFERED))],
        _("No offer is waiting for a decision."),
    )


def _pickups_due(today: datetime.date) -> Block:
    due = EquipmentOffer.objects.filter(
        status=OfferStatus.PICKUP_PLANNED, pickup_date__lte=today
    ).select_related("municipality")
    return Block(
        "pickups-due",
        _("Pickups due"),
        due.count(),
        [_offer_row(offer, _("pickup planned on %(day)s") % {"day": _day(offer.pickup_date)},
                    late=offer.pickup_date < today)
         for offer in due.order_by("pickup_date", "pk")[:URGENT_ROWS]],
        [Link(_("All planned pickups"), filtered_url("pledges:offer_list", status=OfferStatus.PICKUP_PLANNED))],
        _("No pickup is due today. Pickups planned for today or earlier that are not yet collected appear here."),
    )


def _shipments_due(today: datetime.date) -> Block:
    departing = Q(status=Shipment.Status.PLANNED, planned_departure__lte=today)
    late = Q(status=Shipment.Status.IN_TRANSIT, planned_arrival__lt=today)
    due = Shipment.objects.filter(departing | late).select_related("destination")
    rows = []
    for shipment in due.order_by("planned_departure", "pk")[:URGENT_ROWS]:
        if shipment.status == Shipment.Status.PLANNED:
            when = _("to depart on %(day)s") % {"day": _day(shipment.planned_departure)}
            rows.append(_shipment_row(shipment, when, shipment.planned_departure < today))
        else:
            when = _("expected on %(day)s, not yet delivered") % {"day": _day(shipment.planned_arrival)}
            rows.append(_shipment_row(shipment, when, True))
    return Block(
        "shipments-due",
        _("Shipments due to depart or overdue"),
        due.count(),
        rows,
        [
            Link(_("All planned shipments"), filtered_url("pledges:shipment_list", status=Shipment.Status.PLANNED)),
            Link(_("All shipments in transit"), filtered_url("pledges:shipment_list", status=Shipment.Status.IN_TRANSIT)),
        ],
        _("No shipment is due to depart today and none is late."),
    )


def _deliveries_unconfirmed() -> Block:
    waiting = Shipment.objects.filter(
        status=Shipment.Status.DELIVERED,
        pk__in=EquipmentOffer.objects.filter(status=OfferStatus.DELIVERED).values("shipment"),
    ).select_related("destination")
    rows = [_shipment_row(shipment, _("delivered on %(day)s") % {"day": _day(shipment.arrived_on)}, False)
            for shipment in waiting.order_by("arrived_on", "pk")[:URGENT_ROWS]]
    return Block(
        "deliveries-unconfirmed",
        _("Delivered, receipt not confirmed"),
        waiting.count(),
        rows,
        [Link(_("All offers delivered without confirmation"),
              filtered_url("pledges:offer_list", status=OfferStatus.DELIVERED))],
        _("Every delivered shipment has been confirmed by its recipient."),
        note=_("The recipient confirms through the link on the shipment's page; send it again if it is lost.")
        if rows else "",
    )


def _shortfalls_reported() -> Block:
    """What recipients reported missing or damaged lately: the coordinator follows each up with the donor.

    A shortfall has no "handled" state, so it shows for NEWS_DAYS after the report, like news.
    """
    since = timezone.now() - datetime.timedelta(days=NEWS_DAYS)
    reported = ReceiptConfirmation.objects.filter(
        outcome__in=SHORTFALL_OUTCOMES, confirmed_at__gte=since, offer__shipment__isnull=False
    ).select_related("offer__municipality", "offer__shipment")
    rows = [
        Row(receipt.offer.shipment.number, receipt.offer.shipment.get_absolute_url(),
            f"{receipt.offer.number} · {receipt.offer.municipality.name}: {receipt.report()}",
            _("reported on %(day)s") % {"day": _day(timezone.localdate(receipt.confirmed_at))})
        for receipt in reported.order_by("-confirmed_at", "-pk")[:URGENT_ROWS]
    ]
    return Block(
        "shortfalls",
        _("Shortfalls reported by recipients"),
        reported.count(),
        rows,
        [Link(_("All delivered shipments"), filtered_url("pledges:shipment_list", status=Shipment.Status.DELIVERED))],
        _("No recipient reported a shortfall in the last %(days)s days.") % {"days": NEWS_DAYS},
    )


# --------------------------------------------------------------------------- finance


def _bank_lines() -> Block:
    lines = Payment.objects.unmatched()
    held = HeldLine.objects.filter(decision="").count()
    links = [Link(_("All lines to match"), filtered_url("pledges:finance_lines", state="open"))]
    if held:
        links.append(Link(
            ngettext("%(count)s line held at import waits for a decision",
                     "%(count)s lines held at import wait for a decision", held) % {"count": held},
            reverse("pledges:finance_statements"),
        ))
    return Block(
        "bank-lines",
        _("Bank lines to match"),
        lines.count(),
        [Row(_day(line.booking_date), reverse("pledges:finance_line", args=[line.pk]),
             f"{line.amount_display} · {line.counterparty_name or line.counterparty_iban_display}")
         for line in lines.order_by("booking_date", "pk")[:URGENT_ROWS]],
        links,
        _("Every bank line is matched."),
    )


def _suggestions_waiting() -> Block:
    lines = list(Payment.objects.unmatched().order_by("booking_date", "pk"))
    suggested = suggestions(lines, limit=1)
    waiting = [line for line in lines if suggested.get(line.pk)]
    rows = []
    for line in waiting[:URGENT_ROWS]:
        best = suggested[line.pk][0].donation
        rows.append(Row(
            _day(line.booking_date),
            reverse("pledges:finance_line", args=[line.pk]),
            _("%(amount)s from %(payer)s: probably %(number)s of %(municipality)s")
            % {"amount": line.amount_display, "payer": line.counterparty_name or line.counterparty_iban_display,
               "number": best.number, "municipality": best.municipality.name},
        ))
    return Block(
        "suggestions",
        _("Suggestions waiting"),
        len(waiting),
        rows,
        [Link(_("All lines to match, with their suggestions"), filtered_url("pledges:finance_lines", state="open"))],
        _("No suggestion is waiting for a decision."),
    )


def _overdue_pledges(today: datetime.date) -> Block:
    overdue = Donation.objects.overdue(today).select_related("municipality")
    return Block(
        "overdue",
        _("Overdue pledges"),
        overdue.count(),
        [Row(donation.number, donation.get_absolute_url(),
             _("%(outstanding)s of %(municipality)s still to come")
             % {"outstanding": format_euro(donation.outstanding), "municipality": donation.municipality.name},
             _("expected by %(day)s") % {"day": _day(donation.expected_date)}, True)
         for donation in overdue.order_by("expected_date", "pk")[:URGENT_ROWS]],
        [Link(_("All overdue pledges"), filtered_url("pledges:finance_outstanding", overdue="on"))],
        _("No pledge is overdue."),
    )


def _statements() -> Block:
    findings = continuity.findings()
    return Block(
        "statements",
        _("Statements missing or overlapping"),
        len(findings),
        [Row(finding.account_display, reverse("pledges:finance_statements"), finding.message)
         for finding in findings[:URGENT_ROWS]],
        [Link(_("All bank statements"), reverse("pledges:finance_statements"))],
        _("Every account's statements follow each other: none is missing."),
    )


# --------------------------------------------------------------------------- municipal staff


def _pledges_awaiting_payment(user: User, today: datetime.date) -> Block:
    waiting = visible_donations(user).filter(status__in=Donation.OPEN_STATUSES)
    rows = []
    for donation in waiting.order_by("expected_date", "pk")[:URGENT_ROWS]:
        rows.append(Row(
            donation.number, donation.get_absolute_url(),
            _("%(outstanding)s of %(amount)s still to transfer")
            % {"outstanding": format_euro(donation.outstanding), "amount": format_euro(donation.amount)},
            _("expected by %(day)s") % {"day": _day(donation.expected_date)},
            donation.expected_date < today,
        ))
    links = [
        Link(_("Pledged, nothing received yet"), filtered_url("pledges:donation_list", status=Donation.Status.PLEDGED)),
        Link(_("Partly received"), filtered_url("pledges:donation_list", status=Donation.Status.PARTLY_RECEIVED)),
    ]
    if waiting.filter(expected_date__lt=today).exists():
        links.append(Link(_("Overdue"), filtered_url("pledges:donation_list", overdue="on")))
    return Block(
        "pledges-open",
        _("Pledges awaiting payment"),
        waiting.count(),
        rows,
        links,
        _("No pledge is waiting for a transfer."),
        note=_("Each pledge's page shows the payment instructions, with the reference to quote.") if rows else "",
    )


def _offers_with_news(user: User, since: datetime.datetime, since_text: str) -> Block:
    """The offers whose status someone else changed since `since`, each with its latest change."""
    changes = (
        Event.objects.filter(kind=Event.Kind.STATUS, at__gt=since, offer__in=visible_offers(user))
        .exclude(actor=user)
        .select_related("offer__municipality", "offer__destination")
        .order_by("-at", "-pk")
    )
    latest: dict[int, Event] = {}
    for event in changes[:NEWS_EVENTS]:
        latest.setdefault(event.offer_id, event)
    rows = [
        Row(event.offer.number, event.offer.get_absolute_url(), event.offer.category_and_description,
            _("%(old)s → %(new)s on %(day)s")
            % {"old": event.from_status_display, "new": event.to_status_display,
               "day": _day(timezone.localdate(event.at))})
        for event in list(latest.values())[:URGENT_ROWS]
    ]
    return Block(
        "offers-news",
        _("Offers with news"),
        changes.values("offer").distinct().count(),
        rows,
        [Link(_("All our offers"), reverse("pledges:offer_list"))],
        _("No news about your offers %(since)s.") % {"since": since_text},
        note=_("News is a change of status that someone else made %(since)s: the fund, the recipient or a colleague.")
        % {"since": since_text},
    )


def _news_since(request: HttpRequest) -> tuple[datetime.datetime, str]:
    previous = previous_login(request)
    if previous:
        local = timezone.localtime(previous)
        return previous, _("since your last login on %(day)s at %(time)s") % {
            "day": _day(local.date()), "time": date_format(local, "TIME_FORMAT")}
    return timezone.now() - datetime.timedelta(days=NEWS_DAYS), _("in the last %(days)s days") % {"days": NEWS_DAYS}


# --------------------------------------------------------------------------- the page

LEADS = {
    Role.MUNICIPAL_STAFF: gettext_lazy("Your municipality's pledges waiting for a transfer, and what happened to your offers."),
    Role.COORDINATOR: gettext_lazy("Offers to decide on, pickups and shipments due, and deliveries to confirm."),
    Role.FINANCE: gettext_lazy("Bank lines to match, suggestions to confirm, overdue pledges and missing statements."),
    Role.ADMINISTRATOR: gettext_lazy("The equipment and shipments waiting for the fund today."),
}


def blocks_for(request: HttpRequest) -> list[Block]:
    """What waits for this person, in the order they would work through it."""
    user, today = request.user, timezone.localdate()
    if user.role == Role.MUNICIPAL_STAFF:
        return [_pledges_awaiting_payment(user, today), _offers_with_news(user, *_news_since(request))]
    if user.role == Role.FINANCE:
        return [_bank_lines(), _suggestions_waiting(), _overdue_pledges(today), _statements()]
    return [_offers_awaiting_decision(), _pickups_due(today), _shipments_due(today), _deliveries_unconfirmed(),
            _shortfalls_reported()]


@allow(*EVERYONE)
def start(request: HttpRequest) -> HttpResponse:
    """Where login lands: per role, what needs doing today."""
    return render(
        request,
        "dashboards/start.html",
        {"blocks": blocks_for(request), "lead": LEADS.get(request.user.role, "")},
    )
