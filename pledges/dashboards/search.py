"""The header's search box: a number goes straight to its page, a name to a list of what it names.

What can be found: a pledge (T-000052, or its RF reference), an offer (M-000123), a shipment
(TR-00012; staff: those carrying their offers), a municipality (by name or CBS code) and a destination in Ukraine (by its Dutch,
English or Ukrainian name). Everything comes through the person's visible querysets, so staff
find only their own municipality's pledges and offers, and a number they may not see reads
exactly as a number that does not exist.
"""

from __future__ import annotations

import dataclasses
import re

from django import forms
from django.db.models import Model, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pledges.accounts.access import EVERYONE, allow, visible_municipalities
from pledges.accounts.models import User
from pledges.dashboards.start import Link
from pledges.dashboards.views import filtered_url
from pledges.donations.access import visible_donations
from pledges.donations.models import Donation
from pledges.equipment.access import visible_offers
from pledges.equipment.filters import OFFER_NUMBER
from pledges.equipment.models import EquipmentOffer
from pledges.finance.matching import PLEDGE_NUMBER
from pledges.logistics.access import visible_shipments
from pledges.logistics.filters import SHIPMENT_NUMBER
from pledges.logistics.models import Shipment
from pledges.reference.models import Destination, Municipality

MAX_LENGTH = 100
# Rows per kind on the results page; a name as short as "dam" names many municipalities.
SHOWN = 20
CBS_CODE = re.compile(r"^GM\d{4}$")
# Digits alone could be any kind's number; as long as the numbers' own patterns allow.
BARE_NUMBER = re.compile(r"^0*(\d{1,12})$")


@dataclasses.dataclass(frozen=True)
class Result:
    title: str
    url: str
    text: str = ""
    links: tuple[Link, ...] = ()


@dataclasses.dataclass(frozen=True)
class Group:
    """The results of one kind (pledges, offers, ...): the first SHOWN, and how many in all."""

    key: str
    title: str
    results: list[Result]
    count: int


def _numbered(user: User, text: str) -> tuple[str, Model | None] | None:
    """The one row a number names, as (the number as it is written, the row or None if not visible).

    None when `text` is no number of the ledger's.
    """
    if found := SHIPMENT_NUMBER.match(text):
        pk = int(found.group(1))
        return Shipment(pk=pk).number, visible_shipments(user).filter(pk=pk).first()
    if found := PLEDGE_NUMBER.match(text):
        pk = int(found.group(1))
        return Donation.number_for(pk), visible_donations(user).filter(pk=pk).first()
    if found := OFFER_NUMBER.match(text):
        pk = int(found.group(1))
        return EquipmentOffer(pk=pk).number, visible_offers(user).filter(pk=pk).first()
    compact = re.sub(r"\s+", "", text).upper()
    if compact.startswith("RF") and len(compact) > 4:
        return compact, visible_donations(user).filter(reference=compact).first()
    if CBS_CODE.match(compact):
        return compact, visible_municipalities(user).filter(code=compact).first()
    return None


def _address(row: Model) -> str:
    if isinstance(row, Municipality):
        return reverse("pledges:municipality_dashboard", args=[row.code])
    return row.get_absolute_url()


def _group(key: str, title: str, rows: QuerySet, result) -> Group | None:
    count = rows.count()
    return Group(key, title, [result(row) for row in rows[:SHOWN]], count) if count else None


def _municipality_links(user: User, municipality: Municipality) -> tuple[Link, ...]:
    # Fund staff filter the lists by municipality; staff see only their own anyway.
    scope = {} if user.is_municipal_staff else {"municipality": municipality.pk}
    return (
        Link(_("Dashboard"), reverse("pledges:municipality_dashboard", args=[municipality.code])),
        Link(_("Pledges"), filtered_url("pledges:donation_list", **scope)),
        Link(_("Equipment"), filtered_url("pledges:offer_list", **scope)),
        Link(_("Every pledge and offer, step by step"), reverse("pledges:contribution", args=[municipality.code])),
    )


def _place_text(place: Destination) -> str:
    """Its other names, what kind of place it is, and its oblast: "Kyiv · Київ · city · Kyiv"."""
    names = [name for name in dict.fromkeys([place.name_en, place.name_uk]) if name and name != place.name_nl]
    return " · ".join([*names, str(place.get_kind_display()), place.oblast_en])


def _groups(user: User, text: str) -> list[Group]:
    """Every kind of row `text` names: rows numbered so (bare digits), municipalities and destinations."""
    pledges = offers = shipments = Donation.objects.none()
    # [0-9] only: isdigit() admits "²", which int() refuses.
    if (bare := BARE_NUMBER.match(text)) and text.isascii():
        pk = int(bare.group(1))
        pledges = visible_donations(user).filter(pk=pk).select_related("municipality")
        offers = visible_offers(user).filter(pk=pk).select_related("municipality")
        shipments = visible_shipments(user).filter(pk=pk).select_related("destination")
    municipalities = visible_municipalities(user).filter(name__icontains=text).order_by("name")
    destinations = Destination.objects.filter(
        Q(name_nl__icontains=text) | Q(name_en__icontains=text) | Q(name_uk__icontains=text)
    ).order_by("name_nl", "pk")
    found = [
        _group("pledges", _("Pledges"), pledges, lambda donation: Result(
            donation.number, donation.get_absolute_url(),
            f"{donation.municipality.name} · {donation.get_status_display()}")),
        _group("offers", _("Offers"), offers, lambda offer: Result(
            offer.number, offer.get_absolute_url(),
            f"{offer.category_and_description} · {offer.municipality.name} · {offer.get_status_display()}")),
        _group("shipments", _("Shipments"), shipments, lambda shipment: Result(
            shipment.number, shipment.get_absolute_url(),
            f"{shipment.carrier} → {shipment.destination} · {shipment.get_status_display()}")),
        _group("municipalities", _("Municipalities"), municipalities, lambda municipality: Result(
            municipality.name, reverse("pledges:municipality_dashboard", args=[municipality.code]),
            f"{municipality.code} · {municipality.get_province_display()}",
            _municipality_links(user, municipality))),
        _group("destinations", _("Cities and regions in Ukraine"), destinations, lambda place: Result(
            place.name_nl, reverse("pledges:need_city", args=[place.pk]),
            _place_text(place),
            (Link(_("Needs"), reverse("pledges:need_city", args=[place.pk])),
             Link(_("Equipment for this destination"), filtered_url("pledges:offer_list", destination=place.pk))))),
    ]
    return [group for group in found if group]


class SearchForm(forms.Form):
    # A form field, so what no database holds (NUL, control characters, 100,000 characters) is refused, said why.
    q = forms.CharField(label=gettext_lazy("Search"), max_length=MAX_LENGTH, required=False)


@allow(*EVERYONE)
def search(request: HttpRequest) -> HttpResponse:
    """Find what a number or a name points to, within what the person may see."""
    user = request.user
    form = SearchForm(request.GET)
    text = form.cleaned_data["q"] if form.is_valid() else ""
    context = {
        "search_text": text or request.GET.get("q", "")[:MAX_LENGTH],
        "refused": form.errors.get("q", []),
        "groups": [],
        "missing": "",
    }
    if text:
        numbered = _numbered(user, text)
        if numbered is not None:
            number, row = numbered
            if row is not None:
                return redirect(_address(row))
            context["missing"] = number
        else:
            context["groups"] = _groups(user, text)
    return render(request, "dashboards/search.html", context)
