"""The equipment workflow: which moves exist, who may make them, and the one way to make them.

`MOVES` is the whole table. Views, bulk actions and shipments all call
`transition()`, which locks the row, checks the table, writes the Event and
queues the e-mails with the move.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext as _

from pledges.accounts.models import Role, User
from pledges.equipment.mails import offer_moved
from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.equipment.services import recorded
from pledges.history.models import Event
from pledges.history.services import record, writing

S = OfferStatus

# The recipient city acts without an account, through a signed link.
RECIPIENT = "recipient"

MOVES: dict[tuple[str, str], frozenset[str]] = {
    (S.OFFERED, S.ACCEPTED): frozenset({Role.COORDINATOR}),
    (S.OFFERED, S.DECLINED): frozenset({Role.COORDINATOR}),
    (S.OFFERED, S.WITHDRAWN): frozenset({Role.MUNICIPAL_STAFF}),
    (S.ACCEPTED, S.PICKUP_PLANNED): frozenset({Role.COORDINATOR}),
    (S.PICKUP_PLANNED, S.COLLECTED): frozenset({Role.COORDINATOR}),
    (S.COLLECTED, S.IN_TRANSIT): frozenset({Role.COORDINATOR}),
    (S.IN_TRANSIT, S.DELIVERED): frozenset({Role.COORDINATOR}),
    (S.DELIVERED, S.CONFIRMED): frozenset({RECIPIENT}),
}

# Moves the municipality hears about by e-mail.
NOTIFY_MUNICIPALITY = {S.ACCEPTED, S.DECLINED, S.COLLECTED, S.DELIVERED, S.CONFIRMED}


class TransitionRefused(Exception):
    """The move is not in the table, not for this role, or the offer moved meanwhile."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Actor:
    """Who makes a move: a user, or the recipient through a link."""

    role: str
    user: User | None = None
    label: str = ""

    @classmethod
    def of(cls, user: User) -> Actor:
        return cls(role=user.role, user=user)


def allowed(from_status: str, to_status: str, role: str) -> bool:
    return role in MOVES.get((from_status, to_status), frozenset())


def next_moves(status: str, role: str) -> list[str]:
    """The statuses `role` may move an offer to from `status`, in table order."""
    return [to for (frm, to), roles in MOVES.items() if frm == status and role in roles]


def transition(
    offer: EquipmentOffer,
    to_status: str,
    actor: Actor,
    *,
    expected_status: str | None = None,
    note: str = "",
    data: dict | None = None,
    **changes,
) -> EquipmentOffer:
    """Move `offer` to `to_status` as `actor`, with any field `changes` the move needs.

    `expected_status` is the status the person saw on screen: if someone else
    moved the offer meanwhile, the move is refused instead of applied blindly.
    `note` is what the person typed; `data` what else the history keeps (codes and values).
    """
    with writing():
        current = EquipmentOffer.objects.select_for_update().get(pk=offer.pk)
        seen = expected_status or offer.status
        if current.status != seen:
            raise TransitionRefused(
                _("%(number)s was just changed by someone else: it is now “%(status)s”. Nothing was changed; look again and retry.")
                % {"number": current.number, "status": current.get_status_display()}
            )
        if not allowed(current.status, to_status, actor.role):
            raise TransitionRefused(
                _("%(number)s cannot move from “%(from)s” to “%(to)s” by you.")
                % {
                    "number": current.number,
                    "from": current.get_status_display(),
                    "to": OfferStatus(to_status).label,
                }
            )
        from_status = current.status
        for field, value in changes.items():
            setattr(current, field, value)
        current.status = to_status
        current.save()
        record(
            Event.Kind.STATUS,
            current,
            actor=actor.user,
            actor_label=actor.label,
            from_status=from_status,
            to_status=to_status,
            changes={field: recorded(current, field) for field in changes},
            # Who acted without an account: the label names them, the role says how.
            data=(data or {}) | ({} if actor.user else {"by": actor.role}),
            note=note,
        )
        if to_status in NOTIFY_MUNICIPALITY:
            offer_moved.enqueue(current.pk, to_status, str(note))
        # Inside the transaction: should the database fail here, the move is undone with it,
        # so the error page's "nothing was saved" stays true.
        offer.refresh_from_db()
    return offer


def transition_many(
    offers: list[EquipmentOffer], to_status: str, actor: Actor, *, note: str = "", data: dict | None = None,
    **changes,
) -> list[EquipmentOffer]:
    """Move several offers as one act: all of them, or none (a refusal names the offer)."""
    with writing():
        return [transition(offer, to_status, actor, note=note, data=data, **changes) for offer in offers]
