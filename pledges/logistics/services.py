"""Shipments (transporten): loading offers, moving a shipment, and what is on its packing list.

A shipment moves its offers with it: `move_shipment()` locks the shipment,
checks `SHIPMENT_MOVES`, and moves every offer on board through
`workflow.transition_many()`, so each offer keeps its own history and the
whole move happens for all offers or for none.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.accounts.models import Role
from pledges.core.money import cents_to_euro
from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.equipment.workflow import Actor, TransitionRefused, transition, transition_many
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.logistics.models import SHORTFALL_OUTCOMES, Shipment
from pledges.logistics.readiness import missing_for_departure, refusal_text
from pledges.passports.services import ensure_units

ShipmentStatus = Shipment.Status

# Offers in these statuses may be loaded onto a planned shipment.
LOADABLE_STATUSES = (OfferStatus.ACCEPTED, OfferStatus.PICKUP_PLANNED, OfferStatus.COLLECTED)


@dataclass(frozen=True)
class ShipmentMove:
    roles: frozenset[str]
    # Every offer on board must be in `offers_from`; it moves to `offers_to`.
    offers_from: str
    offers_to: str
    # The shipment's date field the move fills in.
    date_field: str


SHIPMENT_MOVES: dict[tuple[str, str], ShipmentMove] = {
    (ShipmentStatus.PLANNED, ShipmentStatus.IN_TRANSIT): ShipmentMove(
        frozenset({Role.COORDINATOR}), OfferStatus.COLLECTED, OfferStatus.IN_TRANSIT, "departed_on"
    ),
    (ShipmentStatus.IN_TRANSIT, ShipmentStatus.DELIVERED): ShipmentMove(
        frozenset({Role.COORDINATOR}), OfferStatus.IN_TRANSIT, OfferStatus.DELIVERED, "arrived_on"
    ),
}


def with_load(shipments):
    """Shipments with what is on board: `offer_count`, `units`, `value_cents`, `confirmed` (receipts)
    and `shortfalls` (receipts of anything but "received in full")."""
    return shipments.annotate(
        offer_count=Count("offers"),
        units=Sum("offers__quantity", default=0),
        value_cents=Sum(F("offers__quantity") * F("offers__value_cents"), default=0),
        confirmed=Count("offers", filter=Q(offers__status=OfferStatus.CONFIRMED)),
        shortfalls=Count("offers", filter=Q(offers__receipt__outcome__in=SHORTFALL_OUTCOMES)),
    )


def next_shipment_moves(status: str, role: str) -> list[str]:
    """The statuses `role` may move a shipment to from `status`."""
    return [to for (frm, to), move in SHIPMENT_MOVES.items() if frm == status and role in move.roles]


def loadable_offers(shipment: Shipment):
    """Offers that could go on `shipment`: same appeal and destination, accepted up to collected, not on board elsewhere."""
    return EquipmentOffer.objects.filter(
        appeal_id=shipment.appeal_id,
        destination_id=shipment.destination_id,
        status__in=LOADABLE_STATUSES,
        shipment__isnull=True,
    )


def create_shipment(form, actor: Actor) -> Shipment:
    """Save a planned shipment from a valid ShipmentForm, with its creation event."""
    _refuse_unless_coordinator(actor)
    with writing():
        shipment = form.save(commit=False)
        shipment.status = ShipmentStatus.PLANNED
        shipment.save()
        record(
            Event.Kind.CREATED,
            shipment,
            actor=actor.user,
            actor_label=actor.label,
            to_status=shipment.status,
        )
    return shipment


# What an edit of a planned shipment may change, recorded from → to in its history
# (the recipient organisation by its id, named by the timeline).
EDITABLE_FIELDS = ("carrier", "reference", "hub", "planned_departure", "planned_arrival", "recipient")


def update_shipment(form, actor: Actor) -> Shipment:
    """Save a valid ShipmentEditForm while the shipment is planned, recording every change."""
    _refuse_unless_coordinator(actor)
    with writing():
        current = _locked_shipment(form.instance)
        if current.status != ShipmentStatus.PLANNED:
            raise TransitionRefused(
                _("%(number)s is “%(status)s”: its details can only be changed while it is planned. "
                  "Nothing was changed.")
                % {"number": current.number, "status": current.get_status_display()}
            )
        shipment = form.save(commit=False)
        if shipment.recipient_id and shipment.recipient.destination_id != current.destination_id:
            raise TransitionRefused(_recipient_elsewhere(shipment.recipient, current))
        changes = {}
        for field in EDITABLE_FIELDS:
            attname = Shipment._meta.get_field(field).attname
            old, new = getattr(current, attname), getattr(shipment, attname)
            if old != new:
                changes[field] = [old, new] if field == "recipient" else [_as_text(old), _as_text(new)]
        if changes:
            shipment.save(update_fields=list(EDITABLE_FIELDS))
            record(Event.Kind.EDITED, shipment, actor=actor.user, actor_label=actor.label, changes=changes)
    return shipment


def _recipient_elsewhere(recipient, shipment: Shipment) -> str:
    return _("%(name)s receives in %(city)s, not in %(destination)s: choose an organisation of the "
             "shipment's destination. Nothing was changed.") % {
        "name": recipient.legal_name_en, "city": recipient.destination, "destination": shipment.destination,
    }


def set_exchange_rate(shipment: Shipment, rate: Decimal, on: datetime.date, actor: Actor) -> bool:
    """Keep the NBU rate (UAH per EUR) of day `on` for a planned shipment's documents; False if it was already so.

    Once the shipment has departed its documents' figures stay as they were: refused.
    """
    _refuse_unless_coordinator(actor)
    if rate <= 0:
        raise TransitionRefused(_("The exchange rate must be more than 0. Nothing was changed."))
    if on > timezone.localdate():
        raise TransitionRefused(_("The rate's date cannot be in the future. Nothing was changed."))
    with writing():
        current = _locked_shipment(shipment)
        if current.status != ShipmentStatus.PLANNED:
            raise TransitionRefused(
                _("%(number)s has departed: its documents keep the rate they were made with. Nothing was changed.")
                % {"number": current.number}
            )
        if current.exchange_rate_uah == rate and current.exchange_rate_date == on:
            return False
        changes = {
            "exchange_rate_uah": [_rate_text(current.exchange_rate_uah), _rate_text(rate)],
            "exchange_rate_date": [_as_text(current.exchange_rate_date), on.isoformat()],
        }
        current.exchange_rate_uah, current.exchange_rate_date = rate, on
        current.save(update_fields=["exchange_rate_uah", "exchange_rate_date"])
        record(Event.Kind.EXCHANGE_RATE, current, actor=actor.user, actor_label=actor.label, changes=changes)
    shipment.exchange_rate_uah, shipment.exchange_rate_date = rate, on
    return True


def _rate_text(rate: Decimal | None) -> str:
    """A rate as the history keeps it: its four decimals, as the NBU publishes it ("48.1234")."""
    return "" if rate is None else f"{rate.quantize(Decimal('0.0001')):f}"


def issue_recipient_link(
    shipment: Shipment, user, *, at: datetime.datetime, expires: datetime.date, revoke: bool = False
) -> int:
    """Hand out a receipt link of a delivered shipment and keep it in its history; the link's version.

    `revoke`: the links handed out before stop working (they say they were replaced), and
    the new one is of the next version.
    """
    with writing():
        current = _locked_shipment(shipment)
        if current.status != ShipmentStatus.DELIVERED:
            raise TransitionRefused(_("A receipt link can only be made once the shipment is delivered."))
        link = {"issued": current.recipient_link_version}
        if revoke:
            link = {"revoked": current.recipient_link_version, "issued": current.recipient_link_version + 1}
            current.recipient_link_version = link["issued"]
            current.save(update_fields=["recipient_link_version"])
        record(
            Event.Kind.SHIPMENT, current, actor=user, at=at,
            changes={"recipient_link_expires": expires.isoformat()}, data={"recipient_link": link},
        )
    shipment.recipient_link_version = current.recipient_link_version
    return current.recipient_link_version


def _as_text(value) -> str:
    """A value as the history keeps it: dates in ISO form (shown in the reader's format)."""
    if value is None:
        return ""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


def _locked_shipment(shipment: Shipment) -> Shipment:
    return Shipment.objects.select_for_update().get(pk=shipment.pk)


def _refuse_unless_planned(current: Shipment) -> None:
    if current.status != ShipmentStatus.PLANNED:
        raise TransitionRefused(
            _("%(number)s is “%(status)s”: offers can only be added or removed while it is planned. Nothing was changed.")
            % {"number": current.number, "status": current.get_status_display()}
        )


def _not_on_board(current: Shipment) -> str:
    return _("That offer is not on %(shipment)s (any more). Nothing was changed.") % {"shipment": current.number}


def _refuse_unless_coordinator(actor: Actor) -> None:
    if actor.role != Role.COORDINATOR:
        raise TransitionRefused(_("Only coordinators change shipments. Nothing was changed."))


def _record_loading(shipment: Shipment, offer: EquipmentOffer, actor: Actor, *, added: bool) -> None:
    """One SHIPMENT event on the offer and one on the shipment, each naming the other."""
    before, after = ("", shipment.number) if added else (shipment.number, "")
    record(Event.Kind.SHIPMENT, offer, actor=actor.user, actor_label=actor.label, changes={"shipment": [before, after]})
    before, after = ("", offer.number) if added else (offer.number, "")
    record(Event.Kind.SHIPMENT, shipment, actor=actor.user, actor_label=actor.label, changes={"offer": [before, after]})


def add_offers(shipment: Shipment, offer_ids: list[int], actor: Actor) -> list[EquipmentOffer]:
    """Put offers on a planned shipment: all of them, or none (a refusal names the offer)."""
    _refuse_unless_coordinator(actor)
    with writing():
        current = _locked_shipment(shipment)
        _refuse_unless_planned(current)
        offers = list(EquipmentOffer.objects.select_for_update().filter(pk__in=offer_ids).order_by("pk"))
        if not offers or len(offers) != len(set(offer_ids)):
            raise TransitionRefused(_("Choose one or more offers to add. Nothing was changed."))
        for offer in offers:
            if offer.shipment_id is not None:
                raise TransitionRefused(
                    _("%(offer)s is already on shipment %(shipment)s. Nothing was changed.")
                    % {"offer": offer.number, "shipment": Shipment(pk=offer.shipment_id).number}
                )
            if offer.status not in LOADABLE_STATUSES:
                raise TransitionRefused(
                    _("%(offer)s is “%(status)s”: only accepted offers, up to collected, can be shipped. Nothing was changed.")
                    % {"offer": offer.number, "status": offer.get_status_display()}
                )
            if offer.appeal_id != current.appeal_id or offer.destination_id != current.destination_id:
                raise TransitionRefused(
                    _("%(offer)s is for another appeal or destination than %(shipment)s. Nothing was changed.")
                    % {"offer": offer.number, "shipment": current.number}
                )
        for offer in offers:
            offer.shipment = current
            offer.save(update_fields=["shipment", "updated_at"])
            _record_loading(current, offer, actor, added=True)
    return offers


def remove_offer(shipment: Shipment, offer_id: int, actor: Actor) -> EquipmentOffer:
    """Take an offer off a planned shipment; it keeps its status and waits for another one."""
    _refuse_unless_coordinator(actor)
    with writing():
        current = _locked_shipment(shipment)
        _refuse_unless_planned(current)
        offer = EquipmentOffer.objects.select_for_update().filter(pk=offer_id, shipment=current).first()
        if offer is None:
            raise TransitionRefused(_not_on_board(current))
        offer.shipment = None
        offer.save(update_fields=["shipment", "updated_at"])
        _record_loading(current, offer, actor, added=False)
    return offer


def collect_offer(shipment: Shipment, offer_id: int, actor: Actor) -> EquipmentOffer:
    """Mark an offer on `shipment` collected, the same move as on the offer's page (pickup planned → collected)."""
    _refuse_unless_coordinator(actor)
    with writing():
        current = _locked_shipment(shipment)
        offer = EquipmentOffer.objects.select_for_update().filter(pk=offer_id, shipment=current).first()
        if offer is None:
            raise TransitionRefused(_not_on_board(current))
        return transition(offer, OfferStatus.COLLECTED, actor, expected_status=OfferStatus.PICKUP_PLANNED)


def move_shipment(
    shipment: Shipment,
    to_status: str,
    actor: Actor,
    *,
    expected_status: str | None = None,
    on: datetime.date | None = None,
    note: str = "",
) -> Shipment:
    """Move `shipment` to `to_status` and every offer on board with it, or refuse and change nothing.

    `expected_status` is the status the coordinator saw; `on` is the actual
    departure or arrival date (today when not given).
    """
    on = on or timezone.localdate()
    with writing():
        current = _locked_shipment(shipment)
        seen = expected_status or shipment.status
        if current.status != seen:
            raise TransitionRefused(
                _("%(number)s was just changed by someone else: it is now “%(status)s”. Nothing was changed; look again and retry.")
                % {"number": current.number, "status": current.get_status_display()}
            )
        move = SHIPMENT_MOVES.get((current.status, to_status))
        if move is None or actor.role not in move.roles:
            raise TransitionRefused(
                _("%(number)s cannot move from “%(from)s” to “%(to)s” by you. Nothing was changed.")
                % {
                    "number": current.number,
                    "from": current.get_status_display(),
                    "to": ShipmentStatus(to_status).label,
                }
            )
        if on > timezone.localdate():
            raise TransitionRefused(_("The date cannot be in the future. Nothing was changed."))
        if current.departed_on and on < current.departed_on:
            raise TransitionRefused(
                _("The arrival date cannot be before the departure on %(date)s. Nothing was changed.")
                % {"date": current.departed_on.isoformat()}
            )
        offers = list(current.offers.select_for_update().order_by("pk"))
        if not offers:
            raise TransitionRefused(
                _("%(number)s has no offers on board. Nothing was changed.") % {"number": current.number}
            )
        not_ready = [offer for offer in offers if offer.status != move.offers_from]
        if not_ready:
            raise TransitionRefused(
                _("%(number)s cannot become “%(to)s” until every offer on board is “%(required)s”. Not yet: %(offers)s. Nothing was changed.")
                % {
                    "number": current.number,
                    "to": ShipmentStatus(to_status).label,
                    "offers": ", ".join(
                        f"{offer.number} (“{offer.get_status_display()}”)" for offer in not_ready
                    ),
                    "required": OfferStatus(move.offers_from).label,
                }
            )
        if current.status == ShipmentStatus.PLANNED:
            problems = missing_for_departure(current, offers)
            if problems:
                raise TransitionRefused(refusal_text(current, problems))
            # Whatever leaves has its passport, labels printed or not.
            ensure_units(offers)
        transition_many(offers, move.offers_to, actor, note=note, data={"shipment": current.number})
        from_status = current.status
        current.status = to_status
        setattr(current, move.date_field, on)
        current.save(update_fields=["status", move.date_field])
        record(
            Event.Kind.STATUS,
            current,
            actor=actor.user,
            actor_label=actor.label,
            from_status=from_status,
            to_status=to_status,
            changes={move.date_field: on.isoformat()},
            note=note,
        )
    shipment.refresh_from_db()
    return shipment


@dataclass(frozen=True)
class PackingLine:
    """One item on a packing list; amounts in euro (Decimal), weights in kg (Decimal)."""

    line: int
    offer: EquipmentOffer
    value_per_unit: Decimal
    customs_per_unit: Decimal

    @property
    def quantity(self) -> int:
        return self.offer.quantity

    @property
    def value_total(self) -> Decimal:
        return self.value_per_unit * self.quantity

    @property
    def customs_total(self) -> Decimal:
        return self.customs_per_unit * self.quantity


@dataclass(frozen=True)
class PackingList:
    shipment: Shipment
    lines: list[PackingLine]
    valued_on: datetime.date

    @property
    def totals(self) -> dict:
        return {
            "units": sum(line.quantity for line in self.lines),
            "weight_kg": sum((line.offer.total_weight_kg for line in self.lines), Decimal("0")),
            "value": sum((line.value_total for line in self.lines), Decimal("0.00")),
            "customs": sum((line.customs_total for line in self.lines), Decimal("0.00")),
            "fuel_in_tank": sum(line.quantity for line in self.lines if line.offer.fuel_in_tank),
            "lithium_batteries": sum(line.quantity for line in self.lines if line.offer.lithium_batteries),
        }


def packing_list(shipment: Shipment) -> PackingList:
    """The items on `shipment`, valued for customs on the departure date (today before departure)."""
    valued_on = shipment.departed_on or timezone.localdate()
    offers = shipment.offers.order_by("category", "pk")
    lines = [
        PackingLine(
            line=number,
            offer=offer,
            value_per_unit=cents_to_euro(offer.value_cents),
            customs_per_unit=cents_to_euro(offer.depreciated_value_cents(valued_on)),
        )
        for number, offer in enumerate(offers, start=1)
    ]
    return PackingList(shipment=shipment, lines=lines, valued_on=valued_on)
