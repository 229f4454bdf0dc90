"""The equipment workflow: every move of the table, for every role, and nothing else."""

import itertools
import threading
import time

import pytest
from django.db import connection, connections, transaction

from pledges.equipment.workflow import (
    MOVES,
    NOTIFY_MUNICIPALITY,
    RECIPIENT,
    Actor,
    TransitionRefused,
    transition,
    transition_many,
)
from pledges.models import EquipmentOffer, Event, OfferStatus, Role
from tests import factories
from tests.conftest import make_user
from tests.tasks import queued, run_tasks

ROLES = [Role.MUNICIPAL_STAFF, Role.COORDINATOR, Role.FINANCE, Role.ADMINISTRATOR, RECIPIENT]
TRIPLES = list(itertools.product(ROLES, OfferStatus.values, OfferStatus.values))


def _actor(role: str, offer: EquipmentOffer) -> Actor:
    if role == RECIPIENT:
        return Actor(role=RECIPIENT, label="recipient via link (Kyiv)")
    municipality = offer.municipality if role == Role.MUNICIPAL_STAFF else None
    return Actor.of(make_user(f"{role}@example.nl", role, municipality))


def _changes(to_status: str) -> dict:
    """What the move needs besides the status: a destination once accepted, a date for a pickup."""
    changes = {}
    if to_status not in factories.UNDECIDED:
        changes["destination"] = factories.destination("Dnipro")
    return changes


def test_it_knows_every_move_of_the_design():
    S = OfferStatus
    assert set(MOVES) == {
        (S.OFFERED, S.ACCEPTED),
        (S.OFFERED, S.DECLINED),
        (S.OFFERED, S.WITHDRAWN),
        (S.ACCEPTED, S.PICKUP_PLANNED),
        (S.PICKUP_PLANNED, S.COLLECTED),
        (S.COLLECTED, S.IN_TRANSIT),
        (S.IN_TRANSIT, S.DELIVERED),
        (S.DELIVERED, S.CONFIRMED),
    }
    assert set().union(*MOVES.values()) <= set(ROLES)


@pytest.mark.parametrize(("role", "from_status", "to_status"), TRIPLES, ids=lambda value: str(value))
def test_it_allows_exactly_the_moves_of_the_table(
    role, from_status, to_status, almere_staff, ukraine_appeal, mailoutbox
):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=from_status)
    actor = _actor(role, offer)
    before = factories.equipment_snapshot()
    allowed = role in MOVES.get((from_status, to_status), frozenset())

    if allowed:
        transition(offer, to_status, actor, expected_status=from_status, **_changes(to_status))
    else:
        with pytest.raises(TransitionRefused):
            transition(offer, to_status, actor, expected_status=from_status, **_changes(to_status))
    run_tasks()

    offer.refresh_from_db()
    if allowed:
        assert offer.status == to_status
        events = Event.objects.filter(offer=offer).exclude(pk__in=[e["id"] for e in before["events"]])
        assert [(e.kind, e.from_status, e.to_status) for e in events] == [(Event.Kind.STATUS, from_status, to_status)]
        event = events.get()
        assert event.actor == actor.user
        assert event.actor_label == actor.label
        assert len(mailoutbox) == (1 if to_status in NOTIFY_MUNICIPALITY else 0)
    else:
        assert factories.equipment_snapshot() == before
        assert mailoutbox == []


def test_it_refuses_a_move_from_a_status_the_person_did_not_see(coordinator, almere_staff, ukraine_appeal):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    transition(offer, OfferStatus.DECLINED, Actor.of(coordinator), note="Te oud")
    stale = EquipmentOffer.objects.get(pk=offer.pk)
    before = factories.equipment_snapshot()

    with pytest.raises(TransitionRefused) as refusal:
        transition(
            stale,
            OfferStatus.ACCEPTED,
            Actor.of(coordinator),
            expected_status=OfferStatus.OFFERED,
            destination=factories.destination(),
        )

    assert offer.number in refusal.value.message
    assert "door iemand anders gewijzigd" in refusal.value.message
    assert factories.equipment_snapshot() == before


def test_it_moves_many_offers_as_one_act(coordinator, almere_staff, ukraine_appeal):
    offers = [factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff) for _ in range(3)]

    transition_many(offers, OfferStatus.ACCEPTED, Actor.of(coordinator), destination=factories.destination())

    assert set(EquipmentOffer.objects.values_list("status", flat=True)) == {OfferStatus.ACCEPTED}
    assert Event.objects.filter(kind=Event.Kind.STATUS).count() == 3


def test_it_moves_none_of_many_offers_when_one_cannot_move(coordinator, almere_staff, ukraine_appeal, mailoutbox):
    first, second = (factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff) for _ in range(2))
    withdrawn = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.WITHDRAWN)
    before = factories.equipment_snapshot()

    with pytest.raises(TransitionRefused) as refusal:
        transition_many(
            [first, second, withdrawn], OfferStatus.ACCEPTED, Actor.of(coordinator), destination=factories.destination()
        )
    run_tasks()

    assert withdrawn.number in refusal.value.message
    assert factories.equipment_snapshot() == before
    assert mailoutbox == []


def test_it_mails_nobody_when_the_move_is_rolled_back(coordinator, almere_staff, ukraine_appeal, mailoutbox):
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)

    with pytest.raises(RuntimeError):
        with transaction.atomic():
            transition(offer, OfferStatus.DECLINED, Actor.of(coordinator), note="Te oud")
            raise RuntimeError("the request failed after the move")

    assert queued() == [] and run_tasks() == 0  # the mail was queued in the move's transaction, and went with it
    assert mailoutbox == []
    assert EquipmentOffer.objects.get(pk=offer.pk).status == OfferStatus.OFFERED


@pytest.mark.parametrize(
    "to_status", [OfferStatus.ACCEPTED, OfferStatus.DECLINED, OfferStatus.COLLECTED, OfferStatus.DELIVERED]
)
def test_it_mails_the_municipalitys_staff_about_their_offer(
    to_status, coordinator, almere_staff, utrecht_staff, ukraine_appeal, mailoutbox
):
    colleague = make_user("collega@almere.nl", Role.MUNICIPAL_STAFF, almere_staff.municipality)
    from_status = next(frm for (frm, to) in MOVES if to == to_status)
    offer = factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=from_status)

    transition(offer, to_status, Actor.of(coordinator), note="Zie toelichting", **_changes(to_status))
    run_tasks()

    [mail] = mailoutbox
    assert sorted(mail.to) == sorted([almere_staff.email, colleague.email])
    assert utrecht_staff.email not in mail.to
    assert coordinator.email not in mail.to
    assert offer.number in mail.subject
    assert "Zie toelichting" in mail.body


# Two coordinators at the same moment, on two real database connections.


def _in_thread(work, results: list, name: str) -> threading.Thread:
    def run():
        try:
            results.append((name, work()))
        except Exception as error:  # noqa: BLE001 - the test inspects what happened
            results.append((name, error))
        finally:
            connections.close_all()

    return threading.Thread(target=run, name=name)


@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite takes one write lock per database (IMMEDIATE transactions), so there is no row lock to race for",
)
@pytest.mark.django_db(transaction=True)
def test_it_lets_one_of_two_racing_coordinators_win(reference_data, almere, ukraine_appeal):
    staff = make_user("racer@almere.nl", Role.MUNICIPAL_STAFF, almere)
    carla = make_user("carla.race@vngfonds.nl", Role.COORDINATOR)
    henk = make_user("henk.race@vngfonds.nl", Role.COORDINATOR)
    offer = factories.offer(almere, ukraine_appeal, staff)
    kyiv, dnipro = factories.destination("Kyiv"), factories.destination("Dnipro")
    first_holds_lock = threading.Event()
    results: list = []

    def carla_accepts():
        # Carla's transaction holds the row lock a while before it commits.
        with transaction.atomic():
            moved = transition(
                EquipmentOffer.objects.get(pk=offer.pk),
                OfferStatus.ACCEPTED,
                Actor.of(carla),
                expected_status=OfferStatus.OFFERED,
                destination=kyiv,
            )
            first_holds_lock.set()
            time.sleep(0.5)
        return moved.status

    def henk_declines():
        first_holds_lock.wait(5)
        started = time.monotonic()
        try:
            transition(
                EquipmentOffer.objects.get(pk=offer.pk),
                OfferStatus.DECLINED,
                Actor.of(henk),
                expected_status=OfferStatus.OFFERED,
                note="Niet nodig",
                destination=dnipro,
            )
        finally:
            results.append(("henk waited", time.monotonic() - started))

    threads = [_in_thread(carla_accepts, results, "carla"), _in_thread(henk_declines, results, "henk")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    outcome = dict(results)
    assert outcome["carla"] == OfferStatus.ACCEPTED
    assert isinstance(outcome["henk"], TransitionRefused)
    assert "door iemand anders gewijzigd" in outcome["henk"].message
    # Henk's read waited for Carla's lock instead of reading the old status.
    assert outcome["henk waited"] >= 0.3
    offer.refresh_from_db()
    assert (offer.status, offer.destination) == (OfferStatus.ACCEPTED, kyiv)
    assert list(Event.objects.filter(offer=offer, kind=Event.Kind.STATUS).values_list("actor", flat=True)) == [carla.pk]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs two concurrent connections with row locks")
@pytest.mark.django_db(transaction=True)
def test_it_never_loses_an_update_when_both_start_together(reference_data, almere, ukraine_appeal):
    staff = make_user("racer2@almere.nl", Role.MUNICIPAL_STAFF, almere)
    coordinators = [make_user(f"c{i}.race@vngfonds.nl", Role.COORDINATOR) for i in range(2)]
    offer = factories.offer(almere, ukraine_appeal, staff)
    kyiv = factories.destination()
    start = threading.Barrier(2)
    results: list = []

    def accept(coordinator):
        def work():
            seen = EquipmentOffer.objects.get(pk=offer.pk)
            start.wait(5)
            return transition(seen, OfferStatus.ACCEPTED, Actor.of(coordinator), destination=kyiv).status

        return work

    threads = [_in_thread(accept(c), results, c.email) for c in coordinators]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)

    outcomes = [value for _, value in results]
    assert outcomes.count(OfferStatus.ACCEPTED) == 1
    assert sum(isinstance(value, TransitionRefused) for value in outcomes) == 1
    assert Event.objects.filter(offer=offer, kind=Event.Kind.STATUS).count() == 1
