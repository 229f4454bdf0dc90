"""Chain the Events by hashes (see pledges.history.models), the events already there included."""

import datetime
import hashlib
import json

from django.db import migrations, models

# A frozen copy of the chain's hash as this migration wrote it (pledges.history.models
# keeps the living one; a test checks that both agree).
GENESIS_HASH = "0" * 64
HASHED_FIELDS = (
    "kind", "donation_id", "offer_id", "shipment_id", "payment_id", "municipality_id", "actor_id", "actor_label",
    "at", "from_status", "to_status", "changes", "note",
)


def event_hash(previous_hash, event):
    content = {name: getattr(event, name) for name in HASHED_FIELDS}
    content["at"] = content["at"].astimezone(datetime.UTC).isoformat()
    content["changes"] = json.loads(json.dumps(content["changes"]))
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{previous_hash}\n{canonical}".encode()).hexdigest()


def chain_existing_events(apps, schema_editor):
    """Hash the history written before the chain existed, oldest first."""
    Event = apps.get_model("pledges", "Event")
    previous = GENESIS_HASH
    for event in Event.objects.using(schema_editor.connection.alias).order_by("id").iterator(chunk_size=2000):
        chain_hash = event_hash(previous, event)
        # The historical model has no append-only guard: this is the one sanctioned update.
        Event.objects.filter(pk=event.pk).update(previous_hash=previous, chain_hash=chain_hash)
        previous = chain_hash


class Migration(migrations.Migration):
    # The backfill commits before the unique constraint is added (PostgreSQL refuses to
    # alter a table with pending deferred checks from the same transaction).
    atomic = False

    dependencies = [
        ("pledges", "0009_accounts_two_factor"),
    ]

    operations = [
        migrations.AddField(
            model_name="event",
            name="previous_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="previous event's hash"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="event",
            name="chain_hash",
            field=models.CharField(default="", editable=False, max_length=64, verbose_name="hash"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing_events, migrations.RunPython.noop, atomic=True),
        migrations.AddConstraint(
            model_name="event",
            constraint=models.UniqueConstraint(fields=("previous_hash",), name="event_chain_has_no_fork"),
        ),
    ]
