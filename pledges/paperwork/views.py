"""The shipment papers as PDF, for the fund's staff: coordinators hand them out, finance reads them.

A document that lacks something (no recipient organisation, no NBU rate, nothing on board) is
not printed half: the shipment page says what is missing (pledges/templatetags/paperwork.py),
and asking for the PDF anyway leads back there with the same words.
"""

from __future__ import annotations

from django.contrib import messages
from django.db.models import prefetch_related_objects
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from pledges.accounts.access import FUND_STAFF, allow, get_visible_or_404
from pledges.core.pdf import pdf_response, render_pdf
from pledges.logistics.models import Shipment
from pledges.paperwork.documents import (
    DEFAULT_VERSION,
    DOCUMENTS,
    FILE_NAMES,
    FUND_NAME,
    LABELS,
    VERSIONS,
    CannotIssue,
    issue,
    qr_png_data_uri,
)
from pledges.passports.links import passport_path


def requested_version(request: HttpRequest) -> str:
    version = request.GET.get("language", DEFAULT_VERSION)
    return version if version in VERSIONS else DEFAULT_VERSION


@allow(*FUND_STAFF)
def shipment_document(request: HttpRequest, pk: int, document: str) -> HttpResponse:
    if document not in DOCUMENTS:
        raise Http404
    shipment = get_visible_or_404(Shipment.objects.all(), pk=pk)
    version = requested_version(request)
    try:
        issued = issue(shipment, document, version, request.user)
    except CannotIssue as refusal:
        messages.error(
            request,
            _("The document cannot be made yet. Missing: %(missing)s.") % {"missing": ", ".join(refusal.lacking)},
        )
        return redirect(shipment)
    context = {
        "papers": issued.papers,
        "shipment": issued.papers.shipment,
        "recipient": issued.papers.recipient,
        "languages": VERSIONS[version],
        "fund_name": FUND_NAME,
    }
    if document == LABELS:
        context["labels"] = _labels(request, issued.units)
    data = render_pdf(f"paperwork/{document}.html", context, language=version)
    return pdf_response(data, f"{FILE_NAMES[document]}-{shipment.number}-{version}.pdf")


def _labels(request: HttpRequest, units: list) -> list[dict]:
    """Each unit with its passport's address and that address as a QR code."""
    prefetch_related_objects([unit.offer for unit in units], "municipality")
    labels = []
    for unit in units:
        url = request.build_absolute_uri(passport_path(unit))
        labels.append({"unit": unit, "url": url, "qr": qr_png_data_uri(url)})
    return labels
