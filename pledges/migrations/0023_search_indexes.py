"""Indexes for the ledger's search box (pledges/donations/search.py), one kind per database.

PostgreSQL: pg_trgm and trigram GIN indexes on UPPER(decision_reference) and
UPPER(contact_name), the expressions `icontains` compares. SQLite: an FTS5 table with the
trigram tokenizer over the same columns, kept in step by triggers, filled from the rows
there are. Neither is in the models' state (each exists on one database only), so
makemigrations neither adds nor drops them.
"""

from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations
from django.db.models.functions import Upper

SEARCHED = {"decision_reference": "donation_decision_trgm", "contact_name": "donation_contact_trgm"}


def trigram_indexes() -> list[GinIndex]:
    return [GinIndex(OpClass(Upper(column), name="gin_trgm_ops"), name=name) for column, name in SEARCHED.items()]


FTS_FORWARDS = [
    "CREATE VIRTUAL TABLE pledges_donation_search USING fts5("
    "decision_reference, contact_name, content='pledges_donation', content_rowid='id', tokenize='trigram')",
    "CREATE TRIGGER pledges_donation_search_insert AFTER INSERT ON pledges_donation BEGIN "
    "INSERT INTO pledges_donation_search(rowid, decision_reference, contact_name) "
    "VALUES (new.id, new.decision_reference, new.contact_name); END",
    "CREATE TRIGGER pledges_donation_search_delete AFTER DELETE ON pledges_donation BEGIN "
    "INSERT INTO pledges_donation_search(pledges_donation_search, rowid, decision_reference, contact_name) "
    "VALUES ('delete', old.id, old.decision_reference, old.contact_name); END",
    "CREATE TRIGGER pledges_donation_search_update AFTER UPDATE OF id, decision_reference, contact_name "
    "ON pledges_donation BEGIN "
    "INSERT INTO pledges_donation_search(pledges_donation_search, rowid, decision_reference, contact_name) "
    "VALUES ('delete', old.id, old.decision_reference, old.contact_name); "
    "INSERT INTO pledges_donation_search(rowid, decision_reference, contact_name) "
    "VALUES (new.id, new.decision_reference, new.contact_name); END",
    "INSERT INTO pledges_donation_search(pledges_donation_search) VALUES ('rebuild')",
]
FTS_BACKWARDS = [
    "DROP TRIGGER IF EXISTS pledges_donation_search_insert",
    "DROP TRIGGER IF EXISTS pledges_donation_search_delete",
    "DROP TRIGGER IF EXISTS pledges_donation_search_update",
    "DROP TABLE IF EXISTS pledges_donation_search",
]


def create(apps, schema_editor):
    on_each_database(apps, schema_editor, "add_index", FTS_FORWARDS)


def drop(apps, schema_editor):
    on_each_database(apps, schema_editor, "remove_index", FTS_BACKWARDS)


def on_each_database(apps, schema_editor, index_operation: str, sqlite_statements: list[str]) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        donation = apps.get_model("pledges", "Donation")
        for index in trigram_indexes():
            getattr(schema_editor, index_operation)(donation, index)
    elif vendor == "sqlite":
        for statement in sqlite_statements:
            schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("pledges", "0022_receipt_outcome")]

    operations = [
        TrigramExtension(),  # PostgreSQL only; elsewhere it does nothing
        migrations.RunPython(create, drop),
    ]
