"""The history in the reader's language: Events keep codes and values, the words come at display time.

`show_all(events)` gives what a timeline prints of each Event: its changes as rows,
what happened as sentences, the note a person typed, and who acted, all in the
active language. The history sits below the parts of the domain it records and
imports none of them: labels come from the subject's own model, reached through
the Event's relations (verbose names, choices, related rows).

Events written before `Event.data` existed hold frozen text, hashed and never
rewritten: Dutch values in `changes` (choice labels, "ja"/"nee", "€ 1.000,00",
"62,5") and notes in the language of whoever acted ("Withdrawn on 2026-03-02",
"2-3-2026 · € 1.000,00 · ALMERE · RF-kenmerk (automatically)"). The phrases the
ledger itself wrote are recognised here and worded anew; anything else in a note
is what a person typed, shown as typed.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import translation
from django.utils.dateparse import parse_date
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from stdnum import iban as stdnum_iban

from pledges.core.measures import format_measure
from pledges.core.money import format_euro
from pledges.history.models import SUBJECTS, Event

# Who acted without an account (data["by"], the workflow's role), worded with the name in actor_label.
RECIPIENT = "recipient"
# Who recorded a unit's custody step through its label's link, without an account.
LABEL_HOLDER = "label"

# Keys of `changes` that are not fields of the subject's model.
LABELS = {
    "shipment": gettext_lazy("shipment"),
    "offer": gettext_lazy("offer"),
    "photos": gettext_lazy("photos"),
    "amount": gettext_lazy("amount"),
    "recipient_link_expires": gettext_lazy("receipt link valid until"),
}
DATE_KEYS = {"recipient_link_expires"}
# Loading and unloading, as a sentence: {key: (put on, taken off)}.
LOADING = {
    "shipment": (gettext_lazy("Put on shipment %(number)s"), gettext_lazy("Taken off shipment %(number)s")),
    "offer": (gettext_lazy("%(number)s put on board"), gettext_lazy("%(number)s taken off")),
}
NAMED = {True: gettext_lazy("Named on the public page."), False: gettext_lazy("No longer named on the public page.")}
REMINDERS_PAUSED = {True: gettext_lazy("Payment reminders paused."), False: gettext_lazy("Payment reminders resumed.")}
# What the recipient reported of one item (data["receipt"]: outcome code, units received, units sent).
RECEIPT_REPORTS = {
    "received": gettext_lazy("Received in full: %(received)d of %(quantity)d."),
    "fewer": gettext_lazy("Fewer received: %(received)d of %(quantity)d."),
    "damaged": gettext_lazy("Arrived damaged: %(received)d of %(quantity)d arrived."),
    "not_received": gettext_lazy("Not received: %(received)d of %(quantity)d."),
}

# --------------------------------------------------------------------------- frozen text of old events

# Notes the ledger wrote itself, in Dutch or English (the actor's language at the time).
OLD_NAMED = {
    "Named on the public page.": True,
    "Genoemd op de openbare pagina.": True,
    "No longer named on the public page.": False,
    "Niet meer genoemd op de openbare pagina.": False,
}
OLD_WITHDRAWN = re.compile(r"^(?:Withdrawn on|Ingetrokken op) (\d{4}-\d{2}-\d{2})$")
# A bank line as matching described it: "2-3-2026 · € 1.000,00 · ALMERE", then perhaps
# " · <how it was matched>" and " (automatically)" (that word was never translated).
OLD_BANK_LINE = re.compile(
    r"^(?P<day>\d{1,2})-(?P<month>\d{1,2})-(?P<year>\d{4}) · (?P<amount>-?€ [\d.]+,\d{2}) · (?P<rest>.*?)"
    r"(?P<automatic> \(automatically\))?$"
)
OLD_RECIPIENT = re.compile(r"^(?P<city>.+) \(ontvanger via link\)$")
OLD_EURO = re.compile(r"^(-?)€ ([\d.]+),(\d{2})$")
OLD_BOOLEANS = {"ja": True, "nee": False}
# A need as str() wrote it (in Dutch): "Kyiv: 12 × aggregaat ≥ 62,5 kVA".
OLD_NEED = re.compile(r"^(?P<city>.+?): (?P<quantity>\d+) × (?P<category>.+?)(?: ≥ (?P<power>[\d.,]+) kVA)?$")


def _dutch_euro_cents(text: str) -> int | None:
    found = OLD_EURO.match(text)
    if not found:
        return None
    sign, euros, cents = found.groups()
    return (-1 if sign else 1) * (int(euros.replace(".", "")) * 100 + int(cents))


def _decimal(value) -> Decimal | None:
    """A stored number: "62.5" (new events) or the Dutch "62,5" (events before them)."""
    text = str(value)
    if "," in text:
        text = text.replace(".", "").replace(",", ".")
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


# --------------------------------------------------------------------------- what is shown


@dataclass(frozen=True)
class Row:
    """One recorded change: a label with its old and new value, or a whole sentence."""

    label: str = ""
    old: str = ""
    new: str = ""
    pair: bool = False
    sentence: str = ""


@dataclass
class Shown:
    actor: str
    rows: list[Row] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    note: str = ""


def subject_model(event: Event) -> type[models.Model]:
    """The model of what the event is about (a match is the pledge's event, naming its bank line too)."""
    for name in SUBJECTS:  # the pledge first
        if getattr(event, f"{name}_id"):
            return Event._meta.get_field(name).related_model
    return Event._meta.get_field("donation").related_model


def _model_field(model, key: str):
    """The subject's own field `key`, if it has one (not a relation pointing at it)."""
    try:
        model_field = model._meta.get_field(key)
    except FieldDoesNotExist:
        return None
    return model_field if model_field.concrete else None


@cache
def _dutch_codes(model, name: str) -> dict[str, object]:
    """A choice field's Dutch labels and their codes: old events kept the label."""
    with translation.override("nl"):
        return {str(label): code for code, label in model._meta.get_field(name).flatchoices}


def _choice(model, name: str, value) -> str:
    choices = dict(model._meta.get_field(name).flatchoices)
    if value not in choices:
        value = _dutch_codes(model, name).get(value, value)
    return str(choices.get(value, value))


def _old_need(need_model, text: str) -> str:
    """A need as str() wrote it in Dutch, worded anew: its category in the reader's language."""
    found = OLD_NEED.match(text)
    if not found:
        return text
    power = _decimal(found["power"]) if found["power"] else None
    category = _choice(need_model, "category", found["category"])
    return f"{found['city']}: {found['quantity']} × {category}" + (f" ≥ {format_measure(power, 'kVA')}" if power else "")


def _day(value) -> str:
    day = parse_date(value) if isinstance(value, str) else value
    return date_format(day) if isinstance(day, datetime.date) else str(value)


def value_text(model, key: str, value, related: dict | None = None) -> str:
    """A recorded value as the reader reads it. `related`: {(model, pk): row} looked up in advance."""
    if value is None or value == "":
        return ""
    if key == "iban":
        return stdnum_iban.format(str(value))  # in groups of four, as on a bank statement
    if key.endswith("_cents") or key == "amount":
        cents = value if isinstance(value, int) else _dutch_euro_cents(str(value))
        return str(value) if cents is None else format_euro(cents)
    model_field = _model_field(model, key)
    if key in DATE_KEYS or isinstance(model_field, models.DateField) and not isinstance(model_field, models.DateTimeField):
        return _day(value)
    if model_field is None:
        return str(value)
    if model_field.choices:
        return _choice(model, key, value)
    if isinstance(model_field, models.BooleanField):
        flag = value if isinstance(value, bool) else OLD_BOOLEANS.get(value)
        return str(value) if flag is None else _("yes") if flag else _("no")
    if model_field.is_relation:
        if isinstance(value, int):
            row = (related or {}).get((model_field.related_model, value))
            return str(row) if row is not None else str(value)
        return _old_need(model_field.related_model, value) if " × " in str(value) else str(value)
    if isinstance(model_field, models.DecimalField):
        number = _decimal(value)
        return str(value) if number is None else number_format(number)
    return str(value)


def _label(model, key: str) -> str:
    if key in LABELS:
        return str(LABELS[key])
    model_field = _model_field(model, key)
    return str(model_field.verbose_name) if model_field is not None else key.replace("_", " ")


def _rows(event: Event, model, related: dict) -> list[Row]:
    rows = []
    for key, value in (event.changes or {}).items():
        pair = isinstance(value, (list, tuple)) and len(value) == 2
        if event.kind == Event.Kind.SHIPMENT and key in LOADING and pair:
            old, new = value
            put_on, taken_off = LOADING[key]
            rows.append(Row(sentence=str(put_on if new else taken_off) % {"number": new or old}))
        elif pair:
            old, new = (value_text(model, key, item, related) for item in value)
            rows.append(Row(label=_label(model, key), old=old, new=new, pair=True))
        else:
            rows.append(Row(label=_label(model, key), new=value_text(model, key, value, related)))
    return rows


def _method(code: str) -> str:
    payment = Event._meta.get_field("payment").related_model
    return _choice(payment, "match_method", code)


def bank_line(booked_on: datetime.date | str, amount_cents: int, counterparty: str, method: str = "",
              automatic: bool = False) -> str:
    """A bank line in one sentence: when, how much, from whom, and how it was matched."""
    text = f"{_day(booked_on)} · {format_euro(amount_cents)} · {counterparty or '?'}"
    if method:
        text += f" · {_method(method)}"
    if automatic:
        # Outside the f-string, where makemessages would not find it.
        text += " (" + _("automatically") + ")"
    return text


@cache
def _old_methods() -> dict[str, str]:
    """How a line was matched, as old notes said it in Dutch or English: {label: code}."""
    payment = Event._meta.get_field("payment").related_model
    methods = {}
    for language in ("nl", "en"):
        with translation.override(language):
            methods |= {str(label): code for code, label in payment._meta.get_field("match_method").flatchoices}
    return methods


def _old_bank_line(found: re.Match) -> str:
    who, method = found["rest"], ""
    if " · " in who:
        head, tail = who.rsplit(" · ", 1)
        if tail in _old_methods():
            who, method = head, _old_methods()[tail]
    booked_on = datetime.date(int(found["year"]), int(found["month"]), int(found["day"]))
    return bank_line(booked_on, _dutch_euro_cents(found["amount"]), who, method, bool(found["automatic"]))


def _old_note(note: str) -> tuple[list[str], str]:
    """A note of an event written before `data`: the ledger's own phrases worded anew, typed text as is."""
    if note in OLD_NAMED:
        return [str(NAMED[OLD_NAMED[note]])], ""
    withdrawn = OLD_WITHDRAWN.match(note)
    if withdrawn:
        return [_("Withdrawn on %(date)s") % {"date": _day(withdrawn[1])}], ""
    line = OLD_BANK_LINE.match(note)
    if line:
        return [_old_bank_line(line)], ""
    return [], note


def disagreement_text(item: dict) -> str:
    """One way a match by hand disagrees with the ledger (finance.matching.disagreements), as a sentence."""
    code, number = item.get("code"), item.get("pledge", "?")
    if code == "other_payer":
        return _("The paying account is known for %(payer)s, but pledge %(number)s is of %(pledged_by)s.") % {
            "payer": item.get("payer", "?"), "number": number, "pledged_by": item.get("pledged_by", "?"),
        }
    if code == "withdrawn":
        return _("Pledge %(number)s was withdrawn.") % {"number": number}
    if code == "paid":
        return _("Pledge %(number)s has already been received in full (%(received)s of %(amount)s).") % {
            "number": number,
            "received": format_euro(item.get("received_cents", 0)),
            "amount": format_euro(item.get("amount_cents", 0)),
        }
    if code == "amount":
        line, outstanding = item.get("line_cents", 0), item.get("outstanding_cents", 0)
        if line > outstanding:
            return _("%(amount)s is more than the %(outstanding)s outstanding on pledge %(number)s: %(excess)s "
                     "too much.") % {"amount": format_euro(line), "outstanding": format_euro(outstanding),
                                     "number": number, "excess": format_euro(line - outstanding)}
        return _("%(amount)s is less than the %(outstanding)s outstanding on pledge %(number)s.") % {
            "amount": format_euro(line), "outstanding": format_euro(outstanding), "number": number,
        }
    return str(code)


OVERPAYMENT_DECISIONS = {
    "": gettext_lazy("Overpaid %(excess)s: finance has not decided yet."),
    "refund": gettext_lazy("Overpaid %(excess)s: to be refunded."),
    "keep": gettext_lazy("Overpaid %(excess)s: kept as a gift."),
}


def overpayment_text(decision: str, excess_cents: int) -> str:
    """Finance's decision on money received beyond a pledge, as a sentence."""
    return str(OVERPAYMENT_DECISIONS.get(decision, OVERPAYMENT_DECISIONS[""])) % {"excess": format_euro(excess_cents)}


def receipt_text(receipt: dict) -> str:
    """The recipient's report of one item as a sentence, naming the offer when the report says which."""
    text = str(RECEIPT_REPORTS.get(receipt["outcome"], RECEIPT_REPORTS["received"])) % {
        "received": receipt["received"], "quantity": receipt["quantity"],
    }
    return f"{receipt['offer']}: {text}" if receipt.get("offer") else text


# The shipment papers (Event DOCUMENTS, data["document"] and data["language"]: pledges.paperwork).
DOCUMENT_NAMES = {
    "gift_letter": gettext_lazy("Gift letter"),
    "act": gettext_lazy("Act of acceptance-transfer"),
    "cmr": gettext_lazy("CMR consignment note data"),
    "dangerous_goods": gettext_lazy("Dangerous goods summary"),
    "labels": gettext_lazy("Unit labels"),
}
DOCUMENT_VERSIONS = {"uk": gettext_lazy("Ukrainian and English"), "nl": gettext_lazy("Dutch and English")}


def documents_text(data: dict) -> str:
    """One issue of a shipment document as a sentence: which, in which languages, at which rate."""
    text = _("%(document)s issued (%(languages)s)") % {
        "document": DOCUMENT_NAMES.get(data["document"], data["document"]),
        "languages": DOCUMENT_VERSIONS.get(data.get("language"), data.get("language", "")),
    }
    if data.get("rate"):
        text += " " + _("at 1 EUR = %(rate)s UAH (NBU rate of %(date)s)") % {
            "rate": number_format(Decimal(data["rate"]), decimal_pos=4), "date": _day(data["rate_date"]),
        }
    return f"{text}."


def custody_lines(custody: dict) -> list[str]:
    """A unit's custody step (data["custody"]): the step in the reader's language, the site, the position, a photo."""
    unit_model = Event._meta.get_field("unit").related_model
    lines = [_("Step: %(step)s") % {"step": _choice(unit_model, "last_step", custody.get("step", ""))}]
    if custody.get("site"):
        lines.append(_("Site: %(site)s") % {"site": custody["site"]})
    if custody.get("position"):
        lines.append(_("Position: %(position)s") % {"position": custody["position"]})
    if custody.get("photo"):
        lines.append(_("With a photo."))
    return lines


def usage_lines(data: dict) -> list[str]:
    """The usage report of a shipment (pledges.usage): its reminder, or what the recipient sent."""
    lines = []
    if "usage_reminder" in data:
        reminder = data["usage_reminder"]
        lines.append(_("Reminder of the usage report due on %(due)s mailed to the contact of %(recipient)s.")
                     % {"due": _day(reminder["due"]), "recipient": reminder["recipient"]})
    if "usage_report" in data:
        report = data["usage_report"]
        if report.get("file"):
            lines.append(_("Usage report file: %(name)s.") % {"name": report["file"]})
        if report.get("described"):
            lines.append(_("The use is described in the note."))
        if report.get("late") and report.get("due"):
            lines.append(_("Sent after the due date, %(due)s.") % {"due": _day(report["due"])})
    return lines


def _lines(data: dict) -> list[str]:
    lines = usage_lines(data)
    if "document" in data:
        lines.append(documents_text(data))
    if "line" in data:
        line = data["line"]
        lines.append(bank_line(line["booked_on"], line["amount_cents"], line.get("counterparty", ""),
                               data.get("method", ""), data.get("automatic", False)))
    for part in data.get("parts", ()):
        lines.append(_("%(amount)s to pledge %(number)s") % {
            "amount": format_euro(part["amount_cents"]), "number": part["pledge"],
        })
    if data.get("confirmed"):
        lines.append(_("Matched by hand despite, confirmed:"))
        lines.extend(disagreement_text(item) for item in data["confirmed"])
    if data.get("corrected"):
        lines.append(_("A correction was mailed to the municipality."))
    if "overpayment" in data:
        lines.append(overpayment_text(data["overpayment"]["decision"], data["overpayment"]["cents"]))
    if "named" in data:
        lines.append(str(NAMED[bool(data["named"])]))
    if "shipment" in data:
        lines.append(_("With shipment %(number)s") % {"number": data["shipment"]})
    if "receipt" in data:
        lines.append(receipt_text(data["receipt"]))
    if "custody" in data:
        lines.extend(custody_lines(data["custody"]))
    if "label_replaced" in data:
        # Versions count from 0 in the links; people count from 1.
        lines.append(_("Label number %(number)d printed: the earlier labels of this unit say they were replaced.")
                     % {"number": data["label_replaced"] + 1})
    link = data.get("recipient_link")
    if link:
        # Versions count from 0 in the links; people count from 1.
        if "revoked" in link:
            lines.append(_("Receipt links up to number %(number)d revoked: they now say they were replaced.")
                         % {"number": link["revoked"] + 1})
        lines.append(_("Receipt link number %(number)d handed out.") % {"number": link["issued"] + 1})
    if "reminders_paused" in data:
        lines.append(str(REMINDERS_PAUSED[bool(data["reminders_paused"])]))
    if "instalments" in data:
        lines.append(_("In instalments: %(instalments)s") % {
            "instalments": "; ".join(f"{_day(day)} {format_euro(cents)}" for day, cents in data["instalments"])
        })
    if "per_inhabitant" in data:
        per = data["per_inhabitant"]
        lines.append(_("%(amount)s per inhabitant × %(inhabitants)s inhabitants (%(year)s, %(source)s)") % {
            "amount": format_euro(per["cents"]), "inhabitants": number_format(per["inhabitants"], force_grouping=True),
            "year": per["year"], "source": per["source_detail"] or per["source"],
        })
    return lines


def actor_text(event: Event) -> str:
    if event.actor_id:
        return str(event.actor)
    old = OLD_RECIPIENT.match(event.actor_label)
    if event.data.get("by") == RECIPIENT or old:
        return _("%(city)s (recipient via link)") % {"city": old["city"] if old else event.actor_label}
    if event.data.get("by") == LABEL_HOLDER:
        return _("whoever held the unit (via its label)")
    return event.actor_label or _("system")


def _rows_of(model, pks: set[int]) -> dict:
    rows = model._base_manager.all()
    # A row's str() may name its own relations (a need names its city): fetch them with it.
    relations = [f.name for f in model._meta.concrete_fields if f.many_to_one and not f.null]
    if relations:
        rows = rows.select_related(*relations)
    return rows.in_bulk(sorted(pks))


def _related(events: list[Event]) -> dict:
    """The rows that recorded ids name (a destination, a need), each model fetched in one query."""
    wanted = defaultdict(set)
    for event in events:
        model = subject_model(event)
        for key, value in (event.changes or {}).items():
            model_field = _model_field(model, key)
            if model_field is None or not model_field.is_relation:
                continue
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if isinstance(item, int):
                    wanted[model_field.related_model].add(item)
    return {
        (related, pk): row
        for related, pks in wanted.items()
        for pk, row in _rows_of(related, pks).items()
    }


def show_all(events: Iterable[Event]) -> list[tuple[Event, Shown]]:
    """Each event with what it says, in the active language."""
    events = list(events)
    related = _related(events)
    shown = []
    for event in events:
        model = subject_model(event)
        if event.data:
            lines, note = _lines(event.data), event.note
        else:
            lines, note = _old_note(event.note)
        shown.append((event, Shown(actor_text(event), _rows(event, model, related), lines, note)))
    return shown
