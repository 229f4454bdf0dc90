"""The history is append-only and hash-chained; verify_ledger finds every row changed behind the app's back."""

import importlib
import io
import threading
import time

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from pledges.finance import matching
from pledges.finance.matching import match
from pledges.history import models as history
from pledges.history.services import record, writing
from pledges.models import Donation, Event, Payment, User
from tests import factories

REFUSED = "append-only"


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00)


@pytest.fixture
def ledger(pledge, almere_staff, ukraine_appeal, finance) -> list[Event]:
    """A small ledger as the app writes it: pledges, a withdrawal, a bank line matched in two parts."""
    other = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=250_00)
    factories.withdraw(other, almere_staff)
    match(factories.bank_line(400_00).pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
    match(factories.bank_line(600_00).pk, pledge.pk, finance, confirmed=matching.EVERYTHING)
    return list(Event.objects.order_by("id"))


def sql(statement: str, *params) -> None:
    """Change the database the way someone with a database console would: no model, no history."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(statement.format(event=quote(Event._meta.db_table), donation=quote(Donation._meta.db_table),
                                        payment=quote(Payment._meta.db_table)), params)


def verify() -> tuple[list[str], int]:
    """Run verify_ledger; its findings (one per line) and the exit code manage.py would give."""
    out = io.StringIO()
    try:
        call_command("verify_ledger", stdout=out)
        code = 0
    except CommandError as error:
        code = error.returncode
    lines = out.getvalue().splitlines()
    return [line for line in lines if line.startswith(("Event ", "Donation "))], code


# Append-only through every ORM door


def test_it_refuses_to_change_or_delete_an_event_through_the_orm(pledge):
    event = pledge.events.get()
    before = Event.objects.filter(pk=event.pk).values().get()
    event.note = "rewritten"

    attempts = {
        "save": event.save,
        "delete": event.delete,
        "queryset update": lambda: Event.objects.filter(pk=event.pk).update(note="rewritten"),
        "queryset delete": lambda: Event.objects.filter(pk=event.pk).delete(),
        "related update": lambda: pledge.events.update(note="rewritten"),
        "related delete": lambda: pledge.events.all().delete(),
        "bulk_update": lambda: Event.objects.bulk_update([event], ["note"]),
        "bulk_create of a stored row": lambda: Event.objects.bulk_create([event]),
        "update_or_create": lambda: Event.objects.update_or_create(pk=event.pk, defaults={"note": "rewritten"}),
    }
    for name, attempt in attempts.items():
        with pytest.raises(PermissionError, match=REFUSED), transaction.atomic():
            attempt()
        assert Event.objects.filter(pk=event.pk).values().get() == before, name


def test_it_refuses_a_bulk_create_that_would_overwrite_on_conflict(pledge, almere_staff):
    copy = Event(donation=pledge, kind=Event.Kind.EDITED, actor=almere_staff, note="new")

    with pytest.raises(PermissionError, match=REFUSED):
        Event.objects.bulk_create([copy], update_conflicts=True, unique_fields=["id"], update_fields=["note"])

    assert pledge.events.count() == 1


def test_the_admin_offers_no_way_to_change_or_delete_an_event(client, administrator, pledge):
    event = pledge.events.get()
    before = Event.objects.filter(pk=event.pk).values().get()
    client.force_login(administrator)

    changelist = client.get(reverse("admin:pledges_event_changelist"))
    view = client.get(reverse("admin:pledges_event_change", args=[event.pk]))
    change = client.post(reverse("admin:pledges_event_change", args=[event.pk]), {"note": "rewritten"})
    delete = client.post(reverse("admin:pledges_event_delete", args=[event.pk]), {"post": "yes"})
    bulk_delete = client.post(
        reverse("admin:pledges_event_changelist"), {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"}
    )
    add = client.get(reverse("admin:pledges_event_add"))

    assert changelist.status_code == view.status_code == 200
    assert 'name="_save"' not in view.text and "delete_selected" not in changelist.text
    assert change.status_code == delete.status_code == add.status_code == 403
    assert bulk_delete.status_code in (200, 302)
    assert Event.objects.filter(pk=event.pk).values().get() == before


# The hash chain


def test_it_chains_every_event_to_the_one_before(ledger):
    assert ledger[0].previous_hash == history.GENESIS_HASH
    for before, after in zip(ledger, ledger[1:], strict=False):
        assert after.previous_hash == before.chain_hash
    for event in ledger:
        assert event.chain_hash == history.event_hash(event.previous_hash, event)
    assert len({event.chain_hash for event in ledger}) == len(ledger)


def test_the_migration_that_chained_the_events_hashes_as_the_ledger_does(ledger):
    frozen = importlib.import_module("pledges.migrations.0010_accounts_event_chain")
    assert frozen.GENESIS_HASH == history.GENESIS_HASH
    # Fields added since (data, need) are hashed only when set: an event without them hashes as then.
    without_later_fields = [event for event in ledger if not event.data and event.need_id is None]
    assert without_later_fields
    for event in without_later_fields:
        assert frozen.event_hash(event.previous_hash, event) == event.chain_hash


def test_the_database_refuses_a_fork_in_the_chain(pledge, almere_staff):
    first = pledge.events.get()
    fork = Event(donation=pledge, kind=Event.Kind.EDITED, actor=almere_staff, previous_hash=first.previous_hash)
    fork.chain_hash = history.event_hash(fork.previous_hash, fork)

    with pytest.raises(IntegrityError), transaction.atomic():
        # Past the model's own linking, as a second writer without the lock would be.
        Event._base_manager.bulk_create([fork])


# verify_ledger


def test_a_clean_ledger_verifies(ledger):
    out = io.StringIO()

    call_command("verify_ledger", stdout=out)

    assert verify() == ([], 0)
    assert f"History: {len(ledger)} events, chain head {ledger[-1].chain_hash}" in out.getvalue()


def test_it_reports_exactly_the_event_changed_with_raw_sql(ledger):
    target = ledger[2]
    sql("UPDATE {event} SET note = %s WHERE id = %s", "niets aan de hand", target.pk)

    findings, code = verify()

    assert findings == [f"Event {target.pk}: its content does not match its hash (changed after it was written)"]
    assert code != 0


def test_it_reports_an_event_whose_data_was_changed_with_raw_sql(ledger):
    target = next(event for event in ledger if event.data)
    sql("UPDATE {event} SET data = %s WHERE id = %s", '{"method": "manual"}', target.pk)

    findings, _code = verify()

    assert findings == [f"Event {target.pk}: its content does not match its hash (changed after it was written)"]


def test_it_reports_an_event_changed_together_with_its_own_hash(ledger):
    target = ledger[2]
    target.note = "niets aan de hand"
    sql("UPDATE {event} SET note = %s, chain_hash = %s WHERE id = %s",
        target.note, history.event_hash(target.previous_hash, target), target.pk)

    findings, code = verify()

    assert findings == [
        f"Event {ledger[3].pk}: does not follow event {target.pk} (an event between them was removed, or this one slipped in)"
    ]
    assert code != 0


def test_it_reports_an_event_removed_with_raw_sql(ledger):
    sql("DELETE FROM {event} WHERE id = %s", ledger[1].pk)

    findings, code = verify()

    assert findings == [
        f"Event {ledger[2].pk}: does not follow event {ledger[0].pk} (an event between them was removed, or this one slipped in)"
    ]
    assert code != 0


def test_it_reports_exactly_the_pledge_whose_received_amount_was_changed(ledger, pledge):
    sql("UPDATE {donation} SET received_cents = %s WHERE id = %s", 1_500_00, pledge.pk)

    findings, code = verify()

    assert findings == [
        f"Donation {pledge.number} (id {pledge.pk}): received €1,500.00 but its matched bank lines add up to €1,000.00"
    ]
    assert code != 0


def test_it_reports_the_pledge_of_a_bank_line_whose_amount_was_changed(ledger, pledge):
    line = Payment.objects.filter(donation=pledge).order_by("pk").first()
    sql("UPDATE {payment} SET amount_cents = %s WHERE id = %s", 40_00, line.pk)

    findings, _code = verify()

    assert findings == [
        f"Donation {pledge.number} (id {pledge.pk}): received €1,000.00 but its matched bank lines add up to €640.00"
    ]


def test_it_reports_a_status_that_does_not_follow_from_the_money(ledger, pledge):
    sql("UPDATE {donation} SET status = %s WHERE id = %s", Donation.Status.PLEDGED, pledge.pk)

    findings, _code = verify()

    assert findings == [f"Donation {pledge.number} (id {pledge.pk}): status 'pledged' does not follow from €1,000.00 received"]


# Concurrent appends (PostgreSQL: two connections, like the matching race tests in tests/finance/test_matching.py)


def _append_in_own_connection(barrier, results, donation_pk, user_pk):
    try:
        user = User.objects.get(pk=user_pk)
        barrier.wait(timeout=10)
        with writing():
            record(Event.Kind.EDITED, Donation.objects.get(pk=donation_pk), actor=user, note=f"by {user_pk}")
        results.append("appended")
    except Exception as error:  # noqa: BLE001 - any other outcome fails the assertion on `results`
        results.append(repr(error))
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_two_writers_at_once_both_join_the_chain_in_turn(reference_data, almere_staff, ukraine_appeal, finance,
                                                         coordinator, monkeypatch):
    if connection.vendor != "postgresql":
        pytest.skip("SQLite takes the write lock at BEGIN (IMMEDIATE), so two writers never overlap; "
                    "the race needs PostgreSQL and two connections")
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)
    original = history.event_hash

    def slow_hash(previous_hash, event):
        # Hold the chain a moment after reading its head, so the other writer surely arrives meanwhile.
        time.sleep(0.2)
        return original(previous_hash, event)

    monkeypatch.setattr(history, "event_hash", slow_hash)
    barrier, results = threading.Barrier(2), []
    threads = [
        threading.Thread(target=_append_in_own_connection, args=(barrier, results, pledge.pk, user.pk))
        for user in (finance, coordinator)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    monkeypatch.undo()

    assert results == ["appended", "appended"]
    assert pledge.events.count() == 3
    assert verify() == ([], 0)


# Events written before the chain existed


@pytest.mark.django_db(transaction=True)
def test_the_migration_chains_the_events_already_there(reference_data, almere_staff, ukraine_appeal):
    # Events as they were then: all they say in the fields the chain first hashed.
    pledge = factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=300_00)
    factories.withdraw(pledge, almere_staff)
    assert not Event.objects.exclude(data={}).exists()
    written = list(Event.objects.order_by("id").values_list("id", "previous_hash", "chain_hash"))
    executor = MigrationExecutor(connection)
    chain = [("pledges", "0010_accounts_event_chain")]
    before_chain = [("pledges", "0009_accounts_two_factor")]
    try:
        executor.migrate(before_chain)
        executor.loader.build_graph()
        executor.migrate(chain)
    finally:
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes("pledges"))

    assert list(Event.objects.order_by("id").values_list("id", "previous_hash", "chain_hash")) == written
    assert verify() == ([], 0)
