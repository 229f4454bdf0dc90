"""One writer for the history: only pledges.history creates Events, and every writing transaction locks the chain first."""

from __future__ import annotations

import ast
import pathlib

import pytest
from django.db import connection, transaction
from django.utils.translation import gettext_lazy

from pledges.finance import matching
from pledges.history.services import entry, record, writing
from pledges.models import Donation, Event
from tests import factories

ROOT = pathlib.Path(__file__).resolve().parents[2]
# Historical models in migrations are not the live Event.
SOURCES = sorted(
    path
    for folder in ("pledges", "bench")
    for path in (ROOT / folder).rglob("*.py")
    if "migrations" not in path.parts and not path.is_relative_to(ROOT / "pledges" / "history")
)
# Transactions that lock and write no ledger row, so they need not queue behind the chain.
PLAIN_TRANSACTIONS = {
    # Recovery codes and authenticators of one user; accounts sits below the history.
    "pledges/accounts/twofactor.py",
    # Municipalities, destinations and appeals, loaded before any ledger row exists.
    "pledges/reference/loader.py",
    # A job row and its task, created together; core sits below the history and locks no row.
    "pledges/core/models.py",
}
CREATING = {"create", "bulk_create", "get_or_create", "update_or_create"}


def _trees():
    for path in SOURCES:
        yield path.relative_to(ROOT).as_posix(), ast.parse(path.read_text(), str(path))


def _names(node: ast.AST) -> set[str]:
    """Every name and attribute along `node`, e.g. {"offer", "events"} for offer.events."""
    return {part.id if isinstance(part, ast.Name) else part.attr
            for part in ast.walk(node) if isinstance(part, (ast.Name, ast.Attribute))}


def test_the_source_creates_no_event_outside_the_history():
    found = []
    for name, tree in _trees():
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            function = node.func
            if isinstance(function, ast.Name) and function.id == "Event":
                found.append(f"{name}:{node.lineno} Event(...)")
            elif (isinstance(function, ast.Attribute) and function.attr in CREATING
                  and _names(function.value) & {"Event", "events"}):
                found.append(f"{name}:{node.lineno} {ast.unparse(function)}(...)")
    assert found == [], "only pledges.history.services.record() creates Events"


TRANSLATING = {"_", "gettext", "gettext_lazy", "ngettext", "pgettext", "format_euro", "date_format"}


def test_the_source_hands_the_writer_no_translated_text():
    """Events keep codes and values; words in the reader's language come at display (history.rendering)."""
    found = []
    for name, tree in _trees():
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and _names(node.func) & {"record", "entry"}):
                continue
            for part in ast.walk(node):
                if isinstance(part, ast.Call) and isinstance(part.func, ast.Name) and part.func.id in TRANSLATING:
                    found.append(f"{name}:{part.lineno} {ast.unparse(part)}")
    assert found == []


def test_every_writing_transaction_is_opened_by_the_history():
    """transaction.atomic outside history/ would let a transaction take row locks before the chain lock."""
    found = []
    for name, tree in _trees():
        if name.startswith("bench/"):
            continue  # bulk loaders of benchmark data, run alone
        if name in PLAIN_TRANSACTIONS:
            assert "select_for_update" not in ast.unparse(tree), name
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "atomic":
                found.append(f"{name}:{node.lineno}")
            if isinstance(node, ast.ImportFrom) and node.module == "django.db.transaction":
                found.append(f"{name}:{node.lineno} imports from django.db.transaction")
    assert found == [], "open writing transactions with pledges.history.services.writing()"


def test_no_request_runs_in_one_transaction_of_its_own(settings):
    # ATOMIC_REQUESTS would open each request's transaction before the view could lock the chain.
    assert not any(database.get("ATOMIC_REQUESTS") for database in settings.DATABASES.values())


@pytest.fixture
def pledge(almere_staff, ukraine_appeal) -> Donation:
    return factories.donation(almere_staff.municipality, ukraine_appeal, almere_staff)


def test_an_event_saved_past_the_writer_is_refused(pledge, almere_staff):
    attempts = {
        "create": lambda: Event.objects.create(donation=pledge, kind=Event.Kind.EDITED, actor=almere_staff),
        "related create": lambda: pledge.events.create(kind=Event.Kind.EDITED, actor=almere_staff),
        "save": lambda: Event(donation=pledge, kind=Event.Kind.EDITED, actor=almere_staff).save(),
        "bulk_create": lambda: Event.objects.bulk_create([Event(donation=pledge, kind=Event.Kind.EDITED)]),
    }
    for name, attempt in attempts.items():
        with pytest.raises(PermissionError, match="written only by pledges.history.services.record"), \
                transaction.atomic():
            attempt()
        assert pledge.events.count() == 1, name


def test_the_writer_records_only_inside_a_writing_transaction(pledge, almere_staff):
    with pytest.raises(RuntimeError, match="inside pledges.history.services.writing"):
        record(Event.Kind.EDITED, pledge, actor=almere_staff)

    with writing():
        event = record(Event.Kind.EDITED, pledge, actor=almere_staff, changes={"amount_cents": [1, 2]})

    assert (event.donation, event.kind, event.changes) == (pledge, Event.Kind.EDITED, {"amount_cents": [1, 2]})


def test_the_writer_keeps_no_text_translated_for_a_reader(pledge):
    for fields in ({"note": gettext_lazy("withdrawn")}, {"data": {"rule": gettext_lazy("RF reference")}},
                   {"changes": {"status": ["", gettext_lazy("received")]}}):
        with pytest.raises(TypeError, match="codes and values"):
            entry(Event.Kind.EDITED, pledge, **fields)


def test_the_writer_knows_each_subject_by_its_model(pledge):
    assert entry(Event.Kind.EDITED, pledge).donation == pledge
    assert entry(Event.Kind.ACCOUNT_CHANGED, pledge.appeal).appeal == pledge.appeal
    with pytest.raises(TypeError, match="has no history"):
        entry(Event.Kind.EDITED, pledge.created_by)


# The lock order, as the database sees it (PostgreSQL: SQLite takes its write lock at BEGIN).


class _Statements:
    def __init__(self):
        self.sql: list[str] = []

    def __call__(self, execute, sql, params, many, context):
        self.sql.append(sql)
        return execute(sql, params, many, context)


def _before_the_chain_lock(work) -> list[str]:
    """The statements `work` sends that lock or write a row before it takes the chain lock."""
    statements = _Statements()
    with connection.execute_wrapper(statements):
        work()
    early = []
    for sql in statements.sql:
        if "pg_advisory_xact_lock" in sql:
            return early
        if "FOR UPDATE" in sql or sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE", "COPY")):
            early.append(sql)
    return ["(no chain lock at all)", *early]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite's IMMEDIATE transactions lock at BEGIN")
def test_each_writer_locks_the_chain_before_any_row(pledge, almere_staff, finance):
    line = factories.bank_line(pledge.amount_cents)
    other = factories.donation(almere_staff.municipality, pledge.appeal, almere_staff)

    assert _before_the_chain_lock(lambda: factories.withdraw(other, almere_staff)) == []
    assert _before_the_chain_lock(lambda: matching.match(line.pk, pledge.pk, finance, confirmed=matching.EVERYTHING)) == []
    assert _before_the_chain_lock(lambda: matching.unmatch(line.pk, finance, note="Verkeerd")) == []
    assert _before_the_chain_lock(lambda: matching.mark_gift(line.pk, finance)) == []
