"""The item passport a unit's QR label opens (public on purpose: the link is signed), and the units that do not move.

The passport is in Ukrainian (by default) or English, for whoever holds the unit, without an
account: what the unit is, where it comes from, where it travels, its custody steps, and a
form to record the next one. It is light: no script, no pictures but links to the photos.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from pledges.accounts.access import FUND_STAFF, allow, get_visible_or_404, public
from pledges.accounts.models import Role
from pledges.core.once import claim, led_to, sent_once
from pledges.history.services import writing
from pledges.equipment.specifications import specifications
from pledges.passports.forms import CustodyForm
from pledges.passports.links import LinkInvalid, LinkReplaced, make_token, unit_from
from pledges.passports.models import CustodyPhoto, Step, Unit
from pledges.passports.services import (
    AlreadyRecorded,
    StepRefused,
    custody_events,
    not_moving,
    record_step,
    replace_label,
    stale_days,
)

LANGUAGES = ("uk", "en")
DEFAULT_LANGUAGE = "uk"
PAGE_SIZE = 50


def _language(request: HttpRequest) -> str:
    language = request.GET.get("lang", DEFAULT_LANGUAGE)
    return language if language in LANGUAGES else DEFAULT_LANGUAGE


def _link_problem(request: HttpRequest, problem: str, status: int) -> HttpResponse:
    """Say in Ukrainian and English that the label's link does not work, and nothing else."""
    with translation.override("uk"):
        response = render(request, "passports/link_problem.html", {"problem": problem}, status=status)
    response.headers["Content-Language"] = "uk"
    return response


def _unit_or_problem(request: HttpRequest, token: str) -> Unit | HttpResponse:
    try:
        return unit_from(token)
    except LinkReplaced:
        return _link_problem(request, "replaced", status=410)
    except LinkInvalid:
        return _link_problem(request, "invalid", status=400)


def _steps(unit: Unit) -> list[dict]:
    """The unit's custody steps, newest first, with the step worded in the active language."""
    photos = {photo.image.name: photo.pk for photo in CustodyPhoto.objects.filter(unit=unit)}
    steps = []
    for event in custody_events(unit):
        custody = event.data.get("custody", {})
        steps.append({
            "at": event.at,
            "step": custody.get("step", ""),
            "label": Step(custody["step"]).label if custody.get("step") in Step.values else custody.get("step", ""),
            "site": custody.get("site", ""),
            "position": custody.get("position", ""),
            "note": event.note,
            "photo": photos.get(custody.get("photo", "")),
        })
    return steps


@public
def passport(request: HttpRequest, token: str) -> HttpResponse:
    found = _unit_or_problem(request, token)
    if isinstance(found, HttpResponse):
        return found
    unit, language = found, _language(request)
    with translation.override(language):
        response = _passport_page(request, unit, token, language)
    response.headers["Content-Language"] = language
    return response


def _passport_page(request: HttpRequest, unit: Unit, token: str, language: str) -> HttpResponse:
    form, status = CustodyForm(), 200
    if request.method == "POST":
        form = CustodyForm(request.POST, request.FILES)
        if form.is_valid():
            actor = request.user if request.user.is_authenticated else None
            try:
                record_step(unit, form.cleaned_data["step"], actor=actor, **form.step_fields())
            except AlreadyRecorded:
                messages.info(request, _("This step was recorded a moment ago; nothing more was recorded."))
                return redirect(f"{request.path}?lang={language}#steps")
            except StepRefused:
                form.add_error("site", _("Name the site where the unit is installed."))
                status = 400
            else:
                messages.success(
                    request, _("Thank you. The step “%(step)s” is recorded.") % {"step": Step(form.cleaned_data["step"]).label}
                )
                return redirect(f"{request.path}?lang={language}#steps")
        else:
            status = 400
    offer = unit.offer
    shipment = offer.shipment
    destination = shipment.destination if shipment else offer.destination
    city = ""
    if destination is not None:
        city = destination.name_uk if language == "uk" else destination.name_en
    return render(
        request,
        "passports/passport.html",
        {
            "unit": unit,
            "offer": offer,
            "specs": specifications(offer),
            "shipment": shipment,
            "city": city,
            "steps": _steps(unit),
            "form": form,
            "language": language,
            "token": token,
        },
        status=status,
    )


@public
def passport_photo(request: HttpRequest, token: str, pk: int) -> HttpResponse:
    """A photo sent with one of the unit's steps, to whoever has the unit's link."""
    found = _unit_or_problem(request, token)
    if isinstance(found, HttpResponse):
        return found
    photo = CustodyPhoto.objects.filter(unit=found, pk=pk).first()
    if photo is None:
        raise Http404
    try:
        stream = photo.image.storage.open(photo.image.name, "rb")
    except FileNotFoundError:
        raise Http404 from None
    extension = photo.content_type.removeprefix("image/").replace("jpeg", "jpg")
    response = FileResponse(stream, content_type=photo.content_type, filename=f"{found.number.replace('/', '-')}.{extension}")
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response


@allow(*FUND_STAFF)
def units_not_moving(request: HttpRequest) -> HttpResponse:
    """Units that left and have not moved for PASSPORT_STALE_DAYS days, the longest still first."""
    page = Paginator(not_moving(), PAGE_SIZE).get_page(request.GET.get("page"))
    now = timezone.now()
    for unit in page:
        unit.passport_token = make_token(unit)
        unit.quiet_days = (now - (unit.last_step_at or unit.created_at)).days
    return render(request, "passports/not_moving.html", {"page": page, "days": stale_days()})


@require_POST
@allow(Role.COORDINATOR)
@sent_once
def unit_replace_label(request: HttpRequest, pk: int) -> HttpResponse:
    """A new label for a unit: the old label's link then says it was replaced; print the labels again."""
    unit = get_visible_or_404(Unit.objects.select_related("offer__shipment"), pk=pk)
    back = unit.offer.shipment.get_absolute_url() if unit.offer.shipment else "/"
    with writing():
        used = claim(request, "unit_label")
        replace_label(unit, request.user)
        led_to(used, back)
    messages.success(
        request,
        _("Unit %(number)s has a new label: its old label's link says it was replaced. Print its label again "
          "and stick it on the unit.") % {"number": unit.number},
    )
    return redirect(back)
