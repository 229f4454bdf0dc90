"""One form sent twice at the same moment, on two real PostgreSQL connections: it books once.

The first submit holds its booking open (before the pledge's history is written) while the
second arrives with the same token: the second queues on the chain lock, then finds the token used.
"""

import datetime

import pytest
from django.db import connection
from django.urls import reverse

from pledges.core.models import UsedFormToken
from pledges.finance import matching
from pledges.history.integrity import chain_findings
from pledges.models import Donation, Event, Payment, Role
from tests import factories, pages
from tests.conftest import make_user
from tests.history.test_races import _assert_no_error_page, _client, _race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite queues writers at BEGIN; the race needs "
                       "PostgreSQL and two connections"),
]


def test_a_double_submit_racing_itself_records_and_thanks_once(monkeypatch, reference_data, almere, ukraine_appeal):
    staff = make_user("race@almere.nl", Role.MUNICIPAL_STAFF, almere)
    pledge = factories.donation(almere, ukraine_appeal, staff, amount_cents=1_000_00)
    fenna = make_user("fenna.race@vngfonds.nl", Role.FINANCE)
    data = factories.once({
        "appeal": ukraine_appeal.pk, "booking_date": datetime.date.today().isoformat(), "amount": "1.000,00",
        "counterparty_name": "Gemeente Almere, kas", "counterparty_iban": "", "remittance": "Contant",
        "pledge": pledge.number, "note": "",
    })
    # Two tabs of one browser session: the same login, the same rendered form.
    client = _client(fenna)

    def submit():
        return client.post(reverse("pledges:finance_manual_payment_create"), data, follow=True)

    results = _race(monkeypatch, matching, "_settle", submit, submit)

    _assert_no_error_page(results["first"], results["second"])
    # The two tabs share one cookie jar, and the messages travel in a cookie: each response
    # sets it, and under load the other tab's can replace it before a redirect reads it, as
    # two tabs of a browser would. So the pages show the second submit's "already sent" or the
    # first's booking, whichever response came last; never an error, never nothing.
    shown = pages.messages(results["first"]) + pages.messages(results["second"])
    assert any("al verstuurd" in message or "is vastgelegd en gekoppeld" in message for message in shown), shown
    assert Payment.objects.filter(statement__isnull=True).count() == 1
    assert Event.objects.filter(kind=Event.Kind.PAYMENT_MATCHED).count() == 1
    pledge.refresh_from_db()
    assert (pledge.status, pledge.received_cents) == (Donation.Status.RECEIVED, 1_000_00)
    assert UsedFormToken.objects.count() == 1
    assert list(chain_findings()) == []
