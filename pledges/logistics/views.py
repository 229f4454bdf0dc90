"""Shipments (transporten): planned by coordinators, read by finance; packing lists; the recipient's link."""


import datetime

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from pledges.accounts.access import EVERYONE, FUND_STAFF, allow, get_visible_or_404, public
from pledges.accounts.models import Role
from pledges.equipment.models import OfferStatus
from pledges.equipment.specifications import specifications
from pledges.equipment.workflow import Actor, TransitionRefused
from pledges.logistics import services as logistics_services
from pledges.logistics.access import offers_shown, visible_shipments
from pledges.logistics.exports import (
    PACKING_COLUMNS,
    PACKING_TITLE,
    packing_list_workbook,
    packing_rows,
    packing_totals,
    shipment_export,
    trilingual,
)
from pledges.logistics.filters import ShipmentFilter
from pledges.logistics.forms import (
    ExchangeRateForm,
    LoadingForm,
    ReceiptForm,
    ShipmentEditForm,
    ShipmentForm,
    ShipmentMoveForm,
)
from pledges.logistics.models import Shipment
from pledges.logistics.readiness import checklist
from pledges.logistics.receipts import (
    AlreadyConfirmed,
    LinkExpired,
    LinkInvalid,
    LinkReplaced,
    NotConfirmable,
    check_version,
    confirm_all_received,
    confirm_receipt,
    delivered_items,
    expires_at,
    link_from,
    make_token,
)
from pledges.logistics.services import (
    add_offers,
    collect_offer,
    create_shipment,
    loadable_offers,
    move_shipment,
    next_shipment_moves,
    remove_offer,
    set_exchange_rate,
    update_shipment,
    with_load,
)
from pledges.reference.models import Appeal
from pledges.spreadsheets.columns import display_value
from pledges.spreadsheets.views import export_response, filter_summary, requested_format
from pledges.spreadsheets.xlsx_writer import xlsx_response

PAGE_SIZE = 25
# Where the link made by a POST waits for the shipment page to show it once.
LINK_SESSION_KEY = "recipient_links"


def _shipments():
    """Every shipment: only fund staff reach these views, and they see all shipments."""
    return Shipment.objects.select_related("appeal", "destination")


@allow(*FUND_STAFF)
def shipment_list(request: HttpRequest) -> HttpResponse:
    shipment_filter = ShipmentFilter(
        request.GET or None, queryset=with_load(_shipments()).order_by("-planned_departure", "-id")
    )
    rows = shipment_filter.qs
    export_format = requested_format(request)
    if export_format:
        summary = filter_summary(shipment_filter.form)
        return export_response(request, export_format, shipment_export(rows), summary, rows.count())
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "logistics/shipment_list.html",
        {
            "filter": shipment_filter,
            "page": page,
            "show_appeal": Appeal.several_open(),
            "status": shipment_filter.form.cleaned_data.get("status", "") if shipment_filter.is_bound else "",
            "can_plan": request.user.role == Role.COORDINATOR,
        },
    )


@allow(Role.COORDINATOR)
def shipment_create(request: HttpRequest) -> HttpResponse:
    form = ShipmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        shipment = create_shipment(form, Actor.of(request.user))
        messages.success(
            request,
            _("Shipment %(number)s is planned. Now add the offers that go on it.") % {"number": shipment.number},
        )
        return redirect(shipment)
    return render(request, "logistics/shipment_form.html", {"form": form})


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
            update_shipment(form, Actor.of(request.user))
        except TransitionRefused as refusal:
            messages.error(request, refusal.message)
        else:
            messages.success(request, _("The details of %(number)s are saved.") % {"number": shipment.number})
        return redirect(shipment)
    return render(request, "logistics/shipment_form.html", {"form": form, "shipment": shipment})


@allow(*EVERYONE)
def shipment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The shipment for fund staff; for a municipality's staff, read-only and with only their own offers."""
    user = request.user
    shipment = get_visible_or_404(
        visible_shipments(user).select_related("appeal", "destination", "recipient"), pk=pk
    )
    is_coordinator = user.role == Role.COORDINATOR
    is_planned = shipment.status == Shipment.Status.PLANNED
    on_board = list(offers_shown(user, shipment).select_related("municipality", "receipt").order_by("pk"))
    loadable = []
    if is_coordinator and shipment.status == Shipment.Status.PLANNED:
        loadable = list(loadable_offers(shipment).select_related("municipality").order_by("pk"))
    moves = [
        ShipmentMoveForm(shipment=shipment, to_status=to_status)
        for to_status in next_shipment_moves(shipment.status, user.role)
    ]
    checks = checklist(shipment) if user.is_fund_staff and is_planned else None
    link = request.session.get(LINK_SESSION_KEY, {}).pop(str(shipment.pk), None)
    if link:
        request.session.modified = True
        link = {"url": link["url"], "expires": date_format(datetime.date.fromisoformat(link["expires"]))}
    return render(
        request,
        "logistics/shipment_detail.html",
        {
            "shipment": shipment,
            "on_board": on_board,
            # Staff see that others travel with theirs, not whose or what.
            "others_on_board": 0 if user.is_fund_staff else shipment.offers.count() - len(on_board),
            "shortfalls": [offer for offer in on_board if hasattr(offer, "receipt") and offer.receipt.is_shortfall],
            "is_fund_staff": user.is_fund_staff,
            "totals": shipment.totals() if user.is_fund_staff else None,
            "loadable": loadable,
            "moves": moves,
            "events": shipment.events.select_related("actor") if user.is_fund_staff else None,
            "is_coordinator": is_coordinator,
            "can_load": is_coordinator and shipment.status == Shipment.Status.PLANNED,
            "can_link": is_coordinator and shipment.status == Shipment.Status.DELIVERED,
            "recipient_link": link,
            "checklist": checks,
            "departure_missing": any(not check.done for check in checks or ()),
            "rate_form": _rate_form(shipment) if is_coordinator and is_planned else None,
        },
    )


def _rate_form(shipment: Shipment, data=None) -> ExchangeRateForm:
    initial = {"on": timezone.localdate()}
    if shipment.exchange_rate_uah is not None:
        initial = {"rate": number_format(shipment.exchange_rate_uah, 4), "on": shipment.exchange_rate_date}
    return ExchangeRateForm(data, initial=initial, prefix="rate")


@require_POST
@allow(Role.COORDINATOR)
def shipment_rate(request: HttpRequest, pk: int) -> HttpResponse:
    """Keep the NBU rate of a day for the shipment's documents, while it is planned."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    form = _rate_form(shipment, request.POST)
    if not form.is_valid():
        for field, errors in form.errors.items():
            for error in errors:
                messages.error(request, f"{form.fields[field].label}: {error}" if field in form.fields else error)
        return redirect(f"{shipment.get_absolute_url()}#rate-heading")
    rate, on = form.cleaned_data["rate"], form.cleaned_data["on"]
    try:
        changed = set_exchange_rate(shipment, rate, on, Actor.of(request.user))
    except TransitionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        values = {"rate": number_format(rate, 4), "date": date_format(on), "number": shipment.number}
        if changed:
            messages.success(request, _("The rate of %(number)s is %(rate)s UAH per EUR of %(date)s.") % values)
        else:
            messages.info(request, _("The rate of %(number)s was already %(rate)s UAH per EUR of %(date)s.") % values)
    return redirect(f"{shipment.get_absolute_url()}#rate-heading")


@require_POST
@allow(Role.COORDINATOR)
def shipment_collect(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one offer on the shipment collected, as on the offer's own page."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    try:
        offer_id = int(request.POST.get("collect", ""))
    except ValueError:
        offer_id = 0
    try:
        offer = collect_offer(shipment, offer_id, Actor.of(request.user))
    except TransitionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request, _("%(number)s is now “%(status)s”.") % {"number": offer.number, "status": offer.get_status_display()}
        )
    return redirect(shipment)


@require_POST
@allow(Role.COORDINATOR)
def shipment_loading(request: HttpRequest, pk: int) -> HttpResponse:
    """Add the ticked offers to the shipment, or take one offer off it."""
    shipment = get_visible_or_404(_shipments(), pk=pk)
    form = LoadingForm(
        request.POST,
        loadable=loadable_offers(shipment),
        on_board=shipment.offers.all(),
    )
    if not form.is_valid():
        for error in form.errors.get("__all__", []) + form.errors.get("offers", []) + form.errors.get("remove", []):
            messages.error(request, error)
        return redirect(shipment)
    actor = Actor.of(request.user)
    try:
        if form.cleaned_data["remove"]:
            offer = remove_offer(shipment, form.cleaned_data["remove"].pk, actor)
            messages.success(
                request,
                _("%(offer)s is taken off %(shipment)s.") % {"offer": offer.number, "shipment": shipment.number},
            )
        else:
            offers = add_offers(shipment, [offer.pk for offer in form.cleaned_data["offers"]], actor)
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
        move_shipment(
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
    plist = logistics_services.packing_list(shipment)
    columns = PACKING_COLUMNS
    rows = [
        [(column, display_value(value, column.kind)) for column, value in zip(columns, row, strict=True)]
        for row in packing_rows(plist)
    ]
    totals = [
        (column, display_value(value, column.kind))
        for column, value in zip(columns, packing_totals(plist), strict=True)
    ]
    return render(
        request,
        "logistics/packing_list.html",
        {
            "shipment": shipment,
            "plist": plist,
            "title": trilingual(PACKING_TITLE),
            "headers": [column.header for column in columns],
            "rows": rows,
            "totals": totals,
        },
    )


@allow(*FUND_STAFF)
def packing_list_xlsx(request: HttpRequest, pk: int) -> FileResponse:
    shipment = get_visible_or_404(_shipments(), pk=pk)
    book = packing_list_workbook(logistics_services.packing_list(shipment))
    return xlsx_response(book, f"paklijst-{shipment.number}.xlsx")


@require_POST
@allow(Role.COORDINATOR)
def recipient_link(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a signed, expiring link for the recipient city to confirm receipt; show it once.

    With `revoke`, the links made before stop working and say they were replaced.
    """
    shipment = get_visible_or_404(_shipments(), pk=pk)
    revoke = bool(request.POST.get("revoke"))
    issued = timezone.now()
    expires = timezone.localdate(expires_at(issued))
    try:
        version = logistics_services.issue_recipient_link(
            shipment, request.user, at=issued, expires=expires, revoke=revoke
        )
    except TransitionRefused as refusal:
        messages.error(request, refusal.message)
        return redirect(shipment)
    url = request.build_absolute_uri(reverse("pledges:recipient", args=[make_token(shipment, version)]))
    links = request.session.get(LINK_SESSION_KEY, {})
    links[str(shipment.pk)] = {"url": url, "expires": expires.isoformat()}
    request.session[LINK_SESSION_KEY] = links
    if revoke:
        messages.success(
            request,
            _("The earlier receipt links no longer work: they say they were replaced. The new link works "
              "until %(date)s. Send it to the contact in %(city)s.")
            % {"date": date_format(expires), "city": shipment.destination},
        )
    else:
        messages.success(
            request,
            _("The receipt link is ready; it works until %(date)s. Send it to the contact in %(city)s.")
            % {"date": date_format(expires), "city": shipment.destination},
        )
    return redirect(shipment)


LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"


def page_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _in_language(response: HttpResponse, language: str) -> HttpResponse:
    response.headers["Content-Language"] = language
    return response


def _link_problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    """Say in Ukrainian and English (and Dutch to the fund's staff) that the link does not work, and nothing else."""
    context = {"problem": problem, "fund_staff": request.user.is_authenticated and request.user.is_fund_staff}
    with translation.override("uk"):
        response = render(request, "logistics/recipient_link_problem.html", context, status=status)
    return _in_language(response, "uk")


def _prefix(offer_id: int) -> str:
    return f"item{offer_id}"


@public
def recipient(request: HttpRequest, token: str) -> HttpResponse:
    try:
        shipment_id, version = link_from(token)
    except LinkExpired:
        return _link_problem(request, "expired", status=410)
    except LinkInvalid:
        return _link_problem(request, "invalid", status=400)
    shipment = (
        Shipment.objects.select_related("destination")
        .filter(pk=shipment_id, status=Shipment.Status.DELIVERED)
        .first()
    )
    if shipment is None:
        return _link_problem(request, "invalid", status=404)
    language = page_language(request)
    try:
        check_version(shipment, version)
        with translation.override(language):
            return _in_language(_confirmation_page(request, shipment, token, version, language), language)
    except LinkReplaced:
        return _link_problem(request, "replaced", status=410)
    except LinkInvalid:
        return _link_problem(request, "invalid", status=400)


def _confirmation_page(request: HttpRequest, shipment: Shipment, token: str, version: int, language: str) -> HttpResponse:
    items = list(delivered_items(shipment))
    invalid_form, status = None, 200
    if request.method == "POST" and request.POST.get("all"):
        try:
            receipts = confirm_all_received(shipment, version=version)
        except AlreadyConfirmed:
            messages.error(request, _("Every item was already confirmed. Nothing was changed."))
            status = 409
        else:
            messages.success(
                request,
                ngettext(
                    "Thank you. %(count)d item is confirmed as received in full.",
                    "Thank you. %(count)d items are confirmed as received in full.",
                    len(receipts),
                )
                % {"count": len(receipts)},
            )
            return redirect(f"{request.path}?lang={language}")
    elif request.method == "POST":
        try:
            offer_id = int(request.POST.get("offer", ""))
        except ValueError:
            offer_id = 0
        offer = next((item for item in items if item.pk == offer_id), None)
        if offer is None:
            messages.error(request, _("This item is not part of this delivery. Nothing was changed."))
            status = 400
        else:
            form = ReceiptForm(request.POST, request.FILES, prefix=_prefix(offer_id), offer=offer)
            if form.is_valid():
                try:
                    receipt = confirm_receipt(shipment, offer_id, version=version, **form.report())
                except AlreadyConfirmed:
                    messages.error(request, _("This item was already confirmed. Nothing was changed."))
                    status = 409
                except NotConfirmable:
                    messages.error(request, _("This item is not part of this delivery. Nothing was changed."))
                    status = 400
                else:
                    messages.success(
                        request, _("Thank you. Receipt of %(number)s is confirmed.") % {"number": offer.number}
                        + (" " + _("The fund is told of the shortfall.") if receipt.is_shortfall else "")
                    )
                    return redirect(f"{request.path}?lang={language}#item-{offer_id}")
            else:
                invalid_form, status = form, 400
    rows = []
    for item in items:
        form = None
        if item.status != OfferStatus.CONFIRMED:
            form = invalid_form if invalid_form and invalid_form.offer.pk == item.pk else ReceiptForm(
                prefix=_prefix(item.pk), offer=item
            )
        rows.append((item, specifications(item), form))
    destination = shipment.destination
    city = destination.name_uk if language == "uk" else destination.name_en
    return render(
        request,
        "logistics/recipient_confirm.html",
        {
            "shipment": shipment,
            "city": city,
            "items": rows,
            "waiting": sum(1 for item in items if item.status != OfferStatus.CONFIRMED),
            "language": language,
            "token": token,
            "all_confirmed": bool(items) and all(item.status == OfferStatus.CONFIRMED for item in items),
        },
        status=status,
    )
