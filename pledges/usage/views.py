"""The usage report: the recipient's signed page (Ukrainian or English), the coordinator's list, the report file."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pledges.accounts.access import FUND_STAFF, allow, public
from pledges.history.models import Event
from pledges.logistics.models import Shipment
from pledges.logistics.receipts import delivered_items
from pledges.logistics.views import LANGUAGES, page_language
from pledges.usage.forms import UsageReportForm
from pledges.usage.links import LinkExpired, LinkInvalid, shipment_id_from
from pledges.usage.models import UsageReport
from pledges.usage.services import AlreadyReported, NotReportable, due_date, due_soon, late, submit_report

# The reports the list shows that came in; each shipment's page shows its own.
LATEST_REPORTS = 20


def _in_language(response: HttpResponse, language: str) -> HttpResponse:
    response.headers["Content-Language"] = language
    return response


def _link_problem(request: HttpRequest, problem: str, status: int, language: str) -> HttpResponse:
    """Say that the link does not work: in the page's language first, then in the other one."""
    other = next(code for code in LANGUAGES if code != language)
    with translation.override(language):
        response = render(
            request, "usage/link_problem.html", {"problem": problem, "languages": [language, other]}, status=status
        )
    return _in_language(response, language)


@public
def usage_report(request: HttpRequest, token: str) -> HttpResponse:
    """The recipient organisation reports the use of a delivered shipment, once, without an account."""
    language = page_language(request)
    try:
        shipment_id = shipment_id_from(token)
    except LinkExpired:
        return _link_problem(request, "expired", 410, language)
    except LinkInvalid:
        return _link_problem(request, "invalid", 400, language)
    shipment = (
        Shipment.objects.select_related("destination", "recipient")
        .filter(pk=shipment_id, status=Shipment.Status.DELIVERED)
        .first()
    )
    if shipment is None:
        return _link_problem(request, "invalid", 404, language)
    with translation.override(language):
        return _in_language(_report_page(request, shipment, language), language)


def _report_page(request: HttpRequest, shipment: Shipment, language: str) -> HttpResponse:
    form, status = UsageReportForm(), 200
    if request.method == "POST":
        form = UsageReportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                submit_report(shipment, description=form.cleaned_data["description"], file=form.cleaned_data["file"])
            except AlreadyReported as already:
                messages.error(request, _("Your report was already received on %(date)s. Nothing was changed.") % {
                    "date": _day(timezone.localdate(already.report.submitted_at))})
                status = 409
            except NotReportable:
                return _link_problem(request, "invalid", 404, language)
            else:
                messages.success(request, _("Thank you. Your report on the use of the aid is received."))
                return redirect(f"{request.path}?lang={language}")
        else:
            status = 400
    report = UsageReport.objects.filter(shipment=shipment).first()
    recipient = shipment.recipient
    destination = shipment.destination
    return render(
        request,
        "usage/report_page.html",
        {
            "shipment": shipment,
            "city": destination.name_uk if language == "uk" else destination.name_en,
            "organisation": (recipient.legal_name_uk if language == "uk" else recipient.legal_name_en) if recipient else "",
            "items": list(delivered_items(shipment)),
            "due": due_date(shipment),
            "report": report,
            "form": None if report else form,
            "language": language,
        },
        status=status,
    )


def _day(day) -> str:
    return date_format(day, "DATE_FORMAT")


def _reminded(shipments: list[Shipment]) -> dict[int, object]:
    """When each shipment's usage reminder was queued, if it was."""
    events = Event.objects.filter(kind=Event.Kind.USAGE_REMINDER, shipment__in=shipments).order_by("at")
    return {event.shipment_id: event.at for event in events}


def _rows(shipments) -> list[dict]:
    shipments = list(shipments)
    reminded = _reminded(shipments)
    return [{"shipment": s, "due": due_date(s), "reminded": reminded.get(s.pk)} for s in shipments]


@allow(*FUND_STAFF)
def usage_list(request: HttpRequest) -> HttpResponse:
    """Which recipients are late with their usage report, and whose report is due soon."""
    today = timezone.localdate()
    reported = UsageReport.objects.select_related("shipment__destination", "shipment__recipient").order_by(
        "-submitted_at", "-pk")
    sections = [
        ("late", _("Late: due date passed, no report"), _rows(late(today)), _("No recipient is late with its report.")),
        ("due-soon", _("Due in the next %(days)d days") % {"days": settings.USAGE_REMINDER_DAYS_BEFORE},
         _rows(due_soon(today)), _("No report is due soon.")),
    ]
    return render(
        request,
        "usage/usage_list.html",
        {"sections": sections, "reported": reported[:LATEST_REPORTS], "usage_days": settings.USAGE_REPORT_DAYS},
    )


@allow(*FUND_STAFF)
def usage_report_file(request: HttpRequest, pk: int) -> FileResponse:
    """The report file a recipient sent, as a download under the name it gave it."""
    report = UsageReport.objects.filter(shipment_id=pk).exclude(file="").first()
    if report is None:
        raise Http404
    return FileResponse(
        report.file.open("rb"), as_attachment=True, filename=report.file_name or report.file.name.rsplit("/", 1)[-1],
        content_type=report.file_content_type,
    )
