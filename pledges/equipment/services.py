"""Writing equipment offers and needs: creation and edits, each with an Event (an offer with its photos).

Status moves go through `pledges.equipment.workflow`; this module covers what the
municipality writes itself. Nothing is half-written: the offer, its photos and
its Event are saved together, and a photo file whose rows were rolled back is
removed from storage again.
"""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from decimal import Decimal

from django.core.files.storage import default_storage
from django.forms import ModelForm

from pledges.accounts.models import User
from pledges.equipment.mails import new_offer
from pledges.equipment.models import (
    OFFER_EDITABLE_FIELDS,
    EquipmentOffer,
    Need,
    OfferPhoto,
    OfferStatus,
)
from pledges.equipment.photos import store_photo
from pledges.history.models import Event
from pledges.history.services import record, writing


class OfferLocked(Exception):
    """The offer was accepted, declined or withdrawn meanwhile: the municipality can no longer change it."""


# Fields an edit records in the timeline: what the form edits (the appeal is fixed
# once offered), with the typed euro value stored as cents.
TRACKED_FIELDS = list(OFFER_EDITABLE_FIELDS)


def recorded(row, field: str):
    """A field's value as the history keeps it: a code, a number, an id or the typed text.

    The timeline words it in the reader's language (pledges.history.rendering).
    """
    value = getattr(row, row._meta.get_field(field).attname)
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"  # "60" typed and "60.0" stored are the same power
    return value.isoformat() if hasattr(value, "isoformat") else value


def _changes(before, after, fields, value) -> dict:
    """{field: [old, new]} for each of `fields` whose `value(row, field)` differs."""
    pairs = {field: [value(before, field), value(after, field)] for field in fields}
    return {field: pair for field, pair in pairs.items() if pair[0] != pair[1]}


@contextmanager
def _files_removed_on_failure():
    """Yield a list to note stored file names in; remove them all if the block fails."""
    stored: list[str] = []
    try:
        yield stored
    except BaseException:
        for name in stored:
            default_storage.delete(name)
        raise


def _store_photos(offer: EquipmentOffer, photos: Iterable[tuple], stored: list[str]) -> int:
    count = 0
    for upload, content_type in photos:
        photo = OfferPhoto(offer=offer, content_type=content_type)
        stored.append(store_photo(photo.image, upload))
        photo.save()
        count += 1
    return count


def create_offer(form: ModelForm, user: User) -> EquipmentOffer:
    """Save a new offer of the user's municipality with its photos; tell the coordinators."""
    with _files_removed_on_failure() as stored, writing():
        offer = form.save(commit=False)
        offer.municipality_id = user.municipality_id
        offer.created_by = user
        offer.status = OfferStatus.OFFERED
        offer.save()
        photos = _store_photos(offer, form.cleaned_data["photos"], stored)
        record(
            Event.Kind.CREATED,
            offer,
            actor=user,
            to_status=offer.status,
            changes={"quantity": offer.quantity, "photos": photos},
        )
        new_offer.enqueue(offer.pk)
    return offer


def update_offer(form: ModelForm, user: User) -> EquipmentOffer:
    """Save an edit while the offer is still only offered, recording every change as from → to."""
    with _files_removed_on_failure() as stored, writing():
        current = EquipmentOffer.objects.select_for_update().get(pk=form.instance.pk)
        if not current.is_editable:
            raise OfferLocked
        offer = form.save(commit=False)
        changes = _changes(current, offer, TRACKED_FIELDS, recorded)
        added = _store_photos(offer, form.cleaned_data["photos"], stored)
        if added:
            before = current.photos.count() - added
            changes["photos"] = [before, before + added]
        if not changes:
            return offer
        offer.save(update_fields=[*TRACKED_FIELDS, "updated_at"])
        record(Event.Kind.EDITED, offer, actor=user, changes=changes)
    return offer


# What a new need's history says it asked for (its city and appeal head its page).
NEED_ASKED = ["category", "min_power_kva", "quantity", "priority"]


def save_need(form: ModelForm, user: User) -> Need:
    """Save a new or changed need from a valid need form, recording it like every other edit."""
    fields = list(form._meta.fields)
    with writing():
        if form.instance.pk is None:
            need = form.save()
            record(Event.Kind.CREATED, need, actor=user, changes={field: recorded(need, field) for field in NEED_ASKED})
            return need
        current = Need.objects.select_for_update().get(pk=form.instance.pk)
        need = form.save(commit=False)
        changes = _changes(current, need, fields, recorded)
        if changes:
            need.save(update_fields=fields)
            record(Event.Kind.EDITED, need, actor=user, changes=changes)
    return need
