"""“What happened with our contribution”: a municipality's offers and pledges, each with its timeline.

Staff see their own municipality at a stable address they can share with
colleagues (bijdrage/GM0034/); fund staff see any municipality. Another
municipality's code is a 404 for staff, as everywhere in the ledger.
"""


from django.db.models import Count, Exists, OuterRef, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from pledges.accounts.access import EVERYONE, allow, get_visible_or_404, visible_municipalities
from pledges.donations.access import visible_donations
from pledges.donations.models import Donation
from pledges.equipment.access import visible_offers
from pledges.equipment.models import EquipmentOffer, OfferStatus
from pledges.finance.annual import selectable_years
from pledges.history.models import Event
from pledges.reference.models import Appeal, Municipality

# Offers that no longer travel: they are listed, but not as part of what is on its way.
ENDED = (OfferStatus.DECLINED, OfferStatus.WITHDRAWN)


def _timeline() -> Prefetch:
    return Prefetch("events", queryset=Event.objects.select_related("actor").order_by("at", "id"))


@allow(*EVERYONE)
def contribution_home(request: HttpRequest) -> HttpResponse:
    """Staff go to their municipality's page; fund staff choose a municipality that contributed.

    The list holds the participating municipalities (of `?appeal=` when given), as the
    dashboard counts them; those whose every pledge and offer was withdrawn or declined
    follow separately, so their pages stay one click away.
    """
    user = request.user
    if user.is_municipal_staff and user.municipality_id:
        return redirect("pledges:contribution", code=user.municipality.code)
    chosen = request.GET.get("appeal", "")
    # isdigit() alone admits "²", which int() refuses.
    appeal = Appeal.objects.filter(pk=int(chosen)).first() if chosen.isascii() and chosen.isdigit() else None
    donations, offers = Donation.objects.all(), EquipmentOffer.objects.all()
    if appeal:
        donations, offers = donations.filter(appeal=appeal), offers.filter(appeal=appeal)
    municipalities = visible_municipalities(user).order_by("name")
    participating = municipalities.filter(Municipality.objects.takes_part(donations, offers))
    contributed = municipalities.filter(
        Exists(offers.filter(municipality=OuterRef("pk"))) | Exists(donations.filter(municipality=OuterRef("pk")))
    )
    return render(
        request,
        "dashboards/contribution_home.html",
        {
            "appeal": appeal,
            "municipalities": participating,
            "no_longer": contributed.exclude(pk__in=participating.values("pk")),
        },
    )


@allow(*EVERYONE)
def contribution(request: HttpRequest, code: str) -> HttpResponse:
    user = request.user
    municipality = get_visible_or_404(visible_municipalities(user), code=code)
    offers = (
        visible_offers(user)
        .filter(municipality=municipality)
        .select_related("appeal", "destination", "shipment", "receipt")
        .prefetch_related(_timeline(), "units")
        .order_by("-created_at", "-id")
    )
    donations = (
        visible_donations(user)
        .filter(municipality=municipality)
        .select_related("appeal")
        .prefetch_related(_timeline())
        .order_by("-created_at", "-id")
    )
    stages = dict(
        offers.order_by().values_list("status").annotate(count=Count("id")).values_list("status", "count")
    )
    return render(
        request,
        "dashboards/contribution_detail.html",
        {
            "municipality": municipality,
            "offers": offers,
            "donations": donations,
            "money": donations.totals(),
            "stages": [
                (OfferStatus(status).label, stages[status]) for status in OfferStatus.values if status in stages
            ],
            "confirmed": stages.get(OfferStatus.CONFIRMED, 0),
            "underway": sum(count for status, count in stages.items() if status not in ENDED),
            "share_url": request.build_absolute_uri(request.path),
            "account_years": selectable_years(),
        },
    )


@allow(*EVERYONE)
def receipt_photo(request: HttpRequest, code: str, offer_pk: int) -> FileResponse:
    """The recipient's photo of an arrived item, only to those who may see the offer."""
    municipality = get_visible_or_404(visible_municipalities(request.user), code=code)
    offer = get_visible_or_404(
        visible_offers(request.user).filter(municipality=municipality).select_related("receipt"), pk=offer_pk
    )
    receipt = getattr(offer, "receipt", None)
    if receipt is None or not receipt.photo:
        raise Http404
    try:
        stream = receipt.photo.storage.open(receipt.photo.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = receipt.photo_content_type.removeprefix("image/").replace("jpeg", "jpg")
    response = FileResponse(
        stream, content_type=receipt.photo_content_type, filename=f"{offer.number}-ontvangst.{extension}"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response
