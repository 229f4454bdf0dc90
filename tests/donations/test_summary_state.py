"""The pledge totals' running sums equal the pledges after any sequence of what the ledger does.

Pledges (made at the edges of months, where the local month and the UTC month differ),
edits, withdrawals, payments entered by hand with and without a match, matches, unmatches,
voids and write-offs, in any order; after every step the summary equals the one the rows
make (the money received per month too), and the ledger's totals and the dashboards' money
over time read from it equal those summed from the rows.
"""

import datetime
from decimal import Decimal

import time_machine
from django.db import transaction
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from pledges.donations import services, summary
from pledges.donations.access import visible_donations
from pledges.donations.filters import DonationFilter
from pledges.donations.forms import DonationForm
from pledges.finance import matching
from pledges.finance.matching import MatchRefused
from pledges.models import (
    Appeal,
    Donation,
    DonationSummary,
    DonationSummaryByMonth,
    Municipality,
    Payment,
    ReceivedSummary,
    ReceivedSummaryByMonth,
    Role,
    User,
)
from tests import factories

UTC = datetime.UTC
# Moments around the end of months in UTC: on the 31st at 22:30 UTC it is already
# 1 August in Amsterdam (summer time), at 23:30 UTC on 31 December 1 January (winter time).
MOMENTS = [
    datetime.datetime(2026, 3, 31, 21, 59, tzinfo=UTC),
    datetime.datetime(2026, 3, 31, 22, 0, tzinfo=UTC),
    datetime.datetime(2026, 7, 31, 22, 30, tzinfo=UTC),
    datetime.datetime(2026, 10, 31, 22, 30, tzinfo=UTC),
    datetime.datetime(2026, 10, 31, 23, 0, tzinfo=UTC),
    datetime.datetime(2026, 11, 15, 12, 0, tzinfo=UTC),
    datetime.datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
    datetime.datetime(2025, 12, 31, 23, 30, tzinfo=UTC),
    datetime.datetime(2026, 2, 28, 22, 59, tzinfo=UTC),
]
FILTERS = [
    {},
    {"status": "pledged"},
    {"status": "withdrawn"},
    {"overdue": "on"},
    {"pledged_from": "2026-04-01", "pledged_until": "2026-11-30"},
    {"pledged_from": "2026-08-01", "pledged_until": "2026-08-31", "overdue": "on"},
    {"province": "Flevoland"},
    {"province": "Flevoland", "status": "pledged"},
    {"province": "Flevoland", "overdue": "on"},
    {"province": "Flevoland", "pledged_from": "2026-04-01"},
    {"amount_min": "100,00"},
]


class SummaryMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        self.appeal = Appeal.objects.get(transfer_keyword="Oekraine")
        self.staff = [
            User.objects.create_user(f"hyp{n}@example.nl", "x" * 16, role=Role.MUNICIPAL_STAFF,
                                     municipality=Municipality.objects.get(code=code))
            for n, code in enumerate(["GM0034", "GM0344"])
        ]
        self.finance = User.objects.create_user("hyp@vngfonds.nl", "x" * 16, role=Role.FINANCE)

    def teardown(self):
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    def _pledge(self, index: int) -> Donation | None:
        pledges = list(Donation.objects.order_by("pk"))
        return pledges[index % len(pledges)] if pledges else None

    def _form(self, staff: User, cents: int, due_in: int, instance: Donation | None = None) -> DonationForm:
        data = factories.pledge_form(
            self.appeal, amount=f"{Decimal(cents) / 100:.2f}".replace(".", ","),
            expected_date=(timezone.localdate() + datetime.timedelta(days=due_in)).isoformat(),
        )
        form = DonationForm(data, instance=instance, municipality=staff.municipality)
        assert form.is_valid(), form.errors
        return form

    @rule(who=st.integers(0, 1), cents=st.integers(100, 90_000_00), due_in=st.integers(0, 40),
          moment=st.sampled_from(MOMENTS))
    def pledge(self, who, cents, due_in, moment):
        with time_machine.travel(moment, tick=False):
            services.create_donation(self._form(self.staff[who], cents, due_in), self.staff[who])

    @rule(index=st.integers(0, 30), cents=st.integers(100, 90_000_00), due_in=st.integers(0, 40))
    def edit(self, index, cents, due_in):
        pledge = self._pledge(index)
        if pledge and pledge.is_editable:
            staff = next(user for user in self.staff if user.municipality_id == pledge.municipality_id)
            services.update_donation(self._form(staff, cents, due_in, instance=pledge), staff)

    @rule(index=st.integers(0, 30))
    def withdraw(self, index):
        pledge = self._pledge(index)
        if pledge and pledge.is_editable:
            staff = next(user for user in self.staff if user.municipality_id == pledge.municipality_id)
            services.withdraw_donation(pledge, staff, "Besluit aangehouden")

    @rule(index=st.integers(0, 30), cents=st.integers(1, 90_000_00), matched=st.booleans())
    def payment(self, index, cents, matched):
        pledge = self._pledge(index) if matched else None
        try:
            matching.enter_payment(
                appeal=self.appeal, booking_date=timezone.localdate(), amount_cents=cents, counterparty_name="Gemeente",
                counterparty_iban=factories.MUNICIPAL_IBAN, remittance="Bijdrage", donation=pledge,
                user=self.finance, note="Per kas", confirmed=matching.EVERYTHING,
            )
        except MatchRefused:
            pass

    @rule(line=st.integers(0, 30), index=st.integers(0, 30))
    def match(self, line, index):
        lines = list(Payment.objects.filter(match_method="").order_by("pk"))
        pledge = self._pledge(index)
        if lines and pledge:
            try:
                matching.match(lines[line % len(lines)].pk, pledge.pk, self.finance, confirmed=matching.EVERYTHING)
            except MatchRefused:
                pass

    @rule(line=st.integers(0, 30))
    def unmatch(self, line):
        lines = list(Payment.objects.filter(donation__isnull=False).order_by("pk"))
        if lines:
            matching.unmatch(lines[line % len(lines)].pk, self.finance, note="Verkeerd gekoppeld")

    @rule(line=st.integers(0, 30))
    def void(self, line):
        lines = list(Payment.objects.exclude(match_method=Payment.Method.VOIDED).order_by("pk"))
        if lines:
            matching.void(lines[line % len(lines)].pk, self.finance, reason="Dubbel ingevoerd")

    @rule(index=st.integers(0, 30))
    def write_off(self, index):
        pledge = self._pledge(index)
        if pledge:
            services.write_off(pledge.pk, self.finance, "Oninbaar")

    @rule(index=st.integers(0, 30), moment=st.sampled_from(MOMENTS), due_in=st.integers(-70, 0))
    def change_behind_the_apps_back(self, index, moment, due_in):
        """A row changed by a plain UPDATE moves in the summary too: the triggers see every write."""
        pledge = self._pledge(index)
        if pledge:
            Donation.objects.filter(pk=pledge.pk).update(
                created_at=moment, municipality=self.staff[1].municipality,
                expected_date=timezone.localdate() + datetime.timedelta(days=due_in),
            )

    @invariant()
    def the_summary_is_what_the_rows_make(self):
        assert summary.differences() == []

    @invariant()
    def the_dashboards_figures_read_from_it_are_those_of_the_rows(self):
        pledges = Donation.objects.filter(appeal=self.appeal)
        overdue = ("overdue", "overdue_outstanding")
        assert summary.cents_per_municipality(self.appeal) == {
            municipality: {key: value for key, value in sums.items() if key not in overdue}
            for municipality, sums in pledges._cents_per_municipality().items()
        }
        by_rows = Donation.objects.add_up(pledges.by_province())
        assert summary.overdue(self.appeal) == {key: by_rows[key] for key in overdue}

    @invariant()
    def the_money_over_time_read_from_it_is_that_of_the_rows(self):
        pledges = Donation.objects.filter(appeal=self.appeal)
        months = DonationSummaryByMonth.objects.filter(appeal=self.appeal)
        received = ReceivedSummaryByMonth.objects.filter(appeal=self.appeal)
        # points=2: months whenever the pledges span more than two weeks, as the summaries answer.
        for points in (30, 2):
            assert summary.over_time(pledges, months, received, points=points) == pledges.over_time(points=points)
        for staff in self.staff:
            own = Donation.objects.filter(municipality=staff.municipality)
            assert summary.over_time(own, DonationSummary.objects.filter(municipality=staff.municipality),
                                     ReceivedSummary.objects.filter(municipality=staff.municipality),
                                     points=2) == own.over_time(points=2)

    @invariant()
    def the_totals_read_from_it_are_those_of_the_rows(self):
        for data in FILTERS:
            filterset = DonationFilter(data, queryset=visible_donations(self.finance), user=self.finance)
            totals, rows = summary.count_and_totals(filterset), filterset.qs.totals()
            assert totals.exact
            assert (totals.rows, totals.pledged, totals.received, totals.outstanding) == (
                rows["rows"], rows["pledged"], rows["received"], rows["outstanding"]
            ), data


def test_any_sequence_keeps_the_summary_equal_to_the_rows(reference_data):
    run_state_machine_as_test(
        SummaryMachine,
        settings=settings(
            max_examples=8,
            stateful_step_count=10,
            deadline=None,
            derandomize=True,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
