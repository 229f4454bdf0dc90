"""The append-only history of everything that happens in the ledger, chained by hashes.

Each Event stores `previous_hash`, the `chain_hash` of the event before it, and its
own `chain_hash` = SHA-256(previous_hash + its content). Both are computed when
the event is inserted, in the inserting transaction, while the chain is locked: a
PostgreSQL advisory lock, and on SQLite the write lock that IMMEDIATE transactions
take at BEGIN. A row changed or removed behind the app's back (raw SQL, a database
console) then no longer fits the chain; `manage.py verify_ledger` finds it.

Only `pledges.history.services.record()` writes Events; saving one any other way is refused.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.db import connections, models, router, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


APPEND_ONLY = "Events are append-only; record a correcting event instead."
NOT_THE_WRITER = "Events are append-only and written only by pledges.history.services.record()."
# The previous_hash of the very first event.
GENESIS_HASH = "0" * 64
# What an event's hash covers: everything it says, in this order.
HASHED_FIELDS = (
    "kind", "donation_id", "offer_id", "shipment_id", "payment_id", "municipality_id", "actor_id", "actor_label",
    "at", "from_status", "to_status", "changes", "note",
)
# Fields added later: hashed only when set, so the hashes of the events before them stay valid.
HASHED_WHEN_SET = ("need_id", "data", "appeal_id", "unit_id", "recipient_id")
# Any fixed 64-bit number that no other advisory lock of this database uses.
CHAIN_LOCK_KEY = zlib.crc32(b"pledges.event_chain")


def event_hash(previous_hash: str, event) -> str:
    """SHA-256 of the previous hash and the event's content, as canonical JSON.

    Takes any object with the event's attributes, so the migration that chained
    the events already there uses it too.
    """
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content |= {name: getattr(event, name) for name in HASHED_WHEN_SET if getattr(event, name, None)}
    content["at"] = content["at"].astimezone(datetime.UTC).isoformat()
    # As the database gives the JSON back: tuples become lists, keys become text.
    for name in ("changes", "data"):
        if name in content:
            content[name] = json.loads(json.dumps(content[name]))
    # default=str: lazily translated text is stored as the text it is now.
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def lock_chain(using: str) -> None:
    """Serialise appends to the chain until the transaction ends."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
    # SQLite: the IMMEDIATE transaction already holds the database's only write lock.


# Set only while pledges.history.services.record() writes.
_writer: ContextVar[bool] = ContextVar("pledges_history_writer", default=False)


@contextmanager
def by_the_writer() -> Iterator[None]:
    """For pledges.history.services.record() alone: let Events be saved meanwhile."""
    token = _writer.set(True)
    try:
        yield
    finally:
        _writer.reset(token)


def _refuse_unless_the_writer() -> None:
    if not _writer.get():
        raise PermissionError(NOT_THE_WRITER)


def _link(events: Iterable[Event], using: str) -> None:
    # The writer holds the chain lock since its transaction began (history.services.writing()).
    previous = (
        Event.objects.using(using).order_by("-id").values_list("chain_hash", flat=True).first() or GENESIS_HASH
    )
    for event in events:
        event.previous_hash = previous
        event.chain_hash = previous = event_hash(previous, event)


# What an Event can be about (the constraint below: exactly one of them, see _subject_is).
SUBJECTS = ("donation", "offer", "shipment", "payment", "need", "municipality", "appeal", "unit", "recipient")


def _subject_is(subject: str, *free: str) -> Q:
    """`subject` is set and every other subject but those in `free` is empty."""
    empty = {f"{name}__isnull": True for name in SUBJECTS if name not in (subject, *free)}
    return Q(**{f"{subject}__isnull": False}, **empty)


class EventQuerySet(models.QuerySet["Event"]):
    """History is append-only: updates and deletes are refused; new rows join the chain."""

    def update(self, **kwargs):
        raise PermissionError(APPEND_ONLY)

    def delete(self):
        raise PermissionError(APPEND_ONLY)

    def bulk_create(self, objs, *args, **kwargs):
        _refuse_unless_the_writer()
        objs = list(objs)
        if kwargs.get("update_conflicts") or any(event.pk is not None for event in objs):
            # An existing id would overwrite (update_conflicts) or be skipped silently.
            raise PermissionError(APPEND_ONLY)
        with transaction.atomic(using=self.db):
            _link(objs, self.db)
            return super().bulk_create(objs, *args, **kwargs)

    def bulk_update(self, objs, fields, batch_size=None):
        raise PermissionError(APPEND_ONLY)


class Event(models.Model):
    """One entry in the append-only history: who did what, when, from what to what."""

    class Kind(models.TextChoices):
        CREATED = "created", _("created")
        EDITED = "edited", _("edited")
        WITHDRAWN = "withdrawn", _("withdrawn")
        STATUS = "status", _("status changed")
        SHIPMENT = "shipment", _("shipment changed")
        PAYMENT_MATCHED = "payment_matched", _("payment matched")
        PAYMENT_UNMATCHED = "payment_unmatched", _("payment match undone")
        GIFT = "gift", _("marked as gift without pledge")
        GIFT_UNDONE = "gift_undone", _("gift marking undone")
        NAMED_PUBLICLY = "named_publicly", _("public naming changed")
        PAYMENT_ENTERED = "payment_entered", _("payment entered by hand")
        PAYMENT_VOIDED = "payment_voided", _("payment entered by hand voided")
        PAYMENT_SPLIT = "payment_split", _("bank line split over pledges")
        SPLIT_UNDONE = "split_undone", _("split undone")
        OVERPAYMENT_DECIDED = "overpayment_decided", _("overpayment decided")
        ACCOUNT_CHANGED = "account_changed", _("receiving account changed")
        REMINDERS = "reminders", _("payment reminders paused or resumed")
        WRITTEN_OFF = "written_off", _("unpaid rest written off")
        RECEIPT = "receipt", _("receipt reported")
        EXCHANGE_RATE = "exchange_rate", _("exchange rate entered")
        DOCUMENTS = "documents", _("shipment documents issued")
        CUSTODY = "custody", _("custody step recorded")
        USAGE_REMINDER = "usage_reminder", _("usage report reminder sent")
        USAGE_REPORT = "usage_report", _("usage report submitted")

    # Exactly one subject per event (see the constraint below).
    donation = models.ForeignKey(
        "pledges.Donation", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    offer = models.ForeignKey(
        "pledges.EquipmentOffer", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    shipment = models.ForeignKey(
        "pledges.Shipment", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    # The bank line of a match (beside its donation) or of a gift marking (alone).
    payment = models.ForeignKey(
        "pledges.Payment", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    # A municipality's own choices, such as being named on the public page.
    municipality = models.ForeignKey(
        "pledges.Municipality", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    # A destination's need (behoefte), as the coordinators keep it.
    need = models.ForeignKey("pledges.Need", on_delete=models.PROTECT, related_name="events", null=True, blank=True)
    # An appeal's own settings, such as the account its pledges are paid to.
    appeal = models.ForeignKey(
        "pledges.Appeal", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    # One unit of a shipped offer (its item passport's custody steps).
    unit = models.ForeignKey("pledges.Unit", on_delete=models.PROTECT, related_name="events", null=True, blank=True)
    # A recipient organisation in Ukraine, as the coordinators keep it.
    recipient = models.ForeignKey(
        "pledges.RecipientOrganisation", on_delete=models.PROTECT, related_name="events", null=True, blank=True
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Who acted when it was not a user, e.g. "recipient via link (Kyiv)".
    actor_label = models.CharField(_("by (no account)"), max_length=200, blank=True)
    at = models.DateTimeField(_("at"), default=timezone.now)
    from_status = models.CharField(_("from"), max_length=24, blank=True)
    to_status = models.CharField(_("to"), max_length=24, blank=True)
    # {field: [old, new]} for edits, as codes and values (events before `data`: partly as Dutch text).
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    note = models.TextField(_("note"), blank=True)
    # What happened as codes and values (pledges.history.rendering words it in the reader's
    # language); events written before it hold their text in `note` and `changes`.
    data = models.JSONField(_("data"), default=dict, blank=True)
    # See the module docstring; unique, so two appends can never fork the chain.
    previous_hash = models.CharField(_("previous event's hash"), max_length=64, editable=False)
    chain_hash = models.CharField(_("hash"), max_length=64, editable=False)

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["donation", "at"], name="event_donation_at"),
            models.Index(fields=["offer", "at"], name="event_offer_at"),
            models.Index(fields=["shipment", "at"], name="event_shipment_at"),
            models.Index(fields=["payment", "at"], name="event_payment_at"),
            models.Index(fields=["need", "at"], name="event_need_at"),
            models.Index(fields=["appeal", "at"], name="event_appeal_at"),
            models.Index(fields=["unit", "at"], name="event_unit_at"),
            models.Index(fields=["recipient", "at"], name="event_recipient_at"),
        ]
        constraints = [
            models.CheckConstraint(
                # A match or unmatch is the donation's event and names its bank
                # line too; a gift marking has only the bank line.
                condition=(
                    _subject_is("donation", "payment", "municipality")
                    | _subject_is("offer", "municipality")
                    | _subject_is("shipment", "municipality")
                    | _subject_is("payment", "municipality")
                    | _subject_is("municipality")
                    | _subject_is("need")
                    | _subject_is("appeal")
                    | _subject_is("unit")
                    | _subject_is("recipient")
                ),
                name="event_has_one_subject",
            ),
            models.UniqueConstraint(fields=["previous_hash"], name="event_chain_has_no_fork"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"

    def _status_label(self, value: str) -> str:
        # The subject's own status choices, reached through the relation: the history
        # sits below the parts of the domain it records.
        subject = "offer" if self.offer_id else "shipment" if self.shipment_id else "donation"
        status = self._meta.get_field(subject).related_model._meta.get_field("status")
        return dict(status.flatchoices).get(value, value)

    @property
    def from_status_display(self) -> str:
        return self._status_label(self.from_status)

    @property
    def to_status_display(self) -> str:
        return self._status_label(self.to_status)

    def save(self, *args, **kwargs) -> None:
        if self.pk is not None:
            raise PermissionError(APPEND_ONLY)
        _refuse_unless_the_writer()
        using = kwargs.get("using") or router.db_for_write(Event, instance=self)
        with transaction.atomic(using=using):
            _link([self], using)
            super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(APPEND_ONLY)
