"""The papers of a shipment, from the ledger: gift letter, act of acceptance-transfer, CMR data sheet,
dangerous-goods summary and the unit labels with their QR codes.

Each document is printed in two languages, as the packing list is: Ukrainian and English
(the recipient, the border, AHARS), or Dutch and English (`language="nl"`, the copy the fund
files and the Dutch carrier reads). The text of a document is written in its templates in
each language (templates/paperwork/), not translated through gettext: a legal text reads as
it was written, whatever the catalogues say. Numbers and dates follow each language's
formats ({% language %} around each part).

Values: the goods are valued as on the packing list (pledges.logistics.services.packing_list):
the customs value, the estimate less 10% per year of age and at least 30%, on the departure
date (today before it). Hryvnia are integer kopiyky: a unit's value in cents times the NBU
rate (UAH per EUR, so kopiyky per cent), rounded half up; a line is its unit value times the
quantity and the total the sum of the lines, so every sum on the act adds up as printed.

Issuing a document records one Event DOCUMENTS on the shipment when what it states differs
from the last one issued of that document in that language (a fingerprint of its facts, not
of the day it was printed): downloading the same papers again adds nothing to the history,
a changed rate, recipient or load does.
"""

from __future__ import annotations

import datetime
import hashlib
import json
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

import segno
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from pledges.core.money import cents_to_euro
from pledges.equipment.models import Category, EquipmentOffer, Fuel
from pledges.history.models import Event
from pledges.history.services import record, writing
from pledges.logistics.exports import CATEGORY_TERMS
from pledges.logistics.models import Shipment
from pledges.logistics.services import packing_list
from pledges.passports.models import Unit
from pledges.passports.services import ensure_units
from pledges.recipients.models import RecipientOrganisation

GIFT_LETTER = "gift_letter"
ACT = "act"
CMR = "cmr"
DANGEROUS_GOODS = "dangerous_goods"
LABELS = "labels"
DOCUMENTS = (GIFT_LETTER, ACT, CMR, DANGEROUS_GOODS, LABELS)

# The version asked for (`?language=`) and the languages it prints, in order.
VERSIONS = {"uk": ("uk", "en"), "nl": ("nl", "en")}
DEFAULT_VERSION = "uk"

# The file names, by document (the shipment number follows).
FILE_NAMES = {
    GIFT_LETTER: "darchyi-lyst", ACT: "akt", CMR: "cmr", DANGEROUS_GOODS: "nebezpechni-vantazhi", LABELS: "etyketky",
}

# What each document needs of the recipient organisation (field names; see missing()).
RECIPIENT_FIELDS = {
    GIFT_LETTER: ("legal_name_uk", "legal_name_en", "edrpou", "address", "ahars_registration"),
    ACT: ("legal_name_uk", "legal_name_en", "edrpou", "address", "signatory_name", "signatory_position"),
    CMR: ("legal_name_uk", "legal_name_en", "address"),
}
NEEDS_RATE = (ACT,)

FUND_NAME = "Stichting VNG Fonds"
KOPIYKA = Decimal("1")

# --------------------------------------------------------------------------- dangerous goods
#
# Generators and other machinery with fuel in the tank: since ADR 2019 (UN Model Regulations,
# 20th revised edition) machinery and engines driven by a fuel that is dangerous goods are
# UN 3528 (class 3 fuel: diesel UN 1202, petrol UN 1203) or UN 3529 (flammable gas, e.g. LPG),
# under ADR special provision 363; UN 3166 is left to vehicles (SP 666), so not a generator.
# Sources: ADR 3.3.1 SP 363 (https://www.adr-digitaal.nl/, "Bijzondere bepaling 363";
# https://www.gefahrgutbrumme.de/SV/SV363.html) and the ADR 2019 changes on engines and
# machinery (https://blog.ecostarenvironmental.co.uk/2019/01/14/adr-2019-changes-dangerous-goods-in-engines-machinery-equipment/).
# Lithium batteries: ADR 3.2 Table A, UN 3480 LITHIUM ION BATTERIES (a battery or storage unit
# shipped as such) and UN 3481 LITHIUM ION BATTERIES CONTAINED IN EQUIPMENT. The offer says
# only "lithium batteries": they are taken to be lithium-ion (lithium metal would be UN 3090/3091).


@dataclass(frozen=True)
class DangerousEntry:
    un_number: str
    name_en: str
    name_uk: str
    hazard_class: str


ENGINE_LIQUID = DangerousEntry(
    "UN 3528", "ENGINE, INTERNAL COMBUSTION, FLAMMABLE LIQUID POWERED / MACHINERY, INTERNAL COMBUSTION, "
    "FLAMMABLE LIQUID POWERED",
    "ДВИГУН ВНУТРІШНЬОГО ЗГОРЯННЯ, ЩО ПРАЦЮЄ НА ЛЕГКОЗАЙМИСТІЙ РІДИНІ / МАШИНА З ДВИГУНОМ ВНУТРІШНЬОГО "
    "ЗГОРЯННЯ, ЩО ПРАЦЮЄ НА ЛЕГКОЗАЙМИСТІЙ РІДИНІ", "3",
)
ENGINE_GAS = DangerousEntry(
    "UN 3529", "ENGINE, INTERNAL COMBUSTION, FLAMMABLE GAS POWERED / MACHINERY, INTERNAL COMBUSTION, "
    "FLAMMABLE GAS POWERED",
    "ДВИГУН ВНУТРІШНЬОГО ЗГОРЯННЯ, ЩО ПРАЦЮЄ НА ЛЕГКОЗАЙМИСТОМУ ГАЗІ / МАШИНА З ДВИГУНОМ ВНУТРІШНЬОГО "
    "ЗГОРЯННЯ, ЩО ПРАЦЮЄ НА ЛЕГКОЗАЙМИСТОМУ ГАЗІ", "2.1",
)
LITHIUM_BATTERIES = DangerousEntry("UN 3480", "LITHIUM ION BATTERIES", "БАТАРЕЇ ЛІТІЙ-ІОННІ", "9")
LITHIUM_IN_EQUIPMENT = DangerousEntry(
    "UN 3481", "LITHIUM ION BATTERIES CONTAINED IN EQUIPMENT", "БАТАРЕЇ ЛІТІЙ-ІОННІ, ЩО МІСТЯТЬСЯ В ОБЛАДНАННІ", "9",
)
# The fuel in the tank, named beside the machine's entry.
FUELS = {
    Fuel.DIESEL: ("UN 1202", "diesel fuel", "паливо дизельне", "dieselolie"),
    Fuel.PETROL: ("UN 1203", "petrol (gasoline)", "бензин", "benzine"),
    Fuel.GAS: ("", "flammable gas (LPG)", "легкозаймистий газ (LPG)", "brandbaar gas (lpg)"),
}


def dangerous_entries(offer: EquipmentOffer) -> list[DangerousEntry]:
    """The ADR entries one unit of `offer` travels under; none for goods that are not dangerous."""
    entries = []
    if offer.fuel_in_tank:
        entries.append(ENGINE_GAS if offer.fuel == Fuel.GAS else ENGINE_LIQUID)
    if offer.lithium_batteries:
        entries.append(LITHIUM_BATTERIES if offer.category == Category.BATTERY else LITHIUM_IN_EQUIPMENT)
    return entries


# --------------------------------------------------------------------------- lines


def kopiyky(cents: int, rate: Decimal) -> int:
    """Hryvnia kopiyky of `cents` euro cents at `rate` UAH per EUR, rounded half up."""
    return int((Decimal(cents) * rate).quantize(KOPIYKA, rounding=ROUND_HALF_UP))


@dataclass
class Line:
    number: int
    offer: EquipmentOffer
    unit_cents: int
    rate: Decimal | None
    entries: list[DangerousEntry] = field(default_factory=list)

    @property
    def quantity(self) -> int:
        return self.offer.quantity

    @property
    def terms(self) -> dict[str, str]:
        """The category in each language: {"nl": "aggregaat", "en": "generator", "uk": "генератор"}."""
        nl, en, uk = CATEGORY_TERMS.get(self.offer.category, (self.offer.category,) * 3)
        return {"nl": nl, "en": en, "uk": uk}

    @property
    def total_cents(self) -> int:
        return self.unit_cents * self.quantity

    @property
    def unit_value(self) -> Decimal:
        return cents_to_euro(self.unit_cents)

    @property
    def total_value(self) -> Decimal:
        return cents_to_euro(self.total_cents)

    @property
    def unit_kop(self) -> int | None:
        return kopiyky(self.unit_cents, self.rate) if self.rate else None

    @property
    def total_kop(self) -> int | None:
        return self.unit_kop * self.quantity if self.rate else None

    @property
    def unit_uah(self) -> Decimal | None:
        return cents_to_euro(self.unit_kop) if self.rate else None

    @property
    def total_uah(self) -> Decimal | None:
        return cents_to_euro(self.total_kop) if self.rate else None

    @property
    def weight_kg(self) -> Decimal:
        return self.offer.total_weight_kg


@dataclass
class Papers:
    """What every document of one shipment states: the parties, the goods, the rate."""

    shipment: Shipment
    recipient: RecipientOrganisation | None
    lines: list[Line]
    valued_on: datetime.date
    issued_on: datetime.date
    fund_address: str

    @property
    def rate(self) -> Decimal | None:
        return self.shipment.exchange_rate_uah

    @property
    def departure(self) -> datetime.date:
        return self.shipment.departed_on or self.shipment.planned_departure

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def total_cents(self) -> int:
        return sum(line.total_cents for line in self.lines)

    @property
    def total_value(self) -> Decimal:
        return cents_to_euro(self.total_cents)

    @property
    def total_kop(self) -> int | None:
        return sum(line.total_kop for line in self.lines) if self.rate else None

    @property
    def total_uah(self) -> Decimal | None:
        return cents_to_euro(self.total_kop) if self.rate else None

    @property
    def weight_kg(self) -> Decimal:
        return sum((line.weight_kg for line in self.lines), Decimal("0"))

    @property
    def dangerous(self) -> list[dict]:
        """Per UN number, in number order: the entry, the units, their gross weight and the lines (offers)."""
        per_number: dict[str, dict] = {}
        for line in self.lines:
            for entry in line.entries:
                row = per_number.setdefault(
                    entry.un_number, {"entry": entry, "units": 0, "weight_kg": Decimal("0"), "lines": []}
                )
                row["units"] += line.quantity
                row["weight_kg"] += line.weight_kg
                row["lines"].append(line)
        return [per_number[number] for number in sorted(per_number)]

    @property
    def lithium_units(self) -> int:
        return sum(line.quantity for line in self.lines if line.offer.lithium_batteries)

    @property
    def fuels(self) -> list[dict]:
        """The fuel in the tanks, per fuel: its UN number and names, and the units carrying it."""
        per_fuel: dict[str, dict] = {}
        for line in self.lines:
            if line.offer.fuel_in_tank and line.offer.fuel in FUELS:
                un_number, en, uk, nl = FUELS[line.offer.fuel]
                row = per_fuel.setdefault(line.offer.fuel, {"un_number": un_number, "en": en, "uk": uk, "nl": nl,
                                                            "units": 0})
                row["units"] += line.quantity
        return [per_fuel[fuel] for fuel in sorted(per_fuel)]


def papers(shipment: Shipment) -> Papers:
    """The facts of `shipment`'s documents, read from the ledger."""
    plist = packing_list(shipment)
    rate = shipment.exchange_rate_uah
    lines = [
        Line(
            number=line.line,
            offer=line.offer,
            unit_cents=line.offer.depreciated_value_cents(plist.valued_on),
            rate=rate,
            entries=dangerous_entries(line.offer),
        )
        for line in plist.lines
    ]
    return Papers(
        shipment=shipment, recipient=shipment.recipient, lines=lines, valued_on=plist.valued_on,
        issued_on=timezone.localdate(), fund_address=settings.FUND_ADDRESS,
    )


# --------------------------------------------------------------------------- what is missing


def missing(shipment: Shipment, document: str, *, has_offers: bool | None = None) -> list[str]:
    """What `document` of `shipment` still lacks, in the reader's words; empty when it can be made.

    `has_offers`: whether offers are on board, when the caller knows (else asked of the database).
    """
    lacking = []
    if has_offers is None:
        has_offers = shipment.offers.exists()
    if not has_offers:
        lacking.append(_("offers on board"))
    fields = RECIPIENT_FIELDS.get(document, ())
    if fields:
        recipient = shipment.recipient
        if recipient is None:
            lacking.append(_("the recipient organisation"))
        else:
            lacking.extend(
                _("the recipient's %(field)s") % {"field": RecipientOrganisation._meta.get_field(name).verbose_name}
                for name in fields
                if not getattr(recipient, name)
            )
    if document in NEEDS_RATE and not shipment.exchange_rate_uah:
        lacking.append(_("the NBU exchange rate and its date"))
    return lacking


class CannotIssue(Exception):
    def __init__(self, lacking: list[str]):
        super().__init__(", ".join(lacking))
        self.lacking = lacking


# --------------------------------------------------------------------------- issuing


def _facts(document: str, found: Papers, units: list[Unit]) -> dict:
    """What the document states, as plain values: its fingerprint is made of these."""
    recipient = found.recipient
    shipment = found.shipment
    facts = {
        "document": document,
        "shipment": [shipment.carrier, shipment.reference, shipment.hub, str(shipment.destination_id),
                     found.departure.isoformat(), found.fund_address],
        "lines": [[line.offer.pk, line.quantity, line.unit_cents, str(line.offer.weight_kg), line.offer.description,
                   line.offer.category, [entry.un_number for entry in line.entries]] for line in found.lines],
    }
    if recipient is not None:
        facts["recipient"] = [getattr(recipient, name) for name in RecipientOrganisation.REQUIRED_FOR_DEPARTURE]
    if document in NEEDS_RATE:
        facts["rate"] = [str(found.rate), shipment.exchange_rate_date.isoformat()]
    if document == LABELS:
        facts["units"] = [[unit.pk, unit.link_version] for unit in units]
    return facts


def _fingerprint(facts: dict) -> str:
    return hashlib.sha256(json.dumps(facts, sort_keys=True, default=str).encode()).hexdigest()[:16]


@dataclass
class Issued:
    papers: Papers
    units: list[Unit]
    recorded: bool


def issue(shipment: Shipment, document: str, version: str, user) -> Issued:
    """The facts of `document` in `version`, and its Event when they differ from the last one issued.

    Raises CannotIssue with what is missing. Units are made here for the labels (their
    passport links need them), in the same writing transaction as the Event.
    """
    with writing():
        # The shipment's row only: PostgreSQL locks no row of an outer join (its recipient may be none).
        shipment = (
            Shipment.objects.select_for_update(of=("self",))
            .select_related("recipient", "destination", "appeal")
            .get(pk=shipment.pk)
        )
        lacking = missing(shipment, document)
        if lacking:
            raise CannotIssue(lacking)
        found = papers(shipment)
        units = ensure_units([line.offer for line in found.lines]) if document == LABELS else []
        fingerprint = _fingerprint(_facts(document, found, units))
        last = next(
            (
                event.data for event in shipment.events.filter(kind=Event.Kind.DOCUMENTS).order_by("-pk")
                if event.data.get("document") == document and event.data.get("language") == version
            ),
            None,
        )
        recorded = last is None or last.get("fingerprint") != fingerprint
        if recorded:
            data = {"document": document, "language": version, "fingerprint": fingerprint}
            if document in NEEDS_RATE:
                data |= {"rate": str(found.rate), "rate_date": shipment.exchange_rate_date.isoformat()}
            if document == LABELS:
                data["units"] = len(units)
            record(Event.Kind.DOCUMENTS, shipment, actor=user, data=data)
    return Issued(papers=found, units=units, recorded=recorded)


def qr_png_data_uri(url: str) -> str:
    """The QR code of `url` as a PNG data: URI for a label: one image, sharp at 30 mm (error level M)."""
    return segno.make(url, error="m").png_data_uri(scale=8, border=4)
