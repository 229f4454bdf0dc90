"""Every kind of Event, as written now and as written before, reads in the reader's language only.

New Events keep codes and values; old ones keep the frozen text they were written
with (Dutch values, notes in the actor's language). Each page that shows history
is read in Dutch and in English, and its history may hold no word of the other
language: neither from a small list per language nor any word that only the
other side of the translation catalogue has.
"""

from __future__ import annotations

import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import trans_real

from pledges.equipment.forms import NeedForm
from pledges.equipment.services import save_need
from pledges.equipment.workflow import Actor, transition
from pledges.finance import matching
from pledges.history.rendering import show_all
from pledges.history.services import record, writing
from pledges.logistics import services as logistics
from pledges.logistics.forms import ShipmentEditForm
from pledges.logistics.receipts import confirm_receipt
from pledges.recipients.forms import RecipientEditForm, RecipientForm
from pledges.recipients.services import save_recipient
from pledges.models import (
    Category,
    Condition,
    EquipmentOffer,
    Event,
    Need,
    OfferStatus,
    Payment,
    Shipment,
)
from tests import factories

# Typed text and names that belong to neither language, so every word left is the ledger's own.
TYPED = "X-17"
PAYER = "ALMERE"
ENGLISH = {
    "automatically", "withdrawn", "named", "public", "page", "longer", "recipient", "hand", "known",
    "reference", "generator", "transformer", "used", "new", "yes", "no", "three", "phase", "shipment", "board",
    "photos", "quantity", "condition", "received", "pledged", "offered", "accepted", "collected", "delivered",
    "receipt", "confirmed", "valid", "until", "system", "march", "created", "edited", "changed",
    "without", "pledge", "payment", "matched", "undone", "entered", "by", "put", "taken", "off", "with",
}
DUTCH = {
    "automatisch", "ingetrokken", "genoemd", "openbare", "pagina", "meer", "ontvanger", "handmatig", "bekend",
    "kenmerk", "aggregaat", "transformator", "gebruikt", "nieuw", "ja", "nee", "driefase", "transport", "foto",
    "aantal", "staat", "ontvangen", "toegezegd", "aangeboden", "geaccepteerd", "opgehaald", "afgeleverd",
    "ontvangst", "bevestigd", "geldig", "tot", "systeem", "maart", "aangemaakt", "gewijzigd", "zonder",
    "toezegging", "betaling", "gekoppeld", "ongedaan", "ingevoerd", "door", "geplaatst", "met", "van", "op",
}


def _words(text: str) -> set[str]:
    return {word.lower() for word in re.findall(r"[^\W\d_]+", re.sub(r"%\(\w+\)[sd]", " ", text))}


def _catalogue_words() -> tuple[set[str], set[str]]:
    """Words only the English message ids use, and words only their Dutch translations use."""
    catalog = trans_real.translation("nl")._catalog
    ids, strs = set(), set()
    for msgid, msgstr in catalog.items():
        ids |= _words(msgid[0] if isinstance(msgid, tuple) else msgid)
        strs |= _words(msgstr)
    return ids - strs, strs - ids


def _histories(response) -> str:
    """The text of every history on the page: the timelines and the recent activity."""
    blocks = re.findall(r'<ol class="(?:timeline|activity)">(.*?)</ol>', response.text, flags=re.DOTALL)
    assert blocks, "the page shows no history"
    text = " ".join(re.sub(r"<[^>]+>", " ", block) for block in blocks)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def _dutch(text: str) -> str:
    with translation.override("nl"):
        return str(text)


@pytest.fixture
def world(client, almere_staff, coordinator, finance, ukraine_appeal):
    """Every kind of Event, written by the ledger's own code now, and as the code before wrote them."""
    almere = almere_staff.municipality
    kyiv = factories.destination("Kyiv")
    today = timezone.localdate()
    pledge = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_000_00)
    coordinate, staff = Actor.of(coordinator), Actor.of(almere_staff)

    # New: a pledge edited, matched automatically and by hand, unmatched, another withdrawn.
    client.force_login(almere_staff)
    client.post(reverse("pledges:donation_edit", args=[pledge.pk]), factories.edit_form(pledge, amount="1.250,50"))
    factories.withdraw(factories.donation(almere, ukraine_appeal, almere_staff), almere_staff, note="")
    automatic = factories.bank_line(400_00, counterparty_name=PAYER, remittance=f"{pledge.reference}")
    matching.auto_match([automatic], finance)
    by_hand = factories.bank_line(600_00, counterparty_name=PAYER)
    matching.match(by_hand.pk, pledge.pk, finance, note=TYPED, confirmed=matching.EVERYTHING)
    matching.unmatch(by_hand.pk, finance, note=TYPED)
    gift = factories.bank_line(50_00, counterparty_name=PAYER)
    matching.mark_gift(gift.pk, finance)
    matching.unmatch(gift.pk, finance, note=TYPED)
    entered = matching.enter_payment(
        appeal=ukraine_appeal, booking_date=today, amount_cents=25_00, counterparty_name=PAYER, counterparty_iban="",
        remittance=TYPED, donation=None, user=finance,
    )

    # New: a need, an offer's whole journey on a shipment, one declined, one withdrawn, public naming.
    need_form = {"appeal": ukraine_appeal.pk, "destination": kyiv.pk, "category": Category.GENERATOR,
                 "min_power_kva": "62,5", "quantity": "12", "priority": "1", "note": "", "is_open": "on"}
    need = save_need(NeedForm(need_form), coordinator)
    save_need(NeedForm(need_form | {"quantity": "20", "priority": "2"}, instance=Need.objects.get(pk=need.pk)),
              coordinator)
    offer = factories.offer(almere, ukraine_appeal, almere_staff)
    edited = client.post(reverse("pledges:offer_edit", args=[offer.pk]), factories.offer_form(
        ukraine_appeal, need=need.pk, quantity="3", condition=Condition.NEW, fuel_in_tank="on", power_kva="62,5",
        value="9.000", description=offer.description, phases="1", contact_phone="",
    ))
    assert edited.status_code == 302
    offer = transition(EquipmentOffer.objects.get(pk=offer.pk), OfferStatus.ACCEPTED, coordinate, note=TYPED,
                       destination=kyiv)
    offer = transition(offer, OfferStatus.PICKUP_PLANNED, coordinate, pickup_date=today)
    offer = transition(offer, OfferStatus.COLLECTED, coordinate)
    shipment = factories.shipment(ukraine_appeal, kyiv, carrier="VDW", reference="R-118", hub="H-7",
                                  recipient=factories.recipients_organisation(kyiv, legal_name_en=f"{TYPED}-A"))
    recipient_form = {"destination": kyiv.pk, "legal_name_uk": TYPED, "legal_name_en": f"{TYPED}-B",
                      "edrpou": factories.recipients_edrpou(), "address": TYPED, "signatory_name": TYPED,
                      "signatory_position": TYPED, "contact_name": TYPED, "ahars_registration": TYPED,
                      "ahars_registered_on": "2026-03-02"}
    other_recipient = save_recipient(RecipientForm(recipient_form), coordinator)
    save_recipient(RecipientEditForm(recipient_form | {"address": f"{TYPED}-2", "ahars_registered_on": ""},
                                     instance=other_recipient), coordinator)
    edit = ShipmentEditForm({"carrier": "VDW-2", "reference": "R-119", "hub": "H-7",
                             "planned_departure": shipment.planned_departure.isoformat(),
                             "planned_arrival": shipment.planned_arrival.isoformat(),
                             "recipient": other_recipient.pk}, instance=shipment)
    assert edit.is_valid(), edit.errors
    logistics.update_shipment(edit, coordinate)
    logistics.set_exchange_rate(shipment, Decimal("48.5"), today, coordinate)
    logistics.add_offers(shipment, [offer.pk], coordinate)
    logistics.move_shipment(shipment, Shipment.Status.IN_TRANSIT, coordinate, note=TYPED)
    logistics.move_shipment(shipment, Shipment.Status.DELIVERED, coordinate)
    logistics.issue_recipient_link(shipment, coordinator, at=timezone.now(), expires=today)
    logistics.issue_recipient_link(shipment, coordinator, at=timezone.now(), expires=today, revoke=True)
    confirm_receipt(shipment, offer.pk, version=1, note=TYPED)
    transition(factories.offer(almere, ukraine_appeal, almere_staff), OfferStatus.DECLINED, coordinate, note=TYPED)
    transition(factories.offer(almere, ukraine_appeal, almere_staff), OfferStatus.WITHDRAWN, staff)
    for named in ("on", ""):
        client.post(reverse("pledges:municipality_naming", args=[almere.code]), {"named_publicly": named})

    # Old: as the code before Event.data wrote them, in Dutch and English alike.
    old_pledge = factories.donation(almere, ukraine_appeal, almere_staff, amount_cents=1_000_00)
    old_offer = factories.offer(almere, ukraine_appeal, almere_staff)
    old_line = factories.bank_line(1_000_00, counterparty_name=PAYER)
    with translation.override("nl"):
        dutch_choices = {
            "category": [str(Category.GENERATOR.label), str(Category.TRANSFORMER.label)],
            "condition": [str(Condition.USED.label), str(Condition.NEW.label)],
            "phases": [str(dict(EquipmentOffer._meta.get_field("phases").flatchoices)[phases]) for phases in (3, 1)],
            "need": ["", f"Kyiv: 12 × {Category.GENERATOR.label} ≥ 62,5 kVA"],
        }
    with writing():
        record(Event.Kind.CREATED, old_pledge, actor=almere_staff, to_status="pledged",
               changes={"amount": "€ 1.000,00"})
        record(Event.Kind.EDITED, old_pledge, actor=almere_staff,
               changes={"amount_cents": ["€ 1.000,00", "€ 1.250,50"], "expected_date": ["2026-03-01", "2026-04-01"]})
        for note in ("Withdrawn on 2026-03-02", "Ingetrokken op 2026-03-02"):
            record(Event.Kind.WITHDRAWN, old_pledge, actor=almere_staff, note=note)
        for note in (
            "2-3-2026 · € 400,00 · ALMERE · RF-kenmerk (automatically)",
            "02-03-2026 · € 400,00 · ALMERE · RF reference (automatically)",
            "2-3-2026 · € 600,00 · ALMERE · bekend IBAN en bedrag (automatically)",
            "2-3-2026 · € 600,00 · ALMERE · known IBAN and amount (automatically)",
            "2-3-2026 · € 600,00 · ALMERE · handmatig",
            "2-3-2026 · € 600,00 · ALMERE · by hand",
        ):
            record(Event.Kind.PAYMENT_MATCHED, old_pledge, payment=old_line, actor=finance, from_status="pledged",
                   to_status="partly_received", changes={"received_cents": [0, 400_00]}, note=note)
        record(Event.Kind.PAYMENT_UNMATCHED, old_pledge, payment=old_line, actor=finance,
               note="2-3-2026 · € 600,00 · ALMERE")
        for kind in (Event.Kind.GIFT, Event.Kind.GIFT_UNDONE, Event.Kind.PAYMENT_ENTERED):
            record(kind, old_line, actor=finance, note="2-3-2026 · € 1.000,00 · ALMERE")
        for note in ("Named on the public page.", "Genoemd op de openbare pagina.",
                     "No longer named on the public page.", "Niet meer genoemd op de openbare pagina."):
            record(Event.Kind.NAMED_PUBLICLY, almere, actor=almere_staff, note=note)
        record(Event.Kind.CREATED, old_offer, actor=almere_staff, to_status="offered",
               changes={"quantity": "3", "photos": "2"})
        record(Event.Kind.EDITED, old_offer, actor=almere_staff, changes=dutch_choices | {
            "fuel_in_tank": ["nee", "ja"], "power_kva": ["60,0", "62,5"], "value_cents": ["€ 9.500,00", "€ 9.000,00"],
            "available_from": ["2026-03-01", "2026-03-05"], "quantity": ["1", "3"], "photos": ["0", "1"],
        })
        record(Event.Kind.STATUS, old_offer, actor=coordinator, from_status="offered", to_status="accepted",
               changes={"destination": "Kyiv"}, note=TYPED)
        record(Event.Kind.STATUS, old_offer, actor=coordinator, from_status="accepted", to_status="pickup_planned",
               changes={"pickup_date": "2026-03-05"})
        record(Event.Kind.STATUS, old_offer, actor=coordinator, from_status="collected", to_status="in_transit",
               note=f"{shipment.number}: {TYPED}")
        record(Event.Kind.STATUS, old_offer, actor_label="Kyiv (ontvanger via link)", from_status="delivered",
               to_status="confirmed", note=TYPED)
    pages = {
        "donation_detail": {"pledge": pledge, "old pledge": old_pledge},
        "offer_detail": {"offer": offer, "old offer": old_offer},
        "finance_line": {"bank line": by_hand, "gift": gift, "entered by hand": entered, "old bank line": old_line},
        "shipment_detail": {"shipment": shipment},
        "recipient_detail": {"recipient": other_recipient},
        "need_edit": {"need": need},
        "contribution": {"contribution": almere.code},
        "municipality_dashboard": {"naming": almere.code},
        "appeal_dashboard": {"recent activity": ukraine_appeal.pk},
    }
    return {
        page: reverse(f"pledges:{name}", args=[getattr(row, "pk", row)])
        for name, rows in pages.items()
        for page, row in rows.items()
    }


# Who reads each page: the fund sees all but a municipality's own dashboard.
READERS = {"naming": "almere_staff", "bank line": "finance", "gift": "finance", "entered by hand": "finance",
           "old bank line": "finance"}
PAGES = ["pledge", "old pledge", "offer", "old offer", "shipment", "recipient", "contribution", "bank line", "gift",
         "entered by hand", "old bank line", "need", "naming", "recent activity"]


@pytest.mark.parametrize("page", PAGES)
def test_every_history_reads_in_the_readers_language_only(page, world, client, request):
    client.force_login(request.getfixturevalue(READERS.get(page, "coordinator")))
    english_only, dutch_only = _catalogue_words()

    for language, foreign, listed in (("nl", english_only, ENGLISH), ("en", dutch_only, DUTCH)):
        response = client.get(world[page], HTTP_ACCEPT_LANGUAGE=language)
        assert response.status_code == 200
        words = _words(_histories(response))
        assert words & listed == set(), (language, _histories(response))
        assert words & foreign == set(), (language, _histories(response))


def test_old_phrases_are_worded_anew(world, client, coordinator):
    client.force_login(coordinator)
    nl = _histories(client.get(world["old pledge"], HTTP_ACCEPT_LANGUAGE="nl"))
    en = _histories(client.get(world["old pledge"], HTTP_ACCEPT_LANGUAGE="en"))

    assert "2 maart 2026 · € 400,00 · ALMERE · RF-kenmerk (automatisch)" in nl
    assert "2 Mar 2026 · €400.00 · ALMERE · RF reference (automatically)" in en
    assert "2 maart 2026 · € 600,00 · ALMERE · handmatig" in nl
    assert "Ingetrokken op 2 maart 2026" in nl and "Withdrawn on 2 Mar 2026" in en
    assert "Bedrag: € 1.000,00 → € 1.250,50" in nl and "Amount: €1,000.00 → €1,250.50" in en

    offer = _histories(client.get(world["old offer"], HTTP_ACCEPT_LANGUAGE="en"))
    assert "Kyiv (recipient via link)" in offer
    assert "Power (kVA): 60.0 → 62.5" in offer and "Fuel in tank: no → yes" in offer
    assert "Kyiv: 12 × generator ≥ 62.5 kVA" in offer


def test_new_events_keep_codes_and_values_only(world):
    for event in Event.objects.filter(data__isnull=False).exclude(data={}):
        assert set(event.data) <= {"line", "method", "automatic", "named", "shipment", "by", "recipient_link",
                                  "confirmed", "corrected", "parts", "overpayment", "receipt"}, event.data
    matched = Event.objects.filter(kind=Event.Kind.PAYMENT_MATCHED, data__automatic=True).get()
    assert matched.note == ""
    assert matched.data == {
        "line": {"booked_on": timezone.localdate().isoformat(), "amount_cents": 400_00, "counterparty": PAYER},
        "method": Payment.Method.REFERENCE,
        "automatic": True,
    }
    accepted = Event.objects.filter(kind=Event.Kind.STATUS, to_status=OfferStatus.ACCEPTED)
    assert isinstance(accepted.exclude(changes={"destination": "Kyiv"}).get().changes["destination"], int)


def test_a_timeline_looks_up_what_its_events_name_in_one_query_per_kind(world, django_assert_num_queries):
    events = list(Event.objects.filter(offer__isnull=False).select_related("actor"))
    with translation.override("en"), django_assert_num_queries(2):  # the destinations and the needs
        shown = show_all(events)
    assert any(row.new == "Kyiv" for _event, rendered in shown for row in rendered.rows)


def test_the_old_dutch_labels_are_those_the_ledger_wrote():
    # The mapping reads old values back through today's Dutch catalogue; keep it in step.
    assert _dutch(Category.GENERATOR.label) == "aggregaat"
    assert _dutch(Condition.USED.label) == "gebruikt"
