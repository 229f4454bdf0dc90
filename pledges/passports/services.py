"""Units come into being for the offers of a shipment (labels printed, at the latest departure); their custody steps.

Whoever holds a unit records where it is through the passport its label opens
(`record_step`); each step is an Event of the unit, the last one is also kept on the unit.
Reality is messy (a step recorded late, one skipped, a unit moved back), so any step may
follow any: the history records what was said, in the order it was said.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Iterable

from django.conf import settings
from django.core.files.storage import default_storage
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from pledges.equipment.models import EquipmentOffer
from pledges.equipment.photos import StrippedPhoto, store_photo
from pledges.history.models import Event
from pledges.history.rendering import LABEL_HOLDER
from pledges.history.services import record, writing
from pledges.passports.models import FINAL_STEPS, CustodyPhoto, Step, Unit

# The same step with the same words again within this time is a double submit: nothing more is booked.
DUPLICATE_WINDOW = datetime.timedelta(minutes=10)
# Shipment statuses (pledges.logistics, a layer above) after departure.
DEPARTED = ("in_transit", "delivered")


class StepRefused(Exception):
    """The step cannot be recorded as given (e.g. "installed" without a site); nothing was written."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


class AlreadyRecorded(Exception):
    """The same step was recorded moments ago (a double submit): nothing more was written."""

    def __init__(self, event: Event):
        self.event = event
        super().__init__(event.pk)


def ensure_units(offers: Iterable[EquipmentOffer]) -> list[Unit]:
    """Every unit of `offers` (serials 1..quantity), creating those not there yet; in offer and serial order.

    Called inside a writing transaction that holds the offers' rows; creating units writes no
    history (their passport begins with their first custody step).
    """
    offers = list(offers)
    have = {(offer_id, serial) for offer_id, serial in Unit.objects.filter(offer__in=offers).values_list("offer_id", "serial")}
    Unit.objects.bulk_create(
        Unit(offer=offer, serial=serial)
        for offer in offers
        for serial in range(1, offer.quantity + 1)
        if (offer.pk, serial) not in have
    )
    return list(Unit.objects.filter(offer__in=offers).select_related("offer").order_by("offer_id", "serial"))


def custody_events(unit: Unit) -> QuerySet[Event]:
    """The unit's custody steps, newest first."""
    return Event.objects.filter(unit=unit, kind=Event.Kind.CUSTODY).select_related("actor").order_by("-at", "-id")


def _is_repeat(event: Event | None, step: str, site: str, position: str, note: str, photo: bool, now) -> bool:
    if event is None or now - event.at > DUPLICATE_WINDOW:
        return False
    custody = event.data.get("custody", {})
    return (
        custody.get("step") == step
        and custody.get("site", "") == site
        and custody.get("position", "") == position
        and event.note == note
        and bool(custody.get("photo")) == photo
    )


def record_step(
    unit: Unit,
    step: str,
    *,
    site: str = "",
    position: str = "",
    note: str = "",
    photo: StrippedPhoto | None = None,
    photo_content_type: str = "",
    actor=None,
) -> Event:
    """Record that `unit` reached `step` (at `site`, at `position`), as the unit's Event; all or nothing.

    `actor`: the logged-in person, if any; otherwise the holder of the label. "Installed" needs
    a site (StepRefused "site_required"). The same step with the same site, position, note (and
    a photo or none) within DUPLICATE_WINDOW of the last one raises AlreadyRecorded.
    """
    step = Step(step)
    site, position, note = site.strip(), position.strip(), note.strip()
    if step == Step.INSTALLED and not site:
        raise StepRefused("site_required")
    stored = ""
    try:
        with writing():
            current = Unit.objects.select_for_update().get(pk=unit.pk)
            now = timezone.now()
            last = custody_events(current).first()
            if _is_repeat(last, step, site, position, note, photo is not None, now):
                raise AlreadyRecorded(last)
            custody = {"step": str(step), "site": site, "position": position}
            if photo is not None:
                kept = CustodyPhoto(unit=current, content_type=photo_content_type, uploaded_at=now)
                stored = store_photo(kept.image, photo)
                kept.save()
                custody["photo"] = stored
            data = {"custody": custody}
            if actor is None:
                data["by"] = LABEL_HOLDER
            event = record(Event.Kind.CUSTODY, current, actor=actor, at=now, data=data, note=note)
            current.last_step, current.last_step_at = str(step), now
            if site or step not in FINAL_STEPS:
                # Installed somewhere, then in use or broken: still at that site unless told otherwise.
                current.last_site = site
            current.save(update_fields=["last_step", "last_step_at", "last_site"])
    except BaseException:
        # The rows were rolled back; the photo file must not outlive them.
        if stored:
            default_storage.delete(stored)
        raise
    unit.last_step, unit.last_step_at, unit.last_site = current.last_step, current.last_step_at, current.last_site
    return event


def stale_days() -> int:
    return settings.PASSPORT_STALE_DAYS


def not_moving(now: datetime.datetime | None = None) -> QuerySet[Unit]:
    """Units that left (their shipment departed) and have not moved for PASSPORT_STALE_DAYS, longest first.

    Installed, in use or broken ends the journey (FINAL_STEPS): those are left out. A unit
    without any step counts from when it came into being (labels printed or departure).
    """
    cutoff = (now or timezone.now()) - datetime.timedelta(days=stale_days())
    return (
        Unit.objects.filter(offer__shipment__status__in=DEPARTED)
        .exclude(last_step__in=FINAL_STEPS)
        .filter(Q(last_step_at__lt=cutoff) | Q(last_step_at__isnull=True, created_at__lt=cutoff))
        .select_related("offer__municipality", "offer__shipment__destination")
        .order_by("last_step_at", "created_at", "offer_id", "serial")
    )


def steps_summary(units: Iterable[Unit]) -> list[tuple[int, str, str]]:
    """How many units are at which last step (and site): [(count, step code, site)], most first.

    Units without a step count under step "".
    """
    counts = Counter((unit.last_step, unit.last_site) for unit in units)
    return [(count, step, site) for (step, site), count in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]


def steps_of_appeal(appeal) -> list[tuple[str, int]]:
    """How many units of `appeal`'s offers are at each last step, in the order of the journey; one query.

    For the public page: counts only, no site, position or photo (where energy equipment
    stands in Ukraine is not for everyone to read). Units without a step yet come last, as "".
    """
    # Each unit's appeal looked up by its offer's key, not a join: SQLite without statistics
    # drove the join from the appeal's offers (a million, for a handful of units: 70 ms).
    appeal_of_offer = EquipmentOffer.objects.filter(pk=OuterRef("offer_id")).values("appeal_id")
    counts = dict(
        Unit.objects.annotate(appeal_of_offer=Subquery(appeal_of_offer))
        .filter(appeal_of_offer=appeal.pk)
        .order_by()
        .values_list("last_step")
        .annotate(count=Count("*"))
        .values_list("last_step", "count")
    )
    return [(step, counts[step]) for step in [*Step.values, ""] if counts.get(step)]


def replace_label(unit: Unit, user) -> Unit:
    """A new label for `unit` (lost, damaged, or its link reached the wrong hands): the earlier labels' links
    then say they were replaced. Inside the caller's `writing()` or its own; the unit's history says who and when.
    """
    with writing():
        current = Unit.objects.select_for_update().get(pk=unit.pk)
        current.link_version += 1
        current.save(update_fields=["link_version"])
        record(Event.Kind.EDITED, current, actor=user, data={"label_replaced": current.link_version})
    unit.link_version = current.link_version
    return current
