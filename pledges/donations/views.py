"""Money pledges: the ledger table, the pledge form and the pledge page."""


from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_tables2 import RequestConfig

from pledges.accounts.access import EVERYONE, allow, get_visible_or_404
from pledges.accounts.models import Role
from pledges.core.confirmation import confirm_withdrawal, withdrawal_confirmed
from pledges.core.money import format_euro
from pledges.core.pdf import pdf_response
from pledges.core.tables import PAGE_SIZES, paginate
from pledges.donations import overpayments
from pledges.donations.access import can_download_receipts, can_pledge, visible_donations
from pledges.donations.appeals import account_since
from pledges.donations.epc import epc_qr_data_uri
from pledges.donations.exports import donation_export
from pledges.donations.filters import DonationFilter
from pledges.donations.forms import DonationForm, WithdrawForm, WriteOffForm
from pledges.donations.mails import instruction_recipients, payment_instructions_pdf
from pledges.donations.models import Donation
from pledges.donations.services import (
    LockedError,
    create_donation,
    update_donation,
    withdraw_donation,
)
from pledges.donations.summary import count_and_totals
from pledges.donations.tables import DonationTable
from pledges.reference.models import Appeal
from pledges.spreadsheets.views import export_response, filter_summary, requested_format


@allow(*EVERYONE)
def donation_list(request: HttpRequest) -> HttpResponse:
    """The ledger: the user's visible pledges, filtered, sorted, paged and totalled."""
    user = request.user
    pledge_filter = DonationFilter(
        request.GET or None, queryset=visible_donations(user).for_table(), user=user
    )
    rows = pledge_filter.qs
    totals = count_and_totals(pledge_filter)
    # No request= here: django-tables2 would paginate once more, with a COUNT(*) of its own.
    table = DonationTable(rows, show_municipality=user.is_fund_staff, show_appeal=Appeal.several_open())
    RequestConfig(request, paginate=False).configure(table)
    export_format = requested_format(request)
    if export_format:
        # The very queryset the pages below are cut from: same filter, same scoping, same order.
        return export_response(
            request,
            export_format,
            donation_export(table.data.data, _("Money ledger")),
            filter_summary(pledge_filter.form, table),
            totals.rows,
        )
    paginate(table, request, count=totals.rows)
    return render(
        request,
        "donations/list.html",
        {
            "filter": pledge_filter,
            "table": table,
            "totals": totals,
            "page_sizes": PAGE_SIZES,
            "can_pledge": can_pledge(user),
        },
    )


@allow(Role.MUNICIPAL_STAFF)
def donation_create(request: HttpRequest) -> HttpResponse:
    open_appeals = Appeal.objects.filter(is_open=True).exclude(accepts=Appeal.Accepts.EQUIPMENT)
    if request.method == "POST":
        form = DonationForm(request.POST, municipality=request.user.municipality)
        if form.is_valid():
            donation = create_donation(form, request.user)
            messages.success(
                request,
                _("Thank you. Pledge %(number)s is recorded. The payment instructions are shown below; "
                  "an e-mail with them is on its way to %(recipients)s.")
                % {"number": donation.number, "recipients": ", ".join(instruction_recipients(donation))},
            )
            return redirect(donation)
    else:
        form = DonationForm(municipality=request.user.municipality, initial={
            "appeal": open_appeals.first(),
            "contact_name": request.user.get_full_name(),
            "contact_email": request.user.email,
        })
    return render(
        request,
        "donations/form.html",
        {"form": form, "has_open_appeal": open_appeals.exists()},
    )


@allow(*EVERYONE)
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    donation = get_visible_or_404(
        visible_donations(request.user).select_related("appeal", "municipality", "created_by"),
        pk=pk,
    )
    events = donation.events.select_related("actor")
    fund_staff = request.user.is_fund_staff
    decision = overpayments.decisions([donation]).get(donation.pk)
    return render(
        request,
        "donations/detail.html",
        {
            "donation": donation,
            "overpaid_flag": overpayments.flag(donation, decision) if donation.overpaid_cents else "",
            "events": events,
            "account_since": account_since(donation.appeal),
            "dues": donation.dues(),
            "can_change": can_pledge(request.user) and donation.is_editable,
            "reminders": donation.reminders.all() if fund_staff else None,
            "can_settle": request.user.role == Role.FINANCE and donation.status in Donation.OPEN_STATUSES,
            "write_off_form": WriteOffForm(),
            "epc_qr": epc_qr_data_uri(donation) if donation.status in Donation.OPEN_STATUSES else "",
            # The money received for it (a line with a pledge is matched to it, by constraint), each
            # with its receipt (pledges/finance/receipts.py; finance builds on this package).
            "received_payments": donation.payments.order_by("booking_date", "pk"),
            "can_download_receipts": can_download_receipts(request.user),
        },
    )


@allow(*EVERYONE)
def donation_instructions_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The payment instructions, with the EPC QR code, as a PDF to print or forward."""
    donation = get_visible_or_404(visible_donations(request.user).select_related("appeal", "municipality"), pk=pk)
    if donation.status not in Donation.OPEN_STATUSES:
        messages.info(request, _("Nothing is outstanding on this pledge: there are no payment instructions."))
        return redirect(donation)
    return pdf_response(payment_instructions_pdf(donation), f"betaalinstructie-{donation.number}.pdf")


@allow(Role.MUNICIPAL_STAFF)
def donation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    donation = get_visible_or_404(visible_donations(request.user), pk=pk)
    if not donation.is_editable:
        messages.error(request, _("This pledge can no longer be changed: money has been received or it was withdrawn."))
        return redirect(donation)
    form = DonationForm(request.POST or None, instance=donation, municipality=donation.municipality)
    if request.method == "POST" and form.is_valid():
        try:
            edit = update_donation(form, request.user)
        except LockedError:
            messages.error(request, _("This pledge was locked while you were editing it; nothing was changed."))
        else:
            if edit.mailed_to:
                messages.success(
                    request,
                    _("Your changes are saved. The updated payment instructions are shown below; "
                      "an e-mail with them is on its way to %(recipients)s.")
                    % {"recipients": ", ".join(edit.mailed_to)},
                )
            elif edit.changes:
                messages.success(request, _("Your changes are saved. The payment instructions stay as they were."))
            else:
                messages.info(request, _("Nothing was changed."))
        return redirect(donation)
    return render(request, "donations/form.html", {"form": form, "donation": donation, "has_open_appeal": True})


def _not_withdrawable(request: HttpRequest) -> None:
    messages.error(
        request, _("This pledge can no longer be withdrawn: money has been received or it was already withdrawn.")
    )


@require_http_methods(["GET", "POST"])
@allow(Role.MUNICIPAL_STAFF)
def donation_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    """Ask to confirm the withdrawal (GET, or a POST from the pledge page); withdraw once confirmed."""
    donation = get_visible_or_404(visible_donations(request.user).select_related("appeal", "municipality"), pk=pk)
    if not donation.is_editable:
        _not_withdrawable(request)
        return redirect(donation)
    form = WithdrawForm(request.POST or None)
    if withdrawal_confirmed(request) and form.is_valid():
        try:
            withdraw_donation(donation, request.user, form.cleaned_data["note"])
        except LockedError:
            _not_withdrawable(request)
        else:
            messages.success(request, _("Pledge %(number)s is withdrawn.") % {"number": donation.number})
        return redirect(donation)
    summary = _("%(amount)s from %(municipality)s to “%(appeal)s”.") % {
        "amount": format_euro(donation.amount_cents),
        "municipality": donation.municipality,
        "appeal": donation.appeal,
    }
    return confirm_withdrawal(
        request,
        heading=_("Withdraw pledge %(number)s?") % {"number": donation.number},
        summary=summary,
        consequence=_("It stays in the ledger as withdrawn and can no longer be paid or changed. "
                      "To pledge again, record a new pledge."),
        form=form,
        action=reverse("pledges:donation_withdraw", args=[donation.pk]),
        cancel=donation.get_absolute_url(),
    )
