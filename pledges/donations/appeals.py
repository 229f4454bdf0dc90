"""The appeal's receiving account as the history keeps it: since when it holds, and its changes."""

from __future__ import annotations

import datetime

from pledges.history.models import Event
from pledges.reference.models import Appeal

# The Events that set an appeal's receiving account (pledges.donations.services.save_appeal).
ACCOUNT_KINDS = (Event.Kind.CREATED, Event.Kind.ACCOUNT_CHANGED)


def account_events(appeal: Appeal):
    """The creation and every change of `appeal`'s receiving account, oldest first (actor selected)."""
    return appeal.events.filter(kind__in=ACCOUNT_KINDS).select_related("actor").order_by("at", "id")


def account_since(appeal: Appeal) -> datetime.datetime | None:
    """When `appeal`'s receiving account was last set; None if never since the appeal was loaded."""
    return appeal.events.filter(kind__in=ACCOUNT_KINDS).order_by("-at", "-id").values_list("at", flat=True).first()
