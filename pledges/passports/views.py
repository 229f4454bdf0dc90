"""The item passport page a unit's QR label opens (public on purpose: the link is signed)."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from pledges.passports.links import LinkInvalid, LinkReplaced, unit_from


def passport(request: HttpRequest, token: str) -> HttpResponse:
    try:
        unit = unit_from(token)
    except (LinkInvalid, LinkReplaced):
        raise Http404 from None
    return render(request, "passports/passport.html", {"unit": unit})
