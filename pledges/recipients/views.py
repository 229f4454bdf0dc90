"""The recipient organisations of each destination: coordinators keep them, fund staff read them."""

from __future__ import annotations

from itertools import groupby

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from pledges.accounts.access import FUND_STAFF, allow
from pledges.accounts.models import Role
from pledges.recipients.forms import RecipientEditForm, RecipientForm
from pledges.recipients.models import RecipientOrganisation
from pledges.recipients.services import save_recipient


def _organisations():
    return RecipientOrganisation.objects.select_related("destination")


@allow(*FUND_STAFF)
def recipient_list(request: HttpRequest) -> HttpResponse:
    """Every destination's recipient organisations, each saying what its documents still need."""
    rows = _organisations().order_by("destination__name_nl", "legal_name_en", "pk")
    by_destination = [
        (destination, list(group)) for destination, group in groupby(rows, key=lambda row: row.destination)
    ]
    return render(
        request,
        "recipients/recipient_list.html",
        {"by_destination": by_destination, "can_edit": request.user.role == Role.COORDINATOR},
    )


@allow(*FUND_STAFF)
def recipient_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(_organisations(), pk=pk)
    return render(
        request,
        "recipients/recipient_detail.html",
        {
            "organisation": organisation,
            "missing": [RecipientOrganisation._meta.get_field(name).verbose_name
                        for name in organisation.missing_for_departure()],
            "shipments": organisation.shipments.order_by("-planned_departure", "-pk"),
            "events": organisation.events.select_related("actor"),
            "can_edit": request.user.role == Role.COORDINATOR,
        },
    )


@allow(Role.COORDINATOR)
def recipient_create(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        form = RecipientForm(request.POST)
        if form.is_valid():
            organisation = save_recipient(form, request.user)
            messages.success(request, _("%(name)s is saved.") % {"name": organisation.legal_name_en})
            return redirect("pledges:recipient_detail", pk=organisation.pk)
    else:
        chosen = request.GET.get("destination", "")
        initial = {"destination": int(chosen)} if chosen.isascii() and chosen.isdigit() else {}
        form = RecipientForm(initial=initial)
    return render(request, "recipients/recipient_form.html", {"form": form})


@allow(Role.COORDINATOR)
def recipient_edit(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(_organisations(), pk=pk)
    form = RecipientEditForm(request.POST or None, instance=organisation)
    if request.method == "POST" and form.is_valid():
        save_recipient(form, request.user)
        messages.success(request, _("%(name)s is saved.") % {"name": organisation.legal_name_en})
        return redirect("pledges:recipient_detail", pk=organisation.pk)
    return render(request, "recipients/recipient_form.html", {"form": form, "organisation": organisation})
