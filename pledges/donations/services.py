"""Writing to the ledger: every change to a pledge goes through here and leaves an Event."""


import dataclasses

from django.forms import ModelForm

from pledges.accounts.models import User
from pledges.donations.mails import (
    account_changed,
    instruction_recipients,
    send_payment_instructions,
)
from pledges.donations.models import Donation, Instalment
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.reference.models import Appeal, KnownIban


class LockedError(Exception):
    """The pledge can no longer be changed by its municipality."""


def _display(donation: Donation, field: str) -> str | int:
    """A field's value as the timeline keeps it: money in cents (shown in the reader's language)."""
    if field == "amount_cents":
        return donation.amount_cents
    if field == "iban":
        return donation.iban_display
    value = getattr(donation, field)
    return value.isoformat() if hasattr(value, "isoformat") else str(value)


TRACKED_FIELDS = [
    "amount_cents",
    "iban",
    "decision_reference",
    "expected_date",
    "contact_name",
    "contact_email",
]


def remember_iban(donation: Donation) -> None:
    KnownIban.objects.get_or_create(municipality_id=donation.municipality_id, iban=donation.iban)


@writing()
def create_donation(form: ModelForm, user: User) -> Donation:
    """Save a new pledge for the user's municipality with its RF reference."""
    donation = form.save(commit=False)
    donation.municipality_id = user.municipality_id
    donation.created_by = user
    donation.status = Donation.Status.PLEDGED
    donation.save()
    # The reference is built from the pk, which exists only after the insert.
    donation.reference = Donation.reference_for(donation.pk)
    donation.save(update_fields=["reference"])
    remember_iban(donation)
    record(
        Event.Kind.CREATED,
        donation,
        actor=user,
        to_status=donation.status,
        changes={"amount_cents": donation.amount_cents},
        data=_schedule_data(donation, form),
    )
    send_payment_instructions.enqueue(donation.pk)
    return donation


def _schedule_data(donation: Donation, form: ModelForm) -> dict:
    """The schedule a new pledge was made with, as its creation Event keeps it; its instalments saved."""
    instalments = getattr(form, "instalments", [])
    if donation.schedule == Donation.Schedule.INSTALMENTS:
        Instalment.objects.bulk_create(
            Instalment(donation=donation, due_date=day, amount_cents=cents) for day, cents in instalments
        )
        return {"instalments": [[day.isoformat(), cents] for day, cents in instalments]}
    if donation.schedule == Donation.Schedule.PER_INHABITANT:
        population = form.population
        return {"per_inhabitant": {
            "cents": donation.per_inhabitant_cents, "inhabitants": donation.inhabitants, "year": donation.population_year,
            "source": population.source, "source_detail": population.source_detail,
        }}
    return {}


# What the payment instructions show or whom they reach: a change mails them anew.
INSTRUCTION_FIELDS = ["amount_cents", "iban", "expected_date", "contact_email"]


@dataclasses.dataclass(frozen=True)
class Edit:
    """What an edit changed (field: [from, to]) and who is mailed the updated payment instructions."""

    changes: dict
    mailed_to: list[str]


def update_donation(form: ModelForm, user: User) -> Edit:
    """Save an edit, recording every changed field as from → to.

    When the payment instructions change, they are mailed again (queued with the edit), to the
    contact person and the submitter, and to a replaced contact person, who holds the old ones.
    """
    with writing():
        current = Donation.objects.select_for_update().get(pk=form.instance.pk)
        if not current.is_editable:
            raise LockedError
        changes = {}
        donation = form.save(commit=False)
        for field in TRACKED_FIELDS:
            old, new = _display(current, field), _display(donation, field)
            if old != new:
                changes[field] = [old, new]
        if not changes:
            return Edit(changes, [])
        donation.save()
        remember_iban(donation)
        record(Event.Kind.EDITED, donation, actor=user, changes=changes)
        if not changes.keys() & set(INSTRUCTION_FIELDS):
            return Edit(changes, [])
        earlier = (current.contact_email,) if "contact_email" in changes else ()
        send_payment_instructions.enqueue(donation.pk, changed=True, also_to=earlier)
    return Edit(changes, instruction_recipients(donation, *earlier))


def withdraw_donation(donation: Donation, user: User, note: str) -> Donation:
    """Withdraw a pledge on which nothing was received."""
    with writing():
        current = Donation.objects.select_for_update().get(pk=donation.pk)
        if not current.is_editable:
            raise LockedError
        current.status = Donation.Status.WITHDRAWN
        current.save(update_fields=["status", "updated_at"])
        record(
            Event.Kind.WITHDRAWN,
            current,
            actor=user,
            from_status=Donation.Status.PLEDGED,
            to_status=Donation.Status.WITHDRAWN,
            note=note,
        )
    return current


# What the payment instructions of every pledge to an appeal say about where to pay.
ACCOUNT_FIELDS = ("iban", "account_name", "transfer_keyword")


def save_appeal(appeal: Appeal, user: User) -> Appeal:
    """Save an appeal with the values a valid AppealForm gave it; its receiving account is kept in the history.

    A new appeal's account is its creation Event; a change of it (who, from, to) is an Event
    that finance and the coordinators are mailed about: every open pledge's instructions change.
    """
    with writing():
        if appeal.pk is None:
            appeal.save()
            record(Event.Kind.CREATED, appeal, actor=user, changes={f: getattr(appeal, f) for f in ACCOUNT_FIELDS})
            return appeal
        current = Appeal.objects.select_for_update().get(pk=appeal.pk)
        appeal.save()
        changes = {
            field: [getattr(current, field), getattr(appeal, field)]
            for field in ACCOUNT_FIELDS
            if getattr(current, field) != getattr(appeal, field)
        }
        if changes:
            event = record(Event.Kind.ACCOUNT_CHANGED, appeal, actor=user, changes=changes)
            account_changed.enqueue(event.pk)
    return appeal
@dataclasses.dataclass(frozen=True)
class WriteOff:
    """What a write-off did: the cents written off, or nothing because the pledge was already closed."""

    cents: int
    status: str

    @property
    def done(self) -> bool:
        return self.cents > 0


def write_off(donation_pk: int, user: User, reason: str) -> WriteOff:
    """Write off what an open pledge still lacks: it is closed, with nothing outstanding.

    Idempotent by nature: a pledge already closed (written off, received, withdrawn) is left
    as it is, so a second submit of the same form writes nothing and says so.
    """
    with writing():
        current = Donation.objects.select_for_update().get(pk=donation_pk)
        rest = current.amount_cents - current.received_cents
        if current.status not in Donation.OPEN_STATUSES or rest <= 0:
            return WriteOff(0, current.status)
        before = current.status
        current.status, current.written_off_cents = Donation.Status.WRITTEN_OFF, rest
        current.save(update_fields=["status", "written_off_cents", "updated_at"])
        record(
            Event.Kind.WRITTEN_OFF,
            current,
            actor=user,
            from_status=before,
            to_status=current.status,
            changes={"written_off_cents": [0, rest]},
            note=reason,
        )
    return WriteOff(rest, current.status)


def pause_reminders(donation_pk: int, user: User, paused: bool, note: str = "") -> bool:
    """Pause (or resume) a pledge's payment reminders; return False when they already were so."""
    with writing():
        current = Donation.objects.select_for_update().get(pk=donation_pk)
        if current.reminders_paused == paused:
            return False
        current.reminders_paused = paused
        current.save(update_fields=["reminders_paused", "updated_at"])
        record(Event.Kind.REMINDERS, current, actor=user, data={"reminders_paused": paused}, note=note)
    return True
