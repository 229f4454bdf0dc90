"""Dates in each language in one style: Dutch as Django writes it, English the European way (day first)."""

import datetime
import zoneinfo

import pytest
from django.urls import reverse

from pledges.models import Donation
from tests import factories, pages

AMSTERDAM = zoneinfo.ZoneInfo("Europe/Amsterdam")


@pytest.fixture
def pledge(almere, ukraine_appeal, almere_staff) -> Donation:
    return factories.donation(
        almere, ukraine_appeal, almere_staff,
        expected_date=datetime.date(2026, 12, 5),
        created_at=datetime.datetime(2026, 2, 2, 14, 30, tzinfo=AMSTERDAM),
    )


@pytest.mark.parametrize(("language", "long_date", "date_and_time", "short_date"), [
    ("en", "5 Dec 2026", "2 Feb 2026, 14:30", "02-02-2026"),
    ("nl", "5 december 2026", "2 februari 2026 14:30", "2-2-2026"),
])
def test_it_writes_dates_in_one_style_per_language(client, almere_staff, pledge, language, long_date,
                                                   date_and_time, short_date):
    client.force_login(almere_staff)

    detail = pages.plain(client.get(reverse("pledges:donation_detail", args=[pledge.pk]), HTTP_ACCEPT_LANGUAGE=language))
    ledger = pages.plain(client.get(reverse("pledges:donation_list"), HTTP_ACCEPT_LANGUAGE=language))

    assert long_date in detail and date_and_time in detail
    assert short_date in ledger
    # Never the American order, nor the 12-hour clock.
    assert "Dec. 5" not in detail and "12/05/2026" not in detail and "p.m." not in detail
    assert "02/02/2026" not in ledger


@pytest.mark.parametrize("language", ["en", "nl"])
def test_it_reads_a_typed_date_day_first(client, almere, ukraine_appeal, almere_staff, pledge, language):
    """A browser without a date picker sends the date as typed: 01-03-2026 is 1 March on English pages too."""
    factories.donation(almere, ukraine_appeal, almere_staff,
                       created_at=datetime.datetime(2026, 3, 2, 9, 0, tzinfo=AMSTERDAM))
    client.force_login(almere_staff)

    response = client.get(reverse("pledges:donation_list"), {"pledged_from": "01-03-2026"},
                          HTTP_ACCEPT_LANGUAGE=language)

    assert response.status_code == 200
    assert len(pages.pledge_numbers(response)) == 1
