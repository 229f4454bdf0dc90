"""Build ledger rows for tests without going through forms."""

import datetime
import itertools

from django.utils import timezone

from pledges.models import Appeal, Donation, Event, Municipality, User

_counter = itertools.count(1)


def appeal(**fields) -> Appeal:
    defaults = {
        "title": f"Oproep {next(_counter)}",
        "theme": Appeal.Theme.EMERGENCY,
        "iban": "NL94BNGH0285173715",
        "account_name": "Stichting VNG Fonds",
        "transfer_keyword": "Oekraine",
        "accepts": Appeal.Accepts.BOTH,
    }
    return Appeal.objects.create(**(defaults | fields))


def donation(municipality: Municipality, appeal: Appeal, created_by: User, **fields) -> Donation:
    """A pledge with its reference and creation event, as the ledger would write it."""
    defaults = {
        "amount_cents": 1_000_00,
        "iban": "NL91ABNA0417164300",
        "decision_reference": "Raadsbesluit 2026-12",
        "expected_date": timezone.localdate() + datetime.timedelta(days=30),
        "contact_name": "Contact Persoon",
        "contact_email": "contact@example.nl",
    }
    row = Donation.objects.create(
        municipality=municipality, appeal=appeal, created_by=created_by, **(defaults | fields)
    )
    row.reference = Donation.reference_for(row.pk)
    row.save(update_fields=["reference"])
    Event.objects.create(donation=row, kind=Event.Kind.CREATED, actor=created_by, to_status=row.status)
    return row
