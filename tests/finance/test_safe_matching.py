"""Finance you can sign off: a wrong match asks first, undoing it corrects the thank-you, a form books once.

The finance officer's findings, each as the officer met it: a line paid by Eijsden-Margraten matched to
Terneuzen's pledge by typing a short number; a double click on "Betaling invoeren"; a payment entered by
mistake that could not be voided; "10,005" read as ten thousand euro; an overpayment shown as paid in full.
"""

import html
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import translation

from pledges.core.fields import EuroField
from pledges.finance import matching
from pledges.finance.integrity import donation_findings, split_findings
from pledges.history.integrity import chain_findings
from pledges.models import Donation, Event, KnownIban, Municipality, Payment
from tests import factories, pages
from tests.tasks import run_tasks

pytestmark = pytest.mark.django_db

EIJSDEN_IBAN = "NL02ABNA0123456789"


@pytest.fixture
def terneuzen(ukraine_appeal) -> Donation:
    municipality = Municipality.objects.get(name="Terneuzen")
    staff = factories.staff(municipality)
    return factories.donation(municipality, ukraine_appeal, staff, amount_cents=5_000_00,
                              contact_email="financien@terneuzen.example.nl")


@pytest.fixture
def eijsden(ukraine_appeal) -> Donation:
    municipality = Municipality.objects.get(name="Eijsden-Margraten")
    KnownIban.objects.create(municipality=municipality, iban=EIJSDEN_IBAN)
    staff = factories.staff(municipality)
    return factories.donation(municipality, ukraine_appeal, staff, amount_cents=2_500_00,
                              contact_email="financien@eijsden-margraten.example.nl")


@pytest.fixture
def eijsden_line(eijsden) -> Payment:
    return factories.bank_line(2_500_00, counterparty_iban=EIJSDEN_IBAN, counterparty_name="GEMEENTE EIJSDEN-MARGRATEN",
                               remittance="Bijdrage Oekraine")


def token_of(response, action: str) -> str:
    """The one-time token of the form on the page that posts to `action`, as the browser would send it."""
    for form in re.findall(r"<form\b[^>]*>.*?</form>", response.text, flags=re.DOTALL):
        if f'action="{action}"' in form:
            return html.unescape(re.search(r'name="once" value="([^"]+)"', form).group(1))
    raise AssertionError(f"no form posting to {action} on the page")


def detail(line: Payment) -> str:
    return reverse("pledges:finance_line", args=[line.pk])


def match_url(line: Payment) -> str:
    return reverse("pledges:finance_line_match", args=[line.pk])


# --------------------------------------------------------------------------- safe matching


@pytest.mark.parametrize("typed", ["52", "2", "T-52", "t52"])
def test_a_short_pledge_number_is_refused_with_the_full_number_to_type(client, finance, terneuzen, eijsden_line, typed):
    client.force_login(finance)
    before = factories.finance_snapshot()

    response = client.post(match_url(eijsden_line), factories.once({"pledge": typed}))

    assert response.status_code == 200
    digits = re.sub(r"\D", "", typed)
    [error] = pages.errors(response)
    assert error == (f"“{typed}” is geen volledig toezeggingsnummer. Typ het voluit, bijvoorbeeld "
                     f"{Donation.number_for(int(digits))}, of kies een van de suggesties.")
    assert factories.finance_snapshot() == before


def test_matching_another_municipalitys_pledge_asks_a_confirmation_that_names_the_payer(
    client, finance, terneuzen, eijsden, eijsden_line
):
    client.force_login(finance)
    page = client.get(detail(eijsden_line))
    assert "Eijsden-Margraten" in pages.plain(page)  # the suggestions name the payer
    form = {"pledge": terneuzen.number, "once": token_of(page, match_url(eijsden_line))}
    before = factories.finance_snapshot()

    asked = client.post(match_url(eijsden_line), form)

    # Nothing happens yet: a second step on the same page names what disagrees.
    assert asked.status_code == 200 and factories.finance_snapshot() == before
    assert mail.outbox == []
    shown = pages.plain(asked)
    assert (f"De betalende rekening is bekend van Eijsden-Margraten, maar toezegging {terneuzen.number} is van "
            "Terneuzen.") in shown
    assert f"€ 2.500,00 is minder dan de € 5.000,00 die openstaat op toezegging {terneuzen.number}." in shown
    confirm = re.search(r'name="confirmed" value="([^"]+)"', asked.text).group(1)
    assert confirm == f"{terneuzen.number}:amount {terneuzen.number}:other_payer"

    # The confirmation sends the same form again (same token), naming the disagreements.
    client.post(match_url(eijsden_line), form | {"confirmed": confirm})
    eijsden_line.refresh_from_db()
    assert eijsden_line.donation == terneuzen
    event = Event.objects.get(kind=Event.Kind.PAYMENT_MATCHED, payment=eijsden_line)
    assert [item["code"] for item in event.data["confirmed"]] == ["other_payer", "amount"]
    history = pages.plain(client.get(reverse("pledges:donation_detail", args=[terneuzen.pk])))
    assert "Handmatig gekoppeld ondanks, bevestigd:" in history
    assert "De betalende rekening is bekend van Eijsden-Margraten" in history


def test_a_confirmation_for_other_disagreements_than_there_are_now_asks_again(finance, terneuzen, eijsden_line):
    with pytest.raises(matching.NeedsConfirmation) as asked:
        matching.match(eijsden_line.pk, terneuzen.pk, finance, confirmed=[f"{terneuzen.number}:amount"])
    assert [item["code"] for item in asked.value.disagreements] == ["other_payer", "amount"]
    eijsden_line.refresh_from_db()
    assert eijsden_line.is_open


def test_a_match_that_agrees_with_the_ledger_needs_no_second_step(client, finance, eijsden, eijsden_line):
    client.force_login(finance)
    response = client.post(match_url(eijsden_line), factories.once({"pledge": eijsden.number}))
    assert response.status_code == 302
    eijsden_line.refresh_from_db()
    assert eijsden_line.donation == eijsden
    assert "confirmed" not in Event.objects.get(kind=Event.Kind.PAYMENT_MATCHED).data


def test_a_pledge_received_in_full_asks_before_it_is_paid_again(client, finance, eijsden, eijsden_line):
    factories.receive(eijsden, 2_500_00)
    client.force_login(finance)
    asked = client.post(match_url(eijsden_line), factories.once({"donation": eijsden.pk}))
    assert (f"Toezegging {eijsden.number} is al volledig ontvangen (€ 2.500,00 van € 2.500,00)."
            in pages.plain(asked))
    eijsden_line.refresh_from_db()
    assert eijsden_line.is_open


# --------------------------------------------------------------------------- undo, with a correction


def test_undoing_a_match_needs_a_reason_restores_the_pledge_and_mails_a_correction(
    client, finance, terneuzen, eijsden_line
):
    client.force_login(finance)
    matching.match(eijsden_line.pk, terneuzen.pk, finance, confirmed=matching.EVERYTHING)
    run_tasks()
    [thanks] = mail.outbox
    unmatch = reverse("pledges:finance_line_unmatch", args=[eijsden_line.pk])

    without_reason = client.post(unmatch, factories.once({"note": "  "}))
    assert pages.errors(without_reason) == ["Dit veld is verplicht."]
    eijsden_line.refresh_from_db()
    assert eijsden_line.donation == terneuzen

    client.post(unmatch, factories.once({"note": "Betaald door Eijsden-Margraten, niet Terneuzen"}))

    eijsden_line.refresh_from_db()
    terneuzen.refresh_from_db()
    assert eijsden_line.is_open
    assert (terneuzen.status, terneuzen.received_cents) == (Donation.Status.PLEDGED, 0)
    undone = Event.objects.get(kind=Event.Kind.PAYMENT_UNMATCHED)
    assert undone.note == "Betaald door Eijsden-Margraten, niet Terneuzen" and undone.data["corrected"] is True
    correction = mail.outbox[-1]
    assert len(mail.outbox) == 2 and correction.to == thanks.to
    assert correction.subject == (f"Correctie: € 2.500,00 niet voor toezegging {terneuzen.number} "
                                  "(Oekraïne: energie voor de winter)")
    assert "Dat bericht was onjuist" in correction.body
    assert "Nog te ontvangen:   € 5.000,00" in correction.body
    assert "Eijsden" not in correction.body  # the reason is finance's, not for the municipality


def test_undoing_a_gift_mails_nobody(finance, eijsden_line):
    matching.mark_gift(eijsden_line.pk, finance)
    matching.unmatch(eijsden_line.pk, finance, note="Toch een toezegging")
    run_tasks()
    assert mail.outbox == []


# --------------------------------------------------------------------------- split


def split_url(line: Payment) -> str:
    return reverse("pledges:finance_line_split", args=[line.pk])


def test_a_line_split_over_two_pledges_must_add_up_to_the_cent(client, finance, terneuzen, eijsden):
    line = factories.bank_line(7_500_00, counterparty_iban="", counterparty_name="SAMENWERKINGSVERBAND ZUID")
    client.force_login(finance)
    before = factories.finance_snapshot()
    parts = {"pledge_1": eijsden.number, "amount_1": "2.500,00", "pledge_2": terneuzen.number, "amount_2": "4.999,99"}

    refused = client.post(split_url(line), factories.once(parts))

    assert pages.alerts(refused) == [("De delen tellen op tot € 7.499,99, de regel is € 7.500,00: € 0,01 is niet "
                                      "toegewezen. Er is niets opgeslagen.")]
    assert factories.finance_snapshot() == before

    done = client.post(split_url(line), factories.once(parts | {"amount_2": "5.000"}))

    assert done.status_code == 302
    line.refresh_from_db()
    assert line.match_method == Payment.Method.SPLIT and line.donation is None
    for pledge, cents in ((eijsden, 2_500_00), (terneuzen, 5_000_00)):
        pledge.refresh_from_db()
        assert (pledge.status, pledge.received_cents) == (Donation.Status.RECEIVED, cents)
    assert sorted(p.amount_cents for p in line.parts.all()) == [2_500_00, 5_000_00]
    assert list(donation_findings()) == [] and list(split_findings()) == [] and list(chain_findings()) == []
    # The bank's line is one line in the lists and totals; its parts are not counted again.
    for query in ({"state": "all"}, {"state": "matched"}, {"state": "all", "q": terneuzen.number}):
        lines = client.get(reverse("pledges:finance_lines"), query)
        assert pages.plain(lines).count("SAMENWERKINGSVERBAND ZUID") == 1, query
    assert Payment.objects.lines().totals()["matched"] == line.amount
    run_tasks()
    assert sorted(m.to[0] for m in mail.outbox if "financien@" in m.to[0]) == [
        "financien@eijsden-margraten.example.nl", "financien@terneuzen.example.nl",
    ]


def test_verify_ledger_names_a_split_line_whose_parts_were_changed_behind_the_apps_back(finance, terneuzen, eijsden):
    line = factories.bank_line(7_500_00, counterparty_iban="")
    matching.split(line.pk, [(eijsden.pk, 2_500_00), (terneuzen.pk, 5_000_00)], finance, confirmed=matching.EVERYTHING)
    Payment.objects.filter(split_of=line, donation=eijsden).update(amount_cents=2_400_00)
    assert list(split_findings()) == [
        f"Bank line id {line.pk} (split) of €7,500.00: its parts pay pledges €7,400.00"
    ]


def test_too_much_in_a_split_is_named(finance, terneuzen, eijsden):
    line = factories.bank_line(7_500_00, counterparty_iban="")
    with pytest.raises(matching.MatchRefused) as refused:
        matching.split(line.pk, [(eijsden.pk, 2_500_00), (terneuzen.pk, 5_000_50)], finance)
    assert "€ 0,50 te veel" in str(refused.value)


def test_unmatching_a_split_line_undoes_all_its_parts(client, finance, terneuzen, eijsden):
    line = factories.bank_line(7_500_00, counterparty_iban="")
    matching.split(line.pk, [(eijsden.pk, 2_500_00), (terneuzen.pk, 5_000_00)], finance)
    part = line.parts.first()
    with pytest.raises(matching.MatchRefused):
        matching.unmatch(part.pk, finance, note="Alleen dit deel")
    run_tasks()
    thanked = len(mail.outbox)

    client.force_login(finance)
    client.post(reverse("pledges:finance_line_unmatch", args=[line.pk]), factories.once({"note": "Verkeerd verdeeld"}))

    line.refresh_from_db()
    assert line.is_open
    for pledge in (eijsden, terneuzen):
        pledge.refresh_from_db()
        assert (pledge.status, pledge.received_cents) == (Donation.Status.PLEDGED, 0)
    assert set(line.parts.values_list("match_method", "donation")) == {(Payment.Method.VOIDED, None)}
    assert Event.objects.filter(kind=Event.Kind.PAYMENT_UNMATCHED).count() == 2
    assert Event.objects.get(kind=Event.Kind.SPLIT_UNDONE).note == "Verkeerd verdeeld"
    assert len(mail.outbox) == thanked + 2 and all(m.subject.startswith("Correctie") for m in mail.outbox[thanked:])
    assert list(donation_findings()) == []
    # Open again, it can be matched whole.
    matching.match(line.pk, eijsden.pk, finance, confirmed=matching.EVERYTHING)


# --------------------------------------------------------------------------- forms that book money, once


def manual_form(page, appeal, **overrides) -> dict:
    return {
        "once": token_of(page, reverse("pledges:finance_manual_payment_create")),
        "appeal": appeal.pk, "booking_date": "2026-01-05", "amount": "2.500,00",
        "counterparty_name": "Gemeente Eijsden-Margraten, kas", "counterparty_iban": "", "remittance": "Contant",
        "pledge": "", "note": "",
    } | overrides


def test_a_double_click_on_betaling_invoeren_records_and_thanks_once(client, finance, eijsden, ukraine_appeal):
    client.force_login(finance)
    page = client.get(reverse("pledges:finance_manual_payments"))
    data = manual_form(page, ukraine_appeal, pledge=eijsden.number)

    first = client.post(reverse("pledges:finance_manual_payment_create"), data)
    second = client.post(reverse("pledges:finance_manual_payment_create"), data, follow=True)

    line = Payment.objects.get()
    assert first.url == detail(line) and second.redirect_chain[-1][0] == detail(line)
    assert any("Dit formulier was al verstuurd" in message and "de tweede keer is er niets gedaan" in message
               for message in pages.messages(second))
    eijsden.refresh_from_db()
    assert eijsden.received_cents == 2_500_00
    assert Event.objects.filter(kind=Event.Kind.PAYMENT_MATCHED).count() == 1
    assert len(mail.outbox) == 1


def test_a_fresh_page_gives_a_fresh_token(client, finance, ukraine_appeal):
    client.force_login(finance)
    url = reverse("pledges:finance_manual_payments")
    for _ in range(2):
        client.post(reverse("pledges:finance_manual_payment_create"), manual_form(client.get(url), ukraine_appeal))
    assert Payment.objects.count() == 2


def test_a_refused_submit_leaves_its_token_unused_so_the_corrected_form_books(client, finance, ukraine_appeal):
    client.force_login(finance)
    data = manual_form(client.get(reverse("pledges:finance_manual_payments")), ukraine_appeal)
    refused = client.post(reverse("pledges:finance_manual_payment_create"), data | {"amount": "10,005"})
    assert refused.status_code == 200 and not Payment.objects.exists()
    client.post(reverse("pledges:finance_manual_payment_create"), data)
    assert Payment.objects.count() == 1


def test_a_form_without_a_valid_token_books_nothing(client, finance, ukraine_appeal, eijsden_line, eijsden):
    client.force_login(finance)
    before = factories.finance_snapshot()
    data = manual_form(client.get(reverse("pledges:finance_manual_payments")), ukraine_appeal)
    for token in ("", "0" * 32, data["once"] + "x"):
        response = client.post(reverse("pledges:finance_manual_payment_create"), data | {"once": token}, follow=True)
        assert "Dit formulier is verouderd" in " ".join(pages.messages(response))
        client.post(match_url(eijsden_line), {"donation": eijsden.pk, "once": token})
    assert factories.finance_snapshot() == before


@pytest.mark.parametrize("action", ["match", "split", "gift", "unmatch", "void"])
def test_each_booking_form_sent_twice_acts_once(client, finance, eijsden, terneuzen, ukraine_appeal, action):
    client.force_login(finance)
    line = matching.enter_payment(appeal=ukraine_appeal, booking_date=eijsden.created_at.date(),
                                  amount_cents=2_500_00, counterparty_name="Kas", counterparty_iban="",
                                  remittance="Contant", donation=None, user=finance)
    if action in ("unmatch", "void"):
        matching.match(line.pk, eijsden.pk, finance)
    page = client.get(detail(line))
    url, data = {
        "match": (match_url(line), {"pledge": eijsden.number}),
        "split": (split_url(line), {"pledge_1": eijsden.number, "amount_1": "1.000", "pledge_2": terneuzen.number,
                                    "amount_2": "1.500", "confirmed": f"{eijsden.number}:amount {terneuzen.number}:amount"}),
        "gift": (reverse("pledges:finance_line_gift", args=[line.pk]), {"note": ""}),
        "unmatch": (reverse("pledges:finance_line_unmatch", args=[line.pk]), {"note": "Dubbel"}),
        "void": (reverse("pledges:finance_line_void", args=[line.pk]), {"note": "Per vergissing ingevoerd"}),
    }[action]
    data["once"] = token_of(page, url)

    client.post(url, data)
    after_first = factories.finance_snapshot()
    run_tasks()
    mails = len(mail.outbox)
    again = client.post(url, data, follow=True)

    assert factories.finance_snapshot() == after_first
    assert len(mail.outbox) == mails
    assert any("al verstuurd" in message for message in pages.messages(again))


# --------------------------------------------------------------------------- void


def test_a_payment_entered_by_mistake_is_voided_with_its_match_undone(client, finance, eijsden, ukraine_appeal):
    client.force_login(finance)
    line = matching.enter_payment(appeal=ukraine_appeal, booking_date=eijsden.created_at.date(), amount_cents=2_500_00,
                                  counterparty_name="Kas", counterparty_iban="", remittance="Contant",
                                  donation=eijsden, user=finance)
    run_tasks()
    void = reverse("pledges:finance_line_void", args=[line.pk])

    assert pages.errors(client.post(void, factories.once({"note": ""}))) == ["Dit veld is verplicht."]
    client.post(void, factories.once({"note": "Dubbel ingevoerd, stond al op het afschrift"}))

    line.refresh_from_db()
    eijsden.refresh_from_db()
    assert line.match_method == Payment.Method.VOIDED and line.donation is None
    assert (eijsden.status, eijsden.received_cents) == (Donation.Status.PLEDGED, 0)
    voided = Event.objects.get(kind=Event.Kind.PAYMENT_VOIDED)
    assert (voided.payment, voided.note) == (line, "Dubbel ingevoerd, stond al op het afschrift")
    assert mail.outbox[-1].subject.startswith("Correctie")
    assert line not in Payment.objects.unmatched()
    assert Payment.objects.lines().totals()["open"] == 0 and Payment.objects.lines().totals()["other"] == 0
    with pytest.raises(matching.MatchRefused):
        matching.match(line.pk, eijsden.pk, finance, confirmed=matching.EVERYTHING)
    assert "vervallen verklaard" in pages.plain(client.get(detail(line)))


def test_a_bank_line_cannot_be_voided_and_the_page_says_why(client, finance, eijsden_line):
    client.force_login(finance)
    page = pages.plain(client.get(detail(eijsden_line)))
    assert "Een regel van een bankafschrift kan niet vervallen worden verklaard" in page
    response = client.post(reverse("pledges:finance_line_void", args=[eijsden_line.pk]),
                           factories.once({"note": "Weg ermee"}), follow=True)
    assert "Alleen een handmatig ingevoerde betaling kan vervallen worden verklaard" in " ".join(pages.messages(response))
    eijsden_line.refresh_from_db()
    assert eijsden_line.is_open and not Event.objects.filter(kind=Event.Kind.PAYMENT_VOIDED).exists()


# --------------------------------------------------------------------------- three decimals


@pytest.mark.parametrize(
    ("language", "typed", "result"),
    [
        ("nl", "10,005", ("“10,005” heeft drie cijfers achter het decimaalteken (gelezen als 10 euro en 0,5 cent); "
                          "een bedrag in euro heeft hoogstens twee decimalen. Typ voor € 10.005,00: 10.005.")),
        ("nl", "10.005", 10_005_00),
        ("nl", "1.250,505", ("“1.250,505” heeft drie cijfers achter het decimaalteken (gelezen als 1.250 euro en "
                             "50,5 cent); een bedrag in euro heeft hoogstens twee decimalen.")),
        ("en", "10.005", ("“10.005” has three digits after the decimal mark (read as 10 euro and 0.5 cent); an amount "
                          "in euro has at most two decimals. For €10,005.00 type 10,005.")),
        ("en", "10,005", 10_005_00),
        ("en", "1,250.50", 1_250_50),
        ("nl", "1.250,50", 1_250_50),
    ],
)
def test_three_decimals_are_refused_in_either_language_saying_what_was_read(language, typed, result):
    with translation.override(language):
        if isinstance(result, int):
            assert EuroField().clean(typed) == result
        else:
            with pytest.raises(Exception) as refused:
                EuroField().clean(typed)
            assert refused.value.messages == [result]


# --------------------------------------------------------------------------- overpayments


def test_an_overpayment_is_flagged_mailed_listed_and_decided(client, finance, terneuzen):
    line = factories.bank_line(9_999_75, counterparty_iban="")
    client.force_login(finance)
    asked = client.post(match_url(line), factories.once({"pledge": terneuzen.number}))
    assert (f"€ 9.999,75 is meer dan de € 5.000,00 die openstaat op toezegging {terneuzen.number}: € 4.999,75 te "
            "veel.") in pages.plain(asked)
    client.post(match_url(line), factories.once({"pledge": terneuzen.number,
                                                 "confirmed": f"{terneuzen.number}:amount"}))

    [thanks] = mail.outbox
    assert "Ontvangen: meer dan toegezegd, € 4.999,75 te veel." in thanks.body
    assert "volledig ontvangen" not in thanks.body
    flag = "Teveel ontvangen € 4.999,75: financiën heeft nog niet besloten."
    pledge_page = pages.plain(client.get(reverse("pledges:donation_detail", args=[terneuzen.pk])))
    assert flag in pledge_page
    assert flag in pages.plain(client.get(reverse("pledges:donation_list")))
    listed = client.get(reverse("pledges:finance_overpayments"), {"undecided": "1"})
    assert terneuzen.number in listed.text and flag in pages.plain(listed)

    decide = reverse("pledges:finance_overpayment_decide", args=[terneuzen.pk])
    client.post(decide, {"decision": "refund", "excess": "499975", "note": "Gebeld", "once": token_of(listed, decide)})

    decided = Event.objects.get(kind=Event.Kind.OVERPAYMENT_DECIDED)
    assert (decided.donation, decided.data, decided.note) == (
        terneuzen, {"overpayment": {"decision": "refund", "cents": 4_999_75}}, "Gebeld",
    )
    shown = "Teveel ontvangen € 4.999,75: wordt terugbetaald."
    assert shown in pages.plain(client.get(reverse("pledges:donation_detail", args=[terneuzen.pk])))
    assert shown in pages.plain(client.get(reverse("pledges:donation_list")))
    assert terneuzen.number not in client.get(reverse("pledges:finance_overpayments"), {"undecided": "1"}).text


def test_a_decision_about_an_excess_that_changed_meanwhile_is_refused(finance, terneuzen):
    factories.receive(terneuzen, 6_000_00)
    with pytest.raises(matching.MatchRefused) as refused:
        matching.decide_overpayment(terneuzen.pk, "keep", 500_00, finance)
    assert "intussen veranderd (nu € 1.000,00)" in str(refused.value)
    assert not Event.objects.filter(kind=Event.Kind.OVERPAYMENT_DECIDED).exists()
