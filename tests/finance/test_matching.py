"""Matching bank lines to pledges: RF first, then known account and amount, else finance decides."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.core import mail
from django.db import connection, transaction
from django.db.models import Sum
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)

from pledges.finance import matching
from pledges.finance.matching import MatchRefused, _settle, auto_match, mark_gift, references_in_text
from pledges.finance.statements import AlreadyImported, import_statement
from pledges.finance.suggestions import SCORE_RESEMBLES, Suggestion, pledge_numbers_in, suggestions
from pledges.models import (
    Appeal,
    Donation,
    Event,
    KnownIban,
    Municipality,
    Payment,
    Role,
    User,
)
from tests import factories
from tests.tasks import queued, run_tasks

FUND = "NL94BNGH0285173715"
ALMERE_IBAN = "NL38BNGH0285012345"


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    row = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00,
                             iban=ALMERE_IBAN, contact_email="financien@almere.example.nl")
    KnownIban.objects.get_or_create(municipality=row.municipality, iban=ALMERE_IBAN)
    return row


def received_elsewhere(donation: Donation, cents: int) -> None:
    """Money recorded without a bank line here (as a legacy import would)."""
    donation.received_cents = cents
    donation.status = donation.status_from_received()
    Donation.objects.filter(pk=donation.pk).update(received_cents=cents, status=donation.status)


def status_and_received(donation: Donation) -> tuple[str, int]:
    donation.refresh_from_db()
    return donation.status, donation.received_cents


# --------------------------------------------------------------------------- finding RF references


@pytest.mark.parametrize(
    "text",
    [
        "Oekraine RF18VNG90001202",
        "oekraine rf18 vng9 0001 202 dank",
        "OekraineRF18VNG90001202",
        "RF18 VNG9 0001 202",
        "Bijdrage; RF18-VNG90001202?",  # a dash breaks the reference: not found
    ],
)
def test_it_finds_an_rf_reference_however_it_is_written(text):
    found = list(references_in_text(text))
    if "-" in text:
        assert "RF18VNG90001202" not in found
    else:
        assert "RF18VNG90001202" in found


def test_it_ignores_rf_look_alikes_with_a_wrong_check():
    assert list(references_in_text("RF19VNG90001202 and RF00 ABC")) == []


# --------------------------------------------------------------------------- automatic matching


def test_a_reference_in_the_description_matches_exactly(finance, pledge):
    line = factories.bank_line(1_000_00, counterparty_iban="NL51BUNQ2045678901",
                               remittance=f"Oekraine {pledge.reference_display.lower()}")
    assert auto_match([line], finance) == 1
    line.refresh_from_db()
    assert (line.donation_id, line.match_method) == (pledge.pk, Payment.Method.REFERENCE)
    assert status_and_received(pledge) == (Donation.Status.RECEIVED, 1_000_00)


def test_a_structured_reference_matches_a_partial_payment(finance, pledge):
    line = factories.bank_line(400_00, structured_reference=pledge.reference, remittance="")
    auto_match([line], finance)
    assert status_and_received(pledge) == (Donation.Status.PARTLY_RECEIVED, 400_00)


def test_a_known_account_and_the_exact_outstanding_amount_match(finance, pledge):
    received_elsewhere(pledge, 250_00)
    line = factories.bank_line(750_00, counterparty_iban=ALMERE_IBAN, remittance="Tweede termijn")
    assert auto_match([line], finance) == 1
    line.refresh_from_db()
    assert line.match_method == Payment.Method.IBAN_AMOUNT
    # The line's amount comes on top of what was recorded before.
    assert status_and_received(pledge) == (Donation.Status.RECEIVED, 1_000_00)


def test_a_known_account_with_two_candidate_pledges_is_left_to_finance(finance, pledge, almere_staff, ukraine_appeal):
    twin = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00)
    line = factories.bank_line(1_000_00, counterparty_iban=ALMERE_IBAN, remittance="Bijdrage")

    assert auto_match([line], finance) == 0

    suggested = [s.donation.pk for s in suggestions([line])[line.pk]]
    assert set(suggested[:2]) == {pledge.pk, twin.pk}


def test_a_known_account_with_another_amount_is_only_a_suggestion(finance, pledge):
    line = factories.bank_line(999_00, counterparty_iban=ALMERE_IBAN)
    assert auto_match([line], finance) == 0
    [suggestion] = suggestions([line])[line.pk]
    assert suggestion.donation == pledge
    assert "bekende rekening van Almere" in " ".join(suggestion.reasons)


# --------------------------------------------------------------------------- suggestions weigh the signals together


def _pledges_of(name: str, almere_staff, appeal, *amounts: int) -> list[Donation]:
    municipality = Municipality.objects.get(name=name)
    return [factories.donation(municipality, appeal, almere_staff, amount_cents=cents) for cents in amounts]


def _suggested(line: Payment) -> list[Suggestion]:
    return suggestions([line])[line.pk]


def test_the_named_municipalitys_pledges_come_before_others_that_share_only_the_amount(almere_staff, ukraine_appeal):
    """GEMEENTE UTRECHT pays € 10.000 while Zutphen, Soest and Wormerland each await exactly that."""
    others = [
        pledge
        for name in ("Zutphen", "Soest", "Wormerland")
        for pledge in _pledges_of(name, almere_staff, ukraine_appeal, 10_000_00)
    ]
    utrecht_other_amount, utrecht_this_amount = _pledges_of(
        "Utrecht", almere_staff, ukraine_appeal, 25_000_00, 10_000_00
    )
    line = factories.bank_line(10_000_00, counterparty_name="GEMEENTE UTRECHT", counterparty_iban="NL02ABNA0123456789")

    ranked = _suggested(line)

    assert [s.donation for s in ranked[:2]] == [utrecht_this_amount, utrecht_other_amount]
    assert {s.donation for s in ranked[2:]} <= set(others)
    assert ranked[0].reasons == [
        "de naam van de rekeninghouder bevat Utrecht", "het bedrag is gelijk aan wat nog openstaat",
    ]
    assert ranked[0].doubts == [] and ranked[1].doubts == []
    assert all(s.doubts == ["maar de betaler lijkt Utrecht te zijn"] for s in ranked[2:])


def test_a_named_municipality_without_a_pledge_gives_no_false_reassurance(almere_staff, ukraine_appeal):
    """GEMEENTE HAARLEM pays € 15.000; Haarlem pledged nothing, Utrecht and Almere await € 15.000."""
    others = [
        *_pledges_of("Utrecht", almere_staff, ukraine_appeal, 15_000_00),
        *_pledges_of("Almere", almere_staff, ukraine_appeal, 15_000_00),
    ]
    line = factories.bank_line(15_000_00, counterparty_name="GEMEENTE HAARLEM", counterparty_iban="NL02ABNA0123456789")

    ranked = _suggested(line)

    assert {s.donation for s in ranked} == set(others)
    for suggestion in ranked:
        assert suggestion.reasons == ["het bedrag is gelijk aan wat nog openstaat"]
        assert suggestion.doubts == ["maar de betaler lijkt Haarlem te zijn, dat geen openstaande toezegging heeft"]
        assert suggestion.score < SCORE_RESEMBLES  # weaker than any sign of who paid


@pytest.mark.parametrize("shared", [False, True], ids=["account of Almere", "account also known for others"])
def test_a_known_account_counts_only_for_the_municipality_it_is_known_for(almere_staff, ukraine_appeal, shared):
    """GEMEENTE ALMERE pays € 25.000 from Almere's known account; Utrecht and Vaals await € 25.000."""
    [almere_pledge] = _pledges_of("Almere", almere_staff, ukraine_appeal, 1_000_00)
    others = [
        *_pledges_of("Utrecht", almere_staff, ukraine_appeal, 25_000_00, 25_000_00, 25_000_00),
        *_pledges_of("Vaals", almere_staff, ukraine_appeal, 25_000_00, 25_000_00),
        *_pledges_of("Reusel-De Mierden", almere_staff, ukraine_appeal, 25_000_00),
    ]
    KnownIban.objects.create(municipality=almere_pledge.municipality, iban=ALMERE_IBAN)
    if shared:  # as a shared service centre's account, or the demo data's four IBANs for many
        for name in ("Utrecht", "Vaals"):
            KnownIban.objects.create(municipality=Municipality.objects.get(name=name), iban=ALMERE_IBAN)
    line = factories.bank_line(25_000_00, counterparty_name="GEMEENTE ALMERE", counterparty_iban=ALMERE_IBAN)

    ranked = _suggested(line)

    assert ranked[0].donation == almere_pledge
    if shared:
        assert ranked[0].reasons == [
            "betaald vanaf een rekening die bekend is voor Almere en 2 andere gemeenten",
            "de naam van de rekeninghouder bevat Almere",
        ]
    else:
        assert ranked[0].reasons == [
            "betaald vanaf een bekende rekening van Almere", "de naam van de rekeninghouder bevat Almere",
        ]
    shown = " ".join(reason for s in ranked for reason in s.reasons)
    assert "bekende rekening van Utrecht" not in shown and "bekende rekening van Vaals" not in shown
    assert {s.donation for s in ranked[1:]} <= set(others)
    assert all(s.doubts == ["maar de betaler lijkt Almere te zijn"] for s in ranked[1:])


def test_a_pledge_number_in_the_description_is_a_strong_sign(almere_staff, ukraine_appeal):
    quoted, same_amount = _pledges_of("Zutphen", almere_staff, ukraine_appeal, 2_000_00, 3_000_00)
    line = factories.bank_line(3_000_00, remittance=f"Bijdrage Oekraine {quoted.number.lower()}", counterparty_name="")

    ranked = _suggested(line)

    assert [s.donation for s in ranked] == [quoted, same_amount]
    assert ranked[0].reasons == [f"het toezeggingsnummer {quoted.number} staat in de omschrijving"]


@pytest.mark.parametrize(
    ("text", "numbers"),
    [("T-000061", {61}), ("t61 en T-0000000", {61}), ("ST-12 AT-5", set()), ("toezegging T-61, T-62.", {61, 62})],
)
def test_it_reads_pledge_numbers_in_a_description(text, numbers):
    assert pledge_numbers_in(text) == numbers


def test_the_reference_of_a_paid_or_withdrawn_pledge_is_not_matched_automatically(finance, pledge, almere_staff, ukraine_appeal):
    received_elsewhere(pledge, 1_000_00)
    withdrawn = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    Donation.objects.filter(pk=withdrawn.pk).update(status=Donation.Status.WITHDRAWN)
    paid_again = factories.bank_line(1_000_00, remittance=pledge.reference)
    for_withdrawn = factories.bank_line(1_000_00, remittance=withdrawn.reference, counterparty_iban="")

    assert auto_match([paid_again, for_withdrawn], finance) == 0

    [first] = suggestions([paid_again])[paid_again.pk][:1]
    assert first.donation == pledge and "maar de toezegging is ontvangen" in first.reasons[0]
    assert "maar de toezegging is ingetrokken" in suggestions([for_withdrawn])[for_withdrawn.pk][0].reasons[0]


def test_two_payments_of_the_same_pledge_in_one_file_match_until_it_is_paid(finance, pledge):
    lines = [factories.bank_line(600_00, remittance=pledge.reference) for _ in range(3)]
    assert auto_match(lines, finance) == 2  # 600 + 600 ≥ 1000; the third waits
    assert status_and_received(pledge) == (Donation.Status.RECEIVED, 1_200_00)


def test_rematch_picks_up_a_pledge_made_after_the_money_arrived(finance, almere_staff, ukraine_appeal):
    early = factories.bank_line(500_00, counterparty_iban=ALMERE_IBAN, remittance="Alvast")
    assert matching.rematch(finance) == 0
    late = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=500_00)
    KnownIban.objects.create(municipality=late.municipality, iban=ALMERE_IBAN)

    assert matching.rematch(finance) == 1
    early.refresh_from_db()
    assert early.donation == late


def test_rematch_leaves_a_line_a_person_unmatched(finance, pledge):
    line = factories.bank_line(1_000_00, remittance=pledge.reference)
    auto_match([line], finance)
    matching.unmatch(line.pk, finance, note="Verkeerde gemeente")
    assert matching.rematch(finance) == 0
    line.refresh_from_db()
    assert line.is_open


# --------------------------------------------------------------------------- finance's hand


def test_several_lines_may_pay_one_pledge(finance, pledge, django_capture_on_commit_callbacks):
    first = factories.bank_line(300_00, counterparty_iban="")
    second = factories.bank_line(700_00, counterparty_iban="")

    with django_capture_on_commit_callbacks(execute=True):
        matching.match(first.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
    assert status_and_received(pledge) == (Donation.Status.PARTLY_RECEIVED, 300_00)
    with django_capture_on_commit_callbacks(execute=True):
        matching.match(second.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
    assert status_and_received(pledge) == (Donation.Status.RECEIVED, 1_000_00)

    events = Event.objects.filter(donation=pledge, kind=Event.Kind.PAYMENT_MATCHED).order_by("at", "id")
    assert [(e.payment_id, e.from_status, e.to_status, e.actor) for e in events] == [
        (first.pk, Donation.Status.PLEDGED, Donation.Status.PARTLY_RECEIVED, finance),
        (second.pk, Donation.Status.PARTLY_RECEIVED, Donation.Status.RECEIVED, finance),
    ]
    assert events[1].changes == {"received_cents": [300_00, 1_000_00]}


def test_the_municipality_is_thanked_with_the_amount_received(finance, pledge):
    line = factories.bank_line(400_00, booking_date=datetime.date(2026, 3, 2))

    matching.match(line.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)

    assert queued() == [("send_payment_received", [line.pk, pledge.pk, 400_00], {})]
    assert run_tasks() == 1
    [message] = mail.outbox
    assert message.to == sorted({"financien@almere.example.nl", pledge.created_by.email})
    assert message.subject == f"Ontvangen: € 400,00 voor toezegging {pledge.number} (Oekraïne: energie voor de winter)"
    assert "Hartelijk dank" in message.body
    assert "op 2 maart 2026 € 400,00 van de gemeente Almere ontvangen" in message.body
    assert "Nog te ontvangen:   € 600,00" in message.body
    assert pledge.reference in message.body


def test_no_thanks_are_sent_when_the_match_is_rolled_back(finance, pledge):
    line = factories.bank_line(400_00)
    with pytest.raises(RuntimeError), transaction.atomic():
        matching.match(line.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
        raise RuntimeError("rolled back")
    assert queued() == [] and run_tasks() == 0 and mail.outbox == []


def test_a_gift_without_pledge_counts_for_no_pledge(finance, pledge):
    line = factories.bank_line(50_00, counterparty_name="M JANSEN", counterparty_iban="NL51BUNQ2045678901")

    mark_gift(line.pk, finance, note="Particuliere gift")

    line.refresh_from_db()
    assert (line.match_method, line.donation_id, line.matched_by) == (Payment.Method.GIFT, None, finance)
    assert Event.objects.get(payment=line).kind == Event.Kind.GIFT
    assert status_and_received(pledge) == (Donation.Status.PLEDGED, 0)


def test_unmatching_gives_the_money_back_to_the_line_and_tells_the_history(finance, pledge):
    line = factories.bank_line(1_000_00, remittance=pledge.reference)
    auto_match([line], finance)

    matching.unmatch(line.pk, finance, note="Dubbel geboekt")

    line.refresh_from_db()
    assert line.is_open and line.matched_by is None and line.matched_at is None
    assert status_and_received(pledge) == (Donation.Status.PLEDGED, 0)
    undone = Event.objects.get(kind=Event.Kind.PAYMENT_UNMATCHED)
    assert (undone.donation, undone.payment, undone.note) == (pledge, line, "Dubbel geboekt")
    assert (undone.from_status, undone.to_status) == (Donation.Status.RECEIVED, Donation.Status.PLEDGED)


def test_after_unmatching_everything_the_municipality_may_change_its_pledge_again(finance, pledge):
    line = factories.bank_line(200_00)
    matching.match(line.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
    pledge.refresh_from_db()
    assert not pledge.is_editable
    matching.unmatch(line.pk, finance, note="Verkeerd")
    pledge.refresh_from_db()
    assert pledge.is_editable


@pytest.mark.parametrize(
    ("fields", "says"),
    [
        ({"amount_cents": -100_00}, "Dit is een afschrijving"),
        ({"account": "NL74ABNA0612345678"}, "geen rekening waarop een oproep geld inzamelt"),
        ({"currency": "USD"}, "niet in euro"),
    ],
)
def test_lines_that_cannot_pay_a_pledge_are_refused(finance, pledge, fields, says):
    line = factories.bank_line(**({"amount_cents": 100_00} | fields))
    for act in (lambda: matching.match(line.pk, pledge.pk, finance, confirmed=matching.EVERYTHING),
                lambda: mark_gift(line.pk, finance)):
        with pytest.raises(MatchRefused) as refused:
            act()
        assert says in str(refused.value)
    assert status_and_received(pledge) == (Donation.Status.PLEDGED, 0)


def test_a_matched_line_is_not_matched_again(finance, pledge, almere_staff, ukraine_appeal):
    other = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    line = factories.bank_line(100_00)
    matching.match(line.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)

    with pytest.raises(MatchRefused) as refused:
        matching.match(line.pk, other.pk, finance, confirmed=matching.EVERYTHING)
    assert "al gekoppeld aan toezegging" in str(refused.value)
    with pytest.raises(MatchRefused):
        mark_gift(line.pk, finance)
    assert status_and_received(other) == (Donation.Status.PLEDGED, 0)


def test_a_withdrawn_pledge_receives_money_only_once_finance_confirms(finance, pledge):
    Donation.objects.filter(pk=pledge.pk).update(status=Donation.Status.WITHDRAWN)
    line = factories.bank_line(100_00)
    with pytest.raises(matching.NeedsConfirmation) as asked:
        matching.match(line.pk, pledge.pk, finance)
    assert [item["code"] for item in asked.value.disagreements] == ["withdrawn"]
    line.refresh_from_db()
    assert line.is_open

    matching.match(line.pk, pledge.pk, finance, confirmed=[f"{pledge.number}:withdrawn"])
    assert status_and_received(pledge) == (Donation.Status.WITHDRAWN, 100_00)


def test_the_database_keeps_a_match_whole_and_debits_unmatched(pledge):
    from django.db import IntegrityError

    line = factories.bank_line(-100_00)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=line.pk).update(donation=pledge, match_method="manual",
                                                  matched_at=datetime.datetime.now(datetime.UTC))
    credit = factories.bank_line(100_00)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=credit.pk).update(donation=pledge)  # no method, no time


# --------------------------------------------------------------------------- two finance users at once


def _confirm_in_own_connection(barrier, results, line_pk, donation_pk, user_pk):
    try:
        user = User.objects.get(pk=user_pk)
        barrier.wait(timeout=10)
        matching.match(line_pk, donation_pk, user, confirmed=matching.EVERYTHING)
        results.append("matched")
    except MatchRefused:
        results.append("refused")
    except Exception as error:  # noqa: BLE001 - any other outcome fails the assertion on `results`
        results.append(repr(error))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("same_pledge", [True, False], ids=["same-pledge", "different-pledges"])
def test_two_finance_users_confirming_at_once_match_a_line_once(reference_data, monkeypatch, same_pledge):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN (IMMEDIATE), so two writers never overlap; "
                    "the race needs PostgreSQL's row locks and two connections")
    appeal = Appeal.objects.get(transfer_keyword="Oekraine")
    almere = Municipality.objects.get(code="GM0034")
    staff = User.objects.create_user("race@almere.nl", "x" * 16, role=Role.MUNICIPAL_STAFF, municipality=almere)
    dirk = User.objects.create_user("dirk@vngfonds.nl", "x" * 16, role=Role.FINANCE)
    fenna = User.objects.create_user("fenna@vngfonds.nl", "x" * 16, role=Role.FINANCE)
    first = factories.donation(almere, appeal, staff, amount_cents=1_000_00)
    second = first if same_pledge else factories.donation(almere, appeal, staff, amount_cents=1_000_00)
    line = factories.bank_line(1_000_00)
    original = _settle

    def slow_settle(*args, **kwargs):
        # Hold the locks a moment, so the other confirmation surely arrives meanwhile.
        import time

        time.sleep(0.3)
        return original(*args, **kwargs)

    monkeypatch.setattr(matching, "_settle", slow_settle)
    barrier, results = threading.Barrier(2), []
    threads = [
        threading.Thread(target=_confirm_in_own_connection, args=(barrier, results, line.pk, first.pk, dirk.pk)),
        threading.Thread(target=_confirm_in_own_connection, args=(barrier, results, line.pk, second.pk, fenna.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(results) == ["matched", "refused"]
    line.refresh_from_db()
    assert line.donation_id in {first.pk, second.pk}
    received = Donation.objects.filter(pk__in={first.pk, second.pk}).aggregate(total=Sum("received_cents"))
    assert received["total"] == 1_000_00
    assert Event.objects.filter(payment=line, kind=Event.Kind.PAYMENT_MATCHED).count() == 1


# --------------------------------------------------------------------------- random sequences


def _mt940_amount(cents: int) -> str:
    return f"{abs(cents) // 100},{abs(cents) % 100:02d}"


def _mt940_day(number: int, day: datetime.date, opening: int, lines: list[tuple[int, str, str, str]]) -> str:
    """One daily MT940 statement of the fund's account, BNG style."""
    closing = opening + sum(line[0] for line in lines)
    parts = [
        f":20:HYP{number:08d}",
        f":25:{FUND}",
        f":28C:{number:05d}/00001",
        f":60F:{'C' if opening >= 0 else 'D'}{day - datetime.timedelta(days=1):%y%m%d}EUR{_mt940_amount(opening)}",
    ]
    for cents, iban, name, text in lines:
        parts.append(f":61:{day:%y%m%d%m%d}{'C' if cents > 0 else 'D'}{_mt940_amount(cents)}NTRFNONREF")
        parts.append(f":86:/CNTP/{iban}/BNGHNL2G/{name}/AMSTERDAM//REMI/USTD//{text}/")
    parts.append(f":62F:{'C' if closing >= 0 else 'D'}{day:%y%m%d}EUR{_mt940_amount(closing)}")
    return "\n".join(parts) + "\n"


UNKNOWN_IBAN = "NL51BUNQ2045678901"
LINE_KINDS = st.sampled_from(["reference", "iban_amount", "stranger", "debit", "twin"])


class LedgerMachine(RuleBasedStateMachine):
    """Pledge, import, re-import, match, unmatch and gift in any order; the books always balance."""

    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.appeal = Appeal.objects.get(transfer_keyword="Oekraine")
        self.municipalities = list(Municipality.objects.filter(code__in=["GM0034", "GM0344", "GM0193"]))
        self.staff = User.objects.create_user("hyp@almere.nl", "x" * 16, role=Role.MUNICIPAL_STAFF,
                                              municipality=self.municipalities[0])
        self.finance = User.objects.create_user("hyp@vngfonds.nl", "x" * 16, role=Role.FINANCE)
        self.pledges: list[Donation] = []
        self.day = datetime.date(2026, 3, 1)
        self.balance = 1_000_000_00
        self.opening = self.balance
        self.statements = 0
        self.last_file: bytes | None = None
        self.last_day_text = ""

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    @rule(which=st.integers(0, 2), cents=st.integers(1, 50_000_00))
    def pledge(self, which, cents):
        municipality = self.municipalities[which]
        iban = ["NL38BNGH0285012345", "NL62BNGH0285023456", "NL86BNGH0285034567"][which]
        row = factories.donation(municipality, self.appeal, self.staff, amount_cents=cents, iban=iban)
        KnownIban.objects.get_or_create(municipality=municipality, iban=iban)
        self.pledges.append(row)

    @rule(specs=st.lists(st.tuples(LINE_KINDS, st.integers(0, 50), st.integers(1, 20_000_00)), max_size=6),
          overlap=st.booleans())
    def import_day(self, specs, overlap):
        lines: list[tuple[int, str, str, str]] = []
        for kind, index, cents in specs:
            target = self.pledges[index % len(self.pledges)] if self.pledges else None
            target = Donation.objects.get(pk=target.pk) if target else None
            if kind == "reference" and target:
                lines.append((cents, UNKNOWN_IBAN, "GEMEENTE", f"Oekraine {target.reference_display.lower()}"))
            elif kind == "iban_amount" and target and target.amount_cents > target.received_cents:
                lines.append((target.amount_cents - target.received_cents, target.iban, "GEMEENTE", "Bijdrage"))
            elif kind == "debit":
                lines.append((-cents, UNKNOWN_IBAN, "LEVERANCIER", "Factuur"))
            elif kind == "twin" and lines:
                lines.append(lines[-1])
            else:
                lines.append((cents, UNKNOWN_IBAN, "PARTICULIER", "Gift"))
        self.day += datetime.timedelta(days=1)
        self.statements += 1
        text = _mt940_day(self.statements, self.day, self.balance, lines)
        data = ((self.last_day_text if overlap else "") + text).encode()
        before = Payment.objects.count()
        result = import_statement(data, file_name=f"dag{self.statements}.sta", user=self.finance)
        # An overlap repeats yesterday byte for byte: only today's lines are new.
        assert result.statement.added_count == len(lines)
        assert Payment.objects.count() == before + len(lines)
        self.balance += sum(line[0] for line in lines)
        self.last_file, self.last_day_text = data, text

    @precondition(lambda self: self.last_file is not None)
    @rule()
    def import_the_same_file_again(self):
        before = factories.finance_snapshot()
        with pytest.raises(AlreadyImported):
            import_statement(self.last_file, file_name="nogmaals.sta", user=self.finance)
        assert factories.finance_snapshot() == before

    @rule(data=st.data())
    def match(self, data):
        lines = list(Payment.objects.unmatched().order_by("pk"))
        open_pledges = list(Donation.objects.filter(status__in=Donation.OPEN_STATUSES).order_by("pk"))
        if not lines or not open_pledges:
            return
        line = data.draw(st.sampled_from(lines))
        pledge = data.draw(st.sampled_from(open_pledges))
        matching.match(line.pk, pledge.pk, self.finance, confirmed=matching.EVERYTHING)

    @rule(data=st.data())
    def match_anything(self, data):
        """Try any line with any pledge; whatever is refused must change nothing."""
        lines = list(Payment.objects.order_by("pk"))
        if not lines or not self.pledges:
            return
        line = data.draw(st.sampled_from(lines))
        pledge = data.draw(st.sampled_from(self.pledges))
        before = factories.finance_snapshot()
        try:
            matching.match(line.pk, pledge.pk, self.finance, confirmed=data.draw(st.sampled_from([(), matching.EVERYTHING])))
        except (MatchRefused, matching.NeedsConfirmation):
            assert factories.finance_snapshot() == before

    @rule(data=st.data())
    def gift(self, data):
        lines = list(Payment.objects.unmatched().order_by("pk"))
        if lines:
            mark_gift(data.draw(st.sampled_from(lines)).pk, self.finance)

    @rule(data=st.data())
    def unmatch(self, data):
        lines = list(Payment.objects.exclude(match_method="").order_by("pk"))
        if lines:
            matching.unmatch(data.draw(st.sampled_from(lines)).pk, self.finance, note="Verkeerd gekoppeld")

    @rule()
    def rematch(self):
        matching.rematch(self.finance)

    @invariant()
    def bank_lines_are_matched_or_not(self):
        lines = list(Payment.objects.values("pk", "amount_cents", "donation_id", "match_method", "account_iban"))
        matched = [line for line in lines if line["donation_id"]]
        gifts = [line for line in lines if line["match_method"] == Payment.Method.GIFT]
        unmatched = [line for line in lines if not line["match_method"]]
        assert len(lines) == len(matched) + len(gifts) + len(unmatched)
        assert all(line["amount_cents"] > 0 for line in matched + gifts)
        assert all(line["account_iban"] == FUND for line in matched + gifts)

    @invariant()
    def no_line_is_matched_twice(self):
        counts: dict[int, int] = {}
        for payment_id, kind in Event.objects.filter(payment__isnull=False).values_list("payment_id", "kind"):
            step = {Event.Kind.PAYMENT_MATCHED: 1, Event.Kind.PAYMENT_UNMATCHED: -1}.get(kind, 0)
            counts[payment_id] = counts.get(payment_id, 0) + step
            assert counts[payment_id] in (0, 1), "a line was matched while it was matched"
        for payment_id, donation_id in Payment.objects.values_list("pk", "donation_id"):
            assert counts.get(payment_id, 0) == (1 if donation_id else 0)

    @invariant()
    def each_pledge_received_exactly_its_matched_lines(self):
        paid: dict[int, int] = {}
        for donation_id, cents in Payment.objects.filter(donation__isnull=False).values_list("donation_id", "amount_cents"):
            paid[donation_id] = paid.get(donation_id, 0) + cents
        for donation in Donation.objects.all():
            assert donation.received_cents == paid.get(donation.pk, 0)
            assert donation.status == donation.status_from_received()

    @invariant()
    def totals_are_exact_to_the_cent(self):
        amounts = list(Payment.objects.values_list("amount_cents", flat=True))
        assert sum(amounts) == self.balance - self.opening
        matched = sum(Payment.objects.filter(donation__isnull=False).values_list("amount_cents", flat=True))
        totals = Donation.objects.totals()
        assert totals["received"] == Decimal(matched) / 100
        assert totals["received"] == Decimal(
            sum(Donation.objects.values_list("received_cents", flat=True))
        ).scaleb(-2)


def test_random_sequences_keep_the_books_balanced(reference_data):
    run_state_machine_as_test(
        LedgerMachine,
        settings=settings(
            max_examples=15,
            stateful_step_count=10,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
