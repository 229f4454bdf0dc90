"""Finance: import bank statements, match their lines to pledges, follow what is outstanding.

Finance works here; coordinators may look (read-only); municipal staff never see it.
"""


from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, F, Q, When
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods, require_POST
from django_tables2 import RequestConfig

from pledges.accounts.access import allow, get_visible_or_404
from pledges.accounts.models import Role
from pledges.core.money import format_euro
from pledges.core.once import claim, led_to, sent_once
from pledges.donations import overpayments
from pledges.donations.exports import donation_export
from pledges.donations.filters import DonationFilter
from pledges.donations.forms import RemindersForm, WriteOffForm
from pledges.donations.models import Donation
from pledges.donations.services import pause_reminders, write_off
from pledges.donations.tables import OutstandingTable
from pledges.finance import continuity
from pledges.finance import suggestions as finance_suggestions
from pledges.finance.exports import payment_export
from pledges.finance.filters import PaymentFilter
from pledges.finance.forms import (
    AssignForm,
    ManualPaymentForm,
    NoteForm,
    OverpaymentForm,
    ReasonForm,
    ReportForm,
    SplitForm,
    StatementUploadForm,
    SuggestionForm,
)
from pledges.finance.matching import (
    MatchRefused,
    NeedsConfirmation,
    confirmation_keys,
    decide_overpayment,
    enter_payment,
    fund_accounts,
    is_matchable,
    mark_gift,
    match,
    outstanding_pledges,
    rematch,
    split,
    unmatch,
    void,
)
from pledges.finance.models import (
    BankStatement,
    FinanceReport,
    HeldLine,
    Payment,
    StatementImport,
)
from pledges.finance.parsers import StatementRefused
from pledges.finance.report import ReportScope, report_workbook
from pledges.finance.statements import AlreadyImported, HeldLineRefused, decide_held_line
from pledges.finance.tasks import queue_finance_report, queue_statement_import
from pledges.history.models import Event
from pledges.history.rendering import disagreement_text
from pledges.history.services import writing
from pledges.reference.models import Appeal
from pledges.spreadsheets.models import ExportLog
from pledges.spreadsheets.views import (
    export_response,
    filter_summary,
    log_export,
    requested_format,
)
from pledges.spreadsheets.xlsx_writer import XLSX_CONTENT_TYPE, xlsx_response

# Finance reconciles; coordinators follow the money but change nothing here.
VIEWERS = (Role.FINANCE, Role.COORDINATOR)
PAGE_SIZE = 50


def _can_reconcile(request: HttpRequest) -> bool:
    return request.user.role == Role.FINANCE


def _render(request: HttpRequest, template: str, context: dict) -> HttpResponse:
    """Render a finance page; every one shows the open-lines count in the finance menu, and says when
    statements do not follow each other or lines wait for a decision."""
    if "continuity" not in context:
        context["continuity"] = continuity.findings()
    return render(
        request,
        template,
        context | {
            "open_lines": Payment.objects.unmatched().count(),
            "held_waiting": HeldLine.objects.filter(decision="").count(),
        },
    )


def _page(request: HttpRequest, rows, size: int = PAGE_SIZE):
    return Paginator(rows, size).get_page(request.GET.get("page"))


def _back(request: HttpRequest, default: str) -> HttpResponse:
    """Return to the page the form was on (the filtered list), or to `default`."""
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(default)


# --------------------------------------------------------------------------- statements


def _held_lines(**filters):
    return HeldLine.objects.filter(**filters).select_related(
        "statement", "resembles__statement", "decided_by"
    ).order_by("booking_date", "id")


def _statement_list(request: HttpRequest, form: StatementUploadForm) -> HttpResponse:
    statements = BankStatement.objects.select_related("uploaded_by").order_by("-uploaded_at", "-id")
    return _render(
        request,
        "finance/statements.html",
        {
            "form": form,
            "page": _page(request, statements, 25),
            "can_reconcile": _can_reconcile(request),
            "held_lines": _held_lines(decision=""),
        },
    )


def _file_context(statement: BankStatement | None) -> dict:
    """What a file's pages show beside its new lines: lines it held, lines already booked, its continuity."""
    if statement is None:
        return {}
    return {
        "held_lines": _held_lines(statement=statement),
        "known_lines": Payment.objects.filter(pk__in=statement.known_lines)
        .select_related("statement")
        .order_by("booking_date", "id"),
        "file_continuity": continuity.findings_for_file(statement.pk, statement.account_iban),
    }


@allow(*VIEWERS)
def statement_list(request: HttpRequest) -> HttpResponse:
    """The imported statements, newest first, with the upload form for finance."""
    return _statement_list(request, StatementUploadForm())


@require_http_methods(["GET", "POST"])
@allow(Role.FINANCE)
def statement_upload(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        # The address bar keeps this URL after a refused upload: reloading it shows the statements.
        return redirect("pledges:finance_statements")
    form = StatementUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _statement_list(request, form)
    try:
        job = queue_statement_import(form.cleaned_data["file"], file_name=form.file_name, user=request.user)
    except AlreadyImported as already:
        messages.warning(request, str(already))
        return redirect("pledges:finance_statement", pk=already.statement.pk)
    except StatementRefused as refusal:
        form.add_error("file", str(refusal))
        return _statement_list(request, form)
    return redirect("pledges:finance_statement_import", pk=job.pk)


@allow(Role.FINANCE)
def statement_import(request: HttpRequest, pk: int) -> HttpResponse:
    """An upload's import: waiting, running, what it added and matched, or why it failed."""
    job = get_object_or_404(StatementImport.objects.select_related("statement__uploaded_by"), pk=pk)
    statement = job.statement
    return _render(
        request,
        "finance/statement_import.html",
        {
            "job": job,
            "statement": statement,
            "already": AlreadyImported(statement) if job.already_imported else None,
            "can_reconcile": True,
            **_file_context(statement),
        },
    )


@allow(*VIEWERS)
def statement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    statement = get_visible_or_404(BankStatement.objects.select_related("uploaded_by"), pk=pk)
    lines = statement.payments.for_list().order_by("booking_date", "id")
    return _render(
        request,
        "finance/statement_detail.html",
        {
            "statement": statement,
            "page": _page(request, lines),
            "fund_accounts": fund_accounts(),
            "can_reconcile": _can_reconcile(request),
            **_file_context(statement),
        },
    )


@require_POST
@allow(Role.FINANCE)
def held_line_decide(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance decides on a held line: "add as a new line" or "it is the same line"."""
    held = get_object_or_404(HeldLine.objects.all(), pk=pk)
    try:
        decided = decide_held_line(held.pk, request.POST.get("decision", ""), request.user)
    except HeldLineRefused as refusal:
        messages.error(request, str(refusal))
        return _back(request, reverse("pledges:finance_statement", args=[held.statement_id]))
    if decided.decision == HeldLine.Decision.ADDED:
        messages.success(
            request,
            _("%(amount)s of %(date)s is added as a new bank line.")
            % {"amount": decided.amount_display, "date": date_format(decided.booking_date, "DATE_FORMAT")},
        )
    else:
        messages.success(
            request,
            _("%(amount)s of %(date)s is the line already booked; nothing was added.")
            % {"amount": decided.amount_display, "date": date_format(decided.booking_date, "DATE_FORMAT")},
        )
    return _back(request, reverse("pledges:finance_statement", args=[held.statement_id]))


# --------------------------------------------------------------------------- bank lines


@allow(*VIEWERS)
def line_list(request: HttpRequest) -> HttpResponse:
    """Bank lines to match (by default), each with the pledges it probably pays."""
    line_filter = PaymentFilter(request.GET or None, queryset=Payment.objects.for_list().lines())
    rows = line_filter.qs.order_by("-booking_date", "-id")
    export_format = requested_format(request)
    if export_format:
        summary = filter_summary(line_filter.form)
        return export_response(request, export_format, payment_export(rows, fund_accounts()), summary, rows.count())
    page = _page(request, rows)
    lines = list(page.object_list)
    suggestions = finance_suggestions.suggestions(lines)
    return _render(
        request,
        "finance/lines.html",
        {
            "filter": line_filter,
            "page": page,
            # Per currency: euro first, every other currency apart, never added to euro.
            "sums": rows.by_currency(),
            "rows": [(line, suggestions.get(line.pk, [])) for line in lines],
            "can_reconcile": _can_reconcile(request),
            "fund_accounts": fund_accounts(),
        },
    )


def _line_page(request: HttpRequest, line: Payment, **forms) -> HttpResponse:
    """A bank line with its forms; `forms` replaces one with the bound form of a refused submit,
    or adds `confirmation`, the second step of a match that disagrees with the ledger."""
    line = Payment.objects.for_list().select_related("donation__appeal", "entered_by", "split_of").get(pk=line.pk)
    accounts = fund_accounts()
    context = {
        "line": line,
        "matchable": is_matchable(line, accounts) and line.split_of_id is None,
        "voidable": line.statement_id is None and line.entered_by_id is not None and line.split_of_id is None
        and line.match_method != Payment.Method.VOIDED,
        "fund_accounts": accounts,
        "suggestions": finance_suggestions.suggestions([line]).get(line.pk, []) if line.split_of_id is None else [],
        "parts": line.parts.select_related("donation__municipality").filter(donation__isnull=False),
        "assign_form": AssignForm(),
        "split_form": SplitForm(),
        "unmatch_form": ReasonForm(auto_id="unmatch-%s"),
        "void_form": ReasonForm(auto_id="void-%s"),
        "note_form": NoteForm(),
        # A split line's history includes its parts' matches.
        "events": Event.objects.filter(Q(payment=line) | Q(payment__split_of=line))
        .select_related("actor", "donation")
        .order_by("at", "pk"),
        "can_reconcile": _can_reconcile(request),
    }
    return _render(request, "finance/line_detail.html", context | forms)


@allow(*VIEWERS)
def line_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _line_page(request, get_visible_or_404(Payment.objects.all(), pk=pk))


def _refused(request: HttpRequest, refusal: MatchRefused) -> None:
    messages.error(request, str(refusal))


def _once(request: HttpRequest, purpose: str, outcome: str, act):
    """Book `act()` with the form's one-time token, in one writing transaction; a second submit raises AlreadySent."""
    with writing():
        used = claim(request, purpose)
        result = act()
        led_to(used, outcome)
    return result


def _confirmation(request: HttpRequest, needed: NeedsConfirmation, action: str, cancel: str) -> dict:
    """The second step: the disagreements in words, and the same form again (same token) naming them confirmed."""
    hidden = {key: value for key, value in request.POST.items() if key not in ("csrfmiddlewaretoken", "confirmed")}
    return {
        "action": action,
        "cancel": cancel,
        "items": [disagreement_text(item) for item in needed.disagreements],
        "hidden": hidden | {"confirmed": " ".join(confirmation_keys(needed.disagreements))},
    }


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_line")
def line_match(request: HttpRequest, pk: int) -> HttpResponse:
    """Match a line to a pledge: a suggestion confirmed (donation id) or named by hand (pledge field)."""
    line = get_visible_or_404(Payment.objects.all(), pk=pk)
    detail = reverse("pledges:finance_line", args=[line.pk])
    if "donation" in request.POST:
        form = SuggestionForm(request.POST)
        if not form.is_valid():
            messages.error(request, _("There is no pledge with this number."))
            return redirect(detail)
        donation_pk = form.cleaned_data["donation"]
    else:
        form = AssignForm(request.POST)
        if not form.is_valid():
            return _line_page(request, line, assign_form=form)
        donation_pk = form.cleaned_data["pledge"].pk
    data = form.cleaned_data
    try:
        matched = _once(request, "match", detail, lambda: match(
            line.pk, donation_pk, request.user, note=data["note"].strip(), confirmed=data["confirmed"]
        ))
    except NeedsConfirmation as needed:
        action = reverse("pledges:finance_line_match", args=[line.pk])
        return _line_page(request, line, confirmation=_confirmation(request, needed, action, detail))
    except MatchRefused as refusal:
        _refused(request, refusal)
        return redirect(detail)
    messages.success(
        request,
        _("%(amount)s is matched to pledge %(number)s of %(municipality)s; a thank-you e-mail to the "
          "municipality is on its way.")
        % {
            "amount": format_euro(matched.amount_cents),
            "number": matched.donation.number,
            "municipality": matched.donation.municipality,
        },
    )
    return _back(request, detail)


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_line")
def line_split(request: HttpRequest, pk: int) -> HttpResponse:
    """Split a line over several pledges; the parts add up to the line, to the cent."""
    line = get_visible_or_404(Payment.objects.all(), pk=pk)
    detail = reverse("pledges:finance_line", args=[line.pk])
    form = SplitForm(request.POST)
    if not form.is_valid():
        return _line_page(request, line, split_form=form)
    data = form.cleaned_data
    try:
        _once(request, "split", detail, lambda: split(
            line.pk, data["parts"], request.user, note=data["note"].strip(), confirmed=data["confirmed"]
        ))
    except NeedsConfirmation as needed:
        action = reverse("pledges:finance_line_split", args=[line.pk])
        return _line_page(request, line, split_form=form, confirmation=_confirmation(request, needed, action, detail))
    except MatchRefused as refusal:
        form.add_error(None, str(refusal))
        return _line_page(request, line, split_form=form)
    messages.success(
        request,
        ngettext("%(amount)s is split over %(count)s pledge; each municipality is thanked by e-mail.",
                 "%(amount)s is split over %(count)s pledges; each municipality is thanked by e-mail.",
                 len(data["parts"]))
        % {"amount": format_euro(line.amount_cents), "count": len(data["parts"])},
    )
    return redirect(detail)


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_line")
def line_gift(request: HttpRequest, pk: int) -> HttpResponse:
    line = get_visible_or_404(Payment.objects.all(), pk=pk)
    detail = reverse("pledges:finance_line", args=[line.pk])
    form = NoteForm(request.POST)
    note = form.cleaned_data["note"] if form.is_valid() else ""
    try:
        _once(request, "gift", detail, lambda: mark_gift(line.pk, request.user, note=note))
    except MatchRefused as refusal:
        _refused(request, refusal)
        return redirect(detail)
    messages.success(
        request, _("%(amount)s is recorded as a gift without pledge.") % {"amount": format_euro(line.amount_cents)}
    )
    return _back(request, detail)


def _for_a_reason(request: HttpRequest, pk: int, purpose: str, act, done: str) -> HttpResponse:
    """Undo a line's match or void a payment: the reason is required; refused, the line's page says why."""
    line = get_visible_or_404(Payment.objects.all(), pk=pk)
    detail = reverse("pledges:finance_line", args=[line.pk])
    form = ReasonForm(request.POST, auto_id=f"{purpose}-%s")
    if not form.is_valid():
        return _line_page(request, line, **{f"{purpose}_form": form})
    try:
        _once(request, purpose, detail, lambda: act(line.pk, request.user, form.cleaned_data["note"].strip()))
    except MatchRefused as refusal:
        _refused(request, refusal)
        return redirect(detail)
    messages.success(request, done % {"amount": format_euro(line.amount_cents)})
    return redirect(detail)


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_line")
def line_unmatch(request: HttpRequest, pk: int) -> HttpResponse:
    """Undo a match, split or gift marking, for a reason; a municipality thanked for it gets a correction."""
    return _for_a_reason(request, pk, "unmatch", unmatch, _("The match is undone; the line is open again."))


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_line")
def line_void(request: HttpRequest, pk: int) -> HttpResponse:
    """Void a payment entered by hand by mistake (bank lines are the bank's and cannot be voided)."""
    return _for_a_reason(request, pk, "void", void, _("The payment of %(amount)s is voided; it counts no more."))


@require_POST
@allow(Role.FINANCE)
def line_rematch(request: HttpRequest) -> HttpResponse:
    """Run the automatic rules again over every open line, e.g. after new pledges came in."""
    matched = rematch(request.user)
    messages.success(
        request,
        ngettext(
            "%(count)s line was matched automatically.",
            "%(count)s lines were matched automatically.",
            matched,
        )
        % {"count": matched},
    )
    return redirect("pledges:finance_lines")


# --------------------------------------------------------------------------- payments entered by hand


def _manual_payments(request: HttpRequest, form: ManualPaymentForm, confirmation: dict | None = None) -> HttpResponse:
    entered = Payment.objects.for_list().lines().filter(statement__isnull=True).select_related("entered_by")
    return _render(
        request,
        "finance/manual_payments.html",
        {
            "form": form,
            "confirmation": confirmation,
            "page": _page(request, entered.order_by("-created_at", "-id")),
            "can_reconcile": _can_reconcile(request),
            "fund_accounts": fund_accounts(),
        },
    )


@allow(*VIEWERS)
def manual_payment_list(request: HttpRequest) -> HttpResponse:
    """Payments finance entered by hand (cash, other transfers), with the form to enter one."""
    return _manual_payments(request, ManualPaymentForm())


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_manual_payments")
def manual_payment_create(request: HttpRequest) -> HttpResponse:
    form = ManualPaymentForm(request.POST)
    if not form.is_valid():
        return _manual_payments(request, form)
    data = form.cleaned_data
    try:
        with writing():
            used = claim(request, "manual_payment")
            line = enter_payment(
                appeal=data["appeal"],
                booking_date=data["booking_date"],
                amount_cents=data["amount"],
                counterparty_name=data["counterparty_name"],
                counterparty_iban=data["counterparty_iban"],
                remittance=data["remittance"],
                donation=data["pledge"],
                user=request.user,
                note=data["note"],
                confirmed=data["confirmed"],
            )
            led_to(used, reverse("pledges:finance_line", args=[line.pk]))
    except NeedsConfirmation as needed:
        action = reverse("pledges:finance_manual_payment_create")
        return _manual_payments(
            request, form, _confirmation(request, needed, action, reverse("pledges:finance_manual_payments"))
        )
    except MatchRefused as refusal:
        form.add_error("pledge", str(refusal))
        return _manual_payments(request, form)
    if line.donation_id:
        messages.success(
            request,
            _("%(amount)s is recorded and matched to pledge %(number)s of %(municipality)s; "
              "a thank-you e-mail to the municipality is on its way.")
            % {
                "amount": format_euro(line.amount_cents),
                "number": line.donation.number,
                "municipality": line.donation.municipality,
            },
        )
    else:
        messages.success(
            request,
            _("%(amount)s is recorded. Match it to a pledge or mark it as a gift on its page.")
            % {"amount": format_euro(line.amount_cents)},
        )
    return redirect("pledges:finance_line", pk=line.pk)


# --------------------------------------------------------------------------- overpayments


def overpaid_pledges():
    """Pledges that received more than pledged (anything, once withdrawn), largest excess first."""
    excess = Case(
        When(status=Donation.Status.WITHDRAWN, then=F("received_cents")),
        default=F("received_cents") - F("amount_cents"),
    )
    return (
        Donation.objects.annotate(excess_cents=excess)
        .filter(excess_cents__gt=0)
        .select_related("municipality", "appeal")
        .order_by("-excess_cents", "pk")
    )


@allow(*VIEWERS)
def overpayment_list(request: HttpRequest) -> HttpResponse:
    """Pledges that received more than pledged, each with finance's decision (refund or keep) or the form for it."""
    page = _page(request, overpaid_pledges())
    rows = list(page.object_list)
    decided = overpayments.decisions(rows)
    undecided_only = request.GET.get("undecided") == "1"
    return _render(
        request,
        "finance/overpayments.html",
        {
            "page": page,
            "rows": [
                (donation, decided.get(donation.pk), overpayments.flag(donation, decided.get(donation.pk)),
                 OverpaymentForm(initial={"excess": donation.overpaid_cents}, auto_id=f"p{donation.pk}-%s"))
                for donation in rows
                if not (undecided_only and donation.pk in decided)
            ],
            "undecided_only": undecided_only,
            "can_reconcile": _can_reconcile(request),
        },
    )


@require_POST
@allow(Role.FINANCE)
@sent_once(back="pledges:finance_overpayments")
def overpayment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    donation = get_visible_or_404(Donation.objects.all(), pk=pk)
    back = reverse("pledges:finance_overpayments")
    form = OverpaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to refund or to keep the overpayment."))
        return redirect(back)
    data = form.cleaned_data
    try:
        _once(request, "overpayment", back, lambda: decide_overpayment(
            donation.pk, data["decision"], data["excess"], request.user, note=data["note"].strip()
        ))
    except MatchRefused as refusal:
        _refused(request, refusal)
        return redirect(back)
    messages.success(request, _("The decision on pledge %(number)s is recorded.") % {"number": donation.number})
    return redirect(back)


# --------------------------------------------------------------------------- outstanding pledges


@allow(*VIEWERS)
def outstanding(request: HttpRequest) -> HttpResponse:
    """Open pledges with money still to come: overdue ones first, then by expected date."""
    pledge_filter = DonationFilter(
        request.GET or None, queryset=outstanding_pledges().for_table().with_last_reminder(), user=request.user
    )
    del pledge_filter.filters["status"]
    rows = pledge_filter.qs
    table = OutstandingTable(rows, order_by=(), request=request, show_appeal=Appeal.several_open())
    export_format = requested_format(request)
    if export_format:
        RequestConfig(request, paginate=False).configure(table)
        return export_response(
            request,
            export_format,
            donation_export(table.data.data, _("Outstanding pledges"), table="outstanding"),
            filter_summary(pledge_filter.form, table),
            rows.count(),
        )
    RequestConfig(request, paginate={"per_page": PAGE_SIZE}).configure(table)
    return _render(
        request,
        "finance/outstanding.html",
        {"filter": pledge_filter, "table": table, "totals": rows.totals()},
    )


# --------------------------------------------------------------------------- a pledge's reminders and write-off
# Finance's actions on the pledge page (pledges/donations/views.py shows them).


@require_POST
@allow(Role.FINANCE)
def pledge_write_off(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance writes off the unpaid rest of a pledge, with a reason; a second submit writes nothing."""
    donation = get_visible_or_404(Donation.objects.all(), pk=pk)
    form = WriteOffForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for the write-off; nothing was written off."))
        return redirect(donation)
    done = write_off(donation.pk, request.user, form.cleaned_data["reason"])
    if done.done:
        messages.success(request, _("%(amount)s of pledge %(number)s is written off; the pledge is closed.")
                         % {"amount": format_euro(done.cents), "number": donation.number})
    else:
        messages.info(request, _("Pledge %(number)s is already closed (%(status)s); nothing was written off.")
                      % {"number": donation.number, "status": Donation.Status(done.status).label})
    return redirect(donation)


@require_POST
@allow(Role.FINANCE)
def pledge_reminders(request: HttpRequest, pk: int) -> HttpResponse:
    """Finance pauses or resumes a pledge's payment reminders (recorded in its history)."""
    donation = get_visible_or_404(Donation.objects.all(), pk=pk)
    form = RemindersForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Nothing was changed."))
        return redirect(donation)
    paused = form.cleaned_data["paused"]
    changed = pause_reminders(donation.pk, request.user, paused, form.cleaned_data["note"])
    if not changed:
        messages.info(request, _("Nothing was changed."))
    elif paused:
        messages.success(request, _("The payment reminders of pledge %(number)s are paused.") % {"number": donation.number})
    else:
        messages.success(request, _("The payment reminders of pledge %(number)s run again.") % {"number": donation.number})
    return redirect(donation)


# --------------------------------------------------------------------------- the finance report


@allow(*VIEWERS)
def report(request: HttpRequest) -> HttpResponse:
    """The finance report workbook for an appeal and a period (see pledges.finance.report)."""
    if "appeal" not in request.GET:
        today = timezone.localdate()
        form = ReportForm(initial={
            "appeal": Appeal.objects.filter(is_open=True).order_by("title").first(),
            "start": today.replace(month=1, day=1),
            "end": today,
        })
        return _render(request, "finance/report.html", {"form": form})
    form = ReportForm(request.GET)
    if not form.is_valid():
        return _render(request, "finance/report.html", {"form": form})
    data = form.cleaned_data
    scope = ReportScope(data["appeal"], data["start"], data["end"])
    rows = scope.row_count()
    if rows > settings.FINANCE_REPORT_DIRECT_ROWS:
        # Too large to write while the browser waits: the worker writes it, once asked by POST.
        return _render(request, "finance/report.html", {"form": form, "large": rows})
    now = timezone.localtime()
    book, written = report_workbook(scope, now)
    response = xlsx_response(book, f"rapport-{scope.start:%Y%m%d}-{scope.end:%Y%m%d}.xlsx")
    log_export(request, "report", ExportLog.Format.XLSX, written, now)
    return response


@require_POST
@allow(*VIEWERS)
def report_queue(request: HttpRequest) -> HttpResponse:
    """Have the worker write a large report; its page shows the progress and then the download."""
    form = ReportForm(request.POST)
    if not form.is_valid():
        return _render(request, "finance/report.html", {"form": form})
    data = form.cleaned_data
    job = queue_finance_report(ReportScope(data["appeal"], data["start"], data["end"]), request.user)
    return redirect("pledges:finance_report_job", pk=job.pk)


def _own_report(request: HttpRequest, pk: int) -> FinanceReport:
    return get_object_or_404(FinanceReport.objects.select_related("appeal"), pk=pk, requested_by=request.user)


@allow(*VIEWERS)
def report_job(request: HttpRequest, pk: int) -> HttpResponse:
    return _render(request, "finance/report_job.html", {"job": _own_report(request, pk)})


@allow(*VIEWERS)
def report_download(request: HttpRequest, pk: int) -> HttpResponse:
    job = _own_report(request, pk)
    if job.status != FinanceReport.Status.DONE:
        return redirect("pledges:finance_report_job", pk=job.pk)
    query = urlencode({"appeal": job.appeal_id, "start": job.period_start, "end": job.period_end})
    log_export(request, "report", ExportLog.Format.XLSX, job.row_count, querystring=query)
    return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.file_name, content_type=XLSX_CONTENT_TYPE)
