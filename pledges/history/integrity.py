"""Prove the ledger adds up and its history is unbroken (used by `manage.py verify_ledger`).

Two kinds of finding, each naming the row:
- a pledge whose received amount is not the sum of the bank lines matched to it,
  or whose status does not follow from that amount;
- an Event whose content no longer matches its hash (changed behind the app's
  back), or that does not follow the event before it (one removed or slipped in).
"""

from __future__ import annotations

from collections.abc import Iterator

from pledges.history.models import GENESIS_HASH, Event, event_hash


def chain_findings() -> Iterator[str]:
    """Events that do not fit the hash chain, oldest first."""
    previous_id, previous_hash = None, GENESIS_HASH
    for event in Event.objects.order_by("id").iterator(chunk_size=2000):
        if event.previous_hash != previous_hash:
            after = f"event {previous_id}" if previous_id else "the start of the history"
            yield f"Event {event.pk}: does not follow {after} (an event between them was removed, or this one slipped in)"
        if event_hash(event.previous_hash, event) != event.chain_hash:
            yield f"Event {event.pk}: its content does not match its hash (changed after it was written)"
        previous_id, previous_hash = event.pk, event.chain_hash


def chain_head() -> tuple[int, str]:
    """How many events there are and the last one's hash: record it to notice a history cut short later."""
    last = Event.objects.order_by("-id").values_list("chain_hash", flat=True).first()
    return Event.objects.count(), last or GENESIS_HASH
