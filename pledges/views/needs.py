"""Needs (behoeften): what each Ukrainian city asked for, and how far the offers go to meet it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from pledges.access import EVERYONE, allow
from pledges.forms.equipment import NeedForm, equipment_appeals
from pledges.models import Destination, Need, Role


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
        "needs/board.html",
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
        "needs/city.html",
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
            return _saved(request, form.save())
    else:
        initial = {"appeal": equipment_appeals().filter(is_open=True).first()}
        for name in ("destination", "appeal"):
            value = request.GET.get(name, "")
            if value.isascii() and value.isdigit():
                initial[name] = int(value)
        form = NeedForm(initial=initial)
    return render(request, "needs/form.html", {"form": form})


@allow(Role.COORDINATOR)
def need_edit(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_object_or_404(Need.objects.select_related("destination"), pk=pk)
    form = NeedForm(request.POST or None, instance=need)
    if request.method == "POST" and form.is_valid():
        return _saved(request, form.save())
    return render(request, "needs/form.html", {"form": form, "need": need})
