"""The ledger's totals come from running sums; what they cannot answer is summed up to a limit, shown as ≥."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pledges.core import triggers
from pledges.donations import summary
from pledges.equipment import summary as equipment_summary
from pledges.models import (
    Donation,
    DonationSummary,
    DonationSummaryByMonth,
    DonationSummaryByMunicipality,
    OfferSummaryByCategory,
    OfferSummaryByMunicipality,
    OfferStatus,
    Payment,
    ReceivedSummary,
    ReceivedSummaryByMonth,
)
from tests import factories, pages

# The ledger page, its clock (10 March 2026) and a coordinator logged in, as the ledger table's tests have them.
from tests.donations.test_ledger_table import LEDGER, at, fund, today  # noqa: F401


@pytest.fixture
def ledger(almere_staff, utrecht_staff, ukraine_appeal):
    donation = factories.donation
    rows = [
        donation(almere_staff.municipality, ukraine_appeal, almere_staff, amount_cents=1_000_00,
                 created_at=at("2026-01-10"), decision_reference="Raadsbesluit A"),
        # 00:30 on 1 February in Amsterdam, still 31 January in UTC: a February pledge.
        donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=2_500_00,
                 created_at=at("2026-02-01", "00:30"), decision_reference="Raadsbesluit B",
                 expected_date=datetime.date(2026, 3, 5)),
        donation(utrecht_staff.municipality, ukraine_appeal, utrecht_staff, amount_cents=4_000_00,
                 created_at=at("2026-02-20"), decision_reference="Raadsbesluit C",
                 expected_date=datetime.date(2026, 2, 25)),
    ]
    factories.receive(rows[1], 500_00)
    return rows


def matched_line(pledge: Donation, cents: int, booked: datetime.date) -> Payment:
    return factories.bank_line(cents, donation=pledge, match_method=Payment.Method.REFERENCE, matched_at=timezone.now(),
                               booking_date=booked)


def tables_summed(queries) -> set[str]:
    """The tables whose rows the queries add up."""
    return {model._meta.db_table for model in (Donation, DonationSummary, DonationSummaryByMonth,
                                                 DonationSummaryByMunicipality)
            for query in queries if "SUM(" in query["sql"] and f"FROM {connection.ops.quote_name(model._meta.db_table)}" in query["sql"]}


@pytest.mark.parametrize(("filters", "rows", "pledged", "level"), [
    ({}, "3", "€ 7.500,00", DonationSummaryByMonth),
    ({"status": "pledged", "pledged_from": "2026-02-01"}, "1", "€ 4.000,00", DonationSummaryByMonth),
    ({"province": "Utrecht"}, "2", "€ 6.500,00", DonationSummaryByMunicipality),
    ({"province": "Utrecht", "pledged_from": "2026-02-01"}, "2", "€ 6.500,00", DonationSummary),
])
def test_each_filter_reads_the_coarsest_summary_that_answers_it(fund, ledger, filters, rows, pledged, level):
    with CaptureQueriesContext(connection) as queries:
        response = fund.get(LEDGER, filters)

    assert (pages.total(response, "rows"), pages.total(response, "pledged")) == (rows, pledged)
    assert tables_summed(queries) == {level._meta.db_table}


def sums_over_pledges(queries) -> list[str]:
    """The queries that add up pledge rows rather than the summary's."""
    table = connection.ops.quote_name(Donation._meta.db_table)
    return [query["sql"] for query in queries if "SUM(" in query["sql"] and f"FROM {table}" in query["sql"]]


def test_whole_months_are_totalled_from_the_summary_in_the_local_month(fund, ledger):
    with CaptureQueriesContext(connection) as queries:
        response = fund.get(LEDGER, {"pledged_from": "2026-02-01", "pledged_until": "2026-02-28"})

    assert pages.total(response, "rows") == "2"
    assert pages.total(response, "pledged") == "€ 6.500,00"
    assert pages.total(response, "received") == "€ 500,00"
    assert pages.total(response, "outstanding") == "€ 6.000,00"
    assert sums_over_pledges(queries) == []
    assert "≥" not in pages.text(response)


def test_overdue_of_every_municipality_is_totalled_from_the_due_dates(fund, ledger):
    with CaptureQueriesContext(connection) as queries:
        response = fund.get(LEDGER, {"overdue": "on"})

    # Due 25 February (an earlier month) and 5 March (this month, before today).
    assert pages.total(response, "rows") == "2"
    assert pages.total(response, "outstanding") == "€ 6.000,00"
    assert sums_over_pledges(queries) == []


def test_overdue_of_a_province_takes_earlier_months_from_the_summary_and_this_month_from_the_pledges(fund, ledger):
    with CaptureQueriesContext(connection) as queries:
        response = fund.get(LEDGER, {"overdue": "on", "province": "Utrecht"})

    assert pages.total(response, "rows") == "2"
    assert pages.total(response, "outstanding") == "€ 6.000,00"
    assert len(sums_over_pledges(queries)) == 1  # this month's, up to today


def test_a_search_sums_the_pledges_themselves(fund, ledger):
    response = fund.get(LEDGER, {"q": "Raadsbesluit"})

    assert pages.total(response, "rows") == "3"
    assert pages.total(response, "pledged") == "€ 7.500,00"


def test_a_search_reads_the_municipalities_it_names_from_the_summary_and_sums_only_the_rest(
        fund, ledger, utrecht_staff, ukraine_appeal, settings):
    # "utrecht" names Utrecht (two pledges there, one of them with the word in its decision too)
    # and is in the decision of one pledge of Almere: three pledges, none counted twice.
    Donation.objects.filter(pk=ledger[1].pk).update(decision_reference="Raadsbesluit Utrecht B")
    Donation.objects.filter(pk=ledger[0].pk).update(decision_reference="Samen met Utrecht")
    settings.LEDGER_TOTALS_ROW_LIMIT = 1  # Utrecht's two pledges are more than the limit: no "≥" for them

    with CaptureQueriesContext(connection) as queries:
        response = fund.get(LEDGER, {"q": "utrecht"})

    assert pages.total(response, "rows") == "3"
    assert pages.total(response, "pledged") == "€ 7.500,00"
    assert pages.total(response, "received") == "€ 500,00"
    assert "≥" not in pages.text(response)
    assert tables_summed(queries) == {DonationSummaryByMunicipality._meta.db_table, Donation._meta.db_table}
    # With a status, what the summary and the rows give still adds up to what the page lists.
    response = fund.get(LEDGER, {"q": "utrecht", "status": "pledged"})
    assert pages.total(response, "rows") == str(Donation.objects.filter(status="pledged").count())


def test_beyond_the_limit_a_search_shows_its_totals_as_at_least(fund, ledger, settings):
    settings.LEDGER_TOTALS_ROW_LIMIT = 2

    response = fund.get(LEDGER, {"q": "Raadsbesluit"})

    assert pages.total(response, "rows") == "≥ 2"
    assert pages.total(response, "pledged").startswith("≥ € ")
    assert "Meer dan 2 toezeggingen" in pages.text(response)


def test_a_municipality_sees_the_totals_of_its_own_pledges_only(client, almere_staff, ledger):
    client.force_login(almere_staff)

    response = client.get(LEDGER)

    assert pages.total(response, "rows") == "1"
    assert pages.total(response, "pledged") == "€ 1.000,00"


def verify(about: str = "Pledge totals") -> tuple[list[str], int]:
    """verify_ledger's findings that start with `about` (the pledge totals'), and its exit code."""
    out, code = io.StringIO(), 0
    try:
        call_command("verify_ledger", stdout=out)
    except CommandError as error:
        code = error.returncode
    return [line for line in out.getvalue().splitlines() if line.startswith(about)], code


def test_verify_ledger_names_a_summary_that_disagrees_with_the_pledges_and_rebuilds_it(ledger):
    assert verify()[0] == []
    bucket = DonationSummary.objects.get(municipality=ledger[0].municipality, month=datetime.date(2026, 1, 1))
    DonationSummary.objects.filter(pk=bucket.pk).update(amount_cents=999_00)

    findings, code = verify()

    assert code == 2
    assert findings == [
        f"Pledge totals of appeal {ledger[0].appeal_id}, municipality id {ledger[0].municipality_id}, pledged, "
        "pledged 2026-01, due 2026-04: the summary holds 1 pledges, €999.00 pledged, €0.00 received, "
        "€1,000.00 outstanding, the pledges add up to 1 pledges, €1,000.00 pledged, €0.00 received, "
        "€1,000.00 outstanding"
    ]
    with pytest.raises(CommandError):  # the received amounts set without bank lines still do not verify
        call_command("verify_ledger", "--rebuild-summary", stdout=io.StringIO())
    assert verify()[0] == []
    assert summary.stored() == summary.recomputed()


def test_verify_ledger_names_a_coarser_level_that_disagrees_and_rebuilds_every_level(ledger):
    utrecht = ledger[1].municipality
    DonationSummaryByMonth.objects.filter(month=datetime.date(2026, 1, 1)).update(pledges=5)
    DonationSummaryByMunicipality.objects.filter(municipality=utrecht, status="partly_received").delete()

    findings, code = verify()

    assert code == 2
    assert findings == [
        f"Pledge totals per month of appeal {ledger[0].appeal_id}, pledged, pledged 2026-01, due 2026-04: the "
        "summary holds 5 pledges, €1,000.00 pledged, €0.00 received, €1,000.00 outstanding, the pledges add up to "
        "1 pledges, €1,000.00 pledged, €0.00 received, €1,000.00 outstanding",
        f"Pledge totals per municipality of appeal {ledger[0].appeal_id}, municipality id {utrecht.pk}, "
        "partly_received: the summary holds 0 pledges, €0.00 pledged, €0.00 received, €0.00 outstanding, the "
        "pledges add up to 1 pledges, €2,500.00 pledged, €500.00 received, €2,000.00 outstanding",
    ]
    with pytest.raises(CommandError):  # the received amounts set without bank lines still do not verify
        call_command("verify_ledger", "--rebuild-summary", stdout=io.StringIO())
    assert verify()[0] == []
    for level in summary.LEVELS:
        assert summary.stored(level) == summary.recomputed(level)


@pytest.mark.skipif(connection.vendor != "sqlite",
                    reason="PostgreSQL's flush is one TRUNCATE of every table, which fires no row triggers")
def test_a_flush_leaves_no_sums_whatever_order_it_empties_the_tables_in(ledger, almere_staff, ukraine_appeal):
    """SQLite's flush deletes table after table in no fixed order, and its deletes fire the triggers."""
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff)
    matched_line(ledger[0], 100_00, datetime.date(2026, 1, 20))
    summaries = [DonationSummary, DonationSummaryByMonth, DonationSummaryByMunicipality, *summary.RECEIVED_LEVELS,
                 OfferSummaryByCategory, OfferSummaryByMunicipality, *equipment_summary.PER_DESTINATION]
    # The unlucky order: the sums emptied first, then the rows, whose deletes add their parts negated.
    for level in summaries:
        level.objects.all().delete()
    with connection.cursor() as cursor:
        for table in ("pledges_payment", "pledges_donation", "pledges_equipmentoffer"):
            cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")
    assert DonationSummary.objects.filter(pledges__lt=0).exists()

    call_command("flush", interactive=False, verbosity=0)

    assert [level.objects.count() for level in summaries] == [0] * len(summaries)
    assert summary.differences() == []


def received(appeal) -> dict[tuple, tuple[int, int]]:
    """The money received per municipality id and month booked, as the summary keeps it (lines, cents)."""
    return {(row.municipality_id, row.booking_month): (row.lines, row.amount_cents)
            for row in ReceivedSummary.objects.filter(appeal=appeal).exclude(lines=0, amount_cents=0)}


def test_the_money_received_per_month_follows_every_match_and_every_pledge_that_moves(ledger, ukraine_appeal):
    almere, utrecht = ledger[0].municipality, ledger[1].municipality
    january, february, march = (datetime.date(2026, month, 1) for month in (1, 2, 3))
    first = matched_line(ledger[0], 300_00, datetime.date(2026, 1, 20))
    matched_line(ledger[0], 200_00, datetime.date(2026, 3, 2))
    matched_line(ledger[1], 500_00, datetime.date(2026, 2, 10))
    later = matched_line(ledger[2], 1_000_00, datetime.date(2026, 2, 28))
    assert received(ukraine_appeal) == {(almere.pk, january): (1, 300_00), (almere.pk, march): (1, 200_00),
                                        (utrecht.pk, february): (2, 1_500_00)}

    # Behind the app's back: a line booked a day later, one unmatched, a pledge withdrawn, one moved.
    Payment.objects.filter(pk=later.pk).update(booking_date=datetime.date(2026, 3, 1))
    Payment.objects.filter(pk=first.pk).update(donation=None, match_method="", matched_at=None)
    Donation.objects.filter(pk=ledger[1].pk).update(status=Donation.Status.WITHDRAWN)
    Donation.objects.filter(pk=ledger[0].pk).update(municipality=utrecht)

    assert received(ukraine_appeal) == {(utrecht.pk, march): (2, 1_200_00)}
    for level in summary.RECEIVED_LEVELS:
        assert summary.stored(level, summary.RECEIVED_SUMS) == summary.received_recomputed(level)
    Donation.objects.filter(pk=ledger[1].pk).update(status=Donation.Status.PARTLY_RECEIVED)
    assert received(ukraine_appeal) == {(utrecht.pk, february): (1, 500_00), (utrecht.pk, march): (2, 1_200_00)}

    pledges = Donation.objects.filter(appeal=ukraine_appeal)
    chart = summary.over_time(pledges, DonationSummaryByMonth.objects.filter(appeal=ukraine_appeal),
                              ReceivedSummaryByMonth.objects.filter(appeal=ukraine_appeal), points=2)
    assert chart == pledges.over_time(points=2)
    assert [(row["start"], row["received"]) for row in chart] == [
        (january, Decimal("0.00")), (february, Decimal("500.00")), (march, Decimal("1700.00")),
    ]


def test_verify_ledger_names_money_received_that_disagrees_and_rebuilds_it(ledger, ukraine_appeal):
    matched_line(ledger[1], 500_00, datetime.date(2026, 2, 10))
    ReceivedSummary.objects.update(amount_cents=1)

    assert verify("Money received") == ([
        f"Money received per month of appeal {ukraine_appeal.pk}, municipality id {ledger[1].municipality_id}, "
        "booked 2026-02: the summary holds 1 lines, €0.01 received, the matched bank lines add up to 1 lines, "
        "€500.00 received"
    ], 2)
    summary.rebuild()
    for level in summary.RECEIVED_LEVELS:
        assert summary.stored(level, summary.RECEIVED_SUMS) == summary.received_recomputed(level)


def test_the_migrated_database_has_every_trigger_that_keeps_the_sums(db):
    """A migration that rebuilds a table on SQLite drops its triggers: this fails on the first such migration."""
    assert triggers.missing(connection) == []
    assert len(triggers.expected(connection.vendor)) == (40 if connection.vendor == "sqlite" else 34)


def test_verify_ledger_names_a_missing_trigger(ledger):
    name = "pledges_receivedsummary_payment_insert"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {name}" + (" ON pledges_payment" if connection.vendor == "postgresql" else ""))

    assert verify("Trigger") == ([
        f"Trigger {name} (migration 0031_dashboard_summaries) is missing: what it keeps no longer follows the rows "
        "(a migration that rebuilds its table on SQLite drops the table's triggers); create it again as that "
        "migration does, then run verify_ledger --rebuild-summary"
    ], 2)


def test_a_dump_loaded_again_gives_the_same_sums_not_twice_them(ledger, almere_staff, ukraine_appeal, tmp_path):
    matched_line(ledger[1], 500_00, datetime.date(2026, 2, 10))
    factories.offer(almere_staff.municipality, ukraine_appeal, almere_staff, status=OfferStatus.DELIVERED, quantity=3)
    levels = {**dict.fromkeys(summary.LEVELS, summary.SUMS), **dict.fromkeys(summary.RECEIVED_LEVELS, summary.RECEIVED_SUMS),
              OfferSummaryByCategory: equipment_summary.SUMS,
              **dict.fromkeys(equipment_summary.PER_DESTINATION, equipment_summary.DESTINATION_SUMS)}
    before = {level: summary.stored(level, sums) for level, sums in levels.items()}
    dump = tmp_path / "ledger.json"
    call_command("dumpdata", "pledges", output=str(dump), verbosity=0)
    assert "pledges.donationsummary" in dump.read_text()

    if connection.vendor == "postgresql":  # the test's transaction holds deferred checks TRUNCATE will not pass
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", str(dump), verbosity=0)

    assert {level: summary.stored(level, sums) for level, sums in levels.items()} == before
    assert all(before.values())
    assert summary.differences() == []
    assert equipment_summary.differences() == []
