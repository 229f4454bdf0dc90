"""Shipments (transporten): planned by coordinators, read by finance; packing lists; the recipient's link."""

import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pledges import exports, receipts, shipping, table_exports
from pledges.access import FUND_STAFF, allow, get_visible_or_404
from pledges.filters import ShipmentFilter
from pledges.forms.shipments import LoadingForm, ShipmentEditForm, ShipmentForm, ShipmentMoveForm
from pledges.models import Event, Role, Shipment
from pledges.views import exporting
from pledges.workflow import Actor, TransitionRefused

PAGE_SIZE = 25
# Where the link made by a POST waits for the shipment page to show it once.
LINK_SESSION_KEY = "recipient_links"


def _shipments():
    """Every shipment: only fund staff reach these views, and they see all shipments."""
    return Shipment.objects.select_related("appeal", "destination")


@allow(*FUND_STAFF)
def shipment_list(request: HttpRequest) -> HttpResponse:
    shipment_filter = ShipmentFilter(
        request.GET or None, queryset=shipping.with_load(_shipments()).order_by("-planned_departure", "-id")
    )
    rows = shipment_filter.qs
    export_format = exporting.requested_format(request)
    if export_format:
        export = exporting.TableExport(
            table="shipments",
            heading=_("Shipments"),
            sheet_title="Transporten",
            file_stem="transporten",
            columns=table_exports.SHIPMENT_COLUMNS,
            rows=lambda: table_exports.shipment_rows(rows),
        )
        summary = exporting.filter_summary(shipment_filter.form)
        return exporting.export_response(request, export_format, export, summary, rows.count())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "shipments/list.html",
        {
            "page": page,
            "status": shipment_filter.form.cleaned_data.get("status", "") if shipment_filter.is_bound else "",
            "statuses": Shipment.Status.choices,
            "can_plan": request.user.role == Role.COORDINATOR,
        },
    )


@allow(Role.COORDINATOR)
def shipment_create(request: HttpRequest) -> HttpResponse:
    form = ShipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shipment = shipping.create_shipment(form, Actor.of(request.user))
        messages.success(
            request,
            _("Shipment %(number)s is planned. Now add the offers that go on it.") % {"number": shipment.number},
        )
        return redirect(shipment)
    return render(request, "shipments/form.html", {"form": form})


@allow(Role.COORDINATOR)
def shipment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """Change a planned shipment's carrier, reference, hub or dates (postponed, another truck)."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    if shipment.status != Shipment.Status.PLANNED:
        messages.error(request, _("%(number)s has left: its details can no longer be changed.") % {"number": shipment.number})
        return redirect(shipment)
    form = ShipmentEditForm(request.POST or None, instance=shipment)
    if request.method == "POST" and form.is_valid():
        try:
            shipping.update_shipment(form, Actor.of(request.user))
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The details of %(number)s are saved.") % {"number": shipment.number})
        return redirect(shipment)
    return render(request, "shipments/form.html", {"form": form, "shipment": shipment})


@allow(*FUND_STAFF)
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    shipment = get_visible_or_404(_shipments(), pk=pk)
    is_coordinator = request.user.role == Role.COORDINATOR
    on_board = list(shipment.offers.select_related("municipality").order_by("pk"))
    loadable = []
    if is_coordinator and shipment.status == Shipment.Status.PLANNED:
        loadable = list(shipping.loadable_offers(shipment).select_related("municipality").order_by("pk"))
    moves = [
        ShipmentMoveForm(shipment=shipment, to_status=to_status)
        for to_status in shipping.next_shipment_moves(shipment.status, request.user.role)
    ]
    link = request.session.get(LINK_SESSION_KEY, {}).pop(str(shipment.pk), None)
    if link:
        request.session.modified = True
        link = {"url": link["url"], "expires": date_format(datetime.date.fromisoformat(link["expires"]))}
    return render(
        request,
        "shipments/detail.html",
        {
            "shipment": shipment,
            "on_board": on_board,
            "totals": shipment.totals(),
            "loadable": loadable,
            "moves": moves,
            "events": shipment.events.select_related("actor"),
            "is_coordinator": is_coordinator,
            "can_load": is_coordinator and shipment.status == Shipment.Status.PLANNED,
            "can_link": is_coordinator and shipment.status == Shipment.Status.DELIVERED,
            "recipient_link": link,
        },
    )


@require_POST
@allow(Role.COORDINATOR)
def shipment_loading(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the ticked offers to the shipment, or take one offer off it."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    form = LoadingForm(
        request.POST,
        loadable=shipping.loadable_offers(shipment),
        on_board=shipment.offers.all(),
    )
    if not form.is_valid():
        for error in form.errors.get("__all__", []) + form.errors.get("offers", []) + form.errors.get("remove", []):
            messages.error(request, error)
        return redirect(shipment)
    actor = Actor.of(request.user)
    try:
        if form.cleaned_data["remove"]:
            offer = shipping.remove_offer(shipment, form.cleaned_data["remove"].pk, actor)
            messages.success(
                request,
                _("%(offer)s is taken off %(shipment)s.") % {"offer": offer.number, "shipment": shipment.number},
            )
        else:
            offers = shipping.add_offers(shipment, [offer.pk for offer in form.cleaned_data["offers"]], actor)
            messages.success(
                request,
                _("Added to %(shipment)s: %(offers)s.")
                % {"shipment": shipment.number, "offers": ", ".join(offer.number for offer in offers)},
            )
    except TransitionRefused as refusal:
        messages.error(request, refusal.message)
    return redirect(shipment)


@require_POST
@allow(Role.COORDINATOR)
def shipment_move(request: HttpRequest, pk: int) -> HttpResponse:
    """The shipment departs or arrives, and its offers move with it."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    to_status = request.POST.get("to_status", "")
    form = ShipmentMoveForm(request.POST, to_status=to_status)
    if not form.is_valid():
        for field, errors in form.errors.items():
            label = form.fields[field].label if field in form.fields and field != "__all__" else ""
            for error in errors:
                messages.error(request, f"{label}: {error}" if label else error)
        return redirect(shipment)
    data = form.cleaned_data
    try:
        shipping.move_shipment(
            shipment,
            data["to_status"],
            Actor.of(request.user),
            expected_status=data["expected_status"],
            on=data["on"],
            note=data["note"],
        )
    except TransitionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        count = shipment.offers.count()
        messages.success(
            request,
            ngettext(
                "%(number)s is now “%(status)s”, with its %(count)d offer.",
                "%(number)s is now “%(status)s”, with its %(count)d offers.",
                count,
            )
            % {"number": shipment.number, "status": shipment.get_status_display(), "count": count},
        )
    return redirect(shipment)


@allow(*FUND_STAFF)
def packing_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The packing list as a page to print, headers in Dutch, English and Ukrainian."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    plist = shipping.packing_list(shipment)
    columns = exports.PACKING_COLUMNS
    rows = [
        [(column, exports.display_value(value, column.kind)) for column, value in zip(columns, row, strict=True)]
        for row in exports.packing_rows(plist)
    ]
    totals = [
        (column, exports.display_value(value, column.kind))
        for column, value in zip(columns, exports.packing_totals(plist), strict=True)
    ]
    return render(
        request,
        "shipments/packing_list.html",
        {
            "shipment": shipment,
            "plist": plist,
            "title": exports.trilingual(exports.PACKING_TITLE),
            "headers": [column.header for column in columns],
            "rows": rows,
            "totals": totals,
        },
    )


@allow(*FUND_STAFF)
def packing_list_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    shipment = get_visible_or_404(_shipments(), pk=pk)
    book = exports.packing_list_workbook(shipping.packing_list(shipment))
    return exports.xlsx_response(book, f"paklijst-{shipment.number}.xlsx")


@require_POST
@allow(Role.COORDINATOR)
def recipient_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a signed, expiring link for the recipient city to confirm receipt; show it once."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    if shipment.status != Shipment.Status.DELIVERED:
        messages.error(request, _("A receipt link can only be made once the shipment is delivered."))
        return redirect(shipment)
    issued = timezone.now()
    url = request.build_absolute_uri(reverse("pledges:recipient", args=[receipts.make_token(shipment)]))
    expires = timezone.localdate(receipts.expires_at(issued))
    Event.objects.create(
        shipment=shipment,
        kind=Event.Kind.SHIPMENT,
        actor=request.user,
        at=issued,
        changes={"recipient_link_expires": expires.isoformat()},
    )
    links = request.session.get(LINK_SESSION_KEY, {})
    links[str(shipment.pk)] = {"url": url, "expires": expires.isoformat()}
    request.session[LINK_SESSION_KEY] = links
    messages.success(
        request,
        _("The receipt link is ready; it works until %(date)s. Send it to the contact in %(city)s.")
        % {"date": date_format(expires), "city": shipment.destination},
    )
    return redirect(shipment)
