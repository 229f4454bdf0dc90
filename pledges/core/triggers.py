"""The triggers the migrations created, and which of them the database no longer has.

The running sums (pledges/donations/summary.py, pledges/equipment/summary.py) and, on SQLite,
the search table are kept by triggers. A migration that rebuilds a table on SQLite (many an
AlterField or AddField does: a new table, the rows copied, the old one dropped) drops its
triggers with it, silently; the sums then stop following the rows. verify_ledger names every
missing trigger, and a test checks the migrated database has them all.
"""

from __future__ import annotations

from importlib import import_module

EVENTS = ("insert", "update", "delete")


def expected(vendor: str) -> dict[str, str]:
    """The triggers the migrations create on `vendor` ("sqlite" or "postgresql"): name -> migration."""
    dashboards = import_module("pledges.migrations.0031_dashboard_summaries")
    deliveries = import_module("pledges.migrations.0033_deliveries_per_municipality")
    names = dict.fromkeys((f"pledges_donation_summary_{event}" for event in EVENTS), "0024_donations_summary")
    names |= dict.fromkeys((f"pledges_donation_summary_{level}_{event}" for level in ("month", "municipality")
                            for event in EVENTS), "0025_summary_levels")
    names |= dict.fromkeys((f"pledges_donation_summary_due_date_{event}" for event in EVENTS), "0032_summary_by_due_date")
    names |= dict.fromkeys((f"pledges_offer_summary_{level}_{event}" for level in ("category", "municipality")
                            for event in EVENTS), "0026_equipment_summary")
    names |= dict.fromkeys((dashboards._name(source, event) for source, event in dashboards.TRIGGERS),
                           "0031_dashboard_summaries")
    names |= dict.fromkeys((deliveries.trigger_name(source, event) for source in deliveries.SQLITE_WATCHED
                            for event in deliveries.EVENTS), "0033_deliveries_per_municipality")
    if vendor == "sqlite":
        names |= dict.fromkeys((f"pledges_donation_search_{event}" for event in EVENTS), "0023_search_indexes")
        names |= dict.fromkeys((f"pledges_offer_search_{event}" for event in EVENTS), "0031_dashboard_summaries")
    return names


def present(connection) -> set[str]:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE NOT tgisinternal")
        return {name for (name,) in cursor.fetchall()}


def missing(connection) -> list[str]:
    """The expected triggers the database lacks, by name."""
    return sorted(expected(connection.vendor).keys() - present(connection))


def findings(connection) -> list[str]:
    """One line per missing trigger, in English for the operator (verify_ledger)."""
    made_by = expected(connection.vendor)
    return [
        f"Trigger {name} (migration {made_by[name]}) is missing: what it keeps no longer follows the rows "
        "(a migration that rebuilds its table on SQLite drops the table's triggers); create it again as that "
        "migration does, then run verify_ledger --rebuild-summary"
        for name in missing(connection)
    ]
