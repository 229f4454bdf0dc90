"""Equipment offers (materieel): the table, the offer form, the offer page and its moves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST
from django_tables2 import RequestConfig

from pledges.accounts.access import EVERYONE, allow, get_visible_or_404
from pledges.accounts.models import Role, User
from pledges.core.confirmation import confirm_withdrawal, withdrawal_confirmed
from pledges.core.tables import PAGE_SIZES, paginate
from pledges.equipment.access import visible_offers
from pledges.equipment.exports import offer_export
from pledges.equipment.filters import OfferFilter
from pledges.equipment.forms import (
    MOVE_FORMS,
    BulkMoveForm,
    MoveForm,
    NeedForm,
    OfferForm,
    equipment_appeals,
    open_needs,
)
from pledges.equipment.models import EquipmentOffer, Need, OfferStatus
from pledges.equipment import summary
from pledges.equipment.services import OfferLocked, create_offer, save_need, update_offer
from pledges.equipment.tables import OfferTable
from pledges.equipment.workflow import Actor, TransitionRefused, next_moves, transition, transition_many
from pledges.reference.models import Appeal, Destination
from pledges.spreadsheets.views import export_response, filter_summary, requested_format


def can_offer(user: User) -> bool:
    """Offers are made by a municipality, so only its staff make them."""
    return user.is_municipal_staff


def can_move(user: User) -> bool:
    return user.role == Role.COORDINATOR


@allow(*EVERYONE)
def offer_list(request: HttpRequest) -> HttpResponse:
    """The equipment table: the user's visible offers, filtered, sorted, paged and totalled."""
    user = request.user
    offer_filter = OfferFilter(request.GET or None, queryset=visible_offers(user).for_table(), user=user)
    rows = offer_filter.qs
    totals = summary.totals(offer_filter)
    # Configured here without pagination: the table's own paginator would count the rows again.
    table = OfferTable(
        rows, show_municipality=user.is_fund_staff, selectable=can_move(user), show_appeal=Appeal.several_open(),
        selected=set(request.GET.getlist(KEPT_SELECTION)),
    )
    RequestConfig(request, paginate=False).configure(table)
    export_format = requested_format(request)
    if export_format:
        # The very queryset the pages below are cut from: same filter, same scoping, same order.
        return export_response(
            request,
            export_format,
            offer_export(table.data.data),
            filter_summary(offer_filter.form, table),
            totals["rows"],
        )
    paginate(table, request, count=totals["rows"])
    bulk_form = _kept_bulk_form(request) if can_move(user) else None
    return render(
        request,
        "equipment/offer_list.html",
        {
            "filter": offer_filter,
            "table": table,
            "totals": totals,
            "page_sizes": PAGE_SIZES,
            "can_offer": can_offer(user),
            "bulk_form": bulk_form,
        },
    )


def _form_context(form: OfferForm, offer: EquipmentOffer | None = None) -> dict:
    return {
        "form": form,
        "offer": offer,
        "cities": by_city(open_needs()),
        "has_open_appeal": form.fields["appeal"].queryset.exists(),
    }


@allow(Role.MUNICIPAL_STAFF)
def offer_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = OfferForm(request.POST, request.FILES)
        if form.is_valid():
            offer = create_offer(form, request.user)
            messages.success(
                request,
                _("Thank you. Offer %(number)s is recorded; the fund's coordinators will assess it.")
                % {"number": offer.number},
            )
            return redirect(offer)
    else:
        initial = {
            "appeal": Appeal.objects.filter(is_open=True).exclude(accepts=Appeal.Accepts.MONEY).first(),
            "contact_name": request.user.get_full_name(),
            "contact_email": request.user.email,
        }
        need = request.GET.get("need", "")
        if need.isascii() and need.isdigit():  # isdigit() alone admits "²", which int() refuses
            initial["need"] = int(need)
        form = OfferForm(initial=initial)
    return render(request, "equipment/offer_form.html", _form_context(form))


def _visible_offer(user: User, pk: int) -> EquipmentOffer:
    return get_visible_or_404(
        visible_offers(user).select_related(
            "appeal", "municipality", "destination", "need__destination", "shipment", "created_by"
        ),
        pk=pk,
    )


def _move_forms(offer: EquipmentOffer, user: User, bound: MoveForm | None = None) -> list[MoveForm]:
    """The forms for the moves this user may make on this offer now, one of them possibly bound."""
    forms = []
    for to_status in next_moves(offer.status, user.role):
        if to_status not in MOVE_FORMS:
            continue  # moved with its shipment, not from this page
        if bound is not None and bound.to_status == to_status:
            forms.append(bound)
        else:
            forms.append(MOVE_FORMS[to_status](offer=offer))
    return forms


def _detail(request: HttpRequest, offer: EquipmentOffer, bound: MoveForm | None = None) -> HttpResponse:
    user = request.user
    return render(
        request,
        "equipment/offer_detail.html",
        {
            "offer": offer,
            "photos": offer.photos.all(),
            "events": offer.events.select_related("actor"),
            "move_forms": _move_forms(offer, user, bound),
            "can_edit": can_offer(user) and offer.is_editable,
        },
    )


@allow(*EVERYONE)
def offer_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, _visible_offer(request.user, pk))


@allow(Role.MUNICIPAL_STAFF)
def offer_edit(request: HttpRequest, pk: int) -> HttpResponse:
    offer = _visible_offer(request.user, pk)
    if not offer.is_editable:
        messages.error(request, _("This offer can no longer be changed: the fund has decided on it or it was withdrawn."))
        return redirect(offer)
    form = OfferForm(request.POST or None, request.FILES or None, instance=offer)
    if request.method == "POST" and form.is_valid():
        try:
            update_offer(form, request.user)
        except OfferLocked:
            messages.error(request, _("This offer was decided on while you were editing it; nothing was changed."))
        else:
            messages.success(request, _("Your changes are saved."))
        return redirect(offer)
    return render(request, "equipment/offer_form.html", _form_context(form, offer))


@require_POST
@allow(Role.MUNICIPAL_STAFF, Role.COORDINATOR)
def offer_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Make one move on one offer, refused if someone moved it since the page was shown."""
    offer = _visible_offer(request.user, pk)
    form_class = MOVE_FORMS.get(request.POST.get("to_status", ""))
    if form_class is None:
        messages.error(request, _("This action does not exist. Nothing was changed."))
        return redirect(offer)
    form = form_class(request.POST, offer=offer)
    if not form.is_valid():
        if form.to_status in next_moves(offer.status, request.user.role):
            return _detail(request, offer, bound=form)
        messages.error(
            request,
            _("%(number)s cannot be moved to “%(status)s” now. Nothing was changed.")
            % {"number": offer.number, "status": OfferStatus(form.to_status).label},
        )
        return redirect(offer)
    if form.to_status == OfferStatus.WITHDRAWN and not withdrawal_confirmed(request):
        return confirm_withdrawal(
            request,
            heading=_("Withdraw offer %(number)s?") % {"number": offer.number},
            summary=f"{offer.quantity} × {offer.description}",
            consequence=_("The fund no longer considers it, and it can no longer be changed. "
                          "To offer the equipment again, record a new offer."),
            form=form,
            action=reverse("pledges:offer_move", args=[offer.pk]),
            cancel=offer.get_absolute_url(),
            hidden={"to_status": form.to_status},
        )
    try:
        transition(
            offer,
            form.to_status,
            Actor.of(request.user),
            expected_status=form.cleaned_data["expected_status"],
            note=form.cleaned_data["note"],
            **form.changes(),
        )
    except TransitionRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            _("%(number)s is now “%(status)s”.")
            % {"number": offer.number, "status": offer.get_status_display()},
        )
    return redirect(offer)


# A refused bulk move comes back to the list with what the coordinator chose, in the query:
# the same rows checked ("selected") and the same action and its fields ("bulk_<field>").
KEPT_SELECTION = "selected"
KEPT_BULK_FIELDS = ("action", "destination", "reason", "pickup_date")


def _back_to_list(request: HttpRequest, *, keep_selection: bool = False) -> HttpResponse:
    # Only the query string is taken from the form, re-encoded: never a URL to elsewhere.
    query = QueryDict(request.POST.get("query", ""), mutable=True)
    for key in (KEPT_SELECTION, *(f"bulk_{name}" for name in KEPT_BULK_FIELDS)):
        query.pop(key, None)
    if keep_selection:
        query.setlist(KEPT_SELECTION, [pk for pk in request.POST.getlist("offers") if pk.isdigit()])
        for name in KEPT_BULK_FIELDS:
            if request.POST.get(name):
                query[f"bulk_{name}"] = request.POST[name]
    query = query.urlencode()
    return redirect(reverse("pledges:offer_list") + (f"?{query}" if query else ""))


def _kept_bulk_form(request: HttpRequest) -> BulkMoveForm:
    """The bulk form as a refused move left it (see _back_to_list), or empty."""
    initial = {name: request.GET[f"bulk_{name}"] for name in KEPT_BULK_FIELDS if request.GET.get(f"bulk_{name}")}
    return BulkMoveForm(offers=EquipmentOffer.objects.none(), initial=initial)


@require_POST
@allow(Role.COORDINATOR)
def offer_bulk(request: HttpRequest) -> HttpResponse:
    """Make one move on many offers: all of them, or none."""
    form = BulkMoveForm(request.POST, offers=visible_offers(request.user))
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return _back_to_list(request, keep_selection=True)
    # Locks are taken in a fixed order, so two bulk actions cannot deadlock.
    chosen = sorted(form.cleaned_data["offers"], key=lambda offer: offer.pk)
    to_status = form.cleaned_data["action"]
    try:
        transition_many(chosen, to_status, Actor.of(request.user), note=form.note(), **form.changes())
    except TransitionRefused as refusal:
        messages.error(request, _("Nothing was changed. %(reason)s") % {"reason": refusal.message})
        return _back_to_list(request, keep_selection=True)
    messages.success(
        request,
        ngettext(
            "%(count)d offer is now “%(status)s”.",
            "%(count)d offers are now “%(status)s”.",
            len(chosen),
        )
        % {"count": len(chosen), "status": OfferStatus(to_status).label},
    )
    return _back_to_list(request)


@allow(*EVERYONE)
def offer_photo(request: HttpRequest, pk: int, photo_pk: int) -> FileResponse:
    """Serve a photo only to those who may see its offer, as the type Pillow verified."""
    offer = get_visible_or_404(visible_offers(request.user), pk=pk)
    photo = get_object_or_404(offer.photos, pk=photo_pk)
    try:
        stream = photo.image.storage.open(photo.image.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = photo.content_type.removeprefix("image/").replace("jpeg", "jpg")
    response = FileResponse(
        stream,
        content_type=photo.content_type,
        as_attachment=False,
        filename=f"{offer.number}-{photo.pk}.{extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response

def with_figures(needs: Iterable[Need]) -> list[Need]:
    """Add what is still missing and by how much a need is over-pledged (from with_progress)."""
    rows = list(needs)
    for need in rows:
        need.missing_units = max(need.quantity - need.pledged_units, 0)
        need.surplus_units = max(need.pledged_units - need.quantity, 0)
    return rows


@dataclass
class CityProgress:
    """The open needs of one destination, added up for the overview."""

    destination: Destination
    needs: list[Need] = field(default_factory=list)

    def _sum(self, attribute: str) -> int:
        return sum(getattr(need, attribute) for need in self.needs)

    @property
    def needed_units(self) -> int:
        return self._sum("quantity")

    @property
    def pledged_units(self) -> int:
        return self._sum("pledged_units")

    @property
    def in_transit_units(self) -> int:
        return self._sum("in_transit_units")

    @property
    def delivered_units(self) -> int:
        return self._sum("delivered_units")

    @property
    def missing_units(self) -> int:
        return self._sum("missing_units")

    @property
    def over_pledged(self) -> int:
        """How many needs have more pledged than asked for."""
        return sum(1 for need in self.needs if need.surplus_units)


def by_city(needs: Iterable[Need]) -> list[CityProgress]:
    """Group needs (ordered by destination) per destination, keeping their order."""
    cities: dict[int, CityProgress] = {}
    for need in with_figures(needs):
        cities.setdefault(need.destination_id, CityProgress(need.destination)).needs.append(need)
    return list(cities.values())


def _appeal_choice(request: HttpRequest):
    appeals = equipment_appeals()
    chosen = request.GET.get("appeal", "")
    # isdigit() alone admits "²", which int() refuses.
    selected = appeals.filter(pk=int(chosen)).first() if chosen.isascii() and chosen.isdigit() else None
    return appeals, selected


@allow(*EVERYONE)
def need_board(request: HttpRequest) -> HttpResponse:
    """Every city with open needs: needed, pledged, in transit, delivered, still missing."""
    appeals, appeal = _appeal_choice(request)
    needs = Need.objects.open().filter(appeal__in=appeals)
    if appeal:
        needs = needs.filter(appeal=appeal)
    needs = needs.with_progress().select_related("destination").order_by(
        "destination__name_nl", "priority", "category", "pk"
    )
    return render(
        request,
        "equipment/need_board.html",
        {
            "cities": by_city(needs),
            "appeals": appeals,
            "appeal": appeal,
            "can_edit": request.user.role == Role.COORDINATOR,
        },
    )


@allow(*EVERYONE)
def need_city(request: HttpRequest, destination_pk: int) -> HttpResponse:
    """One city's needs, open ones first, each with its progress."""
    destination = get_object_or_404(Destination, pk=destination_pk)
    appeals, appeal = _appeal_choice(request)
    needs = destination.needs.filter(appeal__in=appeals)
    if appeal:
        needs = needs.filter(appeal=appeal)
    needs = needs.with_progress().select_related("appeal", "destination").order_by(
        "-is_open", "priority", "category", "pk"
    )
    needs = with_figures(needs)
    return render(
        request,
        "equipment/need_city.html",
        {
            "destination": destination,
            "needs": needs,
            "any_over_pledged": any(need.surplus_units for need in needs),
            "appeals": appeals,
            "appeal": appeal,
            "can_edit": request.user.role == Role.COORDINATOR,
        },
    )


def _saved(request: HttpRequest, need: Need) -> HttpResponse:
    messages.success(request, _("The need is saved: %(need)s.") % {"need": need})
    return redirect(reverse("pledges:need_city", args=[need.destination_id]))


@allow(Role.COORDINATOR)
def need_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = NeedForm(request.POST)
        if form.is_valid():
            return _saved(request, save_need(form, request.user))
    else:
        initial = {"appeal": equipment_appeals().filter(is_open=True).first()}
        for name in ("destination", "appeal"):
            value = request.GET.get(name, "")
            if value.isascii() and value.isdigit():
                initial[name] = int(value)
        form = NeedForm(initial=initial)
    return render(request, "equipment/need_form.html", {"form": form})


@allow(Role.COORDINATOR)
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.select_related("destination"), pk=pk)
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        return _saved(request, save_need(form, request.user))
    return render(
        request, "equipment/need_form.html", {"form": form, "need": need, "events": need.events.select_related("actor")}
    )
