"""Two people at the same moment, on two real PostgreSQL connections: one act applies, the other is refused.

Every writing transaction takes the history's chain lock first, so the two
queue at their start instead of each holding a row the other needs. Each race
is forced into the order that deadlocked when the chain lock was taken only
when the first Event was written (row locks first): the first request holds its
row locks a moment before writing its history, while the second one arrives.
"""

from __future__ import annotations

import datetime
import threading
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from pledges.equipment import workflow
from pledges.finance import matching
from pledges.history.integrity import chain_findings
from pledges.models import BankStatement, Donation, EquipmentOffer, Event, OfferStatus, Payment, Role
from tests import factories, pages
from tests.conftest import make_user

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor != "postgresql",
        reason="SQLite takes its one write lock at BEGIN (IMMEDIATE transactions), so two writers never "
        "hold row locks at once; the races need PostgreSQL and two connections",
    ),
]

FUND = "NL94BNGH0285173715"
ALMERE_IBAN = "NL38BNGH0285012345"
HOLD_SECONDS = 0.6


def _race(monkeypatch, module, name: str, first, second, *, after: bool = False) -> dict:
    """Run `first` and `second` (each sends a request), `second` once `first` holds its row locks.

    `first` waits a moment before (or `after`) its first call of `module.name`, so `second`
    surely arrives while `first` holds row locks it took there or before.
    """
    original = getattr(module, name)
    holding = threading.Event()

    def hold() -> None:
        if threading.current_thread().name == "first" and not holding.is_set():
            holding.set()
            time.sleep(HOLD_SECONDS)

    def held(*args, **kwargs):
        if not after:
            hold()
        result = original(*args, **kwargs)
        if after:
            hold()
        return result

    monkeypatch.setattr(module, name, held)
    results: dict = {}

    def run(label, work, wait):
        try:
            if wait:
                holding.wait(10)
            results[label] = work()
        except Exception as error:  # noqa: BLE001 - the test inspects what happened
            results[label] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=run, name="first", args=("first", first, False)),
        threading.Thread(target=run, name="second", args=("second", second, True)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    monkeypatch.undo()
    assert holding.is_set(), "the first request never reached the point where it holds its row locks"
    return results


def _client(user) -> Client:
    # As in production: an error is the 500 page, not an exception in the test.
    client = Client(raise_request_exception=False)
    client.force_login(user)
    return client


def _assert_no_error_page(*responses) -> None:
    for response in responses:
        assert not isinstance(response, Exception), response
        assert response.status_code < 500, pages.plain(response)[:500]


# --------------------------------------------------------------------------- (a) two bulk moves


def test_two_coordinators_bulk_moving_overlapping_offers(monkeypatch, reference_data, almere, ukraine_appeal):
    staff = make_user("race@almere.nl", Role.MUNICIPAL_STAFF, almere)
    carla = make_user("carla.race@vngfonds.nl", Role.COORDINATOR)
    henk = make_user("henk.race@vngfonds.nl", Role.COORDINATOR)
    first, shared, last = (factories.offer(almere, ukraine_appeal, staff) for _ in range(3))
    kyiv, dnipro = factories.destination("Kyiv"), factories.destination("Dnipro")
    carlas, henks = _client(carla), _client(henk)

    def bulk(client, offers, destination):
        data = {"offers": [offer.pk for offer in offers], "action": OfferStatus.ACCEPTED, "destination": destination.pk}
        return lambda: client.post(reverse("pledges:offer_bulk"), data, follow=True)

    results = _race(
        monkeypatch, workflow, "transition", bulk(carlas, [first, shared], kyiv), bulk(henks, [shared, last], dnipro),
        after=True,
    )

    _assert_no_error_page(results["first"], results["second"])
    assert "Het geselecteerde aanbod (2) is nu ‘geaccepteerd’." in pages.messages(results["first"])
    [refusal] = pages.messages(results["second"])
    assert refusal.startswith("Er is niets gewijzigd.")
    assert f"{shared.number} is zojuist door iemand anders gewijzigd" in refusal
    statuses = dict(EquipmentOffer.objects.values_list("pk", "status"))
    assert statuses == {first.pk: OfferStatus.ACCEPTED, shared.pk: OfferStatus.ACCEPTED, last.pk: OfferStatus.OFFERED}
    assert set(EquipmentOffer.objects.filter(status=OfferStatus.ACCEPTED).values_list("destination", flat=True)) == {
        kyiv.pk
    }
    moves = Event.objects.filter(kind=Event.Kind.STATUS)
    assert sorted(moves.values_list("offer", "actor")) == [(first.pk, carla.pk), (shared.pk, carla.pk)]
    assert list(chain_findings()) == []


# --------------------------------------------------------------------------- (b), (c) two ways to pay one pledge


@pytest.fixture
def pledge(reference_data, almere, ukraine_appeal) -> Donation:
    staff = make_user("race@almere.nl", Role.MUNICIPAL_STAFF, almere)
    return factories.donation(almere, ukraine_appeal, staff, amount_cents=1_000_00, iban=ALMERE_IBAN)


@pytest.fixture
def dirk(reference_data):
    return make_user("dirk.race@vngfonds.nl", Role.FINANCE)


@pytest.fixture
def fenna(reference_data):
    return make_user("fenna.race@vngfonds.nl", Role.FINANCE)


def _enter_by_hand(client, pledge):
    """Fenna enters € 1.000,00 received for the pledge by hand (cash, another account)."""
    data = {
        "appeal": pledge.appeal_id,
        "booking_date": datetime.date.today().isoformat(),
        "amount": "1.000,00",
        "counterparty_name": "Gemeente Almere, kas",
        "counterparty_iban": "",
        "remittance": "Contant",
        "pledge": pledge.number,
        "note": "",
    }
    data = factories.once(data)
    return lambda: client.post(reverse("pledges:finance_manual_payment_create"), data, follow=True)


def _settled(pledge) -> tuple[str, int]:
    pledge.refresh_from_db()
    return pledge.status, pledge.received_cents


ALREADY_RECEIVED = "is al volledig ontvangen"


@pytest.mark.parametrize("winner", ["bank line", "by hand"])
def test_a_payment_by_hand_racing_a_match_to_the_same_pledge(monkeypatch, pledge, dirk, fenna, winner):
    line = factories.bank_line(1_000_00, counterparty_iban=ALMERE_IBAN)
    match = lambda: _client(dirk).post(  # noqa: E731
        reverse("pledges:finance_line_match", args=[line.pk]), factories.once({"donation": pledge.pk}), follow=True
    )
    by_hand = _enter_by_hand(_client(fenna), pledge)
    first, second = (match, by_hand) if winner == "bank line" else (by_hand, match)

    results = _race(monkeypatch, matching, "_settle", first, second)

    _assert_no_error_page(results["first"], results["second"])
    # The loser is asked to confirm a second payment of the paid pledge; nothing of it is stored.
    loser = pages.disagreements(results["second"])
    assert len(loser) == 1 and pledge.number in loser[0] and ALREADY_RECEIVED in loser[0], loser
    assert _settled(pledge) == (Donation.Status.RECEIVED, 1_000_00)
    line.refresh_from_db()
    by_hand_lines = Payment.objects.filter(statement__isnull=True).exclude(pk=line.pk)
    if winner == "bank line":
        assert line.donation_id == pledge.pk
        assert not by_hand_lines.exists()  # all or nothing: the refused payment is not stored
    else:
        assert line.is_open
        assert list(by_hand_lines.values_list("donation", flat=True)) == [pledge.pk]
    assert Event.objects.filter(donation=pledge, kind=Event.Kind.PAYMENT_MATCHED).count() == 1
    assert list(chain_findings()) == []


def _statement(pledge) -> bytes:
    """A day's MT940 statement of the fund's account with one line paying the pledge by its RF reference."""
    day = datetime.date.today()
    return (
        "\n".join([
            ":20:RACE0001",
            f":25:{FUND}",
            ":28C:00001/00001",
            f":60F:C{day - datetime.timedelta(days=1):%y%m%d}EUR100000,00",
            f":61:{day:%y%m%d%m%d}C1000,00NTRFNONREF",
            f":86:/CNTP/{ALMERE_IBAN}/BNGHNL2G/GEMEENTE ALMERE/ALMERE//REMI/USTD//{pledge.reference} Oekraine/",
            f":62F:C{day:%y%m%d}EUR101000,00",
        ])
        + "\n"
    ).encode()


@pytest.mark.parametrize("winner", ["statement", "by hand"])
def test_a_statement_import_racing_a_payment_by_hand_to_the_same_pledge(monkeypatch, pledge, dirk, fenna, winner):
    statement = _statement(pledge)
    upload = lambda: _client(dirk).post(  # noqa: E731
        reverse("pledges:finance_statement_upload"),
        {"file": SimpleUploadedFile("race.sta", statement, content_type="text/plain")},
        follow=True,
    )
    by_hand = _enter_by_hand(_client(fenna), pledge)
    first, second = (upload, by_hand) if winner == "statement" else (by_hand, upload)

    results = _race(monkeypatch, matching, "_settle", first, second)

    _assert_no_error_page(results["first"], results["second"])
    imported = BankStatement.objects.get()
    [bank_line] = Payment.objects.filter(statement=imported)
    by_hand_lines = Payment.objects.filter(statement__isnull=True)
    if winner == "statement":
        assert imported.matched_count == 1 and bank_line.donation_id == pledge.pk
        [refusal] = pages.disagreements(results["second"])
        assert pledge.number in refusal and ALREADY_RECEIVED in refusal
        assert not by_hand_lines.exists()
    else:
        # The import is not refused: its line no longer fits the rule (the pledge is paid) and waits for finance.
        assert "1 nieuwe regels" in " ".join(pages.messages(results["second"])) or imported.added_count == 1
        assert imported.matched_count == 0 and bank_line.is_open
        assert list(by_hand_lines.values_list("donation", flat=True)) == [pledge.pk]
    assert _settled(pledge) == (Donation.Status.RECEIVED, 1_000_00)
    assert Event.objects.filter(donation=pledge, kind=Event.Kind.PAYMENT_MATCHED).count() == 1
    assert list(chain_findings()) == []
