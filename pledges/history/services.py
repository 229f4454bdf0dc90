"""The one writer of the history, and the lock order of every writing transaction.

Every change to the ledger runs in `writing()`: a transaction that takes the chain
lock before anything else, so before any row lock (`select_for_update`). Two
writers then queue at the start instead of each holding a row the other needs;
on PostgreSQL that is the advisory lock, on SQLite the write lock of the
IMMEDIATE transaction. Inside it, `record()` appends Events to the chain. Nothing
else creates an Event: saving one otherwise is refused, and a test walks the
source for Event creation outside this package.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.db import DEFAULT_DB_ALIAS, models, transaction
from django.utils.functional import Promise

from pledges.history.models import SUBJECTS, Event, by_the_writer, lock_chain

# The databases whose current transaction took the chain lock in writing().
_locked: ContextVar[frozenset[str]] = ContextVar("pledges_chain_locked", default=frozenset())


@contextmanager
def writing(using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """A writing transaction of the ledger: atomic, with the chain lock taken first.

    Nested, it joins the transaction (and the lock) already there.
    """
    with transaction.atomic(using=using):
        if using in _locked.get():
            yield
            return
        lock_chain(using)
        token = _locked.set(_locked.get() | {using})
        try:
            yield
        finally:
            _locked.reset(token)


def _subject_field(subject: models.Model) -> str:
    for name in SUBJECTS:
        if isinstance(subject, Event._meta.get_field(name).related_model):
            return name
    raise TypeError(f"{type(subject).__name__} has no history")


def _plain(value, what: str):
    """`value` unchanged, refusing text translated for a reader: Events keep codes and values."""
    if isinstance(value, Promise):
        raise TypeError(f"{what}: store codes and values, not translated text ({value!r})")
    if isinstance(value, dict):
        return {key: _plain(item, what) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item, what) for item in value]
    return value


def entry(
    kind: str,
    subject: models.Model,
    *,
    payment: models.Model | None = None,
    actor=None,
    actor_label: str = "",
    at=None,
    from_status: str = "",
    to_status: str = "",
    changes: dict | None = None,
    data: dict | None = None,
    note: str = "",
) -> Event:
    """An Event about `subject` (a pledge, offer, shipment, bank line, need or municipality), not yet written.

    `payment` names the bank line of a pledge's match. `data` holds what happened as codes
    and values; `note` only what a person typed.
    """
    fields = {_subject_field(subject): subject}
    if payment is not None:
        fields["payment"] = payment
    if at is not None:
        fields["at"] = at
    return Event(
        kind=Event.Kind(kind),
        actor=actor,
        actor_label=actor_label,
        from_status=from_status,
        to_status=to_status,
        changes=_plain(changes or {}, "changes"),
        data=_plain(data or {}, "data"),
        note=_plain(note, "note"),
        **fields,
    )


def record_all(entries: Iterable[Event], using: str = DEFAULT_DB_ALIAS) -> list[Event]:
    """Append `entries` (made by `entry()`) to the chain, in order, inside `writing()`."""
    if using not in _locked.get():
        raise RuntimeError("Record Events inside pledges.history.services.writing(), which takes the chain lock first.")
    entries = list(entries)
    with by_the_writer():
        return Event.objects.using(using).bulk_create(entries, batch_size=500)


def record(kind: str, subject: models.Model, **fields) -> Event:
    """Append one Event about `subject` (see `entry()` for the fields) inside `writing()`."""
    [event] = record_all([entry(kind, subject, **fields)])
    return event
