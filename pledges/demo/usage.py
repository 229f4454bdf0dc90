"""The demo's 90-day follow-up: a shipment to Odesa whose recipient reported the use in time, one to Mykolaiv late.

Both arrived more than USAGE_REPORT_DAYS ago. Mykolaiv's recipient was reminded before its
due date (the daily check, as the worker runs it) and has not reported: the coordinator's
start page and the list of usage reports show it as late.
"""

from __future__ import annotations

from pledges.usage.reminders import queue_usage_reminders
from pledges.usage.services import submit_report

DESCRIPTION = (
    "Обидва генератори встановлено на тяговій підстанції №4; вони живлять тролейбусну лінію 7 під час "
    "відключень, з першого тижня після отримання."
)


def plan_usage(logistics) -> None:
    """The two shipments' steps, each at its own moment of the demo's history (`logistics`: loader.DemoLogistics)."""
    on = logistics.on
    _delivered(logistics, "odesa", "Odesa", [("odesa-1", logistics.almere, "Aggregaat Himoinsa HYW-45, 3-fase", "45", 2)],
               first=-150)
    on(-60, 10, _report, logistics, "odesa")
    _delivered(logistics, "mykolaiv", "Mykolaiv",
               [("mykolaiv-1", logistics.utrecht, "Aggregaat Genpower GPR 40, 3-fase", "40", 1)], first=-130)
    # The daily check on the first morning of Mykolaiv's reminder window (due on day -20).
    on(-34, 7, queue_usage_reminders)


def _delivered(logistics, key: str, city: str, offers: list[tuple], *, first: int) -> None:
    """Offers accepted for `city`, collected, shipped and delivered within three weeks of `first`; confirmed."""
    on = logistics.on
    for offer_key, staff, description, kva, quantity in offers:
        on(first, 10, logistics._offer, offer_key, staff, description, kva, quantity, None)
        on(first + 1, 11, logistics._accept, offer_key, city)
        on(first + 2, 9, logistics._plan_pickup, offer_key, pickup=first + 5)
        on(first + 5, 15, logistics._collect, offer_key)
    logistics._journey(key, city, [offer_key for offer_key, *_rest in offers],
                       planned=first + 7, departure=first + 10, arrival=first + 14, arrived=first + 14)
    for offer_key, *_rest in offers:
        on(first + 16, 11, logistics._confirm, key, offer_key)


def _report(logistics, key: str) -> None:
    """The recipient describes the use through its link, in Ukrainian."""
    submit_report(logistics.shipments[key], description=DESCRIPTION)
