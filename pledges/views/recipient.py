"""The recipient city's page: confirm receipt of a delivery through a signed link, without an account.

Ukrainian by default, English on request (?lang=en), nothing else. The page
shows only what was delivered on the link's shipment: number, description and
quantity; no municipality, no contact data, no amounts.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from pledges import receipts
from pledges.access import public
from pledges.forms.shipments import ReceiptForm
from pledges.models import Shipment

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"


def page_language(request: HttpRequest) -> str:
    language = request.GET.get("lang", DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _in_language(response: HttpResponse, language: str) -> HttpResponse:
    response.headers["Content-Language"] = language
    return response


def _link_problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    """Say in Ukrainian and English that the link does not work, and show nothing else."""
    with translation.override("uk"):
        response = render(request, "recipient/link_problem.html", {"problem": problem}, status=status)
    return _in_language(response, "uk")


def _prefix(offer_id: int) -> str:
    return f"item{offer_id}"


@public
def recipient(request: HttpRequest, token: str) -> HttpResponse:
    try:
        shipment_id = receipts.shipment_id_from(token)
    except receipts.LinkExpired:
        return _link_problem(request, "expired", status=410)
    except receipts.LinkInvalid:
        return _link_problem(request, "invalid", status=400)
    shipment = (
        Shipment.objects.select_related("destination")
        .filter(pk=shipment_id, status=Shipment.Status.DELIVERED)
        .first()
    )
    if shipment is None:
        return _link_problem(request, "invalid", status=404)
    language = page_language(request)
    with translation.override(language):
        return _in_language(_confirmation_page(request, shipment, token, language), language)


def _confirmation_page(request: HttpRequest, shipment: Shipment, token: str, language: str) -> HttpResponse:
    invalid_form, status = None, 200
    if request.method == "POST":
        try:
            offer_id = int(request.POST.get("offer", ""))
        except ValueError:
            offer_id = 0
        form = ReceiptForm(request.POST, request.FILES, prefix=_prefix(offer_id))
        if form.is_valid():
            try:
                offer = receipts.confirm_receipt(
                    shipment,
                    offer_id,
                    note=form.cleaned_data["note"].strip(),
                    photo=form.cleaned_data["photo"],
                    photo_content_type=getattr(form, "photo_content_type", ""),
                )
            except receipts.AlreadyConfirmed:
                messages.error(request, _("This item was already confirmed. Nothing was changed."))
                status = 409
            except receipts.NotConfirmable:
                messages.error(request, _("This item is not part of this delivery. Nothing was changed."))
                status = 400
            else:
                messages.success(
                    request, _("Thank you. Receipt of %(number)s is confirmed.") % {"number": offer.number}
                )
                return redirect(f"{request.path}?lang={language}")
        else:
            invalid_form, status = (offer_id, form), 400
    items = []
    for item in receipts.delivered_items(shipment):
        if invalid_form and invalid_form[0] == item.pk:
            form = invalid_form[1]
        else:
            form = ReceiptForm(prefix=_prefix(item.pk))
        items.append((item, form))
    destination = shipment.destination
    city = destination.name_uk if language == "uk" else destination.name_en
    return render(
        request,
        "recipient/confirm.html",
        {
            "shipment": shipment,
            "city": city,
            "items": items,
            "language": language,
            "token": token,
            "all_confirmed": bool(items) and all(item.status == "confirmed" for item, _form in items),
        },
        status=status,
    )
