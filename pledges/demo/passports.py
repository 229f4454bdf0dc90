"""The demo's custody steps: the units of the shipments that left, scanned on their way (pledges.demo.loader).

Kyiv's generators crossed the border, arrived and are installed and in use, but for the unit
the city never received (its shortfall): it stops at the border and is on the coordinator's
list of units that have not moved. Kharkiv's crossed the border and arrived this week, one
installed since; Dnipro's crossed the border yesterday.
"""

from __future__ import annotations

from pledges.passports.models import Unit
from pledges.passports.services import record_step

# (offer, unit serial, day from today, hour, step, site, position)
STEPS = [
    ("kyiv-1", 1, -56, 14, "crossed_border", "", "Ягодин"),
    ("kyiv-1", 2, -56, 14, "crossed_border", "", "Ягодин"),
    ("kyiv-2", 1, -56, 14, "crossed_border", "", "Ягодин"),
    ("kyiv-1", 1, -53, 17, "received", "Комунальне підприємство «Київтеплоенерго»", ""),
    ("kyiv-2", 1, -53, 17, "received", "Комунальне підприємство «Київтеплоенерго»", ""),
    ("kyiv-1", 1, -49, 11, "installed", "Школа № 57, Київ", "50.44100, 30.52200"),
    ("kyiv-2", 1, -48, 10, "installed", "Лікарня № 3, Київ", "50.45010, 30.52340"),
    ("kyiv-2", 1, -47, 9, "in_use", "", ""),
    ("kharkiv-1", 1, -19, 12, "crossed_border", "", "Краковець"),
    ("kharkiv-1", 2, -19, 12, "crossed_border", "", "Краковець"),
    ("kharkiv-1", 3, -19, 12, "crossed_border", "", "Краковець"),
    ("kharkiv-2", 1, -19, 12, "crossed_border", "", "Краковець"),
    ("kharkiv-1", 1, -5, 17, "received", "Харківська міська рада", ""),
    ("kharkiv-2", 1, -5, 17, "received", "Харківська міська рада", ""),
    ("kharkiv-1", 1, -3, 10, "installed", "Пологовий будинок № 1, Харків", "49.99350, 36.23040"),
    ("dnipro-1", 1, -1, 15, "crossed_border", "", "Ягодин"),
]


def plan_custody_steps(logistics) -> None:
    """Schedule the steps on the demo's days (`logistics`: the loader's DemoLogistics)."""
    for offer, serial, day, hour, step, site, position in STEPS:
        logistics.on(day, hour, _step, logistics, offer, serial, step, site, position)


def _step(logistics, offer: str, serial: int, step: str, site: str, position: str) -> None:
    unit = Unit.objects.select_related("offer").get(offer=logistics.offers[offer], serial=serial)
    record_step(unit, step, site=site, position=position)
